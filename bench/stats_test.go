package bench

import (
	"math"
	"testing"
)

func TestPercentileInterpolatesBetweenClosestRanks(t *testing.T) {
	// numpy.percentile([10, 20, 30, 40], p) with its default (linear).
	v := []float64{10, 20, 30, 40}
	for _, tc := range []struct{ p, want float64 }{{0, 10}, {10, 13}, {50, 25}, {90, 37}, {99, 39.7}, {100, 40}} {
		if got := Percentile(v, tc.p); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if got := Percentile([]float64{7}, 90); got != 7 {
		t.Errorf("one value: p90 = %v", got)
	}
}

func TestDistOfNothingIsUnknown(t *testing.T) {
	d := NewDist(nil)
	for _, s := range StatNames {
		if d.Stat(s) != nil {
			t.Errorf("%s of no data = %v, want null", s, *d.Stat(s))
		}
	}
	d = NewDist([]float64{4, 2, 6})
	if *d.Min != 2 || *d.Max != 6 || *d.Mean != 4 || math.Abs(*d.Stddev-math.Sqrt(8.0/3)) > 1e-12 || *d.P50 != 4 {
		t.Errorf("dist %+v", d)
	}
}

func TestScheduleInterleavesAndShufflesPerRound(t *testing.T) {
	p := Plan{Models: 3, Prompts: 2, Trials: 4, Warmup: 2, Seed: 9, UniquePrefix: true}
	s := Schedule(p)
	if len(s) != 3*(2+4*2) {
		t.Fatalf("%d trials", len(s))
	}
	orders := map[[3]int]bool{}
	nonces := map[string]bool{}
	for r := 0; r < len(s)/3; r++ {
		var order [3]int
		seen := map[int]bool{}
		for i, tr := range s[r*3 : r*3+3] {
			order[i] = tr.Model
			seen[tr.Model] = true
			if tr.Round != r || tr.ID != r*3+i+1 || tr.Warmup != (r < 2) {
				t.Errorf("trial %+v in round %d", tr, r)
			}
			if r < 2 && tr.Prompt != 0 || r >= 2 && tr.Prompt != (r-2)%2 {
				t.Errorf("round %d asks prompt %d", r, tr.Prompt)
			}
			nonces[tr.Nonce] = true
		}
		if len(seen) != 3 {
			t.Errorf("round %d does not give every model one trial: %v", r, order)
		}
		orders[order] = true
	}
	if len(orders) < 3 {
		t.Errorf("only %d orders over %d rounds: not shuffled", len(orders), len(s)/3)
	}
	if len(nonces) != len(s) {
		t.Errorf("%d nonces for %d trials", len(nonces), len(s))
	}
	if again := Schedule(p); again[7] != s[7] {
		t.Error("the same seed gives another schedule")
	}
	p.Seed = 10
	if other := Schedule(p); other[0].Nonce == s[0].Nonce {
		t.Error("another seed gives the same nonces: a cache would serve repeats across benches")
	}
}
