package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// dataEnv is testEnv with a known sessions folder: it returns the
// environment and the folder runs are recorded in by default.
func dataEnv(t *testing.T, extra map[string]string) (func(string) string, string) {
	t.Helper()
	data := t.TempDir()
	if extra == nil {
		extra = map[string]string{}
	}
	extra["XDG_DATA_HOME"] = data
	return testEnv(t, extra), filepath.Join(data, "fanout", "sessions")
}

func sessionFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func onlySession(t *testing.T, dir string) string {
	t.Helper()
	m := sessionFiles(t, dir)
	if len(m) != 1 {
		t.Fatalf("%d session files in %s, want 1: %v", len(m), dir, m)
	}
	return m[0]
}

func TestRunRecordsASession(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	code, out, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "20", "--temperature", "0.5", "--system", "be brief", "Explain backpressure")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if errOut != "" {
		t.Errorf("--json with stderr not a terminal: stderr should stay quiet, got %q", errOut)
	}
	path := onlySession(t, dir)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if !strings.HasPrefix(lines[0], `{"type":"header","format":1,`) || !strings.HasPrefix(lines[len(lines)-1], `{"type":"footer","turn":1,`) {
		t.Errorf("first line %s\nlast line %s", lines[0], lines[len(lines)-1])
	}
	for _, l := range lines[1 : len(lines)-1] {
		if !strings.HasPrefix(l, `{"t_ms":`) {
			t.Errorf("not an event line: %s", l)
		}
	}
	f, err := session.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	h := f.Header
	if h.Prompt != "Explain backpressure" || h.System != "be brief" || h.Temperature == nil || *h.Temperature != 0.5 || h.MaxTokens != 20 ||
		len(h.Targets) != 2 || h.Targets[1].Model != "sage" || h.Targets[0].Price == nil || h.App != appVersion() {
		t.Errorf("header %+v", h)
	}
	rep := decodeReport(t, out)
	if !reflect.DeepEqual(f.Report(), rep) {
		t.Errorf("the recorded session does not fold to the printed report")
	}
}

func TestRunSaysWhereTheSessionWent(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	code, _, errOut := runCLI(t, getenv, "", "run", "-m", "demo:swift", "--max-tokens", "5", "hi")
	if code != exitOK {
		t.Fatal(errOut)
	}
	// Progress lines on a non-terminal stderr: the saved path is one more.
	if want := "session saved: " + onlySession(t, dir) + "\n"; !strings.HasSuffix(errOut, want) {
		t.Errorf("stderr %q, want it to end with %q", errOut, want)
	}
}

func TestRunNoSaveAndSessionsDir(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	if code, _, errOut := runCLI(t, getenv, "", "run", "--no-save", "-m", "demo:swift", "--max-tokens", "5", "hi"); code != exitOK || strings.Contains(errOut, "session") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("--no-save created %s: %v", dir, err)
	}

	flagDir := filepath.Join(t.TempDir(), "by-flag")
	if code, _, errOut := runCLI(t, getenv, "", "run", "--sessions-dir", flagDir, "-m", "demo:swift", "--max-tokens", "5", "hi"); code != exitOK {
		t.Fatal(errOut)
	}
	onlySession(t, flagDir)

	// sessions_dir in the config, under ~/.
	home := t.TempDir()
	cfg := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, cfg, "sessions_dir = \"~/my-sessions\"\n")
	getenv2 := testEnv(t, map[string]string{"HOME": home})
	if code, _, errOut := runCLI(t, getenv2, "", "run", "--config", cfg, "-m", "demo:swift", "--max-tokens", "5", "hi"); code != exitOK {
		t.Fatal(errOut)
	}
	onlySession(t, filepath.Join(home, "my-sessions"))
	// The flag wins over the config.
	if code, _, errOut := runCLI(t, getenv2, "", "run", "--config", cfg, "--sessions-dir", flagDir, "-m", "demo:swift", "--max-tokens", "5", "hi"); code != exitOK {
		t.Fatal(errOut)
	}
	if n := len(sessionFiles(t, flagDir)); n != 2 {
		t.Errorf("%d sessions in the flag's folder, want 2", n)
	}
	// sessions and replay read the same folder.
	code, out, _ := runCLI(t, getenv2, "", "sessions", "--config", cfg, "--json")
	var list []session.Summary
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil || len(list) != 1 {
		t.Errorf("sessions with sessions_dir: exit %d, %v, %s", code, err, out)
	}
}

