package cli

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// hostileDeltas is an answer that tries to act on the terminal showing it:
// the clipboard (OSC 52), the window title (OSC 0), a clear, a cursor
// report, an 8-bit CSI, a link to somewhere else (OSC 8 and markdown), a
// lone CR and backspaces, some sequences whole in a delta, some cut across
// two.
var hostileDeltas = []string{
	"Here \x1b]52;c;cm0gLXJmIH4=\x07 is",
	" the \x1b]0;pwned\x1b\\ answer\x1b",
	"[2J, \x1b[6",
	"n and \u009b31mred\u009b0m, ",
	"\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\ and [docs](https://evil.example/docs).\r",
	"fake prompt $ \b\b\bdone\a\n",
}

// assertInert fails when out holds any control a terminal acts on: all of
// C0 but \n and \t, DEL, C1, bytes that are not UTF-8.
func assertInert(t *testing.T, what, out string) {
	t.Helper()
	if !utf8.ValidString(out) {
		t.Errorf("%s is not UTF-8: %q", what, out)
	}
	for i, r := range out {
		if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
			t.Errorf("%s: control %U at byte %d:\n%q", what, r, i, out)
			return
		}
	}
}

func hostileServer(t *testing.T) *testserver.OpenAI {
	var script []testserver.Step
	for _, d := range hostileDeltas {
		script = append(script, testserver.Content(d))
	}
	script = append(script, testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 5, Completion: 30}), testserver.Done())
	return testserver.NewOpenAI(t, script...)
}

func TestRunNeutralisesTheModelsControls(t *testing.T) {
	raw := strings.Join(hostileDeltas, "")
	srv := hostileServer(t)
	getenv, dir := dataEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": srv.URL()})

	// Text into a pipe: shown, not obeyed.
	code, out, errOut := runCLI(t, getenv, "", "run", "-m", "openai:gpt-4o-mini", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertInert(t, "run stdout", out)
	assertInert(t, "run stderr", errOut)
	for _, want := range []string{"␛]52;c;cm0gLXJmIH4=␇ is the ␛]0;pwned␛\\ answer␛[2J, ␛[6n and ␛[31mred␛[0m", "␛]8;;https://evil.example", "␍fake prompt $ ␈␈␈done␇"} {
		if !strings.Contains(out, want) {
			t.Errorf("run stdout lacks %q:\n%s", want, out)
		}
	}

	// The session file is data: it keeps the answer as it came.
	path := onlySession(t, dir)
	f, err := session.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Results(0)[0].Text(); got != raw {
		t.Errorf("session file answer %q, want the raw %q", got, raw)
	}

	// Markdown rendered for a terminal: our styling, none of the model's
	// sequences, and no hyperlink to the model's address.
	code, term, errOut := runAsTerminal(t, getenv, "run", "--no-save", "-m", "openai:gpt-4o-mini", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, bad := range []string{"\x1b]", "\x1b[2J", "\x1b[6n", "\u009b", "\a", "\b", "\r"} {
		if strings.Contains(term, bad) {
			t.Errorf("terminal output holds %q:\n%q", bad, term)
		}
	}
	if !strings.Contains(term, "https://evil.example/docs") {
		t.Errorf("the link's address is not shown as text:\n%q", term)
	}

	// --json keeps the raw text, escaped: no raw control in the bytes.
	code, js, errOut := runCLI(t, getenv, "", "run", "--json", "--no-save", "-m", "openai:gpt-4o-mini", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertInert(t, "--json", js)
	if !strings.Contains(js, `\u009b31m`) || !strings.Contains(js, `\u001b]52`) {
		t.Errorf("--json does not escape the controls:\n%s", js)
	}
	if got := decodeReport(t, js).Results[0].Text; got != raw {
		t.Errorf("--json text %q, want the raw %q", got, raw)
	}

	// --events: the same, delta by delta.
	code, evs, errOut := runCLI(t, getenv, "", "run", "--events", "--no-save", "-m", "openai:gpt-4o-mini", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertInert(t, "--events", evs)
	var text strings.Builder
	sc := bufio.NewScanner(strings.NewReader(evs))
	for sc.Scan() {
		var ev struct {
			Type  string
			Delta struct{ Text string }
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		if ev.Type == "delta" {
			text.WriteString(ev.Delta.Text)
		}
	}
	if text.String() != raw {
		t.Errorf("--events deltas %q, want the raw %q", text.String(), raw)
	}

	// export: Markdown is shown; JSON keeps the raw text, escaped.
	code, md, errOut := runCLI(t, getenv, "", "export", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertInert(t, "export md", md)
	if !strings.Contains(md, "␛]52;c;") || !strings.Contains(md, "␛[31mred") {
		t.Errorf("export md does not show the controls:\n%s", md)
	}
	outFile := filepath.Join(t.TempDir(), "run.md")
	if code, _, errOut := runCLI(t, getenv, "", "export", "-o", outFile, path); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertInert(t, "export -o", readFile(t, outFile))
	code, ejs, errOut := runCLI(t, getenv, "", "export", "--format", "json", path)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	assertInert(t, "export json", ejs)
	if got := decodeReport(t, ejs).Results[0].Text; got != raw {
		t.Errorf("export json text %q, want the raw %q", got, raw)
	}

	// The listing shows the session's prompt and labels safely too.
	code, list, _ := runCLI(t, getenv, "", "sessions")
	if code != exitOK {
		t.Fatalf("sessions: exit %d", code)
	}
	assertInert(t, "sessions", list)
}

// A server's error message is a server's text: on stderr (progress) and
// stdout ([error]) its sequences are shown, never obeyed; --json keeps it
// escaped.
func TestServerErrorTextNeutralised(t *testing.T) {
	body := `{"error":{"message":"overloaded \u001b]52;c;aGk=\u0007\u001b[2J\u009b6n\r","type":"server_error"}}`
	for _, mode := range [][]string{{}, {"--json"}, {"--events"}} {
		srv := testserver.NewOpenAI(t, testserver.Respond(500, body))
		getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": srv.URL()})
		args := append(append([]string{"run", "--no-save"}, mode...), "-m", "openai:gpt-4o-mini", "hi")
		code, out, errOut := runCLI(t, getenv, "", args...)
		if code != exitFail {
			t.Errorf("%v: exit %d, want 1: %s", mode, code, errOut)
		}
		assertInert(t, strings.Join(mode, " ")+" stdout", out)
		assertInert(t, strings.Join(mode, " ")+" stderr", errOut)
		if !strings.Contains(out+errOut, "overloaded") {
			t.Errorf("%v: the error is not reported:\n%s\n%s", mode, out, errOut)
		}
		if len(mode) == 0 && !strings.Contains(out+errOut, "␛]52;c;aGk=␇␛[2J") {
			t.Errorf("the error's controls are not shown:\n%s\n%s", out, errOut)
		}
	}
}

// An error dispatch prints (here, naming a file the user gave) goes
// through termsafe as well.
func TestErrorsOnStderrNeutralised(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "x\x1b]0;pwned\x07\u009b2J.jsonl")
	code, _, errOut := runCLI(t, testEnv(t, nil), "", "export", missing)
	if code != exitFail {
		t.Errorf("exit %d, want 1", code)
	}
	assertInert(t, "stderr", errOut)
	if !strings.Contains(errOut, "x␛]0;pwned␇␛[2J.jsonl") {
		t.Errorf("stderr %q does not show the name's controls", errOut)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
