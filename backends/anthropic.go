package backends

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"mime"
	"strings"
	"sync"
	"time"

	"charm.land/catwalk/pkg/embedded"
	anthropic "github.com/anthropics/anthropic-sdk-go/v2"
	"github.com/anthropics/anthropic-sdk-go/v2/option"
)

const (
	anthropicWho = ProviderAnthropic
	// anthropicKeyVar holds the API key, anthropicURLVar overrides the base
	// URL: the names Anthropic's own SDKs and tools read.
	anthropicKeyVar = "ANTHROPIC_API_KEY"
	anthropicURLVar = "ANTHROPIC_BASE_URL"
	// anthropicDefaultURL is the API's root; the SDK adds v1/messages.
	anthropicDefaultURL = "https://api.anthropic.com"
	// anthropicCatalog is catwalk's id for Anthropic, for prices and for
	// each model's default max_tokens.
	anthropicCatalog = "anthropic"
	// fallbackMaxTokens is max_tokens when neither the request, the target
	// nor the catalog gives one: the API refuses a request without it.
	fallbackMaxTokens = 4096
)

// anthropicBackend speaks Anthropic's Messages API.
//
// anthropic-sdk-go builds and sends the request (URL, headers, the body
// from its typed parameters) and decodes HTTP error responses. The event
// stream is read by our own sseReader from the response body that
// captureTransport hands back, as openaiBackend does: the SDK's reader skips
// an event whose "event:" line is missing (some Anthropic-compatible proxies
// send only "data:", naming the type inside it), reports a body that ends
// before message_stop as a clean end, and only splits lines on LF.
type anthropicBackend struct {
	target  Target
	baseURL string
	key     string // only ever sent, and redacted from every message
	keyHint string // where refused credentials came from, for 401/403
	client  anthropic.Client
}

func newAnthropic(t Target, opts Options) Backend {
	baseURL := cmp.Or(strings.TrimSpace(t.BaseURL), strings.TrimSpace(opts.getenv(anthropicURLVar)), anthropicDefaultURL)
	var key string
	keyHint := "the request (no API key is set)"
	if t.KeyEnv != "" {
		key = strings.TrimSpace(opts.getenv(t.KeyEnv))
		if key == "" {
			return failed{&Error{Message: fmt.Sprintf("%s: no API key: set %s (an Anthropic Console key)", anthropicWho, t.KeyEnv), Code: CodeMissingKey}}
		}
		keyHint = "the key in " + t.KeyEnv
	}

	hc := opts.httpClient()
	hc.Transport = &captureTransport{base: hc.Transport}
	reqOpts := []option.RequestOption{
		// Nothing from the process environment: the SDK would otherwise
		// read ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, ANTHROPIC_BASE_URL,
		// profiles on disk and custom headers itself, and tests and
		// `fanout serve` pass their own environment.
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(baseURL),
		option.WithHTTPClient(hc),
		// TTFT is one attempt: a retry hidden inside the SDK would show its
		// wait as time to first token.
		option.WithMaxRetries(0),
		// No spans and no trace headers: fanout measures on its own.
		option.WithoutOpenTelemetry(),
		option.WithOpenTelemetryPropagation(false),
	}
	if key != "" {
		// x-api-key is the header the API documents for keys and the one
		// Anthropic-compatible proxies read. The SDK's WithAPIKey sends
		// "Authorization: Bearer", which the API also accepts but which
		// many proxies take for an OAuth token and refuse.
		reqOpts = append(reqOpts, option.WithHeader("X-Api-Key", key))
	}
	return &anthropicBackend{
		target:  t,
		baseURL: baseURL,
		key:     key,
		keyHint: keyHint,
		client:  anthropic.NewClient(reqOpts...),
	}
}

// anthropicMaxTokens is the max_tokens to send, which the API requires: the
// request's or the target's, else the catalog's default for the model
// (catwalk lists each Claude model's output ceiling), else 4096. With a
// thinking budget and no max_tokens given, it is the larger of that default
// and budget + 4096: max_tokens counts the thinking too and must exceed the
// budget, and the answer keeps at least 4096 tokens beyond it.
func anthropicMaxTokens(model string, given, budget int) int {
	if given > 0 {
		return given
	}
	def := cmp.Or(anthropicCatalogMaxTokens(model), fallbackMaxTokens)
	if budget > 0 {
		return max(def, budget+fallbackMaxTokens)
	}
	return def
}