func TestRecordingFailureDoesNotFailTheRun(t *testing.T) {
	notADir := filepath.Join(t.TempDir(), "file")
	writeFile(t, notADir, "")
	code, out, errOut := runCLI(t, testEnv(t, nil), "", "run", "--json", "--sessions-dir", notADir, "-m", "demo:swift", "--max-tokens", "5", "hi")
	if code != exitOK {
		t.Errorf("exit %d: a recording that fails must not fail the run", code)
	}
	if !strings.HasPrefix(errOut, "fanout: session not saved: ") || strings.Count(errOut, "\n") != 1 || !strings.Contains(errOut, notADir) {
		t.Errorf("stderr %q, want one line saying the session was not saved and where", errOut)
	}
	if !json.Valid([]byte(out)) {
		t.Errorf("stdout is not the JSON report: %s", out)
	}
}

func TestSessionsList(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	code, out, _ := runCLI(t, getenv, "", "sessions")
	if code != exitOK || !strings.Contains(out, "No sessions yet") || !strings.Contains(out, dir) {
		t.Errorf("empty: exit %d, %q", code, out)
	}
	if code, out, _ := runCLI(t, getenv, "", "sessions", "--json"); code != exitOK || strings.TrimSpace(out) != "[]" {
		t.Errorf("empty --json: exit %d, %q", code, out)
	}
	for _, p := range []string{"the older prompt", "the newer prompt"} {
		if code, _, errOut := runCLI(t, getenv, "", "run", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "5", p); code != exitOK {
			t.Fatal(errOut)
		}
		time.Sleep(5 * time.Millisecond) // distinct creation times
	}
	writeFile(t, filepath.Join(dir, "broken.jsonl"), `{"type":"header","format":1,"prompt":"x","targets":[{"label":"A","provider":"demo","model":"swift"}]}`+"\n{torn\n{}\n")

	code, out, errOut := runCLI(t, getenv, "", "sessions")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "TIME") || !strings.Contains(lines[1], "the newer prompt") || !strings.Contains(lines[2], "the older prompt") {
		t.Fatalf("listing:\n%s", out)
	}
	for _, want := range []string{"Swift (simulated), Sage (simulated)", "simulated", "Swift (simulated) "} {
		if !strings.Contains(lines[1], want) {
			t.Errorf("line lacks %q: %s", want, lines[1])
		}
	}
	if want := "fanout: session " + filepath.Join(dir, "broken.jsonl") + ":2: not JSON"; !strings.HasPrefix(errOut, want) {
		t.Errorf("stderr %q, want %q…", errOut, want)
	}

	code, out, _ = runCLI(t, getenv, "", "sessions", "--json")
	var list []session.Summary
	if err := json.Unmarshal([]byte(out), &list); code != exitOK || err != nil {
		t.Fatalf("--json: exit %d, %v\n%s", code, err, out)
	}
	if len(list) != 2 || list[0].Prompt != "the newer prompt" || !list[0].Created.After(list[1].Created) || list[0].Winner == "" || !list[0].Complete {
		t.Errorf("--json list %+v", list)
	}
	if !strings.Contains(lines[1], list[0].ID) {
		t.Errorf("the listing should show the id to replay: %s", lines[1])
	}
}

