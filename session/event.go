// Package session runs one prompt against several models at once, stamps
// every event with its pane and its offset from that pane's request start,
// and folds the stamped events into the stats fanout shows. The stamped event
// stream is the single source of truth: the terminal UI, `fanout run`, the
// session file and replay all consume it.
package session

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// Event is a backend event stamped with its pane and with T, the monotonic
// offset from the moment that pane's request was sent.
type Event struct {
	Pane int
	T    time.Duration
	// Trial is the bench trial the event belongs to (1 for the first), zero
	// outside a bench: trials of one model overlap in time, so the pane
	// alone does not say which answer an event is part of.
	Trial int
	backends.Event
}

// eventJSON is the wire form of an Event, one line of a session file or of
// `fanout run --events`: {"t_ms": 12.5, "pane": 0, "type": "delta", …}.
type eventJSON struct {
	TMs   float64 `json:"t_ms"`
	Pane  int     `json:"pane"`
	Trial int     `json:"trial,omitempty"`
	backends.Event
}

// MarshalJSON writes the flat wire form, with t_ms in milliseconds rounded
// to the microsecond. Text is not HTML-escaped here: an encoder that asks
// for escaping (json.Marshal) escapes it, one that does not (`fanout run
// --events`, like the session file) prints "<" as "<".
func (e Event) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(eventJSON{TMs: backends.Millis(e.T), Pane: e.Pane, Trial: e.Trial, Event: e.Event}); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// UnmarshalJSON reads the wire form back.
func (e *Event) UnmarshalJSON(b []byte) error {
	var w eventJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	// Beyond maxMillis the conversion to a Duration would overflow into
	// nonsense (a negative time); no stream lasts 100 days anyway.
	if !validMillis(w.TMs) {
		return fmt.Errorf("bad t_ms %v", w.TMs)
	}
	*e = Event{Pane: w.Pane, T: backends.FromMillis(w.TMs), Trial: w.Trial, Event: w.Event}
	return nil
}

const maxMillis = 100 * 24 * 3600 * 1000

func validMillis(ms float64) bool { return !math.IsNaN(ms) && ms >= 0 && ms <= maxMillis }
