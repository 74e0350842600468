package bench

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// Collector folds a running bench's trials as their events arrive. It is
// safe for concurrent use: the runner's OnStart and OnEvent feed it while
// a view reads Snapshot.
type Collector struct {
	models []Model

	mu       sync.Mutex
	measures []*Measure // by trial id − 1, nil until started
}

// NewCollector collects the trials of models.
func NewCollector(models []Model) *Collector { return &Collector{models: models} }

// Start notes a trial's start, at its offset from the bench's start.
func (c *Collector) Start(t Trial, at time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.measures) < t.ID {
		c.measures = append(c.measures, nil)
	}
	c.measures[t.ID-1] = NewMeasure(t, c.models[t.Model], at)
}

// Event folds one of a trial's events.
func (c *Collector) Event(t Trial, ev session.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.ID-1 < len(c.measures) && c.measures[t.ID-1] != nil {
		c.measures[t.ID-1].Apply(ev)
	}
}

// Measures are the trials started so far, in schedule order. The slice is
// the caller's, the measures are not: read them only while no event is
// folded (after the run, or through Snapshot).
func (c *Collector) Measures() []*Measure {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(c.measures), func(m *Measure) bool { return m == nil })
}

// Snapshot calls f with the trials so far, while no event is folded.
func (c *Collector) Snapshot(f func([]*Measure)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(c.measures)
}

// FromFile reads a bench back from its session file: its plan, its
// models and its trials' measures, folded from the recorded events alone.
func FromFile(f *session.File) (session.BenchHeader, []*Measure, error) {
	if f.Header.Bench == nil {
		return session.BenchHeader{}, nil, fmt.Errorf("%s is a run, not a bench: replay it with 'fanout replay'", f.Path)
	}
	var out []*Measure
	for _, tr := range f.Trials {
		t := Trial{ID: tr.Trial, Model: tr.Pane, Round: tr.Round, Prompt: tr.Prompt, Warmup: tr.Warmup, Nonce: tr.Nonce}
		rec := f.Header.Targets[tr.Pane]
		m := NewMeasure(t, Model{Target: rec.Target(), Price: rec.Price}, tr.Start())
		for _, ev := range tr.Events {
			m.Apply(ev)
		}
		out = append(out, m)
	}
	return *f.Header.Bench, out, nil
}

// Line is the trial line a recorder writes for t, started at.
func Line(t Trial, at time.Duration) session.TrialLine {
	return session.TrialLine{Trial: t.ID, Pane: t.Model, Round: t.Round, Prompt: t.Prompt, Warmup: t.Warmup, Nonce: t.Nonce,
		StartMs: float64(at.Round(time.Microsecond)) / float64(time.Millisecond)}
}

// Trial is the measure of trial id, nil before it started. Its fields
// change only from the goroutine that feeds the trial's events, so that
// goroutine may read them without the lock.
func (c *Collector) Trial(id int) *Measure {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id < 1 || id > len(c.measures) {
		return nil
	}
	return c.measures[id-1]
}
