// Package config reads fanout's config file: named models, the default model
// set and price overrides. It never holds a secret: keys stay in the
// environment, and the config only names the variable that holds one.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
	// "provider:model". Each one's Given holds the figures written, zero
	// included; backends.NewPriceBook takes the others from the catalog.
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
	// Store is the team's shared store, as written ("s3://BUCKET/PREFIX");
	// empty keeps sessions in SessionsDir only.
	Store string
	// Author is the name this machine's sessions and votes are recorded
	// under in a shared store; empty means the OS user.
	Author string

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

// Parse reads a config from data; path names it in errors. The file is
// TOML; every mistake is reported as PATH:LINE: what is wrong and what to do,
// and no value that may be a key is ever repeated.
func Parse(path string, data []byte) (*Config, error) {
	c, err := parse(data)
	if err != nil {
		var se *lineError
		if errors.As(err, &se) {
			return nil, &Error{Path: path, Line: se.line, Msg: scrub(se.msg)}
		}
		return nil, &Error{Path: path, Msg: scrub(err.Error())}
	}
	c.Path = path
	return c, nil
}

// at puts a mistake on a line.
func at(line int, err error) error { return &lineError{line: line, msg: err.Error()} }

func parse(data []byte) (*Config, error) {
	doc, err := readTOML(data)
	if err != nil {
		return nil, err
	}
	c := &Config{Models: map[string]backends.Target{}, Prices: map[string]backends.Price{}}
	lines := map[string]int{} // where each model and price table starts
	for _, h := range doc.tables {
		if err := checkTable(h.path); err != nil {
			return nil, at(h.line, err)
		}
	}
	for _, e := range doc.entries {
		if err := c.set(e, lines); err != nil {
			return nil, at(e.line, err)
		}
	}
	// A [models.NAME] or [prices.NAME] with nothing in it is a mistake too:
	// the model it means would be missing or priced at nothing.
	for _, h := range doc.tables {
		if len(h.path) != 2 {
			continue
		}
		switch h.path[0] {
		case "models":
			if _, ok := c.Models[h.path[1]]; !ok {
				return nil, at(h.line, fmt.Errorf("models.%s: no provider (one of %s)", joinPath(h.path[1:]), strings.Join(backends.ProviderNames(), ", ")))
			}
		case "prices":
			if _, ok := c.Prices[h.path[1]]; !ok {
				return nil, at(h.line, fmt.Errorf("prices.%s: no prices; give input = … and output = …, in US dollars per million tokens", joinPath(h.path[1:])))
			}
		}
	}
	for _, name := range c.Order {
		if err := c.finishModel(name); err != nil {
			line := lines["models."+name]
			if se, ok := errors.AsType[*backends.SettingError](err); ok && lines["models."+joinPath([]string{name})+"."+se.Key] > 0 {
				line = lines["models."+joinPath([]string{name})+"."+se.Key] // the line of the setting refused
			}
			return nil, at(line, err)
		}
	}
	// In the order written, so that the first mistake reported is the
	// first in the file.
	priced := slices.SortedFunc(maps.Keys(c.Prices), func(a, b string) int { return lines["prices."+a] - lines["prices."+b] })
	for _, name := range priced {
		if err := c.checkPrice(name); err != nil {
			return nil, at(lines["prices."+name], err)
		}
	}
	for _, spec := range c.Default {
		if _, err := c.Resolve(spec); err != nil {
			return nil, at(c.defaultLine, fmt.Errorf("default: %w", err))
		}
	}
	return c, nil
}

// checkTable refuses a [table] the config has no use for.
func checkTable(path []string) error {
	if (path[0] == "models" || path[0] == "prices") && len(path) <= 2 {
		return nil
	}
	return fmt.Errorf("unknown table [%s] (known: [models.NAME], [prices.NAME])", joinPath(path))
}

// keyWords are keys under which people put a key itself.
var keyWords = []string{"api_key", "apikey", "key", "token", "secret", "password"}

const keysNeverKept = "keys are never kept in the config; put the key in an environment variable and name it with api_key_env"

