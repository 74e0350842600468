package bench

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// inFlight counts the requests a loopback server is answering at once.
type inFlight struct {
	mu       sync.Mutex
	now, max int
}

func (f *inFlight) steps(wait time.Duration) []testserver.Step {
	return []testserver.Step{
		testserver.Func("enter", func(*testserver.Stream) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.now++
			f.max = max(f.max, f.now)
			return true
		}),
		testserver.Wait(wait), testserver.Content("Hi"), testserver.Wait(5 * time.Millisecond), testserver.Content(" there"),
		testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 2, Completion: 2}),
		// Out before the end is sent: the client cannot start its next
		// trial while this one still counts.
		testserver.Func("leave", func(*testserver.Stream) bool {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.now--
			return true
		}),
		testserver.Done(),
	}
}

func loopModel(t *testing.T, srv *testserver.OpenAI) Model {
	tg := backends.Target{Name: "loop", Label: "Loop", Provider: "openai", Model: "gpt-4o-mini", BaseURL: srv.URL()}
	b := backends.Open(tg, backends.Options{Getenv: func(string) string { return "" }})
	return Model{Target: tg, Open: func(Trial) backends.Backend { return b }}
}

func TestRunnerHoldsConcurrencyPerModelAndScheduleOrder(t *testing.T) {
	var a, b inFlight
	srvA := testserver.NewOpenAI(t, a.steps(40*time.Millisecond)...)
	srvB := testserver.NewOpenAI(t, b.steps(10*time.Millisecond)...)
	models := []Model{loopModel(t, srvA), loopModel(t, srvB)}
	r := NewRunner(Plan{Trials: 9, Warmup: 1, Seed: 4}, models, []session.BenchPrompt{{Prompt: "hi"}})
	r.Concurrency = 3
	var mu sync.Mutex
	var started []Trial
	ended := map[int]int{}
	r.OnStart = func(t Trial, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		started = append(started, t)
	}
	r.OnEvent = func(t Trial, ev session.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Trial != t.ID || ev.Pane != t.Model {
			panic("an event without its trial and model")
		}
		if ev.Type == backends.EventDone {
			ended[t.ID]++
		}
	}
	if !r.Run(context.Background()) {
		t.Fatal("the whole schedule did not start")
	}
	want := Schedule(r.Plan)
	if len(started) != len(want) {
		t.Fatalf("%d trials started, want %d", len(started), len(want))
	}
	for i := range want {
		if started[i] != want[i] {
			t.Errorf("start %d: %+v, want %+v (schedule order)", i, started[i], want[i])
		}
		if ended[want[i].ID] != 1 {
			t.Errorf("trial %d ended %d times", want[i].ID, ended[want[i].ID])
		}
	}
	if a.max > 3 || b.max > 3 || a.max < 2 {
		t.Errorf("at most %d and %d requests at once, want 3 at most (and some overlap)", a.max, b.max)
	}
	if n := len(srvA.Requests()); n != 10 {
		t.Errorf("%d requests, want 10: one per trial", n)
	}
}

func TestRunnerStopStartsNoMore(t *testing.T) {
	var a inFlight
	srv := testserver.NewOpenAI(t, a.steps(20*time.Millisecond)...)
	r := NewRunner(Plan{Trials: 50, Seed: 1}, []Model{loopModel(t, srv)}, []session.BenchPrompt{{Prompt: "hi"}})
	c := NewCollector(r.Models)
	r.OnStart = func(t Trial, at time.Duration) {
		c.Start(t, at)
		if t.ID == 3 {
			r.Stop()
		}
	}
	r.OnEvent = c.Event
	if r.Run(context.Background()) {
		t.Error("Run says the schedule completed")
	}
	ms := c.Measures()
	if len(ms) != 3 {
		t.Fatalf("%d trials started after Stop at the third", len(ms))
	}
	for _, m := range ms {
		if m.Outcome() != OutcomeOK {
			t.Errorf("trial %d: %s; those in flight finish", m.Trial.ID, m.Outcome())
		}
	}
}
