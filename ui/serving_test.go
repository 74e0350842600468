package ui

import (
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// The pane header says which service tier was asked for while the answer
// streams, and which one the provider reports served it once it has ended;
// the stats line says how much of the prompt the cache served.
func TestPaneHeaderShowsTheTierAndTheFooterTheCache(t *testing.T) {
	m := newTestModel(t, 2, 200, 30, "dark")
	p := m.panes[0]
	p.target.ServiceTier, p.target.Latency = "flex", "optimized"
	p.asked = "hi"
	p.apply(session.Event{Event: backends.DeltaEvent(backends.KindAnswer, "Paris.")})
	if s := screen(m); !strings.Contains(s, "asked flex · latency asked optimized") {
		t.Errorf("while streaming the header does not say what was asked:\n%s", s)
	}
	p.apply(session.Event{Event: backends.UsageEvent(backends.Usage{Input: 1300, Output: 2, CachedInput: 900, CacheWrite: 300, Exact: true})})
	done := backends.DoneEvent(backends.StopEnd, 0)
	done.Done.ServiceTier, done.Done.LatencyMode = "default", "optimized"
	p.apply(session.Event{Event: done})
	s := screen(m)
	if !strings.Contains(s, "default (asked flex) · latency optimized") {
		t.Errorf("at the end the header does not say what served it:\n%s", s)
	}
	if !strings.Contains(s, "in 1300 (900 cached, 300 written) out 2") {
		t.Errorf("the stats line does not show the cache:\n%s", s)
	}
	// The other pane asked for nothing and says nothing of tiers.
	if strings.Count(s, "asked") != 1 {
		t.Errorf("a tier shown for a pane that asked none:\n%s", s)
	}
}

// In a narrow pane the tier gives way: the model's name is never cut for it.
func TestPaneHeaderDropsTheTierBeforeTheName(t *testing.T) {
	m := newTestModel(t, 3, 80, 24, "dark")
	p := m.panes[0]
	p.target.ServiceTier = "priority"
	done := backends.DoneEvent(backends.StopEnd, 0)
	done.Done.ServiceTier = "priority"
	p.apply(session.Event{Event: backends.DeltaEvent(backends.KindAnswer, "ok")})
	p.apply(session.Event{Event: done})
	s := screen(m)
	if strings.Contains(s, "prio…") || strings.Contains(s, "priori…") {
		t.Errorf("the tier was cut instead of left out:\n%s", s)
	}
	if !strings.Contains(s, p.target.Label) {
		t.Errorf("the label %q is not whole on screen:\n%s", p.target.Label, s)
	}
}
