package ui

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// waitForFile polls dir until a session file holds footers footers, and
// returns its path.
func waitForFile(t *testing.T, dir string, footers int, d time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"+session.Ext))
		for _, p := range paths {
			b, _ := os.ReadFile(p)
			if bytes.Count(b, []byte(`"type":"footer"`)) >= footers {
				return p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no session in %s with %d footers after %v", dir, footers, d)
	return ""
}

// A conversation in the cockpit is one session file; the browser replays
// it, and r from the replay runs it again as a new session that names the
// one it re-ran.
func TestFlowRecordBrowseReplayRerun(t *testing.T) {
	dir := t.TempDir()
	tm, _ := flowModelWith(t, []string{"demo:swift", "demo:spark"}, 30, 120, 30, func(o *Options) {
		o.Sessions = &session.Store{Dir: dir, App: "test", Secrets: []string{"sk-never-in-a-file"}}
	})
	tm.Type("First question")
	press(tm, "enter")
	waitFor(t, tm, "★", 10*time.Second)
	tm.Type("And a follow-up")
	press(tm, "enter")
	waitFor(t, tm, "★", 10*time.Second) // the second turn's summary
	first := waitForFile(t, dir, 2, 10*time.Second)

	tm.Send(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
	waitFor(t, tm, "First question", 5*time.Second)
	press(tm, "enter")
	waitFor(t, tm, "seek 5s", 5*time.Second)
	press(tm, "+", "+", "+", "+", "+") // instant
	waitFor(t, tm, "instant", 5*time.Second)
	press(tm, "r")
	second := ""
	deadline := time.Now().Add(10 * time.Second)
	for second == "" && time.Now().Before(deadline) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"+session.Ext))
		for _, p := range paths {
			if b, _ := os.ReadFile(p); p != first && bytes.Count(b, []byte(`"type":"footer"`)) == 2 {
				second = p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if second == "" {
		t.Fatal("the re-run left no complete session")
	}
	m := finalModel(t, tm)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	orig, err := session.Load(first)
	if err != nil {
		t.Fatal(err)
	}
	if len(orig.Turns) != 2 || orig.Turns[1].Prompt != "And a follow-up" || orig.Turns[0].Footer == nil || orig.Turns[1].Footer == nil {
		t.Fatalf("recorded conversation: %d turns %q", len(orig.Turns), orig.Prompts())
	}
	for i, r := range orig.Results(1) {
		if r.Stats.Status != session.StatusDone || r.Text() == "" {
			t.Errorf("turn 2 pane %d: %s, %d bytes", i, r.Stats.Status, len(r.Text()))
		}
	}
	rerun, err := session.Load(second)
	if err != nil {
		t.Fatal(err)
	}
	if rerun.Header.RerunOf != orig.Header.ID {
		t.Errorf("the re-run records rerun_of %q, want %q", rerun.Header.RerunOf, orig.Header.ID)
	}
	if got, want := rerun.Prompts(), orig.Prompts(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("re-run prompts %q, want %q", got, want)
	}
	if len(rerun.Header.Targets) != 2 || rerun.Header.Targets[1].Model != "spark" {
		t.Errorf("re-run targets %+v", rerun.Header.Targets)
	}
}

// A session that cannot be written says so, and the run is unharmed.
func TestFlowRecordingFailureIsANotice(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tm, _ := flowModelWith(t, []string{"demo:swift", "demo:spark"}, 20, 160, 30, func(o *Options) {
		o.Sessions = &session.Store{Dir: filepath.Join(blocker, "sessions")}
	})
	tm.Type("Hello")
	press(tm, "enter")
	waitFor(t, tm, "session not saved", 10*time.Second)
	m := finalModel(t, tm)
	for _, p := range m.panes {
		if p.result.Stats.Status != session.StatusDone {
			t.Errorf("%s: %s after a recording failure", p.target.Label, p.result.Stats.Status)
		}
	}
}

// Models changed in the middle of a conversation start a new session file:
// a model that stayed carries its earlier turns into it, and a re-run of
// that session sends each model exactly what the original turn sent.
func TestFlowModelsChangedMidConversationRerunWithHistory(t *testing.T) {
	dir := t.TempDir()
	specs := []string{"demo:swift", "demo:spark", "demo:sage"}
	tm, recs := flowModelWith(t, specs, 30, 120, 30, func(o *Options) {
		o.Sessions = &session.Store{Dir: dir, App: "test"}
		for _, s := range specs {
			tg, _ := backends.ParseSpec(s)
			o.Choices = append(o.Choices, Choice{Target: tg})
		}
	})
	togglePicked := func(filter string) {
		press(tm, "tab", "m")
		for _, c := range filter {
			press(tm, string(c))
		}
		press(tm, "space", "enter")
	}
	togglePicked("sag") // sage leaves before the first prompt
	waitFor(t, tm, "2 models", 5*time.Second)
	press(tm, "tab", "tab") // back to the composer
	tm.Type("First question")
	press(tm, "enter")
	waitFor(t, tm, "★", 10*time.Second)
	togglePicked("sag") // and joins for the follow-up
	waitFor(t, tm, "3 models", 5*time.Second)
	press(tm, "tab", "tab", "tab")
	tm.Type("And a follow-up")
	press(tm, "enter")
	waitFor(t, tm, "★", 10*time.Second)

	var continued string
	deadline := time.Now().Add(10 * time.Second)
	for continued == "" && time.Now().Before(deadline) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"+session.Ext))
		for _, p := range paths {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte("And a follow-up")) && bytes.Contains(b, []byte(`"type":"footer"`)) {
				continued = p
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	if continued == "" {
		t.Fatal("the follow-up left no complete session")
	}
	f, err := session.Load(continued)
	if err != nil {
		t.Fatal(err)
	}
	tr := f.Header.Targets
	if len(tr) != 3 || len(tr[0].History) != 2 || tr[0].History[0].Content != "First question" || tr[0].History[1].Role != backends.RoleAssistant ||
		len(tr[1].History) != 2 || len(tr[2].History) != 0 {
		t.Fatalf("the continued session's targets %+v", tr)
	}

	// Re-run it from the browser: the newest session is at the top.
	tm.Send(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
	waitFor(t, tm, "And a follow-up", 5*time.Second)
	press(tm, "r")
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		paths, _ := filepath.Glob(filepath.Join(dir, "*"+session.Ext))
		if len(paths) == 3 && len(withFooter(paths)) == 3 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := finalModel(t, tm).Close(); err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		r.mu.Lock()
		reqs := r.reqs
		r.mu.Unlock()
		if len(reqs) < 2 {
			t.Fatalf("%s: %d requests", specs[i], len(reqs))
		}
		orig, again := reqs[len(reqs)-2].Messages, reqs[len(reqs)-1].Messages
		if !slices.Equal(orig, again) {
			t.Errorf("%s: the follow-up sent %+v, its re-run %+v", specs[i], orig, again)
		}
	}
}

// withFooter is the subset of paths that hold a footer.
func withFooter(paths []string) []string {
	var out []string
	for _, p := range paths {
		if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(`"type":"footer"`)) {
			out = append(out, p)
		}
	}
	return out
}
