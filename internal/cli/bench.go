package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
)

const benchHelp = `Usage: fanout bench [-m MODEL]... [-n N] [--warmup K] [--concurrency C]
                    [--prompts FILE] [--unique-prefix] [--slo LIST] [--goodput LIST]
                    [--json | --csv] [--no-save] [PROMPT]
       fanout bench --from SESSION [--slo LIST] [--goodput LIST] [--json | --csv]

Runs PROMPT (or each prompt of --prompts) N times on every model, after K
warm-up trials that are recorded but not counted, and reports how each
model's TTFT, TTFO, TPOT, ITL, E2E latency and speed are distributed
(p10, p50, p90, p99, mean, stddev, min, max over the successful trials),
its errors by class, its cost per run and per 1,000 answers, and its
goodput. Trials of different models are interleaved, in an order shuffled
each round; each is sent once, never retried.

On a terminal the trials are shown as they land; Esc stops after the
trials in flight. Every trial is recorded in one session file;
--from recomputes the report from such a file alone.

--slo holds the models to limits, e.g.
  --slo ttft_p90=800ms,tpot_p50=40ms,error_rate=1%,cost_per_run=$0.002
(a limit is a maximum, except for output_tokens_per_s, success_rate and
goodput, where it is a minimum). --goodput sets the per-trial limits a
good answer meets, e.g. --goodput ttft=500ms,tpot=50ms.

Exit status: 0 when every model had a successful trial and met every SLO,
1 otherwise (a bench stopped early included), 2 for bad usage.

Flags:
`

// Bounds on a bench's size: past them it is a typo, not a plan.
const (
	maxBenchTrials      = 100000
	maxBenchWarmup      = 1000
	maxBenchConcurrency = 256
)

// benchOptions are the flags of `fanout bench`.
type benchOptions struct {
	common
	sampling
	trials, warmup, concurrency int
	promptsFile                 string
	uniquePrefix                bool
	slo, goodput                string
	jsonOut, csvOut             bool
	from                        string
	seed                        uint64

	slos   []bench.SLO
	limits bench.Limits
}

func benchCmd(ctx context.Context, e env, args []string) error {
	var o benchOptions
	cmd := newCommand("bench", benchHelp)
	o.common.register(cmd.fs)
	o.sampling.register(cmd.fs)
	cmd.fs.IntVar(&o.trials, "n", 10, "counted `trials` per model (and per prompt)")
	cmd.fs.IntVar(&o.warmup, "warmup", 1, "warm-up `trials` per model, recorded but not counted")
	cmd.fs.IntVar(&o.concurrency, "concurrency", 1, "most `trials` of one model in flight at once")
	cmd.fs.StringVar(&o.promptsFile, "prompts", "", "`file` of prompts: JSONL of {\"prompt\", \"system\", \"tag\"}, or one prompt a line")
	cmd.fs.BoolVar(&o.uniquePrefix, "unique-prefix", false, "start each trial's prompt with its own nonce line, so no provider cache serves a repeat")
	cmd.fs.StringVar(&o.slo, "slo", "", "comma-separated `limits` the models must meet (see above); exit 1 if any is missed")
	cmd.fs.StringVar(&o.goodput, "goodput", "", "per-trial `limits` for goodput: ttft, ttfo, tpot, e2e, e.g. ttft=500ms,tpot=50ms")
	flagJSON(cmd.fs, &o.jsonOut, "print the report as one JSON document")
	cmd.fs.BoolVar(&o.csvOut, "csv", false, "print one CSV row per trial")
	cmd.fs.StringVar(&o.from, "from", "", "recompute the report of a recorded bench (a `session` file or id) instead of running one")
	cmd.fs.Uint64Var(&o.seed, "seed", 0, "`seed` of the trial order and of the demo models' variance (default: a new one each bench)")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if err := o.check(cmd, pos); err != nil {
		return err
	}
	if o.from != "" {
		return o.fromSession(ctx, e)
	}
	return o.run(ctx, e, pos)
}

