package ui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
)

// benchFixture is a bench half-way through, built from events with fixed
// times: three models, one slow, one failing now and then.
func benchFixture(t *testing.T) (bench.Input, *bench.Collector) {
	t.Helper()
	price := &backends.Price{Input: 1, Output: 2, Source: "catalog"}
	targets := []session.TargetRecord{
		{Name: "fast", Label: "Fast model", Provider: "openai", Model: "fast-1", Price: price},
		{Name: "slow", Label: "Slow model", Provider: "openai", Model: "slow-1", Price: price},
		{Name: "flaky", Label: "Flaky model with a long label", Provider: "openai", Model: "flaky-1"},
	}
	models := make([]bench.Model, len(targets))
	for i, tr := range targets {
		models[i] = bench.Model{Target: tr.Target(), Price: tr.Price}
	}
	plan := session.BenchHeader{Trials: 6, Warmup: 1, Concurrency: 1, Seed: 1, Prompts: []session.BenchPrompt{{Prompt: "Why is the sky blue?"}}}
	c := bench.NewCollector(models)
	sched := bench.Schedule(bench.Plan{Models: 3, Prompts: 1, Trials: 6, Warmup: 1, Seed: 1})
	for i, tr := range sched[:16] { // a round and a half in flight
		c.Start(tr, time.Duration(i)*time.Second)
		ttft := []time.Duration{120, 900, 300}[tr.Model]*time.Millisecond + time.Duration(tr.Round)*7*time.Millisecond
		emit := func(t time.Duration, ev backends.Event) {
			c.Event(tr, session.Event{Pane: tr.Model, Trial: tr.ID, T: t, Event: ev})
		}
		if i >= 13 {
			continue // still in flight
		}
		if tr.Model == 2 && tr.Round%2 == 1 {
			emit(40*time.Millisecond, backends.ErrorEvent(&backends.Error{Message: "rate limited", Status: 429}))
			continue
		}
		for k := range 5 {
			emit(ttft+time.Duration(k)*20*time.Millisecond, backends.DeltaEvent(backends.KindAnswer, "word "))
		}
		emit(ttft+100*time.Millisecond, backends.UsageEvent(backends.Usage{Input: 10, Output: 5, Exact: true}))
		emit(ttft+100*time.Millisecond, backends.DoneEvent(backends.StopEnd, 0))
	}
	return bench.Input{Bench: plan, Targets: targets}, c
}

func fixtureView(t *testing.T, width int) *BenchModel {
	in, c := benchFixture(t)
	m := NewBench(BenchOptions{Theme: themes.NoColor(), Prompt: "Why is the sky blue?",
		Labels: []string{"Fast model", "Slow model", "Flaky model with a long label"}, Seed: 1,
		Live: func() bench.Live { return c.Live(in) }})
	m.fixedElapsed, m.elapsed = true, 12300*time.Millisecond
	m.Update(tea.WindowSizeMsg{Width: width, Height: 24})
	m.Update(benchStateMsg{live: c.Live(in)})
	return m
}

func TestGoldenBenchView(t *testing.T) {
	for _, w := range []int{120, 80} {
		t.Run(fmt.Sprintf("w%d", w), func(t *testing.T) {
			out := fixtureView(t, w).render()
			for i, l := range strings.Split(out, "\n") {
				if n := ansi.StringWidth(l); n > w {
					t.Errorf("line %d is %d cells, wider than %d: %q", i+1, n, w, l)
				}
			}
			golden.RequireEqual(t, []byte(out))
		})
	}
}

func TestBenchViewShowsWhatLanded(t *testing.T) {
	out := fixtureView(t, 120).render()
	// Fast: rounds 1–4 counted of 6 (round 0 is the warm-up) … whatever
	// the order, every model's row says how many of 6 ended, the
	// flaky model's errors by class, and the warm-up is not counted.
	for _, want := range []string{"3 models × 6 trials (+1 warm-up)", "/6", "rate_limited", "esc stop after the trials in flight"} {
		if !strings.Contains(out, want) {
			t.Errorf("view lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "warming up") {
		t.Errorf("warm-ups are over, the view says otherwise:\n%s", out)
	}
}

func TestGoldenBenchSummary(t *testing.T) {
	in, c := benchFixture(t)
	in.Measures = c.Measures()
	slos, _ := bench.ParseSLOs("ttft_p90=500ms")
	in.SLOs = slos
	golden.RequireEqual(t, []byte(BenchSummary(bench.Build(in), themes.NoColor(), 100)))
}

// A real bench (loopback OpenAI server, the real client) behind the view
// in a Bubble Tea program: trials land, Esc stops after those in flight,
// and nothing in flight is cut.
func TestBenchViewFlowEscStopsAfterInFlight(t *testing.T) {
	srv := testserver.NewOpenAI(t, testserver.Wait(30*time.Millisecond), testserver.Content("Hello"), testserver.Wait(10*time.Millisecond),
		testserver.Content(" there."), testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 3, Completion: 2}), testserver.Done())
	tg := backends.Target{Name: "loop", Label: "Loopback", Provider: "openai", Model: "gpt-4o-mini", BaseURL: srv.URL()}
	b := backends.Open(tg, backends.Options{Getenv: func(string) string { return "" }})
	models := []bench.Model{{Target: tg, Open: func(bench.Trial) backends.Backend { return b }}}
	prompts := []session.BenchPrompt{{Prompt: "hi"}}
	const trials = 200
	r := bench.NewRunner(bench.Plan{Trials: trials, Seed: 1}, models, prompts)
	c := bench.NewCollector(models)
	r.OnStart, r.OnEvent = c.Start, c.Event
	in := bench.Input{Bench: session.BenchHeader{Trials: trials, Concurrency: 1, Prompts: prompts}, Targets: []session.TargetRecord{session.NewTargetRecord(tg, nil)}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	m := NewBench(BenchOptions{Theme: themes.NoColor(), Prompt: "hi", Labels: []string{"Loopback"}, Seed: 1,
		Live: func() bench.Live { return c.Live(in) }, Stop: r.Stop, Cancel: cancel, Done: done})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 20),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("3/200")) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*BenchModel)
	if !final.Done() || !final.stopping {
		t.Fatalf("done %v stopping %v", final.Done(), final.stopping)
	}
	ms := c.Measures()
	if len(ms) == 0 || len(ms) >= trials {
		t.Fatalf("%d trials started: Esc did not stop the bench", len(ms))
	}
	for _, m := range ms {
		if m.Outcome() != bench.OutcomeOK {
			t.Errorf("trial %d ended %s: Esc must let the trials in flight finish", m.Trial.ID, m.Outcome())
		}
	}
	view := final.render()
	if want := fmt.Sprintf("%d/%d", len(ms), trials); !strings.Contains(view, want) || !strings.Contains(view, "done") {
		t.Errorf("final view lacks %q:\n%s", want, view)
	}
}
