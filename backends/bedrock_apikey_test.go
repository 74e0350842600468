package backends

import (
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
)

// testBedrockKey stands for a Bedrock API key (they start "ABSK").
const testBedrockKey = "ABSKZmFub3V0LXRlc3Qta2V5LW5vdC1hLXJlYWwtb25l"

// apiKeyEnv is the server's environment with a Bedrock API key and no AWS
// credentials at all.
func apiKeyEnv(srv *testserver.BedrockServer) map[string]string {
	env := maps.Clone(srv.Env())
	delete(env, "AWS_ACCESS_KEY_ID")
	delete(env, "AWS_SECRET_ACCESS_KEY")
	env[bedrockTokenVar] = testBedrockKey
	return env
}

// overTLS gives a backend the client that trusts srv's certificate.
func overTLS(srv *testserver.BedrockServer) func(*Options) {
	return func(o *Options) { o.HTTPClient = srv.Client() }
}

func TestBedrockAPIKeyAlone(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrockTLS(t, testserver.BedrockText(5, 2, "with ", "a key")...)
	r := bedrockCollect(t, bedrockBackend(apiKeyEnv(srv), "openai.gpt-oss-20b-1:0", overTLS(srv)), bedrockHello)
	r.wantDone(t, StopEnd, 5, 2, 100*time.Millisecond)
	if got := r.answer.String(); got != "with a key" {
		t.Errorf("answer = %q", got)
	}
	req := srv.Requests()[0]
	if got := req.Header.Get("Authorization"); got != "Bearer "+testBedrockKey {
		t.Errorf("Authorization = %q, want the key as a bearer token", got)
	}
	if req.Signed {
		t.Error("request SigV4-signed, want bearer auth only")
	}
}

// The key wins over AWS credentials when both are set, as in the SDK.
func TestBedrockAPIKeyWinsOverCredentials(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrockTLS(t, testserver.BedrockText(1, 1, "ok")...)
	env := maps.Clone(srv.Env())
	env[bedrockTokenVar] = testBedrockKey
	bedrockCollect(t, bedrockBackend(env, "m", overTLS(srv)), bedrockHello).wantDone(t, StopEnd, 1, 1, 100*time.Millisecond)
	if got := srv.Requests()[0].Header.Get("Authorization"); got != "Bearer "+testBedrockKey {
		t.Errorf("Authorization = %q, want the bearer token", got)
	}
}

// A key in the process's environment does not reach a backend given its
// own environment (tests, fanout serve): the SDK would read it itself.
func TestBedrockAPIKeyOnlyFromOwnEnvironment(t *testing.T) {
	t.Setenv(bedrockTokenVar, "ABSKcHJvY2Vzcy1rZXktdGhhdC1tdXN0LW5vdC1sZWFr")
	srv := testserver.NewBedrock(t, testserver.BedrockText(1, 1, "ok")...)
	bedrockCollect(t, bedrockBackend(srv.Env(), "m", nil), bedrockHello).wantDone(t, StopEnd, 1, 1, 100*time.Millisecond)
	req := srv.Requests()[0]
	if !req.Signed || strings.HasPrefix(req.Header.Get("Authorization"), "Bearer") {
		t.Errorf("Authorization = %q, want SigV4 with the environment's credentials", req.Header.Get("Authorization"))
	}
}

// A refused key: the message says so and never repeats the key, even when
// the server echoes it.
func TestBedrockAPIKeyRefused(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrockTLS(t, testserver.BedrockHTTPError(403, "AccessDeniedException",
		"Invalid API Key format: "+testBedrockKey))
	r := bedrockCollect(t, bedrockBackend(apiKeyEnv(srv), "m", overTLS(srv)), bedrockHello)
	r.wantError(t, 403, "AccessDeniedException", false, "refused your Bedrock API key", bedrockTokenVar)
	if strings.Contains(r.err.Message, testBedrockKey) || strings.Contains(r.err.Message, testBedrockKey[:12]) {
		t.Errorf("error message repeats the key: %q", r.err.Message)
	}
}

// Discovery lists Bedrock as ready with only a key and a region, and says
// which auth it will use.
func TestDiscoverBedrockWithAPIKey(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrockTLS(t)
	env := apiKeyEnv(srv)
	a := discoverBedrock(t.Context(), Options{Getenv: func(k string) string { return env[k] }, HTTPClient: srv.Client()})
	if !a.Ready || !strings.Contains(a.Why, "Bedrock API key") || !strings.Contains(a.Why, testserver.BedrockTestRegion) {
		t.Errorf("discovery = ready %v, %q; want ready through the Bedrock API key", a.Ready, a.Why)
	}
	delete(env, bedrockTokenVar)
	a = discoverBedrock(t.Context(), Options{Getenv: func(k string) string { return env[k] }})
	if a.Ready || !strings.Contains(a.Why, bedrockTokenVar) {
		t.Errorf("without a key or credentials: ready %v, %q; want not ready, naming %s", a.Ready, a.Why, bedrockTokenVar)
	}
}

// A key with a plain-HTTP endpoint: a clear message instead of the SDK's
// "sign request: bearer token with HTTP request requires HTTPS".
func TestBedrockAPIKeyNeedsHTTPS(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockText(1, 1, "ok")...)
	r := bedrockCollect(t, bedrockBackend(apiKeyEnv(srv), "m", nil), bedrockHello)
	r.wantError(t, 0, CodeBadConfig, false, "only sent over HTTPS", srv.URL(), "https://")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the server, want none", n)
	}
}

