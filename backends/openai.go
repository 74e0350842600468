package backends

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// defaultAzureAPIVersion is used when AZURE_OPENAI_API_VERSION is unset: a GA
// version that accepts stream_options (needed for usage in the stream) and
// max_completion_tokens (needed by o-series and gpt-5 models). go-openai's
// own default, 2023-05-15, predates both.
const defaultAzureAPIVersion = "2024-10-21"

// openaiBackend speaks the chat-completions API of OpenAI and of every server
// that copies it.
//
// go-openai builds the request (URL, Azure deployment paths, auth headers,
// body) and decodes HTTP error responses. The event stream itself is parsed by
// our own sseReader, reading the response body that captureTransport hands
// back, and go-openai's Recv is never called. Reading it ourselves, rather
// than tapping the bytes beside go-openai's reader and lining the two up,
// leaves a single parser and nothing to keep in step. go-openai's reader
// would also get in the way: it returns the same io.EOF for "[DONE]" and for
// a body that just ends (which we must tell apart: the second is a dropped
// connection), it keeps every non-data line in an error buffer for the life
// of the stream, it does not join multi-line data, and its types drop fields
// that servers send and we need (delta.reasoning from OpenRouter and Ollama,
// usage.cost from OpenRouter, DeepSeek's prompt_cache_hit_tokens).
type openaiBackend struct {
	target  Target
	who     string // the provider, as it appears in messages
	baseURL string
	key     string // only ever sent, and redacted from every message
	keyHint string // where refused credentials came from, for 401/403
	client  *openai.Client
	// maxCompletion sends the limit as max_completion_tokens, else max_tokens.
	maxCompletion bool
}

func newOpenAI(t Target, opts Options) Backend {
	who := t.Provider
	preset, known := LookupPreset(t.Provider)
	if !known && t.BaseURL == "" {
		return failed{&Error{Message: fmt.Sprintf("%s: unknown provider and no base_url to reach it", who), Code: CodeConfig}}
	}

	baseURL := t.BaseURL
	if baseURL == "" && preset.Name == "ollama" {
		// Ollama's own clients find it through OLLAMA_HOST; so do we.
		baseURL = ollamaRoot(opts) + "/v1"
	}
	if baseURL == "" && preset.URLEnv != "" {
		baseURL = strings.TrimSpace(opts.getenv(preset.URLEnv))
	}
	if baseURL == "" {
		baseURL = preset.BaseURL
		if preset.Regional {
			region := awsRegion(opts)
			if region == "" {
				return failed{&Error{Message: fmt.Sprintf("%s: no AWS region: set AWS_REGION (e.g. us-west-2), or %s", who, preset.URLEnv), Code: CodeNoRegion}}
			}
			baseURL = strings.ReplaceAll(baseURL, regionPlaceholder, region)
		}
	}
	azure := preset.Name == "azure"
	if baseURL == "" {
		// Only azure has no default URL: its endpoint is per resource.
		msg := fmt.Sprintf("%s: no base URL: set base_url in the config", who)
		if preset.URLEnv != "" {
			msg = fmt.Sprintf("%s: no endpoint: set %s (e.g. https://NAME.openai.azure.com)", who, preset.URLEnv)
		}
		return failed{&Error{Message: msg, Code: CodeConfig}}
	}

	var key string
	if t.KeyEnv != "" {
		key = strings.TrimSpace(opts.getenv(t.KeyEnv))
		if key == "" && !preset.KeyOptional {
			return failed{&Error{Message: fmt.Sprintf("%s: no API key: set %s", who, t.KeyEnv), Code: CodeMissingKey}}
		}
	}
	keyHint := "the request (no API key is set)"
	if t.KeyEnv != "" {
		keyHint = "the key in " + t.KeyEnv
	}

	var cfg openai.ClientConfig
	if azure {
		cfg = openai.DefaultAzureConfig(key, baseURL)
		cfg.APIVersion = defaultAzureAPIVersion
		if v := strings.TrimSpace(opts.getenv("AZURE_OPENAI_API_VERSION")); v != "" {
			cfg.APIVersion = v
		}
		// The model is the deployment name, used verbatim: go-openai's
		// default mapper rewrites names that look like OpenAI models.
		cfg.AzureModelMapperFunc = func(model string) string { return model }
	} else {
		// An empty key makes go-openai send no Authorization header, which
		// is what keyless local servers (ollama, lmstudio) expect.
		cfg = openai.DefaultConfig(key)
		cfg.BaseURL = baseURL
	}
	hc := opts.httpClient()
	hc.Transport = &captureTransport{base: hc.Transport}
	cfg.HTTPClient = hc
	// We never call go-openai's Recv (see openaiBackend), but should its
	// reader ever be used, keep-alive comments must not count against it:
	// OpenRouter sends ": OPENROUTER PROCESSING" for as long as a model
	// takes to start, which can be hundreds of lines.
	cfg.EmptyMessagesLimit = math.MaxUint

	return &openaiBackend{
		target:  t,
		who:     who,
		baseURL: baseURL,
		key:     key,
		keyHint: keyHint,
		client:  openai.NewClientWithConfig(cfg),
		// OpenAI's o-series and gpt-5 models reject max_tokens and want
		// max_completion_tokens; OpenAI and Azure accept the latter for
		// every model. Other servers (Ollama, Groq, older vLLM, proxies)
		// know max_tokens best, so they get it — unless the model is
		// named like an OpenAI reasoning model, for which go-openai itself
		// refuses max_tokens before sending.
		maxCompletion: preset.Name == "openai" || azure || isOpenAIReasoningModel(t.Model),
	}
}

