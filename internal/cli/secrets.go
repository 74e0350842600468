package cli

import (
	"net/url"
	"slices"
	"strings"

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
	names := []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_BEARER_TOKEN_BEDROCK"}
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
