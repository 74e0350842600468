package cli

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// The whole command against a loopback server speaking Anthropic's Messages
// streaming format, with the real anthropic-sdk-go client in between.

const anthropicCLIKey = "sk-ant-api03-CLISECRET0123456789abcdefXYZ"

func TestRunAnthropicThroughBaseURL(t *testing.T) {
	const model = "claude-haiku-4-5-20251001"
	script := append([]testserver.Step{testserver.Wait(80 * time.Millisecond)},
		testserver.AnthropicReply(model, "Paris is the capital.", "The capital of France is Paris.", "end_turn",
			testserver.AnthropicUsage{Input: 20, CacheRead: 1000, CacheCreation: 200, Output: 1, ServiceTier: "standard"},
			testserver.AnthropicUsage{Output: 30})...)
	srv := testserver.NewAnthropic(t, anthropicCLIKey, script...)
	getenv, dir := dataEnv(t, map[string]string{"ANTHROPIC_API_KEY": anthropicCLIKey, "ANTHROPIC_BASE_URL": srv.URL()})
	code, out, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "anthropic:"+model+"+4096", "What is the capital of France?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeReport(t, out).Results[0]
	if r.Provider != "anthropic" || r.Text != "The capital of France is Paris." || r.Reasoning != "Paris is the capital." {
		t.Errorf("provider %q text %q reasoning %q", r.Provider, r.Text, r.Reasoning)
	}
	if r.StopReason == nil || *r.StopReason != "stop" || r.ServiceTier == nil || *r.ServiceTier != "standard" {
		t.Errorf("stop %v tier %v", r.StopReason, r.ServiceTier)
	}
	// Anthropic's input_tokens leaves the cache out; fanout's input is all of it.
	if r.Usage.Input != 1220 || r.Usage.CachedInput != 1000 || r.Usage.CacheWrite != 200 || r.Usage.Output != 30 || !r.Usage.Exact {
		t.Errorf("usage %+v, want exact 1220 in (1000 read, 200 written), 30 out", r.Usage)
	}
	// Haiku 4.5 at $1 in, $5 out, $0.10 cache read, $1.25 cache write per million.
	if want := (20*1 + 1000*0.1 + 200*1.25 + 30*5) / 1e6; r.Cost.Source != session.CostComputed || r.Cost.USD == nil || abs(*r.Cost.USD-want) > 1e-12 {
		t.Errorf("cost %+v, want computed %v", r.Cost, want)
	}
	if r.TTFTMs == nil || *r.TTFTMs < 80 {
		t.Errorf("ttft %v is below the server's 80ms first-byte delay", r.TTFTMs)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	a := reqs[0].Anthropic
	if a.Model != model || !a.Stream || a.MaxTokens == nil || *a.MaxTokens != 64000 || a.Thinking == nil || a.Thinking.BudgetTokens != 4096 {
		t.Errorf("request %+v", a)
	}
	raw, err := os.ReadFile(onlySession(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out+errOut+string(raw), anthropicCLIKey) || strings.Contains(out+errOut+string(raw), "CLISECRET") {
		t.Error("the key is in the output or the session file")
	}
	if !strings.Contains(string(raw), `"provider":"anthropic"`) || !strings.Contains(string(raw), "Paris is the capital.") {
		t.Errorf("the session file lacks the run:\n%s", raw)
	}
}

func TestRunAnthropicFailuresNameTheKeyNotItsValue(t *testing.T) {
	echo := "invalid x-api-key " + anthropicCLIKey
	for _, tc := range []struct {
		name      string
		steps     []testserver.Step
		want      string
		retryable bool
	}{
		{"refused key", []testserver.Step{testserver.AnthropicHTTPError(401, "authentication_error", echo)}, "refused the key in ANTHROPIC_API_KEY", false},
		{"overloaded mid-stream", append(testserver.AnthropicReply("claude-haiku-4-5", "", "Half an", "end_turn", testserver.AnthropicUsage{Input: 3}, testserver.AnthropicUsage{})[:5],
			testserver.AnthropicStreamError("overloaded_error", "Overloaded")), "overloaded mid-stream", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := testserver.NewAnthropic(t, anthropicCLIKey, tc.steps...)
			getenv, dir := dataEnv(t, map[string]string{"ANTHROPIC_API_KEY": anthropicCLIKey, "ANTHROPIC_BASE_URL": srv.URL()})
			code, out, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "anthropic:claude-haiku-4-5", "-m", "demo:swift", "--max-tokens", "20", "hi")
			if code != exitFail {
				t.Errorf("exit %d, want 1: %s", code, errOut)
			}
			rep := decodeReport(t, out)
			if e := rep.Results[0].Error; e == nil || !strings.Contains(e.Message, tc.want) || e.Retryable != tc.retryable {
				t.Errorf("error %+v, want it to say %q, retryable %v", e, tc.want, tc.retryable)
			}
			if rep.Results[1].Status != session.StatusDone {
				t.Errorf("the demo model beside a failed Anthropic: %+v", rep.Results[1])
			}
			raw, _ := os.ReadFile(onlySession(t, dir))
			if strings.Contains(out+errOut+string(raw), "CLISECRET") {
				t.Errorf("the key leaked:\n%s\n%s\n%s", out, errOut, raw)
			}
		})
	}
}

