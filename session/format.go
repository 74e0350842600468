package session

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// FormatDuration shows a latency the way people read them: 312ms, 1.84s,
// 1m05s.
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < 10*time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	default:
		m := int(d / time.Minute)
		return fmt.Sprintf("%dm%02ds", m, int((d-time.Duration(m)*time.Minute)/time.Second))
	}
}

// FormatUSD shows a dollar amount with enough digits to compare small
// per-request costs: $0.0000171, $0.0123, $1.24.
func FormatUSD(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case v >= 1:
		return fmt.Sprintf("$%.2f", v)
	default:
		// Three significant digits.
		digits := max(2, int(-math.Floor(math.Log10(v)))+2)
		out := strings.TrimRight(fmt.Sprintf("%.*f", digits, v), "0")
		if strings.HasSuffix(out, ".") || len(out)-strings.IndexByte(out, '.') < 3 {
			out = fmt.Sprintf("%.2f", v) // keep cents: $0.50, not $0.5
		}
		return "$" + out
	}
}

// CostAmount is a known cost in dollars, with ~ when it is an estimate (but
// not on $0: nothing times a free local price is certain, as is an unbilled
// $0); ok is false when the price is unknown, never shown as $0.
func CostAmount(c Cost) (amount string, ok bool) {
	if c.USD == nil || c.Source == CostUnknown {
		return "", false
	}
	s := FormatUSD(*c.USD)
	if c.Source == CostEstimated && *c.USD != 0 {
		s = "~" + s
	}
	return s, true
}

// FormatCost shows a cost with its source; an unknown cost is "—", never $0.
func FormatCost(c Cost) string {
	s, ok := CostAmount(c)
	if !ok {
		return "— (unknown price)"
	}
	s += " " + string(c.Source)
	if c.Simulated {
		s += ", simulated"
	}
	return s
}

// FormatTokens shows a token count, marked with ~ when estimated.
func FormatTokens(n int, exact bool) string {
	if exact {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("~%d", n)
}

// FormatCostShort is a cost for a table cell: ~ marks an estimate, made-up
// demo prices say so, and an unknown price is "unknown", never $0.
func FormatCostShort(c Cost) string {
	s, ok := CostAmount(c)
	if !ok {
		return "unknown"
	}
	if c.Simulated {
		s += " simulated"
	}
	return s
}

// FormatRate is a tokens-per-second figure with decimals digits after the
// point, marked ~ when the tokens it counts are estimates.
func FormatRate(v float64, exact bool, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if !exact {
		s = "~" + s
	}
	return s
}

// Figures are a result's stats as table cells: "—" for what is not known
// yet, ~ on estimated token counts and on rates computed from them.
type Figures struct {
	TTFT, TokensPerS, Total, Input, Output string
}

// Figures formats the result's stats for a table.
func (r *Result) Figures() Figures {
	s := &r.Stats
	u := s.Tokens()
	exact := s.Exact()
	f := Figures{TTFT: "—", TokensPerS: "—", Total: "—", Input: FormatTokens(u.Input, exact), Output: FormatTokens(u.Output, exact)}
	if d, ok := s.TTFT(); ok {
		f.TTFT = FormatDuration(d)
	}
	if v, ok := s.TokensPerSecond(); ok {
		f.TokensPerS = FormatRate(v, exact, 1)
	}
	if s.Ended() {
		f.Total = FormatDuration(s.Total)
	}
	return f
}

// FormatCache is what the prompt cache did for a request, "" when nothing:
// "900 cached", "300 written", "900 cached, 300 written". Both are counted
// in the input already (see backends.Usage); this says how much of it was
// priced at the cache's rates.
func FormatCache(u backends.Usage) string {
	var parts []string
	if u.CachedInput > 0 {
		parts = append(parts, fmt.Sprintf("%d cached", u.CachedInput))
	}
	if u.CacheWrite > 0 {
		parts = append(parts, fmt.Sprintf("%d written", u.CacheWrite))
	}
	return strings.Join(parts, ", ")
}

// FormatServing says how a request was served, for a pane header or a
// result's heading: the service tier and latency mode the provider reported
// ("flex", "latency optimized"), what was asked when it served something
// else ("default (asked flex)"), and "asked flex" while no answer has said,
// or when none did (many servers never say). Standard latency, the norm, is
// not mentioned unless optimized was asked or served. "" when nothing was
// asked or reported.
func FormatServing(t backends.Target, s *Stats) string {
	var parts []string
	if w := servingWord(t.ServiceTier, s.ServiceTier); w != "" {
		parts = append(parts, w)
	}
	if asked, got := t.Latency, s.LatencyMode; asked == "optimized" || got == "optimized" {
		parts = append(parts, "latency "+servingWord(asked, got))
	}
	return strings.Join(parts, " · ")
}

// servingWord is one setting as FormatServing says it.
func servingWord(asked, got string) string {
	switch {
	case got != "" && asked != "" && got != asked:
		return got + " (asked " + asked + ")"
	case got != "":
		return got
	case asked != "":
		return "asked " + asked
	}
	return ""
}
