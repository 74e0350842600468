package bench

import (
	"math"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// Report is a bench's result, in the `fanout bench --json` schema (a
// contract: see the README). Every figure is computed by Build from the
// trials' events, so a bench read back from its session file reports the
// same numbers as it did live.
type Report struct {
	Prompt *string `json:"prompt"` // the one prompt; null with several
	// Prompts lists the prompts when a --prompts file gave several.
	Prompts []session.BenchPrompt `json:"prompts,omitempty"`
	// TrialsPerModel is how many counted trials each model was to get:
	// N × the number of prompts.
	TrialsPerModel int    `json:"trials_per_model"`
	Warmup         int    `json:"warmup"`
	Concurrency    int    `json:"concurrency"`
	Seed           uint64 `json:"seed"`
	// Stopped is set when the bench was stopped before every trial ran.
	Stopped bool          `json:"stopped"`
	Models  []ModelReport `json:"models"`
	// SLOPass: every model had a successful trial and met every SLO.
	SLOPass bool `json:"slo_pass"`
}

// ModelReport is one model's figures over its counted trials.
type ModelReport struct {
	Name     string `json:"name"`
	Label    string `json:"label"`
	Provider string `json:"provider"`
	Model    string `json:"model"`
	// Runs counts the counted trials that ended, answered or failed; OK
	// those answered. A trial the user cancelled is in neither.
	Runs        int                `json:"runs"`
	OK          int                `json:"ok"`
	Cancelled   int                `json:"cancelled"`
	SuccessRate *float64           `json:"success_rate"`
	ErrorRate   *float64           `json:"error_rate"`
	Errors      map[ErrorClass]int `json:"errors"`

	TTFT         Dist `json:"ttft_ms"`
	TTFO         Dist `json:"ttfo_ms"`
	E2E          Dist `json:"e2e_ms"`
	TPOT         Dist `json:"tpot_ms"`
	ITL          Dist `json:"itl_ms"` // pooled over every gap of every trial
	TokensPerSec Dist `json:"output_tokens_per_s"`
	OutputTokens Dist `json:"output_tokens"` // reasoning included
	InputTokens  Dist `json:"input_tokens"`
	// ReasoningTokens are the output tokens the provider counted as
	// reasoning (0 where it counts none).
	ReasoningTokens Dist `json:"reasoning_tokens"`
	// TokensEstimated is set when some trial's counts are fanout's
	// estimate: the provider never reported usage.
	TokensEstimated bool `json:"tokens_estimated"`

	Cost CostReport `json:"cost_usd"`
	// Goodput is the share of runs that answered within every --goodput
	// limit; null without --goodput or without runs.
	Goodput *float64              `json:"goodput"`
	SLO     map[string]*SLOResult `json:"slo"`
	// SLOPass: this model had a successful trial and met every SLO.
	SLOPass bool `json:"slo_pass"`
}

// CostReport is what a model's trials cost. Amounts are null when the
// price is unknown (or nothing was answered, for PerThousand).
type CostReport struct {
	PerRun *float64 `json:"per_run"`
	// PerThousand is the cost of 1,000 successful answers: the total over
	// the answers, the failures' cost included.
	PerThousand *float64           `json:"per_1k_runs"`
	Total       *float64           `json:"total"`
	Source      session.CostSource `json:"source"`
	Simulated   bool               `json:"simulated,omitempty"`
}

// Input is what Build computes a report from: the bench's plan as its
// header keeps it, its models, and its trials' measures.
type Input struct {
	Bench    session.BenchHeader
	Targets  []session.TargetRecord
	Measures []*Measure
	Goodput  Limits
	SLOs     []SLO
}

// Build computes the report. Warm-ups and cancelled trials are left out
// of every figure.
func Build(in Input) Report {
	rep := Report{
		TrialsPerModel: in.Bench.Trials * len(in.Bench.Prompts),
		Warmup:         in.Bench.Warmup,
		Concurrency:    in.Bench.Concurrency,
		Seed:           in.Bench.Seed,
		SLOPass:        true,
	}
	// Stopped is read from the trials themselves, so that a bench read
	// back from its file says the same as it did live.
	planned := len(in.Targets) * (in.Bench.Warmup + in.Bench.Trials*len(in.Bench.Prompts))
	rep.Stopped = len(in.Measures) < planned
	if len(in.Bench.Prompts) == 1 {
		rep.Prompt = &in.Bench.Prompts[0].Prompt
	} else {
		rep.Prompts = in.Bench.Prompts
	}
	byModel := make([][]*Measure, len(in.Targets))
	for _, m := range in.Measures {
		if m.Trial.Warmup || m.Trial.Model < 0 || m.Trial.Model >= len(in.Targets) {
			continue
		}
		byModel[m.Trial.Model] = append(byModel[m.Trial.Model], m)
	}
	for i, t := range in.Targets {
		mr := modelReport(t, byModel[i], in.Goodput)
		rep.Stopped = rep.Stopped || mr.Cancelled > 0
		mr.SLO, mr.SLOPass = evaluate(in.SLOs, &mr)
		rep.SLOPass = rep.SLOPass && mr.SLOPass
		rep.Models = append(rep.Models, mr)
	}
	return rep
}

func modelReport(t session.TargetRecord, ms []*Measure, goodput Limits) ModelReport {
	mr := ModelReport{Name: t.Name, Label: t.Label, Provider: t.Provider, Model: t.Model, Errors: map[ErrorClass]int{}}
	for _, c := range ErrorClasses {
		mr.Errors[c] = 0
	}
	var ttft, ttfo, e2e, tpot, itl, tps, out, in, reasoning []float64
	var total session.Cost
	good := 0
	for _, m := range ms {
		switch m.Outcome() {
		case OutcomeCancelled, OutcomeRunning:
			mr.Cancelled++
			continue
		case OutcomeError:
			mr.Runs++
			mr.Errors[m.Class()]++
			total = session.AddCost(total, m.Cost())
			continue
		}
		mr.Runs++
		mr.OK++
		total = session.AddCost(total, m.Cost())
		if v, ok := m.TTFT(); ok {
			ttft = append(ttft, ms64(v))
		}
		if v, ok := m.TTFO(); ok {
			ttfo = append(ttfo, ms64(v))
		}
		if v, ok := m.E2E(); ok {
			e2e = append(e2e, ms64(v))
		}
		if v, ok := m.TPOT(); ok {
			tpot = append(tpot, ms64(v))
		}
		for _, g := range m.ITL {
			itl = append(itl, ms64(g))
		}
		if v, ok := m.TokensPerSecond(); ok {
			tps = append(tps, v)
		}
		n, exact := m.OutputTokens()
		out = append(out, float64(n))
		tok := m.Result.Stats.Tokens()
		in, reasoning = append(in, float64(tok.Input)), append(reasoning, float64(tok.Reasoning))
		mr.TokensEstimated = mr.TokensEstimated || !exact
		if goodput.Met(m) {
			good++
		}
	}
	mr.TTFT, mr.TTFO, mr.E2E, mr.TPOT = NewDist(ttft), NewDist(ttfo), NewDist(e2e), NewDist(tpot)
	mr.ITL, mr.TokensPerSec, mr.OutputTokens = NewDist(itl), NewDist(tps), NewDist(out)
	mr.InputTokens, mr.ReasoningTokens = NewDist(in), NewDist(reasoning)
	if mr.Runs > 0 {
		mr.SuccessRate = ptr(float64(mr.OK) / float64(mr.Runs))
		mr.ErrorRate = ptr(float64(mr.Runs-mr.OK) / float64(mr.Runs))
		if !goodput.Empty() {
			mr.Goodput = ptr(float64(good) / float64(mr.Runs))
		}
	}
	mr.Cost = costReport(total, mr.Runs, mr.OK)
	return mr
}

func costReport(total session.Cost, runs, ok int) CostReport {
	c := CostReport{Source: total.Source, Simulated: total.Simulated}
	if runs == 0 { // nothing ran: nothing is known of its cost
		c.Source = session.CostUnknown
		return c
	}
	if total.USD == nil || total.Source == session.CostUnknown {
		c.Source = session.CostUnknown
		return c
	}
	c.Total = ptr(*total.USD)
	c.PerRun = ptr(*total.USD / float64(runs))
	if ok > 0 {
		c.PerThousand = ptr(*total.USD / float64(ok) * 1000)
	}
	return c
}

// ms64 is d in milliseconds, to the microsecond (the session file's
// precision).
func ms64(d time.Duration) float64 {
	return float64(d.Round(time.Microsecond)) / float64(time.Millisecond)
}

// durationOf is a number of milliseconds as a duration.
func durationOf(ms float64) time.Duration {
	return time.Duration(math.Round(ms * float64(time.Millisecond)))
}
