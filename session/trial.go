package session

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// LineTrial starts one trial of a bench: the events carrying its id follow.
const LineTrial = "trial"

// BenchHeader is how a bench was planned, kept in its session's header so
// that its report can be recomputed from the file alone.
type BenchHeader struct {
	Trials       int           `json:"trials"`        // counted trials per model and prompt
	Warmup       int           `json:"warmup"`        // warm-up trials per model, recorded, not counted
	Concurrency  int           `json:"concurrency"`   // trials in flight per model, at most
	Seed         uint64        `json:"seed"`          // the shuffle of every round (and the demo models' variance)
	UniquePrefix bool          `json:"unique_prefix"` // each trial's prompt starts with its own nonce line
	Prompts      []BenchPrompt `json:"prompts"`
	// Goodput is the --goodput list the bench was run with, as given.
	Goodput string `json:"goodput,omitempty"`
}

// BenchPrompt is one prompt of a bench.
type BenchPrompt struct {
	Prompt string `json:"prompt"`
	System string `json:"system,omitempty"`
	Tag    string `json:"tag,omitempty"`
}

// TrialLine starts a trial: one model answering one prompt once. Its
// events' times start from zero at the trial's own request, like a pane's.
type TrialLine struct {
	Type   string `json:"type"`  // always "trial"
	Trial  int    `json:"trial"` // 1 for the first in the bench's order
	Pane   int    `json:"pane"`  // the model, an index into the header's targets
	Round  int    `json:"round"` // 0 for the first round
	Prompt int    `json:"prompt"`
	Warmup bool   `json:"warmup,omitempty"`
	// Nonce is the line put before the prompt with --unique-prefix.
	Nonce string `json:"nonce,omitempty"`
	// StartMs is when the trial's request was sent, from the bench's start.
	StartMs float64 `json:"start_ms"`
}

// Start is StartMs as a duration.
func (t TrialLine) Start() time.Duration { return backends.FromMillis(t.StartMs) }

// formatOf is the version a session with header h is written in: the
// oldest that holds it, so that older fanouts still read plain runs.
func formatOf(h Header) int {
	if h.Bench != nil {
		return FormatVersion
	}
	return FormatV1
}

// StartTrial writes a trial's line; its events then follow through Record
// with their Trial set. The session's file must have been created by Turn.
func (r *Recorder) StartTrial(t TrialLine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.survive()
	if r.err != nil || r.f == nil {
		return
	}
	t.Type = LineTrial
	if len(r.scrub) > 0 {
		if r.trials == nil {
			r.trials = map[int]*Scrubber{}
		}
		r.trials[t.Trial] = Secrets{r.scrub}.Scrubber()
	}
	r.write(t)
	r.armFlush()
}

// recordTrial writes one event of a trial, through the trial's own
// scrubber: trials of one model overlap, so a pane's scrubber would join
// the text of two answers. A trial's events are not folded into the
// turn's footer; a bench's report is computed from them (package bench).
// The caller holds r.mu.
func (r *Recorder) recordTrial(ev Event) {
	end := ev.Type == backends.EventDone || ev.Type == backends.EventError
	if z := r.trials[ev.Trial]; z != nil {
		for _, e := range z.Push(ev) {
			r.write(e)
		}
		if end { // Push has released what it held
			delete(r.trials, ev.Trial)
		}
	} else {
		r.write(ev)
	}
	if end {
		r.flush()
		return
	}
	r.armFlush()
}

// endTrials writes what the scrubbers of trials cut off still hold.
func (r *Recorder) endTrials() {
	for id, z := range r.trials {
		for _, e := range z.End() {
			r.write(e)
		}
		delete(r.trials, id)
	}
}

// TrialRecord is one trial read from a bench's file: its line and its
// events, in order.
type TrialRecord struct {
	TrialLine
	Events []Event
}

// trialState is what the reader checks a trial's events against.
type trialState struct {
	pane  int
	last  time.Duration
	ended int // the line of its Done or Error, 0 while it streams
}

// trial reads a trial line: only a bench (format 2) has them, each id once.
func (rd *Reader) trial(raw []byte) (Entry, error) {
	e := Entry{Line: rd.line, Turn: rd.turn}
	if rd.header.Bench == nil {
		return e, rd.errorf(rd.line, "a trial line in a session that is not a bench (its header has no bench)")
	}
	var t TrialLine
	if err := json.Unmarshal(raw, &t); err != nil {
		return e, rd.errorf(rd.line, "bad trial line: %s", jsonReason(err))
	}
	switch {
	case t.Trial <= 0:
		return e, rd.errorf(rd.line, "trial id %d: ids start at 1", t.Trial)
	case t.Pane < 0 || t.Pane >= len(rd.header.Targets):
		return e, rd.errorf(rd.line, "trial %d for pane %d, but the session has %s", t.Trial, t.Pane, paneRange(len(rd.header.Targets)))
	case t.Prompt < 0 || t.Prompt >= len(rd.header.Bench.Prompts):
		return e, rd.errorf(rd.line, "trial %d of prompt %d, but the bench has %d prompts", t.Trial, t.Prompt, len(rd.header.Bench.Prompts))
	case !validMillis(t.StartMs):
		return e, rd.errorf(rd.line, "trial %d: bad start_ms %v", t.Trial, t.StartMs)
	}
	if rd.trials == nil {
		rd.trials = map[int]*trialState{}
	}
	if _, dup := rd.trials[t.Trial]; dup {
		return e, rd.errorf(rd.line, "trial %d starts twice", t.Trial)
	}
	rd.trials[t.Trial] = &trialState{pane: t.Pane}
	e.Kind, e.Trial = EntryTrial, &t
	return e, nil
}

