package bench

import (
	"cmp"
	"slices"
)

// Rank orders the models by one metric, best first, with the spread that
// says whether the order means anything.
type Rank struct {
	Metric string // as in the JSON report: "ttft_ms"
	Title  string // for people: "TTFT"
	Unit   string // "ms", "tok/s", "$"
	Higher bool   // a higher value is better
	Rows   []RankRow
}

// RankRow is one model's place in a ranking.
type RankRow struct {
	Model         int // index into Report.Models
	Label         string
	P10, P50, P90 *float64
	// Overlaps is set when this model's p10–p90 range overlaps that of the
	// model ranked just above it: the two are not clearly different.
	Overlaps bool
}

// Rankings ranks the models by TTFT (and TTFO when a model reasons before
// answering), TPOT, output speed and E2E, on their medians; models without
// data for a metric come last.
func Rankings(rep Report) []Rank {
	specs := []struct {
		metric, title, unit string
		higher              bool
		dist                func(ModelReport) Dist
	}{
		{"ttft_ms", "TTFT", "ms", false, func(m ModelReport) Dist { return m.TTFT }},
		{"tpot_ms", "TPOT", "ms", false, func(m ModelReport) Dist { return m.TPOT }},
		{"output_tokens_per_s", "Output tok/s", "tok/s", true, func(m ModelReport) Dist { return m.TokensPerSec }},
		{"e2e_ms", "E2E", "ms", false, func(m ModelReport) Dist { return m.E2E }},
	}
	if reasons(rep) {
		// A reasoning model's first answer token comes well after its
		// first token: rank that wait too.
		specs = slices.Insert(specs, 1, specs[0])
		specs[1].metric, specs[1].title = "ttfo_ms", "TTFO"
		specs[1].dist = func(m ModelReport) Dist { return m.TTFO }
	}
	var out []Rank
	for _, s := range specs {
		r := Rank{Metric: s.metric, Title: s.title, Unit: s.unit, Higher: s.higher}
		for i, m := range rep.Models {
			d := s.dist(m)
			r.Rows = append(r.Rows, RankRow{Model: i, Label: m.Label, P10: d.P10, P50: d.P50, P90: d.P90})
		}
		slices.SortStableFunc(r.Rows, func(a, b RankRow) int {
			switch {
			case a.P50 == nil && b.P50 == nil:
				return 0
			case a.P50 == nil:
				return 1
			case b.P50 == nil:
				return -1
			case s.higher:
				return cmp.Compare(*b.P50, *a.P50)
			}
			return cmp.Compare(*a.P50, *b.P50)
		})
		for i := 1; i < len(r.Rows); i++ {
			a, b := r.Rows[i-1], r.Rows[i]
			if a.P10 != nil && b.P10 != nil {
				r.Rows[i].Overlaps = *a.P10 <= *b.P90 && *b.P10 <= *a.P90
			}
		}
		out = append(out, r)
	}
	return out
}

// reasons reports whether some model's first answer token came later than
// its first token: it streamed reasoning first.
func reasons(rep Report) bool {
	for _, m := range rep.Models {
		if m.TTFO.P50 != nil && m.TTFT.P50 != nil && *m.TTFO.P50 > *m.TTFT.P50 {
			return true
		}
	}
	return false
}
