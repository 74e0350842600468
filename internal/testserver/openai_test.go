package testserver

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSSESplitsByEvent(t *testing.T) {
	t.Parallel()
	in := "data: a\n\n: ping\r\n\r\ndata: b\ndata: c\r\rtail"
	steps := SSE([]byte(in), 0)
	var got []string
	for _, s := range steps {
		got = append(got, strings.TrimPrefix(s.String(), "raw "))
	}
	want := []string{"data: a\n\n", ": ping\r\n\r\n", "data: b\ndata: c\r\r", "tail"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("got %q, want %q", got, want)
	}
	if n := len(SSE([]byte(in), time.Millisecond)); n != 2*len(want)-1 {
		t.Errorf("%d steps with delays, want %d", n, 2*len(want)-1)
	}
}

func TestOpenAIServesAndRecords(t *testing.T) {
	t.Parallel()
	srv := NewOpenAI(t, Content("hi"), Done())
	body := `{"model":"m","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"q"}]}`
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL()+"/chat/completions", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer k")
	resp, err := client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	if !strings.Contains(string(b), `"delta":{"content":"hi"}`) || !strings.HasSuffix(string(b), "data: [DONE]\n\n") {
		t.Errorf("body %q", b)
	}
	r := srv.Requests()
	if len(r) != 1 || r[0].Chat.Model != "m" || !r[0].Chat.StreamOptions.IncludeUsage || r[0].Header.Get("Authorization") != "Bearer k" || r[0].Path != "/v1/chat/completions" {
		t.Errorf("recorded %+v", r)
	}

	resp, err = client(t).Get(srv.Root() + "/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d", resp.StatusCode)
	}
}

func TestOpenAIRespond(t *testing.T) {
	t.Parallel()
	srv := NewOpenAI(t, Respond(429, `{"error":{}}`, "Retry-After", "3"))
	resp, err := client(t).Post(srv.URL()+"/chat/completions", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "3" || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("status %d headers %v", resp.StatusCode, resp.Header)
	}
}

// client is a client whose idle connections close with the test.
func client(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
