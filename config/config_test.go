package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	for _, s := range []string{"", "a=1", "[x]\n", "default = [\"demo:swift\",]", "[models.\"a.b\"]\nprovider='demo'\nmodel='swift'", "x = \"\\u12", "[[a]]", "a = [[1],[2]]\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || !strings.HasPrefix(err.Error(), "fuzz.toml") {
				t.Fatalf("error without file name: %v", err)
			}
			return
		}
		for _, name := range c.Order {
			if _, err := c.Resolve(name); err != nil {
				t.Fatalf("configured model %q does not resolve: %v", name, err)
			}
		}
	})
}

// The config takes every theme name --theme takes, in any case.
func TestThemeNamesAsTheFlagTakesThem(t *testing.T) {
	for _, name := range []string{"Dracula", "tokyonight", "auto", "none"} {
		c, err := Parse("c.toml", []byte("theme = \""+name+"\"\n"))
		if err != nil || c.Theme != name {
			t.Errorf("theme %q: %v", name, err)
		}
	}
}
