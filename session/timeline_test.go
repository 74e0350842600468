package session

import (
	"testing"
	"time"
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
