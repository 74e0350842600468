package session

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/prices"
)

// tieredPrice is gpt-5.4's price as the snapshot gives it: tiers and a
// long-context threshold.
func tieredPrice(t *testing.T) *backends.Price {
	t.Helper()
	p, ok := backends.NewPriceBook(nil).Lookup(backends.Target{Provider: "openai", Model: "gpt-5.4"})
	if !ok {
		t.Fatal("gpt-5.4 has no price")
	}
	return &p
}

func servedAt(tier string, u backends.Usage) []Event {
	u.Exact = true
	return []Event{
		{Event: backends.Event{Type: backends.EventDelta, Delta: &backends.Delta{Text: "hi"}}},
		{Event: backends.Event{Type: backends.EventUsage, Usage: &u}},
		{Event: backends.Event{Type: backends.EventDone, Done: &backends.Done{StopReason: backends.StopEnd, ServiceTier: tier}}},
	}
}

// Cost is computed at the tier the provider says it served, and at the
// long-context price past the threshold.
func TestCostAtServedTier(t *testing.T) {
	price := tieredPrice(t)
	u := backends.Usage{Input: 1000, Output: 100}
	for _, tc := range []struct {
		tier  string
		usage backends.Usage
		want  float64
		known bool
	}{
		{"", u, (1000*2.5 + 100*15) / 1e6, true},
		{"default", u, (1000*2.5 + 100*15) / 1e6, true},
		{"priority", u, (1000*5 + 100*30) / 1e6, true},
		{"flex", u, (1000*1.25 + 100*7.5) / 1e6, true},
		{"default", backends.Usage{Input: 300_000, Output: 100}, (300_000*5 + 100*22.5) / 1e6, true},
		{"scale", u, 0, false}, // no catalog price for the tier: unknown, not the standard price
	} {
		s := Fold(servedAt(tc.tier, tc.usage))
		c := s.Cost(price)
		if !tc.known {
			if c.Source != CostUnknown || c.USD != nil {
				t.Errorf("%q: %+v, want unknown", tc.tier, c)
			}
			continue
		}
		if c.Source != CostComputed || c.USD == nil || math.Abs(*c.USD-tc.want) > 1e-12 {
			t.Errorf("%q %+v: %+v, want computed %v", tc.tier, tc.usage, c, tc.want)
		}
	}
}

// The header keeps every figure the cost used, so that a session file read
// back costs exactly what the run did.
func TestRecordedPriceCostsTheSame(t *testing.T) {
	price := tieredPrice(t)
	rec := NewTargetRecord(backends.Target{Provider: "openai", Model: "gpt-5.4", Label: "gpt-5.4"}, price)
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var back TargetRecord
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	for _, tier := range []string{"", "priority", "flex", "batch"} {
		for _, u := range []backends.Usage{{Input: 1000, CachedInput: 200, Output: 100}, {Input: 400_000, CachedInput: 100_000, Output: 900}} {
			s := Fold(servedAt(tier, u))
			run, replay := s.Cost(price), s.Cost(back.Price)
			if run.USD == nil || replay.USD == nil || *run.USD != *replay.USD {
				t.Errorf("tier %q %+v: run %+v, read back %+v", tier, u, run, replay)
			}
		}
	}
	if back.Price.Provenance() != "catalog litellm "+prices.SnapshotDate {
		t.Errorf("provenance read back: %q", back.Price.Provenance())
	}
}

// A price from the config wins over the provider's billed figure; a
// catalog's does not.
func TestConfigPriceOverBilled(t *testing.T) {
	billed := 0.5
	events := servedAt("", backends.Usage{Input: 1_000_000, Output: 0, CostUSD: &billed})
	s := Fold(events)
	if c := s.Cost(&backends.Price{Input: 1, Output: 1, Source: backends.PriceSourceCatwalk}); c.Source != CostBilled || *c.USD != 0.5 {
		t.Errorf("catalog price over billed: %+v", c)
	}
	if c := s.Cost(&backends.Price{Input: 1, Output: 1, Source: backends.PriceSourceConfig}); c.Source != CostComputed || *c.USD != 1 {
		t.Errorf("config price under billed: %+v", c)
	}
}
