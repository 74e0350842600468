package ui

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// The benchmarks here check the performance rules of DESIGN.md on the
// cockpit itself, each against a naive design measured in the same run:
//
//	go test -run '^$' -bench . -benchtime 1x ./ui/
//
// One iteration of each is a meaningful measurement (a batch of tokens, a
// whole streamed run), so -benchtime 1x is enough; the default benchtime
// only adds iterations. Results are reported as metrics and in a log line
// giving the ratio.

// newBenchModel returns a cockpit with n panes of the "bench" provider,
// opened with open, in the dark theme.
func newBenchModel(b *testing.B, n int, open func(backends.Target) backends.Backend) *Model {
	b.Helper()
	targets := make([]backends.Target, n)
	for i := range targets {
		targets[i] = backends.Target{
			Name: fmt.Sprintf("bench:%d", i), Label: fmt.Sprintf("model %d", i+1),
			Provider: "bench", Model: strconv.Itoa(i),
		}
	}
	m, err := New(Options{Targets: targets, Open: open, Theme: themes.Dark})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// Pane size of the append benchmark, as in a zoomed pane or a 2-pane grid.
const (
	paneW, paneH = 100, 45
	// appendBatch is how many tokens one iteration appends and renders.
	appendBatch = 250
)

// BenchmarkPaneAppend appends one token at a time to a pane that already
// holds an answer of `tokens` tokens, and after each renders the pane as
// the cockpit draws it for a frame (renderPane: header, body through the
// incremental markdown.Stream, stats line, border). The naive path renders
// the whole answer with markdown.Full on every delta.
//
// The naive side is measured in the same run on a few samples only: at 50k
// tokens (~200 KB) one full render takes the order of a second, and since
// the naive path renders once per delta its cost per token is the mean time
// of one full render at that length. The samples are taken at successive
// token cuts after the prefix, like the incremental side's appends, and
// stop after three samples and about 1.5 s of rendering. They count only
// Full, splitting its output into lines and keeping the visible ones: the
// pane's frame is left out, which flatters the naive side slightly.
func BenchmarkPaneAppend(b *testing.B) {
	th, err := themes.Get(themes.Dark, true)
	if err != nil {
		b.Fatal(err)
	}
	text := benchMarkdown(1, 320<<10)
	toks := benchTokens(text)
	// ends[i] is the byte offset in text after token i.
	ends := make([]int, len(toks))
	off := 0
	for i, t := range toks {
		off += len(t)
		ends[i] = off
	}
	for _, tokens := range []int{5_000, 50_000} {
		b.Run(fmt.Sprintf("tokens=%dk", tokens/1000), func(b *testing.B) {
			if len(toks) < tokens+10_000 {
				b.Fatalf("generated text too short: %d tokens", len(toks))
			}
			benchPaneAppend(b, th, text, toks, ends, tokens)
		})
	}
}

func benchPaneAppend(b *testing.B, th themes.Theme, text string, toks []string, ends []int, tokens int) {
	innerW, bodyH := paneW-2, paneH-4
	naive := naivePerToken(b, text, ends, tokens, innerW, bodyH, th)

	m := newBenchModel(b, 1, nil)
	p := m.panes[0]
	pos := 0 // the next token to append
	var at time.Duration
	fill := func() {
		p.reset()
		p.apply(session.Event{Event: backends.UsageEvent(backends.Usage{Input: 12})})
		p.apply(session.Event{T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, text[:ends[tokens-1]])})
		_ = m.renderPane(0, paneW, paneH) // every stable block rendered once, untimed
		pos, at = tokens, time.Millisecond
	}
	fill()
	appended := 0
	for b.Loop() {
		for range appendBatch {
			if pos == len(toks) {
				b.StopTimer()
				fill()
				b.StartTimer()
			}
			at += 2 * time.Millisecond
			p.apply(session.Event{T: at, Event: backends.DeltaEvent(backends.KindAnswer, toks[pos])})
			pos++
			_ = m.renderPane(0, paneW, paneH)
		}
		appended += appendBatch
	}
	inc := float64(b.Elapsed().Nanoseconds()) / float64(appended)
	ratio := naive / inc
	b.ReportMetric(inc, "ns/token")
	b.ReportMetric(naive, "naive-ns/token")
	b.ReportMetric(ratio, "x-cheaper")
	b.Logf("incremental pane append at %d tokens (%d KB): %.0fx cheaper per token than naive (%.0f µs vs %.1f ms per token, %d tokens appended)",
		tokens, ends[tokens-1]>>10, ratio, inc/1e3, naive/1e6, appended)
}

