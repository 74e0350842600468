package backends

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
)

// testKey is shaped like no known credential, so only the exact-value
// redaction can hide it.
const testKey = "test-key-4f9a1c7e2b"

// result is everything one stream produced.
type result struct {
	events    []Event
	answer    string
	reasoning string
	usage     *Usage // the last usage
	done      *Done
	err       *Error
}

// collect runs b to its end (bounded by a few seconds) and checks the
// Backend contract: at most one terminal event, and nothing after it.
func collect(t *testing.T, b Backend, req Request) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	var r result
	for ev := range b.Stream(ctx, req) {
		if r.done != nil || r.err != nil {
			t.Fatalf("event after the end: %+v", ev)
		}
		r.events = append(r.events, ev)
		switch ev.Type {
		case EventDelta:
			if ev.Delta.Text == "" {
				t.Errorf("empty delta yielded")
			}
			if ev.Delta.Kind == KindReasoning {
				r.reasoning += ev.Delta.Text
			} else {
				r.answer += ev.Delta.Text
			}
		case EventUsage:
			r.usage = ev.Usage
		case EventDone:
			r.done = ev.Done
		case EventError:
			r.err = ev.Error
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("stream did not end within its deadline")
	}
	return r
}

// testClient is a client of our own, so that no connection outlives the test
// in http.DefaultTransport's pool.
func testClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// open builds a backend for provider:model with env as its whole environment.
func open(t *testing.T, spec, baseURL string, env map[string]string) Backend {
	t.Helper()
	target, err := ParseSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	target.BaseURL = baseURL
	return Open(target, Options{
		Getenv:       func(k string) string { return env[k] },
		HTTPClient:   testClient(t),
		StallTimeout: 2 * time.Second,
	})
}

var hello = Request{Messages: []Message{{Role: RoleUser, Content: "What is the capital?"}}}

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "streams", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenAIConformance(t *testing.T) {
	t.Parallel()
	cases := []struct {
		fixture, spec string
		azure         bool
		answer        string
		stop          StopReason
		usage         Usage
	}{
		{"openai-gpt4o-mini-text-usage.sse", "openai:gpt-4o-mini", false,
			"The capital of the UK is London.", StopEnd, Usage{Input: 78, Output: 9, Exact: true}},
		{"openai-azure-gpt5nano-reasoning-usage.sse", "azure:gpt-5-nano", true,
			"Capital of Denmark.", StopEnd, Usage{Input: 15, Output: 78, Reasoning: 64, Exact: true}},
		{"deepseek-v4-usage-on-finish-chunk.sse", "deepseek:deepseek-v4-flash", false,
			"sanitized", StopMaxTokens, Usage{Input: 88, Output: 4, Reasoning: 4, Exact: true}},
	}
	endings := map[string]string{"LF": "\n", "CRLF": "\r\n", "CR": "\r"}
	for _, c := range cases {
		for ending, eol := range endings {
			t.Run(c.fixture+"/"+ending, func(t *testing.T) {
				t.Parallel()
				stream := strings.ReplaceAll(string(readFixture(t, c.fixture)), "\n", eol)
				srv := testserver.NewOpenAI(t, testserver.SSE([]byte(stream), time.Millisecond)...)
				env := map[string]string{"OPENAI_API_KEY": testKey, "DEEPSEEK_API_KEY": testKey, "AZURE_OPENAI_API_KEY": testKey}
				base := srv.URL()
				if c.azure {
					env["AZURE_OPENAI_ENDPOINT"], base = srv.Root(), ""
				}
				r := collect(t, open(t, c.spec, base, env), hello)
				if r.err != nil {
					t.Fatalf("error: %+v", r.err)
				}
				if r.answer != c.answer || r.reasoning != "" {
					t.Errorf("answer %q reasoning %q, want %q and none", r.answer, r.reasoning, c.answer)
				}
				if r.usage == nil || *r.usage != c.usage {
					t.Errorf("usage %+v, want %+v", r.usage, c.usage)
				}
				if r.done == nil || r.done.StopReason != c.stop {
					t.Errorf("done %+v, want stop %q", r.done, c.stop)
				}
				// Usage comes after the last delta, and Done last of all.
				if n := len(r.events); n < 2 || r.events[n-2].Type != EventUsage || r.events[n-1].Type != EventDone {
					t.Errorf("want usage then done at the end, got %v", eventTypes(r.events))
				}
				if c.azure {
					req := srv.Requests()[0]
					if req.Path != "/openai/deployments/gpt-5-nano/chat/completions" {
						t.Errorf("azure path %q", req.Path)
					}
					if v := req.Query.Get("api-version"); v != defaultAzureAPIVersion {
						t.Errorf("api-version %q", v)
					}
					if req.Header.Get("api-key") != testKey || req.Header.Get("Authorization") != "" {
						t.Errorf("azure auth headers: api-key %q, Authorization %q", req.Header.Get("api-key"), req.Header.Get("Authorization"))
					}
					if req.Chat.MaxCompletionTokens != 0 || req.Chat.MaxTokens != 0 {
						t.Errorf("no limit was asked, got %+v", req.Chat)
					}
				}
			})
		}
	}
}

