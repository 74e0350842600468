package backends

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// secretPatterns match credentials that may be echoed back in a provider's
// error text or a URL: API keys, bearer tokens, AWS access key ids and
// signatures.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\b(sk|rk|pk|gsk|xai|csk)-[A-Za-z0-9_\-*.]{8,}`),
	regexp.MustCompile(`\bsk-or-v1-[A-Za-z0-9]{8,}`),
	regexp.MustCompile(`\bAIza[0-9A-Za-z_\-]{20,}`),
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9_\-.=:+/]{8,}`),
	regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),
	regexp.MustCompile(`(?i)(signature|credential|x-amz-security-token|api[_-]?key|key)=[^&\s"']+`),
}

const redacted = "[REDACTED]"

// ErrorCode names a kind of failure. fanout's own codes are the constants
// below, the ones it acts on (Error.Unbilled, retries, the messages); a
// provider's own code ("rate_limit_exceeded", "ThrottlingException") is
// kept as it came, since it is what a person searches the provider's docs
// for. The values are part of the session file and of `fanout run --json`.
type ErrorCode string

const (
	// Before anything was sent: nothing can have been billed.
	CodeConfig             ErrorCode = "config"              // no URL, unknown provider
	CodeBadConfig          ErrorCode = "bad_config"          // an AWS setting that does not parse
	CodeMissingKey         ErrorCode = "missing_key"         // the key variable is unset
	CodeInvalidRequest     ErrorCode = "invalid_request"     // the client refused to build the request
	CodeModelNotFound      ErrorCode = "model_not_found"     // no such demo model
	CodeModelNotAllowed    ErrorCode = "model_not_allowed"   // a server refused to run the model
	CodeNoRegion           ErrorCode = "no_region"           // AWS
	CodeNoProfile          ErrorCode = "no_profile"          // AWS
	CodeNoCredentials      ErrorCode = "no_credentials"      // AWS
	CodeCredentialsTimeout ErrorCode = "credentials_timeout" // AWS credentials took too long
	CodeConnectionRefused  ErrorCode = "connection_refused"
	CodeDNS                ErrorCode = "dns"

	// The request may have reached the model.
	CodeStalled           ErrorCode = "stalled" // no bytes for --stall-timeout
	CodeTimeout           ErrorCode = "timeout"
	CodeConnectionDropped ErrorCode = "connection_dropped"
	CodeMalformedStream   ErrorCode = "malformed_stream"
	CodeNotEventStream    ErrorCode = "not_event_stream" // an HTML page (a proxy, a login page) where the stream belongs

	// Raised by session around a backend's stream.
	CodeNoResult ErrorCode = "no_result" // the stream ended with neither Done nor Error
	CodeStopped  ErrorCode = "stopped"   // the run was stopped for a reason other than the user
	CodeInternal ErrorCode = "internal"  // a backend panicked

	// Raised when a recorded pane has no end: the recording was cut.
	CodeCutShort ErrorCode = "cut_short"
)

// Redact removes secrets from s: every exact value in secrets (keys read from
// the environment) and anything shaped like a credential.
func Redact(s string, secrets ...string) string {
	for _, v := range secrets {
		if len(v) >= 4 {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	for _, re := range secretPatterns {
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			if k, _, ok := strings.Cut(m, "="); ok && !strings.ContainsAny(k, " ") {
				return k + "=" + redacted
			}
			if strings.HasPrefix(strings.ToLower(m), "bearer") {
				return "Bearer " + redacted
			}
			return redacted
		})
	}
	return s
}

// StatusError turns an HTTP error response into an Error that says what a
// person can do about it. who names the provider ("openai", "bedrock"),
// keyHint says where the refused credentials came from ("the key in
// OPENAI_API_KEY", "your AWS credentials"), detail is the provider's own
// message (already redacted).
func StatusError(who string, status int, code ErrorCode, detail string, retryAfter time.Duration, keyHint string) *Error {
	e := &Error{Status: status, Code: code, RetryAfter: retryAfter}
	tag := fmt.Sprint(status)
	if code != "" {
		tag += " " + string(code)
	}
	var msg string
	switch {
	case status == 401 || status == 403:
		msg = fmt.Sprintf("%s refused %s (%s): check it, or set a valid one", who, keyHint, tag)
	case status == 429:
		e.Retryable = true
		msg = fmt.Sprintf("%s rate limited this request (%s)", who, tag)
		if retryAfter > 0 {
			msg += fmt.Sprintf("; retry after %s", roundRetry(retryAfter))
		} else {
			msg += "; wait a moment and retry"
		}
	case status == 404:
		msg = fmt.Sprintf("%s does not know this model or endpoint (%s): check the model id and base URL", who, tag)
	case status == 408:
		e.Retryable = true
		msg = fmt.Sprintf("%s timed out (%s); retry", who, tag)
	case status == 529:
		// Anthropic's "overloaded", also through Bedrock and proxies,
		// often without an error type.
		e.Retryable = true
		msg = fmt.Sprintf("%s is overloaded (%s); retry later", who, tag)
	case status >= 500:
		e.Retryable = true
		msg = fmt.Sprintf("%s had a server error (%s); retry later", who, tag)
	case status >= 400:
		msg = fmt.Sprintf("%s rejected the request (%s)", who, tag)
	default:
		msg = fmt.Sprintf("%s answered with an error (%s)", who, tag)
	}
	return e.withDetail(msg, detail)
}

// withDetail sets e's message: fanout's own sentence, then the server's
// own words (on one line, not too long) when there are any. Summary gives
// the sentence alone.
func (e *Error) withDetail(msg, detail string) *Error {
	e.Message, e.summaryLen = msg, 0
	if detail = strings.TrimSpace(detail); detail != "" {
		e.Message += ": " + OneLine(detail, 300)
		e.summaryLen = len(msg)
	}
	return e
}

