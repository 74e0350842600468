package testserver

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// bedrockPost sends a Converse request for model, unsigned.
func bedrockPost(ctx context.Context, base, model, body string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/model/"+url.PathEscape(model)+"/converse-stream", strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	return http.DefaultClient.Do(req)
}

// decodeFrames reads every frame of an eventstream body.
func decodeFrames(t *testing.T, r io.Reader) []eventstream.Message {
	t.Helper()
	dec := eventstream.NewDecoder()
	var msgs []eventstream.Message
	for {
		m, err := dec.Decode(r, nil)
		if errors.Is(err, io.EOF) {
			return msgs
		}
		if err != nil {
			t.Fatalf("frame %d: %v", len(msgs)+1, err)
		}
		msgs = append(msgs, m)
	}
}

func header(m eventstream.Message, name string) string {
	if v := m.Headers.Get(name); v != nil {
		return v.String()
	}
	return ""
}

func TestBedrockFrame(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		msgType, typ, typeHeader string
		payload                  any
		want                     string
	}{
		{"event", "contentBlockDelta", ":event-type", map[string]any{"delta": map[string]string{"text": "hi"}}, `{"delta":{"text":"hi"}}`},
		{"event", "messageStop", ":event-type", `{"stopReason":"end_turn"}`, `{"stopReason":"end_turn"}`},
		{"exception", "throttlingException", ":exception-type", []byte(`{"message":"slow down"}`), `{"message":"slow down"}`},
	} {
		msgs := decodeFrames(t, bytes.NewReader(BedrockFrame(tc.msgType, tc.typ, tc.payload)))
		if len(msgs) != 1 {
			t.Fatalf("%d frames, want 1", len(msgs))
		}
		m := msgs[0]
		if header(m, ":message-type") != tc.msgType || header(m, tc.typeHeader) != tc.typ || header(m, ":content-type") != "application/json" {
			t.Errorf("headers = %v", m.Headers)
		}
		if string(m.Payload) != tc.want {
			t.Errorf("payload = %s, want %s", m.Payload, tc.want)
		}
	}
}

func TestParseBedrockEvents(t *testing.T) {
	t.Parallel()
	array := "[\n{\"messageStart\":{\"role\":\"assistant\"}},\n{\"throttlingException\":{\"message\":\"x\"}}\n]\n"
	lines := "{\"messageStart\":{\"role\":\"assistant\"}}\n\n{\"throttlingException\":{\"message\":\"x\"}}\n"
	for name, data := range map[string]string{"array": array, "lines": lines} {
		steps, err := ParseBedrockEvents([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(steps) != 2 {
			t.Fatalf("%s: %d steps, want 2", name, len(steps))
		}
		first := decodeFrames(t, bytes.NewReader(steps[0].data))[0]
		second := decodeFrames(t, bytes.NewReader(steps[1].data))[0]
		if header(first, ":event-type") != "messageStart" || string(first.Payload) != `{"role":"assistant"}` {
			t.Errorf("%s: first frame = %v %s", name, first.Headers, first.Payload)
		}
		if header(second, ":message-type") != "exception" || header(second, ":exception-type") != "throttlingException" {
			t.Errorf("%s: second frame = %v, want an exception frame", name, second.Headers)
		}
	}
	for _, bad := range []string{`{"a":1,"b":2}`, `{}`, `{"a":`, `[{"a":1},]`} {
		if _, err := ParseBedrockEvents([]byte(bad)); err == nil {
			t.Errorf("ParseBedrockEvents(%q) did not fail", bad)
		}
	}
}

func TestBedrockRawChunks(t *testing.T) {
	t.Parallel()
	data := []byte("0123456789")
	steps := BedrockRawChunks(data, 4, time.Millisecond)
	var got []byte
	var pieces, waits int
	for _, s := range steps {
		switch s.kind {
		case bedrockStepRaw:
			pieces++
			got = append(got, s.data...)
		case bedrockStepWait:
			waits++
		}
	}
	if !bytes.Equal(got, data) || pieces != 3 || waits != 2 {
		t.Errorf("got %q in %d pieces with %d waits, want %q in 3 pieces with 2 waits", got, pieces, waits, data)
	}
	if steps := BedrockRawChunks(data, 0, 0); len(steps) != 1 {
		t.Errorf("chunk 0: %d steps, want 1", len(steps))
	}
}

func TestBedrockServerStreams(t *testing.T) {
	t.Parallel()
	srv := NewBedrockSequence(t,
		BedrockText(3, 2, "Hel", "lo"),
		[]BedrockStep{BedrockHTTPError(429, "ThrottlingException", "Rate exceeded")},
	)
	const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	resp, err := bedrockPost(t.Context(), srv.URL(), model, `{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{"maxTokens":5}}`)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var types []string
	for _, m := range decodeFrames(t, resp.Body) {
		types = append(types, header(m, ":event-type"))
	}
	if got := strings.Join(types, " "); got != "messageStart contentBlockDelta contentBlockDelta contentBlockStop messageStop metadata" {
		t.Errorf("events = %s", got)
	}

	// The second request and every later one get the last script.
	for range 2 {
		resp, err := bedrockPost(t.Context(), srv.URL(), "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0", `{"messages":[]}`)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 429 || !strings.HasPrefix(resp.Header.Get("X-Amzn-ErrorType"), "ThrottlingException") || !strings.Contains(string(body), "Rate exceeded") {
			t.Errorf("status %d, type %q, body %s", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), body)
		}
	}

	reqs := srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests recorded, want 3", len(reqs))
	}
	r := reqs[0]
	if r.ModelID != model || r.Signed {
		t.Errorf("model %q signed %v, want %q unsigned", r.ModelID, r.Signed, model)
	}
	c := r.Converse
	if len(c.Messages) != 1 || c.Messages[0].Role != "user" || c.Messages[0].Content[0].Text != "Hi" || c.InferenceConfig == nil || *c.InferenceConfig.MaxTokens != 5 {
		t.Errorf("decoded body = %+v", c)
	}
	if reqs[1].ModelID != "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0" {
		t.Errorf("model id with a slash = %q", reqs[1].ModelID)
	}
}