// isOpenAIReasoningModel matches the model names go-openai validates as
// reasoning models (o1, o3, o4, gpt-5 families).
func isOpenAIReasoningModel(model string) bool {
	for _, p := range []string{"o1", "o3", "o4", "gpt-5"} {
		if strings.HasPrefix(model, p) {
			return true
		}
	}
	return false
}

func (b *openaiBackend) chatRequest(req Request) openai.ChatCompletionRequest {
	req = effective(b.target, req)
	msgs := make([]openai.ChatCompletionMessage, 0, len(req.Messages)+1)
	if req.System != "" {
		msgs = append(msgs, openai.ChatCompletionMessage{Role: openai.ChatMessageRoleSystem, Content: req.System})
	}
	for _, m := range req.Messages {
		msgs = append(msgs, openai.ChatCompletionMessage{Role: string(m.Role), Content: m.Content})
	}
	cr := openai.ChatCompletionRequest{
		Model:         b.target.Model,
		Messages:      msgs,
		Stream:        true,
		StreamOptions: &openai.StreamOptions{IncludeUsage: true},
	}
	if req.Temperature != nil {
		t := float32(*req.Temperature)
		if t == 0 {
			// go-openai omits a zero temperature (omitempty), so the
			// server would use its default, often 1. The smallest float32
			// is sent instead, and means 0 to every server.
			t = math.SmallestNonzeroFloat32
		}
		cr.Temperature = t
	}
	// The settings CheckSettings let through, in OpenAI's own fields; an
	// OpenAI-compatible server that has no such field says so itself.
	cr.ReasoningEffort = b.target.ReasoningEffort
	cr.ServiceTier = openai.ServiceTier(b.target.ServiceTier)
	if req.MaxTokens > 0 {
		if b.maxCompletion {
			cr.MaxCompletionTokens = req.MaxTokens
		} else {
			cr.MaxTokens = req.MaxTokens
		}
	}
	return cr
}

