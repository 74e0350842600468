package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// catalog writes a small full-format catalog: chat models the trim keeps,
// an embedding and another provider's model it drops.
func catalog(t *testing.T, dir, name string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString(`{"sample_spec": {"input_cost_per_token": "the price of an input token"},` + "\n")
	b.WriteString(`"text-embedding-3-small": {"litellm_provider": "openai", "mode": "embedding", "input_cost_per_token": 2e-8, "output_cost_per_token": 0},` + "\n")
	b.WriteString(`"vertex_ai/claude-x": {"litellm_provider": "vertex_ai-anthropic_models", "mode": "chat", "input_cost_per_token": 3e-6, "output_cost_per_token": 1.5e-5},` + "\n")
	for i := range 60 {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `"gpt-%d": {"litellm_provider": "openai", "mode": "chat", "max_tokens": 100, "input_cost_per_token": 1e-6, "output_cost_per_token": 2e-6}`, i)
	}
	b.WriteString("}\n")
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestGenerate(t *testing.T) {
	dir := t.TempDir()
	in := catalog(t, dir, "litellm-model-prices-2027-01-02.json")
	if err := run(in, dir); err != nil {
		t.Fatal(err)
	}
	date, err := os.ReadFile(filepath.Join(dir, "snapshot_date.go"))
	if err != nil || !strings.Contains(string(date), `const SnapshotDate = "2027-01-02"`) {
		t.Errorf("snapshot_date.go: %v\n%s", err, date)
	}
	snap, err := os.ReadFile(filepath.Join(dir, "litellm_snapshot.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(snap)
	if strings.Count(s, "\n") != 62 || !strings.Contains(s, `"gpt-7": {"input_cost_per_token":0.000001,"litellm_provider":"openai","output_cost_per_token":0.000002}`) {
		t.Errorf("snapshot:\n%s", s)
	}
	for _, gone := range []string{"sample_spec", "text-embedding", "vertex_ai", "max_tokens", "mode"} {
		if strings.Contains(s, gone) {
			t.Errorf("the snapshot keeps %q", gone)
		}
	}
}

func TestGenerateRefuses(t *testing.T) {
	dir := t.TempDir()
	if err := run(catalog(t, dir, "prices.json"), dir); err == nil || !strings.Contains(err.Error(), "no date (YYYY-MM-DD) in the file name") {
		t.Errorf("undated: %v", err)
	}
	bad := filepath.Join(dir, "litellm-2027-01-02.json")
	os.WriteFile(bad, []byte("<html>"), 0o644)
	if err := run(bad, dir); err == nil || !strings.Contains(err.Error(), "HTML page") {
		t.Errorf("html: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "litellm_snapshot.json")); err == nil {
		t.Error("a refused catalog left a snapshot")
	}
}
