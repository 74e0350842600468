package testserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// The Anthropic test server speaks the Messages API as api.anthropic.com
// does: `POST /v1/messages` with `"stream": true`, answered with a
// text/event-stream of named events (message_start, content_block_start,
// content_block_delta, content_block_stop, message_delta, message_stop,
// ping, error). Before running its script it checks what the real API
// checks first — the key (x-api-key, or Authorization: Bearer, which the
// API also takes), the anthropic-version header, max_tokens, and the
// parameters that version refuses — and answers a bad request with the
// API's own error shape, so a client that gets them wrong fails here as it
// would there.

// AnthropicVersions are the anthropic-version values the API accepts.
var AnthropicVersions = []string{"2023-06-01", "2026-10-21"}

// Anthropic is a loopback Messages API server.
type Anthropic struct {
	srv    *httptest.Server
	key    string
	script []Step
	quit   chan struct{} // closed at cleanup: ends waits and stalls
	gone   chan struct{}

	mu   sync.Mutex
	reqs []Request
}

// AnthropicRequest is the part of a Messages request tests look at.
type AnthropicRequest struct {
	Model     string `json:"model"`
	MaxTokens *int   `json:"max_tokens"`
	Stream    bool   `json:"stream"`
	System    []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"system"`
	Messages []struct {
		Role    string           `json:"role"`
		Content AnthropicContent `json:"content"`
	} `json:"messages"`
	Thinking *struct {
		Type         string `json:"type"`
		BudgetTokens int    `json:"budget_tokens"`
		Display      string `json:"display"`
	} `json:"thinking"`
	OutputConfig *struct {
		Effort string `json:"effort"`
	} `json:"output_config"`
	ServiceTier string   `json:"service_tier"`
	Temperature *float64 `json:"temperature"`
}

// AnthropicContent is a message's content: an array of blocks, or a string,
// which the API takes as one text block.
type AnthropicContent []struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func (c *AnthropicContent) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*c = AnthropicContent{{Type: "text", Text: s}}
		return nil
	}
	type blocks AnthropicContent
	return json.Unmarshal(b, (*blocks)(c))
}

// NewAnthropic starts a server that answers every request carrying key with
// script. It is closed when the test ends, after every handler has returned.
func NewAnthropic(t testing.TB, key string, script ...Step) *Anthropic {
	t.Helper()
	s := &Anthropic{key: key, script: script, quit: make(chan struct{}), gone: make(chan struct{}, 64)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.quit)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// URL is the base URL an Anthropic client is given (ANTHROPIC_BASE_URL):
// the server's root, to which clients add /v1/messages.
func (s *Anthropic) URL() string { return s.srv.URL }

// Requests returns the requests received so far, oldest first.
func (s *Anthropic) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Gone receives one value for each request whose client went away while a
// step was running.
func (s *Anthropic) Gone() <-chan struct{} { return s.gone }

func (s *Anthropic) serve(w http.ResponseWriter, r *http.Request) {
	rec := readRequest(r)
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	s.mu.Unlock()

	w.Header().Set("request-id", "req_test_0123456789")
	if status, typ, msg := s.refuse(r, rec); status != 0 {
		writeAnthropicError(w, status, typ, msg)
		return
	}
	sw := &Stream{w: w, r: r, quit: s.quit}
	for _, step := range s.script {
		if step.run(sw) {
			continue
		}
		if r.Context().Err() != nil {
			select {
			case s.gone <- struct{}{}:
			default:
			}
		}
		return
	}
}

// refuse says why the real API would refuse the request before answering
// it, as its status, error type and message; status 0 when it would not.
func (s *Anthropic) refuse(r *http.Request, rec Request) (int, string, string) {
	if r.Method != http.MethodPost || r.URL.Path != "/v1/messages" {
		return http.StatusNotFound, "not_found_error", fmt.Sprintf("Not Found: %s %s", r.Method, r.URL.Path)
	}
	key := r.Header.Get("X-Api-Key")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && key == "" {
		key = bearer
	}
	switch {
	case s.key != "" && key == "":
		return http.StatusUnauthorized, "authentication_error", "x-api-key header is required"
	case s.key != "" && key != s.key:
		return http.StatusUnauthorized, "authentication_error", "invalid x-api-key"
	}
	version := r.Header.Get("Anthropic-Version")
	switch {
	case version == "":
		return http.StatusBadRequest, "invalid_request_error", "anthropic-version: header is required"
	case !slices.Contains(AnthropicVersions, version):
		return http.StatusBadRequest, "invalid_request_error", fmt.Sprintf("anthropic-version: invalid version %q", version)
	}
	if rec.Body == nil {
		return http.StatusBadRequest, "invalid_request_error", "the request body is not valid JSON"
	}
	req := rec.Anthropic
	switch {
	case req.Model == "":
		return http.StatusBadRequest, "invalid_request_error", "model: Field required"
	case req.MaxTokens == nil:
		return http.StatusBadRequest, "invalid_request_error", "max_tokens: Field required"
	case len(req.Messages) == 0:
		return http.StatusBadRequest, "invalid_request_error", "messages: Field required"
	}
	if version == "2026-10-21" {
		for _, p := range []string{"temperature", "top_p", "top_k"} {
			if _, ok := rec.Body[p]; ok {
				return http.StatusBadRequest, "invalid_request_error", p + ": Extra inputs are not permitted"
			}
		}
	}
	if th := req.Thinking; th != nil && th.Type == "enabled" {
		switch {
		case th.BudgetTokens < 1024:
			return http.StatusBadRequest, "invalid_request_error", "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024"
		case th.BudgetTokens >= *req.MaxTokens:
			return http.StatusBadRequest, "invalid_request_error", "`max_tokens` must be greater than `thinking.budget_tokens`"
		}
	}
	return 0, "", ""
}

// anthropicErrorBody is the API's error shape, in an HTTP error body and in
// an error event alike.
func anthropicErrorBody(typ, message string) string {
	b, _ := json.Marshal(map[string]any{"type": "error", "error": map[string]string{"type": typ, "message": message}})
	return string(b)
}

func writeAnthropicError(w http.ResponseWriter, status int, typ, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, anthropicErrorBody(typ, message))
}

// AnthropicHTTPError answers with status and the API's error body, headers
// given as name, value pairs (e.g. "retry-after", "20"). It ends the script
// and must come before anything is sent.
func AnthropicHTTPError(status int, errorType, message string, header ...string) Step {
	return Respond(status, anthropicErrorBody(errorType, message), header...)
}

// AnthropicEvent sends one named event: "event: name", its JSON data and a
// blank line. payload is marshalled; a string or []byte is sent as is.
func AnthropicEvent(name string, payload any) Step {
	var data []byte
	switch p := payload.(type) {
	case string:
		data = []byte(p)
	case []byte:
		data = p
	default:
		var err error
		if data, err = json.Marshal(p); err != nil {
			panic(fmt.Sprintf("testserver.AnthropicEvent: %v", err))
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", name, data)
	return Step{"event " + name, func(st *Stream) bool { return st.Write(b.Bytes()) }}
}

// AnthropicUsage is a usage object as the API sends it. In message_start
// every count is sent; in message_delta only those not zero, and
// output_tokens always.
type AnthropicUsage struct {
	Input, Output, CacheRead, CacheCreation int
	Thinking                                int    // output_tokens_details.thinking_tokens; 0 sends none
	ServiceTier                             string // "standard", "priority", "batch"; "" sends none
}

func (u AnthropicUsage) start() map[string]any {
	m := map[string]any{
		"input_tokens": u.Input, "output_tokens": u.Output,
		"cache_read_input_tokens": u.CacheRead, "cache_creation_input_tokens": u.CacheCreation,
		"cache_creation": map[string]int{"ephemeral_5m_input_tokens": u.CacheCreation, "ephemeral_1h_input_tokens": 0},
	}
	if u.ServiceTier != "" {
		m["service_tier"] = u.ServiceTier
	}
	return m
}

func (u AnthropicUsage) delta() map[string]any {
	m := map[string]any{"output_tokens": u.Output}
	for k, v := range map[string]int{"input_tokens": u.Input, "cache_read_input_tokens": u.CacheRead, "cache_creation_input_tokens": u.CacheCreation} {
		if v != 0 {
			m[k] = v
		}
	}
	if u.Thinking != 0 {
		m["output_tokens_details"] = map[string]int{"thinking_tokens": u.Thinking}
	}
	return m
}

// MessageStart opens a message of model with its first usage.
func MessageStart(model string, u AnthropicUsage) Step {
	return AnthropicEvent("message_start", map[string]any{"type": "message_start", "message": map[string]any{
		"id": "msg_test_01", "type": "message", "role": "assistant", "model": model, "content": []any{},
		"stop_reason": nil, "stop_sequence": nil, "usage": u.start(),
	}})
}

// BlockStart opens content block index of type kind ("text", "thinking",
// "redacted_thinking", "tool_use").
func BlockStart(index int, kind string) Step {
	block := map[string]any{"type": kind}
	switch kind {
	case "text":
		block["text"] = ""
	case "thinking":
		block["thinking"], block["signature"] = "", ""
	case "redacted_thinking":
		block["data"] = "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"
	case "tool_use":
		block["id"], block["name"], block["input"] = "toolu_test_01", "get_weather", map[string]any{}
	}
	return AnthropicEvent("content_block_start", map[string]any{"type": "content_block_start", "index": index, "content_block": block})
}

func blockDelta(index int, delta map[string]any) Step {
	return AnthropicEvent("content_block_delta", map[string]any{"type": "content_block_delta", "index": index, "delta": delta})
}

// TextDelta, ThinkingDelta and SignatureDelta send a piece of block index.
func TextDelta(index int, text string) Step {
	return blockDelta(index, map[string]any{"type": "text_delta", "text": text})
}
func ThinkingDelta(index int, text string) Step {
	return blockDelta(index, map[string]any{"type": "thinking_delta", "thinking": text})
}
func SignatureDelta(index int, sig string) Step {
	return blockDelta(index, map[string]any{"type": "signature_delta", "signature": sig})
}

// BlockStop closes content block index.
func BlockStop(index int) Step {
	return AnthropicEvent("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
}

// MessageDelta sends the stop reason and the cumulative usage.
func MessageDelta(stopReason string, u AnthropicUsage) Step {
	return AnthropicEvent("message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": stopReason, "stop_sequence": nil}, "usage": u.delta()})
}

// MessageStop ends the message.
func MessageStop() Step {
	return AnthropicEvent("message_stop", map[string]any{"type": "message_stop"})
}

// Ping is the keep-alive event the API sends now and then.
func Ping() Step { return AnthropicEvent("ping", map[string]any{"type": "ping"}) }

// AnthropicStreamError sends an error event, as the API does when it fails
// after the stream started (errorType "overloaded_error", "api_error", …).
func AnthropicStreamError(errorType, message string) Step {
	return AnthropicEvent("error", anthropicErrorBody(errorType, message))
}

// AnthropicReply is a whole stream as the API sends it: message_start, a
// ping, a thinking block (when thinking is not empty, with its signature),
// a text block, then stop with the final usage (start's input counts, final
// output).
func AnthropicReply(model, thinking, text, stopReason string, start, final AnthropicUsage) []Step {
	steps := []Step{MessageStart(model, start), Ping()}
	index := 0
	if thinking != "" {
		steps = append(steps, BlockStart(index, "thinking"), ThinkingDelta(index, thinking),
			SignatureDelta(index, "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"), BlockStop(index))
		index++
	}
	steps = append(steps, BlockStart(index, "text"))
	for _, w := range strings.SplitAfter(text, " ") {
		if w != "" {
			steps = append(steps, TextDelta(index, w))
		}
	}
	return append(steps, BlockStop(index), MessageDelta(stopReason, final), MessageStop())
}