// bedrock-openai: Bedrock's Chat Completions endpoint with the same key.
func TestBedrockOpenAIPreset(t *testing.T) {
	t.Parallel()
	target, err := ParseSpec("bedrock-openai:openai.gpt-oss-120b-1:0")
	if err != nil {
		t.Fatal(err)
	}
	// The endpoint follows the region.
	b := newOpenAI(target, Options{Getenv: func(k string) string {
		return map[string]string{"AWS_REGION": "us-west-2", bedrockTokenVar: testBedrockKey}[k]
	}})
	ob, ok := b.(*openaiBackend)
	if !ok {
		t.Fatalf("backend %T, want the OpenAI-compatible one", b)
	}
	if want := "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1"; ob.baseURL != want {
		t.Errorf("base URL = %q, want %q", ob.baseURL, want)
	}
	// No region: a clear error.
	var e *Error
	for ev := range Open(target, Options{Getenv: func(k string) string {
		return map[string]string{bedrockTokenVar: testBedrockKey}[k]
	}}).Stream(t.Context(), bedrockHello) {
		e = ev.Error
	}
	if e == nil || e.Code != CodeNoRegion || !strings.Contains(e.Message, "AWS_REGION") {
		t.Errorf("without a region: %+v, want a no_region error naming AWS_REGION", e)
	}
	// Streamed from a loopback server, the key as the bearer token.
	srv := testserver.NewOpenAI(t, testserver.Content("via chat "), testserver.Content("completions"), testserver.Finish("stop"), testserver.Done())
	env := map[string]string{"AWS_REGION": "us-west-2", bedrockTokenVar: testBedrockKey, "BEDROCK_OPENAI_BASE_URL": srv.URL()}
	var answer strings.Builder
	for ev := range Open(target, Options{Getenv: func(k string) string { return env[k] }}).Stream(t.Context(), bedrockHello) {
		switch ev.Type {
		case EventDelta:
			answer.WriteString(ev.Delta.Text)
		case EventError:
			t.Fatalf("error: %s", ev.Error.Message)
		}
	}
	if answer.String() != "via chat completions" {
		t.Errorf("answer = %q", answer.String())
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Header.Get("Authorization") != "Bearer "+testBedrockKey || reqs[0].Chat.Model != "openai.gpt-oss-120b-1:0" {
		t.Errorf("requests = %+v, want one for the model with the key as bearer token", reqs)
	}
}

// OpenAI's open-weight models on Bedrock answer ConverseStream with their
// reasoning in a reasoningContent block (index 0, no signature) before the
// text (index 1): the reasoning stays apart, as reasoning.
func TestBedrockGPTOSSReasoning(t *testing.T) {
	t.Parallel()
	block := func(i int, delta map[string]any) testserver.BedrockStep {
		return testserver.BedrockEvent("contentBlockDelta", map[string]any{"contentBlockIndex": i, "delta": delta})
	}
	srv := testserver.NewBedrockTLS(t,
		testserver.BedrockEvent("messageStart", map[string]any{"role": "assistant"}),
		block(0, map[string]any{"reasoningContent": map[string]any{"text": "The user asks for "}}),
		block(0, map[string]any{"reasoningContent": map[string]any{"text": "a capital. Paris."}}),
		testserver.BedrockEvent("contentBlockStop", map[string]any{"contentBlockIndex": 0}),
		block(1, map[string]any{"text": "The capital of France "}),
		block(1, map[string]any{"text": "is Paris."}),
		testserver.BedrockEvent("contentBlockStop", map[string]any{"contentBlockIndex": 1}),
		testserver.BedrockStop("end_turn"),
		testserver.BedrockMetadata(70, 31, 412),
	)
	const model = "openai.gpt-oss-120b-1:0"
	r := bedrockCollect(t, bedrockBackend(apiKeyEnv(srv), model, overTLS(srv)), bedrockHello)
	r.wantDone(t, StopEnd, 70, 31, 412*time.Millisecond)
	if got := r.reasoning.String(); got != "The user asks for a capital. Paris." {
		t.Errorf("reasoning = %q", got)
	}
	if got := r.answer.String(); got != "The capital of France is Paris." {
		t.Errorf("answer = %q", got)
	}
	if got := srv.Requests()[0].ModelID; got != model {
		t.Errorf("model id = %q, want %q", got, model)
	}
}

// AWS_CA_BUNDLE is trusted for Bedrock's own requests, as the SDK trusts it
// for its client; a bundle that cannot be used says so and what to do.
func TestBedrockTrustsAWSCABundle(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrockTLS(t, testserver.BedrockText(2, 1, "trusted")...)
	env := apiKeyEnv(srv)
	env["AWS_CA_BUNDLE"] = srv.CAFile()
	r := bedrockCollect(t, bedrockBackend(env, "amazon.nova-micro-v1:0", nil), bedrockHello)
	if r.err != nil || r.answer.String() != "trusted" {
		t.Fatalf("with the bundle: error %v, answer %q", r.err, r.answer.String())
	}

	delete(env, "AWS_CA_BUNDLE")
	if r := bedrockCollect(t, bedrockBackend(env, "amazon.nova-micro-v1:0", nil), bedrockHello); r.err == nil {
		t.Error("without the bundle the loopback certificate was trusted")
	}

	notPEM := t.TempDir() + "/bundle.pem"
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		notPEM:                       "holds no PEM certificate",
		t.TempDir() + "/missing.pem": "cannot read",
	} {
		env["AWS_CA_BUNDLE"] = path
		r := bedrockCollect(t, bedrockBackend(env, "amazon.nova-micro-v1:0", nil), bedrockHello)
		if r.err == nil || r.err.Code != CodeBadConfig || !strings.Contains(r.err.Message, "AWS_CA_BUNDLE") || !strings.Contains(r.err.Message, want) {
			t.Errorf("bundle %s: error %+v, want a bad_config one saying %q", path, r.err, want)
		}
	}
}
