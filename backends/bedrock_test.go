package backends

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
)

// These tests run the real AWS SDK client against a loopback server that
// speaks Bedrock's wire protocol. The environment comes only from
// Options.Getenv, so neither the developer's variables nor ~/.aws count.

var bedrockHello = Request{Messages: []Message{{Role: RoleUser, Content: "Hello"}}}

func bedrockStreamsFile(name string) string { return filepath.Join("testdata", "streams", name) }

// bedrockBackend opens a Bedrock target on env; mod adjusts the options.
func bedrockBackend(env map[string]string, model string, mod func(*Options)) Backend {
	opts := Options{Getenv: func(k string) string { return env[k] }}
	if mod != nil {
		mod(&opts)
	}
	return Open(Target{Name: "bedrock:" + model, Provider: ProviderBedrock, Model: model, Label: model}, opts)
}

type bedrockResult struct {
	answer, reasoning strings.Builder
	usage             *Usage
	done              *Done
	err               *Error
	deltas            int
}

// bedrockCollect drains a stream, checking that it ends with exactly one
// Done or Error and nothing after it.
func bedrockCollect(t *testing.T, b Backend, req Request) *bedrockResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r := &bedrockResult{}
	for ev := range b.Stream(ctx, req) {
		if r.done != nil || r.err != nil {
			t.Errorf("event after the end: %+v", ev)
		}
		switch ev.Type {
		case EventDelta:
			r.deltas++
			if ev.Delta.Kind == KindReasoning {
				r.reasoning.WriteString(ev.Delta.Text)
			} else {
				r.answer.WriteString(ev.Delta.Text)
			}
		case EventUsage:
			r.usage = ev.Usage
		case EventDone:
			r.done = ev.Done
		case EventError:
			r.err = ev.Error
		default:
			t.Errorf("unknown event %+v", ev)
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("the stream did not end within 10s")
	}
	if r.done == nil && r.err == nil {
		t.Fatalf("the stream ended with neither Done nor Error (answer %q)", r.answer.String())
	}
	return r
}

func (r *bedrockResult) wantDone(t *testing.T, stop StopReason, input, output int, latency time.Duration) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("error %+v, want done", *r.err)
	}
	if r.done.StopReason != stop || r.done.ProviderLatency != latency {
		t.Errorf("done = %+v, want stop %q latency %s", *r.done, stop, latency)
	}
	if r.usage == nil {
		t.Fatalf("no usage")
	}
	if r.usage.Input != input || r.usage.Output != output || !r.usage.Exact {
		t.Errorf("usage = %+v, want input %d output %d exact", *r.usage, input, output)
	}
}

// wantError checks the error and that the message names every one of want.
func (r *bedrockResult) wantError(t *testing.T, status int, code ErrorCode, retryable bool, want ...string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("done %+v, want an error", *r.done)
	}
	e := r.err
	t.Logf("error: %s", e.Message)
	if e.Status != status || e.Code != code || e.Retryable != retryable {
		t.Errorf("error = status %d code %q retryable %v, want %d %q %v (%s)", e.Status, e.Code, e.Retryable, status, code, retryable, e.Message)
	}
	for _, w := range want {
		if !strings.Contains(e.Message, w) {
			t.Errorf("error message %q does not contain %q", e.Message, w)
		}
	}
}

func TestBedrockConformanceNovaWire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		chunk int
		delay time.Duration
	}{
		{"whole", 0, 0},
		// 7-byte pieces cut every frame, its prelude and its CRC apart.
		{"pieces", 7, time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewBedrock(t, testserver.BedrockRawFile(t, bedrockStreamsFile("bedrock-converse-nova-micro-wire.eventstream"), tc.chunk, tc.delay)...)
			r := bedrockCollect(t, bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", nil), bedrockHello)
			r.wantDone(t, StopEnd, 13, 82, 391*time.Millisecond)
			if got := r.answer.String(); !strings.HasPrefix(got, "The capital of France is Paris. Paris is not only the capital city") {
				t.Errorf("answer = %q", got)
			}
			if strings.Contains(r.answer.String(), "abcdefghij") {
				t.Errorf("the padding field leaked into the answer")
			}
			if r.reasoning.Len() != 0 {
				t.Errorf("reasoning = %q, want none", r.reasoning.String())
			}
		})
	}
}

