package bench

import (
	"math"
	"slices"
)

// Dist summarises one metric over a model's successful trials. Every
// field is nil when there is no value at all: a statistic with no data is
// unknown, never zero.
type Dist struct {
	N      int      `json:"n"`
	P10    *float64 `json:"p10"`
	P50    *float64 `json:"p50"`
	P90    *float64 `json:"p90"`
	P99    *float64 `json:"p99"`
	Mean   *float64 `json:"mean"`
	Stddev *float64 `json:"stddev"`
	Min    *float64 `json:"min"`
	Max    *float64 `json:"max"`
}

// NewDist summarises values (which it sorts).
func NewDist(values []float64) Dist {
	d := Dist{N: len(values)}
	if len(values) == 0 {
		return d
	}
	slices.Sort(values)
	sum := 0.0
	for _, v := range values {
		sum += v
	}
	mean := sum / float64(len(values))
	sq := 0.0
	for _, v := range values {
		sq += (v - mean) * (v - mean)
	}
	// The population standard deviation, as numpy's std (and so vLLM)
	// gives it.
	sd := math.Sqrt(sq / float64(len(values)))
	d.P10, d.P50 = ptr(Percentile(values, 10)), ptr(Percentile(values, 50))
	d.P90, d.P99 = ptr(Percentile(values, 90)), ptr(Percentile(values, 99))
	d.Mean, d.Stddev = &mean, &sd
	d.Min, d.Max = ptr(values[0]), ptr(values[len(values)-1])
	return d
}

// Percentile is the p-th percentile of sorted by linear interpolation
// between the closest ranks (numpy's default): rank p/100 × (n − 1).
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := min(lo+1, len(sorted)-1)
	frac := rank - float64(lo)
	return sorted[lo] + (sorted[hi]-sorted[lo])*frac
}

// Stat is one statistic of a Dist, by its name in SLOs and reports.
func (d Dist) Stat(name string) *float64 {
	switch name {
	case "p10":
		return d.P10
	case "p50":
		return d.P50
	case "p90":
		return d.P90
	case "p99":
		return d.P99
	case "mean":
		return d.Mean
	case "stddev":
		return d.Stddev
	case "min":
		return d.Min
	case "max":
		return d.Max
	}
	return nil
}

// StatNames are the statistics a Dist has.
var StatNames = []string{"p10", "p50", "p90", "p99", "mean", "stddev", "min", "max"}

func ptr[T any](v T) *T { return &v }
