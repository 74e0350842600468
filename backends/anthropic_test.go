package backends

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
)

// These tests run the real anthropic-sdk-go client against a loopback server
// that speaks the Messages API's streaming wire format.

// anthropicTestKey is shaped like a real Anthropic key, so that both the
// exact-value and the pattern redaction are exercised.
const anthropicTestKey = "sk-ant-api03-TESTKEY0123456789abcdefXYZ"

const claudeTestModel = "claude-sonnet-4-5-20250929"

// openAnthropic builds a backend for anthropic:model whose whole environment
// is the key and ANTHROPIC_BASE_URL, plus extra.
func openAnthropic(t *testing.T, model string, srv *testserver.Anthropic, mutate func(*Target), extra ...string) Backend {
	t.Helper()
	target, err := ParseSpec("anthropic:" + model)
	if err != nil {
		t.Fatal(err)
	}
	if mutate != nil {
		mutate(&target)
	}
	env := envMap{"ANTHROPIC_API_KEY": anthropicTestKey, "ANTHROPIC_BASE_URL": srv.URL()}
	for i := 0; i+1 < len(extra); i += 2 {
		env[extra[i]] = extra[i+1]
	}
	return Open(target, Options{Getenv: env.get, HTTPClient: testClient(t), StallTimeout: 2 * time.Second})
}

func TestAnthropicFixture(t *testing.T) {
	t.Parallel()
	for ending, eol := range map[string]string{"LF": "\n", "CRLF": "\r\n"} {
		t.Run(ending, func(t *testing.T) {
			t.Parallel()
			stream := strings.ReplaceAll(string(readFixture(t, "anthropic-messages-thinking-text.sse")), "\n", eol)
			srv := testserver.NewAnthropic(t, anthropicTestKey, testserver.SSE([]byte(stream), time.Millisecond)...)
			checkAnthropicFixture(t, collect(t, openAnthropic(t, claudeTestModel, srv, nil), hello))
		})
	}
}

func checkAnthropicFixture(t *testing.T, r result) {
	t.Helper()
	if r.err != nil {
		t.Fatalf("error: %+v", r.err)
	}
	if r.answer != "The capital of Australia is **Canberra**." {
		t.Errorf("answer %q", r.answer)
	}
	if r.reasoning != "The user asks for the capital of Australia. It is Canberra, not Sydney." {
		t.Errorf("reasoning %q (the signature must not show)", r.reasoning)
	}
	want := Usage{Input: 18 + 2048, Output: 61, CachedInput: 2048, Reasoning: 40, Exact: true}
	if r.usage == nil || *r.usage != want {
		t.Errorf("usage %+v, want %+v", r.usage, want)
	}
	if r.done == nil || r.done.StopReason != StopEnd || r.done.ServiceTier != "standard" {
		t.Errorf("done %+v, want stop and tier standard", r.done)
	}
	if n := len(r.events); n < 2 || r.events[n-2].Type != EventUsage || r.events[n-1].Type != EventDone {
		t.Errorf("want usage then done at the end, got %v", eventTypes(r.events))
	}
}

