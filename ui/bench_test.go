package ui

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/mdcorpus"
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
	toks := mdcorpus.Tokens(text)
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