func TestReplayJSONEqualsRunJSON(t *testing.T) {
	srv := testserver.NewOpenAI(t, testserver.Wait(20*time.Millisecond), testserver.ReasoningContent("Let me think."),
		testserver.Wait(3*time.Millisecond), testserver.Content("Forty"), testserver.Wait(3*time.Millisecond), testserver.Content("-two."),
		testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 9, Completion: 4}), testserver.Done())
	getenv, dir := dataEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": srv.URL()})
	code, runOut, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "openai:gpt-4o-mini", "-m", "demo:ponder", "-m", "demo:swift", "--max-tokens", "30", "The answer?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	path := onlySession(t, dir)
	id := strings.TrimSuffix(filepath.Base(path), ".jsonl")
	for _, ref := range []string{path, id, id[:12]} {
		code, out, errOut := runCLI(t, getenv, "", "replay", "--json", ref)
		if code != exitOK {
			t.Fatalf("replay --json %s: exit %d: %s", ref, code, errOut)
		}
		var live, replayed session.Report
		if err := json.Unmarshal([]byte(runOut), &live); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(out), &replayed); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(live, replayed) {
			t.Errorf("replay --json %s differs from run --json:\n%s\n%s", ref, runOut, out)
		}
		// Same encoder: byte for byte the same document.
		if out != runOut {
			t.Errorf("replay --json %s is not byte-identical to run --json", ref)
		}
	}
	if live := runOut; !strings.Contains(live, `"text":"Forty-two."`) || !strings.Contains(live, `"reasoning":"Let me think."`) {
		t.Errorf("run --json: %s", live)
	}
}

func TestExport(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	code, runOut, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "demo:swift", "-m", "demo:ponder", "--max-tokens", "40", "Why | is the sky blue?")
	if code != exitOK {
		t.Fatal(errOut)
	}
	path := onlySession(t, dir)
	rep := decodeReport(t, runOut)
	code, md, errOut := runCLI(t, getenv, "", "export", path, "--format", "md")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"# Why | is the sky blue?\n",
		"| Model | Status | TTFT | Tok/s | Tokens in | Tokens out | Cost | Total |",
		"| Swift (simulated) | done |",
		"| Ponder (simulated) | done |",
		"## Swift (simulated) (demo:swift)\n",
		"## Ponder (simulated) (demo:ponder)\n",
		"<details><summary>Reasoning</summary>",
		"simulated",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	for _, r := range rep.Results {
		if first := strings.SplitN(strings.TrimSpace(r.Text+r.Reasoning), "\n", 2)[0]; !strings.Contains(md, strings.TrimLeft(first, "# ")) {
			t.Errorf("Markdown lacks %s's answer %q", r.Label, first)
		}
	}

	// -o writes the same document to a file, and nothing to stdout.
	outFile := filepath.Join(t.TempDir(), "run.md")
	code, out, errOut := runCLI(t, getenv, "", "export", "-o", outFile, path)
	if code != exitOK || out != "" {
		t.Fatalf("exit %d, stdout %q: %s", code, out, errOut)
	}
	if b, err := os.ReadFile(outFile); err != nil || string(b) != md {
		t.Errorf("-o file differs from stdout: %v", err)
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(outFile), ".*")); len(leftovers) != 0 {
		t.Errorf("temp files left: %v", leftovers)
	}
	// JSON: the run --json document.
	code, out, _ = runCLI(t, getenv, "", "export", "--format", "json", path)
	if code != exitOK || out != runOut {
		t.Errorf("export --format json (exit %d) differs from run --json:\n%s\n%s", code, out, runOut)
	}
	// A folder that does not exist: the error names the file and the
	// folder, not a temporary file.
	bad := filepath.Join(t.TempDir(), "no", "such", "dir", "x.md")
	if code, _, errOut := runCLI(t, getenv, "", "export", "-o", bad, path); code != exitFail || !strings.Contains(errOut, bad) ||
		!strings.Contains(errOut, "folder "+filepath.Dir(bad)+": no such file") || strings.Contains(errOut, ".tmp") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, getenv, "", "export", "--format", "pdf", path); code != exitUsage || !strings.Contains(errOut, "want md or json") {
		t.Errorf("--format pdf: exit %d, %q", code, errOut)
	}
}

