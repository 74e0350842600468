package ui

import (
	"fmt"
	"io"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// speeds a replay plays at; 0 is instant (straight to the end).
var speeds = []float64{0.25, 0.5, 1, 2, 4, 8, 16, 0}

// seekStep is how far ← and → move a replay.
const seekStep = 5 * time.Second

// Replays read their file in chunks, so a large one shows its first frame
// at once: a small first chunk, then larger ones while it plays.
const (
	firstChunk = 512
	laterChunk = 16384
	chunkTime  = 20 * time.Millisecond
)

// replayer plays a session file through the cockpit's panes, on the
// session's own schedule scaled by a speed. The panes get the recorded
// events through the same apply as a live run, so what a replay shows is
// what the run showed.
type replayer struct {
	gen    int // tells this replay's messages from an earlier one's
	rd     *session.Reader
	header session.Header
	tl     *session.Timeline
	loaded bool // the whole file is on the timeline
	torn   bool // its last line was cut short and left out

	pos     time.Duration // the replay clock
	applied time.Duration // the clock the panes show
	cursor  int           // cues applied
	speed   int           // index into speeds
	paused  bool
	ticking bool // a tick is on its way
	last    time.Time

	// live is the cockpit's conversation as it was before the replay
	// opened, swapped back in when it closes; nil when fanout was started
	// to replay.
	live *conversation
}

// replayChunkMsg brings the next entries of the file being replayed.
type replayChunkMsg struct {
	gen     int
	entries []session.Entry
	done    bool
	torn    bool
	err     error
}

// replayTickMsg moves the replay clock.
type replayTickMsg struct{ gen int }

func speedIndex(speed float64) int {
	if speed <= 0 {
		return 2
	}
	best := 2
	for i, s := range speeds {
		if s > 0 && s <= speed {
			best = i
		}
	}
	return best
}

func speedLabel(i int) string {
	switch s := speeds[i]; {
	case s == 0:
		return "instant"
	case s < 1:
		return fmt.Sprintf("%g×", s)
	default:
		return fmt.Sprintf("%.0f×", s)
	}
}

// startReplay shows the session rd reads in place of the cockpit's panes.
// With keepLive, leaving the replay returns to the cockpit as it is now;
// without (fanout was started to replay), it quits.
func (m *Model) startReplay(rd *session.Reader, keepLive bool) tea.Cmd {
	var live *conversation
	if m.replay != nil {
		live = m.replay.live // replacing one replay by another
		m.replay.close()
	} else if keepLive {
		live = m.conversation
	}
	m.replayGen++
	h := rd.Header()
	r := &replayer{gen: m.replayGen, rd: rd, header: h, tl: session.NewTimeline(h.Prompt),
		speed: speedIndex(m.opts.ReplaySpeed), live: live, last: m.now()}
	m.replay = r
	var panes []*pane
	for _, t := range h.Targets {
		p := newPane(t.Target(), t.Price, m.md)
		p.setHistory(t.History)
		panes = append(panes, p)
	}
	m.conversation = newConversation(panes, params{system: h.System, temperature: h.Temperature, maxTokens: h.MaxTokens})
	m.focus, m.zoomed = -1, false
	m.editor.Blur()
	m.turns, m.prompt, m.status = 1, h.Prompt, ""
	m.playTo(0)
	r.ticking = true
	return tea.Batch(r.load(firstChunk), m.tick())
}

func (r *replayer) close() {
	if r.rd != nil {
		r.rd.Close()
		r.rd = nil
	}
}

// load reads the next chunk of the file in a command.
func (r *replayer) load(max int) tea.Cmd {
	rd, gen := r.rd, r.gen
	if rd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := replayChunkMsg{gen: gen}
		deadline := time.Now().Add(chunkTime)
		for len(msg.entries) < max {
			e, err := rd.Next()
			if err == io.EOF {
				msg.done, msg.torn = true, rd.Torn()
				return msg
			}
			if err != nil {
				msg.done, msg.err = true, err
				return msg
			}
			msg.entries = append(msg.entries, e)
			if len(msg.entries)%256 == 0 && time.Now().After(deadline) {
				break
			}
		}
		return msg
	}
}

func (m *Model) tick() tea.Cmd {
	gen := m.replay.gen
	return tea.Tick(frame, func(time.Time) tea.Msg { return replayTickMsg{gen: gen} })
}

