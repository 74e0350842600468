package ui

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// This file is the streaming benchmarks' harness: a real tea.Program (no
// input, its output a writer that stamps every flush, 200×50), running a
// cockpit wrapped in a probe that notes which tokens each View showed. A
// token's delay runs from the moment its backend yielded it to the first
// flush written after the View that first showed it: what a user sees.
// (The renderer takes the latest View at each of its ticks; a View that
// returns while a flush of the previous one is being written is counted
// as flushed by that write, so a few delays may be read up to one frame,
// 16.7 ms, short.)

// design is one way of drawing the same stream.
type design int

const (
	// designCached is the cockpit as it is: the pump's batching, the pane
	// cache, the screen put together from the panes' boxes.
	designCached design = iota
	// designToday is the cockpit before issue 11: the same pump, every
	// pane drawn again with lipgloss on every frame, the answers rendered
	// by markdown.NewBaselineStream.
	designToday
	// designNaive delivers every delta as its own message and renders the
	// whole answer of every pane with markdown.Full for each, before the
	// cockpit draws the screen.
	designNaive
)

func (d design) String() string {
	return [...]string{"cached", "today", "naive"}[d]
}

// streamSpec is what every pane of a run receives: the answer so far,
// shown before the clock starts, then timed deltas.
type streamSpec struct {
	panes  int
	prefix func(pane int) string
	deltas func(pane int) []string
	tokens func(pane int) []int // tokens in each delta
	every  time.Duration        // between two deltas of a pane
	// grace is how long after the last delta is due the run may take to
	// show everything before it is cut.
	grace time.Duration
}

// offeredFor is how long the timed deltas take to arrive.
func (s *streamSpec) offeredFor() time.Duration {
	n := 0
	for i := range s.panes {
		n = max(n, len(s.deltas(i)))
	}
	return time.Duration(n) * s.every
}

// streamResult is what one design did with a run.
type streamResult struct {
	design                    design
	offered, delivered, shown int // timed tokens yielded, handed to Update, shown in a flushed frame
	views, flushes            int // while the timed deltas streamed and until every pane was done
	window                    time.Duration
	cpu                       time.Duration
	cpuOK                     bool
	lat                       []time.Duration // one per token shown
	// doneAfter is from the last delta's arrival to the flush of the
	// frame that shows every pane done; doneOK is false if none did.
	doneAfter time.Duration
	doneOK    bool
	// cut is set when the run hit its wall budget.
	cut bool
}

func (r *streamResult) cpuPer1k() float64 {
	if r.shown == 0 {
		return 0
	}
	return float64(r.cpu) / float64(time.Millisecond) / float64(r.shown) * 1000
}

// pct is the p-th percentile of the delays, in milliseconds.
func (r *streamResult) pct(p int) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return float64(s[min(len(s)-1, len(s)*p/100)]) / float64(time.Millisecond)
}

// degenerate says why a run cannot be measured, or "": too few of the
// tokens offered were shown, or too few frames were flushed for the time
// the tokens streamed. Such a run measures the harness, not the cockpit.
func (r *streamResult) degenerate(streamed time.Duration) string {
	switch {
	case r.offered == 0:
		return "no token was offered"
	case float64(r.shown) < 0.9*float64(r.offered):
		return fmt.Sprintf("only %d of the %d tokens offered were shown in a flushed frame (< 90%%)", r.shown, r.offered)
	case r.flushes < int(streamed/(100*time.Millisecond)):
		return fmt.Sprintf("only %d frames were flushed in %s of streaming (< 1 per 100 ms)", r.flushes, streamed.Round(time.Millisecond))
	}
	return ""
}

// flushLog is the program's output: it stamps every write.
type flushLog struct {
	mu sync.Mutex
	t0 time.Time
	at []time.Duration
}

func (f *flushLog) Write(b []byte) (int, error) {
	f.mu.Lock()
	f.at = append(f.at, time.Since(f.t0))
	f.mu.Unlock()
	return len(b), nil
}

// after is the first write at or after t, or false.
func (f *flushLog) after(t time.Duration) (time.Duration, bool) {
	i, _ := slices.BinarySearch(f.at, t)
	if i == len(f.at) {
		return 0, false
	}
	return f.at[i], true
}

// viewRec is what a View showed: the timed deltas applied, per pane.
type viewRec struct {
	at   time.Duration
	seen []int
}

type (
	startMsg      struct{}
	deadlineMsg   struct{}
	quitMsg       struct{}
	naiveEventMsg session.Event
)

// probe wraps the cockpit in the program: it counts the deltas that reach
// Update, notes what each View showed, opens the backends' gate once every
// pane shows its prefix, and ends the program once the run has ended (or
// at the wall budget).
type probe struct {
	m      *Model
	d      design
	spec   *streamSpec
	th     themes.Theme
	innerW int
	t0     time.Time
	prog   *tea.Program
	bbs    []*benchBackend

	prefixed    []bool // the pane's prefix has been applied
	seen        []int  // timed deltas applied, per pane
	delivered   int
	views       []viewRec
	viewCount   int
	gate        chan struct{}
	gateAt      time.Duration
	cpu0        time.Duration
	ended, cut  bool
	endView     time.Duration // the first View after the run ended
	deadline    time.Time
	naiveCancel context.CancelFunc
	naiveDone   chan struct{}
}

