package backends

import (
	"math"
	"testing"

	"charm.land/catwalk/pkg/catwalk"
)

func priceTarget(t *testing.T, s string) Target {
	t.Helper()
	target, err := ParseSpec(s)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func priceNear(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func samePrice(a, b Price) bool {
	return priceNear(a.Input, b.Input) && priceNear(a.Output, b.Output) && priceNear(a.CachedInput, b.CachedInput) &&
		priceNear(a.CacheWrite, b.CacheWrite) && a.Source == b.Source
}

func TestPriceLookup(t *testing.T) {
	book := NewPriceBook(nil)
	sonnetUS := Price{Input: 3, Output: 15, CachedInput: 0.3, CacheWrite: 3.75, Source: "catwalk"}
	for _, tc := range []struct {
		spec string
		want Price
	}{
		// catwalk lists the cache read of gpt-4o-mini as cost_per_1m_out_cached.
		{"openai:gpt-4o-mini", Price{Input: 0.15, Output: 0.60, CachedInput: 0.075, CacheWrite: 0.15, Source: "catwalk"}},
		{"openai:GPT-4o-Mini", Price{Input: 0.15, Output: 0.60, CachedInput: 0.075, CacheWrite: 0.15, Source: "catwalk"}},
		// ...and that of gpt-5.4-mini, wrongly, as cost_per_1m_in_cached.
		{"openai:gpt-5.4-mini", Price{Input: 0.75, Output: 4.5, CachedInput: 0.075, CacheWrite: 0.75, Source: "catwalk"}},
		{"openrouter:openai/gpt-4o-mini", Price{Input: 0.15, Output: 0.60, CachedInput: 0.075, CacheWrite: 0.15, Source: "catwalk"}},
		{"bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0", sonnetUS},
		{"bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0", sonnetUS},
		{"bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0", sonnetUS},
		{"bedrock:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0", sonnetUS},
		{"bedrock:eu.anthropic.claude-sonnet-4-5-20250929-v1:0", Price{Input: 3.3, Output: 16.5, CachedInput: 0.33, CacheWrite: 4.125, Source: "catwalk"}},
		{"ollama:llama3.2:3b", Price{Source: "local"}},
		{"lmstudio:qwen3-8b", Price{Source: "local"}},
		{"demo:swift", Price{Input: 0.10, Output: 0.40, CachedInput: 0.10, CacheWrite: 0.10, Source: "simulated"}},
		{"demo:sage", Price{Input: 3, Output: 15, CachedInput: 3, CacheWrite: 3, Source: "simulated"}},
		{"demo:ponder", Price{Input: 1, Output: 4, CachedInput: 1, CacheWrite: 1, Source: "simulated"}},
	} {
		got, ok := book.Lookup(priceTarget(t, tc.spec))
		if !ok || !samePrice(got, tc.want) {
			t.Errorf("%s: %+v %v, want %+v", tc.spec, got, ok, tc.want)
		}
	}

	for _, s := range []string{
		"openai:gpt-no-such-model",
		"bedrock:us.anthropic.claude-no-such-model",
		"mistral:mistral-small-latest", // no catalog for this preset
		"openrouter:gpt-4o-mini",       // openrouter ids carry the vendor
	} {
		if got, ok := book.Lookup(priceTarget(t, s)); ok || got != (Price{}) {
			t.Errorf("%s: %+v %v, want unknown", s, got, ok)
		}
	}
	if got, ok := book.Lookup(Target{Provider: ProviderDemo, Model: "nope"}); ok {
		t.Errorf("unknown demo model priced %+v", got)
	}
	// A nil book still knows the catalog.
	var nilBook *PriceBook
	if _, ok := nilBook.Lookup(priceTarget(t, "openai:gpt-4o-mini")); !ok {
		t.Error("nil book does not know gpt-4o-mini")
	}
}

func TestPriceOverrides(t *testing.T) {
	book := NewPriceBook(map[string]Price{
		"openai:gpt-4o-mini": {Input: 1, Output: 2},
		"cheap":              {Input: 0.5, Output: 0.5, CachedInput: 0.1, Source: "billing sheet"},
		"openai:my-finetune": {Input: 0.3, Output: 1.2},
		"ollama:llama3.2":    {Input: 0.2, Output: 0.2},
	})
	target := priceTarget(t, "openai:gpt-4o-mini")
	if got, _ := book.Lookup(target); !samePrice(got, Price{Input: 1, Output: 2, CachedInput: 1, CacheWrite: 1, Source: "config"}) {
		t.Errorf("provider:model override: %+v", got)
	}
	// A config name wins over provider:model.
	target.Name = "cheap"
	if got, _ := book.Lookup(target); !samePrice(got, Price{Input: 0.5, Output: 0.5, CachedInput: 0.1, CacheWrite: 0.5, Source: "billing sheet"}) {
		t.Errorf("name override: %+v", got)
	}
	if got, ok := book.Lookup(priceTarget(t, "openai:my-finetune")); !ok || got.Input != 0.3 {
		t.Errorf("override of a model catwalk does not know: %+v %v", got, ok)
	}
	if got, _ := book.Lookup(priceTarget(t, "ollama:llama3.2")); got.Source != "config" {
		t.Errorf("override of a local model: %+v", got)
	}
}

func TestCatalogPrice(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		in, inCached, outCached  float64
		wantRead, wantCacheWrite float64
	}{
		{"as documented (Anthropic)", 3, 3.75, 0.3, 0.3, 3.75},
		{"read only, as documented (OpenAI)", 0.15, 0, 0.075, 0.075, 0.15},
		{"read in the write field", 0.75, 0.075, 0, 0.075, 0.75},
		{"read and write swapped", 0.3, 0.03, 0.375, 0.03, 0.375},
		{"output price in the read field", 0.75, 0.075, 3.75, 0.075, 0.75},
		{"both the same read price", 1.75, 0.175, 0.175, 0.175, 1.75},
		{"no cache prices", 2, 0, 0, 2, 2},
		{"free", 0, 0, 0, 0, 0},
	} {
		p := catalogPrice(catwalk.Model{CostPer1MIn: tc.in, CostPer1MOut: 9, CostPer1MInCached: tc.inCached, CostPer1MOutCached: tc.outCached})
		if !priceNear(p.CachedInput, tc.wantRead) || !priceNear(p.CacheWrite, tc.wantCacheWrite) || p.Input != tc.in || p.Output != 9 {
			t.Errorf("%s: %+v, want read %v, write %v", tc.name, p, tc.wantRead, tc.wantCacheWrite)
		}
	}
}

func TestPriceCost(t *testing.T) {
	book := NewPriceBook(nil)
	mini, _ := book.Lookup(priceTarget(t, "openai:gpt-4o-mini"))
	sonnet, _ := book.Lookup(priceTarget(t, "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0"))
	for _, tc := range []struct {
		name  string
		price Price
		usage Usage
		want  float64
	}{
		// 78×0.15/1e6 + 9×0.60/1e6
		{"plain", mini, Usage{Input: 78, Output: 9}, 0.0000171},
		// Input includes the 400 cached tokens: 600×0.15 + 400×0.075 + 100×0.60 = 180 per 1e6.
		{"cache read", mini, Usage{Input: 1000, CachedInput: 400, Output: 100}, 0.00018},
		// 500×3 + 1000×0.30 + 500×3.75 + 200×15 = 6675 per 1e6.
		{"cache read and write", sonnet, Usage{Input: 2000, CachedInput: 1000, CacheWrite: 500, Output: 200}, 0.006675},
		{"local", Price{Source: "local"}, Usage{Input: 1000, Output: 1000}, 0},
	} {
		if got := tc.price.Cost(tc.usage); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: cost %.10f, want %.10f", tc.name, got, tc.want)
		}
	}
}