func TestBedrockServerRejects(t *testing.T) {
	t.Parallel()
	srv := NewBedrock(t, BedrockText(1, 1, "x")...)
	resp, err := bedrockPost(t.Context(), srv.URL(), "m", `not json`)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 || resp.Header.Get("X-Amzn-ErrorType") != "SerializationException" {
		t.Errorf("bad body: status %d type %q", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"))
	}
	resp, err = http.Get(srv.URL() + "/model/m/converse")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("unknown operation: status %d, want 404", resp.StatusCode)
	}
}

func TestBedrockServerDrop(t *testing.T) {
	t.Parallel()
	srv := NewBedrock(t, BedrockDelta("partial"), BedrockDrop())
	resp, err := bedrockPost(t.Context(), srv.URL(), "m", `{"messages":[]}`)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("reading a dropped stream: %v, want unexpected EOF", err)
	}
	if msgs := decodeFrames(t, bytes.NewReader(body)); len(msgs) != 1 {
		t.Errorf("%d frames before the drop, want 1", len(msgs))
	}
}

// TestBedrockServerCleanup checks that a stalled handler does not keep the
// server, or the test, from ending.
func TestBedrockServerCleanup(t *testing.T) {
	t.Parallel()
	clientDone := make(chan error, 1)
	var srv *BedrockServer
	t.Run("stall", func(t *testing.T) {
		srv = NewBedrock(t, BedrockStall())
		go func() {
			// Bounded, so that a broken cleanup fails the test instead of
			// hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := bedrockPost(ctx, srv.URL(), "m", `{"messages":[]}`)
			if err == nil {
				resp.Body.Close()
			}
			clientDone <- err
		}()
		deadline := time.Now().Add(5 * time.Second)
		for srv.Active() == 0 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if srv.Active() != 1 {
			t.Fatalf("the request never arrived")
		}
	})
	select {
	case err := <-clientDone:
		if errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("the client was released by its own timeout, not by the cleanup")
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the client is still waiting after the server's cleanup")
	}
	if srv.Active() != 0 {
		t.Errorf("%d handlers still running after cleanup", srv.Active())
	}
}
