package ui

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// names are the words that would tell a pane's model: its label, provider,
// model id, and its price as the idle pane shows it.
func names(m *Model) []string {
	var out []string
	for _, p := range m.panes {
		out = append(out, p.target.Label, p.target.Provider+":", p.target.Model, "simulated)")
		if p.price != nil {
			out = append(out, priceLine(p.price))
		}
	}
	return out
}

func wantNoName(t *testing.T, m *Model, when string) {
	t.Helper()
	s := screen(m)
	for _, n := range names(m) {
		if strings.Contains(s, n) {
			t.Errorf("%s: %q is on screen:\n%s", when, n, s)
		}
	}
}

// blindModel is a cockpit of three demo models in blind mode, its shuffle
// seeded, recording into dir.
func blindModel(t *testing.T, mode string, w, h int, dir string) *Model {
	t.Helper()
	m := newTestModel(t, 3, w, h, "")
	m.opts.Blind, m.blindNext, m.blind = mode, mode, blindRound{mode: mode}
	m.opts.Voter = "tester"
	m.rng = rand.New(rand.NewPCG(1, 2))
	if dir != "" {
		m.opts.Sessions = &session.Store{Dir: dir, App: "test"}
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// sendBlind sends a prompt as the composer does, and plays a finished turn
// of scripted events into the panes.
func sendBlind(t *testing.T, m *Model, prompt string, fail int) {
	t.Helper()
	m.editor.SetValue(prompt)
	m.Update(keyPress("enter"))
	if !m.running {
		t.Fatalf("not running after enter: %q", m.status)
	}
	evs := scriptEvents(len(m.panes), 1, fail)
	m.Update(eventsMsg{run: m.run, events: evs})
	m.Update(runEndedMsg{run: m.run})
}

// A blind round shows no name anywhere (headers, tabs, footers' costs, the
// estimate line, the summary, error messages) until the vote, which
// reveals them in place: the panes do not move.
func TestBlindRoundHidesNamesUntilTheVote(t *testing.T) {
	m := blindModel(t, BlindNames, 150, 40, "")
	wantNoName(t, m, "before the first prompt")
	m.editor.SetValue("Explain backpressure")
	wantNoName(t, m, "with a prompt typed (the estimate line)")
	before := m.targets()
	sendBlind(t, m, "Explain backpressure", 1)
	if !m.voting() {
		t.Fatalf("no vote bar after the round ended: mode %s", modeNames[m.mode()])
	}
	wantNoName(t, m, "at the vote")
	out := screen(m)
	assertFits(t, out, 150, 40)
	t.Run("at_the_vote", func(t *testing.T) { golden.RequireEqual(t, out) })
	for _, want := range []string{"vote: 1–3 best (A–C)", "1 A", "2 B", "3 C", "this model failed (rate limited)", "cost hidden", "145t/s"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen at the vote lacks %q:\n%s", want, out)
		}
	}

	positions := m.targets()
	m.Update(keyPress("3"))
	if m.hidden() || m.voting() {
		t.Fatal("still hidden after the vote")
	}
	after := screen(m)
	for i, p := range m.panes {
		if p.target != positions[i] {
			t.Errorf("pane %d moved at the reveal", i+1)
		}
		if !strings.Contains(after, p.target.Label) {
			t.Errorf("%s not revealed:\n%s", p.target.Label, after)
		}
	}
	if !strings.Contains(m.status, "voted C best") {
		t.Errorf("status %q", m.status)
	}
	if !strings.Contains(after, "★") {
		t.Errorf("no summary strip after the vote:\n%s", after)
	}
	t.Run("revealed", func(t *testing.T) { golden.RequireEqual(t, after) })
	_ = before
}

// --blind=full hides the figures too.
func TestBlindFullHidesFigures(t *testing.T) {
	m := blindModel(t, BlindFull, 150, 40, "")
	sendBlind(t, m, "Explain backpressure", -1)
	out := screen(m)
	if strings.Contains(out, "ttft") || strings.Contains(out, "tok/s") || !strings.Contains(out, "figures hidden until you vote") {
		t.Errorf("figures shown in a full blind round:\n%s", out)
	}
	wantNoName(t, m, "full blind")
	m.Update(keyPress("t"))
	if out := screen(m); !strings.Contains(out, "t/s") {
		t.Errorf("figures not back after the vote:\n%s", out)
	}
}

// esc skips the vote: the names stay hidden, and the next turn is voted on.
func TestSkippingTheVoteKeepsTheNamesHidden(t *testing.T) {
	m := blindModel(t, BlindNames, 150, 40, "")
	sendBlind(t, m, "first", -1)
	m.Update(keyPress("esc"))
	if m.voting() || !m.hidden() {
		t.Fatalf("after esc: voting %v hidden %v", m.voting(), m.hidden())
	}
	wantNoName(t, m, "after skipping")
	positions := m.targets()
	sendBlind(t, m, "a follow-up", -1)
	for i, p := range m.panes {
		if p.target != positions[i] {
			t.Errorf("pane %d moved between turns of one conversation", i+1)
		}
	}
	if !m.voting() {
		t.Error("no vote bar for the follow-up")
	}
}

// The leak detector flags an answer that names its maker before the vote,
// and says which pane, never which maker.
func TestLeakedAnswerIsFlagged(t *testing.T) {
	m := blindModel(t, BlindNames, 150, 40, "")
	m.editor.SetValue("who are you?")
	m.Update(keyPress("enter"))
	for i := range m.panes {
		text := "A queue absorbs bursts."
		if i == 1 {
			text = "I'm Claude, an AI assistant made by Anthropic."
		}
		m.Update(eventsMsg{run: m.run, events: []session.Event{
			{Pane: i, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, text)},
			{Pane: i, T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)},
		}})
	}
	m.Update(runEndedMsg{run: m.run})
	out := screen(m)
	if !strings.Contains(out, "⚠ names its maker") || !strings.Contains(out, "⚠ B: this answer names its maker") {
		t.Errorf("no leak flag:\n%s", out)
	}
	if strings.Count(out, "⚠ names its maker") != 1 {
		t.Errorf("more than one pane flagged:\n%s", out)
	}
	for _, maker := range []string{"Anthropic's", "(Claude)"} {
		if strings.Contains(out, maker) {
			t.Errorf("the flag names the maker %q", maker)
		}
	}
	if !m.leaked(1) || m.leaked(0) {
		t.Errorf("leaks %v", m.blind.leaks)
	}
	_ = arena.PositionLabel
}

