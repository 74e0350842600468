package session

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// Pane is one model taking part in a run.
type Pane struct {
	Target  backends.Target
	Backend backends.Backend
	Request backends.Request
}

// ErrCancelled is the cause to cancel a run's context with when the user
// stops it (Esc, Ctrl+C). Panes then end as cancelled, not as failed.
var ErrCancelled = errors.New("cancelled by the user")

// Stream runs one pane and stamps its events. It always ends with exactly one
// Done or Error event, even when the backend does not: a cancelled context
// becomes Done with stop reason "cancelled" (or an Error when the context's
// deadline passed), and a stream that stops without either becomes an Error.
//
// The first event, at offset zero, is an estimated Usage carrying the input
// token estimate, so that stats folded from the events alone show input
// tokens before the provider reports them.
func Stream(ctx context.Context, index int, p Pane) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		start := time.Now()
		// Offsets are kept to the microsecond, the precision of the
		// session file, so that stats folded live and stats folded from
		// the file are the same numbers.
		stamp := func(ev backends.Event) Event {
			return Event{Pane: index, T: time.Since(start).Round(time.Microsecond), Event: ev}
		}
		est := backends.Usage{Input: backends.EstimateInput(p.Request)}
		if !yield(Event{Pane: index, Event: backends.UsageEvent(est)}) {
			return
		}
		ended := false
		for ev := range p.Backend.Stream(ctx, p.Request) {
			if ctx.Err() != nil {
				// Whatever the backend says after cancellation (often a
				// "context canceled" error) is an artefact of stopping it.
				break
			}
			stamped := stamp(ev)
			ended = ev.Type == backends.EventDone || ev.Type == backends.EventError
			if !yield(stamped) || ended {
				return
			}
		}
		if ended {
			return
		}
		yield(stamp(endEvent(ctx)))
	}
}

// endEvent explains why a stream stopped without its own ending.
func endEvent(ctx context.Context) backends.Event {
	if ctx.Err() == nil {
		return backends.ErrorEvent(&backends.Error{Message: "the stream ended without a result", Code: backends.CodeNoResult})
	}
	cause := context.Cause(ctx)
	if errors.Is(cause, context.DeadlineExceeded) {
		return backends.ErrorEvent(&backends.Error{Message: "no answer before the run's timeout; raise --timeout", Code: backends.CodeTimeout, Retryable: true})
	}
	if cause != nil && !errors.Is(cause, context.Canceled) && !errors.Is(cause, ErrCancelled) {
		return backends.ErrorEvent(&backends.Error{Message: fmt.Sprintf("stopped: %s", cause), Code: backends.CodeStopped})
	}
	return backends.DoneEvent(backends.StopCancelled, 0)
}

// Run starts every pane at once and calls emit for each stamped event from
// that pane's own goroutine: emit must be safe for concurrent use, and events
// of one pane arrive in order. Run returns when every pane has ended; cancel
// ctx to end them early — each pane then ends with a cancelled Done.
//
// Every event is scrubbed of secrets before emit sees it, with a Scrubber
// per pane: whatever emit does with them (a pane, a serve client's screen,
// stdout, a session file) never shows a key a model or a proxy echoed,
// whole or split across deltas.
//
// A backend that panics ends its own pane with an Error; the other panes
// go on.
func Run(ctx context.Context, panes []Pane, secrets Secrets, emit func(Event)) {
	var wg sync.WaitGroup
	start := time.Now()
	for i, p := range panes {
		wg.Go(func() {
			z := secrets.Scrubber()
			ended := false
			defer func() {
				if r := recover(); r != nil && !ended {
					for _, ev := range z.End() {
						emit(ev)
					}
					msg := fmt.Sprintf("fanout hit a bug in the %s backend (%v); the other models are unaffected — please report it", p.Target.Provider, r)
					emit(Event{Pane: i, T: time.Since(start).Round(time.Microsecond),
						Event: backends.ErrorEvent(&backends.Error{Message: secrets.Scrub(msg), Code: backends.CodeInternal})})
				}
			}()
			for ev := range Stream(ctx, i, p) {
				for _, e := range z.Push(ev) {
					ended = e.Type == backends.EventDone || e.Type == backends.EventError
					emit(e)
				}
			}
			for _, e := range z.End() {
				emit(e)
			}
		})
	}
	wg.Wait()
}