func eventTypes(evs []Event) []EventType {
	out := make([]EventType, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

func TestOpenAIErrorFixtures(t *testing.T) {
	t.Parallel()
	t.Run("429", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewOpenAI(t, testserver.Respond(429, string(readFixture(t, "openai-error-429-rate-limit-tokens.json")), "Retry-After", "20"))
		r := collect(t, open(t, "openai:gpt-4o-mini", srv.URL(), map[string]string{"OPENAI_API_KEY": testKey}), hello)
		e := r.err
		if e == nil || e.Status != 429 || e.Code != "rate_limit_exceeded" || !e.Retryable || e.RetryAfter != 20*time.Second {
			t.Fatalf("error %+v", e)
		}
		for _, want := range []string{"rate limited", "retry after 20s", "Rate limit reached for gpt-3.5-turbo"} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("message %q lacks %q", e.Message, want)
			}
		}
	})
	t.Run("401", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewOpenAI(t, testserver.Respond(401, string(readFixture(t, "openai-error-401-invalid-api-key.json"))))
		r := collect(t, open(t, "openai:gpt-4o-mini", srv.URL(), map[string]string{"OPENAI_API_KEY": testKey}), hello)
		e := r.err
		if e == nil || e.Status != 401 || e.Code != "invalid_api_key" || e.Retryable {
			t.Fatalf("error %+v", e)
		}
		if !strings.Contains(e.Message, "refused the key in OPENAI_API_KEY") {
			t.Errorf("message %q does not name the variable", e.Message)
		}
		if strings.Contains(e.Message, "sk-VKMIs") {
			t.Errorf("message %q shows the masked key", e.Message)
		}
	})
}

func TestOpenAIReasoningApart(t *testing.T) {
	t.Parallel()
	srv := testserver.NewOpenAI(t,
		testserver.ReasoningContent("Let me "),
		testserver.Reasoning("think. "),
		// Both names in one delta (vLLM): the text is shown once.
		testserver.Send(testserver.Chunk{ReasoningContent: "Done.", Reasoning: "Done."}),
		testserver.Content("Paris"),
		testserver.Send(testserver.Chunk{Content: ".", FinishReason: "stop"}),
		testserver.Done(),
	)
	r := collect(t, open(t, "openrouter:x/y", srv.URL(), map[string]string{"OPENROUTER_API_KEY": testKey}), hello)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.reasoning != "Let me think. Done." || r.answer != "Paris." {
		t.Errorf("reasoning %q answer %q", r.reasoning, r.answer)
	}
	if r.usage != nil {
		t.Errorf("no usage was sent, got %+v: an estimate must not be replaced", r.usage)
	}
	if r.done == nil || r.done.StopReason != StopEnd {
		t.Errorf("done %+v", r.done)
	}
}

func TestOpenAIMistralContentParts(t *testing.T) {
	t.Parallel()
	srv := testserver.NewOpenAI(t,
		testserver.Data(`{"choices":[{"index":0,"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"hmm"}]}]}}]}`),
		testserver.Data(`{"choices":[{"index":0,"delta":{"content":[{"type":"text","text":"Yes"}]},"finish_reason":"stop"}]}`),
		testserver.Done(),
	)
	r := collect(t, open(t, "mistral:magistral-small", srv.URL(), map[string]string{"MISTRAL_API_KEY": testKey}), hello)
	if r.err != nil || r.reasoning != "hmm" || r.answer != "Yes" {
		t.Errorf("reasoning %q answer %q err %v", r.reasoning, r.answer, r.err)
	}
}