func TestBedrockConformanceClaudeReasoning(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockEventsFile(t, bedrockStreamsFile("bedrock-converse-claude-reasoning.events.json"))...)
	r := bedrockCollect(t, bedrockBackend(srv.Env(), "us.anthropic.claude-sonnet-4-5-20250929-v1:0", nil), bedrockHello)
	r.wantDone(t, StopEnd, 51, 94, 2281*time.Millisecond)
	if got := r.answer.String(); !strings.HasPrefix(got, `There are **3** r's in "strawberry":`) {
		t.Errorf("answer = %q", got)
	}
	reasoning := r.reasoning.String()
	if !strings.HasPrefix(reasoning, "Let me count the r's") || !strings.HasSuffix(reasoning, "So there are 3 r's.") {
		t.Errorf("reasoning = %q", reasoning)
	}
	if strings.Contains(reasoning, "Ep0C") || strings.Contains(r.answer.String(), "Ep0C") {
		t.Errorf("the reasoning signature leaked into the text")
	}
}

func TestBedrockConformanceMaxTokens(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockEventsFile(t, bedrockStreamsFile("bedrock-converse-max-tokens.events.json"))...)
	r := bedrockCollect(t, bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", nil), bedrockHello)
	r.wantDone(t, StopMaxTokens, 2, 10, 317*time.Millisecond)
	if got := r.answer.String(); got != "Hello! How can I assist you today? If" {
		t.Errorf("answer = %q", got)
	}
}

func TestBedrockThrottlingFixture(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile(bedrockStreamsFile("bedrock-error-throttling-429.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		resp       testserver.BedrockErrorResponse
		retryAfter time.Duration
		want       string
	}{
		// The type in the body's __type only, and in the header as well.
		{"body", testserver.BedrockErrorResponse{Status: 429, Body: body}, 0, "wait a moment"},
		{"header", testserver.BedrockErrorResponse{Status: 429, Body: body, ErrorType: "ThrottlingException", RetryAfter: "7"}, 7 * time.Second, "retry after 7s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewBedrock(t, testserver.BedrockFail(tc.resp))
			r := bedrockCollect(t, bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", nil), bedrockHello)
			r.wantError(t, 429, "ThrottlingException", true, "rate limited", "Rate exceeded", tc.want)
			if r.err.RetryAfter != tc.retryAfter {
				t.Errorf("retry after = %s, want %s", r.err.RetryAfter, tc.retryAfter)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests, want 1: a hidden retry would distort the timings", n)
			}
		})
	}
}

func TestBedrockConfigurationErrors(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockText(1, 1, "unused")...)
	for _, tc := range []struct {
		name string
		edit func(env map[string]string)
		code ErrorCode
		want []string
	}{
		{"no region", func(env map[string]string) { delete(env, "AWS_REGION") }, "no_region", []string{"AWS_REGION"}},
		{"no credentials", func(env map[string]string) {
			delete(env, "AWS_ACCESS_KEY_ID")
			delete(env, "AWS_SECRET_ACCESS_KEY")
		}, "no_credentials", []string{"AWS_PROFILE", "aws sso login", "AWS_ACCESS_KEY_ID"}},
		{"missing profile", func(env map[string]string) {
			delete(env, "AWS_ACCESS_KEY_ID")
			env["AWS_PROFILE"] = "nope"
		}, "no_profile", []string{`profile "nope" not found`, "AWS_PROFILE"}},
		{"bad max attempts", func(env map[string]string) { env["AWS_MAX_ATTEMPTS"] = "many" }, "bad_config", []string{"AWS_MAX_ATTEMPTS"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := srv.Env()
			tc.edit(env)
			r := bedrockCollect(t, bedrockBackend(env, "amazon.nova-micro-v1:0", nil), bedrockHello)
			r.wantError(t, 0, tc.code, false, tc.want...)
		})
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the server, want none", n)
	}
}

