package bench

import "testing"

func dist(p10, p50, p90 float64) Dist { return Dist{N: 3, P10: &p10, P50: &p50, P90: &p90} }

func TestRankingsMarkOverlapsAndRankFasterFirst(t *testing.T) {
	rep := Report{Models: []ModelReport{
		{Label: "C", TTFT: dist(50, 60, 70), TTFO: dist(50, 60, 70), TokensPerSec: dist(10, 20, 30)},
		{Label: "A", TTFT: dist(10, 20, 30), TTFO: dist(10, 20, 30), TokensPerSec: dist(100, 110, 120)},
		{Label: "B", TTFT: dist(25, 35, 40), TTFO: dist(25, 35, 40), TokensPerSec: dist(90, 100, 115)},
		{Label: "none"},
	}}
	rs := Rankings(rep)
	if rs[0].Metric != "ttft_ms" || rs[1].Metric != "tpot_ms" {
		t.Fatalf("metrics %s, %s: TTFO is ranked only when a model reasons", rs[0].Metric, rs[1].Metric)
	}
	got := ""
	for _, r := range rs[0].Rows {
		got += r.Label
		if r.Overlaps {
			got += "≈"
		}
		got += " "
	}
	if got != "A B≈ C none " {
		t.Errorf("TTFT ranking %q, want A, B overlapping A, C apart, no data last", got)
	}
	speed := rs[2]
	if speed.Metric != "output_tokens_per_s" || speed.Rows[0].Label != "A" || !speed.Rows[1].Overlaps || speed.Rows[2].Overlaps {
		t.Errorf("speed ranking %+v: higher is better", speed.Rows)
	}
	rep.Models[2].TTFO = dist(300, 400, 500) // B reasons first
	if rs := Rankings(rep); rs[1].Metric != "ttfo_ms" || rs[1].Rows[2].Label != "B" {
		t.Errorf("with a reasoning model: %s ranked second, %v", rs[1].Metric, rs[1].Rows)
	}
}