func TestOpenAIKeepAliveAndCost(t *testing.T) {
	t.Parallel()
	// More keep-alive comments than go-openai's default limit of 300.
	script := []testserver.Step{testserver.Raw(": OPENROUTER PROCESSING\n\n")}
	for range 400 {
		script = append(script, testserver.Raw(": OPENROUTER PROCESSING\n\n"))
	}
	cost := 0.00042
	script = append(script,
		testserver.Content("Hi"),
		testserver.Finish("stop"),
		testserver.UsageOnly(testserver.Usage{Prompt: 12, Completion: 3, Cached: 2, Cost: &cost}),
		testserver.Done(),
	)
	srv := testserver.NewOpenAI(t, script...)
	r := collect(t, open(t, "openrouter:openai/gpt-4o-mini", srv.URL(), map[string]string{"OPENROUTER_API_KEY": testKey}), hello)
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := Usage{Input: 12, Output: 3, CachedInput: 2, Exact: true}
	if r.answer != "Hi" || r.usage == nil || r.usage.CostUSD == nil || *r.usage.CostUSD != cost {
		t.Fatalf("answer %q usage %+v", r.answer, r.usage)
	}
	got := *r.usage
	got.CostUSD = nil
	if got != want {
		t.Errorf("usage %+v, want %+v", got, want)
	}
}

func TestOpenAIDeepSeekCacheHit(t *testing.T) {
	t.Parallel()
	srv := testserver.NewOpenAI(t,
		testserver.Data(`{"choices":[{"index":0,"delta":{"content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":100,"completion_tokens":1,"prompt_cache_hit_tokens":64,"prompt_cache_miss_tokens":36}}`),
		testserver.Done(),
	)
	r := collect(t, open(t, "deepseek:deepseek-chat", srv.URL(), map[string]string{"DEEPSEEK_API_KEY": testKey}), hello)
	if r.usage == nil || r.usage.CachedInput != 64 || r.usage.Input != 100 || r.usage.CostUSD != nil {
		t.Errorf("usage %+v", r.usage)
	}
}

func TestOpenAIStopReasons(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]StopReason{
		"": StopEnd, "stop": StopEnd, "length": StopMaxTokens, "content_filter": StopContentFilter,
		"tool_calls": StopToolUse, "function_call": StopToolUse, "eos": "eos",
		// Bedrock's names normalise to the same values.
		"end_turn": StopEnd, "max_tokens": StopMaxTokens, "guardrail_intervened": StopContentFilter, "tool_use": StopToolUse,
	} {
		if got := NormalizeStop(in); got != want {
			t.Errorf("NormalizeStop(%q) = %q, want %q", in, got, want)
		}
	}
	// A finish_reason without "[DONE]" is a complete stream.
	srv := testserver.NewOpenAI(t, testserver.Content("cut"), testserver.Finish("content_filter"))
	r := collect(t, open(t, "groq:m", srv.URL(), map[string]string{"GROQ_API_KEY": testKey}), hello)
	if r.err != nil || r.done == nil || r.done.StopReason != StopContentFilter {
		t.Errorf("done %+v err %+v", r.done, r.err)
	}
}

