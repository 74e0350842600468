package cli

import (
	"encoding/json"
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