// naivePerToken returns the mean time, in nanoseconds, of one full render
// of the answer cut after token tokens-1, tokens, …, split into lines with
// the last bodyH kept, as a pane without the incremental renderer would do
// on every delta.
func naivePerToken(b *testing.B, text string, ends []int, tokens, width, bodyH int, th themes.Theme) float64 {
	b.Helper()
	// Build and warm the shared renderer (and chroma's lexers) untimed.
	_ = markdown.Full("# warm\n\n```go\nx := 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n", width, th)
	var total time.Duration
	samples := 0
	for i := 0; i < 3 || total < 1500*time.Millisecond; i++ {
		cut := text[:ends[tokens-1+i]]
		start := time.Now()
		lines := strings.Split(markdown.Full(cut, width, th), "\n")
		_ = lines[max(0, len(lines)-bodyH):]
		total += time.Since(start)
		samples++
	}
	return float64(total.Nanoseconds()) / float64(samples)
}

// The streaming benchmark: 8 panes, 500 tokens/s each, for 3 s, at 200×50.
const (
	streamPanes      = 8
	streamRate       = 500.0
	streamFor        = 3 * time.Second
	streamGrace      = 500 * time.Millisecond // wall budget = streamFor + streamGrace
	screenW, screenH = 200, 50
)

// streamRun is what one design did with the same token stream.
type streamRun struct {
	emitted, rendered int
	frames            int
	cpu               time.Duration
	cpuOK             bool
	wall              time.Duration
	lat               []time.Duration // arrival → frame, one per rendered token
	// oldest is, when the run stopped, how long the oldest token not yet
	// shown had been waiting.
	oldest time.Duration
	// drawing is the wall time spent in the cockpit's render.
	drawing time.Duration
}

func (r *streamRun) add(o streamRun) {
	r.emitted += o.emitted
	r.rendered += o.rendered
	r.frames += o.frames
	r.cpu += o.cpu
	r.cpuOK = o.cpuOK
	r.wall += o.wall
	r.lat = append(r.lat, o.lat...)
	r.oldest = max(r.oldest, o.oldest)
	r.drawing += o.drawing
}

// cpuPer1k is the CPU time per 1,000 rendered tokens, in milliseconds.
func (r *streamRun) cpuPer1k() float64 {
	if r.rendered == 0 {
		return 0
	}
	return float64(r.cpu) / float64(time.Millisecond) / float64(r.rendered) * 1000
}

// pct returns the p-th percentile of the latencies, in milliseconds.
func (r *streamRun) pct(p int) float64 {
	if len(r.lat) == 0 {
		return 0
	}
	s := slices.Clone(r.lat)
	slices.Sort(s)
	return float64(s[min(len(s)-1, len(s)*p/100)]) / float64(time.Millisecond)
}