func TestSessionCommandErrors(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	corrupt := filepath.Join(dir, "20261126-100000-corrupt.jsonl")
	writeFile(t, corrupt, `{"type":"header","format":1,"prompt":"x","targets":[{"label":"A","provider":"demo","model":"swift"}]}`+"\n"+
		`{"t_ms":1,"pane":0,"type":"delta","delta":{"kind":"answer","text":"a"}}`+"\n"+
		`{"t_ms":2,"pane":3,"type":"delta","delta":{"kind":"answer","text":"b"}}`+"\n")
	future := filepath.Join(dir, "20261126-110000-future.jsonl")
	writeFile(t, future, `{"type":"header","format":3,"prompt":"x","targets":[]}`+"\n")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"replay", "--json", corrupt}, exitFail, "fanout: session " + corrupt + ":3: event for pane 3, but the session has 1 model (pane 0)\n"},
		{[]string{"replay", "--json", "20261126-100000"}, exitFail, "fanout: session " + corrupt + ":3: event for pane 3"},
		{[]string{"export", "20261126-100000-corrupt"}, exitFail, "fanout: session " + corrupt + ":3: event for pane 3"},
		// The cockpit replay reads the header before it wants a terminal.
		{[]string{"replay", future}, exitFail, "fanout: session " + future + ":1: format version 3 is not supported"},
		{[]string{"replay", "--json", "nosuch"}, exitFail, `fanout: no session "nosuch" in ` + dir + "; `fanout sessions` lists them\n"},
		{[]string{"export", filepath.Join(dir, "gone.jsonl")}, exitFail, "fanout: no session file " + filepath.Join(dir, "gone.jsonl")},
		{[]string{"replay", "--json"}, exitUsage, "fanout: replay: which session?"},
		{[]string{"export", "a", "b"}, exitUsage, "fanout: export: one session at a time"},
		{[]string{"replay", "--speed", "0", corrupt}, exitUsage, "fanout: replay: --speed must be above 0"},
		{[]string{"sessions", "extra"}, exitUsage, `fanout: sessions: unexpected argument "extra"`},
	}
	for _, tc := range cases {
		code, out, errOut := runCLI(t, getenv, "", tc.args...)
		if code != tc.code || !strings.HasPrefix(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, out, errOut, tc.code, tc.want)
		}
	}
}

// runEnv runs fanout in-process with vars as its whole environment, so
// that what scans the environment (the secrets) sees exactly vars.
func runEnv(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	base := testEnv(t, nil)
	for _, k := range []string{"HOME", "XDG_CONFIG_HOME", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_EC2_METADATA_DISABLED", "OLLAMA_HOST"} {
		if _, ok := vars[k]; !ok {
			vars[k] = base(k)
		}
	}
	var list []string
	for k, v := range vars {
		list = append(list, k+"="+v)
	}
	slices.Sort(list)
	var out, errOut bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut,
		getenv: func(k string) string { return vars[k] }, environ: func() []string { return list }}
	code := dispatch(context.Background(), e, args)
	return code, out.String(), errOut.String()
}

