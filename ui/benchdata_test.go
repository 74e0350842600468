package ui

import (
	"context"
	"iter"
	"sync/atomic"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/mdcorpus"
)

// This file holds what the benchmarks stream: demo-like markdown answers
// (mdcorpus.Mixed, cut into tokens by mdcorpus.Tokens) and an in-process
// backend that plays the deltas at a fixed rate and stamps each
// one as it yields it. The adversarial shapes of issue 11 are
// internal/mdcorpus's.

// benchMarkdown is mdcorpus.Mixed: demo-like markdown answers.
func benchMarkdown(seed uint64, size int) string { return mdcorpus.Mixed(seed, size) }

// benchBackend plays a prefix, then deltas at a fixed interval, then an
// exact usage and a Done. The prefix (the answer so far, which may be
// long) is yielded at once and not timed; the timed deltas wait for gate
// (nil: none), so that they start once every pane shows its prefix. Every
// delta is due at a fixed offset from the first, so a consumer that falls
// behind does not slow the model down, as with a real server. Just before
// yielding delta k it records in stamps[k] the time since t0 (monotonic);
// emitted counts the deltas stamped.
type benchBackend struct {
	prefix  string
	deltas  []string
	every   time.Duration
	tokens  int // tokens in the deltas, for the usage
	gate    <-chan struct{}
	t0      time.Time
	stamps  []time.Duration
	emitted atomic.Int64
}

func newBenchBackend(prefix string, deltas []string, every time.Duration, tokens int, gate <-chan struct{}, t0 time.Time) *benchBackend {
	return &benchBackend{prefix: prefix, deltas: deltas, every: every, tokens: tokens, gate: gate, t0: t0, stamps: make([]time.Duration, len(deltas))}
}

func (bb *benchBackend) Stream(ctx context.Context, _ backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		if bb.prefix != "" && !yield(backends.DeltaEvent(backends.KindAnswer, bb.prefix)) {
			return
		}
		if bb.gate != nil {
			select {
			case <-ctx.Done():
				return
			case <-bb.gate:
			}
		}
		start := time.Now()
		timer := time.NewTimer(time.Hour)
		defer timer.Stop()
		for k, d := range bb.deltas {
			due := start.Add(time.Duration(k) * bb.every)
			if w := time.Until(due); w > 0 {
				timer.Reset(w)
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
			}
			if ctx.Err() != nil {
				return
			}
			bb.stamps[k] = time.Since(bb.t0)
			bb.emitted.Add(1)
			if !yield(backends.DeltaEvent(backends.KindAnswer, d)) {
				return
			}
		}
		if yield(backends.UsageEvent(backends.Usage{Input: 12, Output: bb.tokens, Exact: true})) {
			yield(backends.DoneEvent(backends.StopEnd, 0))
		}
	}
}
