package backends

import (
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/internal/testserver"
)

// The backend contract, once for every provider that speaks to a server:
// the same situations, each played by that provider's own loopback server in
// its own wire format through its real SDK, must look the same to everything
// above the backend. A new backend joins by giving its scripts below.

// contractCase is one situation of the contract.
type contractCase string

const (
	contractText        contractCase = "text with usage"     // "Hello there", 11 in, 2 out, a normal end
	contractMaxTokens   contractCase = "cut by max tokens"   // "Hel", 3 in, 1 out
	contractRefused     contractCase = "credentials refused" // 401 or 403
	contractRateLimited contractCase = "429 retry-after"     // Retry-After: 7
	contractServerError contractCase = "500"
	contractOverloaded  contractCase = "529 overloaded"
	contractDropped     contractCase = "dropped mid-stream" // after "Hello"
	contractStalled     contractCase = "stalled mid-stream" // after "Hello"
	contractMalformed   contractCase = "malformed mid-stream"
)

var contractCases = []contractCase{contractText, contractMaxTokens, contractRefused, contractRateLimited,
	contractServerError, contractOverloaded, contractDropped, contractStalled, contractMalformed}

// contractStall is the stall timeout of every backend under the contract.
const contractStall = 300 * time.Millisecond

// contractProvider plays a case on its own server; open returns a backend
// on that server and a count of the requests it received.
type contractProvider struct {
	name string
	open func(t *testing.T, c contractCase) (b Backend, requests func() int)
}

