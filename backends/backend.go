package backends

import (
	"cmp"
	"context"
	"iter"
	"net/http"
	"os"
	"time"
)

// Backend streams one chat request. The returned sequence yields deltas and
// usage, and ends with exactly one Done or Error event — unless ctx is
// cancelled, in which case it stops promptly, possibly without either, and
// releases its connection. Stream never panics on bad input from the server:
// every failure becomes an Error event.
type Backend interface {
	Stream(ctx context.Context, req Request) iter.Seq[Event]
}

// Role of a message in a conversation.
type Role string

const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role   `json:"role"`
	Content string `json:"content"`
}

// Request is what is sent to one model. Messages holds the conversation so far;
// its last element is the prompt being asked.
type Request struct {
	System      string    `json:"system,omitempty"`
	Messages    []Message `json:"messages"`
	Temperature *float64  `json:"temperature,omitempty"`
	MaxTokens   int       `json:"max_tokens,omitempty"`
}

// Target is one model, fully resolved: which provider serves it, where, and
// which environment variable holds its key. It never holds the key itself, so
// a Target can be logged and saved.
type Target struct {
	// Name is how the user addressed it: "openai:gpt-4o-mini" or a config name.
	Name     string `json:"name"`
	Label    string `json:"label"`
	Provider string `json:"provider"` // a preset name, "bedrock" or "demo"
	Model    string `json:"model"`
	BaseURL  string `json:"base_url,omitempty"`
	// KeyEnv names the environment variable holding the API key; empty for
	// servers that need none.
	KeyEnv string `json:"key_env,omitempty"`
	// Per-model parameters from the config; the request's own win when set.
	Temperature *float64 `json:"temperature,omitempty"`
	MaxTokens   int      `json:"max_tokens,omitempty"`
	// Reasoning and serving settings, from the config or the spec (see
	// settings.go). Each goes out in the provider's own field; CheckSettings
	// refuses one that the provider has no field for.
	ReasoningEffort string `json:"reasoning_effort,omitempty"` // "low", "medium" or "high"
	ThinkingBudget  int    `json:"thinking_budget,omitempty"`  // tokens the model may think with
	ServiceTier     string `json:"service_tier,omitempty"`     // "priority", "default" or "flex"
	Latency         string `json:"latency,omitempty"`          // "standard" or "optimized"
	// PriceAs is "provider:model": the model whose price this one pays
	// (an Azure deployment, a local server running a catalog model, a
	// fine-tune), from price_as in the config. Empty: its own.
	PriceAs string `json:"price_as,omitempty"`
}

// DefaultStallTimeout is how long a stream may send no bytes at all before it
// is declared stalled.
const DefaultStallTimeout = 60 * time.Second

// Options are the knobs shared by every backend.
type Options struct {
	// StallTimeout ends a stream that sends no bytes for this long. Zero
	// means DefaultStallTimeout.
	StallTimeout time.Duration
	// Timeout ends a stream that has not finished after this long, its
	// text kept. Zero means DefaultTimeout.
	Timeout time.Duration
	// Getenv reads the environment; nil means os.Getenv. Tests and the SSH
	// server pass their own so that nothing depends on the process env.
	Getenv func(string) string
	// HTTPClient, when set, is used instead of a fresh client. Its transport
	// is wrapped with stall detection.
	HTTPClient *http.Client
	// Seed varies the demo models' answers. The demo models are always
	// reproducible: zero derives the seed from the model and the request
	// alone, so the same prompt gets the same answer on the same schedule.
	Seed int64
}

func (o Options) getenv(key string) string {
	if o.Getenv != nil {
		return o.Getenv(key)
	}
	return os.Getenv(key)
}

func (o Options) stallTimeout() time.Duration {
	if o.StallTimeout > 0 {
		return o.StallTimeout
	}
	return DefaultStallTimeout
}

// httpClient returns a client whose bodies fail with a stall error when no
// byte arrives for the stall timeout, and with a PageError when the server
// answers with a web page.
func (o Options) httpClient() *http.Client {
	base := http.DefaultTransport
	var c http.Client
	if o.HTTPClient != nil {
		c = *o.HTTPClient
		if c.Transport != nil {
			base = c.Transport
		}
	}
	c.Transport = &stallTransport{base: pageTransport{base: base}, timeout: o.stallTimeout()}
	return &c
}

// Open returns the backend for t. It never fails: a target that cannot work
// (a missing key, no credentials) yields a single Error event when streamed,
// so that one bad model never stops the others.
func Open(t Target, opts Options) Backend {
	if err := CheckSettings(t); err != nil {
		return failed{&Error{Message: err.Error(), Code: CodeConfig}}
	}
	var b Backend
	switch t.Provider {
	case ProviderDemo:
		b = newDemo(t, opts)
	case ProviderBedrock:
		b = newBedrock(t, opts)
	case ProviderAnthropic:
		b = newAnthropic(t, opts)
	default:
		b = newOpenAI(t, opts)
	}
	if _, ok := b.(failed); ok {
		return b // it sends nothing: there is nothing to time
	}
	return timed{Backend: b, who: t.Provider, d: cmp.Or(opts.Timeout, DefaultTimeout)}
}

// failed is a backend that only reports an error.
type failed struct{ err *Error }

func (f failed) Stream(ctx context.Context, _ Request) iter.Seq[Event] {
	return func(yield func(Event) bool) { yield(ErrorEvent(f.err)) }
}

// effective merges the target's configured parameters under the request's.
func effective(t Target, req Request) Request {
	if req.Temperature == nil {
		req.Temperature = t.Temperature
	}
	if req.MaxTokens == 0 {
		req.MaxTokens = t.MaxTokens
	}
	return req
}
