package cli

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/ui"
)

// fakeOllama answers /api/tags as an Ollama with one model would, and
// counts the probes.
func fakeOllama(t *testing.T) (host string, probes *atomic.Int32) {
	t.Helper()
	probes = new(atomic.Int32)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/tags" {
			probes.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"models":[{"name":"llama3.2"}]}`))
			return
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, probes
}

// cockpitSetup builds the cockpit's options as fanout with args would,
// without starting it.
func cockpitSetup(t *testing.T, getenv func(string) string, args ...string) ui.Options {
	t.Helper()
	var f cockpitFlags
	cmd := f.command()
	e := env{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}, getenv: getenv, environ: func() []string { return nil }}
	if _, err := cmd.parse(e, args); err != nil {
		t.Fatal(err)
	}
	uo, err := f.setup(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	return uo
}

// The default models and the picker's choices come from one discovery:
// Ollama is probed once, not once for each.
func TestCockpitDiscoversOnce(t *testing.T) {
	host, probes := fakeOllama(t)
	uo := cockpitSetup(t, testEnv(t, map[string]string{"OLLAMA_HOST": host}))
	if n := probes.Load(); n != 1 {
		t.Errorf("Ollama probed %d times while the cockpit started, want 1", n)
	}
	if len(uo.Targets) != 1 || uo.Targets[0].Name != "ollama:llama3.2" {
		t.Errorf("default targets %v, want the Ollama model found", uo.Targets)
	}
	var offered bool
	for _, ch := range uo.Choices {
		if ch.Target.Name == "ollama:llama3.2" && ch.Unavailable == "" {
			offered = true
		}
	}
	if !offered {
		t.Errorf("the picker does not offer ollama:llama3.2 as available: %+v", uo.Choices)
	}
}

// Every choice that cannot run here says what to set, as fanout models
// does: a config model whose key variable is unset too.
func TestPickerChoicesSayWhatToSet(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	writeFile(t, path, "[models.fast]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\n\n[models.mine]\nprovider = \"openai\"\nmodel = \"gpt-4o\"\napi_key_env = \"MY_OWN_KEY\"\n")
	byName := func(uo ui.Options) map[string]ui.Choice {
		m := map[string]ui.Choice{}
		for _, ch := range uo.Choices {
			if _, dup := m[ch.Target.Name]; !dup || ch.Note == "from the config" {
				m[ch.Target.Name] = ch
			}
		}
		return m
	}
	got := byName(cockpitSetup(t, testEnv(t, nil), "--config", path, "-m", "demo:swift"))
	for name, want := range map[string]string{
		"fast":       "set OPENAI_API_KEY",
		"mine":       "set MY_OWN_KEY",
		"demo:swift": "",
	} {
		ch, ok := got[name]
		if !ok {
			t.Errorf("no choice %s among %v", name, got)
			continue
		}
		if ch.Unavailable != want {
			t.Errorf("%s: Unavailable %q, want %q", name, ch.Unavailable, want)
		}
	}
	// The providers fanout models lists as not ready are offered too,
	// with what to set.
	var openai, ollama bool
	for _, ch := range cockpitSetup(t, testEnv(t, nil), "--config", path).Choices {
		switch {
		case ch.Target.Provider == "openai" && ch.Note != "from the config":
			openai = ch.Unavailable == "set OPENAI_API_KEY"
		case ch.Target.Provider == "ollama":
			ollama = strings.HasPrefix(ch.Unavailable, "start Ollama")
		}
	}
	if !openai || !ollama {
		t.Errorf("openai offered with its key to set: %v; ollama with 'start Ollama': %v", openai, ollama)
	}

	got = byName(cockpitSetup(t, testEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "MY_OWN_KEY": "sk-test-fedcba9876543210"}), "--config", path))
	if got["fast"].Unavailable != "" || got["mine"].Unavailable != "" {
		t.Errorf("with the keys set: fast %q, mine %q, want both available", got["fast"].Unavailable, got["mine"].Unavailable)
	}
}

// The cockpit's prompt history is kept in the XDG state dir, scrubbed of
// the keys the session files are scrubbed of; --no-save keeps nothing new.
func TestCockpitPromptHistory(t *testing.T) {
	const key = "sk-test-0123456789abcdef"
	state := t.TempDir()
	getenv := testEnv(t, map[string]string{"XDG_STATE_HOME": state, "OPENAI_API_KEY": key})
	uo := cockpitSetup(t, getenv, "-m", "demo:swift")
	h, ok := uo.History.(*session.History)
	if !ok {
		t.Fatalf("History = %T, want the kept one", uo.History)
	}
	if want := filepath.Join(state, "fanout", "history"); h.Path() != want {
		t.Errorf("history at %s, want %s", h.Path(), want)
	}
	uo.History.Add("try " + key)
	again := cockpitSetup(t, getenv, "-m", "demo:swift").History.Prompts()
	if len(again) != 1 || again[0] != "try [redacted]" {
		t.Errorf("next run recalls %q, want the prompt with its key scrubbed", again)
	}

	unkept := cockpitSetup(t, getenv, "--no-save", "-m", "demo:swift").History
	unkept.Add("not to be kept")
	if got := unkept.Prompts(); len(got) != 2 || got[1] != "not to be kept" {
		t.Errorf("--no-save recalls %q, want the kept prompts and this run's", got)
	}
	if got := cockpitSetup(t, getenv, "-m", "demo:swift").History.Prompts(); len(got) != 1 {
		t.Errorf("a --no-save prompt was kept: %q", got)
	}
}
