package session

import (
	"context"
	"iter"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// scripted is an in-process backend for testing the run logic itself; the
// wire protocols are tested against loopback servers elsewhere.
type scripted struct {
	events []backends.Event
	gap    time.Duration
}

func (s scripted) Stream(ctx context.Context, _ backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		for _, ev := range s.events {
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.gap):
			}
			if !yield(ev) {
				return
			}
		}
	}
}

func collect(ctx context.Context, panes []Pane) [][]Event {
	var mu sync.Mutex
	out := make([][]Event, len(panes))
	Run(ctx, panes, Secrets{}, func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		out[ev.Pane] = append(out[ev.Pane], ev)
	})
	return out
}

func req(prompt string) backends.Request {
	return backends.Request{Messages: []backends.Message{{Role: backends.RoleUser, Content: prompt}}}
}

func TestRunStampsAndEndsEveryPane(t *testing.T) {
	ok := scripted{gap: 5 * time.Millisecond, events: []backends.Event{
		backends.DeltaEvent(backends.KindAnswer, "hello"),
		backends.DeltaEvent(backends.KindAnswer, " world"),
		backends.DoneEvent("stop", 0),
	}}
	failing := scripted{gap: time.Millisecond, events: []backends.Event{
		backends.ErrorEvent(&backends.Error{Message: "refused", Status: 401}),
	}}
	silent := scripted{} // ends without Done or Error
	panes := []Pane{{Backend: ok, Request: req("hi there")}, {Backend: failing, Request: req("x")}, {Backend: silent, Request: req("x")}}
	got := collect(context.Background(), panes)

	s0 := Fold(got[0])
	if s0.Status != StatusDone || s0.InputEst == 0 {
		t.Errorf("pane 0: status %q input estimate %d", s0.Status, s0.InputEst)
	}
	for i := 1; i < len(got[0]); i++ {
		if got[0][i].T < got[0][i-1].T {
			t.Fatalf("pane 0: offsets go backwards: %v then %v", got[0][i-1].T, got[0][i].T)
		}
	}
	if ttft, _ := s0.TTFT(); ttft < 5*time.Millisecond {
		t.Errorf("TTFT %v is below the backend's 5ms delay", ttft)
	}
	if s1 := Fold(got[1]); s1.Status != StatusError || s1.Err.Status != 401 {
		t.Errorf("pane 1: %+v", s1)
	}
	if s2 := Fold(got[2]); s2.Status != StatusError || s2.Err.Code != "no_result" {
		t.Errorf("pane 2: a stream that stops silently must end as an error, got %+v", s2)
	}
}

