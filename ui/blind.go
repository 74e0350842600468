package ui

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// Blind modes (Options.Blind, the session header's blind).
const (
	BlindNames = "names" // providers, models, prices and costs hidden until the vote
	BlindFull  = "full"  // the figures too: TTFT, speed, tokens, times
)

// blindRound is the blind state of a conversation: hidden from its first
// prompt until its first vote, which reveals the names in place.
type blindRound struct {
	// mode is BlindNames or BlindFull; "" for an open conversation.
	mode string
	// revealed is set by the vote: the names show from then on, and the
	// conversation's later turns are open.
	revealed bool
	// dismissed is the turn whose vote bar was answered or skipped.
	dismissed int
	// leakTurn is the turn leaks were read for; leaks flags, per pane,
	// an answer that names its own model or maker.
	leakTurn int
	leaks    []bool
	// order is who sat where when the panes are a saved session's (fanout
	// vote): order[i] is the file's pane shown in position i. nil: the
	// panes are in the session's own order.
	order []int
	// verdict says what the vote was, for the notice after it.
	verdict string
}

// VoteRound is a saved session to vote on (fanout vote): its turn is shown
// blind, the vote is appended to the file, and the cockpit then only shows
// the answers with their names.
type VoteRound struct {
	Path string
	File *session.File
	Turn int // 1 for the first
}

// hidden reports whether names (and prices, costs) are hidden now: in a
// blind conversation of two models or more, until its vote. A blind
// conversation that has not started yet is hidden too: its panes are
// shuffled at its first prompt. One model alone has nothing to be judged
// against, and could never be voted on: it is not hidden.
func (m *Model) hidden() bool {
	return m.blind.mode != "" && !m.blind.revealed && len(m.panes) >= 2
}

// figuresHidden reports whether the figures are hidden too (--blind=full).
func (m *Model) figuresHidden() bool { return m.blind.mode == BlindFull && !m.blind.revealed }

// paneName is what pane i is called on screen: its label, or its position's
// letter while names are hidden.
func (m *Model) paneName(i int) string {
	if m.hidden() {
		return arena.PositionLabel(i)
	}
	return m.panes[i].target.Label
}

