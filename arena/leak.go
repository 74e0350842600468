package arena

import (
	"regexp"
	"strings"

	"github.com/fanout-dev/fanout/backends"
)

// makerNames are the models and makers an answer may name itself by. Each
// is matched as a whole word, case-insensitively.
var makerNames = []string{
	"claude", "anthropic", "openai", "chatgpt", "gpt", "gpt-?[0-9][a-z0-9.-]*", "o[134](?:-mini)?",
	"gemini", "gemma", "bard", "google", "deepmind", "llama", "meta", "mistral", "mixtral", "codestral",
	"deepseek", "qwen", "alibaba", "tongyi", "nova", "amazon", "titan", "grok", "xai", "x\\.ai",
	"cohere", "command[- ]r", "phi", "microsoft", "copilot", "jamba", "ai21", "kimi", "moonshot",
	"glm", "zhipu", "ernie", "baidu", "yi", "01\\.ai", "granite", "ibm", "nemotron", "nvidia",
	"falcon", "olmo", "minimax", "hunyuan", "tencent", "doubao", "bytedance", "writer", "palmyra",
}

// selfNaming finds an answer that names its own model or maker: "I'm
// Claude", "I am ChatGPT", "as an OpenAI model", "Gemini here", "I was
// trained by Google", "my name is Grok". Talk about a model in the third
// person ("Claude was released in 2023", "OpenAI's API") is not a leak.
var selfNaming = func() []*regexp.Regexp {
	name := `(?:` + strings.Join(makerNames, "|") + `)`
	apos := `['’]`
	pats := []string{
		// "I'm Claude", "I am ChatGPT, …", "I am Gemini, a model …", "this is Grok"
		`\b(?:i` + apos + `m|i am|this is|my name is|you(?:` + apos + `re| are) (?:talking|chatting|speaking) (?:to|with))\s+(?:an? |the )?(?:ai |assistant |model |language model )?(?:called |named )?` + name + `\b`,
		// "as an OpenAI model", "as a Claude model", "as Anthropic's assistant"
		`\bas (?:an? |the )?` + name + `(?:` + apos + `s)?[\s-]+(?:\w+[\s-]+){0,2}(?:model|assistant|ai|chatbot|llm)\b`,
		// "I'm a large language model trained by Google", "I was developed by Meta",
		// "I am an AI assistant created by Anthropic"
		`\bi(?:` + apos + `m| am| was| have been|` + apos + `ve been)\b[^.!?\n]{0,60}?\b(?:trained|developed|made|created|built|designed|owned|made available|provided) by\s+(?:the\s+)?` + name + `\b`,
		// "my creators at OpenAI", "my developers, Anthropic"
		`\bmy (?:creators?|developers?|makers?|maker|company|team)\b[^.!?\n]{0,20}?\b` + name + `\b`,
		// "Gemini here", "Claude here!"
		`(?:^|[\s"'(])` + name + `\s+here\b`,
		// fanout's own demo models say what they are: "fanout's demo model *Sage*"
		`\bdemo model\s+\*{0,2}(?:` + strings.Join(backends.DemoModelNames(), "|") + `)\b`,
		// "I'm an Anthropic model", "I'm a Meta AI assistant"
		`\bi(?:` + apos + `m| am)\s+(?:an? |the )?` + name + `(?:` + apos + `s)?[\s-]+(?:\w+[\s-]+){0,2}(?:model|assistant|ai|chatbot|llm)\b`,
	}
	out := make([]*regexp.Regexp, len(pats))
	for i, p := range pats {
		out[i] = regexp.MustCompile(`(?i)` + p)
	}
	return out
}()

// NamesItsMaker reports whether an answer names its own model or maker, as
// an answer that says "I'm Claude" does: a blind vote on it is not blind.
// The voter is told only that it does, never which.
func NamesItsMaker(answer string) bool {
	for _, re := range selfNaming {
		if re.MatchString(answer) {
			return true
		}
	}
	return false
}