func TestBedrockProfileFromSharedFiles(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockText(3, 2, "from ", "a profile")...)
	env := srv.Env()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"} {
		delete(env, k)
	}
	dir := t.TempDir()
	env["AWS_PROFILE"] = "fanout"
	env["AWS_CONFIG_FILE"] = filepath.Join(dir, "config")
	env["AWS_SHARED_CREDENTIALS_FILE"] = filepath.Join(dir, "credentials")
	writeFile(t, env["AWS_CONFIG_FILE"], "[profile fanout]\nregion = eu-west-3\n")
	writeFile(t, env["AWS_SHARED_CREDENTIALS_FILE"], "[fanout]\naws_access_key_id = AKIAPROFILEKEY000000\naws_secret_access_key = profile-secret\n")

	r := bedrockCollect(t, bedrockBackend(env, "amazon.nova-micro-v1:0", nil), bedrockHello)
	r.wantDone(t, StopEnd, 3, 2, 100*time.Millisecond)
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	// The signature names the profile's key and region.
	if auth := reqs[0].Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIAPROFILEKEY000000/") || !strings.Contains(auth, "/eu-west-3/bedrock/aws4_request") {
		t.Errorf("Authorization = %q, want the profile's key and region", auth)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestBedrockHTTPErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		status    int
		errType   string
		message   string
		retryable bool
		want      []string
	}{
		{"access denied", 403, "AccessDeniedException", "You don't have access to the model with the specified model ID.", false,
			[]string{"bedrock refused your AWS credentials", "bedrock:InvokeModelWithResponseStream", "model ID"}},
		{"unrecognized client", 403, "UnrecognizedClientException", "The security token included in the request is invalid.", false,
			[]string{"bedrock refused your AWS credentials", "AWS_PROFILE", "AWS_ACCESS_KEY_ID"}},
		{"expired token", 403, "ExpiredTokenException", "The security token included in the request is expired", false,
			[]string{"bedrock refused your AWS credentials", "expired", "aws sso login"}},
		{"validation", 400, "ValidationException", "The provided model identifier is invalid.", false,
			[]string{"rejected the request", "400 ValidationException", "The provided model identifier is invalid."}},
		{"not found", 404, "ResourceNotFoundException", "Model not found.", false,
			[]string{"model id", "AWS_REGION", "Model not found."}},
		{"model not ready", 429, "ModelNotReadyException", "Model is not ready.", true, []string{"not ready", "retry"}},
		{"internal", 500, "InternalServerException", "Internal error.", true, []string{"server error", "retry later"}},
		{"unavailable", 503, "ServiceUnavailableException", "Service unavailable.", true, []string{"503", "retry later"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewBedrock(t, testserver.BedrockHTTPError(tc.status, tc.errType, tc.message))
			r := bedrockCollect(t, bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", nil), bedrockHello)
			r.wantError(t, tc.status, ErrorCode(tc.errType), tc.retryable, tc.want...)
			if r.deltas != 0 {
				t.Errorf("%d deltas before the error", r.deltas)
			}
		})
	}
}

func TestBedrockSecretsRedacted(t *testing.T) {
	t.Parallel()
	const token = "FwoGZXIvYXdzEFanoutSessionToken1234567890"
	srv := testserver.NewBedrock(t, testserver.BedrockHTTPError(400, "ValidationException",
		"bad request signed with "+testserver.BedrockTestSecretAccessKey+" and token "+token))
	env := srv.Env()
	env["AWS_SESSION_TOKEN"] = token
	r := bedrockCollect(t, bedrockBackend(env, "amazon.nova-micro-v1:0", nil), bedrockHello)
	r.wantError(t, 400, "ValidationException", false, "bad request signed with", redacted)
	if strings.Contains(r.err.Message, testserver.BedrockTestSecretAccessKey) || strings.Contains(r.err.Message, token) {
		t.Errorf("a secret leaked: %q", r.err.Message)
	}
}