// anthropicDefaultMaxTokens maps each Anthropic model of the embedded catwalk
// catalog (its id lower-cased) to its default_max_tokens (0 when it gives
// none), built once.
var anthropicDefaultMaxTokens = sync.OnceValue(func() map[string]int {
	out := map[string]int{}
	for _, p := range embedded.GetAll() {
		if string(p.ID) != anthropicCatalog {
			continue
		}
		for _, m := range p.Models {
			n := 0
			if m.DefaultMaxTokens > 0 && m.DefaultMaxTokens <= math.MaxInt32 {
				n = int(m.DefaultMaxTokens)
			}
			out[strings.ToLower(m.ID)] = n
		}
	}
	return out
})

// anthropicCatalogMaxTokens is the catalog's default max_tokens for model, 0
// when it does not list it.
func anthropicCatalogMaxTokens(model string) int {
	return anthropicDefaultMaxTokens()[anthropicCatalogID(model)]
}

// anthropicCatalogID is the catalog's id for model, lower-cased: the model
// itself, or for an alias without its snapshot date ("claude-haiku-4-5",
// which the API serves as its latest snapshot) the one catalog id that is
// the alias and a date ("claude-haiku-4-5-20251001"). Anything else is
// returned as given, and is not in the catalog.
func anthropicCatalogID(model string) string {
	ix := anthropicDefaultMaxTokens()
	model = strings.ToLower(model)
	if _, ok := ix[model]; ok {
		return model
	}
	found := ""
	for id := range ix {
		date, ok := strings.CutPrefix(id, model+"-")
		if !ok || len(date) != 8 || strings.Trim(date, "0123456789") != "" {
			continue
		}
		if found != "" {
			return model // two snapshots: the alias is not the catalog's to resolve
		}
		found = id
	}
	return cmp.Or(found, model)
}