// set applies one key = value.
func (c *Config) set(e entry, lines map[string]int) error {
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
			return fmt.Errorf("system: want a string in quotes (\"\"\"…\"\"\" for several lines), not %s", typeName(e.val))
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
	case "store":
		if len(e.path) != 1 {
			break
		}
		s, ok := e.val.v.(string)
		// Checked in full by the store package when a command opens it;
		// here only what can be told without it.
		if !ok || !strings.HasPrefix(s, "s3://") || len(s) == len("s3://") {
			return fmt.Errorf("store: want an S3 location in quotes, like \"s3://team-bucket/fanout\"")
		}
		c.Store = s
		return nil
	case "author":
		if len(e.path) != 1 {
			break
		}
		s, ok := e.val.v.(string)
		if !ok || strings.TrimSpace(s) == "" || strings.ContainsAny(s, "\x00\n\r\t/") || len(s) > 64 {
			return fmt.Errorf("author: want a name in quotes of at most 64 characters, on one line and without /, like \"ana\"")
		}
		c.Author = strings.TrimSpace(s)
		return nil
	case "models":
		if len(e.path) < 3 {
			return fmt.Errorf("%s: models are tables, e.g. [models.fast] with provider = … and model = …, or fast = { provider = …, model = … } under [models]", name)
		}
		return c.setModel(e.path[1], joinPath(e.path[2:]), e.val, e.line, lines)
	case "prices":
		if len(e.path) < 3 {
			return fmt.Errorf("%s: prices are tables, e.g. [prices.\"openai:gpt-4o-mini\"] with input = … and output = …", name)
		}
		if _, ok := lines["prices."+e.path[1]]; !ok {
			lines["prices."+e.path[1]] = e.line
		}
		return c.setPrice(e.path[1], joinPath(e.path[2:]), e.val)
	}
	if len(e.path) == 1 && slices.Contains(keyWords, e.path[0]) {
		return fmt.Errorf("%s: %s", name, keysNeverKept)
	}
	return fmt.Errorf("unknown setting %s (known: default, system, theme, timeout, stall_timeout, sessions_dir, store, author, [models.NAME], [prices.NAME])", name)
}

func (c *Config) setModel(model, key string, v value, line int, lines map[string]int) error {
	t, ok := c.Models[model]
	if !ok {
		if strings.Contains(model, ":") {
			return fmt.Errorf("model name %q: a name cannot contain ':', which separates provider:model", model)
		}
		if err := noControl(model); err != nil {
			return fmt.Errorf("model name %s: %w", joinPath([]string{model}), err)
		}
		t = backends.Target{Name: model}
		c.Order = append(c.Order, model)
		lines["models."+model] = line
	}
	where := fmt.Sprintf("models.%s.%s", joinPath([]string{model}), key) // key is a joined path
	lines[where] = line                                                  // where a setting CheckSettings may refuse is written
	switch key {
	case "provider", "model", "label", "base_url", "api_key_env":
		s, ok := v.v.(string)
		if !ok {
			if key == "api_key_env" {
				return errors.New(notAnEnvName)
			}
			return fmt.Errorf("%s: want a string in quotes, not %s", where, typeName(v))
		}
		if err := noControl(s); err != nil {
			return fmt.Errorf("%s: %w", where, err)
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
			if !plausibleEnvName(s) {
				// Someone pasted the key itself: say so without echoing it.
				return errors.New(notAnEnvName)
			}
			t.KeyEnv = s
		}
	case "temperature":
		f, ok := number(v)
		if !ok {
			return fmt.Errorf("%s: want a number from %g to %g, not %s", where, MinTemperature, MaxTemperature, typeName(v))
		}
		if CheckTemperature(f) != nil {
			return fmt.Errorf("%s: want a number from %g to %g, not %s", where, MinTemperature, MaxTemperature, formatNumber(f))
		}
		t.Temperature = &f
	case "max_tokens":
		n, ok := v.v.(int64)
		if !ok {
			return fmt.Errorf("%s: want a whole number from %d to %d, not %s", where, MinMaxTokens, MaxMaxTokens, typeName(v))
		}
		if CheckMaxTokens(n) != nil {
			return fmt.Errorf("%s: want a whole number from %d to %d, not %d", where, MinMaxTokens, MaxMaxTokens, n)
		}
		t.MaxTokens = int(n)
	case "reasoning_effort", "service_tier", "latency":
		s, ok := v.v.(string)
		if !ok {
			return fmt.Errorf("%s: want a string in quotes, not %s", where, typeName(v))
		}
		if err := t.SetSetting(key, s); err != nil {
			return fmt.Errorf("models.%s.%w", joinPath([]string{model}), err)
		}
	case "thinking_budget":
		n, ok := v.v.(int64)
		if !ok {
			return fmt.Errorf("%s: want a whole number of tokens, not %s", where, typeName(v))
		}
		if err := t.SetSetting(key, strconv.FormatInt(n, 10)); err != nil {
			return fmt.Errorf("models.%s.%w", joinPath([]string{model}), err)
		}
	case "price_as":
		s, ok := v.v.(string)
		if !ok {
			return fmt.Errorf("%s: want \"PROVIDER:MODEL\" in quotes, not %s", where, typeName(v))
		}
		if err := checkPriceAs(where, s); err != nil {
			return err
		}
		t.PriceAs = s
	default:
		if slices.Contains(keyWords, key) {
			return fmt.Errorf("%s: %s", where, keysNeverKept)
		}
		return fmt.Errorf("%s: unknown setting (known: provider, model, label, base_url, api_key_env, temperature, max_tokens, %s, price_as)", where, strings.Join(backends.SettingNames, ", "))
	}
	c.Models[model] = t
	return nil
}