func TestBedrockExceptionMidStream(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		exception string
		status    int
		code      ErrorCode
		retryable bool
		want      string
	}{
		{"modelStreamErrorException", 424, "ModelStreamErrorException", true, "stream failed"},
		{"throttlingException", 429, "ThrottlingException", true, "rate limited"},
		{"modelTimeoutException", 408, "ModelTimeoutException", true, "(408 ModelTimeoutException)"},
		{"internalServerException", 500, "InternalServerException", true, "server error"},
		{"serviceUnavailableException", 503, "ServiceUnavailableException", true, "server error"},
		{"validationException", 400, "ValidationException", false, "rejected the request"},
		{"brandNewException", 0, "BrandNewException", false, "reported an error (BrandNewException)"},
	} {
		t.Run(tc.exception, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewBedrock(t,
				testserver.BedrockEvent("messageStart", map[string]string{"role": "assistant"}),
				testserver.BedrockDelta("Hello"),
				testserver.BedrockDelta(", wor"),
				testserver.BedrockException(tc.exception, "something broke mid-stream"),
				testserver.BedrockDelta("never sent"),
			)
			r := bedrockCollect(t, bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", nil), bedrockHello)
			r.wantError(t, tc.status, tc.code, tc.retryable, tc.want, "something broke mid-stream")
			if got := r.answer.String(); got != "Hello, wor" {
				t.Errorf("partial answer = %q, want %q", got, "Hello, wor")
			}
		})
	}
}

func TestBedrockTransportErrors(t *testing.T) {
	t.Parallel()
	delta := testserver.BedrockFrame("event", "contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"more"}}`)
	badCRC := append([]byte(nil), delta...)
	badCRC[len(badCRC)-1] ^= 0xff // the message CRC
	badPrelude := append([]byte(nil), delta...)
	badPrelude[9] ^= 0xff // the prelude CRC
	start := func(more ...testserver.BedrockStep) []testserver.BedrockStep {
		return append([]testserver.BedrockStep{
			testserver.BedrockEvent("messageStart", map[string]string{"role": "assistant"}),
			testserver.BedrockDelta("partial"),
		}, more...)
	}
	for _, tc := range []struct {
		name    string
		steps   []testserver.BedrockStep
		code    ErrorCode
		partial string
		want    []string
	}{
		{"dropped mid-stream", start(testserver.BedrockDrop()), "connection_dropped", "partial", []string{"dropped the connection mid-stream", "partial answer is kept"}},
		{"dropped mid-frame", start(testserver.BedrockRaw(delta[:len(delta)/2]), testserver.BedrockDrop()), "connection_dropped", "partial", []string{"dropped the connection"}},
		{"ended without messageStop", start(), "connection_dropped", "partial", []string{"dropped the connection"}},
		{"dropped before answering", []testserver.BedrockStep{testserver.BedrockDrop()}, "connection_dropped", "", []string{"closed the connection before answering"}},
		{"dropped after messageStart, before any text", []testserver.BedrockStep{testserver.BedrockEvent("messageStart", map[string]string{"role": "assistant"}), testserver.BedrockDrop()},
			"connection_dropped", "", []string{"closed the connection before answering"}},
		{"ended after messageStart, without text or messageStop", []testserver.BedrockStep{testserver.BedrockEvent("messageStart", map[string]string{"role": "assistant"})},
			"connection_dropped", "", []string{"closed the connection before answering"}},
		{"bad message crc", start(testserver.BedrockRaw(badCRC), testserver.BedrockStop("end_turn")), "malformed_stream", "partial", []string{"malformed stream", "checksum"}},
		{"bad prelude crc", start(testserver.BedrockRaw(badPrelude)), "malformed_stream", "partial", []string{"malformed stream", "checksum"}},
		{"stalled mid-stream", start(testserver.BedrockStall()), "stalled", "partial", []string{"bedrock stopped sending after ~2 tokens in ", "no data for 200ms", "the partial answer is kept"}},
		{"stalled before headers", []testserver.BedrockStep{testserver.BedrockStall()}, "stalled", "", []string{"stalled", "200ms", "raise --stall-timeout if the model is slow to start"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewBedrock(t, tc.steps...)
			b := bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", func(o *Options) { o.StallTimeout = 200 * time.Millisecond })
			r := bedrockCollect(t, b, bedrockHello)
			r.wantError(t, 0, tc.code, tc.code != "malformed_stream", tc.want...)
			if tc.partial != "" && strings.Contains(r.err.Message, "--stall-timeout") {
				t.Errorf("a stream that had started is told to raise --stall-timeout: %s", r.err.Message)
			}
			if got := r.answer.String(); got != tc.partial {
				t.Errorf("answer = %q, want %q", got, tc.partial)
			}
		})
	}
}

func TestBedrockConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there any more
	r := bedrockCollect(t, bedrockBackend(testserver.BedrockEnv(t, url), "amazon.nova-micro-v1:0", nil), bedrockHello)
	r.wantError(t, 0, "connection_refused", true, "not reachable at "+url, "connection refused")
}