// Stream implements Backend.
func (b *openaiBackend) Stream(ctx context.Context, req Request) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		// Every error leaves through fail, so every message is redacted.
		fail := func(e *Error) {
			if ctx.Err() != nil {
				return // the caller cancelled: it needs no error
			}
			e.Message = Redact(e.Message, b.key)
			yield(ErrorEvent(e))
		}

		start := time.Now()
		capt := &capture{}
		stream, err := b.client.CreateChatCompletionStream(withCapture(ctx, capt), b.chatRequest(req))
		if err != nil {
			if capt.resp != nil {
				// go-openai reads an error body but never closes it.
				capt.resp.Body.Close()
			}
			fail(b.requestError(err, capt))
			return
		}
		defer stream.Close()
		if capt.resp == nil {
			fail(&Error{Message: b.who + ": internal error: the response was not captured"})
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
func (b *openaiBackend) read(body io.Reader, start time.Time, yield func(Event) bool, fail func(*Error)) {
	sse := newSSEReader(body)
	var (
		finish string // the last finish_reason seen
		done   bool   // "[DONE]" arrived
		tier   string // the last service_tier seen
	)
	got := &progress{start: start} // the text yielded, for a failure's message
	for {
		ev, err := sse.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errSSETooLarge) {
			fail(MalformedError(b.who, err))
			return
		}
		if err != nil {
			fail(TransportErrorAt(b.who, b.baseURL, err, got.now()))
			return
		}
		data := bytes.TrimSpace(ev.Data)
		if len(data) == 0 {
			continue
		}
		if string(data) == "[DONE]" {
			done = true
			break
		}
		var c wireChunk
		decodeErr := json.Unmarshal(data, &c)
		switch {
		case len(c.Error) > 0 && string(c.Error) != "null":
			// An error object wins even when the rest of the chunk does
			// not decode: it says what went wrong. Usage riding on it
			// (OpenRouter sends {"error":…,"usage":…} when a provider
			// fails mid-answer) is what the request was billed for, so
			// it is reported first: the pane's tokens and cost use it.
			if u, ok := c.Usage.usage(); ok && !yield(UsageEvent(u)) {
				return
			}
			fail(b.streamError(c.Error, ""))
			return
		case ev.Name == "error" && json.Valid(data):
			fail(b.streamError(json.RawMessage(data), ""))
			return
		case ev.Name == "error":
			fail(b.streamError(nil, string(data)))
			return
		case decodeErr != nil:
			fail(MalformedError(b.who, fmt.Errorf("decoding %q: %w", OneLine(string(data), 80), decodeErr)))
			return
		}
		if c.ServiceTier != "" {
			tier = string(c.ServiceTier)
		}
		for _, ch := range c.Choices {
			if ch.Index != 0 {
				continue // we ask for one choice; ignore any other
			}
			// vLLM can send the same text as both reasoning_content and
			// reasoning: the first is used when both are there.
			reasoning := string(ch.Delta.ReasoningContent)
			if reasoning == "" {
				reasoning = string(ch.Delta.Reasoning)
			}
			reasoning += ch.Delta.Content.Reasoning
			// A refusal streams in place of the answer: show it as one.
			answer := ch.Delta.Content.Answer + string(ch.Delta.Refusal)
			if reasoning != "" {
				got.add(reasoning)
				if !yield(DeltaEvent(KindReasoning, reasoning)) {
					return
				}
			}
			if answer != "" {
				got.add(answer)
				if !yield(DeltaEvent(KindAnswer, answer)) {
					return
				}
			}
			if ch.FinishReason != "" {
				finish = string(ch.FinishReason)
			}
		}
		// Usage comes in a last chunk with no choices (OpenAI, Azure) or
		// rides on the chunk of the last delta (DeepSeek); either way it is
		// reported after that chunk's text.
		if u, ok := c.Usage.usage(); ok {
			if !yield(UsageEvent(u)) {
				return
			}
		}
	}
	if !done && finish == "" {
		// The body ended cleanly but the stream did not: no "[DONE]" and
		// no finish_reason. Something between us and the model cut it.
		fail(TransportErrorAt(b.who, b.baseURL, io.ErrUnexpectedEOF, got.now()))
		return
	}
	end := DoneEvent(NormalizeStop(finish), 0)
	end.Done.ServiceTier = servedWord(tier)
	yield(end)
}

// requestError explains a failure of the request itself, before any stream.
func (b *openaiBackend) requestError(err error, capt *capture) *Error {
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr) && apiErr.HTTPStatusCode > 0:
		code := apiErrorCode(apiErr)
		return StatusError(b.who, apiErr.HTTPStatusCode, ErrorCode(code), Redact(apiErr.Message, b.key), capt.retryAfter(), b.keyHint)
	case errors.As(err, &reqErr) && reqErr.HTTPStatusCode > 0:
		// The body was not OpenAI's error shape: Ollama sends
		// {"error":"text"}, proxies send HTML or plain text.
		code, detail := errorBodyDetail(reqErr.Body)
		return StatusError(b.who, reqErr.HTTPStatusCode, ErrorCode(code), Redact(detail, b.key), capt.retryAfter(), b.keyHint)
	case !capt.requested:
		// Nothing went on the wire: go-openai refused the request (a bad
		// base URL, a parameter the model does not take).
		return &Error{Message: fmt.Sprintf("%s: cannot send the request: %s", b.who, OneLine(err.Error(), 300)), Code: CodeInvalidRequest}
	default:
		return TransportError(b.who, b.baseURL, err, false)
	}
}