// Reasoning and answer stay apart however the blocks arrive; redacted
// thinking and tool input are not text; the usage's cache counts are added
// back into the input, and the last message_delta's counts win.
func TestAnthropicBlocksAndUsage(t *testing.T) {
	t.Parallel()
	srv := testserver.NewAnthropic(t, anthropicTestKey,
		testserver.MessageStart(claudeTestModel, testserver.AnthropicUsage{Input: 12, CacheRead: 300, CacheCreation: 40, Output: 1, ServiceTier: "priority"}),
		testserver.BlockStart(0, "redacted_thinking"),
		testserver.BlockStop(0),
		testserver.BlockStart(1, "thinking"),
		testserver.ThinkingDelta(1, "Hmm, "),
		testserver.Ping(),
		testserver.ThinkingDelta(1, "two steps."),
		testserver.SignatureDelta(1, "c2lnbmF0dXJl"),
		testserver.BlockStop(1),
		testserver.BlockStart(2, "text"),
		testserver.TextDelta(2, "Step one, "),
		testserver.TextDelta(2, "step two."),
		testserver.BlockStop(2),
		testserver.BlockStart(3, "tool_use"),
		testserver.AnthropicEvent("content_block_delta", `{"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{\"city\":"}}`),
		testserver.BlockStop(3),
		// Cumulative: the second replaces the first, and the input and cache
		// counts it does not repeat stay message_start's.
		testserver.MessageDelta("", testserver.AnthropicUsage{Output: 20}),
		testserver.MessageDelta("tool_use", testserver.AnthropicUsage{Output: 57, Thinking: 9}),
		testserver.MessageStop(),
	)
	r := collect(t, openAnthropic(t, claudeTestModel, srv, nil), hello)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if r.reasoning != "Hmm, two steps." || r.answer != "Step one, step two." {
		t.Errorf("reasoning %q answer %q", r.reasoning, r.answer)
	}
	want := Usage{Input: 12 + 300 + 40, Output: 57, CachedInput: 300, CacheWrite: 40, Reasoning: 9, Exact: true}
	if r.usage == nil || *r.usage != want {
		t.Errorf("usage %+v, want %+v", r.usage, want)
	}
	if r.done == nil || r.done.StopReason != StopToolUse || r.done.ServiceTier != "priority" {
		t.Errorf("done %+v", r.done)
	}
	usages := 0
	for _, ev := range r.events {
		if ev.Type == EventUsage {
			usages++
		}
	}
	if usages != 1 {
		t.Errorf("%d usage events, want one, final", usages)
	}
}

func TestAnthropicStopReasons(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]StopReason{
		"end_turn": StopEnd, "stop_sequence": StopEnd, "max_tokens": StopMaxTokens,
		"tool_use": StopToolUse, "refusal": StopContentFilter, "pause_turn": "pause_turn",
	} {
		t.Run(raw, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewAnthropic(t, anthropicTestKey, testserver.AnthropicReply(claudeTestModel, "", "Some text", raw,
				testserver.AnthropicUsage{Input: 5, Output: 1}, testserver.AnthropicUsage{Output: 3})...)
			r := collect(t, openAnthropic(t, claudeTestModel, srv, nil), hello)
			if r.err != nil || r.done == nil || r.done.StopReason != want || r.answer != "Some text" {
				t.Errorf("done %+v err %+v answer %q, want stop %q", r.done, r.err, r.answer, want)
			}
			if r.done != nil && r.done.ServiceTier != "" {
				t.Errorf("tier %q though the server named none", r.done.ServiceTier)
			}
		})
	}
	// A stream whose body ends cleanly after message_delta, without
	// message_stop, is complete: the stop reason and usage have arrived.
	srv := testserver.NewAnthropic(t, anthropicTestKey, testserver.MessageStart(claudeTestModel, testserver.AnthropicUsage{Input: 5}),
		testserver.BlockStart(0, "text"), testserver.TextDelta(0, "ok"), testserver.MessageDelta("max_tokens", testserver.AnthropicUsage{Output: 1}))
	r := collect(t, openAnthropic(t, claudeTestModel, srv, nil), hello)
	if r.err != nil || r.done == nil || r.done.StopReason != StopMaxTokens {
		t.Errorf("without message_stop: done %+v err %+v", r.done, r.err)
	}
}

var anthropicOK = testserver.AnthropicReply(claudeTestModel, "", "ok", "end_turn", testserver.AnthropicUsage{Input: 3}, testserver.AnthropicUsage{Output: 1})

