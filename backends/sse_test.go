package backends

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

type sseCase struct {
	Name, Data string
}

// readAllSSE reads every event from r, copying each, and returns the error
// that ended the stream (nil for a clean end).
func readAllSSE(r io.Reader, limit int) ([]sseCase, error) {
	s := newSSEReader(r)
	if limit > 0 {
		s.limit = limit
	}
	var out []sseCase
	for range 100000 {
		ev, err := s.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, sseCase{ev.Name, string(ev.Data)})
	}
	return out, errors.New("reader never ended")
}

func TestSSEReader(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, in string
		want     []sseCase
	}{
		{"LF", "data: a\n\ndata: b\n\n", []sseCase{{"", "a"}, {"", "b"}}},
		{"CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", []sseCase{{"", "a"}, {"", "b"}}},
		{"CR", "data: a\r\rdata: b\r\r", []sseCase{{"", "a"}, {"", "b"}}},
		{"multi-line data", "data: {\"a\":\ndata: 1}\n\n", []sseCase{{"", "{\"a\":\n1}"}}},
		{"comments", ": OPENROUTER PROCESSING\n\n: ping\ndata: x\n: mid\n\n", []sseCase{{"", "x"}}},
		{"one space stripped", "data:x\n\ndata:  y\n\n", []sseCase{{"", "x"}, {"", " y"}}},
		{"event name", "event: error\ndata: {}\n\ndata: z\n\n", []sseCase{{"error", "{}"}, {"", "z"}}},
		{"event without data dropped", "event: ping\n\ndata: q\n\n", []sseCase{{"", "q"}}},
		{"empty data dispatched", "data\n\ndata:\n\n", []sseCase{{"", ""}, {"", ""}}},
		{"other fields ignored", "id: 7\nretry: 100\nfoo: bar\ndata: d\n\n", []sseCase{{"", "d"}}},
		{"byte-order mark", "\uFEFFdata: b\n\n", []sseCase{{"", "b"}}},
		{"no blank line at EOF", "data: a\n\ndata: [DONE]\n", []sseCase{{"", "a"}, {"", "[DONE]"}}},
		{"unterminated line at EOF", "data: a\n\ndata: [DONE]", []sseCase{{"", "a"}, {"", "[DONE]"}}},
		{"empty", "", nil},
	}
	for _, c := range cases {
		got, err := readAllSSE(strings.NewReader(c.in), 0)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %q, %v; want %q", c.name, got, err, c.want)
		}
	}
}

// errAfter is a reader that returns its data, then err.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestSSEReaderReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	// Complete events come out before the error; the partial one does not.
	got, err := readAllSSE(&errAfter{[]byte("data: a\n\ndata: b\n\ndata: par"), boom}, 0)
	if !errors.Is(err, boom) || !slices.Equal(got, []sseCase{{"", "a"}, {"", "b"}}) {
		t.Errorf("got %q, %v", got, err)
	}
	// An event whose closing blank line was lost is not dispatched either.
	got, err = readAllSSE(&errAfter{[]byte("data: a\n"), io.ErrUnexpectedEOF}, 0)
	if !errors.Is(err, io.ErrUnexpectedEOF) || len(got) != 0 {
		t.Errorf("got %q, %v", got, err)
	}
}

func TestSSEReaderLimit(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"data: " + strings.Repeat("x", 100) + "\n\n",             // one long line
		strings.Repeat("data: "+strings.Repeat("x", 20)+"\n", 9), // many lines, one event
		"data: " + strings.Repeat("x", 100),                      // unterminated
	} {
		_, err := readAllSSE(strings.NewReader(in), 64)
		if !errors.Is(err, errSSETooLarge) {
			t.Errorf("%.20q…: err %v, want errSSETooLarge", in, err)
		}
	}
	if got, err := readAllSSE(strings.NewReader("data: "+strings.Repeat("x", 50)+"\n\n"), 64); err != nil || len(got) != 1 {
		t.Errorf("an event under the limit: %v", err)
	}
}

// endless repeats one event forever.
type endless struct {
	event []byte
	off   int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.event[e.off:])
		n += c
		e.off = (e.off + c) % len(e.event)
	}
	return n, nil
}

