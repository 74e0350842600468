package session

import (
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// Status is where a pane is in its life.
type Status string

const (
	StatusWaiting   Status = "waiting"   // request sent, nothing streamed yet
	StatusStreaming Status = "streaming" // text is arriving
	StatusDone      Status = "done"
	StatusCancelled Status = "cancelled"
	StatusError     Status = "error"
)

// Stats is the fold of one pane's events. Apply is the only way it changes,
// so the live UI, `fanout run` and a replay all compute the same numbers from
// the same events. Apply does constant work per event.
type Stats struct {
	Status Status
	// Deltas counts non-empty deltas; FirstDelta and LastDelta are their
	// offsets (TTFT is FirstDelta).
	Deltas     int
	FirstDelta time.Duration
	LastDelta  time.Duration
	// Total is the offset of the Done or Error; zero while running.
	Total time.Duration
	// Usage is the provider's exact usage once it arrives. Before that,
	// Estimate holds the input estimate and the output estimate below.
	Usage      *backends.Usage
	InputEst   int
	outputEst  backends.TokenEstimator
	StopReason backends.StopReason
	// ProviderLatency is the provider's own figure, when it gives one.
	ProviderLatency time.Duration
	// ServiceTier and LatencyMode are what the provider says served the
	// request (see backends.Done); empty when it said nothing.
	ServiceTier string
	LatencyMode string
	Err         *backends.Error
}

// Apply folds one event into the stats.
func (s *Stats) Apply(ev Event) {
	if s.Status == "" {
		s.Status = StatusWaiting
	}
	switch ev.Type {
	case backends.EventDelta:
		if ev.Delta == nil || ev.Delta.Text == "" {
			return
		}
		if s.Deltas == 0 {
			s.FirstDelta = ev.T
		}
		s.Deltas++
		s.LastDelta = ev.T
		s.outputEst.Add(ev.Delta.Text)
		if s.Status == StatusWaiting {
			s.Status = StatusStreaming
		}
	case backends.EventUsage:
		if ev.Usage == nil {
			return
		}
		if ev.Usage.Exact {
			u := *ev.Usage
			s.Usage = &u
		} else if ev.Usage.Input > 0 {
			s.InputEst = ev.Usage.Input
		}
	case backends.EventDone:
		s.Total = ev.T
		s.Status = StatusDone
		if ev.Done != nil {
			s.StopReason = ev.Done.StopReason
			s.ProviderLatency = ev.Done.ProviderLatency
			s.ServiceTier, s.LatencyMode = ev.Done.ServiceTier, ev.Done.LatencyMode
		}
		if s.StopReason == backends.StopCancelled {
			s.Status = StatusCancelled
		}
	case backends.EventError:
		s.Total = ev.T
		s.Status = StatusError
		s.Err = ev.Error
	}
}

// Ended reports whether the pane has finished, one way or another.
func (s *Stats) Ended() bool {
	return s.Status == StatusDone || s.Status == StatusCancelled || s.Status == StatusError
}

// TTFT is the offset of the first non-empty delta; ok is false until one has
// arrived.
func (s *Stats) TTFT() (time.Duration, bool) { return s.FirstDelta, s.Deltas > 0 }

// Tokens returns the input and output token counts: the provider's exact
// usage when it has arrived, the estimate otherwise.
func (s *Stats) Tokens() backends.Usage {
	if s.Exact() {
		return *s.Usage
	}
	return backends.Usage{Input: s.InputEst, Output: s.outputEst.Tokens()}
}

// UsageMissing reports a pane that finished its answer without the provider
// ever reporting usage: its token counts stay estimates. (A cancelled or
// failed pane was cut short; its missing usage says nothing of the server.)
func (s *Stats) UsageMissing() bool { return s.Status == StatusDone && !s.Exact() && s.Deltas > 0 }

// The rule for showing a speed: tokens per second is output tokens over the
// time between the first and the last delta, and it is shown only once at
// least MinRateDeltas deltas have arrived spanning at least MinRateSpan.
// Pieces that arrive together (a proxy that buffers, a burst after a
// pause) would otherwise give absurd figures: six tokens 0.2 ms apart read
// as 28,436 tok/s. The rule lives in the fold, so a run, its replay and its
// report show the same figure or none.
const (
	MinRateDeltas = 2
	MinRateSpan   = 50 * time.Millisecond
)

// TokensPerSecond is output tokens over the time between the first and the
// last delta; ok is false until the rule above is met.
func (s *Stats) TokensPerSecond() (float64, bool) {
	span := s.LastDelta - s.FirstDelta
	if s.Deltas < MinRateDeltas || span < MinRateSpan {
		return 0, false
	}
	return float64(s.Tokens().Output) / span.Seconds(), true
}

// Exact reports whether the token counts are the provider's own, rather than
// fanout's estimate: what decides the ~ on every count and rate.
func (s *Stats) Exact() bool { return s.Usage != nil }

// CostSource says how trustworthy a cost is.
type CostSource string

const (
	CostBilled    CostSource = "billed"    // the provider reported it
	CostComputed  CostSource = "computed"  // exact tokens × catalog price
	CostEstimated CostSource = "estimated" // estimated tokens × price
	CostUnknown   CostSource = "unknown"   // no price: never shown as $0
	// CostUnbilled is a certain $0: the provider refused the request or it
	// was never sent (Error.Unbilled). It is not the cheapest answer, it is
	// no answer, and it is never ranked.
	CostUnbilled CostSource = "unbilled"
)

// Cost is a price with where it came from. USD is nil when unknown.
type Cost struct {
	USD    *float64   `json:"usd"`
	Source CostSource `json:"source"`
	// Simulated marks the made-up prices of the demo models.
	Simulated bool `json:"simulated,omitempty"`
}

// Cost prices the pane's tokens at the service tier the provider reports
// it served and, past a long-context threshold, at the long-context price.
// price is nil when the model's price is unknown. A price from the config
// wins over the provider's billed figure (the user said what they pay);
// any catalog price loses to it.
func (s *Stats) Cost(price *backends.Price) Cost {
	configured := price != nil && price.Source == backends.PriceSourceConfig
	if s.Exact() && s.Usage.CostUSD != nil && !configured {
		v := *s.Usage.CostUSD
		return Cost{USD: &v, Source: CostBilled}
	}
	simulated := price != nil && price.Source == backends.PriceSourceSimulated
	if s.Status == StatusError && s.Deltas == 0 && !s.Exact() && s.Err != nil && s.Err.Unbilled() {
		// Refused or never sent (a bad key, a rate limit, no server):
		// nothing to bill, whatever the price, known or not. A stall or a
		// drop before the first token may still be billed: its cost stays
		// the estimate.
		zero := 0.0
		return Cost{USD: &zero, Source: CostUnbilled, Simulated: simulated}
	}
	if price == nil {
		return Cost{Source: CostUnknown}
	}
	v, ok := price.Cost(s.Tokens().Tokens(), s.ServiceTier)
	if !ok {
		// Served at a tier the catalog has no price for: the standard
		// price would be a guess.
		return Cost{Source: CostUnknown}
	}
	src := CostEstimated
	if s.Exact() {
		src = CostComputed
	}
	return Cost{USD: &v, Source: src, Simulated: simulated}
}

// Ranked reports whether the cost may be compared with others' to name the
// cheapest: a known amount for an answer. An unknown price has no amount,
// and an unbilled $0 is the price of no answer, not a bargain.
func (c Cost) Ranked() bool {
	return c.USD != nil && c.Source != CostUnknown && c.Source != CostUnbilled && c.Source != ""
}

// Result is one pane's answer and stats, built by applying its events.
type Result struct {
	Target    backends.Target
	Price     *backends.Price
	text      strings.Builder
	reasoning strings.Builder
	Stats     Stats
}

// Apply folds one event into the result.
func (r *Result) Apply(ev Event) {
	if ev.Type == backends.EventDelta && ev.Delta != nil {
		if ev.Delta.Kind == backends.KindReasoning {
			r.reasoning.WriteString(ev.Delta.Text)
		} else {
			r.text.WriteString(ev.Delta.Text)
		}
	}
	r.Stats.Apply(ev)
}

// Text is the answer so far.
func (r *Result) Text() string { return r.text.String() }

// Reasoning is the reasoning text so far.
func (r *Result) Reasoning() string { return r.reasoning.String() }

// Cost prices the result with its own price.
func (r *Result) Cost() Cost { return r.Stats.Cost(r.Price) }

// Fold builds stats from a finished list of events of one pane.
func Fold(events []Event) Stats {
	var s Stats
	for _, ev := range events {
		s.Apply(ev)
	}
	return s
}

// AddCost sums two costs. The sum is as uncertain as its least certain part:
// unknown if either is unknown (never a partial sum shown as the whole),
// estimated if either is estimated. The zero Cost adds nothing; an unbilled
// one adds a certain $0, and the sum takes the other's source.
func AddCost(a, b Cost) Cost {
	switch {
	case a.Source == "":
		return b
	case b.Source == "":
		return a
	case a.Source == CostUnknown || b.Source == CostUnknown || a.USD == nil || b.USD == nil:
		return Cost{Source: CostUnknown}
	}
	sum := *a.USD + *b.USD
	var src CostSource
	switch {
	case a.Source == CostUnbilled:
		src = b.Source
	case b.Source == CostUnbilled:
		src = a.Source
	case a.Source == CostEstimated || b.Source == CostEstimated:
		src = CostEstimated
	case a.Source == CostBilled && b.Source == CostBilled:
		src = CostBilled
	default:
		src = CostComputed
	}
	return Cost{USD: &sum, Source: src, Simulated: a.Simulated || b.Simulated}
}