func (p *probe) Init() tea.Cmd { return p.m.Init() }

func (p *probe) count(ev session.Event) {
	if ev.Type != backends.EventDelta || ev.Pane < 0 || ev.Pane >= len(p.seen) {
		return
	}
	if !p.prefixed[ev.Pane] {
		p.prefixed[ev.Pane] = true
		return
	}
	if k := p.seen[ev.Pane]; k < len(p.spec.tokens(ev.Pane)) {
		p.delivered += p.spec.tokens(ev.Pane)[k]
	}
	p.seen[ev.Pane]++
}

func (p *probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case startMsg:
		return p, p.start()
	case deadlineMsg:
		if !p.ended {
			p.cut = true
			p.stopRun()
			return p, tea.Quit
		}
		return p, nil
	case quitMsg:
		return p, tea.Quit
	case eventsMsg:
		if msg.run == p.m.run {
			for _, ev := range msg.events {
				p.count(ev)
			}
		}
	case naiveEventMsg:
		p.count(session.Event(msg))
		p.m.Update(eventsMsg{run: p.m.run, events: []session.Event{session.Event(msg)}})
		for _, pn := range p.m.panes {
			if text := pn.result.Text(); text != "" && time.Now().Before(p.deadline) {
				lines := strings.Split(markdown.Full(text, p.innerW, p.th), "\n")
				_ = lines[len(lines)-1]
			}
		}
		return p, nil
	case runEndedMsg:
		_, cmd := p.m.Update(msg)
		p.ended = true
		return p, tea.Batch(cmd, tea.Tick(100*time.Millisecond, func(time.Time) tea.Msg { return quitMsg{} }))
	}
	_, cmd := p.m.Update(msg)
	return p, cmd
}

func (p *probe) View() tea.View {
	v := p.m.View()
	now := time.Since(p.t0)
	p.viewCount++
	// The gate opens once the screen shows every prefix: the cockpit has
	// its size (before, it draws nothing, which Bubble Tea clears on
	// every tick) and every pane has its answer so far.
	if p.gateAt == 0 && p.m.width > 0 && !slices.Contains(p.prefixed, false) {
		p.gateAt = now
		p.cpu0, _ = cpuTime()
		// View runs on the program's loop, as Update does: no lock.
		p.deadline = time.Now().Add(p.spec.offeredFor() + p.spec.grace)
		close(p.gate)
	}
	if last := len(p.views) - 1; last < 0 || !slices.Equal(p.views[last].seen, p.seen) {
		p.views = append(p.views, viewRec{at: now, seen: slices.Clone(p.seen)})
	}
	if p.ended && p.endView == 0 {
		p.endView = now
	}
	return v
}

