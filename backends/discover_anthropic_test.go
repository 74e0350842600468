package backends

import (
	"slices"
	"testing"
)

// Anthropic is listed ready when its key is set, with the catalog's small
// model and its price; without the key, the listing says what to set.
func TestDiscoverAnthropic(t *testing.T) {
	t.Parallel()
	find := func(env envMap) Available {
		t.Helper()
		found := Discover(t.Context(), Options{Getenv: env.get, HTTPClient: testClient(t)})
		i := slices.IndexFunc(found, func(a Available) bool { return a.Target.Provider == ProviderAnthropic })
		if i < 0 {
			t.Fatalf("no anthropic in %+v", found)
		}
		return found[i]
	}
	a := find(envMap{"ANTHROPIC_API_KEY": anthropicTestKey, "OLLAMA_HOST": "127.0.0.1:1"})
	if !a.Ready || a.Why != "ANTHROPIC_API_KEY is set" || a.Target.Name != "anthropic:claude-haiku-4-5-20251001" || a.Target.KeyEnv != "ANTHROPIC_API_KEY" || a.Placeholder {
		t.Errorf("with the key: %+v", a)
	}
	if p, ok := NewPriceBook(nil).Lookup(a.Target); !ok || p.Input != 1 || p.Output != 5 {
		t.Errorf("price of the default model: %+v %v", p, ok)
	}
	if _, err := ParseSpec(a.Target.Name); err != nil {
		t.Errorf("the offered model does not parse: %v", err)
	}
	a = find(envMap{"OLLAMA_HOST": "127.0.0.1:1"})
	if a.Ready || a.Why != "set ANTHROPIC_API_KEY" {
		t.Errorf("without the key: %+v", a)
	}
}
