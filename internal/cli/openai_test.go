package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// These tests run the whole command against a loopback server that speaks
// OpenAI's streaming wire format, with the real go-openai client in between.

func TestRunOpenAIFixtureThroughBaseURL(t *testing.T) {
	script := append([]testserver.Step{testserver.Wait(120 * time.Millisecond)},
		testserver.SSEFile(t, "../../backends/testdata/streams/openai-gpt4o-mini-text-usage.sse", 5*time.Millisecond)...)
	srv := testserver.NewOpenAI(t, script...)
	getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": srv.URL()})
	code, out, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "openai:gpt-4o-mini", "What is the capital of the UK?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	r := rep.Results[0]
	if r.Text != "The capital of the UK is London." || r.StopReason == nil || *r.StopReason != "stop" {
		t.Errorf("text %q stop %v", r.Text, r.StopReason)
	}
	if r.Usage.Input != 78 || r.Usage.Output != 9 || !r.Usage.Exact {
		t.Errorf("usage %+v, want exact 78/9", r.Usage)
	}
	// The server waited 120 ms before its first byte: TTFT cannot be less.
	if r.TTFTMs == nil || *r.TTFTMs < 120 || *r.TotalMs < *r.TTFTMs {
		t.Errorf("ttft %v total %v", r.TTFTMs, r.TotalMs)
	}
	if r.Cost.Source != session.CostComputed || r.Cost.USD == nil || abs(*r.Cost.USD-0.0000171) > 1e-12 {
		t.Errorf("cost %+v, want computed 78×$0.15 + 9×$0.60 per million", r.Cost)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer sk-test-0123456789abcdef" {
		t.Fatalf("requests = %+v", reqs)
	}
	if so, _ := reqs[0].Body["stream_options"].(map[string]any); so["include_usage"] != true {
		t.Errorf("stream_options = %v, want include_usage", reqs[0].Body["stream_options"])
	}
}

func TestRunFailuresKeepOtherModels(t *testing.T) {
	cases := []struct {
		name string
		step []testserver.Step
		want string
	}{
		{"rate limited", []testserver.Step{testserver.Respond(429, `{"error":{"message":"Rate limit reached","type":"tokens","code":"rate_limit_exceeded"}}`, "Retry-After", "20")}, "retry after 20s"},
		{"server error", []testserver.Step{testserver.Respond(503, `{"error":{"message":"overloaded"}}`)}, "server error"},
		{"dropped", []testserver.Step{testserver.Content("partial"), testserver.Drop()}, "dropped"},
		{"malformed", []testserver.Step{testserver.Content("ok"), testserver.Data("{not json")}, "malformed"},
		{"stalled", []testserver.Step{testserver.Content("start"), testserver.Stall()}, "stalled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bad := testserver.NewOpenAI(t, tc.step...)
			good := testserver.NewOpenAI(t, testserver.Wait(50*time.Millisecond), testserver.Content("All"), testserver.Content(" good."),
				testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 5, Completion: 3}), testserver.Done())
			cfg := t.TempDir() + "/config.toml"
			writeFile(t, cfg, "[models.good]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase_url = \""+good.URL()+"\"\n")
			getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef", "OPENAI_BASE_URL": bad.URL()})
			code, out, errOut := runCLI(t, getenv, "", "run", "--json", "--config", cfg, "--stall-timeout", "300ms", "-m", "openai:gpt-4o-mini", "-m", "good", "hi")
			if code != exitFail {
				t.Errorf("exit %d, want 1: %s", code, errOut)
			}
			rep := decodeReport(t, out)
			if e := rep.Results[0].Error; e == nil || !strings.Contains(e.Message, tc.want) {
				t.Errorf("error = %+v, want it to say %q", e, tc.want)
			}
			if g := rep.Results[1]; g.Status != session.StatusDone || g.Text != "All good." || !g.Usage.Exact {
				t.Errorf("the healthy model: %+v", g)
			}
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	const key = "sk-proj-SECRETSECRET0123456789abcdef"
	echo := `{"error":{"message":"Incorrect API key provided: ` + key + `. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","code":"invalid_api_key"}}`
	for _, mode := range [][]string{{}, {"--json"}, {"--events"}} {
		srv := testserver.NewOpenAI(t, testserver.Respond(401, echo))
		getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": key, "OPENAI_BASE_URL": srv.URL()})
		args := append(append([]string{"run"}, mode...), "-m", "openai:gpt-4o-mini", "hi")
		code, out, errOut := runCLI(t, getenv, "", args...)
		if code != exitFail {
			t.Errorf("%v: exit %d", mode, code)
		}
		if strings.Contains(out+errOut, "SECRETSECRET") {
			t.Errorf("%v: the key leaked:\n%s\n%s", mode, out, errOut)
		}
		if !strings.Contains(out+errOut, "OPENAI_API_KEY") {
			t.Errorf("%v: a refused key should name its variable:\n%s\n%s", mode, out, errOut)
		}
	}
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
