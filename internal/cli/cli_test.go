package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/session"
)

// testEnv is an isolated environment: no keys, no config, no AWS files, no
// instance metadata, and an Ollama address where nothing listens.
func testEnv(t *testing.T, extra map[string]string) func(string) string {
	t.Helper()
	dir := t.TempDir()
	env := map[string]string{
		"HOME":                        dir,
		"XDG_CONFIG_HOME":             filepath.Join(dir, "config"),
		"AWS_CONFIG_FILE":             filepath.Join(dir, "aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "aws-credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"OLLAMA_HOST":                 "127.0.0.1:1",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

// runCLI runs fanout in-process and returns its exit status and output.
func runCLI(t *testing.T, getenv func(string) string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Main(context.Background(), args, strings.NewReader(stdin), &out, &errOut, getenv)
	return code, out.String(), errOut.String()
}

func TestRunJSONOnDemoModels(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, nil), "", "run", "--json", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "40", "Explain backpressure")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	rep := decodeReport(t, out)
	if rep.Prompt != "Explain backpressure" || len(rep.Results) != 2 {
		t.Fatalf("report = %+v", rep)
	}
	for _, r := range rep.Results {
		if r.Provider != "demo" || r.Text == "" || r.Error != nil || r.Status != session.StatusDone {
			t.Errorf("%s: %+v", r.Model, r)
		}
		if r.TTFTMs == nil || r.TotalMs == nil || *r.TTFTMs <= 0 || *r.TTFTMs > *r.TotalMs {
			t.Errorf("%s: ttft %v total %v", r.Model, r.TTFTMs, r.TotalMs)
		}
		if !r.Usage.Exact || r.Usage.Output == 0 || r.Usage.Output > 40 || r.Usage.Input == 0 {
			t.Errorf("%s: usage %+v (max tokens 40)", r.Model, r.Usage)
		}
		if r.Cost.Source != session.CostComputed || r.Cost.USD == nil || !r.Cost.Simulated {
			t.Errorf("%s: cost %+v, want a computed simulated cost", r.Model, r.Cost)
		}
	}
	// The raw document carries the contract's field names.
	for _, field := range []string{`"ttft_ms"`, `"total_ms"`, `"tokens_per_s"`, `"stop_reason"`, `"cached_input"`, `"cache_write"`, `"exact"`, `"source"`, `"usd"`} {
		if !strings.Contains(out, field) {
			t.Errorf("JSON lacks %s", field)
		}
	}
}

func TestRunPlainOutput(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, nil), "", "run", "-m", "demo:swift", "--max-tokens", "30", "hello there")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	for _, want := range []string{"── Swift (simulated) · demo:swift", "MODEL", "TTFT", "COST", "simulated"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	// Not a terminal: progress is one line per milestone.
	if !strings.Contains(errOut, "first token after") || !strings.Contains(errOut, "done in") {
		t.Errorf("stderr progress:\n%s", errOut)
	}
}

func TestRunEventsNDJSON(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, nil), "a prompt from stdin\n", "run", "--events", "-m", "demo:swift", "--max-tokens", "10")
	if code != exitOK {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	types := map[string]int{}
	for _, l := range lines {
		var ev map[string]any
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatalf("line is not JSON: %q", l)
		}
		for _, k := range []string{"pane", "t_ms", "type"} {
			if _, ok := ev[k]; !ok {
				t.Errorf("line lacks %s: %s", k, l)
			}
		}
		types[ev["type"].(string)]++
	}
	if types["start"] != 1 || types["delta"] == 0 || types["done"] != 1 || types["usage"] < 1 {
		t.Errorf("event types = %v", types)
	}
	if !strings.HasPrefix(lines[0], `{"t_ms":0,"pane":0,"type":"start"`) {
		t.Errorf("first line = %s", lines[0])
	}
}

func TestRunOneFailingModelDoesNotStopOthers(t *testing.T) {
	code, out, _ := runCLI(t, testEnv(t, nil), "", "run", "--json", "-m", "openai:gpt-4o-mini", "-m", "demo:swift", "--max-tokens", "20", "hi")
	if code != exitFail {
		t.Errorf("exit %d, want %d when a model fails", code, exitFail)
	}
	rep := decodeReport(t, out)
	if e := rep.Results[0].Error; e == nil || !strings.Contains(e.Message, "OPENAI_API_KEY") {
		t.Errorf("missing key error = %+v, want it to name OPENAI_API_KEY", e)
	}
	if c := rep.Results[0].Cost; c.USD != nil && *c.USD != 0 {
		t.Errorf("a failed request before any output must not cost anything: %+v", rep.Results[0].Cost)
	}
	if rep.Results[1].Status != session.StatusDone || rep.Results[1].Text == "" {
		t.Errorf("demo model after a failing one: %+v", rep.Results[1])
	}
}

func TestUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"run", "--bogus", "x"}, "flag provided but not defined"},
		{[]string{"run", "-m", "nope", "x"}, `unknown model "nope"`},
		{[]string{"run", "-m", "opnai:gpt", "x"}, `unknown provider "opnai"`},
		{[]string{"run", "-m", "demo:nosuch", "x"}, "demo models:"},
		{[]string{"run", "-m", "demo:swift"}, "no prompt"},
		{[]string{"run", "--json", "--events", "x"}, "cannot be used together"},
		{[]string{"run", "--config", "/nonexistent/fanout.toml", "x"}, "/nonexistent/fanout.toml"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"run", "--temperature", "5", "x"}, "run: --temperature: temperature must be a number from 0 to 2, not 5"},
		{[]string{"run", "--temperature", "NaN", "x"}, "run: --temperature: temperature must be a number from 0 to 2, not NaN"},
		{[]string{"run", "--temperature", "-inf", "x"}, "run: --temperature: temperature must be a number from 0 to 2"},
		{[]string{"run", "--temperature", "warm", "x"}, `invalid value "warm" for flag -temperature: not a number`},
		{[]string{"run", "--max-tokens", "-3", "x"}, "run: --max-tokens: max_tokens must be from 1 to 10000000, not -3"},
		{[]string{"run", "--max-tokens", "20000000", "x"}, "run: --max-tokens: max_tokens must be from 1 to 10000000"},
		{[]string{"run", "--timeout", "-1s", "x"}, "run: --timeout: a duration must be from 0 to 24h"},
		{[]string{"run", "--timeout", "25h", "x"}, "run: --timeout: a duration must be from 0 to 24h"},
		{[]string{"run", "--stall-timeout", "-5s", "x"}, "run: --stall-timeout: a duration must be from 0 to 24h"},
		{[]string{"serve", "--stall-timeout", "48h"}, "serve: --stall-timeout: a duration must be from 0 to 24h"},
		// The cockpit checks them too, before it wants a terminal.
		{[]string{"--temperature", "5"}, "fanout: --temperature: temperature must be a number from 0 to 2"},
		{[]string{"--stall-timeout", "25h"}, "fanout: --stall-timeout: a duration must be from 0 to 24h"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, testEnv(t, nil), "", tc.args...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 mentioning %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestConfigErrorNamesFileAndLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("[models.fast]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\ntemprature = 0.3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, testEnv(t, nil), "", "run", "--config", path, "-m", "fast", "x")
	if code != exitUsage || !strings.Contains(errOut, path+":4:") || !strings.Contains(errOut, "temprature") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

func TestConfigDefaultsAndNames(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "fanout")
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := "default = [\"quick\"]\n[models.quick]\nprovider = \"demo\"\nmodel = \"swift\"\nlabel = \"Quick one\"\nmax_tokens = 12\n"
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, testEnv(t, map[string]string{"XDG_CONFIG_HOME": dir}), "", "run", "--json", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	if len(rep.Results) != 1 || rep.Results[0].Label != "Quick one" || rep.Results[0].Usage.Output > 12 {
		t.Errorf("results = %+v", rep.Results)
	}
}

func TestDefaultsToDemoWithNothingConfigured(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, nil), "", "run", "--json", "--max-tokens", "8", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	if len(rep.Results) < 3 {
		t.Fatalf("%d results, want the demo models", len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Provider != "demo" {
			t.Errorf("default model %s:%s on a machine with nothing configured", r.Provider, r.Model)
		}
	}
}

func TestModelsJSON(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, map[string]string{"GROQ_API_KEY": "gsk_test_not_a_real_key_123456"}), "", "models", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var lines []modelLine
	if err := json.Unmarshal([]byte(out), &lines); err != nil {
		t.Fatal(err)
	}
	byName := map[string]modelLine{}
	for _, l := range lines {
		byName[l.Name] = l
	}
	var openaiLine *modelLine
	for i, l := range lines {
		if l.Provider == "openai" && l.Source == "detected" {
			openaiLine = &lines[i]
		}
	}
	if l := openaiLine; l == nil || l.Ready || l.Why != "set OPENAI_API_KEY" || l.Price == nil || l.Placeholder {
		t.Errorf("openai line = %+v: want not ready, priced, naming OPENAI_API_KEY", l)
	}
	if l := byName["groq:qwen/qwen3-32b"]; !l.Ready {
		t.Errorf("groq with its key set = %+v", l)
	}
	if l := byName["demo:swift"]; !l.Ready || l.Price == nil || l.Price.Source != "simulated" {
		t.Errorf("demo line = %+v", l)
	}
	if strings.Contains(out, "gsk_test_not_a_real_key") {
		t.Error("models output shows a key")
	}
}

