package prices

import (
	"math"
	"testing"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-12 }

func TestNormalizeTier(t *testing.T) {
	for served, want := range map[string]string{
		"": TierStandard, "default": TierStandard, "standard": TierStandard, "auto": TierStandard, "DEFAULT": TierStandard,
		"priority": TierPriority, "Priority": TierPriority, "flex": TierFlex, "batch": TierBatch,
		"scale": "scale", // no catalog prices it: its cost is unknown
	} {
		if got := NormalizeTier(served); got != want {
			t.Errorf("NormalizeTier(%q) = %q, want %q", served, got, want)
		}
	}
}

// The figures are the snapshot's for the models named.
func TestCostTiersAndLongContext(t *testing.T) {
	snap := Snapshot()
	gpt, ok := snap.Lookup("openai", "gpt-5.4")
	if !ok {
		t.Fatal("gpt-5.4 not in the snapshot")
	}
	sonnet, ok := snap.Lookup("anthropic", "claude-sonnet-4-5")
	if !ok {
		t.Fatal("claude-sonnet-4-5 not in the snapshot")
	}
	for _, tc := range []struct {
		name   string
		price  Price
		tokens Tokens
		tier   string
		want   float64 // US$
	}{
		// 1000×2.5 + 100×15 per 1e6
		{"standard", gpt, Tokens{Input: 1000, Output: 100}, "", 0.004},
		{"default is standard", gpt, Tokens{Input: 1000, Output: 100}, "default", 0.004},
		// priority: 1000×5 + 100×30
		{"priority", gpt, Tokens{Input: 1000, Output: 100}, "priority", 0.008},
		// flex: 1000×1.25 + 100×7.5
		{"flex", gpt, Tokens{Input: 1000, Output: 100}, "flex", 0.002},
		// batch: the same as flex for gpt-5.4
		{"batch", gpt, Tokens{Input: 1000, Output: 100}, "batch", 0.002},
		// 272,000 prompt tokens are not past gpt-5.4's threshold...
		{"at the threshold", gpt, Tokens{Input: 272_000, Output: 1000}, "", 272_000*2.5/1e6 + 1000*15/1e6},
		// ...272,001 are, and every token is charged at the long price: 5 in, 22.5 out.
		{"past the threshold", gpt, Tokens{Input: 272_001, Output: 1000}, "", 272_001*5/1e6 + 1000*22.5/1e6},
		// Sonnet 4.5 above 200k: 6 in, 22.5 out, 0.6 cache read, 7.5 cache write.
		{"long with cache", sonnet, Tokens{Input: 250_000, CachedInput: 100_000, CacheWrite: 50_000, Output: 2000}, "",
			(100_000*6 + 100_000*0.6 + 50_000*7.5 + 2000*22.5) / 1e6},
		{"short with cache", sonnet, Tokens{Input: 2000, CachedInput: 1000, CacheWrite: 500, Output: 200}, "",
			(500*3 + 1000*0.3 + 500*3.75 + 200*15) / 1e6},
	} {
		got, ok := tc.price.Cost(tc.tokens, tc.tier)
		if !ok || !near(got, tc.want) {
			t.Errorf("%s: %.10f %v, want %.10f", tc.name, got, ok, tc.want)
		}
	}
	// Sonnet has no flex price in the catalog: served at flex, its cost is
	// unknown rather than the standard price.
	if got, ok := sonnet.Cost(Tokens{Input: 10, Output: 10}, "flex"); ok {
		t.Errorf("flex without a flex price: %v, want unknown", got)
	}
}

func TestCostReasoningPricedApart(t *testing.T) {
	r := 20.0
	p := Price{Input: 1, Output: 4, CachedInput: 1, CacheWrite: 1, Reasoning: &r}
	// 300 output tokens of which 200 reasoning: 100×4 + 200×20, never 300×4 + 200×20.
	got, _ := p.Cost(Tokens{Input: 1000, Output: 300, Reasoning: 200}, "")
	if want := (1000*1 + 100*4 + 200*20) / 1e6; !near(got, want) {
		t.Errorf("reasoning priced apart: %.10f, want %.10f", got, want)
	}
	// Without a reasoning price, reasoning tokens are output like the rest.
	p.Reasoning = nil
	got, _ = p.Cost(Tokens{Input: 1000, Output: 300, Reasoning: 200}, "")
	if want := (1000*1 + 300*4) / 1e6; !near(got, want) {
		t.Errorf("reasoning as output: %.10f, want %.10f", got, want)
	}
}

func TestProvenance(t *testing.T) {
	for _, tc := range []struct {
		p    Price
		want string
	}{
		{Price{Source: SourceLiteLLM, AsOf: "2026-08-06"}, "catalog litellm 2026-08-06"},
		{Price{Source: SourceCatwalk, AsOf: "v0.52.1"}, "catwalk v0.52.1"},
		{Price{Source: SourceConfig}, "config"},
		{Price{Source: SourceUpdated, AsOf: "2026-12-03"}, "updated 2026-12-03"},
		{Price{Source: SourceLiteLLM, AsOf: "2026-08-06", Via: "amazon.nova-micro-v1:0"}, "catalog litellm 2026-08-06 (as amazon.nova-micro-v1:0)"},
	} {
		if got := tc.p.Provenance(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.p, got, tc.want)
		}
	}
}

func TestDiffers(t *testing.T) {
	a := Price{Input: 1, Output: 2, CachedInput: 0.1, CacheWrite: 1}
	b := a
	b.Output = 2.019 // within 1 %
	if Differs(a, b) {
		t.Error("0.95 % apart reported as different")
	}
	b.Output = 2.03
	if !Differs(a, b) {
		t.Error("1.5 % apart not reported")
	}
}