// replayChunk puts a chunk of the file on the timeline.
func (m *Model) replayChunk(msg replayChunkMsg) tea.Cmd {
	r := m.replay
	if r == nil || msg.gen != r.gen {
		return nil
	}
	for _, e := range msg.entries {
		r.tl.Add(e)
	}
	if d := r.tl.Disturbed; d >= 0 {
		r.tl.Disturbed = -1
		if d < r.cursor {
			m.rebuild() // a cue landed among those already played
			m.playTo(r.pos)
		}
	}
	if msg.err != nil {
		// The file goes bad after this point: keep what was read and
		// say where it stops.
		m.status = "replay stops early: " + msg.err.Error()
	}
	if !msg.done {
		return r.load(laterChunk)
	}
	r.loaded, r.torn = true, msg.torn
	r.close()
	if r.torn && msg.err == nil {
		m.status = "the session was cut short: its last line is left out"
	}
	return m.resume()
}

// replayTick advances the clock by the time since the last tick, scaled.
func (m *Model) replayTick(msg replayTickMsg) tea.Cmd {
	r := m.replay
	if r == nil || msg.gen != r.gen {
		return nil
	}
	r.ticking = false
	if r.paused {
		return nil
	}
	now := m.now()
	if s := speeds[r.speed]; s == 0 {
		r.pos = r.tl.End()
	} else {
		r.pos += time.Duration(float64(now.Sub(r.last)) * s)
	}
	r.last = now
	if end := r.tl.End(); r.pos >= end {
		// Past what is loaded: wait for the rest, or stop at the end.
		r.pos = end
		if r.loaded {
			r.paused = true
			m.playTo(r.pos)
			return nil
		}
	}
	m.playTo(r.pos)
	r.ticking = true
	return m.tick()
}

// resume restarts the tick loop if the replay is playing and has none.
func (m *Model) resume() tea.Cmd {
	r := m.replay
	if r.paused || r.ticking {
		return nil
	}
	r.ticking = true
	r.last = m.now()
	return m.tick()
}

// playTo shows the session as it was at time t. Going back rebuilds the
// panes from the start, so that a seek shows exactly what playing
// straight to t would.
func (m *Model) playTo(t time.Duration) {
	r := m.replay
	if t < r.applied {
		m.rebuild()
	}
	n := r.tl.Until(r.cursor, t)
	for _, c := range r.tl.Cues[r.cursor:n] {
		m.applyCue(c)
	}
	r.cursor, r.applied = n, t
}

// rebuild empties the panes to play the replay again from its start.
func (m *Model) rebuild() {
	for i, p := range m.panes {
		p.setHistory(m.replay.header.Targets[i].History)
	}
	m.replay.cursor, m.replay.applied = 0, 0
}

func (m *Model) applyCue(c session.Cue) {
	if c.Start {
		// The turn before moves up, as in a live conversation.
		for _, p := range m.panes {
			if c.Turn == 0 {
				p.reset()
			} else {
				p.nextTurn()
			}
			p.asked = m.replay.tl.Prompts[c.Turn]
		}
		m.turns, m.prompt = c.Turn+1, m.replay.tl.Prompts[c.Turn]
		return
	}
	if ev := c.Event; ev.Pane >= 0 && ev.Pane < len(m.panes) {
		m.panes[ev.Pane].apply(ev)
	}
}

// seek moves the clock to t, within what is loaded.
func (m *Model) seek(t time.Duration) {
	r := m.replay
	r.pos = min(max(0, t), r.tl.End())
	r.last = m.now()
	m.playTo(r.pos)
}

// transportKey handles the keys that move a replay, whatever has focus;
// ok is false for other keys.
func (m *Model) transportKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	r := m.replay
	k := m.keys.replay
	switch {
	case key.Matches(msg, k.Pause):
		if r.paused && r.loaded && r.pos >= r.tl.End() {
			m.seek(0) // at the end: play again
		}
		r.paused = !r.paused
		return m.resume(), true
	case key.Matches(msg, k.Speed):
		if key.Matches(msg, m.keys.back) {
			r.speed = max(0, r.speed-1)
		} else {
			r.speed = min(len(speeds)-1, r.speed+1)
		}
		m.status = "speed " + speedLabel(r.speed)
		return m.resume(), true
	case key.Matches(msg, k.Seek) && key.Matches(msg, m.keys.back):
		m.seek(r.pos - seekStep)
		return nil, true
	case key.Matches(msg, k.Seek):
		m.seek(r.pos + seekStep)
		return nil, true
	case key.Matches(msg, k.Milestone) && key.Matches(msg, m.keys.back):
		if ms, found := r.tl.PrevMilestone(r.pos); found {
			m.seek(ms.At)
			m.status = m.milestoneText(ms)
		} else {
			m.seek(0)
			m.status = "at the start"
		}
		return nil, true
	case key.Matches(msg, k.Milestone):
		if ms, found := r.tl.NextMilestone(r.pos); found {
			m.seek(ms.At)
			m.status = m.milestoneText(ms)
		} else {
			m.status = "no milestone after this"
		}
		return nil, true
	}
	return nil, false
}

