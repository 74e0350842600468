package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/config"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/ui"
)

// common holds the flags every model-using command shares, and what they
// resolve to.
type common struct {
	configPath   string
	models       multiFlag
	stallTimeout time.Duration
	sessionsDir  string
	noSave       bool

	cfg    *config.Config
	prices *backends.PriceBook
}

func (c *common) register(fs *flag.FlagSet) {
	c.registerSessions(fs)
	fs.Var(&c.models, "m", "model to use, as provider:model or a config name; repeat for more")
	fs.DurationVar(&c.stallTimeout, "stall-timeout", 0, "end a stream that sends nothing for this `long` (default 60s)")
	fs.BoolVar(&c.noSave, "no-save", false, "do not record the run in the sessions folder")
}

// registerSessions registers the flags of the commands that only read
// sessions: where the config is, and where the sessions are.
func (c *common) registerSessions(fs *flag.FlagSet) {
	fs.StringVar(&c.configPath, "config", "", "config `file` (default $XDG_CONFIG_HOME/fanout/config.toml)")
	fs.StringVar(&c.sessionsDir, "sessions-dir", "", "sessions `folder` (default sessions_dir from the config, or $XDG_DATA_HOME/fanout/sessions)")
}

// load reads the config. A broken config is a usage error: the user must fix
// the file before anything else.
func (c *common) load(e env) error {
	path, explicit := c.configPath, c.configPath != ""
	if !explicit {
		path = config.DefaultPath(e.getenv)
	}
	cfg, err := config.Load(path, explicit)
	if err != nil {
		return usagef("%s", err)
	}
	c.cfg = cfg
	c.prices = backends.NewPriceBook(cfg.Prices)
	if c.stallTimeout == 0 {
		c.stallTimeout = cfg.StallTimeout
	}
	return nil
}

func (c *common) options(e env) backends.Options {
	return backends.Options{StallTimeout: c.stallTimeout, Getenv: e.getenv}
}

// targets resolves the -m flags, or the default model set when there are none.
func (c *common) targets(ctx context.Context, e env) ([]backends.Target, error) {
	specs := []string(c.models)
	if len(specs) == 0 {
		specs = c.cfg.Default
	}
	if len(specs) == 0 {
		return discoverDefaults(ctx, c.options(e)), nil
	}
	out := make([]backends.Target, 0, len(specs))
	for _, s := range specs {
		t, err := c.cfg.Resolve(s)
		if err != nil {
			return nil, usagef("%s", err)
		}
		out = append(out, t)
	}
	if len(out) > ui.MaxPanes {
		return nil, usagef("%d models: fanout compares at most %d at once", len(out), ui.MaxPanes)
	}
	return out, nil
}

// price looks up a target's price; nil when unknown.
func (c *common) price(t backends.Target) *backends.Price {
	if p, ok := c.prices.Lookup(t); ok {
		return &p
	}
	return nil
}

// discoverDefaults is the model set when neither -m nor the config names one:
// what this machine can reach, and the demo models when it reaches nothing.
func discoverDefaults(ctx context.Context, opts backends.Options) []backends.Target {
	found := backends.Discover(ctx, opts)
	var out []backends.Target
	for _, a := range found {
		if a.Ready && a.Target.Provider != backends.ProviderDemo {
			out = append(out, a.Target)
		}
	}
	if len(out) == 0 {
		out = backends.DefaultDemoTargets()
	}
	if len(out) > ui.MaxPanes {
		out = out[:ui.MaxPanes]
	}
	return out
}

// sessions is the sessions folder: --sessions-dir, else sessions_dir from
// the config, else the default under $XDG_DATA_HOME. Its secrets, the values
// no session file may hold, are the one list for every command: every
// key-like variable of the environment, the keys and base-URL credentials
// of the config's models and of targets (the models the command may run).
// The config must be loaded.
func (c *common) sessions(e env, targets ...backends.Target) *session.Store {
	dir := c.sessionsDir
	if dir == "" && c.cfg != nil {
		dir = c.cfg.SessionsDir
		if rest, ok := strings.CutPrefix(dir, "~/"); ok {
			dir = filepath.Join(e.getenv("HOME"), rest)
		}
	}
	if dir == "" {
		dir = session.DefaultDir(e.getenv)
	}
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	known := slices.Clone(targets)
	if c.cfg != nil {
		for _, name := range c.cfg.Order {
			known = append(known, c.cfg.Models[name])
		}
	}
	return &session.Store{Dir: dir, App: appVersion(), Secrets: secretValues(e.getenv, e.environment(), known)}
}

// sampling is what goes with every prompt, from the flags of the commands
// that send one: the system prompt, the temperature, the cap on output
// tokens.
type sampling struct {
	system      string
	temperature float64 // -1: each model's own
	maxTokens   int
}

func (s *sampling) register(fs *flag.FlagSet) {
	fs.StringVar(&s.system, "system", "", "system prompt")
	fs.Float64Var(&s.temperature, "temperature", -1, "sampling temperature (default: each model's own)")
	fs.IntVar(&s.maxTokens, "max-tokens", 0, "cap on output tokens per model")
}

// check refuses values no provider takes, before anything is sent; cmd
// prefixes the message ("run: ").
func (s *sampling) check(cmd string) error {
	if s.maxTokens < 0 {
		return usagef("%s--max-tokens must be positive", cmd)
	}
	if s.temperature != -1 && (s.temperature < 0 || s.temperature > 2) {
		return usagef("%s--temperature must be between 0 and 2", cmd)
	}
	return nil
}

// prompt is the system prompt to send: the flag's, else the config's.
func (s *sampling) prompt(cfg *config.Config) string { return cmp.Or(s.system, cfg.System) }

// temp is the temperature to send, nil for each model's own.
func (s *sampling) temp() *float64 {
	if s.temperature < 0 {
		return nil
	}
	t := s.temperature
	return &t
}

// store is where a command that runs targets records them; nil with
// --no-save.
func (c *common) store(e env, targets ...backends.Target) *session.Store {
	if c.noSave {
		return nil
	}
	return c.sessions(e, targets...)
}

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

// endRecording closes a run's session file and says on stderr where it
// went (when show) or why it could not be saved. A recording that failed
// never fails the run: the answers are on screen and the exit status is
// theirs.
func endRecording(e env, rec *session.Recorder, show bool) {
	if err := rec.Close(); err != nil {
		fmt.Fprintf(e.stderr, "fanout: session not saved: %s\n", err)
		return
	}
	if show {
		fmt.Fprintf(e.stderr, "session saved: %s\n", rec.Path())
	}
}
