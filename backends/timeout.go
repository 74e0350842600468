package backends

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"
)

// DefaultTimeout is how long a model may take to finish its answer when
// no timeout is set: long enough for a reasoning model thinking for
// minutes, short enough that a server that never ends does not hold a
// run forever.
const DefaultTimeout = 10 * time.Minute

// errTimedOut is the cause a timed stream's context is cancelled with, to
// tell its own deadline from the caller's.
var errTimedOut = errors.New("the model's timeout passed")

// timed ends a stream that has not finished after d with an Error that
// says so; the text that arrived stays the partial answer.
type timed struct {
	Backend
	who string
	d   time.Duration
}

func (t timed) Stream(ctx context.Context, req Request) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		ctx, cancel := context.WithTimeoutCause(ctx, t.d, errTimedOut)
		defer cancel()
		text := false
		for ev := range t.Backend.Stream(ctx, req) {
			if errors.Is(context.Cause(ctx), errTimedOut) {
				// Whatever the backend says now is its reaction to
				// being stopped ("context deadline exceeded").
				break
			}
			if ev.Type == EventDelta && ev.Delta != nil && ev.Delta.Text != "" {
				text = true
			}
			if !yield(ev) || ev.Type == EventDone || ev.Type == EventError {
				// One end only: a deadline passing just after it
				// changes nothing.
				return
			}
		}
		if errors.Is(context.Cause(ctx), errTimedOut) {
			yield(ErrorEvent(t.timeoutError(text)))
		}
	}
}

func (t timed) timeoutError(text bool) *Error {
	secs := strconv.FormatFloat(t.d.Seconds(), 'f', -1, 64)
	msg := fmt.Sprintf("%s gave no answer in %s s; raise --timeout (or timeout in the config) for a slow model", t.who, secs)
	if text {
		msg = fmt.Sprintf("%s timed out after %s s; the partial answer is kept (raise --timeout, or timeout in the config)", t.who, secs)
	}
	return &Error{Message: msg, Code: CodeTimeout, Retryable: true}
}
