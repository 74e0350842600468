package ui

import (
	"context"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// frame is the shortest time between two deliveries of streamed text: the
// UI redraws at most this often for the stream, whatever the token rate.
//
// 30 a second, not 60: a frame's cost (the live markdown of every
// streaming pane, the screen handed to Bubble Tea, which parses and diffs
// all of it) does not depend on how many tokens it brings, so halving the
// frames cuts the cost of streaming by a third or more (measured:
// BenchmarkStream prose at 8 panes, 85 → 59 ms CPU per 1,000 tokens)
// while text still moves smoothly. The program flushes at renderFPS, so a
// delivered frame reaches the terminal within ~8 ms instead of waiting up
// to a 60 fps tick: token-to-screen delay stays near what 60 deliveries a
// second gave (p99 42 → 52 ms in the same run).
const frame = time.Second / 30

// renderFPS is the rate Bubble Tea's renderer checks for a new frame to
// write: with frames delivered at most every 33 ms, a faster check only
// shortens the wait between a frame and its flush; a check with nothing
// new to write costs next to nothing.
const renderFPS = 120

// ProgramOptions are the options a tea.Program running the cockpit in a
// local terminal should have.
func ProgramOptions() []tea.ProgramOption { return []tea.ProgramOption{tea.WithFPS(renderFPS)} }

// eventsMsg carries every event that arrived since the last delivery, in
// arrival order.
type eventsMsg struct {
	run    int
	events []session.Event
}

// runEndedMsg says every pane of a run has ended and all its events have
// been delivered. recordErr is why the session file stopped, if it did.
type runEndedMsg struct {
	run       int
	recordErr error
}

// pump gathers the events of one run from the pane goroutines and hands
// them to the program in batches: at most one message per frame, except that
// a Done or an Error is delivered at once. The pane goroutines never block
// on the UI, so a slow frame never delays the timestamps of the stream.
type pump struct {
	run int

	mu        sync.Mutex
	pending   []session.Event
	urgent    bool
	finished  bool
	recordErr error
	wake      chan struct{} // capacity 1: "something is pending"
	last      time.Time     // last delivery
	// done is closed when the run's goroutine has ended, its session file
	// written.
	done chan struct{}
}

func newPump(run int) *pump {
	return &pump{run: run, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

func (p *pump) push(ev session.Event) {
	p.mu.Lock()
	p.pending = append(p.pending, ev)
	if ev.Type == backends.EventDone || ev.Type == backends.EventError {
		p.urgent = true
	}
	p.mu.Unlock()
	p.signal()
}

func (p *pump) finish(recordErr error) {
	p.mu.Lock()
	p.finished = true
	p.recordErr = recordErr
	p.mu.Unlock()
	p.signal()
}

func (p *pump) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// start runs the panes in the background, recording the turn that asks
// prompt when rec is not nil. Every pane goroutine ends with ctx; the
// returned command delivers the first batch.
func (p *pump) start(ctx context.Context, panes []session.Pane, secrets session.Secrets, rec *session.Recorder, prompt string) tea.Cmd {
	go func() {
		defer close(p.done)
		emit := p.push
		if rec != nil {
			// The file is written here, in the run's goroutines, never in
			// the UI's update loop.
			rec.Turn(prompt)
			emit = func(ev session.Event) {
				rec.Record(ev)
				p.push(ev)
			}
		}
		session.Run(ctx, panes, secrets, emit)
		var recordErr error
		if rec != nil {
			rec.EndTurn()
			recordErr = rec.Err()
		}
		p.finish(recordErr)
	}()
	return p.next
}

// next waits for the next batch. It is re-issued after every delivery, so
// exactly one is outstanding while the run lasts, and it returns once the
// run has finished and everything is delivered.
func (p *pump) next() tea.Msg {
	for {
		<-p.wake
		p.mu.Lock()
		if !p.urgent && len(p.pending) > 0 {
			if wait := frame - time.Since(p.last); wait > 0 {
				// Not due yet: let more tokens gather until the frame.
				p.mu.Unlock()
				timer := time.NewTimer(wait)
				select {
				case <-timer.C:
				case <-p.wake: // a Done may have arrived: re-check now
					timer.Stop()
				}
				p.signal()
				continue
			}
		}
		if len(p.pending) > 0 {
			batch := p.pending
			p.pending, p.urgent, p.last = nil, false, time.Now()
			if p.finished {
				// finish's wake-up may have been merged into the one this
				// batch used: leave one for the runEndedMsg.
				p.signal()
			}
			p.mu.Unlock()
			return eventsMsg{run: p.run, events: batch}
		}
		done := p.finished
		p.mu.Unlock()
		if done {
			return runEndedMsg{run: p.run, recordErr: p.recordErr}
		}
	}
}