// trialEvent checks an event of a trial against its trial line and the
// trial's events before it.
func (rd *Reader) trialEvent(ev Event) (Entry, error) {
	e := Entry{Line: rd.line, Turn: rd.turn}
	st := rd.trials[ev.Trial]
	switch {
	case st == nil:
		return e, rd.errorf(rd.line, "%s event of trial %d before its trial line", ev.Type, ev.Trial)
	case st.pane != ev.Pane:
		return e, rd.errorf(rd.line, "%s event of trial %d for pane %d, but the trial is pane %d's", ev.Type, ev.Trial, ev.Pane, st.pane)
	case !hasPayload(ev.Event):
		return e, rd.errorf(rd.line, "%s event without its %s", ev.Type, ev.Type)
	case ev.T < st.last:
		return e, rd.errorf(rd.line, "time goes backwards in trial %d: %gms after %gms", ev.Trial, backends.Millis(ev.T), backends.Millis(st.last))
	case st.ended > 0:
		return e, rd.errorf(rd.line, "%s event of trial %d after its end on line %d", ev.Type, ev.Trial, st.ended)
	}
	if ev.Type == backends.EventDone || ev.Type == backends.EventError {
		st.ended = rd.line
	}
	st.last = ev.T
	e.Kind, e.Event = EntryEvent, ev
	return e, nil
}

// BenchSummary is what a listing shows of a bench.
type BenchSummary struct {
	Trials  int `json:"trials"`  // counted trials per model and prompt
	Planned int `json:"planned"` // every trial of every model, warm-ups included
	Ended   int `json:"ended"`   // trials recorded to their end
}

// summarizeBench completes sum, a bench's listing, from its trials: its
// cost is every trial's, and it is complete when every planned trial
// ended.
func summarizeBench(rd *Reader, sum Summary) (Summary, error) {
	f, err := ReadAll(rd)
	if err != nil {
		return Summary{}, err
	}
	b := f.Header.Bench
	bs := &BenchSummary{Trials: b.Trials, Planned: len(f.Header.Targets) * (b.Warmup + b.Trials*len(b.Prompts))}
	for _, tr := range f.Trials {
		t := f.Header.Targets[tr.Pane]
		r := &Result{Target: t.Target(), Price: t.Price}
		for _, ev := range tr.Events {
			r.Apply(ev)
		}
		if r.Stats.Ended() {
			bs.Ended++
			sum.Total = AddCost(sum.Total, r.Cost())
		}
	}
	sum.Bench = bs
	sum.Complete = bs.Ended == bs.Planned
	return sum, nil
}

// TrialSession is one trial of a bench as a session of its own (format
// 1, one pane, its events from its own request), so that replay shows it
// as it happened.
func (f *File) TrialSession(id int) (*Reader, error) {
	if f.Header.Bench == nil {
		return nil, fmt.Errorf("%s is not a bench: it has no trials", f.Path)
	}
	var tr *TrialRecord
	for i := range f.Trials {
		if f.Trials[i].Trial == id {
			tr = &f.Trials[i]
		}
	}
	if tr == nil {
		return nil, fmt.Errorf("%s has no trial %d: its trials are 1 to %d", f.Path, id, len(f.Trials))
	}
	h := f.Header
	h.Format, h.Bench = FormatV1, nil
	h.Targets = []TargetRecord{f.Header.Targets[tr.Pane]}
	p := f.Header.Bench.Prompts[tr.Prompt]
	h.Prompt, h.System = p.Prompt, cmp.Or(p.System, h.System)
	if tr.Nonce != "" {
		h.Prompt = tr.Nonce + "\n" + h.Prompt
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(h); err != nil {
		return nil, fmt.Errorf("trial %d: %w", id, err)
	}
	for _, ev := range tr.Events {
		ev.Pane, ev.Trial = 0, 0
		if err := enc.Encode(eventJSON{TMs: backends.Millis(ev.T), Event: ev.Event}); err != nil {
			return nil, fmt.Errorf("trial %d: %w", id, err)
		}
	}
	return NewReader(fmt.Sprintf("%s (trial %d)", f.Path, id), &buf)
}
