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
// Only the trials that ended go into the report: their measures no longer
// change, so the report is built outside the lock, and a view asking for
// it never holds up a trial's events (whose times are taken as they are
// read).
func (c *Collector) Live(in Input) Live {
	inFlight := make([]int, len(in.Targets))
	in.Measures = nil
	c.Snapshot(func(ms []*Measure) {
		for _, m := range ms {
			switch {
			case m == nil:
			case m.Outcome() == OutcomeRunning:
				inFlight[m.Trial.Model]++
			default:
				in.Measures = append(in.Measures, m)
			}
		}
	})
	out := live(in)
	for i, n := range inFlight {
		out.Models[i].InFlight = n
	}
	return out
}

// live is the state of a bench whose ended trials are in.Measures.
func live(in Input) Live {
	out := Live{Report: Build(in), Models: make([]LiveModel, len(in.Targets)), Planned: in.Bench.Trials * len(in.Bench.Prompts)}
	out.WarmupsLeft = len(in.Targets) * in.Bench.Warmup
	for _, m := range in.Measures {
		lm := &out.Models[m.Trial.Model]
		lm.Cost = session.AddCost(lm.Cost, m.Cost())
		if m.Trial.Warmup {
			out.WarmupsLeft--
			continue
		}
		lm.Ended++
		if m.Outcome() == OutcomeOK {
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