// checkPriceAs refuses a price_as that is not a provider:model (split at
// the first colon, as -m is) or that no catalog prices: the model would
// show no cost while the user believes it priced.
func checkPriceAs(where, spec string) error {
	if err := noControl(spec); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	as, err := backends.ParseSpec(spec)
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	if _, known := backends.NewPriceBook(nil).Lookup(backends.Target{Provider: as.Provider, Model: as.Model}); !known {
		return fmt.Errorf("%s: no catalog has a price for %s; 'fanout prices %s' shows what is known, or write a [prices.NAME] table instead", where, spec, spec)
	}
	return nil
}

// noControl refuses a name, label, model id or URL that holds a control
// character: it is shown on the terminal (pane headers, tables) where an
// ESC would start an escape sequence, and no name needs one. The character
// is named by its code point, never repeated raw.
func noControl(s string) error {
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
			return fmt.Errorf("contains the control character %U; remove it (a name is shown on the terminal, where it would be obeyed)", r)
		}
	}
	return nil
}

// notAnEnvName is said of an api_key_env that cannot be a variable's name,
// most likely because it is the key: the value is never repeated.
const notAnEnvName = "api_key_env must be the NAME of an environment variable (like BOX_API_KEY), not the key itself"

// finishModel checks a model once all its keys are read and fills in what
// follows from its provider.
func (c *Config) finishModel(name string) error {
	t := c.Models[name]
	if t.Provider == "" {
		return fmt.Errorf("models.%s: no provider (one of %s)", joinPath([]string{name}), strings.Join(backends.ProviderNames(), ", "))
	}
	if t.Model == "" {
		return fmt.Errorf("models.%s: no model id (model = \"…\")", joinPath([]string{name}))
	}
	spec, err := backends.ParseSpec(t.Provider + ":" + t.Model)
	if err != nil {
		return fmt.Errorf("models.%s: %w", joinPath([]string{name}), err)
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
	if err := backends.CheckSettings(t); err != nil {
		return fmt.Errorf("models.%s.%w", joinPath([]string{name}), err)
	}
	c.Models[name] = t
	return nil
}

// priceFields are the keys of a [prices.NAME] table.
var priceFields = map[string]backends.PriceFields{
	"input":        backends.PriceInput,
	"output":       backends.PriceOutput,
	"cached_input": backends.PriceCachedInput,
	"cache_write":  backends.PriceCacheWrite,
}

func (c *Config) setPrice(model, key string, v value) error {
	p := c.Prices[model]
	p.Source = backends.PriceSourceConfig
	where := fmt.Sprintf("prices.%s.%s", joinPath([]string{model}), key) // key is a joined path
	field, known := priceFields[key]
	if !known {
		return fmt.Errorf("%s: unknown setting (known: input, output, cached_input, cache_write, in dollars per million tokens)", where)
	}
	f, ok := number(v)
	if !ok {
		return fmt.Errorf("%s: want a number of US dollars per million tokens, 0 or more, not %s", where, typeName(v))
	}
	if CheckPrice(f) != nil {
		return fmt.Errorf("%s: want a number of US dollars per million tokens, 0 or more and at most %g, not %s", where, MaxPrice, formatNumber(f))
	}
	switch field {
	case backends.PriceInput:
		p.Input = f
	case backends.PriceOutput:
		p.Output = f
	case backends.PriceCachedInput:
		p.CachedInput = f
	case backends.PriceCacheWrite:
		p.CacheWrite = f
	}
	// Written, zero included: it overrides the catalog's figure.
	p.Given |= field
	c.Prices[model] = p
	return nil
}

// checkPrice checks a price table once the whole file is read: it must name
// a model (a configured name or provider:model), and a model the catalog
// does not price needs both of its main figures.
func (c *Config) checkPrice(name string) error {
	where := "prices." + joinPath([]string{name})
	t, ok := c.Models[name]
	if !ok {
		if !strings.Contains(name, ":") {
			return fmt.Errorf("%s: no model named %q in [models]; name a configured model or a provider:model, like \"openai:gpt-4o-mini\"", where, name)
		}
		var err error
		if t, err = backends.ParseSpec(name); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	}
	p := c.Prices[name]
	both := backends.PriceInput | backends.PriceOutput
	if p.Given&both != both {
		if _, known := backends.NewPriceBook(nil).Lookup(t); !known {
			return fmt.Errorf("%s: the catalog has no price for this model, so give both input and output", where)
		}
	}
	return nil
}

// Resolve turns a name from the config, or a provider:model spec, into a
// target.
//
// Either may be followed by settings after commas, as a [models.NAME] entry
// writes them: "bedrock:openai.gpt-oss-20b-1:0,reasoning_effort=high" or
// "fast,service_tier=flex". A setting the provider has no field for is
// refused here, before anything is sent.
func (c *Config) Resolve(spec string) (backends.Target, error) {
	base, settings, err := backends.SplitSpec(spec)
	if err != nil {
		return backends.Target{}, err
	}
	t, err := c.resolve(base)
	if err != nil || len(settings) == 0 {
		return t, err
	}
	for _, kv := range settings {
		if err := t.SetSetting(kv[0], kv[1]); err != nil {
			return backends.Target{}, fmt.Errorf("model %q: %w", spec, err)
		}
	}
	if err := backends.CheckSettings(t); err != nil {
		return backends.Target{}, fmt.Errorf("model %q: %w", spec, err)
	}
	t.Name = spec
	return t, nil
}

func (c *Config) resolve(spec string) (backends.Target, error) {
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
		return 0, fmt.Errorf("want a duration in quotes, like \"60s\" or \"2m\", not %s", typeName(v))
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("want a duration like \"60s\" or \"2m\"%s", got(s))
	}
	if CheckDuration(d) != nil {
		return 0, fmt.Errorf("want a duration from 0 (the default) to 24h, like \"60s\" or \"2m\", not %q", s)
	}
	return d, nil
}

// got is ", got \"…\"" for a short string that cannot be a key, and
// nothing for one that may be.
func got(s string) string {
	if len(s) > 16 || looksLikeKey(s) {
		return ""
	}
	return fmt.Sprintf(", got %q", s)
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

// formatNumber writes a number as TOML does, so that inf and nan read as
// the user wrote them.
func formatNumber(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// typeName says what kind of value was written, for "want X, not Y".
func typeName(v value) string {
	switch v.v.(type) {
	case string:
		return "a string"
	case int64:
		return "a whole number"
	case float64:
		return "a number"
	case bool:
		return "true or false"
	case []value:
		return "a list"
	case dateTime:
		return "a date or time"
	case inlineTable:
		return "a table"
	}
	return "this value"
}
