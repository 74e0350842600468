package ui

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// scriptedSession records a two-turn session of three demo models with a
// fixed schedule (see scriptEvents), in arrival order, into dir.
func scriptedSession(t *testing.T, dir string) string {
	t.Helper()
	store := session.Store{Dir: dir, App: "test"}
	h := session.Header{Created: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	book := backends.NewPriceBook(nil)
	for _, tg := range targets(t, 3) {
		var price *backends.Price
		if p, ok := book.Lookup(tg); ok {
			price = &p
		}
		h.Targets = append(h.Targets, session.NewTargetRecord(tg, price))
	}
	rec := store.NewRecorder(h)
	for i, prompt := range []string{"Explain backpressure", "And in Go?"} {
		rec.Turn(prompt)
		evs := scriptEvents(3, 1, []int{-1, 1}[i])
		slices.SortStableFunc(evs, func(a, b session.Event) int { return int(a.T - b.T) })
		for _, ev := range evs {
			rec.Record(ev)
		}
		rec.EndTurn()
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return rec.Path()
}

// replayModel opens a replay of path at w×h, paused at the start, on a
// clock the test moves, with the whole file loaded.
func replayModel(t *testing.T, path string, w, h int) (*Model, *time.Time) {
	t.Helper()
	rd, err := session.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	m, err := New(Options{
		Open:    func(backends.Target) backends.Backend { return silent{} },
		NoColor: true,
		Replay:  rd,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	m.now = func() time.Time { return clock }
	m.replay.last = clock
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for !m.replay.loaded {
		m.Update(m.replay.load(firstChunk)())
	}
	return m, &clock
}

// Playing straight to t, or seeking there through t/2, shows the same
// panes: seeking back rebuilds them as of that moment.
func TestReplaySeekGivesTheSamePanes(t *testing.T) {
	path := scriptedSession(t, t.TempDir())
	for _, at := range []time.Duration{400 * time.Millisecond, 2500 * time.Millisecond} {
		// Straight: the clock runs to t in ten frames at 1×.
		straight, clock := replayModel(t, path, 120, 36)
		for range 10 {
			*clock = clock.Add(at / 10)
			straight.Update(replayTickMsg{gen: straight.replay.gen})
		}
		if straight.replay.pos != at {
			t.Fatalf("played to %v, want %v", straight.replay.pos, at)
		}
		want := screen(straight)

		m, _ := replayModel(t, path, 120, 36)
		m.seek(at)
		m.seek(at / 2)
		if screen(m) == want {
			t.Fatalf("at %v: seeking back to half changed nothing", at)
		}
		m.seek(at)
		if got := screen(m); got != want {
			t.Errorf("at %v: seek back and forth differs from playing straight:\n%s\nwant\n%s", at, got, want)
		}
	}
	m, _ := replayModel(t, path, 120, 36)
	m.seek(400 * time.Millisecond)
	t.Run("midway", func(t *testing.T) { golden.RequireEqual(t, screen(m)) })
	m.seek(time.Hour)
	t.Run("end", func(t *testing.T) { golden.RequireEqual(t, screen(m)) })
	n, _ := replayModel(t, path, 80, 24)
	n.seek(400 * time.Millisecond)
	t.Run("narrow_80x24", func(t *testing.T) {
		out := screen(n)
		assertFits(t, out, 80, 24)
		golden.RequireEqual(t, out)
	})
}

// The replayed panes end with the stats the live run had.
func TestReplayEndsWithTheRecordedStats(t *testing.T) {
	path := scriptedSession(t, t.TempDir())
	f, err := session.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := replayModel(t, path, 120, 36)
	m.seek(time.Hour)
	if m.turns != 2 || m.prompt != "And in Go?" {
		t.Fatalf("at the end: turn %d, prompt %q", m.turns, m.prompt)
	}
	want := f.Results(1)
	for i, p := range m.panes {
		if !reflect.DeepEqual(p.result.Stats, want[i].Stats) || p.result.Text() != want[i].Text() {
			t.Errorf("pane %d: stats %+v, want %+v", i, p.result.Stats, want[i].Stats)
		}
		if i == 1 && p.result.Stats.Status != session.StatusError {
			t.Errorf("pane 1 of turn 2 should have failed, is %s", p.result.Stats.Status)
		}
	}
}

// The clock runs at the chosen speed: at 4× the replay ends in a quarter
// of the ticks 1× needs.
func TestReplaySpeed(t *testing.T) {
	path := scriptedSession(t, t.TempDir())
	ticksToEnd := func(speedKeys string) int {
		m, clock := replayModel(t, path, 120, 36)
		for _, k := range speedKeys {
			m.Update(keyPress(string(k)))
		}
		n := 0
		for !m.replay.paused {
			*clock = clock.Add(frame)
			m.Update(replayTickMsg{gen: m.replay.gen})
			n++
			if n > 10000 {
				t.Fatal("the replay never ends")
			}
		}
		if m.replay.pos != m.replay.tl.End() {
			t.Errorf("stopped at %v, not at the end %v", m.replay.pos, m.replay.tl.End())
		}
		return n
	}
	one, four := ticksToEnd(""), ticksToEnd("++")
	if ratio := float64(one) / float64(four); ratio < 3.5 || ratio > 4.5 {
		t.Errorf("1× took %d ticks, 4× %d: ratio %.2f, want about 4", one, four, ratio)
	}
	if instant := ticksToEnd("++++++"); instant != 1 {
		t.Errorf("instant took %d ticks", instant)
	}
}

func TestReplayPauseAndMilestones(t *testing.T) {
	path := scriptedSession(t, t.TempDir())
	m, clock := replayModel(t, path, 120, 36)
	m.Update(keyPress("space"))
	if !m.replay.paused {
		t.Fatal("space did not pause")
	}
	*clock = clock.Add(time.Second)
	m.Update(replayTickMsg{gen: m.replay.gen})
	if m.replay.pos != 0 {
		t.Errorf("the clock moved while paused: %v", m.replay.pos)
	}
	// ] steps through first tokens, ends and errors in time order.
	var got []string
	for range 4 {
		m.Update(keyPress("]"))
		got = append(got, m.status)
	}
	// Ponder's first token is its thinking, at 100+80 ms.
	want := []string{"150ms · Swift (simulated) first token", "180ms · Ponder (simulated) first token", "190ms · Sage (simulated) first token", "910ms · Swift (simulated) done"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("milestones:\n%q\nwant\n%q", got, want)
	}
	m.Update(keyPress("["))
	if m.status != "190ms · Sage (simulated) first token" {
		t.Errorf("[ went to %q", m.status)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyRight})
	if m.replay.pos != 190*time.Millisecond+seekStep && m.replay.pos != m.replay.tl.End() {
		t.Errorf("→ moved to %v", m.replay.pos)
	}
	// Exactly: the seek is clamped to the session's ends, both ways.
	if want := min(190*time.Millisecond+seekStep, m.replay.tl.End()); m.replay.pos != want {
		t.Errorf("→ from 190ms moved to %v, want %v", m.replay.pos, want)
	}
	end := m.replay.pos
	m.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	if want := max(0, end-seekStep); m.replay.pos != want {
		t.Errorf("← from %v moved to %v, want %v", end, m.replay.pos, want)
	}
	m.Update(keyPress("]"))
	m.Update(keyPress("]"))
	m.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	if m.replay.pos != 0 {
		t.Errorf("← from 180ms moved to %v, want 0", m.replay.pos)
	}
}

// A cut-short session replays what it holds and says so.
func TestReplayOfATornFile(t *testing.T) {
	path := scriptedSession(t, t.TempDir())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	if err := os.WriteFile(cut, b[:len(b)*2/3], 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := replayModel(t, cut, 120, 36)
	m.seek(time.Hour)
	if !strings.Contains(m.status, "cut short") {
		t.Errorf("status %q does not say the file was cut short", m.status)
	}
}

// In a replay, m picks the models and enter re-runs the session on them.
func TestReplayRerunOnPickedModels(t *testing.T) {
	path := scriptedSession(t, t.TempDir())
	m, _ := replayModel(t, path, 120, 36)
	spark, _ := backends.ParseSpec("demo:spark")
	m.opts.Choices = []Choice{{Target: spark, Note: "simulated"}}
	// Drop the first model (the cursor starts on it), add spark.
	for _, k := range []string{"m", "space", "s", "p", "a", "r", "k", "space", "enter"} {
		m.Update(keyPress(k))
	}
	if m.replay != nil {
		t.Fatal("still replaying after the picker")
	}
	var names []string
	for _, p := range m.panes {
		names = append(names, p.target.Name)
	}
	if strings.Join(names, ",") != "demo:sage,demo:ponder,demo:spark" {
		t.Errorf("re-run panes %v", names)
	}
	if !m.running || m.prompt != "Explain backpressure" || len(m.queue) != 1 || m.queue[0] != "And in Go?" {
		t.Errorf("re-run: running %v, prompt %q, queue %q", m.running, m.prompt, m.queue)
	}
	if m.rerunOf == "" || m.params.system != "" {
		t.Errorf("re-run of %q", m.rerunOf)
	}
}

// r in the browser re-runs the selected session on its models.
func TestBrowserRerun(t *testing.T) {
	dir := t.TempDir()
	scriptedSession(t, dir)
	m := newTestModel(t, 1, 120, 36, "")
	m.opts.Sessions = &session.Store{Dir: dir}
	t.Cleanup(func() { m.Close() })
	m.openBrowser()
	list, errs := m.opts.Sessions.List()
	if len(list) != 1 || len(errs) != 0 {
		t.Fatalf("listed %d sessions, errors %v", len(list), errs)
	}
	m.Update(sessionsListedMsg{list: list, errs: errs})
	if !strings.Contains(screen(m), "Explain backpressure") {
		t.Fatalf("the browser does not show the session:\n%s", screen(m))
	}
	_, cmd := m.Update(keyPress("r"))
	if cmd == nil {
		t.Fatal("r did nothing")
	}
	m.Update(cmd())
	if m.browser != nil || len(m.panes) != 3 || !m.running || m.rerunOf != list[0].ID || len(m.queue) != 1 {
		t.Errorf("after r: browser open %v, %d panes, running %v, rerun of %q, queue %q", m.browser != nil, len(m.panes), m.running, m.rerunOf, m.queue)
	}
}

// A file that goes bad partway replays what came before the bad line and
// says where it stops.
func TestReplayStopsAtABadLine(t *testing.T) {
	path := scriptedSession(t, t.TempDir())
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	lines[20] = "this is not JSON\n"
	bad := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	m, _ := replayModel(t, bad, 120, 36)
	m.seek(time.Hour)
	if want := "replay stops early: session " + bad + ":21: not JSON"; !strings.HasPrefix(m.status, want) {
		t.Errorf("status %q, want it to start %q", m.status, want)
	}
	if len(m.replay.tl.Cues) != 20 { // the header is not a cue, the turn's start is
		t.Errorf("%d cues on the timeline, want the 20 before the bad line", len(m.replay.tl.Cues))
	}
	if m.panes[0].result.Text() == "" {
		t.Error("the events before the bad line were not replayed")
	}
}
