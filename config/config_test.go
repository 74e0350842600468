package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func TestParseExample(t *testing.T) {
	c, err := Load("testdata/example.toml", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Default, ","); got != "mini,claude,demo:swift" {
		t.Errorf("default = %s", got)
	}
	if c.StallTimeout != 45*time.Second {
		t.Errorf("stall_timeout = %v", c.StallTimeout)
	}
	mini := c.Models["mini"]
	if mini.Provider != "openai" || mini.Model != "gpt-4o-mini" || mini.Label != "GPT-4o mini" ||
		mini.KeyEnv != "OPENAI_API_KEY" || mini.Temperature == nil || *mini.Temperature != 0.2 {
		t.Errorf("mini = %+v", mini)
	}
	if claude := c.Models["claude"]; claude.MaxTokens != 1024 || claude.Model != "us.anthropic.claude-haiku-4-5-20251001-v1:0" {
		t.Errorf("claude = %+v", claude)
	}
	if local := c.Models["local"]; local.KeyEnv != "LOCAL_KEY" || local.BaseURL != "http://127.0.0.1:8080/v1" {
		t.Errorf("local = %+v", local)
	}
	if p := c.Prices["openai:gpt-4o-mini"]; p.Input != 0.15 || p.Output != 0.6 || p.CachedInput != 0.075 || p.Source != "config" {
		t.Errorf("price = %+v", p)
	}
	if _, ok := c.Prices["local"]; !ok {
		t.Error("a zero price override must still be an override")
	}
	if got := strings.Join(c.Order, ","); got != "mini,claude,local" {
		t.Errorf("order = %s", got)
	}
}

func TestCustomBaseURLGetsNoPresetKey(t *testing.T) {
	c, err := Parse("c.toml", []byte("[models.box]\nprovider = \"openai\"\nmodel = \"m\"\nbase_url = \"http://10.0.0.1/v1\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if k := c.Models["box"].KeyEnv; k != "" {
		t.Errorf("a custom server must not receive OPENAI_API_KEY unless asked; KeyEnv = %q", k)
	}
}

func TestResolve(t *testing.T) {
	c, err := Load("testdata/example.toml", true)
	if err != nil {
		t.Fatal(err)
	}
	if tg, err := c.Resolve("mini"); err != nil || tg.Model != "gpt-4o-mini" {
		t.Errorf("Resolve(mini) = %+v, %v", tg, err)
	}
	if tg, err := c.Resolve("ollama:llama3.2:3b"); err != nil || tg.Provider != "ollama" || tg.Model != "llama3.2:3b" {
		t.Errorf("Resolve(ollama:llama3.2:3b) = %+v, %v", tg, err)
	}
	_, err = c.Resolve("minii")
	if err == nil || !strings.Contains(err.Error(), "mini, claude, local") {
		t.Errorf("unknown name error should list the configured names: %v", err)
	}
}

func TestErrorsNameFileAndLine(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"syntax", "default = [\"a\"\n\n[models.x]\n", 3, "array opened on line 1"},
		{"unclosed array", "default = [\"a\",\n", 1, "array is not closed"},
		{"unquoted string", "\n[models.x]\nprovider = openai\n", 3, "strings need quotes"},
		{"unknown top key", "\n\ntheme_color = \"red\"\n", 3, "unknown setting theme_color"},
		{"unknown provider", "[models.x]\nprovider = \"opnai\"\nmodel = \"gpt\"\n", 2, `unknown provider "opnai"`},
		{"no model", "[models.x]\nprovider = \"openai\"\n", 2, "no model id"},
		{"bad temperature", "[models.x]\nprovider = \"openai\"\nmodel = \"m\"\ntemperature = \"hot\"\n", 4, "temperature: want a number"},
		{"bad duration", "stall_timeout = 60\n", 1, "want a duration"},
		{"unknown model key", "[models.x]\nprovider = \"openai\"\nmodel = \"m\"\nbaseurl = \"x\"\n", 4, "unknown setting"},
		{"duplicate key", "[models.x]\nprovider = \"openai\"\nprovider = \"groq\"\n", 3, "already set on line 2"},
		{"bad default", "default = [\"nosuch\"]\n", 1, `unknown model "nosuch"`},
		// Inline tables are TOML; one where a setting belongs names the keys it holds.
		{"inline table", "[models.x]\nparams = { a = 1 }\n", 2, "models.x.params.a: unknown setting (known: provider"},
		{"bad theme", "theme = \"solarized\"\n", 1, "theme: want one of auto, dark"},
		{"negative price", "[prices.x]\ninput = -1\n", 2, "0 or more"},
		{"unknown price key", "[prices.x]\nin = 1\n", 2, "unknown setting"},
		{"relative sessions_dir", "theme = \"dark\"\nsessions_dir = \"sessions\"\n", 2, "sessions_dir: want a folder as an absolute path or one starting with ~/"},
		{"sessions_dir not a string", "sessions_dir = 3\n", 1, "sessions_dir: want a folder"},
		{"sessions_dir empty", "sessions_dir = \"\"\n", 1, "sessions_dir: want a folder"},
		{"store not s3", "store = \"team-bucket/x\"\n", 1, "store: want an S3 location"},
		{"store empty bucket", "store = \"s3://\"\n", 1, "store: want an S3 location"},
		{"author empty", "author = \" \"\n", 1, "author: want a name"},
		{"author with slash", "author = \"a/b\"\n", 1, "author: want a name"},
		{"two values on a line", "timeout = \"1s\" stall_timeout = \"2s\"\n", 1, "one key = value per line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("/home/u/.config/fanout/config.toml", []byte(tc.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a config error", err)
			}
			if ce.Line != tc.line || !strings.Contains(ce.Msg, tc.want) {
				t.Errorf("got %q (line %d), want line %d containing %q", err, ce.Line, tc.line, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "/home/u/.config/fanout/config.toml:") {
				t.Errorf("error does not start with the file name: %q", err)
			}
		})
	}
}