// ctrl+b turns blind mode on for a conversation not started, and for the
// next one once started.
func TestCtrlBTogglesBlind(t *testing.T) {
	m := newTestModel(t, 2, 120, 30, "")
	m.Update(pressKey("ctrl+b"))
	if !m.hidden() {
		t.Fatal("ctrl+b before the first prompt did not hide the names")
	}
	wantNoName(t, m, "after ctrl+b")
	m.Update(pressKey("ctrl+b"))
	if m.hidden() {
		t.Fatal("a second ctrl+b did not show them again")
	}
}

// The vote flow through a real program on the demo models: a blind round
// streams, the vote bar takes the composer's place, a key votes, the
// names show, and the session file holds the vote after the turn.
func TestFlowBlindVote(t *testing.T) {
	dir := t.TempDir()
	tm, _ := flowModelWith(t, []string{"demo:swift", "demo:spark", "demo:sage"}, 30, 140, 36, func(o *Options) {
		o.Sessions = &session.Store{Dir: dir, App: "test"}
		o.Blind, o.Voter, o.Tags = BlindNames, "ana", []string{"coding"}
	})
	tm.Type("Explain backpressure")
	press(tm, "enter")
	waitFor(t, tm, "vote: 1–3 best", 15*time.Second)
	press(tm, "2")
	waitFor(t, tm, "names revealed", 5*time.Second)
	m := finalModel(t, tm)
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	path := waitForFile(t, dir, 1, 5*time.Second)
	f, err := session.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.Blind != BlindNames || len(f.Header.Tags) != 1 || f.Header.Tags[0] != "coding" {
		t.Errorf("header blind %q tags %v", f.Header.Blind, f.Header.Tags)
	}
	if len(f.Votes) != 1 {
		t.Fatalf("%d votes in the file", len(f.Votes))
	}
	v := f.Votes[0]
	if v.Verdict != session.VerdictBest || v.Best != 1 || v.Voter != "ana" || v.Turn != 1 || len(v.Order) != 3 {
		t.Errorf("vote %+v", v)
	}
	// Position B is the pane that was second on screen, which is the
	// header's second target: the file says who sat where.
	if got, want := f.Header.Targets[v.Order[v.Best]].Model, m.panes[1].target.Model; got != want {
		t.Errorf("the vote names %s, the screen's B was %s", got, want)
	}
	board := arena.Leaderboard([]arena.Vote{{Models: []string{"x", "y"}, Verdict: arena.VerdictBest}}, arena.BootstrapOptions{})
	_ = board
}