func TestVersionAndHelp(t *testing.T) {
	if code, out, _ := runCLI(t, testEnv(t, nil), "", "--version"); code != 0 || !strings.HasPrefix(out, "fanout ") {
		t.Errorf("--version: %d %q", code, out)
	}
	for _, args := range [][]string{{"--help"}, {"run", "--help"}, {"models", "--help"}} {
		code, out, errOut := runCLI(t, testEnv(t, nil), "", args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage") {
			t.Errorf("%v: exit %d, output %q", args, code, out+errOut)
		}
	}
}

// Every command's --help (and -h) is its usage on stdout, exit 0, nothing
// on stderr.
func TestHelpGoesToStdout(t *testing.T) {
	for _, cmd := range [][]string{{}, {"run"}, {"models"}, {"sessions"}, {"replay"}, {"export"}, {"serve"}} {
		for _, h := range []string{"--help", "-h"} {
			args := append(append([]string(nil), cmd...), h)
			code, out, errOut := runCLI(t, testEnv(t, nil), "", args...)
			if code != exitOK || errOut != "" || !strings.Contains(out, "Usage") || !strings.Contains(out, "-config") {
				t.Errorf("%v: exit %d, stderr %q, stdout %q: want the usage with its flags on stdout, exit 0", args, code, errOut, out)
			}
		}
	}
}

// A bad flag is told once, on stderr, with where to look, exit 2; nothing
// on stdout.
func TestUsageErrorPrintedOnce(t *testing.T) {
	for _, tc := range []struct {
		args []string
		hint string
	}{
		{[]string{"run", "--bogus", "x"}, "run 'fanout run --help' for its flags"},
		{[]string{"models", "--frob"}, "run 'fanout models --help' for its flags"},
		{[]string{"--nope"}, "run 'fanout --help' for its flags"},
		{[]string{"run", "-m"}, "run 'fanout run --help' for its flags"},
	} {
		code, out, errOut := runCLI(t, testEnv(t, nil), "", tc.args...)
		if code != exitUsage || out != "" {
			t.Errorf("%v: exit %d, stdout %q", tc.args, code, out)
		}
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "fanout: ") || lines[1] != tc.hint {
			t.Errorf("%v: stderr %q: want one message and the hint %q", tc.args, errOut, tc.hint)
		}
		if strings.Count(errOut, "flag provided but not defined")+strings.Count(errOut, "needs an argument") != 1 {
			t.Errorf("%v: the error is not told exactly once: %q", tc.args, errOut)
		}
	}
}

// "--" as a flag's value is that value; a "--" of its own ends the flags.
func TestDashesAsAFlagValue(t *testing.T) {
	code, out, errOut := runCLI(t, testEnv(t, nil), "", "run", "--json", "--no-save", "--system", "--", "-m", "demo:swift", "--max-tokens", "5", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	if rep.Prompt != "hi" || len(rep.Results) != 1 || rep.Results[0].Model != "swift" {
		t.Errorf("prompt %q, %d results: -m and --max-tokens after --system -- must stay flags", rep.Prompt, len(rep.Results))
	}
	code, out, errOut = runCLI(t, testEnv(t, nil), "", "run", "--json", "--no-save", "-m", "demo:swift", "--max-tokens", "5", "--", "-m", "is", "a", "word")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if rep := decodeReport(t, out); rep.Prompt != "-m is a word" {
		t.Errorf("prompt %q: after a bare -- everything is the prompt", rep.Prompt)
	}
}

func TestEndedByDashes(t *testing.T) {
	var c common
	var s sampling
	cmd := newCommand("run", "")
	c.register(cmd.fs)
	s.register(cmd.fs)
	for _, tc := range []struct {
		args []string
		pos  []string
	}{
		{[]string{"--system", "--", "x"}, []string{"x"}},
		{[]string{"--system=--", "--", "-m"}, []string{"-m"}},
		{[]string{"--no-save", "--", "--system"}, []string{"--system"}},
		{[]string{"a", "--system", "--", "b", "--", "-x"}, []string{"a", "b", "-x"}},
	} {
		pos, err := parseFlags(cmd.fs, tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) {
			t.Errorf("%q: positional %q (%v), want %q", tc.args, pos, err, tc.pos)
		}
	}
}

// A config that does not load is bad usage: exit 2, whatever the command.
func TestConfigErrorExitsTwo(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, path, "default = [\n")
	for _, cmd := range []string{"run", "models", "sessions"} {
		args := []string{cmd, "--config", path}
		if cmd == "run" {
			args = append(args, "hi")
		}
		code, _, errOut := runCLI(t, testEnv(t, nil), "", args...)
		if code != exitUsage || !strings.Contains(errOut, path) {
			t.Errorf("%v: exit %d, stderr %q: want 2 and the file named", args, code, errOut)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// decodeReport reads a `fanout run --json` document, failing the test if it
// is not one.
func decodeReport(t *testing.T, out string) session.Report {
	t.Helper()
	var rep session.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not a report: %v\n%s", err, out)
	}
	return rep
}
