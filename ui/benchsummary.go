package ui

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
)

// BenchSummary is the end of a bench for a terminal: per metric, the
// models ranked on their medians, each with its p10–p90 range drawn on a
// scale the models share, so that two models whose ranges overlap (≈) are
// seen not to be really different; then the SLO verdicts.
func BenchSummary(rep bench.Report, th themes.Theme, width int) string {
	st := newBenchStyles(th)
	var b strings.Builder
	label := 6
	for _, m := range rep.Models {
		label = max(label, ansi.StringWidth(termsafe.Text(m.Label)))
	}
	label = min(label, 24)
	const figures = 24 // "140ms (134ms–162ms)" and the rank
	// " ≈ 1. " + label + "  " + figures + "  " + plot
	plot := min(max(0, width-label-figures-11), 40)
	// What the live rows do not say: success, goodput and cost per answer.
	for _, m := range rep.Models {
		parts := []string{fmt.Sprintf("%d/%d ok", m.OK, m.Runs)}
		if m.Goodput != nil {
			parts = append(parts, "goodput "+bench.FormatShare(m.Goodput))
		}
		c := m.Cost
		cost := bench.FormatUSD(c.PerRun, c.Source) + " per run, " + bench.FormatUSD(c.PerThousand, c.Source) + " per 1,000 answers"
		if c.Source == session.CostUnknown {
			cost = "cost unknown (no price)"
		} else if c.Simulated {
			cost += " (simulated)"
		}
		parts = append(parts, cost)
		if m.TokensEstimated {
			parts = append(parts, "tokens estimated")
		}
		b.WriteString(benchCut(" "+st.text.Render(benchPad(ansi.Truncate(termsafe.Text(m.Label), label, "…"), label))+"  "+
			st.muted.Render(strings.Join(parts, " · ")), width) + "\n")
	}
	b.WriteString("\n")
	for _, r := range bench.Rankings(rep) {
		b.WriteString(st.title.Render(r.Title) + st.subtle.Render(", best first: p50 (p10–p90)") + "\n")
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, row := range r.Rows {
			if row.P10 != nil {
				lo, hi = min(lo, *row.P10), max(hi, *row.P90)
			}
		}
		for i, row := range r.Rows {
			mark := "  "
			if row.Overlaps {
				mark = st.muted.Render("≈ ")
			}
			name := benchPad(ansi.Truncate(termsafe.Text(row.Label), label, "…"), label)
			if i == 0 && row.P50 != nil {
				name = st.best.Render(name)
			} else {
				name = st.text.Render(name)
			}
			fig := benchPad(rankFigures(r, row), figures)
			line := fmt.Sprintf(" %s%d. %s  %s", mark, i+1, name, fig)
			if plot >= 10 && row.P10 != nil {
				line += "  " + st.done.Render(rangePlot(*row.P10, *row.P50, *row.P90, lo, hi, plot))
			}
			b.WriteString(benchCut(line, width) + "\n")
		}
		b.WriteString("\n")
	}
	if rep.Stopped {
		ran := 0
		for _, m := range rep.Models {
			ran = max(ran, m.Runs)
		}
		b.WriteString(st.muted.Render(fmt.Sprintf("stopped early: at most %d of %d trials per model counted", ran, rep.TrialsPerModel)) + "\n")
	}
	for _, m := range rep.Models {
		if len(m.SLO) == 0 && m.OK > 0 {
			continue
		}
		verdict := st.done.Render("✓ meets its SLOs")
		if !m.SLOPass {
			verdict = st.err.Render("✗ fails")
		}
		line := termsafe.Text(m.Label) + " " + verdict
		var failed []string
		if m.OK == 0 {
			failed = append(failed, "no successful trial")
		}
		for k, r := range m.SLO {
			if !r.Pass {
				v := "no data"
				if r.Value != nil {
					v = fmt.Sprintf("%.4g", *r.Value)
				}
				failed = append(failed, fmt.Sprintf("%s = %s (limit %g)", k, v, r.Limit))
			}
		}
		if len(failed) > 0 {
			line += st.muted.Render(": " + strings.Join(sorted(failed), ", "))
		}
		b.WriteString(benchCut(line, width) + "\n")
	}
	return strings.TrimRight(b.String(), "\n") + "\n"
}

func rankFigures(r bench.Rank, row bench.RankRow) string {
	if row.P50 == nil {
		return "no data"
	}
	f := bench.FormatMillis
	if r.Unit == "tok/s" {
		f = bench.FormatRate
	}
	return fmt.Sprintf("%s (%s–%s)", f(row.P50), f(row.P10), f(row.P90))
}

// rangePlot draws p10–p90 as a line with the median as a dot, on [lo, hi]
// in width cells ("   ├──●───┤      "), on a log scale when the range is
// wide (bench.NewScale).
func rangePlot(p10, p50, p90, lo, hi float64, width int) string {
	scale := bench.NewScale(lo, hi)
	at := func(v float64) int { return int(math.Round(scale.At(v) * float64(width-1))) }
	cells := []rune(strings.Repeat(" ", width))
	a, m, z := at(p10), at(p50), at(p90)
	for i := a; i <= z; i++ {
		cells[i] = '─'
	}
	cells[a], cells[z] = '├', '┤'
	cells[m] = '●'
	return string(cells)
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