// start begins the run: the cockpit's own send, or for the naive design
// session.Run feeding an unbounded queue that delivers one message per
// event (so the models keep their schedule however far behind it falls).
func (p *probe) start() tea.Cmd {
	if p.d != designNaive {
		p.m.editor.SetValue("benchmark: stream markdown into every pane")
		return p.m.send()
	}
	panes := make([]session.Pane, len(p.m.panes))
	for i, pn := range p.m.panes {
		panes[i] = session.Pane{Target: pn.target, Backend: p.bbs[i], Request: p.m.request(pn, "benchmark")}
	}
	p.m.running = true
	q := &eventQueue{wake: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	p.naiveCancel, p.naiveDone = cancel, make(chan struct{})
	ran := make(chan struct{})
	go func() {
		defer close(ran)
		session.Run(ctx, panes, session.Secrets{}, q.push)
	}()
	go func() {
		defer close(p.naiveDone)
		for {
			ev, ok := q.pop(time.Now().Add(time.Hour), ran) // the budget cancels ctx
			if !ok {
				break
			}
			p.prog.Send(naiveEventMsg(ev))
		}
		<-ran
		p.prog.Send(runEndedMsg{run: p.m.run})
	}()
	return nil
}

func (p *probe) stopRun() {
	if p.naiveCancel != nil {
		p.naiveCancel()
		return
	}
	p.m.cancel()
}

// runProgram streams spec into a cockpit drawn by design d, in a real
// tea.Program at screenW×screenH.
func runProgram(b *testing.B, d design, spec *streamSpec) streamResult {
	b.Helper()
	t0 := time.Now()
	p := &probe{d: d, spec: spec, t0: t0, gate: make(chan struct{}),
		prefixed: make([]bool, spec.panes), seen: make([]int, spec.panes)}
	p.bbs = make([]*benchBackend, spec.panes)
	for i := range spec.panes {
		prefix := spec.prefix(i)
		if d == designNaive {
			prefix = "" // applied to the pane below, not delivered
		}
		toks := 0
		for _, n := range spec.tokens(i) {
			toks += n
		}
		p.bbs[i] = newBenchBackend(prefix, spec.deltas(i), spec.every, toks, p.gate, t0)
	}
	p.m = newBenchModel(b, spec.panes, func(t backends.Target) backends.Backend {
		i, _ := strconv.Atoi(t.Model)
		return p.bbs[i]
	})
	if d == designToday {
		p.m.useTodaysPath()
	}
	th, err := themes.Get(themes.Dark, true)
	if err != nil {
		b.Fatal(err)
	}
	p.th = th
	cols, _ := layout(spec.panes, screenW, screenH)
	p.innerW = screenW/cols - 2
	if d == designNaive {
		for i, pn := range p.m.panes {
			pn.reset()
			pn.asked = "benchmark"
			if s := spec.prefix(i); s != "" {
				pn.apply(session.Event{Pane: i, Event: backends.DeltaEvent(backends.KindAnswer, s)})
			}
			p.prefixed[i] = true
		}
	}
	for i := range spec.panes {
		p.prefixed[i] = p.prefixed[i] || spec.prefix(i) == ""
	}
	p.deadline = t0.Add(time.Hour) // set when the gate opens
	out := &flushLog{t0: t0}
	prog := tea.NewProgram(p, append(ProgramOptions(), tea.WithInput(nil), tea.WithOutput(out), tea.WithWindowSize(screenW, screenH),
		tea.WithoutSignalHandler(), tea.WithColorProfile(colorprofile.ANSI256), tea.WithEnvironment([]string{"TERM=xterm-256color"}))...)
	p.prog = prog
	go prog.Send(startMsg{})
	finished := make(chan struct{})
	budget := make(chan struct{})
	go func() {
		// The wall budget runs from the gate's opening: the prefixes'
		// first render is not the stream's.
		defer close(budget)
		select {
		case <-p.gate:
		case <-time.After(time.Minute):
		case <-finished:
			return
		}
		select {
		case <-time.After(spec.offeredFor() + spec.grace):
			prog.Send(deadlineMsg{})
		case <-finished:
		}
	}()
	_, err = prog.Run()
	close(finished)
	<-budget
	if err != nil {
		b.Fatal(err)
	}
	cpu1, ok := cpuTime()
	end := time.Since(t0)
	if p.naiveDone != nil {
		p.naiveCancel()
		<-p.naiveDone
	}
	if p.m.current != nil {
		p.m.cancel()
		<-p.m.current.done
	}

	r := streamResult{design: d, delivered: p.delivered, cut: p.cut, views: p.viewCount}
	r.cpu, r.cpuOK = cpu1-p.cpu0, ok
	r.window = end - p.gateAt
	out.mu.Lock()
	defer out.mu.Unlock()
	var streamEnd time.Duration
	all := true
	for i, bb := range p.bbs {
		e := int(bb.emitted.Load())
		toks := spec.tokens(i)
		for k := range e {
			r.offered += toks[k]
		}
		if e < len(toks) {
			all = false
		} else if e > 0 {
			streamEnd = max(streamEnd, bb.stamps[e-1])
		}
		for k := range e {
			// The first View that showed delta k of pane i.
			v, found := slices.BinarySearchFunc(p.views, k, func(rec viewRec, k int) int {
				if rec.seen[i] > k {
					return 1
				}
				return -1
			})
			_ = found
			if v == len(p.views) {
				continue
			}
			at, ok := out.after(p.views[v].at)
			if !ok {
				continue
			}
			r.shown += toks[k]
			for range toks[k] {
				r.lat = append(r.lat, at-bb.stamps[k])
			}
		}
	}
	doneAt := end
	if all && p.endView > 0 {
		if at, ok := out.after(p.endView); ok {
			r.doneAfter, r.doneOK, doneAt = at-streamEnd, true, at
		}
	}
	for _, at := range out.at {
		if at >= p.gateAt && at <= doneAt {
			r.flushes++
		}
	}
	return r
}

// eventQueue is the naive design's delivery: every event is one message,
// queued without bound and taken in order.
type eventQueue struct {
	mu   sync.Mutex
	evs  []session.Event
	wake chan struct{}
}

func (q *eventQueue) push(ev session.Event) {
	q.mu.Lock()
	q.evs = append(q.evs, ev)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// pop returns the next event; false once the deadline has passed, or once
// done is closed and the queue is empty.
func (q *eventQueue) pop(deadline time.Time, done <-chan struct{}) (session.Event, bool) {
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		if time.Now().After(deadline) {
			return session.Event{}, false
		}
		q.mu.Lock()
		if len(q.evs) > 0 {
			ev := q.evs[0]
			q.evs = q.evs[1:]
			q.mu.Unlock()
			return ev, true
		}
		q.mu.Unlock()
		select {
		case <-q.wake:
		case <-timer.C:
		case <-done:
			q.mu.Lock()
			empty := len(q.evs) == 0
			q.mu.Unlock()
			if empty {
				return session.Event{}, false
			}
		}
	}
}