// fanout vote: a saved session's turn shown blind, its panes shuffled; the
// vote is appended to the file with who sat where, and names the model
// that was on screen where the voter pointed.
func TestVoteOnASavedSession(t *testing.T) {
	dir := t.TempDir()
	h := session.Header{}
	answers := []string{"Swift says queues.", "Sage says buffers.", "Ponder says backpressure."}
	for _, m := range []string{"swift", "sage", "ponder"} {
		tg, _ := backends.DemoTarget(m)
		h.Targets = append(h.Targets, session.NewTargetRecord(tg, nil))
	}
	rec := session.Store{Dir: dir}.NewRecorder(h)
	rec.Turn("which?")
	for pane, a := range answers {
		rec.Record(session.Event{Pane: pane, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, a)})
		rec.Record(session.Event{Pane: pane, T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	}
	rec.EndTurn()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := session.Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(Options{VoteOn: &VoteRound{Path: rec.Path(), File: f, Turn: 1}, NoColor: true, Voter: "cy"})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: 140, Height: 30})
	if !m.voting() {
		t.Fatalf("no vote bar: mode %s", modeNames[m.mode()])
	}
	wantNoName(t, m, "voting on a saved session")
	for i, p := range m.panes {
		// Each pane shows its own model's answer, wherever it was put.
		if want := answers[m.blind.order[i]]; p.result.Text() != want {
			t.Errorf("position %d shows %q, its model answered %q", i, p.result.Text(), want)
		}
	}
	chosen := m.panes[2].target.Model
	// The vote key's own command (Update batches it with the notice's
	// timer): it appends the vote to the file.
	cmd := m.voteKey(keyPress("3"))
	if cmd == nil {
		t.Fatal("3 gave no command to save the vote")
	}
	m.Update(cmd())
	if !strings.Contains(m.status, "vote saved") {
		t.Fatalf("status %q", m.status)
	}
	f, err = session.Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Votes) != 1 {
		t.Fatalf("%d votes", len(f.Votes))
	}
	v := f.Votes[0]
	if got := f.Header.Targets[v.Order[v.Best]].Model; got != chosen || v.Voter != "cy" || v.Turn != 1 {
		t.Errorf("the vote names %s (voter %q, turn %d); the voter chose %s", got, v.Voter, v.Turn, chosen)
	}
	// Once voted, esc leaves.
	if _, cmd := m.Update(keyPress("esc")); cmd == nil {
		t.Error("esc after the vote does not quit")
	}
}

// d shows where two answers part ways, word by word; another pane can be
// picked to compare with.
func TestDiffOfTwoPanes(t *testing.T) {
	m := newTestModel(t, 3, 120, 30, "dark")
	texts := []string{"The queue is bounded and drops the oldest.", "The queue is unbounded and blocks the producer.", "Something else entirely."}
	for i, p := range m.panes {
		p.apply(session.Event{Event: backends.DeltaEvent(backends.KindAnswer, texts[i])})
		p.apply(session.Event{Event: backends.DoneEvent(backends.StopEnd, 0)})
	}
	m.focus = 0
	m.Update(keyPress("d"))
	if m.diff == nil || m.mode() != modeDiff {
		t.Fatalf("d opened no diff (status %q)", m.status)
	}
	raw := m.render()
	s := ansi.Strip(raw)
	if !strings.Contains(s, "1 "+m.panes[0].target.Label+" against 2 "+m.panes[1].target.Label) {
		t.Errorf("title:\n%s", s)
	}
	for _, w := range []string{"bounded", "unbounded", "drops", "blocks", "oldest", "producer", "The queue is"} {
		if !strings.Contains(s, w) {
			t.Errorf("the diff lacks %q:\n%s", w, s)
		}
	}
	if !strings.Contains(raw, "\x1b[") || !strings.Contains(raw, "9m") || !strings.Contains(raw, "4m") {
		t.Errorf("removed words not struck through or added ones not underlined: %q", raw)
	}
	m.Update(keyPress("3"))
	if m.diff.b != 2 || !strings.Contains(ansi.Strip(m.render()), "Something else entirely") {
		t.Errorf("3 did not compare with pane 3: b=%d", m.diff.b)
	}
	m.Update(keyPress("esc"))
	if m.diff != nil {
		t.Error("esc did not close the diff")
	}
}

// ctrl+l shows the leaderboard the recorded votes give, with a bar per
// model on one scale; a cockpit started with --tag shows that task's.
func TestLeaderboardInTheCockpit(t *testing.T) {
	dir := t.TempDir()
	h := session.Header{Tags: []string{"coding"}}
	for _, m := range []string{"swift", "sage"} {
		tg, _ := backends.DemoTarget(m)
		h.Targets = append(h.Targets, session.NewTargetRecord(tg, nil))
	}
	rec := session.Store{Dir: dir}.NewRecorder(h)
	rec.Turn("q")
	for pane := range 2 {
		rec.Record(session.Event{Pane: pane, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "a")})
		rec.Record(session.Event{Pane: pane, T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	}
	rec.EndTurn()
	for range 3 {
		if err := rec.Vote(session.VoteLine{Order: []int{1, 0}, Verdict: session.VerdictBest, Best: 0}); err != nil {
			t.Fatal(err)
		}
	}
	rec.Close()
	m := newTestModel(t, 2, 120, 30, "")
	m.opts.Sessions = &session.Store{Dir: dir}
	m.opts.Tags = []string{"coding"}
	cmd := m.openBoard()
	m.Update(cmd())
	s := screen(m)
	for _, want := range []string{"leaderboard", "tag coding", "demo:sage", "demo:swift", "●", "3 votes in 1 sessions"} {
		if !strings.Contains(s, want) {
			t.Errorf("the board lacks %q:\n%s", want, s)
		}
	}
	if strings.Index(s, "demo:sage") > strings.Index(s, "demo:swift") {
		t.Errorf("sage, voted best three times, is not first:\n%s", s)
	}
	m.opts.Tags = []string{"summaries"}
	m.Update(m.openBoard()())
	if s := screen(m); !strings.Contains(s, "No votes yet") {
		t.Errorf("another task's board is not empty:\n%s", s)
	}
}