func TestBedrockCacheTokens(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t,
		testserver.BedrockDelta("cached"),
		testserver.BedrockStop("end_turn"),
		testserver.BedrockEvent("metadata", `{"usage":{"inputTokens":5,"outputTokens":7,"totalTokens":132,"cacheReadInputTokens":100,"cacheWriteInputTokens":20},"metrics":{"latencyMs":42}}`),
	)
	r := bedrockCollect(t, bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", nil), bedrockHello)
	r.wantDone(t, StopEnd, 125, 7, 42*time.Millisecond)
	if r.usage.CachedInput != 100 || r.usage.CacheWrite != 20 {
		t.Errorf("usage = %+v, want cached 100, cache write 20", *r.usage)
	}
}

func TestBedrockStopReasons(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]StopReason{
		"end_turn":                      StopEnd,
		"stop_sequence":                 StopEnd,
		"max_tokens":                    StopMaxTokens,
		"content_filtered":              StopContentFilter,
		"guardrail_intervened":          StopContentFilter,
		"tool_use":                      StopToolUse,
		"model_context_window_exceeded": "model_context_window_exceeded",
	} {
		t.Run(in, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewBedrock(t, testserver.BedrockDelta("x"), testserver.BedrockStop(in), testserver.BedrockMetadata(1, 1, 5))
			r := bedrockCollect(t, bedrockBackend(srv.Env(), "m", nil), bedrockHello)
			r.wantDone(t, want, 1, 1, 5*time.Millisecond)
		})
	}
}

func TestBedrockRequest(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockText(10, 2, "ok")...)
	const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	temp := 0.25
	b := Open(Target{Name: "bedrock:" + model, Provider: ProviderBedrock, Model: model, MaxTokens: 321, Temperature: new(0.9)},
		Options{Getenv: func(k string) string { return srv.Env()[k] }})
	req := Request{
		System: "Be brief.",
		Messages: []Message{
			{Role: RoleUser, Content: "Hi"},
			{Role: RoleAssistant, Content: "Hello!"},
			{Role: RoleUser, Content: "Capital of France?"},
		},
		Temperature: &temp, // the request's own wins over the target's
	}
	bedrockCollect(t, b, req).wantDone(t, StopEnd, 10, 2, 100*time.Millisecond)

	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	got := reqs[0]
	if got.ModelID != model {
		t.Errorf("model id = %q, want %q", got.ModelID, model)
	}
	if !got.Signed || !strings.Contains(got.Header.Get("Authorization"), "Credential="+testserver.BedrockTestAccessKeyID+"/") {
		t.Errorf("request not SigV4-signed with the test key: Authorization %q", got.Header.Get("Authorization"))
	}
	c := got.Converse
	if len(c.System) != 1 || c.System[0].Text != "Be brief." {
		t.Errorf("system = %+v", c.System)
	}
	wantMsgs := []struct{ role, text string }{{"user", "Hi"}, {"assistant", "Hello!"}, {"user", "Capital of France?"}}
	if len(c.Messages) != len(wantMsgs) {
		t.Fatalf("messages = %+v", c.Messages)
	}
	for i, w := range wantMsgs {
		m := c.Messages[i]
		if m.Role != w.role || len(m.Content) != 1 || m.Content[0].Text != w.text {
			t.Errorf("message %d = %+v, want %s %q", i, m, w.role, w.text)
		}
	}
	ic := c.InferenceConfig
	if ic == nil || ic.Temperature == nil || *ic.Temperature != 0.25 || ic.MaxTokens == nil || *ic.MaxTokens != 321 {
		t.Errorf("inferenceConfig = %+v, want temperature 0.25 and maxTokens 321", ic)
	}
}

func TestBedrockRequestWithoutParameters(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockText(1, 1, "ok")...)
	bedrockCollect(t, bedrockBackend(srv.Env(), "m", nil), bedrockHello).wantDone(t, StopEnd, 1, 1, 100*time.Millisecond)
	c := srv.Requests()[0].Converse
	if c.InferenceConfig != nil || c.System != nil {
		t.Errorf("request = %+v, want no system and no inferenceConfig", c)
	}
}