// params builds the request. It refuses what the Messages API would refuse
// before anything is sent.
func (b *anthropicBackend) params(req Request) (anthropic.MessageNewParams, []option.RequestOption, *Error) {
	req = effective(b.target, req)
	t := b.target
	if req.Temperature != nil {
		// API version 2026-10-21, which SDK v2 sends, removed temperature,
		// top_p and top_k: any value, even 1, is a 400. Dropping it
		// silently would compare this model at a setting the user did not ask for.
		return anthropic.MessageNewParams{}, nil, &Error{Code: CodeConfig,
			Message: fmt.Sprintf("%s: the Messages API (version 2026-10-21) takes no temperature; remove --temperature, or temperature from this model's config", anthropicWho)}
	}
	if t.ThinkingBudget > 0 && req.MaxTokens > 0 && t.ThinkingBudget >= req.MaxTokens {
		return anthropic.MessageNewParams{}, nil, &Error{Code: CodeConfig,
			Message: fmt.Sprintf("%s: thinking_budget %d must be below max_tokens %d, which counts the thinking too: raise --max-tokens or lower thinking_budget", anthropicWho, t.ThinkingBudget, req.MaxTokens)}
	}
	p := anthropic.MessageNewParams{
		Model:     anthropic.Model(t.Model),
		MaxTokens: int64(anthropicMaxTokens(t.Model, req.MaxTokens, t.ThinkingBudget)),
	}
	if req.System != "" {
		p.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	for _, m := range req.Messages {
		block := anthropic.NewTextBlock(m.Content)
		if m.Role == RoleAssistant {
			p.Messages = append(p.Messages, anthropic.NewAssistantMessage(block))
		} else {
			p.Messages = append(p.Messages, anthropic.NewUserMessage(block))
		}
	}
	switch t.ServiceTier {
	case "priority":
		// "auto" uses priority capacity where the account has it.
		p.ServiceTier = anthropic.MessageNewParamsServiceTierAuto
	case "default":
		p.ServiceTier = anthropic.MessageNewParamsServiceTierStandardOnly
	}
	var extra []option.RequestOption
	switch {
	case t.ThinkingBudget > 0:
		// Set in the body rather than through p.Thinking: for the models
		// where a budget is deprecated in favour of adaptive thinking, the
		// SDK prints a warning to os.Stderr, where the cockpit draws.
		// "summarized" because newer models omit the thinking text by default.
		extra = append(extra, option.WithJSONSet("thinking", map[string]any{
			"type": "enabled", "budget_tokens": t.ThinkingBudget, "display": "summarized",
		}))
	case t.ReasoningEffort != "":
		// Effort sets how much the model spends; adaptive thinking lets it
		// think at that level, and shows what it thought.
		p.OutputConfig.Effort = anthropic.OutputConfigEffort(t.ReasoningEffort)
		p.Thinking = anthropic.ThinkingConfigParamUnion{OfAdaptive: &anthropic.ThinkingConfigAdaptiveParam{Display: anthropic.ThinkingConfigAdaptiveDisplaySummarized}}
	}
	return p, extra, nil
}

// Stream implements Backend.
func (b *anthropicBackend) Stream(ctx context.Context, req Request) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		// Every error leaves through fail, so every message is redacted.
		fail := func(e *Error) {
			if ctx.Err() != nil {
				return // the caller cancelled: it needs no error
			}
			yield(ErrorEvent(e.Rewritten(func(s string) string { return Redact(s, b.key) })))
		}
		params, extra, perr := b.params(req)
		if perr != nil {
			fail(perr)
			return
		}

		start := time.Now()
		capt := &capture{}
		stream := b.client.Messages.NewStreaming(withCapture(ctx, capt), params, extra...)
		// Close releases the connection on every path out; the SDK holds the
		// same body we read.
		defer stream.Close()
		if err := stream.Err(); err != nil {
			fail(b.requestError(err, capt))
			return
		}
		if capt.resp == nil {
			fail(&Error{Message: anthropicWho + ": internal error: the response was not captured", Code: CodeInternal})
			return
		}
		if mt, _, _ := mime.ParseMediaType(capt.resp.Header.Get("Content-Type")); mt == "application/json" {
			fail(b.jsonInsteadOfStream(capt.resp.Body))
			return
		}
		b.read(capt.resp.Body, start, yield, fail)
	}
}

// read turns the event stream of a request sent at start into events.
func (b *anthropicBackend) read(body io.Reader, start time.Time, yield func(Event) bool, fail func(*Error)) {
	sse := newSSEReader(body)
	got := &progress{start: start} // the text yielded, for a failure's message
	var (
		usage   anthropicUsage
		stop    string
		stopped bool // message_stop arrived
		tier    string
	)
	emit := func(kind DeltaKind, text string) bool {
		if text == "" {
			return true
		}
		got.add(text)
		return yield(DeltaEvent(kind, text))
	}
read:
	for {
		ev, err := sse.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errSSETooLarge) {
			fail(MalformedError(anthropicWho, err))
			return
		}
		if err != nil {
			fail(TransportErrorAt(anthropicWho, b.baseURL, err, got.now()))
			return
		}
		data := bytes.TrimSpace(ev.Data)
		if len(data) == 0 {
			continue
		}
		var w anthropicWireEvent
		if err := json.Unmarshal(data, &w); err != nil {
			if ev.Name == "error" {
				fail(b.streamError("", string(data), got.now()))
				return
			}
			fail(MalformedError(anthropicWho, fmt.Errorf("decoding %q: %w", OneLine(string(data), 80), err)))
			return
		}
		// The type inside the data is the documented one; the event name
		// stands in for it when a proxy leaves it out.
		switch cmp.Or(string(w.Type), ev.Name) {
		case "message_start":
			if m := w.Message; m != nil && m.Usage != nil {
				usage.merge(m.Usage)
				tier = cmp.Or(string(m.Usage.ServiceTier), tier)
			}
		case "content_block_start":
			// A block may start with text already in it. Signatures and
			// redacted_thinking are opaque bytes for the model, not text.
			if cb := w.ContentBlock; cb != nil {
				kind, text := cb.text()
				if !emit(kind, text) {
					return
				}
			}
		case "content_block_delta":
			if d := w.Delta; d != nil {
				kind, text := d.text()
				if !emit(kind, text) {
					return
				}
			}
		case "message_delta":
			if d := w.Delta; d != nil && d.StopReason != "" {
				stop = string(d.StopReason)
			}
			// Its usage is cumulative: each count it gives replaces the one
			// before.
			if w.Usage != nil {
				usage.merge(w.Usage)
				tier = cmp.Or(string(w.Usage.ServiceTier), tier)
			}
		case "message_stop":
			stopped = true
			break read
		case "error":
			code, detail := "", string(data) // not the API's shape: say what came
			if w.Error != nil {
				code, detail = string(w.Error.Type), string(w.Error.Message)
			}
			fail(b.streamError(code, detail, got.now()))
			return
		}
		// ping, content_block_stop and event types added later carry
		// nothing fanout shows.
	}
	if !stopped && stop == "" {
		// The body ended cleanly but the message did not: no message_stop
		// and no stop_reason. Something between us and the model cut it.
		fail(TransportErrorAt(anthropicWho, b.baseURL, io.ErrUnexpectedEOF, got.now()))
		return
	}
	if u, ok := usage.usage(); ok && !yield(UsageEvent(u)) {
		return
	}
	yield(Event{Type: EventDone, Done: &Done{StopReason: NormalizeStop(stop), ServiceTier: tier}})
}

