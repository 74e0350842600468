package bench

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits are per-trial limits for goodput (--goodput ttft=500ms,tpot=50ms,
// as vLLM's --goodput): a trial is good when it answered and each limited
// metric is known and within its limit.
type Limits struct {
	TTFT, TTFO, TPOT, E2E time.Duration // zero: no limit
}

// goodputMetrics are the metrics --goodput takes.
var goodputMetrics = []string{"ttft", "ttfo", "tpot", "e2e"}

// ParseLimits reads a --goodput list: metric=duration, comma-separated.
func ParseLimits(s string) (Limits, error) {
	var l Limits
	for _, item := range splitList(s) {
		name, val, ok := strings.Cut(item, "=")
		if !ok {
			return l, fmt.Errorf("%q: write metric=limit, e.g. ttft=500ms", item)
		}
		d, err := parseDuration(val)
		if err != nil {
			return l, fmt.Errorf("%s: %w", item, err)
		}
		switch strings.TrimSpace(name) {
		case "ttft":
			l.TTFT = d
		case "ttfo":
			l.TTFO = d
		case "tpot":
			l.TPOT = d
		case "e2e":
			l.E2E = d
		default:
			return l, fmt.Errorf("%q: unknown metric; goodput limits are %s", name, strings.Join(goodputMetrics, ", "))
		}
	}
	return l, nil
}

// Empty reports whether no limit is set.
func (l Limits) Empty() bool { return l == Limits{} }

// Met reports whether trial m answered within every limit.
func (l Limits) Met(m *Measure) bool {
	if m.Outcome() != OutcomeOK {
		return false
	}
	check := func(limit time.Duration, v time.Duration, ok bool) bool { return limit == 0 || ok && v <= limit }
	ttft, ok1 := m.TTFT()
	ttfo, ok2 := m.TTFO()
	tpot, ok3 := m.TPOT()
	e2e, ok4 := m.E2E()
	return check(l.TTFT, ttft, ok1) && check(l.TTFO, ttfo, ok2) && check(l.TPOT, tpot, ok3) && check(l.E2E, e2e, ok4)
}

// SLO is one service-level objective: a statistic of a metric held to a
// limit. The limit is a maximum, except for speed, success and goodput,
// where it is a minimum.
type SLO struct {
	Key    string // as written: "ttft_p90"
	Metric string // "ttft"
	Stat   string // "p90"; "" for a metric that is one number
	Limit  float64
	Min    bool // the limit is a minimum
}

// SLOResult is an SLO checked against one model's report. Value is null
// when the model has no data for it, which fails it.
type SLOResult struct {
	Limit float64  `json:"limit"`
	Value *float64 `json:"value"`
	Pass  bool     `json:"pass"`
}

// unit is how an SLO's limit is written and reported.
type unit int

const (
	unitMillis  unit = iota // written as a duration (800ms), reported in ms
	unitPerSec              // tokens per second, a plain number
	unitCount               // a plain number
	unitShare               // written 1% or 0.01, reported as a fraction
	unitDollars             // written $0.002 or 0.002
)

// distMetrics are the metrics with a distribution, and their unit.
var distMetrics = map[string]unit{
	"ttft": unitMillis, "ttfo": unitMillis, "e2e": unitMillis, "tpot": unitMillis, "itl": unitMillis,
	"output_tokens_per_s": unitPerSec, "output_tokens": unitCount,
}

// scalarMetrics are the metrics that are one number per model.
var scalarMetrics = map[string]unit{
	"error_rate": unitShare, "success_rate": unitShare, "goodput": unitShare,
	"cost_per_run": unitDollars, "cost_per_1k_runs": unitDollars,
}

// SLONames lists what --slo takes, for the help and for errors.
func SLONames() string {
	var d, s []string
	for k := range distMetrics {
		d = append(d, k)
	}
	for k := range scalarMetrics {
		s = append(s, k)
	}
	slices.Sort(d)
	slices.Sort(s)
	return fmt.Sprintf("METRIC_STAT with METRIC one of %s and STAT one of %s; or one of %s",
		strings.Join(d, ", "), strings.Join(StatNames, ", "), strings.Join(s, ", "))
}

// ParseSLOs reads an --slo list, e.g.
// ttft_p90=800ms,tpot_p50=40ms,error_rate=1%,cost_per_run=$0.002.
func ParseSLOs(s string) ([]SLO, error) {
	var out []SLO
	seen := map[string]bool{}
	for _, item := range splitList(s) {
		key, val, ok := strings.Cut(item, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || val == "" {
			return nil, fmt.Errorf("%q: write name=limit, e.g. ttft_p90=800ms", item)
		}
		slo := SLO{Key: key}
		var u unit
		if su, ok := scalarMetrics[key]; ok {
			slo.Metric, u = key, su
		} else {
			i := strings.LastIndexByte(key, '_')
			if i < 0 {
				return nil, fmt.Errorf("%q: unknown SLO; write %s", key, SLONames())
			}
			du, ok := distMetrics[key[:i]]
			if !ok || !slices.Contains(StatNames, key[i+1:]) {
				return nil, fmt.Errorf("%q: unknown SLO; write %s", key, SLONames())
			}
			slo.Metric, slo.Stat, u = key[:i], key[i+1:], du
		}
		if seen[key] {
			return nil, fmt.Errorf("%q is given twice", key)
		}
		seen[key] = true
		v, err := parseLimit(val, u)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", item, err)
		}
		slo.Limit = v
		slo.Min = slo.Metric == "output_tokens_per_s" || slo.Metric == "success_rate" || slo.Metric == "goodput"
		out = append(out, slo)
	}
	return out, nil
}

func parseLimit(s string, u unit) (float64, error) {
	switch u {
	case unitMillis:
		d, err := parseDuration(s)
		return float64(d) / float64(time.Millisecond), err
	case unitShare:
		if p, ok := strings.CutSuffix(s, "%"); ok {
			v, err := parseNumber(p)
			return v / 100, err
		}
		return parseNumber(s)
	case unitDollars:
		return parseNumber(strings.TrimPrefix(s, "$"))
	case unitPerSec:
		return parseNumber(strings.TrimSuffix(s, "tok/s"))
	}
	return parseNumber(s)
}

func parseNumber(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v < 0 || v != v {
		return 0, fmt.Errorf("%q is not a number of zero or more", s)
	}
	return v, nil
}

// parseDuration reads a limit in time; a bare number is refused, since
// whether it means seconds or milliseconds is anyone's guess.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	d, err := time.ParseDuration(s)
	if err != nil {
		if _, nerr := strconv.ParseFloat(s, 64); nerr == nil {
			return 0, errors.New("give the unit, e.g. 800ms or 1.5s")
		}
		return 0, fmt.Errorf("%q is not a duration (e.g. 800ms, 1.5s)", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: a limit must be above zero", s)
	}
	return d, nil
}

func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// value is the figure slo limits in mr; nil when there is none.
func (slo SLO) value(mr *ModelReport) *float64 {
	switch slo.Metric {
	case "error_rate":
		return mr.ErrorRate
	case "success_rate":
		return mr.SuccessRate
	case "goodput":
		return mr.Goodput
	case "cost_per_run":
		return mr.Cost.PerRun
	case "cost_per_1k_runs":
		return mr.Cost.PerThousand
	}
	return mr.dist(slo.Metric).Stat(slo.Stat)
}

// dist is the distribution of a metric by its SLO name.
func (mr *ModelReport) dist(metric string) Dist {
	switch metric {
	case "ttft":
		return mr.TTFT
	case "ttfo":
		return mr.TTFO
	case "e2e":
		return mr.E2E
	case "tpot":
		return mr.TPOT
	case "itl":
		return mr.ITL
	case "output_tokens_per_s":
		return mr.TokensPerSec
	case "output_tokens":
		return mr.OutputTokens
	}
	return Dist{}
}

// evaluate checks every SLO against mr. A model passes when it had a
// successful trial and met every SLO.
func evaluate(slos []SLO, mr *ModelReport) (map[string]*SLOResult, bool) {
	pass := mr.OK > 0
	out := map[string]*SLOResult{}
	for _, slo := range slos {
		r := &SLOResult{Limit: slo.Limit, Value: slo.value(mr)}
		if r.Value != nil {
			if slo.Min {
				r.Pass = *r.Value >= slo.Limit
			} else {
				r.Pass = *r.Value <= slo.Limit
			}
		}
		pass = pass && r.Pass
		out[slo.Key] = r
	}
	return out, pass
}