// check refuses flags that cannot make a bench, before anything is sent.
func (o *benchOptions) check(cmd *command, pos []string) error {
	var err error
	if o.slos, err = bench.ParseSLOs(o.slo); err != nil {
		return cmd.bad(fmt.Errorf("--slo: %w", err))
	}
	if o.limits, err = bench.ParseLimits(o.goodput); err != nil {
		return cmd.bad(fmt.Errorf("--goodput: %w", err))
	}
	switch {
	case o.jsonOut && o.csvOut:
		return cmd.bad(errors.New("--json and --csv cannot be used together: pick one"))
	case o.from != "" && (len(o.models) > 0 || len(pos) > 0 || o.promptsFile != ""):
		return cmd.bad(errors.New("--from recomputes a recorded bench: it takes no models and no prompts"))
	case o.trials < 1 || o.trials > maxBenchTrials:
		return cmd.bad(fmt.Errorf("-n must be from 1 to %d (got %d)", maxBenchTrials, o.trials))
	case o.warmup < 0 || o.warmup > maxBenchWarmup:
		return cmd.bad(fmt.Errorf("--warmup must be from 0 to %d (got %d)", maxBenchWarmup, o.warmup))
	case o.concurrency < 1 || o.concurrency > maxBenchConcurrency:
		return cmd.bad(fmt.Errorf("--concurrency must be from 1 to %d (got %d)", maxBenchConcurrency, o.concurrency))
	case o.promptsFile != "" && len(pos) > 0:
		return cmd.bad(errors.New("give the prompt as an argument or --prompts FILE, not both"))
	}
	return cmd.bad(o.common.check(), o.sampling.check())
}