// replayKey handles a key while a replay shows and no pane has focus.
func (m *Model) replayKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.transportKey(msg); ok {
		return cmd
	}
	k := m.keys.replay
	switch {
	case key.Matches(msg, k.Rerun):
		return m.rerun(m.targets())
	case key.Matches(msg, k.Models):
		m.openPicker()
	case key.Matches(msg, k.Close):
		return m.exitReplay()
	case key.Matches(msg, k.Help):
		m.openHelp()
	case key.Matches(msg, k.Sessions):
		return m.openBrowser()
	case key.Matches(msg, k.Focus):
		m.cycleFocus(msg)
	case key.Matches(msg, k.FocusN):
		m.focusPane(int(msg.String()[0] - '1'))
	}
	return nil
}

func (m *Model) milestoneText(ms session.Milestone) string {
	at := session.FormatDuration(ms.At)
	if ms.Pane < 0 {
		return fmt.Sprintf("%s · prompt %d", at, m.replay.tl.TurnAt(ms.At)+1)
	}
	return fmt.Sprintf("%s · %s %s", at, m.panes[ms.Pane].target.Label, ms.Kind)
}

// exitReplay goes back to the cockpit as it was, or quits when fanout was
// started to replay.
func (m *Model) exitReplay() tea.Cmd {
	r := m.replay
	r.close()
	m.replay = nil
	if r.live == nil {
		return tea.Quit
	}
	m.conversation = r.live
	m.status = ""
	m.focusEditor()
	return nil
}

// rerun runs the replayed session's prompts again on targets, as a new
// session that records which one it re-ran.
func (m *Model) rerun(targets []backends.Target) tea.Cmd {
	r := m.replay
	if !r.loaded {
		m.status = "still reading the session: r works once it is loaded"
		return nil
	}
	m.dropReplay()
	return m.rerunSession(r.header, r.tl.Prompts, targets)
}

// dropReplay closes the replay without going back to the cockpit it hid;
// that cockpit's session file becomes the current one again, for the next
// endRecording to close.
func (m *Model) dropReplay() {
	r := m.replay
	if r == nil {
		return
	}
	r.close()
	m.replay = nil
	if r.live != nil {
		m.conversation = r.live
	}
}

// rerunSession starts a conversation that sends prompts, in turn, to
// targets with the session's parameters.
func (m *Model) rerunSession(h session.Header, prompts []string, targets []backends.Target) tea.Cmd {
	if len(targets) == 0 || len(prompts) == 0 {
		m.status = "nothing to re-run"
		return nil
	}
	if m.running {
		m.status = "esc cancels the run first"
		return nil
	}
	if err := m.allow(prompts[0]); err != nil {
		m.status = err.Error()
		return nil
	}
	histories := map[string][][]backends.Message{}
	for _, tr := range h.Targets {
		histories[tr.Name] = append(histories[tr.Name], tr.History)
	}
	var panes []*pane
	for _, t := range targets {
		p := newPane(t, m.price(t), m.md)
		// A model that carried an earlier conversation into the session
		// carries it into the re-run; each copy of a model its own.
		if hs := histories[t.Name]; len(hs) > 0 {
			p.setHistory(hs[0])
			histories[t.Name] = hs[1:]
		}
		panes = append(panes, p)
	}
	// The re-run is a conversation of its own; the one it replaces ends
	// its session file.
	cmd := m.endRecording()
	m.conversation = newConversation(panes, params{system: h.System, temperature: h.Temperature, maxTokens: h.MaxTokens})
	m.rerunOf = h.ID
	m.focusEditor()
	m.queue = append([]string(nil), prompts[1:]...)
	send := m.sendPrompt(prompts[0])
	m.status = "re-running " + h.ID
	return tea.Batch(cmd, send)
}
