// Package backends turns one chat request into a stream of events, for every
// provider fanout speaks to: OpenAI and OpenAI-compatible servers, AWS Bedrock
// and the built-in demo models. It also holds the price catalog.
//
// Nothing in this package knows about panes, sessions or the terminal.
package backends

import (
	"encoding/json"
	"math"
	"time"
)

// EventType names the kind of an Event. The string values are part of the
// session file and of `fanout run --events`, so they never change.
type EventType string

const (
	EventDelta EventType = "delta"
	EventUsage EventType = "usage"
	EventDone  EventType = "done"
	EventError EventType = "error"
)

// DeltaKind separates the answer from reasoning ("thinking") text.
type DeltaKind string

const (
	KindAnswer    DeltaKind = "answer"
	KindReasoning DeltaKind = "reasoning"
)

// StopReason says why a stream ended, normalised across providers by
// NormalizeStop. The values are part of the session file and of `fanout run
// --json`, so they never change. A provider's own value that has no
// equivalent here is passed through unchanged: the set is closed for what
// fanout acts on, open for what it only shows.
type StopReason string

const (
	StopEnd           StopReason = "stop"           // the model finished (OpenAI "stop", Bedrock "end_turn")
	StopMaxTokens     StopReason = "length"         // cut by the token limit (OpenAI "length", Bedrock "max_tokens")
	StopContentFilter StopReason = "content_filter" // refused or filtered
	StopToolUse       StopReason = "tool_use"
	StopCancelled     StopReason = "cancelled" // the user or a timeout ended the stream
)

// NormalizeStop maps a provider's finish or stop reason to ours: OpenAI's
// finish_reason ("stop", "length", "content_filter", "tool_calls") and
// Bedrock's stopReason ("end_turn", "max_tokens", "guardrail_intervened",
// …) and Anthropic's stop_reason ("refusal" is its content filter;
// "pause_turn" passes through) alike, so that every backend reports the same value for the same end.
// An empty reason is a normal end: some OpenAI-compatible servers send
// "[DONE]" without one.
func NormalizeStop(raw string) StopReason {
	switch raw {
	case "", "stop", "end_turn", "stop_sequence":
		return StopEnd
	case "length", "max_tokens":
		return StopMaxTokens
	case "content_filter", "content_filtered", "guardrail_intervened", "refusal":
		return StopContentFilter
	case "tool_calls", "function_call", "tool_use":
		return StopToolUse
	}
	return StopReason(raw)
}

// Event is one thing a backend reports about a streaming response. Exactly one
// of the payload fields is set, as named by Type.
type Event struct {
	Type  EventType `json:"type"`
	Delta *Delta    `json:"delta,omitempty"`
	Usage *Usage    `json:"usage,omitempty"`
	Done  *Done     `json:"done,omitempty"`
	Error *Error    `json:"error,omitempty"`
}

// Delta is a piece of streamed text.
type Delta struct {
	Kind DeltaKind `json:"kind"`
	Text string    `json:"text"`
}

// Usage is the token accounting of one response.
//
// Input counts every prompt token, including those read from or written to a
// prompt cache: OpenAI reports it that way, and the Bedrock backend adds the
// cache counts back in, so that cost is computed one way for all providers.
// Output includes reasoning tokens, which every provider bills as output.
type Usage struct {
	Input       int  `json:"input"`
	Output      int  `json:"output"`
	CachedInput int  `json:"cached_input"`
	CacheWrite  int  `json:"cache_write"`
	Reasoning   int  `json:"reasoning"`
	Exact       bool `json:"exact"`
	// CostUSD is the provider's own figure for what the request cost, when
	// it reports one (OpenRouter does). Nil when it does not.
	CostUSD *float64 `json:"cost_usd,omitempty"`
}

// Done ends a successful stream.
type Done struct {
	StopReason StopReason `json:"stop_reason"`
	// ProviderLatency is the provider's own measure of the request, when it
	// gives one (Bedrock metrics.latencyMs). Zero when unknown.
	ProviderLatency time.Duration `json:"-"`
	// ServiceTier and LatencyMode are what the provider says served the
	// request (Bedrock's metadata serviceTier and performanceConfig.latency,
	// OpenAI's and Anthropic's service_tier), as it spells them; empty when
	// it says nothing. They may differ from what was asked: a flex request
	// can be served at default, a latency-optimized one at standard.
	ServiceTier string `json:"-"`
	LatencyMode string `json:"-"`
}

// doneJSON is Done on the wire, with its latency in milliseconds.
type doneJSON struct {
	StopReason      StopReason `json:"stop_reason"`
	ProviderLatency float64    `json:"provider_latency_ms,omitempty"`
	ServiceTier     string     `json:"service_tier,omitempty"`
	LatencyMode     string     `json:"latency_mode,omitempty"`
}