// prompts are the bench's prompts: --prompts, the argument, or stdin.
func (o *benchOptions) prompts(e env, pos []string) ([]session.BenchPrompt, error) {
	if o.promptsFile != "" {
		data, err := os.ReadFile(o.promptsFile)
		if err != nil {
			return nil, usagef("bench: --prompts: %v", err)
		}
		ps, err := bench.ParsePrompts(o.promptsFile, data)
		if err != nil {
			return nil, usagef("bench: --prompts: %v", err)
		}
		return ps, nil
	}
	if len(pos) > 0 {
		p := strings.Join(pos, " ")
		if strings.TrimSpace(p) == "" {
			return nil, usagef("bench: the prompt is empty")
		}
		return []session.BenchPrompt{{Prompt: p}}, nil
	}
	if f, ok := e.stdin.(*os.File); e.stdin == nil || ok && isTerminal(f) {
		return nil, usagef("bench: no prompt: give it as an argument (fanout bench \"…\"), on standard input, or with --prompts FILE")
	}
	b, err := io.ReadAll(io.LimitReader(e.stdin, maxPromptBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read prompt from stdin: %w", err)
	}
	if len(b) > maxPromptBytes {
		return nil, usagef("bench: the prompt on standard input is over 4 MiB; shorten it")
	}
	p := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(p) == "" {
		return nil, usagef("bench: no prompt: standard input was empty")
	}
	return []session.BenchPrompt{{Prompt: p}}, nil
}

func (o *benchOptions) run(ctx context.Context, e env, pos []string) error {
	prompts, err := o.prompts(e, pos)
	if err != nil {
		return err
	}
	if err := o.load(e); err != nil {
		return err
	}
	o.system = o.prompt(o.cfg)
	targets, err := o.targets(ctx, e)
	if err != nil {
		return err
	}
	if o.seed == 0 {
		o.seed = rand.Uint64()
	}
	models := o.benchModels(e, targets)
	header := session.NewHeader(backends.Request{System: o.system, MaxTokens: o.maxTokens, Temperature: o.temp()})
	for _, m := range models {
		header.Targets = append(header.Targets, session.NewTargetRecord(m.Target, m.Price))
	}
	header.Bench = &session.BenchHeader{Trials: o.trials, Warmup: o.warmup, Concurrency: o.concurrency,
		Seed: o.seed, UniquePrefix: o.uniquePrefix, Prompts: prompts, Goodput: o.goodput}

	runner := bench.NewRunner(bench.Plan{Trials: o.trials, Warmup: o.warmup, Seed: o.seed, UniquePrefix: o.uniquePrefix}, models, prompts)
	runner.Concurrency = o.concurrency
	runner.Request = backends.Request{System: o.system, MaxTokens: o.maxTokens, Temperature: o.temp()}
	runner.Secrets = session.NewSecrets(o.secrets(e, targets...))
	collector := bench.NewCollector(models)
	shown := scrubbedPlan(*header.Bench, runner.Secrets)
	shownHeader := header
	shownHeader.Bench = &shown

	var rec *session.Recorder
	store := o.store(e, targets...)
	ups, err := o.startUploads(ctx, e, store)
	if err != nil {
		return err
	}
	if store != nil {
		rec = store.NewRecorder(header)
		rec.Turn(prompts[0].Prompt)
	}
	runner.OnStart = func(t bench.Trial, at time.Duration) {
		if rec != nil {
			rec.StartTrial(bench.Line(t, at))
		}
		collector.Start(t, at)
	}
	live := !o.jsonOut && !o.csvOut && (e.stdoutTerminal || isTerminal(e.stdout))
	var progress *benchProgress
	if !live && !o.jsonOut && !o.csvOut {
		progress = &benchProgress{w: e.stderr, total: len(bench.Schedule(runner.Plan))}
		for _, t := range header.Targets {
			progress.labels = append(progress.labels, t.Label)
		}
	}
	runner.OnEvent = func(t bench.Trial, ev session.Event) {
		collector.Event(t, ev)
		if rec != nil {
			rec.Record(ev)
		}
		if progress != nil && (ev.Type == backends.EventDone || ev.Type == backends.EventError) {
			progress.trialEnded(collector.Trial(t.ID))
		}
	}

	runCtx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// An interrupt stops the bench: the trials in flight end cancelled
	// (not counted), the report covers those that finished.
	stop := context.AfterFunc(ctx, func() { cancel(session.ErrCancelled) })
	defer stop()

	if live {
		err = runBenchView(runCtx, e, o.cfg.Theme, runner, collector, shownHeader, o.limits, o.slos, func() { cancel(session.ErrCancelled) })
	} else {
		runner.Run(runCtx)
	}
	if rec != nil {
		endRecording(e, rec, live || progress != nil || isTerminal(e.stderr))
	}
	ups.stop(e)
	if err != nil {
		return err
	}
	in := bench.Input{Bench: shown, Targets: header.Targets, Measures: collector.Measures(), Goodput: o.limits, SLOs: o.slos}
	return o.output(e, in, live)
}

// benchModels opens the targets for a bench.
func (o *benchOptions) benchModels(e env, targets []backends.Target) []bench.Model {
	opts := o.options(e)
	models := make([]bench.Model, len(targets))
	for i, t := range targets {
		m := bench.Model{Target: t, Price: o.price(t)}
		if t.Provider == backends.ProviderDemo {
			m.Open = bench.OpenDemo(t, opts, o.seed)
		} else {
			// One backend per model for every trial: its connections are
			// reused, as any client of the provider would.
			b := backends.Open(t, opts)
			m.Open = func(bench.Trial) backends.Backend { return b }
		}
		models[i] = m
	}
	return models
}

// scrubbedPlan is the plan as the report shows it: what is printed is
// what the file keeps, so a key pasted into a prompt is scrubbed from the
// report as from the session, and --from gives the same report.
func scrubbedPlan(plan session.BenchHeader, secrets session.Secrets) session.BenchHeader {
	prompts := make([]session.BenchPrompt, len(plan.Prompts))
	for i, p := range plan.Prompts {
		prompts[i] = session.BenchPrompt{Prompt: secrets.Scrub(p.Prompt), System: secrets.Scrub(p.System), Tag: secrets.Scrub(p.Tag)}
	}
	plan.Prompts = prompts
	return plan
}

// fromSession recomputes the report of a recorded bench.
func (o *benchOptions) fromSession(ctx context.Context, e env) error {
	if err := o.load(e); err != nil {
		return err
	}
	path, err := o.resolve(ctx, e, o.from)
	if err != nil {
		return err
	}
	f, err := session.Load(path)
	if err != nil {
		return err
	}
	plan, measures, err := bench.FromFile(f)
	if err != nil {
		return usagef("bench: --from: %v", err)
	}
	if o.goodput == "" && plan.Goodput != "" {
		// The limits the bench was run with, unless new ones are given.
		if o.limits, err = bench.ParseLimits(plan.Goodput); err != nil {
			return fmt.Errorf("%s: the recorded goodput limits do not parse: %w", path, err)
		}
	}
	in := bench.Input{Bench: plan, Targets: f.Header.Targets, Measures: measures, Goodput: o.limits, SLOs: o.slos}
	return o.output(e, in, false)
}

// output prints the report in the form asked for, and fails (exit 1)
// when a model had no successful trial or missed an SLO, or the bench
// was stopped before every trial ran. After the live
// view, which has shown the ranking, only the summary table is printed.
func (o *benchOptions) output(e env, in bench.Input, afterView bool) error {
	rep := bench.Build(in)
	switch {
	case o.jsonOut:
		enc := json.NewEncoder(termsafe.JSONWriter(e.stdout))
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	case o.csvOut:
		if err := bench.WriteCSV(e.stdout, in.Targets, in.Bench.Prompts, in.Measures); err != nil {
			return err
		}
	case !afterView:
		if err := bench.WriteText(e.stdout, rep); err != nil {
			return err
		}
	}
	// A bench stopped early is no pass either: a gate must not open on
	// the trials that happened to run before an interrupt.
	if !rep.SLOPass || rep.Stopped {
		return failedError{}
	}
	return nil
}