// BenchmarkStream8Panes streams markdown into 8 panes at 500 tokens/s each
// for 3 s through the real pipeline: real goroutines (session.Run inside
// the pump, started by send), the pump's per-frame batching, Update, and a
// full render of the screen after every message, as the Bubble Tea program
// does. It measures the CPU time per 1,000 tokens and the delay from a
// token's arrival (the time its backend yields it) to the end of the first
// frame that shows it.
//
// The naive design gets the same token stream: one message per delta (an
// unbounded queue, so the models keep their schedule as they would with a
// real server) and, for every message, a full glamour render of every
// pane's whole answer (markdown.Full per pane) before the screen is drawn.
// The screen itself is then drawn by the cockpit's own render, so a naive
// frame also pays for the incremental render of the pane that changed; the
// share of the naive run's time spent in that render is reported, so its
// CPU cost can be bounded from below too. The naive design falls behind: its run is cut at the same wall budget, only the
// tokens it rendered are counted, and the rest is reported as its backlog.
func BenchmarkStream8Panes(b *testing.B) {
	th, err := themes.Get(themes.Dark, true)
	if err != nil {
		b.Fatal(err)
	}
	n := int(streamRate * streamFor.Seconds())
	// Each pane streams its own stretch of the text.
	toks := benchTokens(benchMarkdown(2, streamPanes*n*6))
	if len(toks) < streamPanes*n {
		b.Fatalf("generated text too short: %d tokens", len(toks))
	}
	paneToks := func(i int) []string { return toks[i*n : (i+1)*n] }
	base := runtime.NumGoroutine()

	var co, na streamRun
	for b.Loop() {
		runtime.GC()
		co.add(runCoalesced(b, paneToks, n))
		waitGoroutines(b, base)
		runtime.GC()
		na.add(runNaive(b, th, paneToks, n))
		waitGoroutines(b, base)
	}

	cpuRatio := na.cpuPer1k() / co.cpuPer1k()
	b.ReportMetric(co.cpuPer1k(), "cpu-ms/1k-tok")
	b.ReportMetric(na.cpuPer1k(), "naive-cpu-ms/1k-tok")
	b.ReportMetric(cpuRatio, "x-less-cpu")
	b.ReportMetric(co.pct(50), "p50-ms")
	b.ReportMetric(co.pct(99), "p99-ms")
	b.ReportMetric(na.pct(50), "naive-p50-ms")
	b.ReportMetric(na.pct(99), "naive-p99-ms")
	b.ReportMetric(float64(co.frames), "frames")
	b.ReportMetric(float64(na.frames), "naive-frames")
	b.ReportMetric(float64(na.emitted-na.rendered), "naive-backlog-tok")

	row := func(name string, r *streamRun) string {
		cpu := "n/a"
		if r.cpuOK {
			cpu = fmt.Sprintf("%8.1f", r.cpuPer1k())
		}
		return fmt.Sprintf("%-9s %8s %9.1f %9.1f %7d %8d/%-6d %7d %8.1fs",
			name, cpu, r.pct(50), r.pct(99), r.frames, r.rendered, r.emitted, r.emitted-r.rendered, r.oldest.Seconds())
	}
	b.Logf("%d panes × %.0f tok/s for %s at %d×%d, wall budget %s:\n"+
		"design    cpu-ms/1k  p50-ms    p99-ms   frames  rendered/emitted backlog  oldest-wait\n%s\n%s\n"+
		"naive run: %.0f%% of its wall time in the cockpit's render (frame and incremental bodies), the rest mostly markdown.Full\n"+
		"coalesced streaming: %.0fx less CPU per token than naive; delay p50 %.0fx, p99 %.0fx shorter",
		streamPanes, streamRate, streamFor, screenW, screenH, streamFor+streamGrace,
		row("coalesced", &co), row("naive", &na),
		100*na.drawing.Seconds()/na.wall.Seconds(), cpuRatio, na.pct(50)/co.pct(50), na.pct(99)/co.pct(99))
}

// runCoalesced streams through the cockpit's own path: send starts the run
// (a pump over session.Run), and the loop stands in for the Bubble Tea
// program, delivering each message to Update and drawing the screen after
// it, then running the command Update returned (the pump's next).
func runCoalesced(b *testing.B, paneToks func(int) []string, n int) streamRun {
	t0 := time.Now()
	bbs := make([]*benchBackend, streamPanes)
	m := newBenchModel(b, streamPanes, func(t backends.Target) backends.Backend {
		i, _ := strconv.Atoi(t.Model)
		bbs[i] = newBenchBackend(paneToks(i), streamRate, n, t0)
		return bbs[i]
	})
	m.Update(tea.WindowSizeMsg{Width: screenW, Height: screenH})
	_ = m.render()
	m.editor.SetValue("benchmark: stream markdown into every pane")

	var r streamRun
	seen := make([]int, streamPanes) // deltas shown, per pane
	cpu0, _ := cpuTime()
	t0 = time.Now() // send opens the backends, which stamp from t0
	cmd := m.send()
	if cmd == nil {
		b.Fatal("send started no run")
	}
	budget := streamFor + streamGrace
	ended := false
	for cmd != nil {
		msg := cmd()
		if time.Since(t0) > budget {
			_, ended = msg.(runEndedMsg)
			break // its events count as backlog
		}
		_, cmd = m.Update(msg)
		drawn := time.Now()
		_ = m.render()
		now := time.Since(t0)
		r.drawing += time.Since(drawn)
		r.frames++
		switch msg := msg.(type) {
		case eventsMsg:
			for _, ev := range msg.events {
				if ev.Type == backends.EventDelta {
					r.lat = append(r.lat, now-bbs[ev.Pane].stamps[seen[ev.Pane]])
					seen[ev.Pane]++
				}
			}
		case runEndedMsg:
			ended = true
		}
	}
	r.wall = time.Since(t0)
	cpu1, ok := cpuTime()
	r.cpu, r.cpuOK = cpu1-cpu0, ok
	r.finish(bbs, seen)

	// End the run and wait for it: runEndedMsg comes once session.Run has
	// returned, that is once every pane goroutine has ended.
	m.cancel()
	for !ended {
		if _, ok := m.current.next().(runEndedMsg); ok {
			ended = true
		}
	}
	return r
}

