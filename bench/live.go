package bench

import (
	"math"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// Live is a running bench's state for a view: the report so far and what
// the report does not hold (trials in flight, the raw TTFTs a plot draws).
type Live struct {
	Report Report
	Models []LiveModel
	// Planned is every model's number of counted trials.
	Planned int
	// WarmupsLeft counts warm-up trials not yet ended, over all models.
	WarmupsLeft int
}

// LiveModel is one model's progress.
type LiveModel struct {
	Ended    int // counted trials ended, whatever their outcome
	InFlight int // trials started and not ended, warm-ups included
	// Cost is what the model's ended trials cost so far, warm-ups
	// included: money spent, not a statistic. Zero before any ended.
	Cost session.Cost
	// TTFTs are the successful counted trials' TTFTs in ms, in order.
	TTFTs []float64
}

// Live computes the bench's state now from the trials collected so far.
func (c *Collector) Live(in Input) Live {
	var out Live
	c.Snapshot(func(ms []*Measure) {
		in.Measures = nil
		for _, m := range ms {
			if m != nil {
				in.Measures = append(in.Measures, m)
			}
		}
		out = live(in)
	})
	return out
}

func live(in Input) Live {
	out := Live{Report: Build(in), Models: make([]LiveModel, len(in.Targets)), Planned: in.Bench.Trials * len(in.Bench.Prompts)}
	out.WarmupsLeft = len(in.Targets) * in.Bench.Warmup
	for _, m := range in.Measures {
		lm := &out.Models[m.Trial.Model]
		ended := m.Outcome() != OutcomeRunning
		if !ended {
			lm.InFlight++
		}
		if m.Trial.Warmup {
			if ended {
				out.WarmupsLeft--
			}
		} else if ended {
			lm.Ended++
		}
		if ended {
			lm.Cost = session.AddCost(lm.Cost, m.Cost())
		}
		if !m.Trial.Warmup && m.Outcome() == OutcomeOK {
			if v, ok := m.TTFT(); ok {
				lm.TTFTs = append(lm.TTFTs, ms64(v))
			}
		}
	}
	return out
}

// Histogram counts values in bins equal parts of scale; a value at its
// top falls in the last bin.
func Histogram(values []float64, bins int, scale Scale) []int {
	out := make([]int, bins)
	if bins == 0 {
		return out
	}
	for _, v := range values {
		i := int(math.Floor(scale.At(v) * float64(bins)))
		out[min(max(i, 0), bins-1)]++
	}
	return out
}

// Scale maps values in [Lo, Hi] onto [0, 1]: logarithmic when Hi is more
// than four times Lo, so that a 150 ms model and a 3 s one both show
// their spread on one axis; linear otherwise.
type Scale struct {
	Lo, Hi float64
	Log    bool
}

// NewScale is the scale for values from lo to hi.
func NewScale(lo, hi float64) Scale {
	return Scale{Lo: lo, Hi: hi, Log: lo > 0 && hi > 4*lo}
}

// At is v's place on the scale, from 0 at Lo to 1 at Hi (clamped).
func (s Scale) At(v float64) float64 {
	if s.Hi <= s.Lo {
		return 0.5
	}
	var f float64
	if s.Log {
		f = math.Log(max(v, s.Lo)/s.Lo) / math.Log(s.Hi/s.Lo)
	} else {
		f = (v - s.Lo) / (s.Hi - s.Lo)
	}
	return min(max(f, 0), 1)
}

// Elapsed formats a bench's running time.
func Elapsed(d time.Duration) string { return d.Round(100 * time.Millisecond).String() }