func TestBedrockRetries(t *testing.T) {
	t.Parallel()
	unavailable := []testserver.BedrockStep{testserver.BedrockHTTPError(503, "ServiceUnavailableException", "try again")}
	ok := testserver.BedrockText(1, 1, "second time lucky")

	t.Run("one attempt by default", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewBedrockSequence(t, unavailable, ok)
		r := bedrockCollect(t, bedrockBackend(srv.Env(), "m", nil), bedrockHello)
		r.wantError(t, 503, "ServiceUnavailableException", true)
		if n := len(srv.Requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
	t.Run("AWS_MAX_ATTEMPTS honoured", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewBedrockSequence(t, unavailable, ok)
		env := srv.Env()
		env["AWS_MAX_ATTEMPTS"] = "2"
		r := bedrockCollect(t, bedrockBackend(env, "m", nil), bedrockHello)
		r.wantDone(t, StopEnd, 1, 1, 100*time.Millisecond)
		if n := len(srv.Requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
}

// waitIdle waits until the server has no request in flight: the client has
// closed its connection.
func waitIdle(t *testing.T, srv *testserver.BedrockServer) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Active() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server still answers %d request(s): the stream was not closed", srv.Active())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBedrockCancel(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t,
		testserver.BedrockEvent("messageStart", map[string]string{"role": "assistant"}),
		testserver.BedrockDelta("first"),
		testserver.BedrockStall(), // only the cancel can end this stream
	)
	b := bedrockBackend(srv.Env(), "m", nil) // default stall timeout: 60s
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	var events []Event
	var cancelledAt time.Time
	for ev := range b.Stream(ctx, bedrockHello) {
		events = append(events, ev)
		if ev.Type == EventDelta {
			cancel()
			cancelledAt = time.Now()
		}
	}
	if cancelledAt.IsZero() {
		t.Fatalf("no delta before the end: %+v", events)
	}
	if d := time.Since(cancelledAt); d > 2*time.Second {
		t.Errorf("the stream ended %s after the cancel", d)
	}
	for _, ev := range events[1:] {
		t.Errorf("event after the cancel: %+v", ev)
	}
	waitIdle(t, srv)
}

func TestBedrockConsumerStops(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t,
		testserver.BedrockDelta("one"),
		testserver.BedrockDelta("two"),
		testserver.BedrockStall(),
	)
	b := bedrockBackend(srv.Env(), "m", nil)
	n := 0
	// A range loop panics if the iterator yields after the body broke out.
	for range b.Stream(t.Context(), bedrockHello) {
		n++
		break
	}
	if n != 1 {
		t.Errorf("%d events, want 1", n)
	}
	waitIdle(t, srv)
}

// TestBedrockProcessEnvironment runs with Options.Getenv nil, as fanout does:
// the SDK reads the process environment itself. It sets the variables with
// t.Setenv, so it cannot run in parallel with the other tests.
func TestBedrockProcessEnvironment(t *testing.T) {
	srv := testserver.NewBedrockSequence(t,
		[]testserver.BedrockStep{testserver.BedrockHTTPError(503, "ServiceUnavailableException", "try again")},
		testserver.BedrockText(4, 3, "from the ", "process env"),
	)
	// Blank every variable through which the developer's own AWS setup could
	// reach the SDK, then point it at the test server.
	for _, k := range []string{
		"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
		"AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
		"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_DEFAULTS_MODE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
		"AWS_CA_BUNDLE", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT",
	} {
		t.Setenv(k, "")
	}
	for k, v := range srv.Env() {
		t.Setenv(k, v)
	}
	open := func() Backend {
		return Open(Target{Name: "bedrock:m", Provider: ProviderBedrock, Model: "m"}, Options{})
	}

	r := bedrockCollect(t, open(), bedrockHello)
	r.wantError(t, 503, "ServiceUnavailableException", true)
	if n := len(srv.Requests()); n != 1 {
		t.Fatalf("%d requests, want 1: no retry unless AWS_MAX_ATTEMPTS says so", n)
	}

	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	srv2 := testserver.NewBedrockSequence(t,
		[]testserver.BedrockStep{testserver.BedrockHTTPError(503, "ServiceUnavailableException", "try again")},
		testserver.BedrockText(4, 3, "from the ", "process env"),
	)
	t.Setenv("AWS_ENDPOINT_URL_BEDROCK_RUNTIME", srv2.URL())
	r = bedrockCollect(t, open(), bedrockHello)
	r.wantDone(t, StopEnd, 4, 3, 100*time.Millisecond)
	if got := r.answer.String(); got != "from the process env" {
		t.Errorf("answer = %q", got)
	}
	if n := len(srv2.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 with AWS_MAX_ATTEMPTS=2", n)
	}

	t.Setenv("AWS_REGION", "")
	open().Stream(t.Context(), bedrockHello)(func(ev Event) bool {
		if ev.Type != EventError || ev.Error.Code != "no_region" {
			t.Errorf("without a region: %+v, want a no_region error", ev)
		}
		return true
	})

	// No credentials anywhere, and the instance metadata service disabled
	// (AWS_EC2_METADATA_DISABLED is in the server's env).
	t.Setenv("AWS_REGION", testserver.BedrockTestRegion)
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	r = bedrockCollect(t, open(), bedrockHello)
	r.wantError(t, 0, "no_credentials", false, "AWS_PROFILE", "aws sso login", "AWS_ACCESS_KEY_ID")
}

func TestBedrockSSOSessionMissing(t *testing.T) {
	t.Parallel()
	srv := testserver.NewBedrock(t, testserver.BedrockText(1, 1, "unused")...)
	env := srv.Env()
	delete(env, "AWS_ACCESS_KEY_ID")
	delete(env, "AWS_SECRET_ACCESS_KEY")
	env["AWS_PROFILE"] = "sso"
	// No token is cached for this start URL, so the SDK fails before any
	// network call, as it does once `aws sso login` has expired.
	writeFile(t, env["AWS_CONFIG_FILE"], "[profile sso]\nsso_start_url = https://fanout-test.invalid/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Test\nregion = us-east-1\n")
	r := bedrockCollect(t, bedrockBackend(env, "m", nil), bedrockHello)
	r.wantError(t, 0, "no_credentials", false, "SSO session", "aws sso login")
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests reached the server, want none", n)
	}
}

