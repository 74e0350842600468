package backends

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
)

// The settings go out in Bedrock's own fields, through the real SDK, and the
// tier and latency mode the metadata reports come back on the Done.
func TestBedrockSendsSettingsAndReportsWhatServed(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		target     Target
		fields     string // additionalModelRequestFields as JSON, "" for none
		maxTokens  int    // inferenceConfig.maxTokens, 0 for none
		tier, mode string // what the metadata reports
	}{
		{name: "gpt-oss reasoning effort, flex, optimized",
			target: Target{Model: "openai.gpt-oss-120b-1:0", ReasoningEffort: "high", ServiceTier: "flex", Latency: "optimized"},
			fields: `{"reasoning_effort":"high"}`, tier: "flex", mode: "optimized"},
		{name: "Claude thinking budget without max_tokens",
			target: Target{Model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", ThinkingBudget: 2048, ServiceTier: "priority"},
			fields: `{"thinking":{"budget_tokens":2048,"type":"enabled"}}`, maxTokens: 2048 + DefaultAnswerTokens, tier: "priority"},
		{name: "Claude thinking budget within max_tokens",
			target: Target{Model: "anthropic.claude-sonnet-4-5-20250929-v1:0", ThinkingBudget: 1024, MaxTokens: 3000},
			fields: `{"thinking":{"budget_tokens":1024,"type":"enabled"}}`, maxTokens: 3000},
		{name: "Nova 2 reasoning effort",
			target: Target{Model: "us.amazon.nova-2-lite-v1:0", ReasoningEffort: "low", Latency: "standard"},
			fields: `{"reasoningConfig":{"maxReasoningEffort":"low","type":"enabled"}}`, mode: "standard"},
		{name: "tier asked, none reported", target: Target{Model: "amazon.nova-micro-v1:0", ServiceTier: "default"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewBedrock(t,
				testserver.BedrockDelta("ok"),
				testserver.BedrockStop("end_turn"),
				testserver.BedrockServedMetadata(3, 1, tc.tier, tc.mode))
			env := srv.Env()
			target := tc.target
			target.Provider, target.Name, target.Label = ProviderBedrock, "bedrock:"+target.Model, target.Model
			r := bedrockCollect(t, Open(target, Options{Getenv: func(k string) string { return env[k] }}), bedrockHello)
			if r.err != nil {
				t.Fatalf("error: %s", r.err.Message)
			}
			if r.done.ServiceTier != tc.tier || r.done.LatencyMode != tc.mode {
				t.Errorf("served tier %q, latency %q; want %q, %q", r.done.ServiceTier, r.done.LatencyMode, tc.tier, tc.mode)
			}
			req := srv.Requests()[0].Converse
			if got := jsonOf(t, req.AdditionalModelRequestFields); tc.fields != "" && got != tc.fields || tc.fields == "" && req.AdditionalModelRequestFields != nil {
				t.Errorf("additionalModelRequestFields = %s, want %s", got, tc.fields)
			}
			gotTier := ""
			if req.ServiceTier != nil {
				gotTier = req.ServiceTier.Type
			}
			gotLatency := ""
			if req.PerformanceConfig != nil {
				gotLatency = req.PerformanceConfig.Latency
			}
			if gotTier != tc.target.ServiceTier || gotLatency != tc.target.Latency {
				t.Errorf("request serviceTier %q, performanceConfig.latency %q; want %q, %q", gotTier, gotLatency, tc.target.ServiceTier, tc.target.Latency)
			}
			gotMax := 0
			if ic := req.InferenceConfig; ic != nil && ic.MaxTokens != nil {
				gotMax = *ic.MaxTokens
			}
			if gotMax != tc.maxTokens {
				t.Errorf("maxTokens = %d, want %d", gotMax, tc.maxTokens)
			}
		})
	}
}

// OpenAI's own fields carry reasoning_effort and service_tier, and the
// service_tier its chunks report is the one recorded.
func TestOpenAISendsSettingsAndReportsTheTier(t *testing.T) {
	t.Parallel()
	srv := testserver.NewOpenAI(t,
		testserver.Send(testserver.Chunk{Content: "Paris", ServiceTier: "flex"}),
		testserver.Send(testserver.Chunk{FinishReason: "stop", ServiceTier: "flex"}),
		testserver.Send(testserver.Chunk{NoChoices: true, ServiceTier: "flex", Usage: &testserver.Usage{Prompt: 5, Completion: 1}}),
		testserver.Done())
	target, err := ParseSpec("openai:o4-mini")
	if err != nil {
		t.Fatal(err)
	}
	target.BaseURL, target.ReasoningEffort, target.ServiceTier = srv.URL(), "low", "flex"
	b := Open(target, Options{Getenv: func(string) string { return testKey }, HTTPClient: testClient(t), StallTimeout: 2 * time.Second})
	r := collect(t, b, hello)
	if r.err != nil {
		t.Fatalf("error: %s", r.err.Message)
	}
	if r.done.ServiceTier != "flex" {
		t.Errorf("served tier %q, want flex", r.done.ServiceTier)
	}
	got := srv.Requests()[0].Chat
	if got.ReasoningEffort != "low" || got.ServiceTier != "flex" {
		t.Errorf("request reasoning_effort %q, service_tier %q; want low, flex", got.ReasoningEffort, got.ServiceTier)
	}
}

