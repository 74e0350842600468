package cli

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// The whole command against a loopback server speaking Bedrock's
// ConverseStream eventstream, with the real AWS SDK client in between.

func bedrockCLIEnv(t *testing.T, endpoint string, extra map[string]string) func(string) string {
	env := testserver.BedrockEnv(t, endpoint)
	for k, v := range extra {
		env[k] = v
	}
	return testEnv(t, env)
}

func TestRunBedrockWireFixture(t *testing.T) {
	script := append([]testserver.BedrockStep{testserver.BedrockWait(80 * time.Millisecond)},
		testserver.BedrockRawFile(t, "../../backends/testdata/streams/bedrock-converse-nova-micro-wire.eventstream", 256, 2*time.Millisecond)...)
	srv := testserver.NewBedrock(t, script...)
	const model = "us.amazon.nova-micro-v1:0"
	// Priced in the config, at Nova Micro's list price per million tokens
	// (TestRunBedrockPricedFromCatalog prices it from the catalog).
	cfg := t.TempDir() + "/config.toml"
	writeFile(t, cfg, "[prices.\"bedrock:"+model+"\"]\ninput = 0.035\noutput = 0.14\n")
	code, out, errOut := runCLI(t, bedrockCLIEnv(t, srv.URL(), nil), "", "run", "--json", "--config", cfg, "-m", "bedrock:"+model, "What is the capital of France?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	r := rep.Results[0]
	if !strings.HasPrefix(r.Text, "The capital of France is Paris. Paris is not only the capital city") {
		t.Errorf("text = %q", r.Text)
	}
	if r.StopReason == nil || *r.StopReason != "stop" || r.Usage.Input != 13 || r.Usage.Output != 82 || !r.Usage.Exact {
		t.Errorf("stop %v usage %+v", r.StopReason, r.Usage)
	}
	if r.ProviderLatencyMs == nil || *r.ProviderLatencyMs != 391 {
		t.Errorf("provider latency = %v, want 391", r.ProviderLatencyMs)
	}
	if r.TTFTMs == nil || *r.TTFTMs < 80 {
		t.Errorf("ttft %v is below the server's 80ms first-byte delay", r.TTFTMs)
	}
	if want := (13*0.035 + 82*0.14) / 1e6; r.Cost.Source != session.CostComputed || r.Cost.USD == nil || abs(*r.Cost.USD-want) > 1e-12 {
		t.Errorf("cost = %+v, want computed %v", r.Cost, want)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].ModelID != model || !reqs[0].Signed {
		t.Errorf("requests = %+v", reqs)
	}
}

func TestRunBedrockThrottledBesideDemo(t *testing.T) {
	srv := testserver.NewBedrock(t, testserver.BedrockHTTPError(429, "ThrottlingException", "Rate exceeded"))
	code, out, errOut := runCLI(t, bedrockCLIEnv(t, srv.URL(), nil), "", "run", "--json", "-m", "bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0", "-m", "demo:swift", "--max-tokens", "15", "hi")
	if code != exitFail {
		t.Errorf("exit %d, want 1: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	if e := rep.Results[0].Error; e == nil || e.Status != 429 || !e.Retryable || !strings.Contains(e.Message, "rate limited") {
		t.Errorf("error = %+v", e)
	}
	if rep.Results[1].Status != session.StatusDone {
		t.Errorf("demo beside a throttled Bedrock: %+v", rep.Results[1])
	}
	if strings.Contains(out+errOut, testserver.BedrockTestSecretAccessKey) {
		t.Error("the secret access key leaked")
	}
}

func TestDefaultsIncludeBedrockWhenCredentialsResolve(t *testing.T) {
	srv := testserver.NewBedrock(t, testserver.BedrockText(4, 2, "Hi", " there")...)
	code, out, errOut := runCLI(t, bedrockCLIEnv(t, srv.URL(), nil), "", "models", "--json")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var lines []modelLine
	if err := json.Unmarshal([]byte(out), &lines); err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if l.Provider == "bedrock" {
			if !l.Ready || !strings.HasPrefix(l.Model, "us.") || l.Placeholder {
				t.Errorf("bedrock line = %+v, want ready with a us. model in us-east-1", l)
			}
			return
		}
	}
	t.Error("no bedrock line")
}

// The promise for Bedrock API keys, end to end: with only a key, a
// region and an endpoint (and the CA bundle that makes the loopback
// certificate trusted, as a corporate proxy's would be), `fanout run` reaches
// ConverseStream with a bearer token, sends the tier and latency mode of the
// config's [models.NAME], and reports what the metadata says served it —
// and the key is nowhere in what fanout prints or keeps.
func TestRunBedrockWithOnlyAnAPIKeyAndATier(t *testing.T) {
	const key = "ABSKZmFub3V0LWNsaS10ZXN0LWtleS1ub3QtcmVhbA=="
	srv := testserver.NewBedrockTLS(t,
		testserver.BedrockReasoning("Think. "),
		testserver.BedrockDelta("Paris."),
		testserver.BedrockStop("end_turn"),
		testserver.BedrockServedMetadata(9, 4, "flex", "optimized"))
	cfg := t.TempDir() + "/config.toml"
	writeFile(t, cfg, `[models.oss]
provider = "bedrock"
model = "openai.gpt-oss-120b-1:0"
reasoning_effort = "high"
service_tier = "flex"
latency = "optimized"
`)
	getenv := testEnv(t, map[string]string{
		"AWS_BEARER_TOKEN_BEDROCK":         key,
		"AWS_REGION":                       testserver.BedrockTestRegion,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": srv.URL(),
		"AWS_CA_BUNDLE":                    srv.CAFile(),
	})
	code, out, errOut := runCLI(t, getenv, "", "run", "--json", "--config", cfg, "-m", "oss", "What is the capital of France?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := decodeReport(t, out).Results[0]
	if r.Text != "Paris." || r.Reasoning != "Think. " {
		t.Errorf("text %q reasoning %q", r.Text, r.Reasoning)
	}
	if r.ServiceTier == nil || *r.ServiceTier != "flex" || r.LatencyMode == nil || *r.LatencyMode != "optimized" {
		t.Errorf("service_tier %v latency_mode %v, want flex and optimized", r.ServiceTier, r.LatencyMode)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	req := reqs[0]
	if req.Header.Get("Authorization") != "Bearer "+key || req.Signed {
		t.Errorf("Authorization %q (signed %v), want the key as a bearer token", req.Header.Get("Authorization"), req.Signed)
	}
	c := req.Converse
	if c.ServiceTier == nil || c.ServiceTier.Type != "flex" || c.PerformanceConfig == nil || c.PerformanceConfig.Latency != "optimized" ||
		c.AdditionalModelRequestFields["reasoning_effort"] != "high" {
		t.Errorf("request settings: tier %+v performance %+v fields %v", c.ServiceTier, c.PerformanceConfig, c.AdditionalModelRequestFields)
	}
	if strings.Contains(out+errOut, key) {
		t.Error("the key is in the output")
	}
	if n := wantNoFileHolds(t, getenv("HOME"), key); n == 0 {
		t.Error("no file was written under HOME: the session was not recorded")
	}
}

// A tier nobody reported is null in --json, not a guess from the request.
func TestRunReportsNoTierWhenNoneIsReported(t *testing.T) {
	srv := testserver.NewBedrock(t, testserver.BedrockText(3, 1, "ok")...)
	code, out, errOut := runCLI(t, bedrockCLIEnv(t, srv.URL(), nil), "", "run", "--json", "-m", "bedrock:amazon.nova-micro-v1:0+flex", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"service_tier":null`) || !strings.Contains(out, `"latency_mode":null`) {
		t.Errorf("want service_tier and latency_mode null in:\n%s", out)
	}
	if got := srv.Requests()[0].Converse.ServiceTier; got == nil || got.Type != "flex" {
		t.Errorf("the spec's +flex was not sent: %+v", got)
	}
}

// wantNoFileHolds fails if any file under dir contains secret, and returns
// how many files it read.
func wantNoFileHolds(t *testing.T, dir, secret string) (files int) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the secret", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// The text output says how the answer was served and what the prompt cache
// did, beside the table.
func TestRunTextShowsTierAndCache(t *testing.T) {
	srv := testserver.NewBedrock(t,
		testserver.BedrockDelta("ok"),
		testserver.BedrockStop("end_turn"),
		testserver.BedrockEvent("metadata", map[string]any{
			"usage":       map[string]any{"inputTokens": 20, "outputTokens": 1, "totalTokens": 1321, "cacheReadInputTokens": 1000, "cacheWriteInputTokens": 300},
			"metrics":     map[string]any{"latencyMs": 80},
			"serviceTier": map[string]any{"type": "priority"},
		}))
	code, out, errOut := runCLI(t, bedrockCLIEnv(t, srv.URL(), nil), "", "run", "-m", "bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0+priority", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0 · priority ─",
		"of its 1320 input tokens, 1000 cached, 300 written",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
