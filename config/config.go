// Package config reads fanout's config file: named models, the default model
// set and price overrides. It never holds a secret: keys stay in the
// environment, and the config only names the variable that holds one.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/themes"
)

// Config is a loaded config file. The zero value is an empty config.
type Config struct {
	// Path is the file it came from; empty when no file was read.
	Path string
	// Models are the named models, by name, and Order their names in the
	// order they were written.
	Models map[string]backends.Target
	Order  []string
	// Default is the model set used when no -m is given.
	Default []string
	// Prices override or add to the catalog, keyed by model name or
	// "provider:model".
	Prices map[string]backends.Price
	// StallTimeout and Timeout default the flags of the same names.
	StallTimeout time.Duration
	Timeout      time.Duration
	// System is the default system prompt.
	System string
	// Theme is the cockpit's colour theme; empty follows the terminal.
	Theme string
	// SessionsDir is where runs are recorded, as written: an absolute path
	// or one starting with "~/" (the caller expands it). Empty means the
	// default folder under $XDG_DATA_HOME.
	SessionsDir string

	defaultLine int
}

// Error is a config mistake, with the file and line it is on.
type Error struct {
	Path string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Path, e.Msg)
}

// DefaultPath is $XDG_CONFIG_HOME/fanout/config.toml, or
// ~/.config/fanout/config.toml when XDG_CONFIG_HOME is unset.
func DefaultPath(getenv func(string) string) string {
	dir := getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home := getenv("HOME")
		if home == "" {
			if h, err := os.UserHomeDir(); err == nil {
				home = h
			}
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "fanout", "config.toml")
}

// Load reads the config at path. When explicit is false (the default path)
// a missing file is an empty config; when the user named the file, it must
// exist.
func Load(path string, explicit bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return &Config{}, nil
		}
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(path, data)
}

// Parse reads a config from data; path names it in errors.
func Parse(path string, data []byte) (*Config, error) {
	entries, err := parseTOML(string(data))
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return nil, &Error{Path: path, Line: se.line, Msg: se.msg}
		}
		return nil, &Error{Path: path, Msg: err.Error()}
	}
	c := &Config{Path: path, Models: map[string]backends.Target{}, Prices: map[string]backends.Price{}}
	modelLines := map[string]int{}
	for _, e := range entries {
		if err := c.set(e, modelLines); err != nil {
			return nil, &Error{Path: path, Line: e.line, Msg: err.Error()}
		}
	}
	for _, name := range c.Order {
		if err := c.finishModel(name); err != nil {
			return nil, &Error{Path: path, Line: modelLines[name], Msg: err.Error()}
		}
	}
	for _, spec := range c.Default {
		if _, err := c.Resolve(spec); err != nil {
			return nil, &Error{Path: path, Line: c.defaultLine, Msg: "default: " + err.Error()}
		}
	}
	return c, nil
}

// set applies one key = value.
func (c *Config) set(e entry, modelLines map[string]int) error {
	name := joinPath(e.path)
	switch e.path[0] {
	case "default":
		if len(e.path) != 1 {
			break
		}
		list, err := stringList(e.val)
		if err != nil {
			return fmt.Errorf("default: %w", err)
		}
		c.Default, c.defaultLine = list, e.line
		return nil
	case "stall_timeout", "timeout":
		if len(e.path) != 1 {
			break
		}
		d, err := duration(e.val)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if e.path[0] == "timeout" {
			c.Timeout = d
		} else {
			c.StallTimeout = d
		}
		return nil
	case "theme":
		if len(e.path) != 1 {
			break
		}
		s, ok := e.val.v.(string)
		if _, err := themes.Get(s, true); !ok || err != nil { // the names --theme takes
			return fmt.Errorf("theme: want one of auto, %s", strings.Join(themes.Names(), ", "))
		}
		c.Theme = s
		return nil
	case "system":
		if len(e.path) != 1 {
			break
		}
		s, ok := e.val.v.(string)
		if !ok {
			return fmt.Errorf("system: want a string")
		}
		c.System = s
		return nil
	case "sessions_dir":
		if len(e.path) != 1 {
			break
		}
		s, ok := e.val.v.(string)
		// A relative path would depend on the folder fanout happens to be
		// started from: sessions would scatter.
		if !ok || !(filepath.IsAbs(s) || strings.HasPrefix(s, "~/")) || filepath.Clean(s) == "~" {
			return fmt.Errorf("sessions_dir: want a folder as an absolute path or one starting with ~/, like \"~/fanout-sessions\"")
		}
		c.SessionsDir = s
		return nil
	case "models":
		if len(e.path) != 3 {
			return fmt.Errorf("%s: models are tables, e.g. [models.fast] with provider = … and model = …", name)
		}
		return c.setModel(e.path[1], e.path[2], e.val, e.line, modelLines)
	case "prices":
		if len(e.path) != 3 {
			return fmt.Errorf("%s: prices are tables, e.g. [prices.\"openai:gpt-4o-mini\"] with input = … and output = …", name)
		}
		return c.setPrice(e.path[1], e.path[2], e.val)
	}
	return fmt.Errorf("unknown setting %s (known: default, system, theme, timeout, stall_timeout, sessions_dir, [models.NAME], [prices.NAME])", name)
}