// finish counts what was emitted and shown, and how long the oldest token
// not shown had waited.
func (r *streamRun) finish(bbs []*benchBackend, seen []int) {
	for i, bb := range bbs {
		e := int(bb.emitted.Load()) // stamps[:e] are written before this load
		r.emitted += e
		r.rendered += seen[i]
		if seen[i] < e {
			r.oldest = max(r.oldest, r.wall-bb.stamps[seen[i]])
		}
	}
}

// runNaive streams the same tokens with one message per event and a full
// render of every pane's answer per message.
func runNaive(b *testing.B, th themes.Theme, paneToks func(int) []string, n int) streamRun {
	m := newBenchModel(b, streamPanes, nil)
	m.Update(tea.WindowSizeMsg{Width: screenW, Height: screenH})
	_ = m.render()
	cols, rows := layout(streamPanes, screenW, screenH)
	innerW := screenW/cols - 2
	bodyH := screenH/rows - 4

	t0 := time.Now()
	bbs := make([]*benchBackend, streamPanes)
	panes := make([]session.Pane, streamPanes)
	for i, p := range m.panes {
		p.reset()
		bbs[i] = newBenchBackend(paneToks(i), streamRate, n, t0)
		panes[i] = session.Pane{Target: p.target, Backend: bbs[i], Request: m.request(p, "benchmark")}
	}
	m.running = true

	var r streamRun
	seen := make([]int, streamPanes)
	q := &eventQueue{wake: make(chan struct{}, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	cpu0, _ := cpuTime()
	t0 = time.Now()
	for _, bb := range bbs {
		bb.t0 = t0
	}
	go func() {
		defer close(done)
		session.Run(ctx, panes, session.Secrets{}, q.push)
	}()
	deadline := t0.Add(streamFor + streamGrace)
	for {
		ev, ok := q.pop(deadline, done)
		if !ok {
			break
		}
		m.Update(eventsMsg{run: m.run, events: []session.Event{ev}})
		for _, p := range m.panes {
			if text := p.result.Text(); text != "" {
				lines := strings.Split(markdown.Full(text, innerW, th), "\n")
				_ = lines[max(0, len(lines)-bodyH):]
			}
		}
		drawn := time.Now()
		_ = m.render()
		r.drawing += time.Since(drawn)
		r.frames++
		if ev.Type == backends.EventDelta {
			r.lat = append(r.lat, time.Since(t0)-bbs[ev.Pane].stamps[seen[ev.Pane]])
			seen[ev.Pane]++
		}
	}
	r.wall = time.Since(t0)
	cpu1, ok := cpuTime()
	r.cpu, r.cpuOK = cpu1-cpu0, ok
	r.finish(bbs, seen)
	cancel()
	<-done
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

// waitGoroutines waits until no more goroutines run than at the start of
// the benchmark: every goroutine a run started has ended.
func waitGoroutines(b *testing.B, base int) {
	b.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			b.Fatalf("%d goroutines still running after the run", runtime.NumGoroutine()-base)
		}
		time.Sleep(time.Millisecond)
	}
}