// isTransportError reports a failure of the connection rather than of the
// bytes that came through it: one TransportError explains.
func isTransportError(err error) bool {
	var stall *StallError
	var netErr net.Error
	var page *PageError
	return errors.As(err, &stall) || errors.As(err, &page) || errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, net.ErrClosed)
}

// Progress is how far a stream got before it failed, which changes what
// the user should be told: a stall before the first token may be a model
// slow to start, one after it is a server that stopped sending, and the
// text it sent is kept.
type Progress struct {
	// Started says some text had arrived.
	Started bool
	// Tokens estimates that text, and Elapsed is the time from sending the
	// request to the failure; zero when not counted.
	Tokens  int
	Elapsed time.Duration
}

// after says how far the stream got: " after ~42 tokens in 3.2s", or ""
// when that was not counted.
func (p Progress) after() string {
	if !p.Started || p.Tokens <= 0 {
		return ""
	}
	s := fmt.Sprintf(" after ~%d tokens", p.Tokens)
	if p.Tokens == 1 {
		s = " after ~1 token"
	}
	if p.Elapsed > 0 {
		d := p.Elapsed.Round(100 * time.Millisecond)
		if p.Elapsed < time.Second {
			d = p.Elapsed.Round(time.Millisecond)
		}
		s += " in " + d.String()
	}
	return s
}

// progress counts the text of a stream as it is yielded, for Progress.
type progress struct {
	start time.Time
	est   TokenEstimator
	text  bool
}

func newProgress() *progress { return &progress{start: time.Now()} }

func (p *progress) add(text string) {
	if text != "" {
		p.text = true
		p.est.Add(text)
	}
}

func (p *progress) now() Progress {
	return Progress{Started: p.text, Tokens: p.est.Tokens(), Elapsed: time.Since(p.start)}
}

// TransportError explains a failure below HTTP: a refused or dropped
// connection, a stalled stream, a timeout. started says whether any of the
// response had arrived, which changes what the user should be told; a
// backend that counts the text says more with TransportErrorAt.
func TransportError(who, url string, err error, started bool) *Error {
	return TransportErrorAt(who, url, err, Progress{Started: started})
}

// TransportErrorAt is TransportError for a stream that got as far as p.
func TransportErrorAt(who, url string, err error, p Progress) *Error {
	var stall *StallError
	var netErr net.Error
	var page *PageError
	switch {
	case errors.As(err, &page):
		return &Error{Message: fmt.Sprintf("%s %s: a proxy or a login page stands in the way; check the base URL and the network", who, page.Error()), Code: CodeNotEventStream}
	case errors.As(err, &stall) && p.Started:
		// The model had started: it is not slow to start, the server
		// stopped sending. What it sent is kept.
		at := p.after()
		if at == "" {
			at = " mid-stream"
		}
		msg := fmt.Sprintf("%s stopped sending%s (stalled: no data for %s); the partial answer is kept", who, at, stall.Timeout)
		return &Error{Message: msg, Code: CodeStalled, Retryable: true}
	case errors.As(err, &stall):
		return &Error{Message: fmt.Sprintf("%s stalled: no data for %s; raise --stall-timeout if the model is slow to start", who, stall.Timeout), Code: CodeStalled, Retryable: true}
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Message: fmt.Sprintf("%s did not finish in time: %s", who, OneLine(Redact(err.Error()), 300)), Code: CodeTimeout, Retryable: true}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{Message: fmt.Sprintf("%s is not reachable at %s: connection refused; is the server running?", who, url), Code: CodeConnectionRefused, Retryable: true}
	case p.Started && (errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)):
		return &Error{Message: fmt.Sprintf("%s dropped the connection mid-stream%s; the partial answer is kept", who, p.after()), Code: CodeConnectionDropped, Retryable: true}
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		return &Error{Message: fmt.Sprintf("%s closed the connection before answering; retry", who), Code: CodeConnectionDropped, Retryable: true}
	case errors.As(err, &netErr) && netErr.Timeout():
		return &Error{Message: fmt.Sprintf("%s timed out: %s", who, Redact(err.Error())), Code: CodeTimeout, Retryable: true}
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return (&Error{Code: CodeDNS}).withDetail(fmt.Sprintf("%s: cannot resolve the server's host name; check the base URL and your network", who), dnsErr.Name)
	}
	return &Error{Message: fmt.Sprintf("%s: %s", who, OneLine(Redact(err.Error()), 300)), Retryable: false}
}

// MalformedError reports a stream that could not be parsed.
func MalformedError(who string, err error) *Error {
	return &Error{Message: fmt.Sprintf("%s sent a malformed stream: %s", who, OneLine(Redact(err.Error()), 200)), Code: CodeMalformedStream}
}

// OneLine is s on one line (its whitespace collapsed), cut to n runes with
// an ellipsis: a server's message in an error, a prompt in a listing.
func OneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// parseRetryAfter reads a Retry-After header: delta-seconds or an HTTP date.
// A value that is negative, not finite or absurdly large is ignored.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs >= 0 && secs <= maxRetryAfter.Seconds() {
			return time.Duration(secs * float64(time.Second))
		}
		return 0
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// maxRetryAfter bounds a Retry-After worth reporting; beyond it the value is
// nonsense (and would overflow a Duration).
const maxRetryAfter = 7 * 24 * time.Hour

// roundRetry shows a retry delay in whole seconds, or in milliseconds when it
// is under a second (retry-after-ms), so that it never reads "0s".
func roundRetry(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(time.Second)
}
