package prices

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// The embedded snapshot is what the generator makes of the dated full
// catalog: edit neither by hand. The full file lives outside the module,
// in the shared data folder; where it is absent there is nothing to compare.
func TestSnapshotIsGenerated(t *testing.T) {
	full, err := os.ReadFile("../../shared/data/prices/litellm-model-prices-" + SnapshotDate + ".json")
	if os.IsNotExist(err) {
		t.Skip("the full LiteLLM snapshot is not beside the module: nothing to regenerate from")
	}
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := Trim(full)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, snapshotJSON) {
		t.Error("litellm_snapshot.json differs from the trimmed full catalog: run go generate ./prices")
	}
}

func TestSnapshotCoversTheProviders(t *testing.T) {
	snap := Snapshot()
	if snap.AsOf != "2026-08-06" || snap.Models() < 500 {
		t.Fatalf("snapshot of %s with %d models", snap.AsOf, snap.Models())
	}
	for _, tc := range []struct{ ns, model string }{
		{"openai", "gpt-5.4"}, {"azure", "gpt-5.4"}, {"anthropic", "claude-opus-4-1"},
		{"bedrock", "openai.gpt-oss-120b-1:0"}, {"bedrock", "us.amazon.nova-micro-v1:0"},
		{"bedrock", "us.meta.llama3-3-70b-instruct-v1:0"}, {"bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{"gemini", "gemini-2.5-pro"}, {"groq", "llama-3.3-70b-versatile"}, {"mistral", "mistral-large-latest"},
		{"deepseek", "deepseek-chat"}, {"xai", "grok-4"}, {"openrouter", "openai/gpt-oss-120b"},
		{"together_ai", "openai/gpt-oss-120b"},
	} {
		p, ok := snap.Lookup(tc.ns, tc.model)
		if !ok || p.Input <= 0 || p.Output <= 0 || p.Provenance() != "catalog litellm 2026-08-06" {
			t.Errorf("%s %s: %+v %v", tc.ns, tc.model, p, ok)
		}
	}
	// What fanout cannot use is left out: embeddings, other providers,
	// prices for one AWS region.
	for _, tc := range []struct{ ns, model string }{
		{"openai", "text-embedding-3-small"}, {"vertex_ai-anthropic_models", "claude-sonnet-4-5"},
		{"bedrock", "us-gov-east-1/anthropic.claude-sonnet-4-5-20250929-v1:0"},
	} {
		if p, ok := snap.Lookup(tc.ns, tc.model); ok {
			t.Errorf("%s %s kept: %+v", tc.ns, tc.model, p)
		}
	}
}

func TestSnapshotTiers(t *testing.T) {
	p, _ := Snapshot().Lookup("openai", "gpt-5.4")
	if len(p.LongContext) != 1 || p.LongContext[0].AboveTokens != 272_000 || p.LongContext[0].Input != 5 {
		t.Errorf("gpt-5.4 long context: %+v", p.LongContext)
	}
	pri, ok := p.Tiers[TierPriority]
	if !ok || pri.Input != 5 || pri.Output != 30 || pri.CachedInput != 0.5 {
		t.Errorf("gpt-5.4 priority: %+v", pri)
	}
	if _, ok := p.Tiers[TierFlex]; !ok {
		t.Error("gpt-5.4 has no flex price")
	}
	if _, ok := p.Tiers[TierBatch]; !ok {
		t.Error("gpt-5.4 has no batch price")
	}
	// DeepSeek names its cache read "cache hit".
	d, _ := Snapshot().Lookup("deepseek", "deepseek-reasoner")
	if d.CachedInput != 0.028 {
		t.Errorf("deepseek-reasoner cache read %v, want 0.028", d.CachedInput)
	}
}

func TestParseRefuses(t *testing.T) {
	read := func(name string) []byte {
		b, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty"},
		{"html", read("error.html"), "HTML page"},
		{"truncated", snapshotJSON[:len(snapshotJSON)/2], "truncated"},
		{"array", []byte(`[{"a": 1}]`), "want a JSON object"},
		{"string price", read("string-price.json"), `model "gpt-4o-mini": input_cost_per_token is 0.15 per million, not a price per token`},
		{"too few", read("few.json"), "only 1 chat models"},
	} {
		_, _, err := Trim(tc.data)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDatedSiblings(t *testing.T) {
	ids := []string{"claude-sonnet-4-20250514", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "gpt-4o", "gpt-4o-2024-08-06",
		"anthropic.claude-3-haiku-20240307-v1:0"}
	for _, tc := range []struct {
		model string
		want  string
	}{
		{"claude-sonnet-4", "claude-sonnet-4-20250514"},
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5"},
		{"gpt-4o-2024-11-20", "gpt-4o"},
		{"anthropic.claude-3-haiku-v1:0", "anthropic.claude-3-haiku-20240307-v1:0"},
		{"claude-sonnet", ""}, // another model, not a sibling
	} {
		got := strings.Join(DatedSiblings(tc.model, ids), ",")
		if got != tc.want {
			t.Errorf("DatedSiblings(%q) = %q, want %q", tc.model, got, tc.want)
		}
	}
}

// Whatever a download holds, Trim refuses it or returns a catalog that
// reads back as itself, and never panics.
func FuzzTrim(f *testing.F) {
	var b strings.Builder
	b.WriteString("{")
	for i := range minModels {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"gpt-%d": {"litellm_provider": "openai", "mode": "chat", "input_cost_per_token": 1e-6, "output_cost_per_token_priority": 4e-6, "output_cost_per_token": 2e-6, "input_cost_per_token_above_200k_tokens": 2e-6}`, i)
	}
	b.WriteString("}")
	f.Add([]byte(b.String()))
	f.Add([]byte(`{"x": {"litellm_provider": "openai", "input_cost_per_token": "1"}}`))
	f.Add([]byte(`<html>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, n, err := Trim(data)
		if err != nil {
			return
		}
		again, m, err := Trim(out)
		if err != nil || m != n || !bytes.Equal(again, out) {
			t.Fatalf("trimmed catalog does not read back as itself: %v (%d vs %d models)", err, m, n)
		}
		if _, err := NewCatalog(out, SourceUpdated, "2026-12-03"); err != nil {
			t.Fatalf("trimmed catalog refused: %v", err)
		}
	})
}
