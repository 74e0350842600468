package bench

import (
	"context"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// Model is one model taking part in a bench.
type Model struct {
	Target backends.Target
	Price  *backends.Price
	// Open gives the backend a trial talks to. Most backends are opened
	// once and shared, so that trials reuse connections as a client
	// would; the demo models are opened per trial with their own seed.
	Open func(Trial) backends.Backend
}

// Runner runs a bench's trials. Each trial is a one-pane session.Run, the
// engine every fanout command streams with: same stamping, same endings,
// same scrubbing of secrets.
type Runner struct {
	Plan Plan
	// Concurrency is the most trials of one model in flight at once.
	Concurrency int
	Models      []Model
	Prompts     []session.BenchPrompt
	// Request carries what every trial sends besides its prompt and
	// system prompt (the cap on tokens, the temperature).
	Request backends.Request
	Secrets session.Secrets
	// OnStart is called, in schedule order, just before a trial's request
	// goes, with its offset from the bench's start; OnEvent with each of
	// the trial's events, whose Pane is the model and Trial the trial's
	// id. OnEvent is called from the trials' goroutines at once.
	OnStart func(Trial, time.Duration)
	OnEvent func(Trial, session.Event)

	stopOnce sync.Once
	stop     chan struct{}
}

// NewRunner makes a runner for models and prompts; set its fields before
// Run.
func NewRunner(plan Plan, models []Model, prompts []session.BenchPrompt) *Runner {
	plan.Models, plan.Prompts = len(models), len(prompts)
	return &Runner{Plan: plan, Concurrency: 1, Models: models, Prompts: prompts, stop: make(chan struct{})}
}

// Stop starts no more trials; those in flight finish. Safe to call from
// any goroutine, more than once.
func (r *Runner) Stop() { r.stopOnce.Do(func() { close(r.stop) }) }

// Run runs the schedule and returns when every trial it started has
// ended. Trials start in schedule order, each once a slot of its model is
// free, so that a slow model holds the round back rather than letting
// the others run ahead into a different minute of the providers' day.
// Cancelling ctx ends the trials in flight (as cancelled) and starts no
// more. Run reports whether the whole schedule was started.
func (r *Runner) Run(ctx context.Context) (complete bool) {
	slots := make([]chan struct{}, len(r.Models))
	for i := range slots {
		slots[i] = make(chan struct{}, max(1, r.Concurrency))
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	start := time.Now()
	for _, t := range Schedule(r.Plan) {
		select {
		case <-r.stop:
			return false
		case <-ctx.Done():
			return false
		default:
		}
		select {
		case slots[t.Model] <- struct{}{}:
		case <-r.stop:
			return false
		case <-ctx.Done():
			return false
		}
		if r.OnStart != nil {
			r.OnStart(t, time.Since(start).Round(time.Microsecond))
		}
		wg.Go(func() {
			defer func() { <-slots[t.Model] }()
			r.runTrial(ctx, t)
		})
	}
	return true
}

// runTrial sends one trial, once: a failure is data, never retried.
func (r *Runner) runTrial(ctx context.Context, t Trial) {
	m := r.Models[t.Model]
	p := r.Prompts[t.Prompt]
	req := r.Request
	if p.System != "" {
		req.System = p.System
	}
	req.Messages = []backends.Message{{Role: backends.RoleUser, Content: PromptText(t, p.Prompt)}}
	pane := session.Pane{Target: m.Target, Backend: m.Open(t), Request: req}
	session.Run(ctx, []session.Pane{pane}, r.Secrets, func(ev session.Event) {
		ev.Pane, ev.Trial = t.Model, t.ID
		if r.OnEvent != nil {
			r.OnEvent(t, ev)
		}
	})
}
