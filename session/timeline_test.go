package session

import (
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func TestTimeline(t *testing.T) {
	f := mustLoadString(t, validSession)
	tl := f.Timeline()
	ms := time.Millisecond
	if len(tl.Prompts) != 2 || tl.Prompts[1] != "and then?" {
		t.Fatalf("prompts %q", tl.Prompts)
	}
	// Turn 1 ends with its latest event (9ms); turn 2 starts a gap later.
	start2 := 9*ms + TurnGap
	if tl.TurnStart(0) != 0 || tl.TurnStart(1) != start2 || tl.End() != start2+ms {
		t.Errorf("turn starts %v %v, end %v", tl.TurnStart(0), tl.TurnStart(1), tl.End())
	}
	// Cues are in time order: pane 1's delta at 2ms comes before pane 0's
	// at 5.5ms though it was recorded after it.
	var last time.Duration
	for i, c := range tl.Cues {
		if c.At < last {
			t.Fatalf("cue %d at %v after %v", i, c.At, last)
		}
		last = c.At
	}
	if n := len(tl.Cues); n != 2+len(f.Turns[0].Events)+len(f.Turns[1].Events) || !tl.Cues[0].Start || !tl.Cues[n-2].Start {
		t.Errorf("%d cues: %+v", n, tl.Cues)
	}
	if tl.Disturbed < 0 {
		t.Error("an insertion before the end must be reported in Disturbed")
	}
	want := []Milestone{
		{2 * ms, 1, MilestoneFirstToken},
		{3 * ms, 1, MilestoneError},
		{5500 * time.Microsecond, 0, MilestoneFirstToken},
		{9 * ms, 0, MilestoneDone},
		{start2, -1, MilestoneTurn},
		{start2 + ms, 0, MilestoneFirstToken},
	}
	if len(tl.Milestones) != len(want) {
		t.Fatalf("milestones %+v", tl.Milestones)
	}
	for i, m := range want {
		if tl.Milestones[i] != m {
			t.Errorf("milestone %d: %+v, want %+v", i, tl.Milestones[i], m)
		}
	}
	if m, ok := tl.NextMilestone(3 * ms); !ok || m.At != 5500*time.Microsecond {
		t.Errorf("next after 3ms: %+v %v", m, ok)
	}
	if m, ok := tl.PrevMilestone(start2); !ok || m.At != 9*ms {
		t.Errorf("previous before turn 2: %+v %v", m, ok)
	}
	if _, ok := tl.PrevMilestone(2 * ms); ok {
		t.Error("a milestone before the first")
	}
	if _, ok := tl.NextMilestone(tl.End()); ok {
		t.Error("a milestone after the end")
	}
	if tl.TurnAt(start2-ms) != 0 || tl.TurnAt(start2) != 1 {
		t.Errorf("TurnAt %d %d", tl.TurnAt(start2-ms), tl.TurnAt(start2))
	}
	if got := tl.Until(0, 3*ms); tl.Cues[got-1].At > 3*ms || (got < len(tl.Cues) && tl.Cues[got].At <= 3*ms) {
		t.Errorf("Until(3ms) = %d", got)
	}
}

// An empty delta (what key scrubbing leaves of a piece of a key) is no
// first token: the milestone sits where TTFT does.
func TestTimelineFirstTokenSkipsEmptyDeltas(t *testing.T) {
	tl := NewTimeline("hi")
	tl.Add(Entry{Kind: EntryEvent, Event: Event{T: 3 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "")}})
	tl.Add(Entry{Kind: EntryEvent, Event: Event{T: 7 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "hello")}})
	var s Stats
	s.Apply(Event{T: 3 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "")})
	s.Apply(Event{T: 7 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "hello")})
	ttft, _ := s.TTFT()
	if len(tl.Milestones) != 1 || tl.Milestones[0].At != ttft || ttft != 7*time.Millisecond {
		t.Errorf("milestones %+v, TTFT %v", tl.Milestones, ttft)
	}
}