// The cost of an event must not grow with the stream: once warm, reading an
// event allocates nothing, however many came before.
func TestSSEReaderNoGrowth(t *testing.T) {
	chunk := `data: {"choices":[{"index":0,"delta":{"content":" token"},"finish_reason":null}],"usage":null}` + "\n\n"
	s := newSSEReader(&endless{event: []byte(chunk)})
	for range 10000 {
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	allocs := testing.AllocsPerRun(10000, func() {
		if ev, err := s.Next(); err != nil || len(ev.Data) == 0 {
			t.Fatal("bad event", err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per event", allocs)
	}
	if c := cap(s.data); c > 4*len(chunk) {
		t.Errorf("data buffer grew to %d bytes", c)
	}
}

// chunked returns data in pieces whose sizes come from sizes, with an
// occasional empty read, to break lines and CRLF pairs at every place.
type chunked struct {
	data     []byte
	sizes    []byte
	i        int
	wasEmpty bool
}

func (c *chunked) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := 1
	if len(c.sizes) > 0 {
		n = int(c.sizes[c.i%len(c.sizes)]) % 9 // 0 to 8 bytes
		c.i++
	}
	if n == 0 && c.wasEmpty {
		n = 1 // never two empty reads in a row
	}
	c.wasEmpty = n == 0
	n = min(n, len(c.data), len(p))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// referenceSSE parses a whole stream the simplest way: normalise line
// endings, split, apply the same rules. The incremental reader must agree
// with it whatever the input and however it is cut.
func referenceSSE(in []byte) []sseCase {
	s := strings.ReplaceAll(string(in), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimPrefix(s, "\uFEFF")
	lines := strings.Split(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1] // the input ended with a newline
	}
	var out []sseCase
	var data []string
	hasData, name := false, ""
	for _, l := range lines {
		switch {
		case l == "":
			if hasData {
				out = append(out, sseCase{name, strings.Join(data, "\n")})
			}
			data, hasData, name = nil, false, ""
		case l[0] == ':':
		default:
			field, value, _ := strings.Cut(l, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "data":
				data, hasData = append(data, value), true
			case "event":
				name = value
			}
		}
	}
	if hasData {
		out = append(out, sseCase{name, strings.Join(data, "\n")})
	}
	return out
}

func FuzzSSEReader(f *testing.F) {
	f.Add([]byte("data: a\n\ndata: b\r\n\r\n: c\rdata: d\r\r"), []byte{1, 2, 3})
	f.Add([]byte("\uFEFFevent: error\ndata: {\"error\":{}}\n\ndata: [DONE]"), []byte{0, 5})
	f.Add([]byte("data: x\r"), []byte{7})
	f.Add([]byte("\r\n\r\ndata\n\n:\n"), []byte{})
	f.Fuzz(func(t *testing.T, in, sizes []byte) {
		got, err := readAllSSE(&chunked{data: in, sizes: sizes}, 0)
		if err != nil {
			t.Fatalf("error on a clean stream: %v", err)
		}
		if want := referenceSSE(in); !slices.Equal(got, want) {
			t.Fatalf("input %q\ngot  %q\nwant %q", in, got, want)
		}
	})
}

// FuzzSSERoundTrip encodes payloads as a server would, in every line-ending
// style, with comments and event names, and reads them back.
func FuzzSSERoundTrip(f *testing.F) {
	f.Add([]byte(`{"choices":[]}`+"\x00[DONE]"), byte(0), []byte{3})
	f.Add([]byte("multi\nline\x00\x00 lead space"), byte(0x1f), []byte{1, 0, 8})
	f.Fuzz(func(t *testing.T, blob []byte, mode byte, sizes []byte) {
		eol := []string{"\n", "\r\n", "\r"}[int(mode)%3]
		var in bytes.Buffer
		if mode&8 != 0 {
			in.WriteString("\uFEFF")
		}
		var want []sseCase
		for _, p := range bytes.Split(blob, []byte{0}) {
			payload := string(bytes.ReplaceAll(p, []byte("\r"), nil))
			if mode&4 != 0 {
				in.WriteString(": keep-alive" + eol)
			}
			name := ""
			if mode&16 != 0 {
				name = "message-x"
				in.WriteString("event: " + name + eol)
			}
			for line := range strings.SplitSeq(payload, "\n") {
				in.WriteString("data: " + line + eol)
			}
			in.WriteString(eol)
			want = append(want, sseCase{name, payload})
		}
		got, err := readAllSSE(&chunked{data: in.Bytes(), sizes: sizes}, 0)
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("stream %q\ngot  %q, %v\nwant %q", in.String(), got, err, want)
		}
	})
}
