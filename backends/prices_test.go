package backends

import (
	"math"
	"testing"
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

// The LiteLLM snapshot's date, as every price read from it says.
const snap = "catalog litellm 2026-08-06"

func TestPriceLookup(t *testing.T) {
	book := NewPriceBook(nil)
	sonnet := Price{Input: 3, Output: 15, CachedInput: 0.3, CacheWrite: 3.75, Source: "litellm"}
	// Bedrock's us./eu./jp. profiles of recent Claude models cost 10 % more
	// than the global one, as the catalog gives them.
	sonnetRegional := Price{Input: 3.3, Output: 16.5, CachedInput: 0.33, CacheWrite: 4.125, Source: "litellm"}
	for _, tc := range []struct {
		name       string
		target     Target
		want       Price
		provenance string
	}{
		{"bare", priceTarget(t, "openai:gpt-4o-mini"), Price{Input: 0.15, Output: 0.60, CachedInput: 0.075, CacheWrite: 0.15, Source: "litellm"}, snap},
		{"case ignored", priceTarget(t, "openai:GPT-4o-Mini"), Price{Input: 0.15, Output: 0.60, CachedInput: 0.075, CacheWrite: 0.15, Source: "litellm"}, snap},
		{"gemini", priceTarget(t, "gemini:gemini-2.5-pro"), Price{Input: 1.25, Output: 10, CachedInput: 0.125, CacheWrite: 1.25, Source: "litellm"}, snap},
		{"anthropic alias", Target{Provider: "anthropic", Model: "claude-sonnet-4-5"}, sonnet, snap},
		{"anthropic dated", Target{Provider: "anthropic", Model: "claude-sonnet-4-5-20250929"}, sonnet, snap},
		{"bedrock in-region", priceTarget(t, "bedrock:anthropic.claude-sonnet-4-5-20250929-v1:0"), sonnet, snap},
		{"bedrock global", priceTarget(t, "bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0"), sonnet, snap},
		{"bedrock us", priceTarget(t, "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0"), sonnetRegional, snap},
		{"bedrock eu", priceTarget(t, "bedrock:eu.anthropic.claude-sonnet-4-5-20250929-v1:0"), sonnetRegional, snap},
		{"bedrock profile ARN", priceTarget(t, "bedrock:arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-20250929-v1:0"), sonnetRegional, snap},
		{"bedrock gpt-oss", priceTarget(t, "bedrock:openai.gpt-oss-120b-1:0"), Price{Input: 0.15, Output: 0.6, CachedInput: 0.15, CacheWrite: 0.15, Source: "litellm"}, snap},
		{"bedrock nova", priceTarget(t, "bedrock:us.amazon.nova-micro-v1:0"), Price{Input: 0.035, Output: 0.14, CachedInput: 0.035, CacheWrite: 0.035, Source: "litellm"}, snap},
		{"bedrock nova eu", priceTarget(t, "bedrock:eu.amazon.nova-micro-v1:0"), Price{Input: 0.046, Output: 0.184, CachedInput: 0.046, CacheWrite: 0.046, Source: "litellm"}, snap},
		{"bedrock llama", priceTarget(t, "bedrock:us.meta.llama3-3-70b-instruct-v1:0"), Price{Input: 0.72, Output: 0.72, CachedInput: 0.72, CacheWrite: 0.72, Source: "litellm"}, snap},
		// No au. profile of Nova Micro in the catalog: the in-region price, saying so.
		{"cross-region sibling", priceTarget(t, "bedrock:au.amazon.nova-micro-v1:0"), Price{Input: 0.035, Output: 0.14, CachedInput: 0.035, CacheWrite: 0.035, Source: "litellm"}, snap + " (as amazon.nova-micro-v1:0)"},
		// Only the dated id is listed.
		{"dated sibling", Target{Provider: "anthropic", Model: "claude-sonnet-4"}, sonnet, snap + " (as claude-sonnet-4-20250514)"},
		{"azure's own entry", priceTarget(t, "azure:gpt-4o"), Price{Input: 2.5, Output: 10, CachedInput: 1.25, CacheWrite: 2.5, Source: "litellm"}, snap},
		{"azure deployment named after its model", priceTarget(t, "azure:chatgpt-4o-latest"), Price{Input: 5, Output: 15, CachedInput: 5, CacheWrite: 5, Source: "litellm"}, snap + " (as openai:chatgpt-4o-latest)"},
		{"azure deployment priced as", Target{Provider: "azure", Model: "prod-mini", PriceAs: "azure:gpt-4o"}, Price{Input: 2.5, Output: 10, CachedInput: 1.25, CacheWrite: 2.5, Source: "litellm"}, snap + " (as azure:gpt-4o)"},
		{"vllm running gpt-oss", Target{Provider: "vllm", Model: "gpt-oss", PriceAs: "bedrock:openai.gpt-oss-120b-1:0"}, Price{Input: 0.15, Output: 0.6, CachedInput: 0.15, CacheWrite: 0.15, Source: "litellm"}, snap + " (as bedrock:openai.gpt-oss-120b-1:0)"},
		// Catwalk knows what LiteLLM's snapshot does not.
		{"catwalk only", priceTarget(t, "openrouter:openai/gpt-4o-mini"), Price{Input: 0.15, Output: 0.60, CachedInput: 0.075, CacheWrite: 0.15, Source: "catwalk"}, "catwalk v0.52.1"},
		{"ollama", priceTarget(t, "ollama:llama3.2:3b"), Price{Source: "local"}, "local"},
		{"lmstudio", priceTarget(t, "lmstudio:qwen3-8b"), Price{Source: "local"}, "local"},
		{"demo", priceTarget(t, "demo:swift"), Price{Input: 0.10, Output: 0.40, CachedInput: 0.10, CacheWrite: 0.10, Source: "simulated"}, "simulated"},
		{"demo sage", priceTarget(t, "demo:sage"), Price{Input: 3, Output: 15, CachedInput: 3, CacheWrite: 3, Source: "simulated"}, "simulated"},
	} {
		got, ok := book.Lookup(tc.target)
		if !ok || !samePrice(got, tc.want) || got.Provenance() != tc.provenance {
			t.Errorf("%s: %+v (%s) %v, want %+v (%s)", tc.name, got, got.Provenance(), ok, tc.want, tc.provenance)
		}
	}

	for _, target := range []Target{
		priceTarget(t, "openai:gpt-no-such-model"),
		priceTarget(t, "bedrock:us.anthropic.claude-no-such-model"),
		priceTarget(t, "openrouter:gpt-4o-mini"), // openrouter ids carry the vendor
		priceTarget(t, "azure:my-deployment"),    // named after nothing the catalogs know
		{Provider: "vllm", Model: "gpt-oss"},     // no price_as: a server's own model has no list price
		{Provider: ProviderDemo, Model: "nope"},
	} {
		if got, ok := book.Lookup(target); ok || got.Source != "" {
			t.Errorf("%s:%s: %+v %v, want unknown", target.Provider, target.Model, got, ok)
		}
	}
	// A nil book still knows the catalogs.
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

func TestPriceCost(t *testing.T) {
	book := NewPriceBook(nil)
	mini, _ := book.Lookup(priceTarget(t, "openai:gpt-4o-mini"))
	sonnet, _ := book.Lookup(priceTarget(t, "bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0"))
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
		if got, _ := tc.price.Cost(tc.usage.Tokens(), ""); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s: cost %.10f, want %.10f", tc.name, got, tc.want)
		}
	}
}