func TestSessionFilesHoldNoSecrets(t *testing.T) {
	const (
		openaiKey = "sk-test-OPENAISECRET0123456789"
		boxKey    = "box-key-BOXSECRET0123456789"
		otherKey  = "gsk_OTHERSECRET0123456789" // an unused provider's key
		awsSecret = "AWSSECRET/abcdefghijklmnop0123456789"
		urlPass   = "URLPASSWORD1234"
		urlQuery  = "URLQUERYKEY1234"
	)
	// The server echoes the key it was sent in its error, as OpenAI does,
	// and the healthy one repeats keys in its answer, a few characters a
	// chunk, as a model streams tokens.
	echo := `{"error":{"message":"Incorrect API key provided: ` + openaiKey + `.","type":"invalid_request_error","code":"invalid_api_key"}}`
	refusing := testserver.NewOpenAI(t, testserver.Respond(401, echo))
	var script []testserver.Step
	for answer := "Your keys: " + boxKey + ", " + otherKey + " and " + awsSecret + " and " + urlPass + "/" + urlQuery; answer != ""; {
		n := min(len(answer), 3)
		script = append(script, testserver.Content(answer[:n]))
		answer = answer[n:]
	}
	chatty := testserver.NewOpenAI(t, append(script, testserver.Finish("stop"), testserver.Done())...)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.toml")
	leaky := strings.Replace(chatty.URL(), "http://", "http://user:"+urlPass+"@", 1) + "?key=" + urlQuery
	writeFile(t, cfg, "[models.box]\nprovider = \"openai\"\nmodel = \"box-model\"\nbase_url = \""+chatty.URL()+"\"\napi_key_env = \"BOX_KEY\"\n"+
		"[models.leaky]\nprovider = \"openai\"\nmodel = \"leaky-model\"\nbase_url = \""+leaky+"\"\n")
	sessions := filepath.Join(dir, "sessions")
	vars := map[string]string{"OPENAI_API_KEY": openaiKey, "OPENAI_BASE_URL": refusing.URL(), "BOX_KEY": boxKey,
		"GROQ_API_KEY": otherKey, "AWS_SECRET_ACCESS_KEY": awsSecret}
	code, out, errOut := runEnv(t, vars, "run", "--config", cfg, "--sessions-dir", sessions, "--stall-timeout", "2s",
		"-m", "openai:gpt-4o-mini", "-m", "box", "-m", "leaky", "Tell me "+boxKey)
	if code != exitFail {
		t.Errorf("exit %d: %s", code, errOut)
	}
	raw, err := os.ReadFile(onlySession(t, sessions))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"OPENAISECRET", "BOXSECRET", "OTHERSECRET", "AWSSECRET", urlPass, urlQuery} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the session file holds %s:\n%s", secret, raw)
		}
	}
	// The answer is printed as the model gave it; what fanout says itself
	// (the echoed error, a URL) never shows a key.
	for _, secret := range []string{"OPENAISECRET", urlPass, urlQuery} {
		if strings.Contains(strings.ReplaceAll(out+errOut, "Your keys: "+boxKey+", "+otherKey+" and "+awsSecret+" and "+urlPass+"/"+urlQuery, ""), secret) {
			t.Errorf("the output shows %s:\n%s\n%s", secret, out, errOut)
		}
	}
	if strings.Contains(onlySession(t, sessions), "secret") {
		t.Errorf("a key made it into the file name: %s", onlySession(t, sessions))
	}
	f, err := session.Load(onlySession(t, sessions))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Header.Targets[2].BaseURL; got != chatty.URL() {
		t.Errorf("base URL kept as %q, want it without user info and query", got)
	}
	if f.Header.Targets[1].KeyEnv != "BOX_KEY" || f.Header.Prompt != "Tell me [redacted]" {
		t.Errorf("header %+v", f.Header)
	}
	r := f.Report().Results
	if r[0].Error == nil || !strings.Contains(r[0].Error.Message, "OPENAI_API_KEY") {
		t.Errorf("results %+v", r)
	}
	// Read back as one text, the pieces hold no key either.
	if want := "Your keys: [redacted], [redacted] and [redacted] and [redacted]/[redacted]"; r[1].Text != want {
		t.Errorf("the answer replays as %q, want %q", r[1].Text, want)
	}
}

func TestSecretValues(t *testing.T) {
	vars := map[string]string{"OPENAI_API_KEY": "sk-openai-123456", "MY_TOKEN": "tok-abcdefgh", "SHORT_API_KEY": "abc",
		"PATH": "/usr/bin:/bin", "CUSTOM": "custom-secret-1", "AWS_SESSION_TOKEN": "aws-session-xyz"}
	environ := []string{"PATH=/usr/bin:/bin", "MY_TOKEN=tok-abcdefgh", "SHORT_API_KEY=abc"}
	got := secretValues(func(k string) string { return vars[k] }, environ, nil)
	want := []string{"aws-session-xyz", "sk-openai-123456", "tok-abcdefgh"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("secretValues = %q, want %q", got, want)
	}
}

func TestSessionCommandsHelp(t *testing.T) {
	for _, args := range [][]string{{"sessions", "--help"}, {"replay", "--help"}, {"export", "--help"}} {
		code, out, errOut := runCLI(t, testEnv(t, nil), "", args...)
		if code != exitOK || !strings.Contains(out+errOut, "Usage: fanout "+args[0]) || !strings.Contains(out+errOut, "-sessions-dir") {
			t.Errorf("%v: exit %d, output %q", args, code, out+errOut)
		}
	}
	_, out, _ := runCLI(t, testEnv(t, nil), "", "--help")
	for _, cmd := range []string{"fanout sessions", "fanout replay", "fanout export"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("main help lacks %s", cmd)
		}
	}
	_, out, _ = runCLI(t, testEnv(t, nil), "", "run", "--help")
	if !strings.Contains(out, "-no-save") || !strings.Contains(out, "-sessions-dir") {
		t.Errorf("run --help lacks the session flags:\n%s", out)
	}
}
