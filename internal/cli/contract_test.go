package cli

import (
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// cutRecording is a real recording of a run as a kill leaves it: the
// header and the events up to the first text of each pane, no done, no
// footer. header alone is the file of a run killed before any event.
func cutRecording(t *testing.T) (cut, headerOnly string) {
	t.Helper()
	getenv, dir := dataEnv(t, nil)
	if code, _, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "30", "Explain backpressure"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	raw, err := os.ReadFile(onlySession(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(raw), "\n")
	kept := []string{lines[0]}
	texts := 0
	for _, l := range lines[1:] {
		if strings.Contains(l, `"type":"done"`) || strings.Contains(l, `"type":"footer"`) || texts == 1 && strings.Contains(l, `"pane":1`) {
			continue // pane 1 stops before its first text: waiting
		}
		kept = append(kept, l)
		if strings.Contains(l, `"pane":0,"type":"delta"`) {
			texts = 1
		}
	}
	cut = filepath.Join(t.TempDir(), "cut.jsonl")
	headerOnly = filepath.Join(t.TempDir(), "header.jsonl")
	writeFile(t, cut, strings.Join(kept, ""))
	writeFile(t, headerOnly, lines[0])
	return cut, headerOnly
}

// replay --json and export --format json of a recording cut short give
// only the documented statuses, done, cancelled or error: a pane that
// never ended is an error that says it was cut short, its text kept.
func TestCutShortRecordingStaysInTheContract(t *testing.T) {
	cut, headerOnly := cutRecording(t)
	getenv := testEnv(t, nil)
	for _, path := range []string{cut, headerOnly} {
		for _, args := range [][]string{{"replay", "--json", path}, {"export", "--format", "json", path}} {
			code, out, errOut := runCLI(t, getenv, "", args...)
			if code != exitOK {
				t.Fatalf("%v: exit %d: %s", args, code, errOut)
			}
			var doc struct {
				Results []struct {
					Status string          `json:"status"`
					Text   string          `json:"text"`
					Error  json.RawMessage `json:"error"`
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Results) != 2 {
				t.Fatalf("%v: not a report of 2 results (%v): %s", args, err, out)
			}
			for i, r := range doc.Results {
				var e session.ReportError
				_ = json.Unmarshal(r.Error, &e)
				if r.Status != "error" || e.Code != backends.CodeCutShort || !strings.HasPrefix(e.Message, "cut short: ") {
					t.Errorf("%v pane %d: status %q error %s, want an error saying it was cut short", args, i, r.Status, r.Error)
				}
			}
			if path == cut && doc.Results[0].Text == "" {
				t.Errorf("%v: the partial answer is lost", args)
			}
		}
	}
}

// An empty session file (a full disk under an older fanout, a recording
// just starting) is no error in `fanout sessions`: the listing shows the
// others and says nothing of it.
func TestSessionsSkipsAnEmptyFile(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	if code, _, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "demo:swift", "--max-tokens", "5", "hi"); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	writeFile(t, filepath.Join(dir, "20261201-101010-full-disk.jsonl"), "")
	for _, args := range [][]string{{"sessions"}, {"sessions", "--json"}} {
		code, out, errOut := runCLI(t, getenv, "", args...)
		if code != exitOK || errOut != "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
		if !strings.Contains(out, "-hi") || strings.Contains(out, "full-disk") {
			t.Errorf("%v: %s", args, out)
		}
	}
}

// A prompt on stdin over 4 MiB is refused with its size and the limit,
// exit 2, never cut; one of exactly 4 MiB is sent whole.
func TestStdinPromptOverTheLimitIsRefused(t *testing.T) {
	getenv := testEnv(t, nil)
	code, out, errOut := runCLI(t, getenv, strings.Repeat("x", 5<<20), "run", "--no-save", "-m", "demo:swift", "--max-tokens", "5")
	want := "run: the prompt on standard input is 5.0 MiB (5242880 bytes); the limit is 4 MiB (4194304 bytes): shorten it"
	if code != exitUsage || !strings.Contains(errOut, want) || out != "" {
		t.Errorf("exit %d, stdout %d bytes, stderr %q; want exit 2 and %q", code, len(out), errOut, want)
	}

	whole := strings.Repeat("word ", (4<<20)/5) + strings.Repeat("y", (4<<20)%5)
	code, out, errOut = runCLI(t, getenv, whole, "run", "--no-save", "--json", "-m", "demo:swift", "--max-tokens", "5")
	if code != exitOK {
		t.Fatalf("a 4 MiB prompt: exit %d: %s", code, errOut)
	}
	if rep := decodeReport(t, out); rep.Prompt != whole {
		t.Errorf("the 4 MiB prompt was not sent whole: %d bytes of %d", len(rep.Prompt), len(whole))
	}
}

// neverEnds keeps a stream open for as long as the client stays, a
// keep-alive comment every 50 ms so that no stall timeout ends it.
func neverEnds() testserver.Step {
	return testserver.Func("keep alive forever", func(st *testserver.Stream) bool {
		for st.Write([]byte(": keep-alive\n\n")) && st.Wait(50*time.Millisecond) {
		}
		return false
	})
}

// A server that never ends is given up after --timeout: the run ends,
// says so, and keeps the text that arrived.
func TestTimeoutEndsAServerThatNeverEnds(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script []testserver.Step
		want   string
		text   string
	}{
		{"after text", []testserver.Step{testserver.Content("The capital is"), neverEnds()},
			"openai timed out after 0.4 s; the partial answer is kept", "The capital is"},
		{"before any text", []testserver.Step{neverEnds()}, "openai gave no answer in 0.4 s; raise --timeout", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testserver.NewOpenAI(t, tc.script...)
			getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": srv.URL()})
			code, out, errOut := runCLI(t, getenv, "", "run", "--no-save", "--json", "--timeout", "400ms", "-m", "openai:gpt-4o-mini", "hi")
			if code != exitFail {
				t.Fatalf("exit %d, want 1: %s", code, errOut)
			}
			rep := decodeReport(t, out)
			r := rep.Results[0]
			if r.Status != session.StatusError || r.Error == nil || r.Error.Code != backends.CodeTimeout || !strings.HasPrefix(r.Error.Message, tc.want) || r.Text != tc.text {
				t.Errorf("result %s %+v text %q, want error %q with text %q", r.Status, r.Error, r.Text, tc.want, tc.text)
			}
		})
	}
}