func TestOpenAIFailures(t *testing.T) {
	t.Parallel()
	echo := `{"error":{"message":"Incorrect API key provided: ` + testKey + `.","type":"invalid_request_error","code":"invalid_api_key"}}`
	cases := []struct {
		name      string
		script    []testserver.Step
		closed    bool // use a port nothing listens on
		stall     time.Duration
		status    int
		code      ErrorCode
		retryable bool
		partial   string   // the answer yielded before the error
		msg       []string // substrings of the message
		notMsg    []string // advice that would be wrong here
	}{
		{name: "401 echoing the key", script: []testserver.Step{testserver.Respond(401, echo)},
			status: 401, code: "invalid_api_key", msg: []string{"refused the key in OPENAI_API_KEY", "Incorrect API key provided: [REDACTED]"}},
		{name: "403", script: []testserver.Step{testserver.Respond(403, `{"error":{"message":"Project does not have access to model","type":"invalid_request_error","code":"model_not_found"}}`)},
			status: 403, code: "model_not_found", msg: []string{"refused the key in OPENAI_API_KEY", "does not have access"}},
		{name: "429 Retry-After", script: []testserver.Step{testserver.Respond(429, `{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`, "Retry-After", "7")},
			status: 429, code: "rate_limit_exceeded", retryable: true, msg: []string{"rate limited", "retry after 7s", "slow down"}},
		{name: "429 retry-after-ms", script: []testserver.Step{testserver.Respond(429, `{"error":{"message":"slow down","code":"rate_limit_exceeded"}}`, "Retry-After-Ms", "250", "Retry-After", "1")},
			status: 429, code: "rate_limit_exceeded", retryable: true, msg: []string{"retry after 250ms"}},
		{name: "500", script: []testserver.Step{testserver.Respond(500, `{"error":{"message":"The server had an error while processing your request.","type":"server_error","code":null}}`)},
			status: 500, code: "server_error", retryable: true, msg: []string{"server error", "had an error while processing"}},
		{name: "503 plain text", script: []testserver.Step{testserver.Respond(503, "upstream connect error", "Content-Type", "text/plain")},
			status: 503, retryable: true, msg: []string{"server error (503)", "upstream connect error"}},
		{name: "404 ollama shape", script: []testserver.Step{testserver.Respond(404, `{"error":"model \"llama9\" not found, try pulling it first"}`)},
			status: 404, msg: []string{"does not know this model", `model "llama9" not found`}},
		{name: "connection refused", closed: true,
			code: "connection_refused", retryable: true, msg: []string{"not reachable", "connection refused"}},
		{name: "dropped mid-stream", script: []testserver.Step{testserver.Content("Hel"), testserver.Content("lo"), testserver.Drop()},
			code: "connection_dropped", retryable: true, partial: "Hello", msg: []string{"dropped the connection mid-stream"}},
		{name: "dropped before any text", script: []testserver.Step{testserver.Comment("warming up"), testserver.Drop()},
			code: "connection_dropped", retryable: true, msg: []string{"closed the connection before answering"}},
		{name: "ended without DONE or finish", script: []testserver.Step{testserver.Content("Hel")},
			code: "connection_dropped", retryable: true, partial: "Hel", msg: []string{"dropped the connection mid-stream"}},
		{name: "malformed JSON", script: []testserver.Step{testserver.Content("ok"), testserver.Data(`{"choices":[{"delta":{"content":"x"`), testserver.Done()},
			code: "malformed_stream", partial: "ok", msg: []string{"malformed stream"}},
		{name: "error object mid-stream", script: []testserver.Step{testserver.Content("par"),
			testserver.Data(`{"error":{"message":"Overloaded; key ` + testKey + ` was fine","type":"server_error","code":"server_error"}}`), testserver.Done()},
			code: "server_error", retryable: true, partial: "par", msg: []string{"error mid-stream (server_error)", "Overloaded; key [REDACTED] was fine"}},
		{name: "error event mid-stream with status code", script: []testserver.Step{
			testserver.Raw("event: error\ndata: {\"error\":{\"code\":502,\"message\":\"Provider returned error\"}}\n\n")},
			status: 502, retryable: true, msg: []string{"server error (502)", "Provider returned error"}},
		{name: "error event without an error key", script: []testserver.Step{testserver.Content("a"), testserver.Raw("event: error\ndata: {\"message\":\"quota exhausted\",\"code\":\"insufficient_quota\"}\n\n")},
			code: "insufficient_quota", partial: "a", msg: []string{"error mid-stream (insufficient_quota): quota exhausted"}},
		{name: "error event in plain text", script: []testserver.Step{testserver.Raw("event: error\ndata: upstream went away\n\n")},
			msg: []string{"error mid-stream: upstream went away"}},
		{name: "JSON error with status 200", script: []testserver.Step{testserver.Respond(200, `{"error":{"message":"no such model","code":"model_not_found"}}`)},
			code: "model_not_found", msg: []string{"no such model"}},
		// A model that has started is not slow to start: the message says
		// how far it got and that the text is kept, not to raise
		// --stall-timeout.
		{name: "stall mid-stream", stall: 200 * time.Millisecond, script: []testserver.Step{testserver.Content("Hello there, friend"), testserver.Stall()},
			code: "stalled", retryable: true, partial: "Hello there, friend",
			msg: []string{"openai stopped sending after ~5 tokens in ", "no data for 200ms", "the partial answer is kept"}, notMsg: []string{"--stall-timeout", "slow to start"}},
		{name: "stall before headers", stall: 200 * time.Millisecond, script: []testserver.Step{testserver.Stall()},
			code: "stalled", retryable: true, msg: []string{"stalled: no data for 200ms", "raise --stall-timeout if the model is slow to start"}, notMsg: []string{"partial"}},
		{name: "stall after headers, before any text", stall: 200 * time.Millisecond, script: []testserver.Step{testserver.Raw(": keep-alive\n\n"), testserver.Stall()},
			code: "stalled", retryable: true, msg: []string{"stalled: no data for 200ms", "raise --stall-timeout if the model is slow to start"}, notMsg: []string{"partial"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			base := testserver.ClosedURL(t)
			if !c.closed {
				base = testserver.NewOpenAI(t, c.script...).URL()
			}
			target, _ := ParseSpec("openai:gpt-4o-mini")
			target.BaseURL = base
			opts := Options{Getenv: envMap{"OPENAI_API_KEY": testKey}.get, HTTPClient: testClient(t), StallTimeout: 2 * time.Second}
			if c.stall > 0 {
				opts.StallTimeout = c.stall
			}
			r := collect(t, Open(target, opts), hello)
			e := r.err
			if e == nil {
				t.Fatalf("no error; events %v", eventTypes(r.events))
			}
			if r.done != nil {
				t.Errorf("both done and error")
			}
			if r.events[len(r.events)-1].Type != EventError {
				t.Errorf("error is not the last event")
			}
			if e.Status != c.status || e.Code != c.code || e.Retryable != c.retryable {
				t.Errorf("got status %d code %q retryable %v, want %d %q %v (%s)", e.Status, e.Code, e.Retryable, c.status, c.code, c.retryable, e.Message)
			}
			if r.answer != c.partial {
				t.Errorf("answer before the error %q, want %q", r.answer, c.partial)
			}
			for _, m := range c.msg {
				if !strings.Contains(e.Message, m) {
					t.Errorf("message %q lacks %q", e.Message, m)
				}
			}
			for _, m := range c.notMsg {
				if strings.Contains(e.Message, m) {
					t.Errorf("message %q says %q", e.Message, m)
				}
			}
			if strings.Contains(e.Message, testKey) {
				t.Errorf("message leaks the key: %q", e.Message)
			}
		})
	}
}

