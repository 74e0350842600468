package session

import (
	"math"

	"github.com/fanout-dev/fanout/backends"
)

// Report is the `fanout run --json` document. Its shape is a contract that
// scripts depend on: add fields, never rename or remove them.
type Report struct {
	Prompt  string         `json:"prompt"`
	Results []ReportResult `json:"results"`
}

// ReportResult is one model's line in a Report.
type ReportResult struct {
	Label      string       `json:"label"`
	Provider   string       `json:"provider"`
	Model      string       `json:"model"`
	Text       string       `json:"text"`
	Reasoning  string       `json:"reasoning"`
	StopReason *string      `json:"stop_reason"`
	Status     Status       `json:"status"`
	Error      *ReportError `json:"error"`
	TTFTMs     *float64     `json:"ttft_ms"`
	TotalMs    *float64     `json:"total_ms"`
	TokensPerS *float64     `json:"tokens_per_s"`
	Usage      ReportUsage  `json:"usage"`
	Cost       Cost         `json:"cost"`
	// PriceSource says where the price the cost was computed with came
	// from and when ("catalog litellm 2026-08-06", "catwalk v0.52.1",
	// "config", "updated 2026-12-03"); null when no price was used (a
	// billed, unbilled or unknown cost).
	PriceSource *string `json:"price_source"`
	// ProviderLatencyMs is the provider's own latency figure, when given.
	ProviderLatencyMs *float64 `json:"provider_latency_ms,omitempty"`
	// ServiceTier and LatencyMode are what the provider reports served the
	// request, as it spells them; null when it reports none.
	ServiceTier *string `json:"service_tier"`
	LatencyMode *string `json:"latency_mode"`
}

// ReportError is a failed model's error.
type ReportError struct {
	Message   string             `json:"message"`
	Status    int                `json:"status"`
	Code      backends.ErrorCode `json:"code"`
	Retryable bool               `json:"retryable"`
}

// ReportUsage is a model's token counts; Exact is false for estimates.
type ReportUsage struct {
	Input       int  `json:"input"`
	Output      int  `json:"output"`
	CachedInput int  `json:"cached_input"`
	CacheWrite  int  `json:"cache_write"`
	Reasoning   int  `json:"reasoning"`
	Exact       bool `json:"exact"`
}

// NewReport builds the report of a run from its results, in pane order.
func NewReport(prompt string, results []*Result) Report {
	rep := Report{Prompt: prompt, Results: make([]ReportResult, 0, len(results))}
	for _, r := range results {
		rep.Results = append(rep.Results, r.report())
	}
	return rep
}

func (r *Result) report() ReportResult {
	s := &r.Stats
	u := s.Tokens()
	out := ReportResult{
		Label:     r.Target.Label,
		Provider:  r.Target.Provider,
		Model:     r.Target.Model,
		Text:      r.Text(),
		Reasoning: r.Reasoning(),
		Status:    s.Status,
		Usage: ReportUsage{Input: u.Input, Output: u.Output, CachedInput: u.CachedInput,
			CacheWrite: u.CacheWrite, Reasoning: u.Reasoning, Exact: s.Exact()},
		Cost: r.Cost(),
	}
	if (out.Cost.Source == CostComputed || out.Cost.Source == CostEstimated) && r.Price != nil {
		out.PriceSource = ptr(r.Price.Provenance())
	}
	if s.StopReason != "" {
		stop := string(s.StopReason)
		out.StopReason = &stop
	}
	if s.Err != nil {
		out.Error = &ReportError{Message: s.Err.Message, Status: s.Err.Status, Code: s.Err.Code, Retryable: s.Err.Retryable}
	}
	if !s.Ended() {
		// A recording that stops before the pane's end (fanout killed,
		// a full disk): the contract knows done, cancelled and error
		// only, and this answer did not finish.
		out.Status, out.StopReason = StatusError, nil
		out.Error = &ReportError{Message: cutShortMessage(s.Deltas > 0), Code: backends.CodeCutShort, Retryable: true}
	}
	if ttft, ok := s.TTFT(); ok {
		out.TTFTMs = ptr(backends.Millis(ttft))
	}
	if s.Ended() {
		out.TotalMs = ptr(backends.Millis(s.Total))
	}
	if tps, ok := s.TokensPerSecond(); ok {
		out.TokensPerS = ptr(math.Round(tps*10) / 10)
	}
	if s.ProviderLatency > 0 {
		out.ProviderLatencyMs = ptr(backends.Millis(s.ProviderLatency))
	}
	if s.ServiceTier != "" {
		out.ServiceTier = ptr(s.ServiceTier)
	}
	if s.LatencyMode != "" {
		out.LatencyMode = ptr(s.LatencyMode)
	}
	return out
}

// cutShortMessage says why a pane without its end has no result.
func cutShortMessage(text bool) string {
	if text {
		return "cut short: the recording stops before this model finished (fanout was stopped, or could not write); the partial answer is kept"
	}
	return "cut short: the recording stops before this model answered (fanout was stopped, or could not write)"
}

func ptr[T any](v T) *T { return &v }

// Answered reports whether the result is a complete answer: done, not
// cancelled, not failed.
func (r *Result) Answered() bool { return r.Stats.Status == StatusDone }
