package testserver

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// The Bedrock test server speaks the wire protocol of Bedrock's
// ConverseStream: `POST /model/{modelId}/converse-stream` answered with an
// `application/vnd.amazon.eventstream` body, one binary frame per event,
// encoded with the AWS SDK's own encoder. What it sends is a script of steps,
// so a test can reproduce a real stream byte for byte or break it in any way
// a network or a provider does.

// Credentials of the test environment. The access key id has the shape of a
// real one so that pattern-based redaction is exercised as well.
const (
	BedrockTestAccessKeyID     = "AKIAFANOUTTESTKEY000"
	BedrockTestSecretAccessKey = "fanout/test/secret/Kq9vW2xZ7pLmN4bR8tYc"
	BedrockTestRegion          = "us-east-1"
)

type bedrockStepKind int

const (
	bedrockStepWait bedrockStepKind = iota
	bedrockStepFrame
	bedrockStepRaw
	bedrockStepDrop
	bedrockStepStall
	bedrockStepFail
)

// BedrockStep is one thing the server does while answering a request. Build
// steps with the Bedrock* constructors.
type BedrockStep struct {
	kind bedrockStepKind
	wait time.Duration
	data []byte // an encoded frame or raw bytes
	fail BedrockErrorResponse
}

// BedrockErrorResponse is a canned HTTP error, sent instead of a stream.
type BedrockErrorResponse struct {
	Status int
	// ErrorType goes in the X-Amzn-ErrorType header; empty sends none.
	ErrorType string
	// Body is sent as is, with Content-Type application/json.
	Body []byte
	// RetryAfter goes in the Retry-After header; empty sends none.
	RetryAfter string
}

// BedrockWait pauses for d (or until the client goes away).
func BedrockWait(d time.Duration) BedrockStep {
	return BedrockStep{kind: bedrockStepWait, wait: d}
}

// BedrockEvent sends one event frame. payload is JSON: a string, []byte or
// json.RawMessage is sent as is, anything else is marshalled.
func BedrockEvent(eventType string, payload any) BedrockStep {
	return BedrockStep{kind: bedrockStepFrame, data: BedrockFrame("event", eventType, payload)}
}

// BedrockException sends an exception frame, as Bedrock does for an error
// that happens once the stream has started. exceptionType is the stream's
// member name, e.g. "throttlingException" or "modelStreamErrorException".
func BedrockException(exceptionType, message string) BedrockStep {
	return BedrockStep{kind: bedrockStepFrame, data: BedrockFrame("exception", exceptionType, map[string]string{"message": message})}
}

// BedrockRaw sends bytes as they are: a fixture's wire bytes, a piece of a
// frame, a corrupt frame.
func BedrockRaw(b []byte) BedrockStep {
	return BedrockStep{kind: bedrockStepRaw, data: bytes.Clone(b)}
}

// BedrockDrop closes the connection abruptly, without ending the response.
// As the first step, the client gets no response at all.
func BedrockDrop() BedrockStep { return BedrockStep{kind: bedrockStepDrop} }

// BedrockStall stops sending, and holds the connection open until the client
// gives up or the test ends. As the first step, no header is ever sent.
func BedrockStall() BedrockStep { return BedrockStep{kind: bedrockStepStall} }

// BedrockFail answers with an HTTP error instead of a stream. It must come
// before any step that sends data.
func BedrockFail(r BedrockErrorResponse) BedrockStep {
	return BedrockStep{kind: bedrockStepFail, fail: r}
}

// BedrockHTTPError answers with status and a body shaped like Bedrock's:
// {"message": message}, the type in X-Amzn-ErrorType.
func BedrockHTTPError(status int, errorType, message string) BedrockStep {
	body, _ := json.Marshal(map[string]string{"message": message})
	return BedrockFail(BedrockErrorResponse{Status: status, ErrorType: errorType, Body: body})
}

// BedrockFrame encodes one eventstream frame with the headers Bedrock sends.
// messageType is "event" or "exception"; typ is the event or exception type.
// payload is as for BedrockEvent.
func BedrockFrame(messageType, typ string, payload any) []byte {
	var body []byte
	switch p := payload.(type) {
	case []byte:
		body = p
	case json.RawMessage:
		body = p
	case string:
		body = []byte(p)
	default:
		var err error
		if body, err = json.Marshal(p); err != nil {
			panic(fmt.Sprintf("testserver: payload of %s %q: %v", messageType, typ, err))
		}
	}
	typeHeader := ":event-type"
	if messageType == "exception" {
		typeHeader = ":exception-type"
	}
	var msg eventstream.Message
	msg.Headers.Set(typeHeader, eventstream.StringValue(typ))
	msg.Headers.Set(":content-type", eventstream.StringValue("application/json"))
	msg.Headers.Set(":message-type", eventstream.StringValue(messageType))
	msg.Payload = body
	var buf bytes.Buffer
	if err := eventstream.NewEncoder().Encode(&buf, msg); err != nil {
		panic(fmt.Sprintf("testserver: encode %s %q: %v", messageType, typ, err))
	}
	return buf.Bytes()
}

