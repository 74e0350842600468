package bench

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
)

// FormatMillis shows a latency in milliseconds the way fanout shows
// latencies (312ms, 1.84s); "—" when unknown.
func FormatMillis(v *float64) string {
	if v == nil {
		return "—"
	}
	if *v < 10 {
		// Token gaps are a few milliseconds: a whole number would hide
		// a 20% difference.
		return fmt.Sprintf("%.1fms", *v)
	}
	return session.FormatDuration(durationOf(*v))
}

// FormatRate shows tokens per second; "—" when unknown.
func FormatRate(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f", *v)
}

// FormatShare shows a fraction as a percentage; "—" when unknown.
func FormatShare(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmt.Sprintf("%.0f%%", math.Round(*v*100))
}

// FormatUSD shows an amount; "—" when unknown, never $0 for an unknown.
func FormatUSD(v *float64, src session.CostSource) string {
	if v == nil {
		return "—"
	}
	s := session.FormatUSD(*v)
	if src == session.CostEstimated && *v != 0 {
		s = "~" + s
	}
	return s
}

// Spread is "p50 (p10–p90)" of a latency distribution.
func Spread(d Dist) string {
	if d.P50 == nil {
		return "—"
	}
	return fmt.Sprintf("%s (%s–%s)", FormatMillis(d.P50), FormatMillis(d.P10), FormatMillis(d.P90))
}

// ErrorSummary lists a model's errors by class: "2 rate_limited, 1 server",
// or "none".
func ErrorSummary(m ModelReport) string {
	var parts []string
	for _, c := range ErrorClasses {
		if n := m.Errors[c]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, c))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// WriteText writes the report for people: a table of every model, the
// SLOs checked, and the rankings with their spread.
func WriteText(w io.Writer, rep Report) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tOK\tERRORS\tTTFT p50 (p10–p90)\tTPOT p50\tTOK/S p50\tE2E p50\tCOST/RUN\tPER 1K OK\tGOODPUT")
	for _, m := range rep.Models {
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termsafe.Text(m.Label), m.OK, m.Runs, ErrorSummary(m),
			Spread(m.TTFT), FormatMillis(m.TPOT.P50), FormatRate(m.TokensPerSec.P50), FormatMillis(m.E2E.P50),
			costCell(m.Cost.PerRun, m.Cost), costCell(m.Cost.PerThousand, m.Cost), FormatShare(m.Goodput))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	var notes []string
	for _, m := range rep.Models {
		if m.TokensEstimated {
			notes = append(notes, termsafe.Text(m.Label)+": token counts are estimates (~): the provider sent no usage")
		}
		if m.Cancelled > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d trials stopped before their end, not counted", termsafe.Text(m.Label), m.Cancelled))
		}
	}
	if rep.Stopped {
		notes = append(notes, "the bench was stopped before every trial ran")
	}
	for _, n := range notes {
		fmt.Fprintln(w, "note: "+n)
	}
	if err := writeSLOs(w, rep); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, r := range Rankings(rep) {
		fmt.Fprintf(w, "%s, best first: p50 (p10–p90); ≈ overlaps the one above\n", r.Title)
		rw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		for i, row := range r.Rows {
			mark := " "
			if row.Overlaps {
				mark = "≈"
			}
			fmt.Fprintf(rw, "  %s %d. %s\t%s\n", mark, i+1, termsafe.Text(row.Label), rankCell(r, row))
		}
		if err := rw.Flush(); err != nil {
			return fmt.Errorf("write report: %w", err)
		}
	}
	return nil
}

func costCell(v *float64, c CostReport) string {
	s := FormatUSD(v, c.Source)
	if v != nil && c.Simulated {
		s += " sim"
	}
	return s
}

func rankCell(r Rank, row RankRow) string {
	if row.P50 == nil {
		return "no data"
	}
	if r.Unit == "tok/s" {
		return fmt.Sprintf("%s (%s–%s) tok/s", FormatRate(row.P50), FormatRate(row.P10), FormatRate(row.P90))
	}
	return fmt.Sprintf("%s (%s–%s)", FormatMillis(row.P50), FormatMillis(row.P10), FormatMillis(row.P90))
}

// writeSLOs lists each model's SLOs, failures marked.
func writeSLOs(w io.Writer, rep Report) error {
	shown := false
	for _, m := range rep.Models {
		if len(m.SLO) == 0 && m.OK > 0 {
			continue
		}
		if !shown {
			fmt.Fprintln(w)
			shown = true
		}
		verdict := "pass"
		if !m.SLOPass {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "SLO %s: %s\n", verdict, termsafe.Text(m.Label))
		if m.OK == 0 {
			fmt.Fprintln(w, "  ✗ no successful trial")
		}
		keys := make([]string, 0, len(m.SLO))
		for k := range m.SLO {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			r := m.SLO[k]
			mark := "✓"
			if !r.Pass {
				mark = "✗"
			}
			val := "no data"
			if r.Value != nil {
				val = fmt.Sprintf("%g", round4(*r.Value))
			}
			fmt.Fprintf(w, "  %s %s = %s (limit %g)\n", mark, k, val, r.Limit)
		}
	}
	return nil
}

func round4(v float64) float64 {
	if v == 0 {
		return 0
	}
	scale := math.Pow(10, 4-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*scale) / scale
}