// anthropicRetryable are the error types worth a retry when they arrive
// inside the stream: the ones answered with 529, 500, 429 and 504 before it.
var anthropicRetryable = map[string]bool{
	"overloaded_error": true, "api_error": true, "rate_limit_error": true, "timeout_error": true,
}

// streamError explains an error event sent inside the stream, after a 200.
// Its type says whether to retry: overloaded_error is what HTTP 529 says.
func (b *anthropicBackend) streamError(code, detail string, p Progress) *Error {
	e := &Error{Code: ErrorCode(code), Retryable: anthropicRetryable[code] || retryableCode(code)}
	tag := ""
	if code != "" {
		tag = " (" + code + ")"
	}
	msg := fmt.Sprintf("%s reported an error mid-stream%s%s", anthropicWho, p.after(), tag)
	if code == "overloaded_error" {
		msg = fmt.Sprintf("%s was overloaded mid-stream%s%s", anthropicWho, p.after(), tag)
	}
	switch {
	case e.Retryable && p.Started:
		msg += "; the partial answer is kept, retry later"
	case e.Retryable:
		msg += "; retry later"
	case p.Started:
		msg += "; the partial answer is kept"
	}
	return e.withDetail(msg, Redact(detail, b.key))
}

// requestError explains a failure of the request itself, before any stream.
func (b *anthropicBackend) requestError(err error, capt *capture) *Error {
	var apiErr *anthropic.Error
	switch {
	case errors.As(err, &apiErr) && apiErr.StatusCode > 0:
		detail := apiErr.Message
		if detail == "" {
			// Not Anthropic's error shape: a proxy's text or page.
			detail = apiErr.RawJSON()
		}
		return StatusError(anthropicWho, apiErr.StatusCode, ErrorCode(apiErr.Type()), Redact(detail, b.key), capt.retryAfter(), b.keyHint)
	case capt.resp != nil && capt.resp.StatusCode >= 400:
		// An error response whose body could not be read.
		return StatusError(anthropicWho, capt.resp.StatusCode, "", "", capt.retryAfter(), b.keyHint)
	case !capt.requested && !isTransportError(err):
		// Nothing went on the wire: the SDK refused the request (a base
		// URL that does not parse).
		return &Error{Message: fmt.Sprintf("%s: cannot send the request: %s", anthropicWho, OneLine(err.Error(), 300)), Code: CodeInvalidRequest}
	default:
		return TransportError(anthropicWho, b.baseURL, err, false)
	}
}