func TestStoreAndAuthor(t *testing.T) {
	c, err := Parse("c.toml", []byte("store = \"s3://team/fanout\"\nauthor = \" ana \"\n"))
	if err != nil || c.Store != "s3://team/fanout" || c.Author != "ana" {
		t.Errorf("store %q author %q: %v", c.Store, c.Author, err)
	}
}

func TestSessionsDir(t *testing.T) {
	for _, dir := range []string{"/var/lib/fanout", "~/fanout-sessions"} {
		c, err := Parse("c.toml", []byte("sessions_dir = \""+dir+"\"\n"))
		if err != nil || c.SessionsDir != dir {
			t.Errorf("sessions_dir %q: %+v, %v", dir, c, err)
		}
	}
}

func TestKeysInConfigAreRefusedWithoutEcho(t *testing.T) {
	const key = "sk-proj-abcdefghijklmnop1234567890"
	for _, src := range []string{
		"[models.x]\nprovider = \"openai\"\nmodel = \"m\"\napi_key = \"" + key + "\"\n",
		"[models.x]\nprovider = \"openai\"\nmodel = \"m\"\napi_key_env = \"" + key + "\"\n",
		// Without quotes, the parser fails first: it must not echo either.
		"[models.x]\nprovider = \"openai\"\nmodel = \"m\"\napi_key = " + key + "\n",
		"[models.x]\nprovider = \"openai\"\nmodel = \"m\"\napi_key_env = " + key + "\n",
	} {
		_, err := Parse("c.toml", []byte(src))
		if err == nil {
			t.Fatal("a key in the config was accepted")
		}
		if strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "abcdefgh") {
			t.Errorf("error echoes the key: %v", err)
		}
		if !strings.Contains(err.Error(), "c.toml:4:") {
			t.Errorf("error lacks file and line: %v", err)
		}
	}
}

func TestLoadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "none.toml")
	if c, err := Load(path, false); err != nil || len(c.Models) != 0 {
		t.Errorf("missing default config: %v, %v", c, err)
	}
	if _, err := Load(path, true); err == nil || !strings.Contains(err.Error(), "none.toml") {
		t.Errorf("missing explicit config: %v", err)
	}
}

func TestDefaultPath(t *testing.T) {
	env := map[string]string{"XDG_CONFIG_HOME": "/x", "HOME": "/home/u"}
	if p := DefaultPath(func(k string) string { return env[k] }); p != "/x/fanout/config.toml" {
		t.Errorf("DefaultPath = %s", p)
	}
	delete(env, "XDG_CONFIG_HOME")
	if p := DefaultPath(func(k string) string { return env[k] }); p != "/home/u/.config/fanout/config.toml" {
		t.Errorf("DefaultPath = %s", p)
	}
}

