package cli

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/config"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/prices"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
)

// common holds the flags the model-using commands share, and what they
// resolve to.
type common struct {
	configPath   string
	models       multiFlag
	stallTimeout time.Duration
	timeout      timeoutFlag
	sessionsDir  string
	noSave       bool
	storeURI     string

	cfg    *config.Config
	prices *backends.PriceBook
	// found is what discovery found, once per command: the default model
	// set and the picker's choices are both read from it.
	found []backends.Available
}

// The flags several commands take are each declared once, here; a command
// registers the ones it takes. usage, when not empty, replaces the flag's
// own description for a command where it means something more.

func (c *common) flagConfig(fs *flag.FlagSet, usage string) {
	fs.StringVar(&c.configPath, "config", "", cmp.Or(usage, "config `file` (default $XDG_CONFIG_HOME/fanout/config.toml)"))
}

func (c *common) flagSessionsDir(fs *flag.FlagSet, usage string) {
	fs.StringVar(&c.sessionsDir, "sessions-dir", "", cmp.Or(usage, "sessions `folder` (default sessions_dir from the config, or $XDG_DATA_HOME/fanout/sessions)"))
}

func (c *common) flagModels(fs *flag.FlagSet) {
	fs.Var(&c.models, "m", "`model` to use, as provider:model or a config name; repeat for more")
}

func (c *common) flagStallTimeout(fs *flag.FlagSet) {
	fs.DurationVar(&c.stallTimeout, "stall-timeout", 0, "end a stream that sends nothing for this `long` (default 60s, at most 24h)")
}

// flagTimeout registers --timeout, whose default, DefaultTimeout, shows in
// the help.
func (c *common) flagTimeout(fs *flag.FlagSet) {
	c.timeout.d = backends.DefaultTimeout
	fs.Var(&c.timeout, "timeout", "give up on a model that has not finished after this `long`, keeping its partial answer (at most 24h)")
}

// timeoutFlag is --timeout, which knows whether it was given: a timeout
// in the config counts only when the flag is not.
type timeoutFlag struct {
	d   time.Duration
	set bool
}

func (f *timeoutFlag) String() string {
	if f == nil {
		return ""
	}
	return f.d.String()
}

func (f *timeoutFlag) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return errors.New("not a duration (e.g. 90s, 10m)")
	}
	f.d, f.set = d, true
	return nil
}

func (c *common) flagNoSave(fs *flag.FlagSet, usage string) {
	fs.BoolVar(&c.noSave, "no-save", false, cmp.Or(usage, "do not record the run in the sessions folder"))
}

// register registers the flags of the commands that run models: run and
// the cockpit.
func (c *common) register(fs *flag.FlagSet) {
	c.registerSessions(fs)
	c.flagModels(fs)
	c.flagStallTimeout(fs)
	c.flagTimeout(fs)
	c.flagNoSave(fs, "")
}

// registerSessions registers the flags of the commands that only read
// sessions: where the config is, and where the sessions are.
func (c *common) registerSessions(fs *flag.FlagSet) {
	c.flagConfig(fs, "")
	c.flagSessionsDir(fs, "")
	c.flagStore(fs)
}

// check refuses a timeout out of range, before anything is sent.
func (c *common) check() error {
	if err := checkDuration("timeout", c.timeout.d); err != nil {
		return err
	}
	return checkDuration("stall-timeout", c.stallTimeout)
}

// checkDuration refuses a duration flag outside the documented range.
func checkDuration(name string, d time.Duration) error {
	if err := config.CheckDuration(d); err != nil {
		return fmt.Errorf("--%s: %w", name, err)
	}
	return nil
}

func flagTheme(fs *flag.FlagSet, theme *string, usage string) {
	fs.StringVar(theme, "theme", "", cmp.Or(usage, "colour `theme`: auto, "+strings.Join(themes.Names(), ", ")))
}

func flagJSON(fs *flag.FlagSet, jsonOut *bool, usage string) {
	fs.BoolVar(jsonOut, "json", false, cmp.Or(usage, "print JSON"))
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
	// Prices fetched by `fanout prices update` win over the snapshot's. A
	// broken copy is not the user's config: say so and price from the
	// embedded catalogs.
	updated, err := prices.LoadUpdated(prices.CacheDir(e.getenv))
	if err != nil {
		fmt.Fprintf(e.stderr, "fanout: %s; using the embedded prices\n", termsafe.Text(err.Error()))
	}
	c.prices = c.prices.WithUpdate(updated)
	if c.stallTimeout == 0 {
		c.stallTimeout = cfg.StallTimeout
	}
	if !c.timeout.set && cfg.Timeout > 0 {
		c.timeout.d = cfg.Timeout
	}
	return nil
}

