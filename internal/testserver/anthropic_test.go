package testserver

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// post sends body to srv's /v1/messages with the given headers (name, value
// pairs) and returns the status and the body.
func post(t *testing.T, srv *Anthropic, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/v1/messages", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

const validMessages = `{"model":"claude-x","max_tokens":16,"stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"q"}]}]}`

// The server streams named events in order, and records the request.
func TestAnthropicServesEvents(t *testing.T) {
	t.Parallel()
	srv := NewAnthropic(t, "k-1234", AnthropicReply("claude-x", "think", "Hi there", "end_turn", AnthropicUsage{Input: 5, ServiceTier: "standard"}, AnthropicUsage{Output: 2})...)
	status, body := post(t, srv, validMessages, "X-Api-Key", "k-1234", "Anthropic-Version", "2026-10-21")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var names []string
	for _, ev := range strings.Split(strings.TrimSpace(body), "\n\n") {
		name, data, ok := strings.Cut(ev, "\n")
		if !ok || !strings.HasPrefix(name, "event: ") || !strings.HasPrefix(data, "data: ") {
			t.Fatalf("not a named event: %q", ev)
		}
		var v struct{ Type string }
		if err := json.Unmarshal([]byte(strings.TrimPrefix(data, "data: ")), &v); err != nil || v.Type != strings.TrimPrefix(name, "event: ") {
			t.Errorf("event %q: data type %q (%v)", name, v.Type, err)
		}
		names = append(names, strings.TrimPrefix(name, "event: "))
	}
	want := "message_start ping content_block_start content_block_delta content_block_delta content_block_stop " +
		"content_block_start content_block_delta content_block_delta content_block_stop message_delta message_stop"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("events\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(body, `"service_tier":"standard"`) || !strings.Contains(body, `"signature_delta"`) {
		t.Errorf("body lacks the tier or the signature: %s", body)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Anthropic.Model != "claude-x" || *reqs[0].Anthropic.MaxTokens != 16 || reqs[0].Anthropic.Messages[0].Content[0].Text != "q" {
		t.Errorf("recorded %+v", reqs)
	}
}

// What the real API refuses before answering is refused here, in its
// error shape, and the script does not run.
func TestAnthropicRefusesAsTheAPIDoes(t *testing.T) {
	t.Parallel()
	ok := []string{"X-Api-Key", "k-1234", "Anthropic-Version", "2026-10-21"}
	for _, tc := range []struct {
		name    string
		body    string
		header  []string
		status  int
		errType string
		msg     string
	}{
		{"no key", validMessages, []string{"Anthropic-Version", "2026-10-21"}, 401, "authentication_error", "x-api-key header is required"},
		{"wrong key", validMessages, []string{"X-Api-Key", "nope", "Anthropic-Version", "2026-10-21"}, 401, "authentication_error", "invalid x-api-key"},
		{"no version", validMessages, []string{"X-Api-Key", "k-1234"}, 400, "invalid_request_error", "anthropic-version: header is required"},
		{"unknown version", validMessages, []string{"X-Api-Key", "k-1234", "Anthropic-Version", "2024-01-01"}, 400, "invalid_request_error", "invalid version"},
		{"no max_tokens", `{"model":"claude-x","messages":[{"role":"user","content":"q"}]}`, ok, 400, "invalid_request_error", "max_tokens: Field required"},
		{"temperature at 2026-10-21", `{"model":"claude-x","max_tokens":16,"temperature":1,"messages":[{"role":"user","content":"q"}]}`, ok, 400, "invalid_request_error", "temperature: Extra inputs are not permitted"},
		{"budget not below max_tokens", `{"model":"claude-x","max_tokens":2048,"thinking":{"type":"enabled","budget_tokens":2048},"messages":[{"role":"user","content":"q"}]}`, ok, 400, "invalid_request_error", "must be greater than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := NewAnthropic(t, "k-1234", MessageStart("claude-x", AnthropicUsage{}), MessageStop())
			status, body := post(t, srv, tc.body, tc.header...)
			var v struct {
				Type  string
				Error struct{ Type, Message string }
			}
			if status != tc.status || json.Unmarshal([]byte(body), &v) != nil || v.Type != "error" || v.Error.Type != tc.errType || !strings.Contains(v.Error.Message, tc.msg) {
				t.Errorf("status %d body %s, want %d %s saying %q", status, body, tc.status, tc.errType, tc.msg)
			}
		})
	}
	// The API also takes the key as a bearer token, as SDK v2 sends it.
	srv := NewAnthropic(t, "k-1234", MessageStart("claude-x", AnthropicUsage{}), MessageStop())
	if status, body := post(t, srv, validMessages, "Authorization", "Bearer k-1234", "Anthropic-Version", "2026-10-21"); status != 200 {
		t.Errorf("bearer key: %d %s", status, body)
	}
}
