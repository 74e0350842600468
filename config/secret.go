package config

import (
	"regexp"
	"strings"
)

// A config is shown in terminals and CI logs whenever it is wrong, and people
// paste keys into configs. Nothing that may be a key is ever repeated in a
// message: names and words are echoed to show the fix, anything key-shaped
// is not.

// keyPrefixes start the API keys of common providers (OpenAI and Anthropic
// sk-, Groq gsk_, Google AIza, xAI xai-, GitHub, GitLab, Hugging Face,
// Perplexity, NVIDIA, Replicate, Slack, AWS access key ids).
var keyPrefixes = []string{
	"sk-", "sk_", "gsk_", "AIza", "xai-", "ghp_", "gho_", "ghs_", "ghu_", "github_pat_",
	"glpat-", "hf_", "pplx-", "nvapi-", "r8_", "xoxb-", "xoxp-", "AKIA", "ASIA",
}

// minPrefixedKey is the shortest string a known prefix marks as a key:
// real keys are far longer, and a short one is more likely a name.
const minPrefixedKey = 12

// looksLikeKey reports whether s may be a credential: it starts with a known
// key prefix, or it holds a long run of letters and digits in both cases (as
// random tokens do and names do not), or a very long run of letters and
// digits (hex and base62 tokens). Runs are split at - and _, so that names
// made of words ("Meta-Llama-3.1-70B-Instruct", "AZURE_OPENAI_API_KEY") are
// not taken for keys.
func looksLikeKey(s string) bool {
	for _, p := range keyPrefixes {
		if strings.HasPrefix(s, p) && len(s) >= minPrefixedKey {
			return true
		}
	}
	for _, run := range alnumRun.FindAllString(s, -1) {
		lower := strings.ContainsFunc(run, func(r rune) bool { return r >= 'a' && r <= 'z' })
		upper := strings.ContainsFunc(run, func(r rune) bool { return r >= 'A' && r <= 'Z' })
		digit := strings.ContainsFunc(run, func(r rune) bool { return r >= '0' && r <= '9' })
		if len(run) >= 16 && lower && upper && digit || len(run) >= 32 && digit && (lower || upper) {
			return true
		}
	}
	return false
}

var alnumRun = regexp.MustCompile(`[A-Za-z0-9]+`)

// tokenRun is what a key is made of; messages are scrubbed run by run.
var tokenRun = regexp.MustCompile(`[A-Za-z0-9_-]+`)

// notShown replaces a value that is not repeated in a message.
const notShown = "(not shown, in case it is a key)"

// scrub replaces every key-shaped run in msg. Messages are written not to
// echo such values in the first place; this is the net under them, for text
// that comes from elsewhere (a provider name checked by backends, a TOML
// library message).
func scrub(msg string) string {
	return tokenRun.ReplaceAllStringFunc(msg, func(run string) string {
		if looksLikeKey(run) {
			return notShown
		}
		return run
	})
}

// envName is what an environment variable name looks like.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// plausibleEnvName reports whether s can be the name of the variable that
// holds a key, rather than the key itself.
func plausibleEnvName(s string) bool {
	return envName.MatchString(s) && !looksLikeKey(s)
}