func TestAnthropicRequest(t *testing.T) {
	t.Parallel()
	conversation := Request{
		System:   "Be brief.",
		Messages: []Message{{Role: RoleUser, Content: "Hi"}, {Role: RoleAssistant, Content: "Hello"}, {Role: RoleUser, Content: "Capital of France?"}},
	}
	cases := []struct {
		name      string
		model     string
		mutate    func(*Target)
		req       Request
		maxTokens int
		check     func(t *testing.T, got testserver.AnthropicRequest, body map[string]any)
	}{
		{name: "the request's max_tokens", model: claudeTestModel, req: Request{Messages: conversation.Messages, System: conversation.System, MaxTokens: 64}, maxTokens: 64,
			check: func(t *testing.T, got testserver.AnthropicRequest, body map[string]any) {
				if len(got.System) != 1 || got.System[0].Text != "Be brief." {
					t.Errorf("system %+v", got.System)
				}
				roles := []string{"user", "assistant", "user"}
				texts := []string{"Hi", "Hello", "Capital of France?"}
				if len(got.Messages) != 3 {
					t.Fatalf("messages %+v", got.Messages)
				}
				for i, m := range got.Messages {
					if m.Role != roles[i] || len(m.Content) != 1 || m.Content[0].Type != "text" || m.Content[0].Text != texts[i] {
						t.Errorf("message %d: %+v", i, m)
					}
				}
				for _, k := range []string{"thinking", "service_tier", "output_config", "temperature"} {
					if _, ok := body[k]; ok {
						t.Errorf("%s sent unasked: %v", k, body[k])
					}
				}
			}},
		{name: "the target's max_tokens", model: claudeTestModel, mutate: func(t *Target) { t.MaxTokens = 300 }, req: hello, maxTokens: 300},
		{name: "the catalog's default for the model", model: "claude-haiku-4-5-20251001", req: hello, maxTokens: 64000},
		{name: "the catalog's default for an undated alias", model: "claude-haiku-4-5", req: hello, maxTokens: 64000},
		{name: "4096 for a model the catalog does not know", model: "claude-future-9", req: hello, maxTokens: 4096},
		{name: "thinking budget, unknown model", model: "claude-future-9", mutate: func(t *Target) { t.ThinkingBudget = 2048 }, req: hello, maxTokens: 2048 + 4096,
			check: func(t *testing.T, got testserver.AnthropicRequest, _ map[string]any) {
				if th := got.Thinking; th == nil || th.Type != "enabled" || th.BudgetTokens != 2048 || th.Display != "summarized" {
					t.Errorf("thinking %+v", got.Thinking)
				}
			}},
		{name: "thinking budget within the catalog's default", model: "claude-haiku-4-5-20251001", mutate: func(t *Target) { t.ThinkingBudget = 8000 }, req: hello, maxTokens: 64000},
		{name: "thinking budget beyond the catalog's default", model: "claude-haiku-4-5-20251001", mutate: func(t *Target) { t.ThinkingBudget = 64000 }, req: hello, maxTokens: 64000 + 4096},
		{name: "reasoning effort", model: claudeTestModel, mutate: func(t *Target) { t.ReasoningEffort = "high" }, req: hello, maxTokens: 64000,
			check: func(t *testing.T, got testserver.AnthropicRequest, _ map[string]any) {
				if got.OutputConfig == nil || got.OutputConfig.Effort != "high" || got.Thinking == nil || got.Thinking.Type != "adaptive" || got.Thinking.Display != "summarized" {
					t.Errorf("output_config %+v thinking %+v", got.OutputConfig, got.Thinking)
				}
			}},
		{name: "priority tier", model: claudeTestModel, mutate: func(t *Target) { t.ServiceTier = "priority" }, req: hello, maxTokens: 64000,
			check: func(t *testing.T, got testserver.AnthropicRequest, _ map[string]any) {
				if got.ServiceTier != "auto" {
					t.Errorf("service_tier %q, want auto", got.ServiceTier)
				}
			}},
		{name: "default tier", model: claudeTestModel, mutate: func(t *Target) { t.ServiceTier = "default" }, req: hello, maxTokens: 64000,
			check: func(t *testing.T, got testserver.AnthropicRequest, _ map[string]any) {
				if got.ServiceTier != "standard_only" {
					t.Errorf("service_tier %q, want standard_only", got.ServiceTier)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewAnthropic(t, anthropicTestKey, anthropicOK...)
			r := collect(t, openAnthropic(t, c.model, srv, c.mutate), c.req)
			if r.err != nil {
				t.Fatalf("error: %s", r.err.Message)
			}
			reqs := srv.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want one (no retries)", len(reqs))
			}
			got := reqs[0]
			if got.Path != "/v1/messages" || got.Header.Get("X-Api-Key") != anthropicTestKey || got.Header.Get("Authorization") != "" {
				t.Errorf("path %q x-api-key %q Authorization %q", got.Path, got.Header.Get("X-Api-Key"), got.Header.Get("Authorization"))
			}
			// The version the temperature refusal is written for.
			if v := got.Header.Get("Anthropic-Version"); v != "2026-10-21" {
				t.Errorf("anthropic-version %q, want 2026-10-21", v)
			}
			a := got.Anthropic
			if a.Model != c.model || !a.Stream || a.MaxTokens == nil || *a.MaxTokens != c.maxTokens {
				t.Errorf("model %q stream %v max_tokens %v, want %q true %d", a.Model, a.Stream, a.MaxTokens, c.model, c.maxTokens)
			}
			if c.check != nil {
				c.check(t, a, got.Body)
			}
		})
	}
}