var contractProviders = []contractProvider{
	{"openai", func(t *testing.T, c contractCase) (Backend, func() int) {
		ts := testserver.Content
		scripts := map[contractCase][]testserver.Step{
			contractText: {ts("Hello"), ts(" there"), testserver.Finish("stop"),
				testserver.UsageOnly(testserver.Usage{Prompt: 11, Completion: 2}), testserver.Done()},
			contractMaxTokens: {ts("Hel"), testserver.Finish("length"), testserver.UsageOnly(testserver.Usage{Prompt: 3, Completion: 1}), testserver.Done()},
			contractRefused:   {testserver.Respond(401, `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}`)},
			contractRateLimited: {testserver.Respond(429, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`,
				"Retry-After", "7")},
			contractServerError: {testserver.Respond(500, `{"error":{"message":"The server had an error","type":"server_error"}}`)},
			contractOverloaded:  {testserver.Respond(529, `{"error":{"message":"Overloaded"}}`)},
			contractDropped:     {ts("Hello"), testserver.Drop()},
			contractStalled:     {ts("Hello"), testserver.Stall()},
			contractMalformed:   {ts("Hello"), testserver.Data("{not json"), testserver.Done()},
		}
		srv := testserver.NewOpenAI(t, scripts[c]...)
		target, _ := ParseSpec("openai:gpt-4o-mini")
		target.BaseURL = srv.URL()
		b := Open(target, Options{Getenv: envMap{"OPENAI_API_KEY": testKey}.get, HTTPClient: testClient(t), StallTimeout: contractStall})
		return b, func() int { return len(srv.Requests()) }
	}},
	{"bedrock", func(t *testing.T, c contractCase) (Backend, func() int) {
		start := testserver.BedrockEvent("messageStart", map[string]string{"role": "assistant"})
		corrupt := testserver.BedrockFrame("event", "contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"text": "x"}})
		corrupt[len(corrupt)-1] ^= 0xff // the message CRC
		scripts := map[contractCase][]testserver.BedrockStep{
			contractText:      testserver.BedrockText(11, 2, "Hello", " there"),
			contractMaxTokens: {start, testserver.BedrockDelta("Hel"), testserver.BedrockStop("max_tokens"), testserver.BedrockMetadata(3, 1, 10)},
			// Bedrock refuses credentials with a 403.
			contractRefused: {testserver.BedrockHTTPError(403, "UnrecognizedClientException", "The security token included in the request is invalid.")},
			contractRateLimited: {testserver.BedrockFail(testserver.BedrockErrorResponse{Status: 429, ErrorType: "ThrottlingException",
				Body: []byte(`{"message":"Too many requests"}`), RetryAfter: "7"})},
			contractServerError: {testserver.BedrockHTTPError(500, "InternalServerException", "The server had an error")},
			contractOverloaded:  {testserver.BedrockHTTPError(529, "", "Overloaded")},
			contractDropped:     {start, testserver.BedrockDelta("Hello"), testserver.BedrockDrop()},
			contractStalled:     {start, testserver.BedrockDelta("Hello"), testserver.BedrockStall()},
			contractMalformed:   {start, testserver.BedrockDelta("Hello"), testserver.BedrockRaw(corrupt), testserver.BedrockStop("end_turn")},
		}
		srv := testserver.NewBedrock(t, scripts[c]...)
		b := bedrockBackend(srv.Env(), "amazon.nova-micro-v1:0", func(o *Options) { o.StallTimeout = contractStall })
		return b, func() int { return len(srv.Requests()) }
	}},
	{"anthropic", func(t *testing.T, c contractCase) (Backend, func() int) {
		start := []testserver.Step{testserver.MessageStart(claudeTestModel, testserver.AnthropicUsage{Input: 11, Output: 1}),
			testserver.BlockStart(0, "text"), testserver.TextDelta(0, "Hello")}
		then := func(more ...testserver.Step) []testserver.Step {
			return append(append([]testserver.Step(nil), start...), more...)
		}
		scripts := map[contractCase][]testserver.Step{
			contractText: testserver.AnthropicReply(claudeTestModel, "", "Hello there", "end_turn",
				testserver.AnthropicUsage{Input: 11, Output: 1}, testserver.AnthropicUsage{Output: 2}),
			contractMaxTokens: testserver.AnthropicReply(claudeTestModel, "", "Hel", "max_tokens",
				testserver.AnthropicUsage{Input: 3, Output: 1}, testserver.AnthropicUsage{Output: 1}),
			contractRefused:     {testserver.AnthropicHTTPError(401, "authentication_error", "invalid x-api-key")},
			contractRateLimited: {testserver.AnthropicHTTPError(429, "rate_limit_error", "Number of requests has exceeded your rate limit", "retry-after", "7")},
			contractServerError: {testserver.AnthropicHTTPError(500, "api_error", "Internal server error")},
			contractOverloaded:  {testserver.AnthropicHTTPError(529, "overloaded_error", "Overloaded")},
			contractDropped:     then(testserver.Drop()),
			contractStalled:     then(testserver.Stall()),
			contractMalformed:   then(testserver.AnthropicEvent("content_block_delta", "{not json"), testserver.MessageStop()),
		}
		srv := testserver.NewAnthropic(t, anthropicTestKey, scripts[c]...)
		target, _ := ParseSpec("anthropic:" + claudeTestModel)
		target.BaseURL = srv.URL()
		b := Open(target, Options{Getenv: envMap{"ANTHROPIC_API_KEY": anthropicTestKey}.get, HTTPClient: testClient(t), StallTimeout: contractStall})
		return b, func() int { return len(srv.Requests()) }
	}},
}

func TestBackendContract(t *testing.T) {
	t.Parallel()
	for _, p := range contractProviders {
		for _, c := range contractCases {
			t.Run(p.name+"/"+string(c), func(t *testing.T) {
				t.Parallel()
				b, requests := p.open(t, c)
				r := collect(t, b, hello)
				if r.err != nil {
					t.Logf("error: %s", r.err.Message)
				}
				checkContract(t, p.name, c, r)
				if n := requests(); n != 1 {
					t.Errorf("%d requests, want exactly one: no retries inside the SDK", n)
				}
			})
		}
	}
}

func checkContract(t *testing.T, who string, c contractCase, r result) {
	t.Helper()
	wantEnd := func(answer string, stop StopReason, in, out int) {
		t.Helper()
		if r.err != nil {
			t.Fatalf("error %s", r.err.Message)
		}
		if r.answer != answer || r.reasoning != "" {
			t.Errorf("answer %q reasoning %q, want %q and none", r.answer, r.reasoning, answer)
		}
		if r.usage == nil || r.usage.Input != in || r.usage.Output != out || !r.usage.Exact {
			t.Errorf("usage %+v, want exact %d in, %d out", r.usage, in, out)
		}
		if r.done == nil || r.done.StopReason != stop {
			t.Errorf("done %+v, want stop %q", r.done, stop)
		}
		if n := len(r.events); n < 2 || r.events[n-2].Type != EventUsage || r.events[n-1].Type != EventDone {
			t.Errorf("want usage then done at the end, got %v", eventTypes(r.events))
		}
	}
	wantErr := func(status int, code ErrorCode, retryable bool, partial string, msg ...string) {
		t.Helper()
		e := r.err
		if e == nil {
			t.Fatalf("no error; events %v", eventTypes(r.events))
		}
		if r.done != nil || r.events[len(r.events)-1].Type != EventError {
			t.Errorf("events %v: the error must be the one end", eventTypes(r.events))
		}
		if status != 0 && e.Status != status {
			t.Errorf("status %d, want %d", e.Status, status)
		}
		if code != "" && e.Code != code {
			t.Errorf("code %q, want %q", e.Code, code)
		}
		if e.Retryable != retryable {
			t.Errorf("retryable %v, want %v", e.Retryable, retryable)
		}
		if r.answer != partial {
			t.Errorf("answer before the error %q, want %q", r.answer, partial)
		}
		for _, m := range append([]string{who}, msg...) {
			if !strings.Contains(e.Message, m) {
				t.Errorf("message %q lacks %q", e.Message, m)
			}
		}
		if strings.Contains(e.Message, testKey) || strings.Contains(e.Message, anthropicTestKey) {
			t.Errorf("message leaks a key: %q", e.Message)
		}
	}
	switch c {
	case contractText:
		wantEnd("Hello there", StopEnd, 11, 2)
	case contractMaxTokens:
		wantEnd("Hel", StopMaxTokens, 3, 1)
	case contractRefused:
		wantErr(0, "", false, "", "refused")
		if r.err.Status != 401 && r.err.Status != 403 {
			t.Errorf("status %d, want 401 or 403", r.err.Status)
		}
		if !r.err.Unbilled() {
			t.Error("a refused request counts as billed")
		}
	case contractRateLimited:
		wantErr(429, "", true, "", "rate limited", "retry after 7s")
		if r.err.RetryAfter != 7*time.Second {
			t.Errorf("retry after %v, want 7s", r.err.RetryAfter)
		}
	case contractServerError:
		wantErr(500, "", true, "", "server error (500")
	case contractOverloaded:
		wantErr(529, "", true, "", "is overloaded (529")
	case contractDropped:
		wantErr(0, CodeConnectionDropped, true, "Hello", "dropped the connection mid-stream", "the partial answer is kept")
	case contractStalled:
		wantErr(0, CodeStalled, true, "Hello", "stopped sending", "the partial answer is kept")
	case contractMalformed:
		wantErr(0, CodeMalformedStream, false, "Hello", "malformed stream")
	}
}