// BedrockDelta, BedrockReasoning, BedrockStop and BedrockMetadata send the
// common events of a ConverseStream.
func BedrockDelta(text string) BedrockStep {
	return BedrockEvent("contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"text": text}})
}

func BedrockReasoning(text string) BedrockStep {
	return BedrockEvent("contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"reasoningContent": map[string]any{"text": text}}})
}

func BedrockStop(stopReason string) BedrockStep {
	return BedrockEvent("messageStop", map[string]any{"stopReason": stopReason})
}

func BedrockMetadata(inputTokens, outputTokens int, latencyMs int64) BedrockStep {
	return BedrockEvent("metadata", map[string]any{
		"usage":   map[string]any{"inputTokens": inputTokens, "outputTokens": outputTokens, "totalTokens": inputTokens + outputTokens},
		"metrics": map[string]any{"latencyMs": latencyMs},
	})
}

// BedrockServedMetadata is a metadata event that also says which service
// tier and latency mode served the request, as Bedrock's does when it was
// asked for one (an empty tier or mode is left out).
func BedrockServedMetadata(inputTokens, outputTokens int, tier, latency string) BedrockStep {
	m := map[string]any{
		"usage":   map[string]any{"inputTokens": inputTokens, "outputTokens": outputTokens, "totalTokens": inputTokens + outputTokens},
		"metrics": map[string]any{"latencyMs": 100},
	}
	if tier != "" {
		m["serviceTier"] = map[string]any{"type": tier}
	}
	if latency != "" {
		m["performanceConfig"] = map[string]any{"latency": latency}
	}
	return BedrockEvent("metadata", m)
}

// BedrockText is a complete answer: messageStart, one delta per chunk,
// contentBlockStop, messageStop with end_turn, and metadata.
func BedrockText(inputTokens, outputTokens int, chunks ...string) []BedrockStep {
	steps := []BedrockStep{BedrockEvent("messageStart", map[string]any{"role": "assistant"})}
	for _, c := range chunks {
		steps = append(steps, BedrockDelta(c))
	}
	return append(steps,
		BedrockEvent("contentBlockStop", map[string]any{"contentBlockIndex": 0}),
		BedrockStop("end_turn"),
		BedrockMetadata(inputTokens, outputTokens, 100),
	)
}

// ParseBedrockEvents reads decoded events, one {"eventType": payload} object
// per line or all of them inside a JSON array. An entry whose type ends in
// "Exception" becomes an exception frame.
func ParseBedrockEvents(data []byte) ([]BedrockStep, error) {
	var entries []json.RawMessage
	if trimmed := bytes.TrimSpace(data); bytes.HasPrefix(trimmed, []byte("[")) {
		if err := json.Unmarshal(trimmed, &entries); err != nil {
			return nil, fmt.Errorf("events array: %w", err)
		}
	} else {
		for line := range bytes.Lines(trimmed) {
			if line = bytes.TrimSpace(line); len(line) > 0 {
				entries = append(entries, line)
			}
		}
	}
	steps := make([]BedrockStep, 0, len(entries))
	for i, raw := range entries {
		var ev map[string]json.RawMessage
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("event %d: %w", i+1, err)
		}
		if len(ev) != 1 {
			return nil, fmt.Errorf("event %d: want one {\"eventType\": payload} key, got %d", i+1, len(ev))
		}
		for typ, payload := range ev {
			kind := "event"
			if strings.HasSuffix(typ, "Exception") {
				kind = "exception"
			}
			steps = append(steps, BedrockStep{kind: bedrockStepFrame, data: BedrockFrame(kind, typ, payload)})
		}
	}
	return steps, nil
}

// BedrockEventsFile reads a .events.json fixture into steps.
func BedrockEventsFile(t testing.TB, path string) []BedrockStep {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	steps, err := ParseBedrockEvents(data)
	if err != nil {
		t.Fatalf("testserver: %s: %v", path, err)
	}
	return steps
}

// BedrockRawChunks sends data byte for byte, cut into pieces of chunk bytes
// (all at once when chunk <= 0) with delay between them. Pieces cut frames
// anywhere, as TCP does.
func BedrockRawChunks(data []byte, chunk int, delay time.Duration) []BedrockStep {
	if chunk <= 0 {
		chunk = max(len(data), 1)
	}
	var steps []BedrockStep
	for len(data) > 0 {
		n := min(chunk, len(data))
		if len(steps) > 0 && delay > 0 {
			steps = append(steps, BedrockWait(delay))
		}
		steps = append(steps, BedrockRaw(data[:n]))
		data = data[n:]
	}
	return steps
}

// BedrockRawFile serves a captured .eventstream body, as BedrockRawChunks.
func BedrockRawFile(t testing.TB, path string, chunk int, delay time.Duration) []BedrockStep {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("testserver: %v", err)
	}
	return BedrockRawChunks(data, chunk, delay)
}

