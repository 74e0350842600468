package backends

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/internal/testserver"
)

// htmlPage is what a proxy or a captive portal answers in place of the API.
const htmlPage = "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>Please sign in to continue.</body></html>\n"

// pageServer answers every request with status and body, labelled
// contentType (none when empty: Go's server then sniffs text/html).
func pageServer(t *testing.T, status int, contentType, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// A 200 HTML page (a proxy's login page, a captive portal) is said to be
// one, through the real go-openai and aws-sdk-go-v2 clients, whether it is
// labelled text/html or mislabelled as the stream it is not.
func TestHTMLPageInsteadOfAStream(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, contentType string }{
		{"labelled html", "text/html; charset=utf-8"},
		{"labelled as a stream", ""}, // set per backend below
	} {
		t.Run("openai "+tc.name, func(t *testing.T) {
			t.Parallel()
			ct := tc.contentType
			if ct == "" {
				ct = "text/event-stream"
			}
			url := pageServer(t, 200, ct, htmlPage)
			r := collect(t, open(t, "openai:gpt-4o-mini", url, map[string]string{"OPENAI_API_KEY": testKey}), hello)
			wantHTMLError(t, r.err, "openai")
		})
		t.Run("bedrock "+tc.name, func(t *testing.T) {
			t.Parallel()
			ct := tc.contentType
			if ct == "" {
				ct = "application/vnd.amazon.eventstream"
			}
			url := pageServer(t, 200, ct, htmlPage)
			r := bedrockCollect(t, bedrockBackend(testserver.BedrockEnv(t, url), "amazon.nova-micro-v1:0", nil), bedrockHello)
			wantHTMLError(t, r.err, "bedrock")
		})
		t.Run("anthropic "+tc.name, func(t *testing.T) {
			t.Parallel()
			ct := tc.contentType
			if ct == "" {
				ct = "text/event-stream"
			}
			url := pageServer(t, 200, ct, htmlPage)
			r := collect(t, open(t, "anthropic:"+claudeTestModel, url, map[string]string{"ANTHROPIC_API_KEY": anthropicTestKey}), hello)
			wantHTMLError(t, r.err, "anthropic")
		})
	}
}

func wantHTMLError(t *testing.T, e *Error, who string) {
	t.Helper()
	if e == nil {
		t.Fatal("no error for an HTML page")
	}
	t.Logf("error: %s", e.Message)
	want := who + ` answered with an HTML page, not an event stream ("Sign in")`
	if !strings.HasPrefix(e.Message, want) || e.Code != CodeNotEventStream || e.Retryable {
		t.Errorf("error %q (code %q, retryable %v), want it to start %q with code %q", e.Message, e.Code, e.Retryable, want, CodeNotEventStream)
	}
}

// A 529 (Anthropic's "overloaded", through a proxy or Bedrock) without an
// error type says the model is overloaded, not "529 UnknownError".
func TestStatus529IsOverloaded(t *testing.T) {
	t.Parallel()
	t.Run("openai", func(t *testing.T) {
		t.Parallel()
		url := pageServer(t, 529, "application/json", `{"error":{"message":"Overloaded"}}`)
		r := collect(t, open(t, "openai:gpt-4o-mini", url, map[string]string{"OPENAI_API_KEY": testKey}), hello)
		wantOverloaded(t, r.err, "openai")
	})
	t.Run("bedrock", func(t *testing.T) {
		t.Parallel()
		url := pageServer(t, 529, "application/json", `{"message":"Overloaded"}`)
		r := bedrockCollect(t, bedrockBackend(testserver.BedrockEnv(t, url), "amazon.nova-micro-v1:0", nil), bedrockHello)
		wantOverloaded(t, r.err, "bedrock")
	})
	t.Run("anthropic", func(t *testing.T) {
		t.Parallel()
		// Anthropic's own 529 names its type; a proxy's may not.
		url := pageServer(t, 529, "application/json", `{"error":{"message":"Overloaded"}}`)
		r := collect(t, open(t, "anthropic:"+claudeTestModel, url, map[string]string{"ANTHROPIC_API_KEY": anthropicTestKey}), hello)
		wantOverloaded(t, r.err, "anthropic")
	})
}

func wantOverloaded(t *testing.T, e *Error, who string) {
	t.Helper()
	if e == nil {
		t.Fatal("no error for a 529")
	}
	t.Logf("error: %s", e.Message)
	want := who + " is overloaded (529); retry later"
	if !strings.HasPrefix(e.Message, want) || strings.Contains(e.Message, "UnknownError") || e.Status != 529 || !e.Retryable {
		t.Errorf("error %q (status %d, code %q, retryable %v), want it to start %q", e.Message, e.Status, e.Code, e.Retryable, want)
	}
}