// What the backend refuses before sending anything: one clear Error, no
// request.
func TestAnthropicRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	warm := 0.7
	cases := []struct {
		name   string
		env    []string
		mutate func(*Target)
		req    Request
		code   ErrorCode
		want   string
	}{
		{name: "no key", env: []string{"ANTHROPIC_API_KEY", ""}, req: hello, code: CodeMissingKey, want: "anthropic: no API key: set ANTHROPIC_API_KEY"},
		{name: "a temperature", req: Request{Messages: hello.Messages, Temperature: &warm}, code: CodeConfig, want: "takes no temperature; remove --temperature"},
		{name: "a target's temperature", mutate: func(t *Target) { t.Temperature = &warm }, req: hello, code: CodeConfig, want: "temperature: anthropic:" + claudeTestModel + " takes none"},
		{name: "max_tokens below the budget", mutate: func(t *Target) { t.ThinkingBudget = 2048 }, req: Request{Messages: hello.Messages, MaxTokens: 1024}, code: CodeConfig,
			want: "thinking_budget 2048 must be below max_tokens 1024"},
		{name: "flex", mutate: func(t *Target) { t.ServiceTier = "flex" }, req: hello, code: CodeConfig, want: "Anthropic's tiers are priority and default"},
		{name: "effort and budget", mutate: func(t *Target) { t.ServiceTier, t.ReasoningEffort, t.ThinkingBudget = "", "low", 2048 }, req: hello, code: CodeConfig, want: "give one, not both"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := testserver.NewAnthropic(t, anthropicTestKey, anthropicOK...)
			r := collect(t, openAnthropic(t, claudeTestModel, srv, c.mutate, c.env...), c.req)
			if len(r.events) != 1 || r.err == nil || r.err.Code != c.code || !strings.Contains(r.err.Message, c.want) {
				t.Errorf("events %v, error %+v; want one error %q saying %q", eventTypes(r.events), r.err, c.code, c.want)
			}
			if n := len(srv.Requests()); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}

func TestAnthropicFailures(t *testing.T) {
	t.Parallel()
	start := testserver.MessageStart(claudeTestModel, testserver.AnthropicUsage{Input: 9, Output: 1})
	text := func(s string) []testserver.Step {
		return []testserver.Step{start, testserver.BlockStart(0, "text"), testserver.TextDelta(0, s)}
	}
	with := func(steps []testserver.Step, more ...testserver.Step) []testserver.Step {
		return append(steps, more...)
	}
	cases := []struct {
		name       string
		script     []testserver.Step
		serverKey  string // the key the server accepts; "" means ours
		closed     bool
		stall      time.Duration
		timeout    time.Duration
		status     int
		code       ErrorCode
		retryable  bool
		retryAfter time.Duration
		partial    string
		msg        []string
		notMsg     []string
	}{
		{name: "401 refused key", serverKey: "sk-ant-api03-another-key-entirely",
			status: 401, code: "authentication_error", msg: []string{"anthropic refused the key in ANTHROPIC_API_KEY (401 authentication_error)", "invalid x-api-key"}},
		{name: "401 echoing the key", script: []testserver.Step{testserver.AnthropicHTTPError(401, "authentication_error", "invalid x-api-key: "+anthropicTestKey)},
			status: 401, code: "authentication_error", msg: []string{"refused the key in ANTHROPIC_API_KEY", "invalid x-api-key: [REDACTED]"}},
		{name: "403", script: []testserver.Step{testserver.AnthropicHTTPError(403, "permission_error", "Your API key does not have permission to use the specified resource.")},
			status: 403, code: "permission_error", msg: []string{"refused the key in ANTHROPIC_API_KEY (403 permission_error)", "does not have permission"}},
		{name: "404 model", script: []testserver.Step{testserver.AnthropicHTTPError(404, "not_found_error", "model: claude-nope")},
			status: 404, code: "not_found_error", msg: []string{"does not know this model", "model: claude-nope"}},
		{name: "429 retry-after", script: []testserver.Step{testserver.AnthropicHTTPError(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit", "retry-after", "7")},
			status: 429, code: "rate_limit_error", retryable: true, retryAfter: 7 * time.Second, msg: []string{"rate limited this request (429 rate_limit_error); retry after 7s", "per-minute rate limit"}},
		{name: "500", script: []testserver.Step{testserver.AnthropicHTTPError(500, "api_error", "Internal server error")},
			status: 500, code: "api_error", retryable: true, msg: []string{"server error (500 api_error)"}},
		{name: "503 plain text", script: []testserver.Step{testserver.Respond(503, "upstream connect error", "Content-Type", "text/plain")},
			status: 503, retryable: true, msg: []string{"server error (503)", "upstream connect error"}},
		{name: "529 overloaded", script: []testserver.Step{testserver.AnthropicHTTPError(529, "overloaded_error", "Overloaded")},
			status: 529, code: "overloaded_error", retryable: true, msg: []string{"anthropic is overloaded (529 overloaded_error); retry later: Overloaded"}},
		{name: "connection refused", closed: true,
			code: CodeConnectionRefused, retryable: true, msg: []string{"not reachable", "connection refused"}},
		{name: "dropped mid-stream", script: with(text("Hel"), testserver.TextDelta(0, "lo"), testserver.Drop()),
			code: CodeConnectionDropped, retryable: true, partial: "Hello", msg: []string{"dropped the connection mid-stream after ~", "the partial answer is kept"}},
		{name: "dropped before any text", script: []testserver.Step{start, testserver.Ping(), testserver.Drop()},
			code: CodeConnectionDropped, retryable: true, msg: []string{"closed the connection before answering"}},
		{name: "ended without a stop", script: text("Hel"),
			code: CodeConnectionDropped, retryable: true, partial: "Hel", msg: []string{"dropped the connection mid-stream"}},
		{name: "malformed JSON", script: with(text("ok"), testserver.AnthropicEvent("content_block_delta", `{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"`), testserver.MessageStop()),
			code: CodeMalformedStream, partial: "ok", msg: []string{"malformed stream"}},
		{name: "overloaded mid-stream", script: with(text("par"), testserver.AnthropicStreamError("overloaded_error", "Overloaded")),
			code: "overloaded_error", retryable: true, partial: "par", msg: []string{"anthropic was overloaded mid-stream after ~1 token in ", "(overloaded_error); the partial answer is kept, retry later: Overloaded"}},
		{name: "overloaded before any text", script: []testserver.Step{start, testserver.AnthropicStreamError("overloaded_error", "Overloaded")},
			code: "overloaded_error", retryable: true, msg: []string{"anthropic was overloaded mid-stream (overloaded_error); retry later"}, notMsg: []string{"partial"}},
		{name: "invalid request mid-stream, echoing the key", script: with(text("a"), testserver.AnthropicStreamError("invalid_request_error", "bad key "+anthropicTestKey)),
			code: "invalid_request_error", partial: "a", msg: []string{"reported an error mid-stream", "(invalid_request_error); the partial answer is kept: bad key [REDACTED]"}, notMsg: []string{"retry"}},
		{name: "error event in plain text", script: []testserver.Step{start, testserver.Raw("event: error\ndata: upstream went away\n\n")},
			msg: []string{"reported an error mid-stream: upstream went away"}},
		{name: "error event in another JSON shape", script: []testserver.Step{start, testserver.AnthropicEvent("error", `{"message":"quota exhausted"}`)},
			msg: []string{`reported an error mid-stream: {"message":"quota exhausted"}`}},
		{name: "JSON with status 200", script: []testserver.Step{testserver.Respond(200, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)},
			code: "overloaded_error", retryable: true, msg: []string{"overloaded"}},
		{name: "stall mid-stream", stall: 200 * time.Millisecond, script: with(text("Hello there, friend"), testserver.Stall()),
			code: CodeStalled, retryable: true, partial: "Hello there, friend",
			msg: []string{"anthropic stopped sending after ~5 tokens in ", "no data for 200ms", "the partial answer is kept"}, notMsg: []string{"--stall-timeout"}},
		{name: "timeout mid-stream", timeout: 300 * time.Millisecond, script: with(text("Hello"), testserver.Stall()),
			code: CodeTimeout, retryable: true, partial: "Hello", msg: []string{"anthropic timed out after 0.3 s; the partial answer is kept"}},
		{name: "stall before headers", stall: 200 * time.Millisecond, script: []testserver.Step{testserver.Stall()},
			code: CodeStalled, retryable: true, msg: []string{"stalled: no data for 200ms", "raise --stall-timeout"}, notMsg: []string{"partial"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			target, _ := ParseSpec("anthropic:" + claudeTestModel)
			target.BaseURL = testserver.ClosedURL(t)
			var srv *testserver.Anthropic
			if !c.closed {
				srv = testserver.NewAnthropic(t, cmpOr(c.serverKey, anthropicTestKey), c.script...)
				target.BaseURL = srv.URL()
			}
			opts := Options{Getenv: envMap{"ANTHROPIC_API_KEY": anthropicTestKey}.get, HTTPClient: testClient(t), StallTimeout: 2 * time.Second}
			if c.stall > 0 {
				opts.StallTimeout = c.stall
			}
			opts.Timeout = c.timeout
			r := collect(t, Open(target, opts), hello)
			e := r.err
			if e == nil {
				t.Fatalf("no error; events %v", eventTypes(r.events))
			}
			t.Logf("message: %s", e.Message)
			if r.events[len(r.events)-1].Type != EventError || r.done != nil {
				t.Errorf("events %v: the error must be the one end", eventTypes(r.events))
			}
			if e.Status != c.status || e.Code != c.code || e.Retryable != c.retryable || e.RetryAfter != c.retryAfter {
				t.Errorf("got status %d code %q retryable %v retry-after %v, want %d %q %v %v (%s)", e.Status, e.Code, e.Retryable, e.RetryAfter, c.status, c.code, c.retryable, c.retryAfter, e.Message)
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
			if strings.Contains(e.Message, anthropicTestKey) || strings.Contains(e.Message, "TESTKEY") {
				t.Errorf("message leaks the key: %q", e.Message)
			}
			if srv != nil && len(srv.Requests()) > 1 {
				t.Errorf("%d requests: the SDK retried", len(srv.Requests()))
			}
		})
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// The SDK reads ANTHROPIC_API_KEY, ANTHROPIC_BASE_URL and more from the
// process environment itself; fanout's own environment must be the only one
// that counts, as in `fanout serve`.
func TestAnthropicIgnoresProcessEnvironment(t *testing.T) {
	decoy := testserver.NewAnthropic(t, "", anthropicOK...)
	t.Setenv("ANTHROPIC_API_KEY", "sk-ant-api03-PROCESS-KEY-must-not-be-sent")
	t.Setenv("ANTHROPIC_AUTH_TOKEN", "process-token-must-not-be-sent")
	t.Setenv("ANTHROPIC_BASE_URL", decoy.URL())
	t.Setenv("ANTHROPIC_CUSTOM_HEADERS", "X-Leak: yes")
	srv := testserver.NewAnthropic(t, anthropicTestKey, anthropicOK...)
	r := collect(t, openAnthropic(t, claudeTestModel, srv, nil), hello)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if n := len(decoy.Requests()); n != 0 {
		t.Errorf("%d requests went to the process's ANTHROPIC_BASE_URL", n)
	}
	h := srv.Requests()[0].Header
	if h.Get("X-Api-Key") != anthropicTestKey || h.Get("Authorization") != "" || h.Get("X-Leak") != "" {
		t.Errorf("headers %v", h)
	}
	// Without a key in fanout's environment there is no request at all,
	// whatever the process has.
	target, _ := ParseSpec("anthropic:" + claudeTestModel)
	r = collect(t, Open(target, Options{Getenv: envMap{"ANTHROPIC_BASE_URL": srv.URL()}.get, HTTPClient: testClient(t)}), hello)
	if r.err == nil || r.err.Code != CodeMissingKey || len(srv.Requests()) != 1 {
		t.Errorf("error %+v, %d requests", r.err, len(srv.Requests()))
	}
}

func TestAnthropicCancel(t *testing.T) {
	t.Parallel()
	srv := testserver.NewAnthropic(t, anthropicTestKey, testserver.MessageStart(claudeTestModel, testserver.AnthropicUsage{Input: 1}),
		testserver.BlockStart(0, "text"), testserver.TextDelta(0, "first"), testserver.Stall())
	b := openAnthropic(t, claudeTestModel, srv, nil)
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

func TestAnthropicStopsWhenConsumerStops(t *testing.T) {
	t.Parallel()
	srv := testserver.NewAnthropic(t, anthropicTestKey, testserver.MessageStart(claudeTestModel, testserver.AnthropicUsage{Input: 1}),
		testserver.BlockStart(0, "text"), testserver.TextDelta(0, "one"), testserver.Stall())
	for range openAnthropic(t, claudeTestModel, srv, nil).Stream(t.Context(), hello) {
		break
	}
	select {
	case <-srv.Gone():
	case <-time.After(3 * time.Second):
		t.Fatal("breaking out of the loop did not close the connection")
	}
}

func TestAnthropicPrices(t *testing.T) {
	t.Parallel()
	book := NewPriceBook(nil)
	p, ok := book.Lookup(Target{Provider: ProviderAnthropic, Model: "claude-haiku-4-5-20251001"})
	if !ok || p.Input != 1 || p.Output != 5 || p.CachedInput != 0.1 || p.CacheWrite != 1.25 {
		t.Errorf("claude-haiku-4-5-20251001: %+v %v", p, ok)
	}
	// An undated alias is priced as its one snapshot; a prefix of several
	// models is no alias.
	if a, ok := book.Lookup(Target{Provider: ProviderAnthropic, Model: "claude-haiku-4-5"}); !ok || a.Input != p.Input || a.Output != p.Output || a.CachedInput != p.CachedInput || a.CacheWrite != p.CacheWrite {
		t.Errorf("claude-haiku-4-5: %+v %v, want the figures of %+v", a, ok, p)
	}
	for _, m := range []string{"claude-future-9", "claude-opus", "claude-sonnet-4-5-2025"} {
		if p, ok := book.Lookup(Target{Provider: ProviderAnthropic, Model: m}); ok {
			t.Errorf("%s has a price: %+v", m, p)
		}
	}
}

// Whatever a server sends, the stream ends with exactly one Done or Error and
// nothing after it, and never panics.
func FuzzAnthropicStreamBody(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "streams", "anthropic-messages-thinking-text.sse"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"))
	f.Add([]byte("data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":\"7\"}}\n\n"))
	f.Fuzz(func(t *testing.T, body []byte) {
		b := &anthropicBackend{baseURL: "http://127.0.0.1:1", key: anthropicTestKey}
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

// Some Anthropic-compatible proxies send the events without their "event:"
// lines: the type inside the data is enough.
func TestAnthropicDataOnlyEvents(t *testing.T) {
	t.Parallel()
	srv := testserver.NewAnthropic(t, anthropicTestKey,
		testserver.Data(`{"type":"message_start","message":{"usage":{"input_tokens":7,"output_tokens":1}}}`),
		testserver.Data(`{"type":"content_block_start","index":0,"content_block":{"type":"text","text":"Bon"}}`),
		testserver.Data(`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"jour"}}`),
		testserver.Comment("keep-alive"),
		testserver.Data(`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}`),
		testserver.Data(`{"type":"message_stop"}`),
	)
	r := collect(t, openAnthropic(t, claudeTestModel, srv, nil), hello)
	if r.err != nil || r.answer != "Bonjour" || r.done == nil || r.done.StopReason != StopEnd {
		t.Fatalf("answer %q done %+v err %+v", r.answer, r.done, r.err)
	}
	if r.usage == nil || r.usage.Input != 7 || r.usage.Output != 2 {
		t.Errorf("usage %+v", r.usage)
	}
}

// The SDK prints a deprecation warning to stderr for a thinking budget on
// some models (claude-opus-4-6); the cockpit draws on that terminal, so
// nothing may reach it.
func TestAnthropicThinkingWritesNothingToStderr(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	srv := testserver.NewAnthropic(t, anthropicTestKey, anthropicOK...)
	res := collect(t, openAnthropic(t, "claude-opus-4-6", srv, func(t *Target) { t.ThinkingBudget = 2048 }), hello)
	os.Stderr = saved
	w.Close()
	written, _ := io.ReadAll(r)
	r.Close()
	if res.err != nil {
		t.Fatal(res.err)
	}
	if th := srv.Requests()[0].Anthropic.Thinking; th == nil || th.Type != "enabled" || th.BudgetTokens != 2048 {
		t.Errorf("thinking %+v", th)
	}
	if len(written) > 0 {
		t.Errorf("written to stderr: %q", written)
	}
}
