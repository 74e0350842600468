package session

import (
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func TestFormatUSD(t *testing.T) {
	for v, want := range map[float64]string{
		0: "$0", 0.0000171: "$0.0000171", 0.0000045: "$0.0000045", 0.00882: "$0.00882",
		0.5: "$0.50", 0.123: "$0.123", 1.2345: "$1.23", 12: "$12.00",
	} {
		if got := FormatUSD(v); got != want {
			t.Errorf("FormatUSD(%v) = %s, want %s", v, got, want)
		}
	}
}

func TestFormatCostUnknownIsNeverZero(t *testing.T) {
	if got := FormatCost(Cost{Source: CostUnknown}); got != "— (unknown price)" {
		t.Errorf("unknown cost = %q", got)
	}
	v := 0.0012
	if got := FormatCost(Cost{USD: &v, Source: CostEstimated}); got != "~$0.0012 estimated" {
		t.Errorf("estimated cost = %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		312 * time.Millisecond: "312ms", 1840 * time.Millisecond: "1.84s", 17400 * time.Millisecond: "17.4s", 65 * time.Second: "1m05s",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %s, want %s", d, got, want)
		}
	}
}

func TestFormatServing(t *testing.T) {
	for _, tc := range []struct {
		askedTier, askedLatency, gotTier, gotLatency string
		want                                         string
	}{
		{want: ""},
		{askedTier: "flex", want: "asked flex"},
		{askedTier: "flex", gotTier: "flex", want: "flex"},
		{askedTier: "flex", gotTier: "default", want: "default (asked flex)"},
		{gotTier: "default", want: "default"},
		{askedLatency: "optimized", gotLatency: "optimized", gotTier: "default", want: "default · latency optimized"},
		{askedLatency: "optimized", gotLatency: "standard", want: "latency standard (asked optimized)"},
		{askedLatency: "optimized", want: "latency asked optimized"},
		{gotLatency: "standard", want: ""},
		{askedTier: "priority", askedLatency: "standard", gotTier: "priority", gotLatency: "standard", want: "priority"},
	} {
		s := &Stats{ServiceTier: tc.gotTier, LatencyMode: tc.gotLatency}
		got := FormatServing(backends.Target{ServiceTier: tc.askedTier, Latency: tc.askedLatency}, s)
		if got != tc.want {
			t.Errorf("asked %q/%q, served %q/%q: %q, want %q", tc.askedTier, tc.askedLatency, tc.gotTier, tc.gotLatency, got, tc.want)
		}
	}
}

func TestFormatCache(t *testing.T) {
	for u, want := range map[backends.Usage]string{
		{Input: 10}: "", {Input: 1000, CachedInput: 900}: "900 cached", {Input: 400, CacheWrite: 300}: "300 written",
		{Input: 1300, CachedInput: 900, CacheWrite: 300}: "900 cached, 300 written",
	} {
		if got := FormatCache(u); got != want {
			t.Errorf("FormatCache(%+v) = %q, want %q", u, got, want)
		}
	}
}
