package session

import (
	"context"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/testserver"
)

// runOpenAI streams one prompt to a loopback OpenAI-compatible server
// speaking script, through go-openai, and folds what arrives.
func runOpenAI(t *testing.T, price *backends.Price, script ...testserver.Step) *Result {
	t.Helper()
	srv := testserver.NewOpenAI(t, script...)
	target, err := backends.ParseSpec("openrouter:some/model")
	if err != nil {
		t.Fatal(err)
	}
	target.BaseURL = srv.URL()
	b := backends.Open(target, backends.Options{Getenv: func(k string) string {
		if k == "OPENROUTER_API_KEY" {
			return "sk-or-v1-0123456789abcdef"
		}
		return ""
	}})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	r := &Result{Target: target, Price: price}
	req := backends.Request{Messages: []backends.Message{{Role: backends.RoleUser, Content: "hi"}}}
	for ev := range Stream(ctx, 0, Pane{Target: target, Backend: b, Request: req}) {
		r.Apply(ev)
	}
	return r
}

// A mid-stream error that carries usage (OpenRouter's) leaves the pane
// with the provider's tokens and cost, not an estimate.
func TestMidStreamErrorUsageReachesThePane(t *testing.T) {
	price := &backends.Price{Input: 1, Output: 2}
	errChunk := func(usage string) testserver.Step {
		return testserver.Data(`{"error":{"code":502,"message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}],` + usage + `}`)
	}
	t.Run("billed", func(t *testing.T) {
		r := runOpenAI(t, price, testserver.Content("Hello, wor"),
			errChunk(`"usage":{"prompt_tokens":12,"completion_tokens":3,"cost":0.00042}`))
		s := &r.Stats
		if s.Status != StatusError || r.Text() != "Hello, wor" {
			t.Fatalf("status %s text %q", s.Status, r.Text())
		}
		if u := s.Tokens(); !s.Exact() || u.Input != 12 || u.Output != 3 {
			t.Errorf("tokens %+v exact %v, want the provider's 12 and 3", u, s.Exact())
		}
		if c := r.Cost(); c.Source != CostBilled || c.USD == nil || *c.USD != 0.00042 {
			t.Errorf("cost %+v, want billed $0.00042", c)
		}
	})
	t.Run("computed", func(t *testing.T) {
		r := runOpenAI(t, price, testserver.Content("Hello, wor"),
			errChunk(`"usage":{"prompt_tokens":1000000,"completion_tokens":500000}`))
		if c := r.Cost(); c.Source != CostComputed || c.USD == nil || *c.USD != 2 {
			t.Errorf("cost %+v, want computed $2 (1M in at $1, 0.5M out at $2)", c)
		}
	})
}

// A refused request costs a certain $0, unbilled, whatever its price.
func TestRefusedRequestIsUnbilled(t *testing.T) {
	r := runOpenAI(t, &backends.Price{Input: 1, Output: 2}, testserver.Respond(429, `{"error":{"message":"slow down","code":"rate_limit_exceeded"}}`))
	c := r.Cost()
	if r.Stats.Status != StatusError || c.Source != CostUnbilled || c.USD == nil || *c.USD != 0 || c.Ranked() {
		t.Errorf("status %s cost %+v, want an unranked, unbilled $0", r.Stats.Status, c)
	}
	rep := NewReport("hi", []*Result{r})
	if got := rep.Results[0].Cost; got.Source != CostUnbilled {
		t.Errorf("run --json cost %+v", got)
	}
}
