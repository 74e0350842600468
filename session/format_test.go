package session

import (
	"testing"
	"time"
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
