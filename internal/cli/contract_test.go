package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/backends"
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