// MarshalJSON writes the latency in milliseconds, as its name says.
func (d Done) MarshalJSON() ([]byte, error) {
	return json.Marshal(doneJSON{StopReason: d.StopReason, ProviderLatency: Millis(d.ProviderLatency),
		ServiceTier: d.ServiceTier, LatencyMode: d.LatencyMode})
}

// UnmarshalJSON reads the wire form back.
func (d *Done) UnmarshalJSON(b []byte) error {
	var w doneJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*d = Done{StopReason: w.StopReason, ProviderLatency: FromMillis(w.ProviderLatency),
		ServiceTier: w.ServiceTier, LatencyMode: w.LatencyMode}
	return nil
}

// Error ends a failed stream. Message is written for a person: it says what
// happened and what to do. It never contains a secret.
type Error struct {
	Message   string    `json:"message"`
	Status    int       `json:"status,omitempty"` // HTTP status, 0 when there was none
	Code      ErrorCode `json:"code,omitempty"`   // fanout's own (Code…) or the provider's code or type
	Retryable bool      `json:"retryable"`
	// RetryAfter is the server's Retry-After, when it sent one.
	RetryAfter time.Duration `json:"-"`
	// summaryLen is where the server's own words start in Message (0: it
	// has none); see Summary.
	summaryLen int
}

// Summary is the message without the server's own words, which may name
// the owner's accounts, hosts or setup: what someone other than the owner
// may be shown.
func (e *Error) Summary() string {
	if e.summaryLen > 0 && e.summaryLen <= len(e.Message) {
		return e.Message[:e.summaryLen]
	}
	return e.Message
}

// Unbilled reports an error after which the provider cannot have charged
// for the request: it refused it (an HTTP error status), or the request was
// never sent (no key, no credentials, no server, a bad config). After any
// other error (a stall, a drop, a timeout, a stream that broke) the prompt
// may have been processed, and billed.
func (e *Error) Unbilled() bool {
	if e.Status >= 400 {
		return true
	}
	switch e.Code {
	case CodeMissingKey, CodeBadConfig, CodeConfig, CodeConnectionRefused, CodeDNS, CodeCredentialsTimeout,
		CodeNoCredentials, CodeNoProfile, CodeNoRegion, CodeModelNotAllowed:
		return true
	}
	return false
}

// errorJSON is Error on the wire, with Retry-After in milliseconds.
type errorJSON struct {
	Message    string    `json:"message"`
	Status     int       `json:"status,omitempty"`
	Code       ErrorCode `json:"code,omitempty"`
	Retryable  bool      `json:"retryable"`
	RetryAfter float64   `json:"retry_after_ms,omitempty"`
}

// MarshalJSON writes Retry-After in milliseconds.
func (e Error) MarshalJSON() ([]byte, error) {
	return json.Marshal(errorJSON{e.Message, e.Status, e.Code, e.Retryable, Millis(e.RetryAfter)})
}

// UnmarshalJSON reads the wire form back.
func (e *Error) UnmarshalJSON(b []byte) error {
	var w errorJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Error{Message: w.Message, Status: w.Status, Code: w.Code, Retryable: w.Retryable, RetryAfter: FromMillis(w.RetryAfter)}
	return nil
}

// Millis is d in milliseconds, rounded to the microsecond: the unit of
// every time on the wire (t_ms, provider_latency_ms, retry_after_ms).
func Millis(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

// FromMillis is the inverse of Millis, rounded to the microsecond as Millis
// is (a float of milliseconds is not exact: 1234.567 is 1234.56699999…);
// nonsense (negative, NaN, huge) is zero.
func FromMillis(ms float64) time.Duration {
	if !(ms > 0) || ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return 0
	}
	return time.Duration(math.Round(ms*1000)) * time.Microsecond
}

func (e *Error) Error() string { return e.Message }

// DeltaEvent, UsageEvent, DoneEvent and ErrorEvent build events.
func DeltaEvent(kind DeltaKind, text string) Event {
	return Event{Type: EventDelta, Delta: &Delta{Kind: kind, Text: text}}
}

func UsageEvent(u Usage) Event { return Event{Type: EventUsage, Usage: &u} }

func DoneEvent(stop StopReason, providerLatency time.Duration) Event {
	return Event{Type: EventDone, Done: &Done{StopReason: stop, ProviderLatency: providerLatency}}
}

func ErrorEvent(e *Error) Event { return Event{Type: EventError, Error: e} }

// Rewritten is a copy of e with f applied to its message, the summary and
// the server's own words apart, so that Summary still ends where fanout's
// sentence does. It is how a message is scrubbed of secrets.
func (e *Error) Rewritten(f func(string) string) *Error {
	c := *e
	if e.summaryLen > 0 && e.summaryLen <= len(e.Message) {
		head := f(e.Message[:e.summaryLen])
		c.Message, c.summaryLen = head+f(e.Message[e.summaryLen:]), len(head)
		return &c
	}
	c.Message = f(e.Message)
	return &c
}
