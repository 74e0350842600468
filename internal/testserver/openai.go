// Package testserver runs loopback servers that speak providers' wire
// protocols, driven by scripts, for tests of fanout's backends and of
// everything above them. Nothing here touches the network beyond 127.0.0.1.
package testserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// OpenAI is a loopback OpenAI chat-completions server. Every POST to a path
// ending in /chat/completions (/v1/chat/completions, /chat/completions, and
// Azure's /openai/deployments/NAME/chat/completions) is recorded and answered
// by running the script; any other request gets a 404 and is recorded too.
type OpenAI struct {
	srv    *httptest.Server
	script []Step
	// pick, when set, chooses each chat request's script (see
	// NewOpenAIScheduled).
	pick func(n int, req Request) []Step
	quit chan struct{} // closed at cleanup: ends waits and stalls
	gone chan struct{}

	mu    sync.Mutex
	reqs  []Request
	chats int // chat requests received so far
}

// Request is what the server received.
type Request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	// Raw is the body; Body is it decoded as generic JSON, Chat as a
	// chat-completions request and Anthropic as a Messages request (each
	// left zero when the body is not JSON).
	Raw       []byte
	Body      map[string]any
	Chat      ChatRequest
	Anthropic AnthropicRequest
}

// ChatRequest is the part of a chat-completions request tests look at.
type ChatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	Stream        bool `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
	Temperature         *float64 `json:"temperature"`
	MaxTokens           int      `json:"max_tokens"`
	MaxCompletionTokens int      `json:"max_completion_tokens"`
	ReasoningEffort     string   `json:"reasoning_effort"`
	ServiceTier         string   `json:"service_tier"`
}

// NewOpenAI starts a server that answers every chat request with script. It
// is closed when the test ends, after every handler has returned.
func NewOpenAI(t testing.TB, script ...Step) *OpenAI {
	t.Helper()
	s := &OpenAI{script: script, quit: make(chan struct{}), gone: make(chan struct{}, 64)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.quit)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}

// URL is the base URL an OpenAI client is given: the server's root + "/v1".
func (s *OpenAI) URL() string { return s.srv.URL + "/v1" }

// Root is the server's root URL, e.g. an Azure endpoint.
func (s *OpenAI) Root() string { return s.srv.URL }

// Requests returns the requests received so far, oldest first.
func (s *OpenAI) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Gone receives one value for each request whose client went away while a
// step was running (a cancelled or stalled-out client, a client that stopped
// reading).
func (s *OpenAI) Gone() <-chan struct{} { return s.gone }

func (s *OpenAI) serve(w http.ResponseWriter, r *http.Request) {
	rec := readRequest(r)
	s.mu.Lock()
	s.reqs = append(s.reqs, rec)
	n := s.chats
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/chat/completions") {
		s.chats++
	}
	s.mu.Unlock()

	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, `{"error":{"message":"no route for %s %s","type":"invalid_request_error","code":"not_found"}}`, r.Method, r.URL.Path)
		return
	}
	sw := &Stream{w: w, r: r, quit: s.quit}
	script := s.script
	if s.pick != nil {
		script = s.pick(n, rec)
	}
	for _, step := range script {
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

// Stream is the response being written by a script. Steps use it; tests
// only need it to write their own steps with Func.
type Stream struct {
	w       http.ResponseWriter
	r       *http.Request
	quit    <-chan struct{}
	started bool
}

// Write sends b as part of the event stream (starting it with status 200 and
// Content-Type text/event-stream if needed) and flushes it. It returns false
// when the client has gone.
func (s *Stream) Write(b []byte) bool {
	if !s.started {
		s.started = true
		h := s.w.Header()
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "text/event-stream")
		}
		h.Set("Cache-Control", "no-cache")
		s.w.WriteHeader(http.StatusOK)
	}
	if _, err := s.w.Write(b); err != nil {
		return false
	}
	return http.NewResponseController(s.w).Flush() == nil && s.r.Context().Err() == nil
}

// Wait pauses for d; false when the client went away or the server is
// closing first.
func (s *Stream) Wait(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.r.Context().Done():
		return false
	case <-s.quit:
		return false
	}
}

// Step is one action of a script. Build steps with the functions below.
type Step struct {
	desc string
	run  func(*Stream) bool // false ends the script
}

func (s Step) String() string { return s.desc }

// Func is a step running f; f returns false to end the script.
func Func(desc string, f func(*Stream) bool) Step { return Step{desc, f} }

// Raw sends s byte for byte.
func Raw(s string) Step {
	return Step{"raw " + s, func(st *Stream) bool { return st.Write([]byte(s)) }}
}

// Data sends one event: "data: payload" and a blank line.
func Data(payload string) Step {
	return Step{"data " + payload, func(st *Stream) bool { return st.Write([]byte("data: " + payload + "\n\n")) }}
}

// JSON sends v, marshalled, as one event.
func JSON(v any) Step {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("testserver.JSON: %v", err))
	}
	return Data(string(b))
}

// Comment sends an SSE comment line, as servers do to keep a connection alive.
func Comment(text string) Step {
	return Step{"comment " + text, func(st *Stream) bool { return st.Write([]byte(": " + text + "\n\n")) }}
}

// Done sends "data: [DONE]", the end of an OpenAI stream.
func Done() Step { return Data("[DONE]") }

// Wait pauses for d.
func Wait(d time.Duration) Step {
	return Step{"wait " + d.String(), func(st *Stream) bool { return st.Wait(d) }}
}

// Stall sends nothing more until the client gives up or the server closes.
// The status line has not been sent if nothing was before it, so a stall as
// the first step stalls before the headers.
func Stall() Step {
	return Step{"stall", func(st *Stream) bool {
		select {
		case <-st.r.Context().Done():
		case <-st.quit:
		}
		return false
	}}
}

// Drop closes the connection abruptly, in the middle of the chunked body:
// the client sees an unexpected EOF, as when a proxy or the network cuts it.
func Drop() Step {
	return Step{"drop", func(st *Stream) bool {
		if !st.started {
			st.Write(nil)
		}
		conn, _, err := http.NewResponseController(st.w).Hijack()
		if err == nil {
			conn.Close()
		}
		return false
	}}
}

// Respond answers with status, body and headers given as name, value pairs
// (e.g. "Retry-After", "20"); Content-Type defaults to application/json. It
// ends the script and must come before anything is sent.
func Respond(status int, body string, header ...string) Step {
	return Step{fmt.Sprintf("respond %d %s", status, body), func(st *Stream) bool {
		if st.started {
			panic("testserver.Respond after the stream started")
		}
		st.started = true
		h := st.w.Header()
		h.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			h.Set(header[i], header[i+1])
		}
		st.w.WriteHeader(status)
		io.WriteString(st.w, body)
		return false
	}}
}

// Chunk is one chat.completion.chunk, built by Send.
type Chunk struct {
	Content          string // delta.content
	ReasoningContent string // delta.reasoning_content (DeepSeek, vLLM)
	Reasoning        string // delta.reasoning (OpenRouter, Ollama)
	FinishReason     string // "" sends null
	Usage            *Usage
	NoChoices        bool // "choices": [], as in a usage-only chunk
	// ServiceTier is the chunk's service_tier, which api.openai.com sends
	// on every chunk ("default", "flex", "priority"); "" leaves it out.
	ServiceTier string
}

// Usage is a chunk's usage object.
type Usage struct {
	Prompt, Completion, Cached, Reasoning int
	Cost                                  *float64 // usage.cost, as OpenRouter sends it
}

// Send sends c as one event, shaped as api.openai.com shapes chunks.
func Send(c Chunk) Step {
	delta := map[string]any{}
	if c.Content != "" {
		delta["content"] = c.Content
	}
	if c.ReasoningContent != "" {
		delta["reasoning_content"] = c.ReasoningContent
	}
	if c.Reasoning != "" {
		delta["reasoning"] = c.Reasoning
	}
	var finish any
	if c.FinishReason != "" {
		finish = c.FinishReason
	}
	choices := []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}}
	if c.NoChoices {
		choices = []any{}
	}
	chunk := map[string]any{
		"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1700000000,
		"model": "test-model", "choices": choices, "usage": nil,
	}
	if c.ServiceTier != "" {
		chunk["service_tier"] = c.ServiceTier
	}
	if u := c.Usage; u != nil {
		usage := map[string]any{
			"prompt_tokens": u.Prompt, "completion_tokens": u.Completion, "total_tokens": u.Prompt + u.Completion,
			"prompt_tokens_details":     map[string]any{"cached_tokens": u.Cached},
			"completion_tokens_details": map[string]any{"reasoning_tokens": u.Reasoning},
		}
		if u.Cost != nil {
			usage["cost"] = *u.Cost
		}
		chunk["usage"] = usage
	}
	return JSON(chunk)
}

// Content, ReasoningContent, Reasoning and Finish send a chunk with just that.
func Content(text string) Step          { return Send(Chunk{Content: text}) }
func ReasoningContent(text string) Step { return Send(Chunk{ReasoningContent: text}) }
func Reasoning(text string) Step        { return Send(Chunk{Reasoning: text}) }
func Finish(reason string) Step         { return Send(Chunk{FinishReason: reason}) }

// UsageOnly sends the final usage chunk of include_usage: no choices.
func UsageOnly(u Usage) Step { return Send(Chunk{NoChoices: true, Usage: &u}) }

// SSE splits a recorded event stream into one Raw step per event, byte for
// byte (line endings and comments kept), with a Wait of delay between
// events when delay > 0.
func SSE(stream []byte, delay time.Duration) []Step {
	var steps []Step
	add := func(ev []byte) {
		if len(ev) == 0 {
			return
		}
		if delay > 0 && len(steps) > 0 {
			steps = append(steps, Wait(delay))
		}
		steps = append(steps, Raw(string(ev)))
	}
	start := 0
	for i := 0; i < len(stream); {
		// Find the end of the line at i, with its terminator.
		j := bytes.IndexAny(stream[i:], "\r\n")
		if j < 0 {
			break
		}
		end := i + j + 1
		if stream[i+j] == '\r' && end < len(stream) && stream[end] == '\n' {
			end++
		}
		if j == 0 { // a blank line ends an event
			add(stream[start:end])
			start = end
		}
		i = end
	}
	add(stream[start:])
	return steps
}

// SSEFile reads a recorded stream and splits it with SSE.
func SSEFile(t testing.TB, path string, delay time.Duration) []Step {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	return SSE(b, delay)
}

// ClosedURL returns a loopback base URL on which nothing listens, for tests of
// a refused connection.
func ClosedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/v1"
}

// readRequest reads what a test server received: the body (up to 16 MiB),
// decoded as generic JSON and as each provider's request, each left zero
// when it does not decode so.
func readRequest(r *http.Request) Request {
	raw, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
	rec := Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone(), Raw: raw}
	if json.Unmarshal(raw, &rec.Body) != nil {
		rec.Body = nil
	}
	if json.Unmarshal(raw, &rec.Chat) != nil {
		rec.Chat = ChatRequest{}
	}
	if json.Unmarshal(raw, &rec.Anthropic) != nil {
		rec.Anthropic = AnthropicRequest{}
	}
	return rec
}