// `fanout models` lists Anthropic as ready with its key, priced; and what
// to set without it.
func TestModelsListsAnthropic(t *testing.T) {
	for _, tc := range []struct {
		env   map[string]string
		ready bool
		why   string
	}{
		{map[string]string{"ANTHROPIC_API_KEY": anthropicCLIKey}, true, "ANTHROPIC_API_KEY is set"},
		{nil, false, "set ANTHROPIC_API_KEY"},
	} {
		code, out, errOut := runCLI(t, testEnv(t, tc.env), "", "models", "--json")
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		var lines []modelLine
		if err := json.Unmarshal([]byte(out), &lines); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, l := range lines {
			if l.Provider != "anthropic" {
				continue
			}
			found = true
			if l.Ready != tc.ready || l.Why != tc.why || l.Price == nil || l.Price.Input != 1 || l.Price.Output != 5 {
				t.Errorf("anthropic line %+v (price %+v), want ready %v saying %q, priced", l, l.Price, tc.ready, tc.why)
			}
		}
		if !found {
			t.Errorf("no anthropic line in %s", out)
		}
		if strings.Contains(out, "CLISECRET") {
			t.Error("the key leaked")
		}
	}
}

// A [models.NAME] entry with provider = "anthropic" runs on the Anthropic
// backend with its settings; a temperature is refused at its line.
func TestConfigAnthropicModel(t *testing.T) {
	srv := testserver.NewAnthropic(t, anthropicCLIKey, testserver.AnthropicReply("claude-sonnet-4-5", "", "Hi.", "end_turn",
		testserver.AnthropicUsage{Input: 4, ServiceTier: "priority"}, testserver.AnthropicUsage{Output: 2})...)
	cfg := t.TempDir() + "/config.toml"
	writeFile(t, cfg, "[models.claude]\nprovider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\nmax_tokens = 500\nservice_tier = \"priority\"\n")
	getenv := testEnv(t, map[string]string{"ANTHROPIC_API_KEY": anthropicCLIKey, "ANTHROPIC_BASE_URL": srv.URL()})
	code, out, errOut := runCLI(t, getenv, "", "run", "--json", "--config", cfg, "-m", "claude", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeReport(t, out).Results[0]
	if r.Text != "Hi." || r.ServiceTier == nil || *r.ServiceTier != "priority" {
		t.Errorf("result %+v", r)
	}
	if a := srv.Requests()[0].Anthropic; a.ServiceTier != "auto" || a.MaxTokens == nil || *a.MaxTokens != 500 {
		t.Errorf("request %+v", a)
	}

	writeFile(t, cfg, "[models.claude]\nprovider = \"anthropic\"\nmodel = \"claude-sonnet-4-5\"\ntemperature = 0.2\n")
	code, _, errOut = runCLI(t, getenv, "", "run", "--json", "--config", cfg, "-m", "claude", "hi")
	if code == exitOK || !strings.Contains(errOut, "config.toml:4") || !strings.Contains(errOut, "temperature") {
		t.Errorf("exit %d, stderr %q: want the temperature refused at its line", code, errOut)
	}
}