// A tier a server reports with bytes that are not a word is not shown: it
// would reach the terminal.
func TestServedWordDropsWhatIsNotAWord(t *testing.T) {
	for in, want := range map[string]string{
		"flex": "flex", " priority ": "priority", "on_demand": "on_demand", "scale-1": "scale-1",
		"\x1b[31mred": "", "a b": "", strings.Repeat("x", 33): "", "": "",
	} {
		if got := servedWord(in); got != want {
			t.Errorf("servedWord(%q) = %q, want %q", in, got, want)
		}
	}
}

// Each provider takes the settings it has a field for and refuses the rest,
// saying what it does take.
func TestCheckSettings(t *testing.T) {
	one := 1.0
	half := 0.5
	for _, tc := range []struct {
		t    Target
		want string // "" for accepted, else a piece of the error
	}{
		{Target{Provider: "openai", Model: "o4-mini", ReasoningEffort: "high", ServiceTier: "priority"}, ""},
		{Target{Provider: "openai", Model: "o4-mini", ThinkingBudget: 2048}, "OpenAI-compatible servers take reasoning_effort"},
		{Target{Provider: "groq", Model: "openai/gpt-oss-20b", Latency: "optimized"}, "latency-optimized inference is Bedrock's"},
		{Target{Provider: ProviderBedrock, Model: "openai.gpt-oss-20b-1:0", ReasoningEffort: "low", ServiceTier: "flex", Latency: "optimized"}, ""},
		{Target{Provider: ProviderBedrock, Model: "global.anthropic.claude-opus-4-5-20251101-v1:0", ThinkingBudget: 4000}, ""},
		{Target{Provider: ProviderBedrock, Model: "us.anthropic.claude-sonnet-4-5-20250929-v1:0", ReasoningEffort: "high"}, "Claude takes thinking_budget"},
		{Target{Provider: ProviderBedrock, Model: "openai.gpt-oss-20b-1:0", ThinkingBudget: 2048}, "gpt-oss and Nova 2 take reasoning_effort"},
		{Target{Provider: ProviderBedrock, Model: "meta.llama3-3-70b-instruct-v1:0", ReasoningEffort: "low"}, "only OpenAI's gpt-oss and Amazon Nova 2"},
		{Target{Provider: ProviderBedrock, Model: "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc", ThinkingBudget: 2048}, ""},
		{Target{Provider: ProviderBedrock, Model: "anthropic.claude-sonnet-4-5-20250929-v1:0", ThinkingBudget: 2048, MaxTokens: 2048}, "must be below max_tokens"},
		{Target{Provider: ProviderBedrock, Model: "anthropic.claude-sonnet-4-5-20250929-v1:0", ThinkingBudget: 2048, Temperature: &half}, "temperature 1"},
		{Target{Provider: ProviderBedrock, Model: "anthropic.claude-sonnet-4-5-20250929-v1:0", ThinkingBudget: 2048, Temperature: &one}, ""},
		{Target{Provider: ProviderAnthropic, Model: "claude-sonnet-4-5", ThinkingBudget: 2048, ServiceTier: "priority"}, ""},
		{Target{Provider: ProviderAnthropic, Model: "claude-sonnet-4-5", ServiceTier: "flex"}, "tiers are priority and default"},
		{Target{Provider: ProviderDemo, Model: "swift", ServiceTier: "flex"}, "demo models take none"},
	} {
		err := CheckSettings(tc.t)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s:%s: refused: %v", tc.t.Provider, tc.t.Model, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s:%s: error %v, want one saying %q", tc.t.Provider, tc.t.Model, err, tc.want)
		}
	}
}

// A spec's settings follow its model after plus signs, by name or by value.
func TestSplitSpec(t *testing.T) {
	base, settings, err := SplitSpec("bedrock:openai.gpt-oss-20b-1:0+flex+reasoning_effort=high+optimized+2048")
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"service_tier", "flex"}, {"reasoning_effort", "high"}, {"latency", "optimized"}, {"thinking_budget", "2048"}}
	if base != "bedrock:openai.gpt-oss-20b-1:0" || len(settings) != len(want) {
		t.Fatalf("SplitSpec = %q, %v", base, settings)
	}
	for i := range want {
		if settings[i] != want[i] {
			t.Errorf("setting %d = %v, want %v", i, settings[i], want[i])
		}
	}
	if _, _, err := SplitSpec("openai:gpt-4o+fast"); err == nil || !strings.Contains(err.Error(), `"fast" is not a setting`) {
		t.Errorf("unknown bare value: error %v", err)
	}
	if base, settings, _ := SplitSpec("ollama:llama3.2:3b"); base != "ollama:llama3.2:3b" || settings != nil {
		t.Errorf("a spec without settings changed: %q %v", base, settings)
	}
}

// jsonOf is v as compact JSON, map keys sorted.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