// envMap is an environment for Options.Getenv.
type envMap map[string]string

func (m envMap) get(k string) string { return m[k] }

func TestOpenAIConfigErrors(t *testing.T) {
	t.Parallel()
	srv := testserver.NewOpenAI(t, testserver.Content("never"), testserver.Done())
	cases := []struct{ spec, base, want string }{
		{"openai:gpt-4o-mini", srv.URL(), "openai: no API key: set OPENAI_API_KEY"},
		{"groq:qwen", srv.URL(), "groq: no API key: set GROQ_API_KEY"},
		{"azure:gpt-5-nano", "", "azure: no endpoint: set AZURE_OPENAI_ENDPOINT"},
	}
	for _, c := range cases {
		r := collect(t, open(t, c.spec, c.base, map[string]string{"AZURE_OPENAI_API_KEY": testKey}), hello)
		if len(r.events) != 1 || r.err == nil || !strings.Contains(r.err.Message, c.want) {
			t.Errorf("%s: events %v, error %+v; want one error saying %q", c.spec, eventTypes(r.events), r.err, c.want)
		}
	}
	// go-openai refuses a temperature for o-series models before sending.
	warm := 0.7
	r := collect(t, open(t, "openai:o3-mini", srv.URL(), map[string]string{"OPENAI_API_KEY": testKey}), Request{Messages: hello.Messages, Temperature: &warm})
	if r.err == nil || r.err.Code != "invalid_request" || !strings.Contains(r.err.Message, "openai: cannot send the request: ") {
		t.Errorf("o3-mini with a temperature: %+v", r.err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
	// vllm's key is optional: no key, no error, no Authorization header.
	r = collect(t, open(t, "vllm:m", srv.URL(), nil), hello)
	if r.err != nil || r.answer != "never" {
		t.Errorf("vllm without a key: %+v", r.err)
	}
	if h := srv.Requests()[0].Header.Get("Authorization"); h != "" {
		t.Errorf("Authorization %q sent without a key", h)
	}
}

func TestOpenAIRequest(t *testing.T) {
	t.Parallel()
	script := []testserver.Step{testserver.Content("ok"), testserver.Finish("stop"), testserver.Done()}
	temp := 0.0
	req := Request{
		System:      "Be brief.",
		Messages:    []Message{{Role: RoleUser, Content: "Hi"}, {Role: RoleAssistant, Content: "Hello"}, {Role: RoleUser, Content: "Capital of France?"}},
		Temperature: &temp,
		MaxTokens:   64,
	}

	t.Run("openai", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewOpenAI(t, script...)
		// The base URL comes from OPENAI_BASE_URL, as with the official SDKs.
		r := collect(t, open(t, "openai:gpt-4o-mini", "", map[string]string{"OPENAI_API_KEY": testKey, "OPENAI_BASE_URL": srv.URL()}), req)
		if r.err != nil {
			t.Fatal(r.err)
		}
		reqs := srv.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		got := reqs[0]
		if got.Path != "/v1/chat/completions" || got.Header.Get("Authorization") != "Bearer "+testKey {
			t.Errorf("path %q Authorization %q", got.Path, got.Header.Get("Authorization"))
		}
		c := got.Chat
		if c.Model != "gpt-4o-mini" || !c.Stream || c.StreamOptions == nil || !c.StreamOptions.IncludeUsage {
			t.Errorf("request %+v", c)
		}
		roles := []string{"system", "user", "assistant", "user"}
		if len(c.Messages) != len(roles) {
			t.Fatalf("messages %+v", c.Messages)
		}
		for i, m := range c.Messages {
			if m.Role != roles[i] {
				t.Errorf("message %d role %q, want %q", i, m.Role, roles[i])
			}
		}
		if c.Messages[0].Content != "Be brief." || c.Messages[3].Content != "Capital of France?" {
			t.Errorf("messages %+v", c.Messages)
		}
		// o-series and gpt-5 models take only max_completion_tokens.
		if c.MaxCompletionTokens != 64 || c.MaxTokens != 0 {
			t.Errorf("limits %+v", c)
		}
		// A temperature of 0 is sent, not dropped by omitempty.
		if c.Temperature == nil || *c.Temperature > 1e-6 {
			t.Errorf("temperature %v", c.Temperature)
		}
	})
	t.Run("groq", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewOpenAI(t, script...)
		r := collect(t, open(t, "groq:llama-3.1-8b-instant", srv.URL(), map[string]string{"GROQ_API_KEY": testKey}), Request{Messages: req.Messages, MaxTokens: 32})
		if r.err != nil {
			t.Fatal(r.err)
		}
		c := srv.Requests()[0].Chat
		if c.MaxTokens != 32 || c.MaxCompletionTokens != 0 || c.Temperature != nil || c.Messages[0].Role != "user" {
			t.Errorf("request %+v", c)
		}
	})
	t.Run("ollama", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewOpenAI(t, script...)
		r := collect(t, open(t, "ollama:llama3.2:3b", "", map[string]string{"OLLAMA_BASE_URL": srv.URL(), "OPENAI_API_KEY": testKey}), hello)
		if r.err != nil {
			t.Fatal(r.err)
		}
		got := srv.Requests()[0]
		if h := got.Header.Get("Authorization"); h != "" {
			t.Errorf("ollama got Authorization %q", h)
		}
		if got.Chat.Model != "llama3.2:3b" {
			t.Errorf("model %q", got.Chat.Model)
		}
	})
	t.Run("target parameters", func(t *testing.T) {
		t.Parallel()
		srv := testserver.NewOpenAI(t, script...)
		target, _ := ParseSpec("openai:gpt-4o")
		target.BaseURL = srv.URL()
		warm := 0.5
		target.Temperature, target.MaxTokens = &warm, 100
		b := Open(target, Options{Getenv: envMap{"OPENAI_API_KEY": testKey}.get, HTTPClient: testClient(t)})
		collect(t, b, Request{Messages: req.Messages, MaxTokens: 10})
		c := srv.Requests()[0].Chat
		if c.MaxCompletionTokens != 10 || c.Temperature == nil || *c.Temperature != 0.5 {
			t.Errorf("request %+v: want the request's limit and the target's temperature", c)
		}
	})
}