// streamError explains an error object sent inside the stream, after a 200:
// either raw (the JSON of "error") or text (a non-JSON "event: error").
func (b *openaiBackend) streamError(raw json.RawMessage, text string) *Error {
	var code, detail string
	if raw != nil {
		var apiErr openai.APIError
		var s string
		switch {
		case json.Unmarshal(raw, &apiErr) == nil:
			code, detail = apiErrorCode(&apiErr), apiErr.Message
		case json.Unmarshal(raw, &s) == nil:
			detail = s
		default:
			detail = string(raw)
		}
	} else {
		detail = text
	}
	detail = Redact(detail, b.key)
	// Some servers (OpenRouter) give an HTTP status as a numeric code:
	// explain it as that status.
	if n, err := strconv.Atoi(code); err == nil && n >= 400 && n < 600 {
		return StatusError(b.who, n, "", detail, 0, b.keyHint)
	}
	tag := ""
	if code != "" {
		tag = " (" + code + ")"
	}
	e := &Error{Code: ErrorCode(code), Retryable: retryableCode(code)}
	return e.withDetail(fmt.Sprintf("%s reported an error mid-stream%s", b.who, tag), detail)
}

// jsonInsteadOfStream explains a 200 answer that is JSON, not an event
// stream: an error some proxies send with a 200, or a server that ignored
// "stream": true.
func (b *openaiBackend) jsonInsteadOfStream(body io.Reader) *Error {
	raw, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return TransportError(b.who, b.baseURL, err, false)
	}
	var v struct {
		Error json.RawMessage `json:"error"`
	}
	if json.Unmarshal(raw, &v) == nil && len(v.Error) > 0 && string(v.Error) != "null" {
		return b.streamError(v.Error, "")
	}
	return MalformedError(b.who, errors.New("the server answered with JSON instead of an event stream; does it support streaming?"))
}

func apiErrorCode(e *openai.APIError) string {
	switch c := e.Code.(type) {
	case string:
		if c != "" {
			return c
		}
	case int:
		// go-openai turns "code": null into 0.
		if c != 0 {
			return strconv.Itoa(c)
		}
	case float64:
		return strconv.FormatFloat(c, 'f', -1, 64)
	}
	return e.Type
}

// errorBodyDetail finds a code and a message in an error body of any shape.
func errorBodyDetail(body []byte) (code, detail string) {
	var v struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
		Detail  any             `json:"detail"`
	}
	if json.Unmarshal(body, &v) == nil {
		var s string
		var apiErr openai.APIError
		switch {
		case json.Unmarshal(v.Error, &s) == nil && s != "":
			return "", s
		case len(v.Error) > 0 && json.Unmarshal(v.Error, &apiErr) == nil:
			return apiErrorCode(&apiErr), apiErr.Message
		case v.Message != "":
			return "", v.Message
		case v.Detail != nil:
			return "", fmt.Sprint(v.Detail)
		}
	}
	return "", string(body)
}

// retryableCode says whether an error code from inside a stream is worth a
// retry: overload, rate limits and server faults are.
func retryableCode(code string) bool {
	code = strings.ToLower(code)
	for _, s := range []string{"rate_limit", "server_error", "overloaded", "unavailable", "timeout", "internal"} {
		if strings.Contains(code, s) {
			return true
		}
	}
	return false
}

// captureTransport hands the backend the raw response of its own request: its
// headers (go-openai exposes none on errors, and we need Retry-After) and its
// body (which our SSE reader parses). The capture travels in the request's
// context, so one client serves concurrent streams.
type captureTransport struct{ base http.RoundTripper }

type captureKey struct{}

// capture is written by RoundTrip and read after the client call returns,
// on the same goroutine's call chain, so it needs no lock.
type capture struct {
	requested bool
	resp      *http.Response
}

func withCapture(ctx context.Context, c *capture) context.Context {
	return context.WithValue(ctx, captureKey{}, c)
}

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(captureKey{}).(*capture)
	if c != nil {
		c.requested = true
	}
	resp, err := t.base.RoundTrip(req)
	if c != nil && resp != nil {
		c.resp = resp // the last one, after any redirect
	}
	return resp, err
}

// retryAfter reads the server's wish: retry-after-ms (OpenAI, Azure) is more
// precise than Retry-After.
func (c *capture) retryAfter() time.Duration {
	if c.resp == nil {
		return 0
	}
	if v := c.resp.Header.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && ms > 0 && ms <= float64(maxRetryAfter.Milliseconds()) {
			return time.Duration(ms * float64(time.Millisecond)) // the same bound as Retry-After's
		}
	}
	return parseRetryAfter(c.resp.Header.Get("Retry-After"), time.Now())
}