// shuffle puts the panes in a random order for a blind conversation's
// first prompt; the positions hold for its follow-ups.
func (m *Model) shuffle() {
	rng := m.rng
	if rng == nil {
		rng = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	rng.Shuffle(len(m.panes), func(i, j int) { m.panes[i], m.panes[j] = m.panes[j], m.panes[i] })
	for _, p := range m.panes {
		p.changed()
	}
}

// voting reports whether the vote bar stands in for the composer: every
// pane of a blind round has ended and the voter has not answered yet.
func (m *Model) voting() bool {
	if !m.hidden() || m.turns == 0 || m.running || m.blind.dismissed == m.turns || len(m.panes) < 2 {
		return false
	}
	if m.replay != nil {
		return false
	}
	for _, p := range m.panes {
		if !p.result.Stats.Ended() {
			return false
		}
	}
	return true
}

// readLeaks flags, once per turn, the answers that name their maker.
func (m *Model) readLeaks() {
	if m.blind.leakTurn == m.turns && len(m.blind.leaks) == len(m.panes) {
		return
	}
	m.blind.leakTurn = m.turns
	m.blind.leaks = make([]bool, len(m.panes))
	for i, p := range m.panes {
		m.blind.leaks[i] = arena.NamesItsMaker(p.result.Text()) || arena.NamesItsMaker(p.result.Reasoning())
	}
	for _, p := range m.panes {
		p.changed()
	}
}

// leaked reports whether pane i's answer named its maker this turn.
func (m *Model) leaked(i int) bool {
	return m.hidden() && m.blind.leakTurn == m.turns && i < len(m.blind.leaks) && m.blind.leaks[i]
}

// toggleBlind turns blind mode on or off for the next conversation, and
// for this one when it has not started.
func (m *Model) toggleBlind() {
	if m.blindNext == "" {
		m.blindNext = m.opts.Blind
		if m.blindNext == "" {
			m.blindNext = BlindNames
		}
	} else {
		m.blindNext = ""
	}
	if m.turns == 0 && !m.running && m.replay == nil {
		m.blind = blindRound{mode: m.blindNext}
		for _, p := range m.panes {
			p.changed()
		}
		if m.blindNext != "" {
			m.status = "blind: names hidden until you vote"
		} else {
			m.status = "blind mode off"
		}
		return
	}
	if m.blindNext != "" {
		m.status = "blind from the next conversation (ctrl+n)"
	} else {
		m.status = "blind mode off from the next conversation"
	}
}

// vote answers the vote bar: best is a position for arena.VerdictBest.
// The names are revealed in place, and the vote is recorded in a command.
func (m *Model) vote(verdict arena.Verdict, best int) tea.Cmd {
	m.readLeaks()
	line := session.VoteLine{Verdict: string(verdict), Voter: m.opts.Voter, Full: m.blind.mode == BlindFull,
		Leaks: append([]bool(nil), m.blind.leaks...)}
	if verdict == arena.VerdictBest {
		line.Best = best
	}
	for _, l := range line.Leaks {
		line.Leaked = line.Leaked || l
	}
	line.Order = make([]int, len(m.panes))
	for i := range line.Order {
		line.Order[i] = i
		if m.blind.order != nil {
			line.Order[i] = m.blind.order[i]
		}
	}
	switch verdict {
	case arena.VerdictBest:
		m.blind.verdict = arena.PositionLabel(best) + " best"
	case arena.VerdictTie:
		m.blind.verdict = "a tie"
	default:
		m.blind.verdict = "all bad"
	}
	m.blind.revealed, m.blind.dismissed = true, m.turns
	for _, p := range m.panes {
		p.changed()
	}
	m.status = "voted " + m.blind.verdict + " · names revealed"
	if line.Leaked {
		m.status += " · marked as leaked"
	}
	if vr := m.opts.VoteOn; vr != nil {
		line.Turn, line.Time = vr.Turn, m.now()
		path := vr.Path
		return func() tea.Msg {
			if err := session.AppendVote(path, line); err != nil {
				return voteErrMsg{err}
			}
			return voteSavedMsg{}
		}
	}
	rec := m.rec
	if rec == nil {
		m.status += " · not saved (nothing is recorded)"
		return nil
	}
	line.Time = m.now()
	return func() tea.Msg {
		if err := rec.Vote(line); err != nil {
			return voteErrMsg{err}
		}
		return nil
	}
}

// voteErrMsg reports a vote that could not be saved; voteSavedMsg one
// appended to a saved session.
type (
	voteErrMsg   struct{ err error }
	voteSavedMsg struct{}
)

// skipVote dismisses the vote bar: no vote, the names stay hidden, and the
// next turn is voted on instead.
func (m *Model) skipVote() {
	m.blind.dismissed = m.turns
	m.status = "no vote: names stay hidden (the next answer can be voted on)"
	m.focusEditor()
}

// renderVoteBar is what stands in for the composer while voting.
func (m *Model) renderVoteBar() string {
	th := m.theme
	n := len(m.panes)
	last := arena.PositionLabel(n - 1)
	pick := fmt.Sprintf("1–%d", min(n, 9))
	line := fmt.Sprintf("vote: %s best (A–%s) · t tie · x all bad · esc skip · tab reads the panes", pick, last)
	var leaks []string
	for i := range m.panes {
		if m.leaked(i) {
			leaks = append(leaks, arena.PositionLabel(i))
		}
	}
	out := m.fg(th.Accent).Bold(true).Render(truncate(line, m.width))
	if len(leaks) > 0 {
		note := fmt.Sprintf("⚠ %s: this answer names its maker; the round will be marked as leaked", strings.Join(leaks, ", "))
		if len(leaks) > 1 {
			note = fmt.Sprintf("⚠ %s: these answers name their makers; the round will be marked as leaked", strings.Join(leaks, ", "))
		}
		out += "\n" + m.fg(th.Error).Render(truncate(note, m.width))
	}
	return out
}

// voteOnlyBar is what stands in for the composer once a saved session's
// vote is in: there is nothing to send to.
func (m *Model) voteOnlyBar() string {
	return m.fg(m.theme.Muted).Render(truncate("vote saved: "+m.blind.verdict+" · names revealed · esc quits", m.width))
}

// startVoteRound shows a saved session's turn blind, its panes shuffled,
// each showing its answer as it ended.
func (m *Model) startVoteRound(vr *VoteRound) {
	f := vr.File
	n := len(f.Header.Targets)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	rng := m.rng
	if rng == nil {
		rng = rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), rand.Uint64()))
	}
	rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
	pos := make([]int, n) // file pane → position
	m.panes = nil
	for i, filePane := range order {
		t := f.Header.Targets[filePane]
		p := newPane(t.Target(), t.Price, m.md)
		p.asked = f.Turns[vr.Turn-1].Prompt
		m.panes = append(m.panes, p)
		pos[filePane] = i
	}
	for _, ev := range f.Turns[vr.Turn-1].Events {
		if ev.Pane >= 0 && ev.Pane < n {
			m.panes[pos[ev.Pane]].apply(ev)
		}
	}
	mode := m.opts.Blind
	if mode == "" {
		mode = BlindNames
	}
	m.blind = blindRound{mode: mode, order: order}
	m.turns, m.prompt = vr.Turn, f.Turns[vr.Turn-1].Prompt
	m.readLeaks()
	m.focusEditor()
}

// voteKey handles a key while the vote bar shows, or, for a saved
// session, once its vote is in.
func (m *Model) voteKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys.vote
	if !m.voting() {
		if m.opts.VoteOn != nil && key.Matches(msg, k.Skip) {
			return tea.Quit
		}
		if key.Matches(msg, k.Focus) {
			m.cycleFocus(msg)
		}
		return nil
	}
	switch s := msg.String(); {
	case key.Matches(msg, k.Pick):
		n := int(s[0] - '1')
		if n >= len(m.panes) {
			m.status = fmt.Sprintf("no answer %d: %d on screen", n+1, len(m.panes))
			return nil
		}
		return m.vote(arena.VerdictBest, n)
	case key.Matches(msg, k.Tie):
		return m.vote(arena.VerdictTie, 0)
	case key.Matches(msg, k.AllBad):
		return m.vote(arena.VerdictAllBad, 0)
	case key.Matches(msg, k.Skip):
		if m.opts.VoteOn != nil {
			return tea.Quit // nothing else to do with a saved session
		}
		m.skipVote()
	case key.Matches(msg, k.Focus):
		m.cycleFocus(msg)
	case key.Matches(msg, k.Board):
		return m.openBoard()
	case key.Matches(msg, k.Help):
		m.openHelp()
	}
	return nil
}

// blindError is what a failed pane says while names are hidden: that it
// failed and how, without the message, which names the provider and often
// the model.
func blindError(e *backends.Error) string {
	what := "this model failed"
	switch {
	case e.Status == 429:
		what += " (rate limited)"
	case e.Status >= 500:
		what += fmt.Sprintf(" (server error %d)", e.Status)
	case e.Status > 0:
		what += fmt.Sprintf(" (status %d)", e.Status)
	case e.Code != "":
		what += " (" + strings.ReplaceAll(string(e.Code), "_", " ") + ")"
	}
	return what + "; what it said is shown after the vote"
}