// closedAfterUse imitates smithy-go's request body: once closed, it reads as
// empty.
type closedAfterUse struct {
	r      io.Reader
	closed bool
}

func (c *closedAfterUse) Read(p []byte) (int, error) {
	if c.closed {
		return 0, io.EOF
	}
	return c.r.Read(p)
}

func (c *closedAfterUse) Close() error { c.closed = true; return nil }

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestOwnBodyTransport(t *testing.T) {
	t.Parallel()
	var sent *http.Request
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		sent = r
		return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
	})
	body := &closedAfterUse{r: strings.NewReader(`{"messages":[]}`)}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/model/m/converse-stream", body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 15
	if _, err := (ownBodyTransport{base: base}).RoundTrip(req); err != nil {
		t.Fatal(err)
	}
	// The SDK closes its body as soon as the response arrives, while
	// net/http may still be reading what it was given.
	body.Close()
	got, err := io.ReadAll(sent.Body)
	if err != nil || string(got) != `{"messages":[]}` || sent.ContentLength != 15 {
		t.Errorf("the transport sent %q (%v), length %d; want the whole body, unaffected by the SDK's Close", got, err, sent.ContentLength)
	}
	if sent.GetBody == nil {
		t.Errorf("no GetBody: the body cannot be resent")
	}
}

// A credential lookup that hangs is cut at the caller's deadline when that
// comes first (discovery's probe), and the message names that limit.
func TestBedrockCredentialLookupTimeoutNamesItsLimit(t *testing.T) {
	t.Parallel()
	env := testserver.BedrockEnv(t, "http://127.0.0.1:1")
	delete(env, "AWS_ACCESS_KEY_ID")
	delete(env, "AWS_SECRET_ACCESS_KEY")
	env["AWS_PROFILE"] = "slow"
	writeFile(t, env["AWS_CONFIG_FILE"], "[profile slow]\nregion = us-east-1\ncredential_process = sleep 2\n")
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	_, err := bedrockBackend(env, "m", nil).(timed).Backend.(*bedrock).connect(ctx)
	if err == nil || err.Code != "credentials_timeout" || !strings.Contains(err.Message, "longer than 500ms") {
		t.Fatalf("connect: %+v", err)
	}
}
