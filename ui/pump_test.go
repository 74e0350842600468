package ui

import (
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// TestPumpEndsAfterLastBatch: when the last event and the end of the run
// come together (finish's wake-up merged into the push's), the batch is
// delivered and then the end of the run, instead of next waiting forever.
func TestPumpEndsAfterLastBatch(t *testing.T) {
	p := newPump(1)
	p.push(session.Event{Event: backends.DoneEvent(backends.StopEnd, 0)})
	p.finish(nil)

	got := make(chan any, 2)
	go func() {
		got <- p.next()
		got <- p.next()
	}()
	for i, want := range []string{"eventsMsg", "runEndedMsg"} {
		select {
		case msg := <-got:
			ok := false
			switch msg.(type) {
			case eventsMsg:
				ok = want == "eventsMsg"
			case runEndedMsg:
				ok = want == "runEndedMsg"
			}
			if !ok {
				t.Fatalf("delivery %d: got %T, want %s", i, msg, want)
			}
		case <-time.After(5 * time.Second):
			p.signal() // lets the stuck next see the end, so its goroutine ends
			t.Fatalf("delivery %d: next still waiting after 5s, want %s", i, want)
		}
	}
}