// An override of the main figures drops the catalog's tiers and
// long-context rates, which were computed from other figures; an override
// of a cache figure alone keeps them.
func TestOverrideAndCatalogTiers(t *testing.T) {
	gpt := priceTarget(t, "openai:gpt-5.4")
	book := NewPriceBook(map[string]Price{
		"openai:gpt-5.4":      {Input: 2, Given: PriceInput},
		"openai:gpt-5.4-mini": {CacheWrite: 0, Given: PriceCacheWrite},
	})
	p, _ := book.Lookup(gpt)
	if p.Input != 2 || p.Output != 15 || p.Tiers != nil || p.LongContext != nil || p.Provenance() != "config" {
		t.Errorf("input override: %+v", p)
	}
	mini, _ := book.Lookup(priceTarget(t, "openai:gpt-5.4-mini"))
	if mini.CacheWrite != 0 || mini.Input != 0.75 || mini.Tiers["priority"].Input != 1.5 {
		t.Errorf("cache-write override: %+v", mini)
	}
}

// Quote keeps the catalog not used where it disagrees by more than 1 %.
func TestQuoteDisagreement(t *testing.T) {
	q := NewPriceBook(nil).Quote(priceTarget(t, "bedrock:us.anthropic.claude-sonnet-4-5-20250929-v1:0"))
	if q.Used == nil || q.Used.Input != 3.3 || len(q.Others) != 1 || q.Others[0].Source != "catwalk" || q.Others[0].Input != 3 {
		t.Errorf("quote: %+v", q)
	}
	q = NewPriceBook(nil).Quote(priceTarget(t, "bedrock:global.anthropic.claude-sonnet-4-5-20250929-v1:0"))
	if q.Used == nil || len(q.Others) != 0 {
		t.Errorf("catalogs that agree reported as disagreeing: %+v", q)
	}
}
