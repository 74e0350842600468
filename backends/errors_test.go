package backends

import (
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, secret, want string }{
		{"key my-plain-secret-value was refused", "my-plain-secret-value", "key [REDACTED] was refused"},
		{"Incorrect API key provided: sk-proj-abcdefghijklmnop.", "", "Incorrect API key provided: [REDACTED]"},
		{"masked sk-VKMIs***************wjh3 here", "", "masked [REDACTED] here"},
		{"Authorization: Bearer abc.def-ghi_jkl=", "", "Authorization: Bearer [REDACTED]"},
		{"GET /v1beta/models?key=AIzaSyA-1234567890abcdefghij&alt=sse", "", "GET /v1beta/models?key=[REDACTED]&alt=sse"},
		{"access key AKIAIOSFODNN7EXAMPLE denied", "", "access key [REDACTED] denied"},
		{"X-Amz-Signature=deadbeef01&X-Amz-Credential=AKID/2024", "", "X-Amz-Signature=[REDACTED]&X-Amz-Credential=[REDACTED]"},
		{"tasks-and-risk-assessment stay", "", "tasks-and-risk-assessment stay"},
		{"short abc kept", "abc", "short abc kept"}, // too short to redact blindly
	}
	for _, c := range cases {
		if got := Redact(c.in, c.secret); got != c.want {
			t.Errorf("Redact(%q, %q) = %q, want %q", c.in, c.secret, got, c.want)
		}
	}
}

func TestStatusError(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status     int
		code       ErrorCode
		retryAfter time.Duration
		retryable  bool
		want       []string
	}{
		{401, "invalid_api_key", 0, false, []string{"openai refused the key in OPENAI_API_KEY (401 invalid_api_key)", ": detail"}},
		{403, "", 0, false, []string{"refused the key in OPENAI_API_KEY (403)"}},
		{429, "rate_limit_exceeded", 20 * time.Second, true, []string{"rate limited this request (429 rate_limit_exceeded); retry after 20s"}},
		{429, "", 250 * time.Millisecond, true, []string{"retry after 250ms"}},
		{429, "", 0, true, []string{"wait a moment and retry"}},
		{404, "", 0, false, []string{"does not know this model"}},
		{408, "", 0, true, []string{"timed out"}},
		{500, "server_error", 0, true, []string{"server error (500 server_error)"}},
		{503, "", 0, true, []string{"server error (503)"}},
		{400, "invalid_request_error", 0, false, []string{"rejected the request (400 invalid_request_error)"}},
	}
	for _, c := range cases {
		e := StatusError("openai", c.status, c.code, "  detail\n  text ", c.retryAfter, "the key in OPENAI_API_KEY")
		if e.Status != c.status || e.Code != c.code || e.Retryable != c.retryable || e.RetryAfter != c.retryAfter {
			t.Errorf("%d: %+v", c.status, e)
		}
		for _, w := range c.want {
			if !strings.Contains(e.Message, w) {
				t.Errorf("%d: message %q lacks %q", c.status, e.Message, w)
			}
		}
		if !strings.HasSuffix(e.Message, ": detail text") {
			t.Errorf("%d: message %q does not end with the one-line detail", c.status, e.Message)
		}
	}
	long := StatusError("x", 400, "", strings.Repeat("é", 1000), 0, "")
	if n := len([]rune(long.Message)); n > 400 {
		t.Errorf("a long detail is not cut: %d runes", n)
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 10, 21, 7, 28, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"20", 20 * time.Second},
		{" 3 ", 3 * time.Second},
		{"1.5", 1500 * time.Millisecond},
		{"0", 0},
		{"-5", 0},
		{"NaN", 0},
		{"Inf", 0},
		{"1e300", 0}, // would overflow a Duration
		{"10abc", 0},
		{"Tue, 21 Oct 2025 07:28:30 GMT", 30 * time.Second},
		{"Tuesday, 21-Oct-25 07:29:00 GMT", time.Minute}, // RFC 850, also valid HTTP
		{"Tue, 21 Oct 2025 07:27:00 GMT", 0},             // in the past
		{"soon", 0},
	}
	for _, c := range cases {
		if got := parseRetryAfter(c.in, now); got != c.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}
