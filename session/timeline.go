package session

import (
	"sort"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// TurnGap is the pause a replay leaves between the end of one turn and the
// next prompt; the time the user spent typing it is not kept.
const TurnGap = time.Second

// Cue is one step of a replay: an event, or the start of a turn, at its
// time on the replay's clock.
type Cue struct {
	At    time.Duration
	Turn  int  // 0-based
	Start bool // the start of Turn, with its prompt; Event is unset
	Event Event
}

// MilestoneKind is what happened at a milestone.
type MilestoneKind string

const (
	MilestoneFirstToken MilestoneKind = "first token"
	MilestoneDone       MilestoneKind = "done"
	MilestoneError      MilestoneKind = "error"
	MilestoneTurn       MilestoneKind = "prompt"
)

// Milestone is a moment worth jumping to: a pane's first token, its end, an
// error, a follow-up prompt.
type Milestone struct {
	At   time.Duration
	Pane int // -1 for a prompt
	Kind MilestoneKind
}

// Timeline lays a session's turns end to end on one clock, for replay.
// An event's time on the clock is its turn's start plus its offset. Cues
// are kept sorted by time; events of equal time keep the order they were
// recorded in, and so do the events of one pane. It is built as the file is
// read, so a replay can start before the whole file is loaded.
type Timeline struct {
	Prompts    []string
	Cues       []Cue
	Milestones []Milestone // sorted by time
	// Disturbed is the lowest index a cue was inserted at, other than at
	// the end, since it was last reset to -1: a player that had played
	// past it must rebuild. Lines of one pane are in time order; across
	// panes they may not be (goroutines that raced, or deltas the recorder
	// held back while they might end with the start of a key), but only by
	// a few lines as a rule, so a cue lands near the end.
	Disturbed int
	starts    []time.Duration
	turnEnd   time.Duration // the latest event of the last turn
	firstSeen map[[2]int]bool
}

// NewTimeline starts a timeline whose first turn asks prompt.
func NewTimeline(prompt string) *Timeline {
	tl := &Timeline{firstSeen: map[[2]int]bool{}, Disturbed: -1}
	tl.startTurn(prompt)
	return tl
}

func (tl *Timeline) startTurn(prompt string) {
	at := time.Duration(0)
	if n := len(tl.starts); n > 0 {
		at = tl.starts[n-1] + tl.turnEnd + TurnGap
		tl.milestone(Milestone{At: at, Pane: -1, Kind: MilestoneTurn})
	}
	tl.Prompts = append(tl.Prompts, prompt)
	tl.starts = append(tl.starts, at)
	tl.turnEnd = 0
	tl.Cues = append(tl.Cues, Cue{At: at, Turn: len(tl.starts) - 1, Start: true})
}

// Add puts one entry of the file on the clock.
func (tl *Timeline) Add(e Entry) {
	switch e.Kind {
	case EntryPrompt:
		tl.startTurn(e.Prompt)
	case EntryEvent:
		turn := len(tl.starts) - 1
		at := tl.starts[turn] + e.Event.T
		tl.turnEnd = max(tl.turnEnd, e.Event.T)
		tl.insert(Cue{At: at, Turn: turn, Event: e.Event})
		key := [2]int{turn, e.Event.Pane}
		switch e.Event.Type {
		case backends.EventDelta:
			// The first token is the first non-empty delta, as TTFT counts
			// it (a delta emptied by the recorder's key scrubbing is none).
			if !tl.firstSeen[key] && e.Event.Delta != nil && e.Event.Delta.Text != "" {
				tl.firstSeen[key] = true
				tl.milestone(Milestone{At: at, Pane: e.Event.Pane, Kind: MilestoneFirstToken})
			}
		case backends.EventDone:
			tl.milestone(Milestone{At: at, Pane: e.Event.Pane, Kind: MilestoneDone})
		case backends.EventError:
			tl.milestone(Milestone{At: at, Pane: e.Event.Pane, Kind: MilestoneError})
		}
	}
}

// insert puts c after every cue not later than it.
func (tl *Timeline) insert(c Cue) {
	i := len(tl.Cues)
	for i > 0 && tl.Cues[i-1].At > c.At {
		i--
	}
	tl.Cues = append(tl.Cues, Cue{})
	if i < len(tl.Cues)-1 {
		copy(tl.Cues[i+1:], tl.Cues[i:])
		if tl.Disturbed < 0 || i < tl.Disturbed {
			tl.Disturbed = i
		}
	}
	tl.Cues[i] = c
}

func (tl *Timeline) milestone(m Milestone) {
	i := sort.Search(len(tl.Milestones), func(i int) bool { return tl.Milestones[i].At > m.At })
	tl.Milestones = append(tl.Milestones, Milestone{})
	copy(tl.Milestones[i+1:], tl.Milestones[i:])
	tl.Milestones[i] = m
}

// End is the time of the last cue.
func (tl *Timeline) End() time.Duration {
	return tl.starts[len(tl.starts)-1] + tl.turnEnd
}

// TurnStart is when a turn (0-based) begins on the clock.
func (tl *Timeline) TurnStart(turn int) time.Duration { return tl.starts[turn] }

// Until is the number of cues played by time t, counting on from the
// cue at index from.
func (tl *Timeline) Until(from int, t time.Duration) int {
	i := from
	for i < len(tl.Cues) && tl.Cues[i].At <= t {
		i++
	}
	return i
}

// NextMilestone is the first milestone after t; ok is false when none is.
func (tl *Timeline) NextMilestone(t time.Duration) (Milestone, bool) {
	i := sort.Search(len(tl.Milestones), func(i int) bool { return tl.Milestones[i].At > t })
	if i == len(tl.Milestones) {
		return Milestone{}, false
	}
	return tl.Milestones[i], true
}

// PrevMilestone is the last milestone before t (by more than a moment, so
// that pressing it twice steps back twice); ok is false when none is.
func (tl *Timeline) PrevMilestone(t time.Duration) (Milestone, bool) {
	const moment = 50 * time.Millisecond
	i := sort.Search(len(tl.Milestones), func(i int) bool { return tl.Milestones[i].At >= t-moment })
	if i == 0 {
		return Milestone{}, false
	}
	return tl.Milestones[i-1], true
}

// Timeline is the whole file on a replay clock.
func (f *File) Timeline() *Timeline {
	tl := NewTimeline(f.Turns[0].Prompt)
	for i, turn := range f.Turns {
		if i > 0 {
			tl.Add(Entry{Kind: EntryPrompt, Prompt: turn.Prompt})
		}
		for _, ev := range turn.Events {
			tl.Add(Entry{Kind: EntryEvent, Event: ev})
		}
	}
	return tl
}

// TurnAt is the turn (0-based) playing at time t.
func (tl *Timeline) TurnAt(t time.Duration) int {
	i := sort.Search(len(tl.starts), func(i int) bool { return tl.starts[i] > t })
	return max(0, i-1)
}