func TestTOMLValues(t *testing.T) {
	src := "a = \"tab\\there \\u00e9\"\nb = 'C:\\raw'\nc = [\n  1, # one\n  2.5,\n  true,\n]\n\"quoted.key\".x = -3\n"
	doc, err := readTOML([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, e := range doc.entries {
		got[joinPath(e.path)] = e.val.v
	}
	if got["a"] != "tab\there é" || got["b"] != `C:\raw` || got[`"quoted.key".x`] != int64(-3) {
		t.Errorf("values = %#v", got)
	}
	arr, _ := got["c"].([]value)
	if len(arr) != 3 || arr[0].v != int64(1) || arr[1].v != 2.5 || arr[2].v != true {
		t.Errorf("array = %#v", got["c"])
	}
}

func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("testdata/example.toml"); err == nil {
		f.Add(b)
	}
	for _, s := range []string{
		"", "a=1", "[x]\n", "default = [\"demo:swift\",]", "[models.\"a.b\"]\nprovider='demo'\nmodel='swift'", "x = \"\\u12", "[[a]]", "a = [[1],[2]]\n",
		"system = \"\"\"\nmulti\nline\"\"\"\n", "[models]\nm = { provider = \"demo\", model = \"swift\", max_tokens = 0x10 }\n",
		"[prices.\"demo:swift\"]\ncache_write = 0\n", "[models.x]\napi_key_env = " + bareRun + "\n",
		model + "api_key_env = \"" + openaiKey + "\"\n", "default = [\"" + bareRun + "\"]\n", "timeout = \"" + bareRun + "\"\n",
		model + "temperature = nan\n", "[prices.x]\ninput = inf\n", "a.b = 1\na = 2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "fuzz.toml") {
				t.Fatalf("error without file name: %v", err)
			}
			// Whatever looks like a token in the input (long, both cases,
			// digits) is never repeated.
			for _, run := range secretish.FindAll(data, -1) {
				if r := string(run); strings.ContainsAny(r, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
					strings.ContainsAny(r, "0123456789") && strings.Contains(ce.Msg, r) {
					t.Fatalf("error echoes %q: %v", r, err)
				}
			}
			return
		}
		for _, name := range c.Order {
			if _, err := c.Resolve(name); err != nil {
				t.Fatalf("configured model %q does not resolve: %v", name, err)
			}
		}
		for _, name := range c.Order {
			tg := c.Models[name]
			if tg.Temperature != nil && CheckTemperature(*tg.Temperature) != nil || tg.MaxTokens != 0 && CheckMaxTokens(int64(tg.MaxTokens)) != nil {
				t.Fatalf("model %q out of range: %+v", name, tg)
			}
		}
		for name, p := range c.Prices {
			for _, f := range []float64{p.Input, p.Output, p.CachedInput, p.CacheWrite} {
				if CheckPrice(f) != nil {
					t.Fatalf("price %q out of range: %+v", name, p)
				}
			}
		}
		if CheckDuration(c.Timeout) != nil || CheckDuration(c.StallTimeout) != nil {
			t.Fatalf("durations out of range: %v %v", c.Timeout, c.StallTimeout)
		}
	})
}

// secretish finds the runs of letters and digits long enough to be a token.
var secretish = regexp.MustCompile(`[A-Za-z0-9]{20,}`)

// The config takes every theme name --theme takes, in any case.
func TestThemeNamesAsTheFlagTakesThem(t *testing.T) {
	for _, name := range []string{"Dracula", "tokyonight", "auto", "none"} {
		c, err := Parse("c.toml", []byte("theme = \""+name+"\"\n"))
		if err != nil || c.Theme != name {
			t.Errorf("theme %q: %v", name, err)
		}
	}
}

// The keys below look like real ones of their providers; none may ever be
// repeated in a message.
const (
	openaiKey = "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"
	groqKey   = "gsk_Zx9Cv8Bn7Mm6Qw5Er4Ty3Ui2Op1AsDfGhJk"
	googleKey = "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv"
	xaiKey    = "xai-Q1w2E3r4T5y6U7i8O9p0AsDfGhJkLzXcVb"
	bareRun   = "Q1w2E3r4T5y6U7i8O9p0AsDfGhJk" // no prefix, just random
)

// model is the start of a valid [models.x] table, so that a case is about
// the one line it adds.
const model = "[models.x]\nprovider = \"openai\"\nmodel = \"m\"\n"