func (c *Config) setModel(model, key string, v value, line int, modelLines map[string]int) error {
	t, ok := c.Models[model]
	if !ok {
		if strings.Contains(model, ":") {
			return fmt.Errorf("model name %q: a name cannot contain ':', which separates provider:model", model)
		}
		t = backends.Target{Name: model}
		c.Order = append(c.Order, model)
		modelLines[model] = line
	}
	where := fmt.Sprintf("models.%s.%s", joinPath([]string{model}), key)
	switch key {
	case "provider", "model", "label", "base_url", "api_key_env":
		s, ok := v.v.(string)
		if !ok {
			return fmt.Errorf("%s: want a string", where)
		}
		switch key {
		case "provider":
			t.Provider = s
		case "model":
			t.Model = s
		case "label":
			t.Label = s
		case "base_url":
			if !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://") {
				return fmt.Errorf("%s: want an http:// or https:// URL", where)
			}
			t.BaseURL = s
		case "api_key_env":
			if s == "" || strings.ContainsAny(s, " =$") || strings.HasPrefix(s, "sk-") {
				// Someone pasted the key itself: say so without echoing it.
				return fmt.Errorf("%s: want the NAME of an environment variable (like MY_API_KEY), not a key", where)
			}
			t.KeyEnv = s
		}
	case "temperature":
		f, ok := number(v)
		if !ok || f < 0 || f > 2 {
			return fmt.Errorf("%s: want a number from 0 to 2", where)
		}
		t.Temperature = &f
	case "max_tokens":
		n, ok := v.v.(int64)
		if !ok || n <= 0 || n > 10_000_000 {
			return fmt.Errorf("%s: want a positive whole number", where)
		}
		t.MaxTokens = int(n)
	case "api_key", "key", "token", "secret", "password":
		return fmt.Errorf("%s: keys are never kept in the config; put the key in an environment variable and name it with api_key_env", where)
	default:
		return fmt.Errorf("%s: unknown setting (known: provider, model, label, base_url, api_key_env, temperature, max_tokens)", where)
	}
	c.Models[model] = t
	return nil
}

// finishModel checks a model once all its keys are read and fills in what
// follows from its provider.
func (c *Config) finishModel(name string) error {
	t := c.Models[name]
	if t.Provider == "" {
		return fmt.Errorf("models.%s: no provider (one of %s)", name, strings.Join(backends.ProviderNames(), ", "))
	}
	if t.Model == "" {
		return fmt.Errorf("models.%s: no model id (model = \"…\")", name)
	}
	spec, err := backends.ParseSpec(t.Provider + ":" + t.Model)
	if err != nil {
		return fmt.Errorf("models.%s: %w", name, err)
	}
	if t.KeyEnv == "" && t.BaseURL == "" {
		// A preset's own server: its conventional key variable. A custom
		// base_url gets no key unless api_key_env names one, so that a key
		// meant for one provider is never sent to another server.
		t.KeyEnv = spec.KeyEnv
	}
	if t.Label == "" {
		t.Label = name
	}
	c.Models[name] = t
	return nil
}

func (c *Config) setPrice(model, key string, v value) error {
	p := c.Prices[model]
	p.Source = "config"
	f, ok := number(v)
	where := fmt.Sprintf("prices.%s.%s", joinPath([]string{model}), key)
	if !ok || f < 0 {
		return fmt.Errorf("%s: want a number of US dollars per million tokens, 0 or more", where)
	}
	switch key {
	case "input":
		p.Input = f
	case "output":
		p.Output = f
	case "cached_input":
		p.CachedInput = f
	case "cache_write":
		p.CacheWrite = f
	default:
		return fmt.Errorf("%s: unknown setting (known: input, output, cached_input, cache_write, in dollars per million tokens)", where)
	}
	c.Prices[model] = p
	return nil
}

// Resolve turns a name from the config, or a provider:model spec, into a
// target.
func (c *Config) Resolve(spec string) (backends.Target, error) {
	if t, ok := c.Models[spec]; ok {
		return t, nil
	}
	if !strings.Contains(spec, ":") {
		names := slices.Clone(c.Order)
		hint := "use provider:model, e.g. demo:swift or openai:gpt-4o-mini"
		if len(names) > 0 {
			hint += ", or a configured name (" + strings.Join(names, ", ") + ")"
		}
		return backends.Target{}, fmt.Errorf("unknown model %q: %s", spec, hint)
	}
	return backends.ParseSpec(spec)
}

func stringList(v value) ([]string, error) {
	items, ok := v.v.([]value)
	if !ok {
		if s, ok := v.v.(string); ok {
			return []string{s}, nil
		}
		return nil, fmt.Errorf("want a list of model names, e.g. [\"demo:swift\", \"fast\"]")
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.v.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("want a list of model names, e.g. [\"demo:swift\", \"fast\"]")
		}
		out = append(out, s)
	}
	return out, nil
}

func duration(v value) (time.Duration, error) {
	s, ok := v.v.(string)
	if !ok {
		return 0, fmt.Errorf("want a duration in quotes, like \"60s\" or \"2m\"")
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("want a positive duration like \"60s\" or \"2m\", got %q", s)
	}
	return d, nil
}

func number(v value) (float64, bool) {
	switch n := v.v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}