// jsonInsteadOfStream explains a 200 answer that is JSON, not an event
// stream: an error a proxy sends with a 200, or a server that ignored
// "stream": true.
func (b *anthropicBackend) jsonInsteadOfStream(body io.Reader) *Error {
	raw, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return TransportError(anthropicWho, b.baseURL, err, false)
	}
	var v anthropicWireEvent
	if json.Unmarshal(raw, &v) == nil && v.Error != nil {
		return b.streamError(string(v.Error.Type), string(v.Error.Message), Progress{})
	}
	return MalformedError(anthropicWho, errors.New("the server answered with JSON instead of an event stream; does it support streaming?"))
}

// The wire types below hold only what we use, leniently: a field of an
// unexpected type is left unset rather than failing the stream.

type anthropicWireEvent struct {
	Type         looseString          `json:"type"`
	Message      *anthropicWireMsg    `json:"message"`       // message_start
	ContentBlock *anthropicWireBlock  `json:"content_block"` // content_block_start
	Delta        *anthropicWireDelta  `json:"delta"`         // content_block_delta, message_delta
	Usage        *anthropicWireUsage  `json:"usage"`         // message_delta
	Error        *anthropicWireErrObj `json:"error"`         // error
}

type anthropicWireMsg struct {
	Usage *anthropicWireUsage `json:"usage"`
}

type anthropicWireBlock struct {
	Type     looseString `json:"type"`
	Text     looseString `json:"text"`
	Thinking looseString `json:"thinking"`
}

func (b *anthropicWireBlock) text() (DeltaKind, string) {
	switch b.Type {
	case "text":
		return KindAnswer, string(b.Text)
	case "thinking":
		return KindReasoning, string(b.Thinking)
	}
	return KindAnswer, "" // redacted_thinking, tool_use, server tools
}

type anthropicWireDelta struct {
	Type       looseString `json:"type"`
	Text       looseString `json:"text"`        // text_delta
	Thinking   looseString `json:"thinking"`    // thinking_delta
	StopReason looseString `json:"stop_reason"` // message_delta
}

func (d *anthropicWireDelta) text() (DeltaKind, string) {
	switch d.Type {
	case "text_delta":
		return KindAnswer, string(d.Text)
	case "thinking_delta":
		return KindReasoning, string(d.Thinking)
	}
	return KindAnswer, "" // signature_delta, input_json_delta, citations_delta
}

type anthropicWireErrObj struct {
	Type    looseString `json:"type"`
	Message looseString `json:"message"`
}

type anthropicWireUsage struct {
	InputTokens              *looseNumber `json:"input_tokens"`
	OutputTokens             *looseNumber `json:"output_tokens"`
	CacheReadInputTokens     *looseNumber `json:"cache_read_input_tokens"`
	CacheCreationInputTokens *looseNumber `json:"cache_creation_input_tokens"`
	OutputTokensDetails      *struct {
		ThinkingTokens *looseNumber `json:"thinking_tokens"`
	} `json:"output_tokens_details"`
	ServiceTier looseString `json:"service_tier"`
}

// anthropicUsage is the usage known so far: message_start's, each count
// replaced by message_delta's when it gives one.
type anthropicUsage struct {
	seen                                 bool
	input, output, read, write, thinking int
}

func (a *anthropicUsage) merge(w *anthropicWireUsage) {
	set := func(dst *int, n *looseNumber) {
		if n != nil && n.ok {
			*dst, a.seen = n.int(), true
		}
	}
	set(&a.input, w.InputTokens)
	set(&a.output, w.OutputTokens)
	set(&a.read, w.CacheReadInputTokens)
	set(&a.write, w.CacheCreationInputTokens)
	if d := w.OutputTokensDetails; d != nil {
		set(&a.thinking, d.ThinkingTokens)
	}
}

// usage converts the counts. Anthropic's input_tokens leaves out the tokens
// read from and written to the prompt cache; Usage.Input counts every prompt
// token, so they are added back, as for Bedrock.
func (a *anthropicUsage) usage() (Usage, bool) {
	if !a.seen {
		return Usage{}, false
	}
	return Usage{
		Input:       a.input + a.read + a.write,
		Output:      a.output,
		CachedInput: a.read,
		CacheWrite:  a.write,
		Reasoning:   a.thinking,
		Exact:       true,
	}, true
}