func TestErrorTable(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		want      string
		secret    string // must not appear in the message
	}{
		// Syntax.
		{"string not closed", "theme = \"dark\nsystem = \"x\"\n", 1, "string is not closed on its line", ""},
		{"no =", "\ntheme \"dark\"\n", 2, "expected '=' after key", ""},
		{"table name not closed", "[models.x\nprovider = \"openai\"\n", 1, "expected ']' to close table name", ""},
		{"multi-line string not closed", "theme = \"dark\"\nsystem = \"\"\"\nBe brief.\n", 2, `multi-line string (""" … """) is not closed`, ""},
		{"inline table not closed", "[models]\nx = { provider = \"openai\"\n\n", 2, "inline table ({ … }) is not closed", ""},
		{"array in the wrong place", "default = [\"a\", \"b\"\n\"c\"]\n", 2, "expected , or ] in the array opened on line 1", ""},
		{"array of tables", "[[models]]\nprovider = \"openai\"\n", 1, "arrays of tables", ""},
		{"unquoted duration", "timeout = 20s\n", 1, `cannot read value "20s": strings need quotes, e.g. "20s"`, ""},
		{"unquoted word that starts like nan", "theme = nord\n", 1, `cannot read value "nord"`, ""},
		{"number too large", model + "max_tokens = 0x7fff_ffff_ffff_ffff_ff\n", 4, "too large", ""},
		{"key both a value and a table", "timeout = \"1s\"\ntimeout.x = 2\n", 2, "timeout", ""},
		// Unknown keys, in each kind of table, with the known ones listed.
		{"unknown top-level key", "stall = \"5s\"\n", 1, "unknown setting stall (known: default, system, theme, timeout, stall_timeout, sessions_dir", ""},
		{"unknown table", "[model.x]\nprovider = \"openai\"\n", 1, "unknown table [model.x] (known: [models.NAME], [prices.NAME])", ""},
		{"unknown model key", model + "temp = 1\n", 4, "models.x.temp: unknown setting (known: provider, model, label, base_url, api_key_env, temperature, max_tokens, reasoning_effort, thinking_budget, service_tier, latency, price_as)", ""},
		{"unknown key in an inline model", "[models]\nx = { provider = \"openai\", model = \"m\",\n  temp = 1 }\n", 3, "models.x.temp: unknown setting", ""},
		{"unknown price key", "[prices.\"openai:gpt-4o-mini\"]\ninput = 1\ncache_read = 1\n", 3, "cache_read: unknown setting (known: input, output, cached_input, cache_write", ""},
		{"price of no model", "[prices.mini]\ninput = 1\noutput = 2\n", 2, `no model named "mini" in [models]`, ""},
		{"price the catalog cannot complete", "[prices.\"openai:my-finetune\"]\ninput = 1\n", 2, "give both input and output", ""},
		{"empty price table", "[prices.\"openai:gpt-4o-mini\"]\n", 1, "no prices", ""},
		{"empty model table", "[models.x]\n", 1, "models.x: no provider", ""},
		// Reasoning and serving settings: bad values, and settings the
		// provider has no field for, at the setting's own line.
		{"reasoning effort unknown", model + "reasoning_effort = \"max\"\n", 4, "models.x.reasoning_effort: want one of low, medium, high, not \"max\"", ""},
		{"service tier unknown", model + "service_tier = \"turbo\"\n", 4, "models.x.service_tier: want one of priority, default, flex", ""},
		{"latency unknown", model + "latency = \"fast\"\n", 4, "models.x.latency: want one of standard, optimized", ""},
		{"thinking budget too small", model + "thinking_budget = 100\n", 4, "models.x.thinking_budget: want a whole number of tokens from 1024", ""},
		{"thinking budget a string", model + "thinking_budget = \"big\"\n", 4, "models.x.thinking_budget: want a whole number of tokens, not a string", ""},
		{"thinking budget on an OpenAI model", model + "thinking_budget = 2048\n", 4, "OpenAI-compatible servers take reasoning_effort", ""},
		{"latency on an OpenAI model, before the provider", "[models.x]\nlatency = \"optimized\"\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\n", 2, "models.x.latency: openai:gpt-4o-mini has no such setting (latency-optimized inference is Bedrock's)", ""},
		{"reasoning effort on Claude on Bedrock", "[models.x]\nprovider = \"bedrock\"\nmodel = \"us.anthropic.claude-sonnet-4-5-20250929-v1:0\"\n\nreasoning_effort = \"high\"\n", 5, "Claude takes thinking_budget", ""},
		{"thinking budget past max_tokens", "[models.x]\nprovider = \"bedrock\"\nmodel = \"anthropic.claude-sonnet-4-5-20250929-v1:0\"\nmax_tokens = 2000\nthinking_budget = 4000\n", 5, "must be below max_tokens 2000", ""},
		{"price_as not a string", model + "price_as = 3\n", 4, "models.x.price_as: want \"PROVIDER:MODEL\" in quotes, not a whole number", ""},
		{"price_as without provider", model + "price_as = \"gpt-4o\"\n", 4, `models.x.price_as: model "gpt-4o": want provider:model`, ""},
		{"price_as of an unknown provider", model + "price_as = \"nope:gpt-4o\"\n", 4, `unknown provider "nope"`, ""},
		{"price_as no catalog prices", model + "price_as = \"bedrock:openai.no-such-model\"\n", 4, "models.x.price_as: no catalog has a price for bedrock:openai.no-such-model; 'fanout prices bedrock:openai.no-such-model' shows what is known", ""},
		// Wrong types.
		{"temperature a string", model + "temperature = \"hot\"\n", 4, "models.x.temperature: want a number from 0 to 2, not a string", ""},
		{"max_tokens a float", model + "max_tokens = 1.5\n", 4, "models.x.max_tokens: want a whole number from 1 to 10000000, not a number", ""},
		{"max_tokens a string", model + "max_tokens = \"100\"\n", 4, "want a whole number", ""},
		{"price a string", "[prices.\"openai:gpt-4o-mini\"]\ninput = \"cheap\"\n", 2, "want a number of US dollars per million tokens", ""},
		{"provider a number", "[models.x]\nprovider = 1\n", 2, "models.x.provider: want a string in quotes, not a whole number", ""},
		{"system a list", "system = [\"a\"]\n", 1, "system: want a string", ""},
		{"timeout a date", "timeout = 1979-05-27\n", 1, "timeout: want a duration in quotes", ""},
		{"default a number", "default = 3\n", 1, "default: want a list of model names", ""},
		{"default holds a table", "default = [{ a = 1 }]\n", 1, "default: want a list of model names", ""},
		// Out of range, for each number of the config.
		{"temperature above 2", model + "temperature = 2.5\n", 4, "want a number from 0 to 2, not 2.5", ""},
		{"temperature below 0", model + "temperature = -0.1\n", 4, "not -0.1", ""},
		{"temperature nan", model + "temperature = nan\n", 4, "not nan", ""},
		{"temperature inf", model + "temperature = inf\n", 4, "not inf", ""},
		{"temperature -inf", model + "temperature = -inf\n", 4, "not -inf", ""},
		{"temperature overflowing", model + "temperature = 1e999\n", 4, "this number is too large", ""},
		{"max_tokens 0", model + "max_tokens = 0\n", 4, "from 1 to 10000000, not 0", ""},
		{"max_tokens negative", model + "max_tokens = -5\n", 4, "not -5", ""},
		{"max_tokens too many", model + "max_tokens = 10_000_001\n", 4, "not 10000001", ""},
		{"input price too high", "[prices.\"openai:gpt-4o-mini\"]\ninput = 10_001\n", 2, "at most 10000, not 10001", ""},
		{"output price inf", "[prices.\"openai:gpt-4o-mini\"]\noutput = +inf\n", 2, "prices.\"openai:gpt-4o-mini\".output: want a number of US dollars per million tokens, 0 or more and at most 10000, not inf", ""},
		{"cached_input nan", "[prices.\"openai:gpt-4o-mini\"]\ncached_input = nan\n", 2, "not nan", ""},
		{"cache_write negative", "[prices.\"openai:gpt-4o-mini\"]\ncache_write = -0.5\n", 2, "not -0.5", ""},
		{"stall_timeout too long", "stall_timeout = \"25h\"\n", 1, "stall_timeout: want a duration from 0 (the default) to 24h", ""},
		{"timeout negative", "\ntimeout = \"-1s\"\n", 2, "timeout: want a duration from 0", ""},
		{"timeout not a duration", "timeout = \"soon\"\n", 1, `want a duration like "60s" or "2m", got "soon"`, ""},
		// A key where a variable name belongs, and keys pasted elsewhere.
		{"OpenAI key in api_key_env", model + "api_key_env = \"" + openaiKey + "\"\n", 4, notAnEnvName, openaiKey},
		{"Groq key in api_key_env", model + "api_key_env = \"" + groqKey + "\"\n", 4, notAnEnvName, groqKey},
		{"Google key in api_key_env", model + "api_key_env = \"" + googleKey + "\"\n", 4, notAnEnvName, googleKey},
		{"xAI key in api_key_env", model + "api_key_env = '" + xaiKey + "'\n", 4, notAnEnvName, xaiKey},
		{"random token in api_key_env", model + "api_key_env = \"" + bareRun + "\"\n", 4, notAnEnvName, bareRun},
		{"api_key_env with a space", model + "api_key_env = \"MY KEY\"\n", 4, notAnEnvName, ""},
		{"api_key_env with a $", model + "api_key_env = \"$BOX_API_KEY\"\n", 4, notAnEnvName, ""},
		{"api_key_env empty", model + "api_key_env = \"\"\n", 4, notAnEnvName, ""},
		{"api_key_env a number", model + "api_key_env = 12\n", 4, notAnEnvName, ""},
		{"key unquoted in api_key_env", model + "api_key_env = " + groqKey + "\n", 4, "strings need quotes (the value is not repeated here", groqKey},
		{"long bare value", "[models.x]\nprovider = " + bareRun + "\n", 2, "strings need quotes (the value is not repeated here", bareRun},
		{"key as api_key", model + "api_key = \"" + openaiKey + "\"\n", 4, "keys are never kept in the config", openaiKey},
		{"key as a top-level token", "token = \"" + openaiKey + "\"\n", 1, "keys are never kept in the config", openaiKey},
		{"key as a key name", model + bareRun + " = 1\n", 4, "unknown setting", bareRun},
		{"key as a provider", "[models.x]\nprovider = \"" + xaiKey + "\"\nmodel = \"m\"\n", 2, "unknown provider", xaiKey},
		{"key in default", "default = [\"" + openaiKey + "\"]\n", 1, "default: unknown model", openaiKey},
		{"key as a model name", "[models." + bareRun + "]\nprovider = \"opnai\"\nmodel = \"m\"\n", 2, "unknown provider", bareRun},
		// Twice.
		{"duplicate key", model + "model = \"n\"\n", 4, "models.x.model is already set on line 3", ""},
		{"duplicate key in an inline table", "[models]\nx = { provider = \"openai\", provider = \"groq\" }\n", 2, "models.x.provider is already set on line 2", ""},
		{"duplicate key, dotted then in a table", "models.x.provider = \"openai\"\n[models.x]\nprovider = \"groq\"\n", 3, "models.x.provider is already set on line 1", ""},
		{"duplicate model", model + "\n[models.x]\nlabel = \"again\"\n", 5, "table [models.x] is already defined on line 1", ""},
		{"duplicate model, inline then a table", "[models]\nx = { provider = \"openai\", model = \"m\" }\n[models.x]\nlabel = \"y\"\n", 3, "models.x is already set on line 2", ""},
		{"duplicate price", "[prices.\"openai:gpt-4o-mini\"]\ninput = 1\n[prices.\"openai:gpt-4o-mini\"]\n", 3, "already defined on line 1", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const path = "/home/u/.config/fanout/config.toml"
			_, err := Parse(path, []byte(tc.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a config error", err)
			}
			if ce.Line != tc.line || !strings.Contains(ce.Msg, tc.want) {
				t.Errorf("got %q (line %d), want line %d containing %q", err, ce.Line, tc.line, tc.want)
			}
			if prefix := fmt.Sprintf("%s:%d: ", path, tc.line); !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error does not start with %q: %q", prefix, err)
			}
			if tc.secret != "" && (strings.Contains(err.Error(), tc.secret) || strings.Contains(err.Error(), tc.secret[4:16])) {
				t.Errorf("error echoes the key: %q", err)
			}
		})
	}
}

