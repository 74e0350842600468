package ui

import (
	"fmt"
	"slices"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// params are what goes with every prompt of a conversation besides the
// messages.
type params struct {
	system      string
	temperature *float64
	maxTokens   int
}

func (m *Model) defaultParams() params {
	return params{system: m.opts.System, temperature: m.opts.Temperature, maxTokens: m.opts.MaxTokens}
}

// recordErrMsg reports that a session file could not be finished.
type recordErrMsg struct{ err error }

// closeWait bounds how long closing a session waits for the run in flight
// to write its last events.
const closeWait = 5 * time.Second

// recorder is the recorder of the conversation, started on its first
// prompt. It does no IO here: the run's goroutine creates the file.
func (m *Model) recorder() *session.Recorder {
	if m.opts.Sessions == nil || m.opts.NoSave {
		return nil
	}
	if m.rec == nil {
		h := session.NewHeader(backends.Request{System: m.params.system, Temperature: m.params.temperature, MaxTokens: m.params.maxTokens})
		h.RerunOf = m.rerunOf
		h.Tags = slices.Clone(m.opts.Tags)
		if m.hidden() {
			h.Blind = m.blind.mode
		}
		for _, p := range m.panes {
			tr := session.NewTargetRecord(p.target, p.price)
			tr.History = slices.Clone(p.history) // set when the models changed mid-conversation
			h.Targets = append(h.Targets, tr)
		}
		m.rec = m.opts.Sessions.NewRecorder(h)
	}
	return m.rec
}

func closeRecorder(rec *session.Recorder, done <-chan struct{}) error {
	waitRun(done)
	return rec.Close()
}

// waitRun waits, closeWait at the most, for the run whose goroutine closes
// done (nil: none) to have written its end.
func waitRun(done <-chan struct{}) {
	if done == nil {
		return
	}
	select {
	case <-done:
	case <-time.After(closeWait):
	}
}

// Close ends the cockpit after its program has stopped: it cancels the run
// in flight, lets it record its end and closes the session file. Call it
// once the program's Run has returned.
func (m *Model) Close() error {
	m.stop()
	m.dropReplay()
	var done <-chan struct{}
	if m.current != nil {
		done = m.current.done
	}
	rec := m.takeRecorder()
	if rec == nil {
		waitRun(done)
		return nil
	}
	if err := closeRecorder(rec, done); err != nil {
		return fmt.Errorf("session not saved: %w", err)
	}
	return nil
}