func TestRunCancelKeepsPartialAndMarksCancelled(t *testing.T) {
	slow := scripted{gap: 20 * time.Millisecond}
	for range 100 {
		slow.events = append(slow.events, backends.DeltaEvent(backends.KindAnswer, "tok "))
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	time.AfterFunc(110*time.Millisecond, func() { cancel(ErrCancelled) })
	start := time.Now()
	got := collect(ctx, []Pane{{Backend: slow, Request: req("x")}, {Backend: slow, Request: req("y")}})
	if el := time.Since(start); el > time.Second {
		t.Errorf("cancel took %v to end the run", el)
	}
	for i, evs := range got {
		s := Fold(evs)
		if s.Status != StatusCancelled || s.Deltas == 0 || s.Deltas >= 100 {
			t.Errorf("pane %d: status %q with %d deltas; want cancelled with the partial answer", i, s.Status, s.Deltas)
		}
		if n := len(evs); evs[n-1].Type != backends.EventDone {
			t.Errorf("pane %d: last event %q, want done(cancelled)", i, evs[n-1].Type)
		}
	}
}

func TestRunTimeoutIsAnError(t *testing.T) {
	slow := scripted{gap: time.Second, events: []backends.Event{backends.DoneEvent("stop", 0)}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	got := collect(ctx, []Pane{{Backend: slow, Request: req("x")}})
	s := Fold(got[0])
	if s.Status != StatusError || s.Err.Code != "timeout" {
		t.Errorf("status %q err %+v, want a timeout error", s.Status, s.Err)
	}
}

// panicky is a backend with a bug: it panics after its first delta.
type panicky struct{}

func (panicky) Stream(ctx context.Context, _ backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		if !yield(backends.DeltaEvent(backends.KindAnswer, "partial")) {
			return
		}
		panic("index out of range")
	}
}

// A backend that panics fails its own pane, with what it had streamed, and
// the others finish.
func TestRunSurvivesAPanickingBackend(t *testing.T) {
	ok := scripted{gap: 20 * time.Millisecond, events: []backends.Event{
		backends.DeltaEvent(backends.KindAnswer, "fine"),
		backends.DoneEvent("stop", 0),
	}}
	panes := []Pane{{Backend: ok, Request: req("x")}, {Target: backends.Target{Provider: "buggy"}, Backend: panicky{}, Request: req("x")}}
	got := collect(context.Background(), panes)
	if s := Fold(got[0]); s.Status != StatusDone {
		t.Errorf("the healthy pane: %s", s.Status)
	}
	s := Fold(got[1])
	if s.Status != StatusError || s.Deltas != 1 || !strings.Contains(s.Err.Message, "bug in the buggy backend") {
		t.Errorf("the panicking pane: %+v", s)
	}
}

// A model that echoes a key, whole or one letter a delta, and an error that
// repeats another provider's key: whoever reads Run's events (a pane, a
// serve client, stdout) never sees either, and the answer around them is
// kept with its deltas' times.
func TestRunScrubsSecretsFromEveryEvent(t *testing.T) {
	const key, other = "sk-proj-SERVERSECRET42", "AKIAOTHERPROVIDERKEY"
	var split []backends.Event
	for _, r := range "then " + key + " again" {
		split = append(split, backends.DeltaEvent(backends.KindAnswer, string(r)))
	}
	split = append(split, backends.DoneEvent(backends.StopEnd, 0))
	whole := scripted{events: []backends.Event{
		backends.DeltaEvent(backends.KindReasoning, "the header said Bearer "+key),
		backends.DeltaEvent(backends.KindAnswer, "your key is "+key+"."),
		backends.DoneEvent(backends.StopEnd, 0),
	}}
	failing := scripted{events: []backends.Event{
		backends.DeltaEvent(backends.KindAnswer, "partial"),
		backends.ErrorEvent(&backends.Error{Message: "upstream said: invalid key " + other, Status: 401}),
	}}
	cut := scripted{events: []backends.Event{ // ends mid-key, as a cancel would cut it
		backends.DeltaEvent(backends.KindAnswer, "key: "),
		backends.DeltaEvent(backends.KindAnswer, key[:12]),
		backends.DoneEvent(backends.StopMaxTokens, 0),
	}}
	panes := []Pane{{Backend: whole, Request: req("a")}, {Backend: scripted{events: split}, Request: req("b")},
		{Backend: failing, Request: req("c")}, {Backend: cut, Request: req("d")}}
	var mu sync.Mutex
	out := make([][]Event, len(panes))
	Run(context.Background(), panes, NewSecrets([]string{key, other, "short"}), func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		out[ev.Pane] = append(out[ev.Pane], ev)
	})
	texts := make([]string, len(panes))
	for i, evs := range out {
		var b strings.Builder
		for _, ev := range evs {
			switch {
			case ev.Delta != nil:
				b.WriteString(ev.Delta.Text)
			case ev.Error != nil:
				b.WriteString("|error: " + ev.Error.Message + "|summary: " + ev.Error.Summary())
			}
		}
		texts[i] = b.String()
		for _, s := range []string{key, other, key[:12]} {
			if strings.Contains(texts[i], s) {
				t.Errorf("pane %d shows %q: %q", i, s, texts[i])
			}
		}
	}
	want := []string{
		"the header said Bearer [redacted]your key is [redacted].",
		"then [redacted] again",
		"partial|error: upstream said: invalid key [redacted]|summary: upstream said: invalid key [redacted]",
		"key: [redacted]",
	}
	for i := range want {
		if texts[i] != want[i] {
			t.Errorf("pane %d: %q, want %q", i, texts[i], want[i])
		}
	}
	// The split key's deltas keep their own times: none moved.
	for i := 1; i < len(out[1]); i++ {
		if out[1][i].T < out[1][i-1].T {
			t.Fatalf("pane 1's events out of order at %d", i)
		}
	}
}