// Variable names people really use are taken as names.
func TestAPIKeyEnvNames(t *testing.T) {
	for _, name := range []string{"BOX_API_KEY", "OPENAI_API_KEY_2", "my_key", "_K", "AZURE_OPENAI_API_KEY_WESTEUROPE", "GSK_TEAM_KEY", "sk_prod"} {
		c, err := Parse("c.toml", []byte(model+"api_key_env = \""+name+"\"\n"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := c.Models["x"].KeyEnv; got != name {
			t.Errorf("KeyEnv = %q, want %q", got, name)
		}
	}
}

func TestFullTOML(t *testing.T) {
	src := `# every form of TOML the config may be written in
system = """
You are terse.
Answer in "plain" words, \
  nothing more."""
sessions_dir = '~/fanout sessions'
default = [
  "mini",   # the cheap one
  'box',
]
timeout = "1m30s"
stall_timeout = "45s"

[models]
mini = { provider = "openai", model = "gpt-4o-mini", temperature = 2e-1, max_tokens = 0x400 }
box.provider = "openai"
box.model = 'qwen2.5:7b'
box.base_url = "http://127.0.0.1:8080/v1"
box.api_key_env = "BOX_API_KEY"
box.max_tokens = 1_000_000
box.label = '''C:\models\box'''

[models."fast.one"]
provider = "groq"
model = "llama-3.1-8b-instant"
temperature = 0

[prices]
"openai:gpt-4o-mini" = { input = 1.5e-1, output = 0.6, cache_write = 0 }
box = { input = 0o1, output = 0b10 }
`
	c, err := Parse("c.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if want := "You are terse.\nAnswer in \"plain\" words, nothing more."; c.System != want {
		t.Errorf("system = %q, want %q", c.System, want)
	}
	if c.SessionsDir != "~/fanout sessions" || c.Timeout != 90*time.Second || c.StallTimeout != 45*time.Second {
		t.Errorf("sessions_dir %q, timeout %v, stall_timeout %v", c.SessionsDir, c.Timeout, c.StallTimeout)
	}
	if got := strings.Join(c.Default, ","); got != "mini,box" {
		t.Errorf("default = %s", got)
	}
	if got := strings.Join(c.Order, ","); got != "mini,box,fast.one" {
		t.Errorf("order = %s", got)
	}
	mini := c.Models["mini"]
	if mini.Provider != "openai" || mini.Model != "gpt-4o-mini" || mini.MaxTokens != 1024 || mini.Temperature == nil || *mini.Temperature != 0.2 || mini.KeyEnv != "OPENAI_API_KEY" {
		t.Errorf("mini = %+v", mini)
	}
	box := c.Models["box"]
	if box.Model != "qwen2.5:7b" || box.MaxTokens != 1_000_000 || box.KeyEnv != "BOX_API_KEY" || box.BaseURL != "http://127.0.0.1:8080/v1" || box.Label != `C:\models\box` {
		t.Errorf("box = %+v", box)
	}
	if fast := c.Models["fast.one"]; fast.Provider != "groq" || fast.Temperature == nil || *fast.Temperature != 0 {
		t.Errorf("fast.one = %+v", fast)
	}
	if p := c.Prices["box"]; p.Input != 1 || p.Output != 2 {
		t.Errorf("box price = %+v", p)
	}
	if p := c.Prices["openai:gpt-4o-mini"]; p.Input != 0.15 || p.Output != 0.6 {
		t.Errorf("gpt-4o-mini price = %+v", p)
	}
}

// A price figure the user wrote wins over the catalog's, zero included; one
// not written keeps the catalog's.
func TestWrittenPricesOverrideTheCatalog(t *testing.T) {
	c, err := Parse("c.toml", []byte(`
[models.haiku]
provider = "bedrock"
model = "us.anthropic.claude-haiku-4-5-20251001-v1:0"

[models.box]
provider = "openai"
model = "my-finetune"
base_url = "http://127.0.0.1:8080/v1"

[prices.haiku]
cache_write = 0

[prices."openai:gpt-4o-mini"]
input = 1
cached_input = 0

[prices.box]
input = 0.5
output = 1.5
`))
	if err != nil {
		t.Fatal(err)
	}
	book := backends.NewPriceBook(c.Prices)
	catalog := backends.NewPriceBook(nil)

	haiku, err := c.Resolve("haiku")
	if err != nil {
		t.Fatal(err)
	}
	want, ok := catalog.Lookup(haiku)
	if !ok || want.CacheWrite == 0 || want.CachedInput == 0 {
		t.Fatalf("the catalog should price Claude Haiku's cache: %+v", want)
	}
	got, ok := book.Lookup(haiku)
	if !ok || got.CacheWrite != 0 {
		t.Errorf("cache_write = 0 was not taken: %+v", got)
	}
	if got.Input != want.Input || got.Output != want.Output || got.CachedInput != want.CachedInput {
		t.Errorf("figures not written must stay the catalog's: got %+v, catalog %+v", got, want)
	}
	if got.Source != backends.PriceSourceConfig {
		t.Errorf("source = %q", got.Source)
	}
	// What the user sees: cache writes of a config-priced model cost nothing.
	if cost, _ := got.Cost(backends.Usage{Input: 1_000_000, CacheWrite: 1_000_000}.Tokens(), ""); cost != 0 {
		t.Errorf("a million cache-write tokens at cache_write = 0 cost %v", cost)
	}

	mini, err := c.Resolve("openai:gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	want, _ = catalog.Lookup(mini)
	got, _ = book.Lookup(mini)
	if got.Input != 1 || got.CachedInput != 0 || got.Output != want.Output || got.CacheWrite != want.CacheWrite {
		t.Errorf("gpt-4o-mini: got %+v, catalog %+v", got, want)
	}

	box, err := c.Resolve("box")
	if err != nil {
		t.Fatal(err)
	}
	// No catalog price to fall back on: a cache token costs an input one.
	if got, ok := book.Lookup(box); !ok || got.Input != 0.5 || got.Output != 1.5 || got.CachedInput != 0.5 || got.CacheWrite != 0.5 {
		t.Errorf("box: %+v %v", got, ok)
	}
}

func TestLooksLikeKey(t *testing.T) {
	for _, s := range []string{openaiKey, groqKey, googleKey, xaiKey, bareRun, "sk-ant-api03-abcdefghijklmnop", "0123456789abcdef0123456789abcdef", "AKIAIOSFODNN7EXAMPLE"} {
		if !looksLikeKey(s) {
			t.Errorf("%s not taken for a key", s)
		}
	}
	for _, s := range []string{"OPENAI_API_KEY", "AZURE_OPENAI_API_KEY_WESTEUROPE", "Meta-Llama-3-70B-Instruct-Turbo", "claude-haiku-4-5-20251001-v1", "gpt-4o-mini", "sk-short", "theme_color"} {
		if looksLikeKey(s) {
			t.Errorf("%s taken for a key", s)
		}
	}
}

// With several mistakes, the first one in the file is the one reported.
func TestFirstPriceMistakeFirst(t *testing.T) {
	src := "[prices.zeta]\ninput = 1\noutput = 1\n\n[prices.alpha]\ninput = 1\noutput = 1\n"
	_, err := Parse("c.toml", []byte(src))
	if err == nil || !strings.HasPrefix(err.Error(), "c.toml:2: prices.zeta:") {
		t.Errorf("err = %v, want the mistake on line 2", err)
	}
}

// A name, label or model id is shown on the terminal, where a control
// character would be obeyed: it is refused with the file and line, and the
// message names the character without repeating it raw.
func TestControlCharactersRefused(t *testing.T) {
	cases := []struct {
		name, src string
		line      int
		want      string
	}{
		{"label with ESC", "[models.x]\nprovider = \"openai\"\nmodel = \"m\"\nlabel = \"evil\\u001b]52;c;aGk=\\u0007\"\n", 4, "models.x.label: contains the control character U+001B"},
		{"label with C1 CSI", "[models.x]\nprovider = \"openai\"\nmodel = \"m\"\nlabel = \"a\\u009b2J\"\n", 4, "models.x.label: contains the control character U+009B"},
		{"model id with BS", "[models.x]\nprovider = \"openai\"\nmodel = \"m\\b\\b\"\n", 3, "models.x.model: contains the control character U+0008"},
		{"provider with CR", "[models.x]\nprovider = \"openai\\r\"\nmodel = \"m\"\n", 2, "models.x.provider: contains the control character U+000D"},
		{"name with ESC", "[models.\"x\\u001b[2J\"]\nprovider = \"openai\"\nmodel = \"m\"\n", 2, `model name "x\x1b[2J": contains the control character U+001B`},
		{"inline label", "[models]\nx = { provider = \"openai\", model = \"m\", label = \"\\u001b[31mred\" }\n", 2, "models.x.label: contains the control character U+001B"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/home/u/.config/fanout/config.toml"
			_, err := Parse(path, []byte(tc.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a config error", err)
			}
			if ce.Line != tc.line || !strings.Contains(ce.Msg, tc.want) {
				t.Errorf("got %q (line %d), want line %d containing %q", err, ce.Line, tc.line, tc.want)
			}
			if prefix := fmt.Sprintf("%s:%d: ", path, tc.line); !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("error %q does not start with %q", err, prefix)
			}
			for _, r := range err.Error() {
				if r < 0x20 || (r >= 0x7f && r <= 0x9f) {
					t.Errorf("error %q repeats the control %U raw", err, r)
				}
			}
		})
	}
}

// Settings written in [models.NAME] reach the target, and a spec's +settings
// apply to a configured name as to provider:model.
func TestReasoningAndServingSettings(t *testing.T) {
	c, err := Parse("config.toml", []byte(`[models.claude]
provider = "bedrock"
model = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
thinking_budget = 4096
service_tier = "priority"
latency = "optimized"
`))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Models["claude"]
	if got.ThinkingBudget != 4096 || got.ServiceTier != "priority" || got.Latency != "optimized" {
		t.Errorf("target %+v", got)
	}
	flex, err := c.Resolve("claude+flex")
	if err != nil {
		t.Fatal(err)
	}
	if flex.ServiceTier != "flex" || flex.ThinkingBudget != 4096 || flex.Name != "claude+flex" || c.Models["claude"].ServiceTier != "priority" {
		t.Errorf("claude+flex = %+v; the config's entry is now %+v", flex, c.Models["claude"])
	}
	if _, err := c.Resolve("claude+reasoning_effort=high"); err == nil || !strings.Contains(err.Error(), "give one, not both") && !strings.Contains(err.Error(), "Claude takes thinking_budget") {
		t.Errorf("reasoning_effort on Claude: error %v", err)
	}
	spec, err := c.Resolve("openai:o4-mini+high+priority")
	if err != nil || spec.ReasoningEffort != "high" || spec.ServiceTier != "priority" || spec.Model != "o4-mini" {
		t.Errorf("openai:o4-mini+high+priority = %+v, %v", spec, err)
	}
}

// price_as prices a model as another: a vLLM server running gpt-oss pays
// Bedrock's list price for it, and says so.
func TestPriceAs(t *testing.T) {
	c, err := Parse("c.toml", []byte("[models.oss]\nprovider = \"vllm\"\nmodel = \"gpt-oss\"\nprice_as = \"bedrock:openai.gpt-oss-120b-1:0\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	oss, err := c.Resolve("oss")
	if err != nil {
		t.Fatal(err)
	}
	if oss.PriceAs != "bedrock:openai.gpt-oss-120b-1:0" {
		t.Fatalf("price_as = %q", oss.PriceAs)
	}
	p, ok := backends.NewPriceBook(c.Prices).Lookup(oss)
	if !ok || p.Input != 0.15 || p.Output != 0.6 || p.Provenance() != "catalog litellm 2026-08-06 (as bedrock:openai.gpt-oss-120b-1:0)" {
		t.Errorf("oss priced %+v %v (%s)", p, ok, p.Provenance())
	}
}