// The wire types below hold only what we use. They are lenient where
// servers disagree on a type, so that a stray field never fails a stream.

type wireChunk struct {
	Choices []wireChoice    `json:"choices"`
	Usage   *wireUsage      `json:"usage"`
	Error   json.RawMessage `json:"error"`
	// ServiceTier is the tier that served the request (OpenAI sends it on
	// every chunk: "default", "flex", "priority"); loose, since a server
	// that sends something else must not break the stream.
	ServiceTier looseString `json:"service_tier"`
}

type wireChoice struct {
	Index        int         `json:"index"`
	Delta        wireDelta   `json:"delta"`
	FinishReason looseString `json:"finish_reason"`
}

type wireDelta struct {
	Content wireContent `json:"content"`
	// ReasoningContent is DeepSeek's, vLLM's and Groq's name for reasoning
	// text; Reasoning is OpenRouter's and Ollama's.
	ReasoningContent looseString `json:"reasoning_content"`
	Reasoning        looseString `json:"reasoning"`
	Refusal          looseString `json:"refusal"`
}

type wireUsage struct {
	PromptTokens        looseNumber `json:"prompt_tokens"`
	CompletionTokens    looseNumber `json:"completion_tokens"`
	PromptTokensDetails *struct {
		CachedTokens looseNumber `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	CompletionTokensDetails *struct {
		ReasoningTokens looseNumber `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	PromptCacheHitTokens looseNumber `json:"prompt_cache_hit_tokens"` // DeepSeek
	Cost                 looseNumber `json:"cost"`                    // OpenRouter, in USD
}

// usage converts a usage object; false when there is none or it is all
// zeros (some servers send an empty one on every chunk).
func (w *wireUsage) usage() (Usage, bool) {
	if w == nil {
		return Usage{}, false
	}
	u := Usage{Input: w.PromptTokens.int(), Output: w.CompletionTokens.int(), Exact: true}
	if d := w.PromptTokensDetails; d != nil {
		u.CachedInput = d.CachedTokens.int()
	}
	u.CachedInput = max(u.CachedInput, w.PromptCacheHitTokens.int())
	if d := w.CompletionTokensDetails; d != nil {
		u.Reasoning = d.ReasoningTokens.int()
	}
	if w.Cost.ok {
		cost := w.Cost.v
		u.CostUSD = &cost
	}
	if u.Input == 0 && u.Output == 0 && u.CostUSD == nil {
		return Usage{}, false
	}
	return u, true
}

// wireContent is delta.content: a string, null, or (Mistral's reasoning
// models) an array of parts, {"type":"text","text":…} for the answer and
// {"type":"thinking","thinking":[{"type":"text","text":…}]} for reasoning.
type wireContent struct{ Answer, Reasoning string }

func (c *wireContent) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return nil
	}
	switch b[0] {
	case '"':
		return json.Unmarshal(b, &c.Answer)
	case '[':
		var parts []struct {
			Type     string          `json:"type"`
			Text     looseString     `json:"text"`
			Thinking json.RawMessage `json:"thinking"`
		}
		if json.Unmarshal(b, &parts) != nil {
			return nil // an unknown shape carries no text we can show
		}
		for _, p := range parts {
			switch p.Type {
			case "text":
				c.Answer += string(p.Text)
			case "thinking":
				var s string
				var sub []struct {
					Text looseString `json:"text"`
				}
				if json.Unmarshal(p.Thinking, &s) == nil {
					c.Reasoning += s
				} else if json.Unmarshal(p.Thinking, &sub) == nil {
					for _, t := range sub {
						c.Reasoning += string(t.Text)
					}
				}
			}
		}
	}
	return nil
}

// looseString is a string that ignores a value of any other type.
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	var v string
	if json.Unmarshal(b, &v) == nil {
		*s = looseString(v)
	}
	return nil
}

// looseNumber is a number, also when sent as a string; anything else leaves
// it unset.
type looseNumber struct {
	v  float64
	ok bool
}

func (n *looseNumber) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		b = []byte(s)
	}
	if v, err := strconv.ParseFloat(string(bytes.TrimSpace(b)), 64); err == nil && !math.IsInf(v, 0) && !math.IsNaN(v) {
		n.v, n.ok = v, true
	}
	return nil
}

func (n looseNumber) int() int {
	if !n.ok || n.v < 0 || n.v > math.MaxInt32 {
		return 0
	}
	return int(n.v)
}