// BedrockRequest is what the server received.
type BedrockRequest struct {
	// ModelID is the model id from the path, unescaped.
	ModelID string
	Header  http.Header
	Body    []byte
	// Converse is Body decoded; the zero value if it did not decode.
	Converse BedrockConverseRequest
	// Signed is true when an Authorization header carries a SigV4 signature.
	Signed bool
}

// BedrockConverseRequest is the part of a Converse request body that fanout
// sends.
type BedrockConverseRequest struct {
	System          []BedrockContent  `json:"system,omitempty"`
	Messages        []BedrockMessage  `json:"messages"`
	InferenceConfig *BedrockInference `json:"inferenceConfig,omitempty"`
	// AdditionalModelRequestFields is the model's own fields (thinking,
	// reasoning_effort, reasoningConfig), as generic JSON.
	AdditionalModelRequestFields map[string]any `json:"additionalModelRequestFields,omitempty"`
	ServiceTier                  *struct {
		Type string `json:"type"`
	} `json:"serviceTier,omitempty"`
	PerformanceConfig *struct {
		Latency string `json:"latency"`
	} `json:"performanceConfig,omitempty"`
}

type BedrockContent struct {
	Text string `json:"text"`
}

type BedrockMessage struct {
	Role    string           `json:"role"`
	Content []BedrockContent `json:"content"`
}

type BedrockInference struct {
	MaxTokens     *int     `json:"maxTokens,omitempty"`
	Temperature   *float64 `json:"temperature,omitempty"`
	TopP          *float64 `json:"topP,omitempty"`
	StopSequences []string `json:"stopSequences,omitempty"`
}

// BedrockServer is a loopback Bedrock runtime endpoint.
type BedrockServer struct {
	t       testing.TB
	srv     *httptest.Server
	done    chan struct{} // closed at cleanup: every waiting handler returns
	scripts [][]BedrockStep
	active  atomic.Int64 // requests being answered

	mu   sync.Mutex
	reqs []BedrockRequest
}

// NewBedrock starts a server that answers every request with steps. It is
// closed when the test ends.
func NewBedrock(t testing.TB, steps ...BedrockStep) *BedrockServer {
	t.Helper()
	return NewBedrockSequence(t, steps)
}

// NewBedrockSequence starts a server that answers request i with scripts[i];
// the last script answers every later request.
func NewBedrockSequence(t testing.TB, scripts ...[]BedrockStep) *BedrockServer {
	t.Helper()
	return newBedrock(t, false, scripts)
}

// NewBedrockTLS starts a server like NewBedrock that speaks HTTPS, with a
// certificate only Client trusts: the SDK sends a Bedrock API key (a bearer
// token) over HTTPS only.
func NewBedrockTLS(t testing.TB, steps ...BedrockStep) *BedrockServer {
	t.Helper()
	return newBedrock(t, true, [][]BedrockStep{steps})
}

// Client is an HTTP client that trusts the server's certificate.
func (s *BedrockServer) Client() *http.Client { return s.srv.Client() }

// CAFile writes the certificate of a server started by NewBedrockTLS to a
// PEM file in a temporary directory and returns its path: what
// AWS_CA_BUNDLE names, for a client that must trust it by configuration.
func (s *BedrockServer) CAFile() string {
	s.t.Helper()
	cert := s.srv.Certificate()
	if cert == nil {
		s.t.Fatal("CAFile: the server has no certificate (start it with NewBedrockTLS)")
	}
	path := filepath.Join(s.t.TempDir(), "bedrock-ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err != nil {
		s.t.Fatal(err)
	}
	return path
}

func newBedrock(t testing.TB, tls bool, scripts [][]BedrockStep) *BedrockServer {
	if len(scripts) == 0 {
		scripts = [][]BedrockStep{nil}
	}
	s := &BedrockServer{t: t, done: make(chan struct{}), scripts: scripts}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /model/{modelId}/converse-stream", s.converseStream)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeBedrockError(w, BedrockErrorResponse{Status: http.StatusNotFound, ErrorType: "UnknownOperationException",
			Body: []byte(`{"message":"testserver: no such operation: ` + r.Method + " " + r.URL.Path + `"}`)})
	})
	s.srv = httptest.NewUnstartedServer(mux)
	// A client that does not trust the certificate is what some tests
	// check for; the server's log of its refused handshake is noise.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if tls {
		s.srv.StartTLS()
	} else {
		s.srv.Start()
	}
	t.Cleanup(func() {
		close(s.done)
		s.srv.Close()
	})
	return s
}