func TestOpenAICancel(t *testing.T) {
	t.Parallel()
	srv := testserver.NewOpenAI(t, testserver.Content("first"), testserver.Stall())
	b := open(t, "openai:gpt-4o-mini", srv.URL(), map[string]string{"OPENAI_API_KEY": testKey})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	ended := make(chan []Event)
	go func() {
		var evs []Event
		for ev := range b.Stream(ctx, hello) {
			evs = append(evs, ev)
			if ev.Type == EventDelta {
				cancel()
			}
		}
		ended <- evs
	}()
	select {
	case evs := <-ended:
		if len(evs) != 1 || evs[0].Type != EventDelta {
			t.Errorf("events %v: want the delta and no error after cancelling", eventTypes(evs))
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the stream did not end after its context was cancelled")
	}
	select {
	case <-srv.Gone():
	case <-time.After(3 * time.Second):
		t.Fatal("the server did not see the connection close")
	}
}

func TestOpenAIStopsWhenConsumerStops(t *testing.T) {
	t.Parallel()
	srv := testserver.NewOpenAI(t, testserver.Content("one"), testserver.Stall())
	b := open(t, "openai:gpt-4o-mini", srv.URL(), map[string]string{"OPENAI_API_KEY": testKey})
	for range b.Stream(t.Context(), hello) {
		break
	}
	select {
	case <-srv.Gone():
	case <-time.After(3 * time.Second):
		t.Fatal("breaking out of the loop did not close the connection")
	}
}

// Whatever a server sends, the stream ends with exactly one Done or Error and
// nothing after it, and never panics.
func FuzzOpenAIStreamBody(f *testing.F) {
	for _, name := range []string{"openai-gpt4o-mini-text-usage.sse", "openai-azure-gpt5nano-reasoning-usage.sse", "deepseek-v4-usage-on-finish-chunk.sse"} {
		b, err := os.ReadFile(filepath.Join("testdata", "streams", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("data: {\"error\":{\"message\":\"x\",\"code\":503}}\n\n"))
	f.Add([]byte("data: {\"choices\":[{\"delta\":{\"content\":[{\"type\":\"thinking\",\"thinking\":\"t\"}]}}]}\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		b := &openaiBackend{who: "fuzz", baseURL: "http://127.0.0.1:1/v1", key: testKey}
		var evs []Event
		fail := func(e *Error) { evs = append(evs, ErrorEvent(e)) }
		b.read(bytes.NewReader(body), time.Now(), func(ev Event) bool { evs = append(evs, ev); return true }, fail)
		if len(evs) == 0 {
			t.Fatal("no events")
		}
		for i, ev := range evs {
			terminal := ev.Type == EventDone || ev.Type == EventError
			if terminal != (i == len(evs)-1) {
				t.Fatalf("events %v: want exactly one Done or Error, last", eventTypes(evs))
			}
			if ev.Type == EventDelta && ev.Delta.Text == "" {
				t.Fatal("empty delta")
			}
		}
	})
}

// A provider that fails mid-answer may still say what the request used:
// OpenRouter sends the usage on the error chunk, or in a chunk just before
// it. Either way the usage is reported before the error, so the pane's
// tokens and cost are the provider's, not an estimate.
func TestOpenAIMidStreamErrorKeepsUsage(t *testing.T) {
	t.Parallel()
	usage := `"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"cost":0.00042}`
	for name, script := range map[string][]testserver.Step{
		"usage on the error chunk": {
			testserver.Content("Hello, wor"),
			testserver.Data(`{"id":"gen-1","object":"chat.completion.chunk","error":{"code":502,"message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}],` + usage + `}`),
		},
		"usage, then the error": {
			testserver.Content("Hello, wor"),
			testserver.Data(`{"id":"gen-1","object":"chat.completion.chunk","choices":[],` + usage + `}`),
			testserver.Data(`{"error":{"code":"server_error","message":"Provider disconnected"}}`),
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewOpenAI(t, script...)
			r := collect(t, open(t, "openrouter:some/model", srv.URL(), map[string]string{"OPENROUTER_API_KEY": testKey}), hello)
			if r.err == nil || !strings.Contains(r.err.Message, "Provider disconnected") {
				t.Fatalf("error %+v, want the provider's", r.err)
			}
			if r.answer != "Hello, wor" {
				t.Errorf("answer %q, want the partial one", r.answer)
			}
			if r.usage == nil || r.usage.Input != 12 || r.usage.Output != 3 || !r.usage.Exact || r.usage.CostUSD == nil || *r.usage.CostUSD != 0.00042 {
				t.Fatalf("usage %+v, want the provider's 12 in, 3 out, $0.00042", r.usage)
			}
			if last := r.events[len(r.events)-2]; last.Type != EventUsage {
				t.Errorf("the event before the error is %s, want the usage", last.Type)
			}
		})
	}
}