// Every command that runs models has a timeout by default, 10 minutes, in
// its help; the config's timeout replaces it, the flag wins over both.
func TestTimeoutByDefault(t *testing.T) {
	for _, args := range [][]string{{"run", "--help"}, {"--help"}, {"serve", "--help"}} {
		code, out, _ := runCLI(t, testEnv(t, nil), "", args...)
		if code != exitOK || !strings.Contains(out, "after this long, keeping its partial answer (at most 24h) (default 10m0s)") {
			t.Errorf("%v: exit %d, no 10m default timeout in:\n%s", args, code, out)
		}
	}
	var c common
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.flagTimeout(fs)
	if f := fs.Lookup("timeout"); f == nil || f.DefValue != "10m0s" || c.options(env{}).Timeout != backends.DefaultTimeout {
		t.Fatalf("--timeout default %v, options %s", f, c.options(env{}).Timeout)
	}

	cfg := filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, cfg, "timeout = \"3m\"\n")
	for _, tc := range []struct {
		args []string
		want time.Duration
	}{{nil, 3 * time.Minute}, {[]string{"--timeout", "10m"}, 10 * time.Minute}, {[]string{"--timeout", "20s"}, 20 * time.Second}} {
		var c common
		cmd := newCommand("run", "")
		c.register(cmd.fs)
		if _, err := cmd.parse(env{stdout: io.Discard}, append([]string{"--config", cfg}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if err := c.load(env{getenv: testEnv(t, nil)}); err != nil {
			t.Fatal(err)
		}
		if got := c.options(env{}).Timeout; got != tc.want {
			t.Errorf("%v with timeout = \"3m\" in the config: %s, want %s", tc.args, got, tc.want)
		}
	}
}