func (c *common) options(e env) backends.Options {
	return backends.Options{StallTimeout: c.stallTimeout, Timeout: c.timeout.d, Getenv: e.getenv}
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
	return &session.Store{Dir: dir, App: appVersion(), Secrets: c.secrets(e, targets...), Author: c.author(e)}
}

// secrets is the one list of values no output may show, for targets and
// the config's models (see sessions). e learns of them too, so that the
// command's last error is scrubbed of them.
func (c *common) secrets(e env, targets ...backends.Target) []string {
	known := slices.Clone(targets)
	if c.cfg != nil {
		for _, name := range c.cfg.Order {
			known = append(known, c.cfg.Models[name])
		}
	}
	secrets := secretValues(e.getenv, e.environment(), known)
	if e.known != nil {
		e.known.add(secrets)
	}
	return secrets
}

// sampling is what goes with every prompt, from the flags of the commands
// that send one: the system prompt, the temperature, the cap on output
// tokens.
type sampling struct {
	system      string
	temperature optionalFloat // unset: each model's own
	maxTokens   int           // 0: no cap
}

func (s *sampling) register(fs *flag.FlagSet) {
	s.flagSystem(fs, "")
	s.flagTemperature(fs)
	s.flagMaxTokens(fs, 0, "")
}

func (s *sampling) flagSystem(fs *flag.FlagSet, usage string) {
	fs.StringVar(&s.system, "system", "", cmp.Or(usage, "system `prompt`"))
}

func (s *sampling) flagTemperature(fs *flag.FlagSet) {
	fs.Var(&s.temperature, "temperature", "sampling temperature, a number `T` from 0 to 2 (default: each model's own)")
}

func (s *sampling) flagMaxTokens(fs *flag.FlagSet, def int, usage string) {
	fs.IntVar(&s.maxTokens, "max-tokens", def, cmp.Or(usage, "cap on output tokens per model, 1 to 10000000 (0: none)"))
}

// check refuses values no provider takes (NaN included), before anything
// is sent, with the ranges the config uses too.
func (s *sampling) check() error {
	if s.temperature.set {
		if err := config.CheckTemperature(s.temperature.v); err != nil {
			return fmt.Errorf("--temperature: %w", err)
		}
	}
	if s.maxTokens != 0 {
		if err := config.CheckMaxTokens(int64(s.maxTokens)); err != nil {
			return fmt.Errorf("--max-tokens: %w", err)
		}
	}
	return nil
}

// prompt is the system prompt to send: the flag's, else the config's.
func (s *sampling) prompt(cfg *config.Config) string { return cmp.Or(s.system, cfg.System) }

// temp is the temperature to send, nil for each model's own.
func (s *sampling) temp() *float64 {
	if !s.temperature.set {
		return nil
	}
	t := s.temperature.v
	return &t
}

// optionalFloat is a number flag that knows whether it was given: no
// number can stand for "each model's own temperature".
type optionalFloat struct {
	v   float64
	set bool
}

func (o *optionalFloat) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatFloat(o.v, 'g', -1, 64)
}

func (o *optionalFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return errors.New("not a number")
	}
	o.v, o.set = v, true
	return nil
}

// store is where a command that runs targets records them; nil with
// --no-save.
func (c *common) store(e env, targets ...backends.Target) *session.Store {
	if c.noSave {
		return nil
	}
	return c.sessions(e, targets...)
}

// endRecording closes a run's session file and says on stderr where it
// went (when show) or why it could not be saved. A recording that failed
// never fails the run: the answers are on screen and the exit status is
// theirs.
func endRecording(e env, rec *session.Recorder, show bool) {
	if err := rec.Close(); err != nil {
		fmt.Fprintf(e.stderr, "fanout: session not saved: %s\n", termsafe.Text(e.scrub(err.Error())))
		return
	}
	if show {
		fmt.Fprintf(e.stderr, "session saved: %s\n", termsafe.Text(rec.Path()))
	}
}