// URL is the endpoint, for AWS_ENDPOINT_URL_BEDROCK_RUNTIME.
func (s *BedrockServer) URL() string { return s.srv.URL }

// Requests returns what the server received so far.
func (s *BedrockServer) Requests() []BedrockRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]BedrockRequest(nil), s.reqs...)
}

// Active is the number of requests being answered right now. A client that
// abandons a stream and closes its connection brings it back to zero.
func (s *BedrockServer) Active() int { return int(s.active.Load()) }

// Env is BedrockEnv for this server.
func (s *BedrockServer) Env() map[string]string { return BedrockEnv(s.t, s.URL()) }

// BedrockEnv is an AWS environment pointing at endpoint with static test
// credentials, that reads no file of the developer's (~/.aws) and never
// contacts the EC2 instance metadata service.
func BedrockEnv(t testing.TB, endpoint string) map[string]string {
	dir := t.TempDir()
	return map[string]string{
		"AWS_REGION":                       BedrockTestRegion,
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": endpoint,
		"AWS_ACCESS_KEY_ID":                BedrockTestAccessKeyID,
		"AWS_SECRET_ACCESS_KEY":            BedrockTestSecretAccessKey,
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_CONFIG_FILE":                  filepath.Join(dir, "no-config"),
		"AWS_SHARED_CREDENTIALS_FILE":      filepath.Join(dir, "no-credentials"),
	}
}

func (s *BedrockServer) converseStream(w http.ResponseWriter, r *http.Request) {
	s.active.Add(1)
	defer s.active.Add(-1)
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	rec := BedrockRequest{
		ModelID: r.PathValue("modelId"),
		Header:  r.Header.Clone(),
		Body:    body,
		Signed:  strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 "),
	}
	decodeErr := json.Unmarshal(body, &rec.Converse)

	s.mu.Lock()
	script := s.scripts[min(len(s.reqs), len(s.scripts)-1)]
	s.reqs = append(s.reqs, rec)
	s.mu.Unlock()

	if decodeErr != nil {
		writeBedrockError(w, BedrockErrorResponse{Status: http.StatusBadRequest, ErrorType: "SerializationException",
			Body: []byte(`{"message":"testserver: request body is not a Converse request"}`)})
		return
	}
	s.play(w, r, script)
}

// play runs a script. It returns when the script ends, the client goes away
// or the test ends, whichever comes first.
func (s *BedrockServer) play(w http.ResponseWriter, r *http.Request, script []BedrockStep) {
	rc := http.NewResponseController(w)
	started := false
	start := func() {
		if !started {
			started = true
			w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
			w.Header().Set("X-Amzn-Requestid", "fanout-test-request")
			w.WriteHeader(http.StatusOK)
		}
	}
	for i, st := range script {
		switch st.kind {
		case bedrockStepWait:
			timer := time.NewTimer(st.wait)
			select {
			case <-timer.C:
			case <-r.Context().Done():
				timer.Stop()
				return
			case <-s.done:
				timer.Stop()
				return
			}
			continue
		case bedrockStepStall:
			if started {
				_ = rc.Flush()
			}
			select {
			case <-r.Context().Done():
			case <-s.done:
			}
			return
		case bedrockStepDrop:
			conn, _, err := rc.Hijack()
			if err != nil {
				s.t.Errorf("testserver: step %d: drop: %v", i+1, err)
				return
			}
			conn.Close()
			return
		case bedrockStepFail:
			if started {
				s.t.Errorf("testserver: step %d: an error response after the stream started", i+1)
				return
			}
			writeBedrockError(w, st.fail)
			return
		case bedrockStepFrame, bedrockStepRaw:
			start()
			if _, err := w.Write(st.data); err != nil {
				return
			}
		}
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return
		}
	}
	start() // an empty script still answers, with an empty stream
}

func writeBedrockError(w http.ResponseWriter, e BedrockErrorResponse) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", "fanout-test-request")
	if e.ErrorType != "" {
		w.Header().Set("X-Amzn-Errortype", e.ErrorType)
	}
	if e.RetryAfter != "" {
		w.Header().Set("Retry-After", e.RetryAfter)
	}
	w.WriteHeader(e.Status)
	_, _ = w.Write(e.Body)
}
