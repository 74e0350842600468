package cli

import (
	"io"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// keyEnvSuffixes mark the environment variables whose values are treated
// as secrets even when no model uses them: a key for one provider must not
// end up in a session file because another one echoed it.
var keyEnvSuffixes = []string{"_API_KEY", "_TOKEN", "_SECRET", "_SECRET_KEY", "_ACCESS_KEY", "_PASSWORD"}

// secretValues are the values a session file must never hold: the key of
// every target and preset, the AWS credentials, every variable that looks
// like a key (environ is the "NAME=value" list, as os.Environ gives it;
// the values are read through getenv, which is what the backends see), and
// the password and query values of the targets' base URLs. Values shorter
// than session.MinSecretLen are left out: they are no key, and scrubbing
// them would mangle ordinary text.
func secretValues(getenv func(string) string, environ []string, targets []backends.Target) []string {
	names := []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_BEARER_TOKEN_BEDROCK", "ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"}
	for _, p := range backends.PresetNames() {
		if pr, ok := backends.LookupPreset(p); ok && pr.KeyEnv != "" {
			names = append(names, pr.KeyEnv)
		}
	}
	var values []string
	for _, t := range targets {
		if t.KeyEnv != "" {
			names = append(names, t.KeyEnv)
		}
		if u, err := url.Parse(t.BaseURL); err == nil && t.BaseURL != "" {
			if pw, ok := u.User.Password(); ok {
				values = append(values, pw)
			}
			for _, vs := range u.Query() {
				values = append(values, vs...)
			}
		}
	}
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		for _, suf := range keyEnvSuffixes {
			if strings.HasSuffix(strings.ToUpper(name), suf) {
				names = append(names, name)
				break
			}
		}
	}
	for _, n := range names {
		values = append(values, getenv(n))
	}
	values = slices.DeleteFunc(values, func(v string) bool { return len(v) < session.MinSecretLen })
	slices.Sort(values)
	return slices.Compact(values)
}

// knownSecrets are the secrets a command has learnt of beyond those of the
// environment (the keys the config names), so that what it prints last —
// its error, on stderr — is scrubbed of them too. Commands add to it as
// they load their config; it is shared by every copy of the command's env.
type knownSecrets struct {
	mu     sync.Mutex
	values []string
	ready  bool
	set    session.Secrets
}

func (k *knownSecrets) add(values []string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.values = append(k.values, values...)
	k.ready = false
}

// secrets is every secret e knows: the environment's (whatever command it
// is, even one that failed before loading a config) and those added.
func (e env) secrets() session.Secrets {
	base := secretValues(e.getenv, e.environment(), nil)
	if e.known == nil {
		return session.NewSecrets(base)
	}
	k := e.known
	k.mu.Lock()
	defer k.mu.Unlock()
	if !k.ready {
		k.set, k.ready = session.NewSecrets(append(base, k.values...)), true
	}
	return k.set
}

// scrub is text as fanout may print it: every known secret replaced.
func (e env) scrub(text string) string { return e.secrets().Scrub(text) }

// scrubbedWriter scrubs each write of secrets. It is for logs, where every
// record is one write: a secret split between two writes is not joined up.
type scrubbedWriter struct {
	w       io.Writer
	secrets session.Secrets
}

func (s scrubbedWriter) Write(p []byte) (int, error) {
	clean := s.secrets.Scrub(string(p))
	if _, err := io.WriteString(s.w, clean); err != nil {
		return 0, err
	}
	return len(p), nil
}
