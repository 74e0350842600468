package termsafe

import (
	"bytes"
	"io"
)

// JSON escapes in b, the output of encoding/json, the controls it leaves
// raw: DEL and the C1 controls U+0080–U+009F (encoding/json escapes only
// U+0000–U+001F), as \u007f and \u0080–\u009f. The document means the
// same; its bytes hold no control a terminal acts on, so `fanout run --json`
// can be printed on a terminal as it is and still carry a model's raw text.
// Every such byte of encoding/json's output is inside a string (the rest of
// the syntax is ASCII), where the escape is the same character. b is
// returned as is when it needs no change.
func JSON(b []byte) []byte {
	if !needsJSONEscape(b) {
		return b
	}
	const hex = "0123456789abcdef"
	out := make([]byte, 0, len(b)+32)
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == 0x7f:
			out = append(out, `\u007f`...)
		case c == 0xc2 && i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f:
			i++
			out = append(out, '\\', 'u', '0', '0', hex[b[i]>>4], hex[b[i]&0xf])
		default:
			out = append(out, c)
		}
	}
	return out
}

func needsJSONEscape(b []byte) bool {
	if bytes.IndexByte(b, 0x7f) >= 0 {
		return true
	}
	for i := 0; ; i++ {
		j := bytes.IndexByte(b[i:], 0xc2)
		if j < 0 {
			return false
		}
		i += j
		if i+1 < len(b) && b[i+1] >= 0x80 && b[i+1] <= 0x9f {
			return true
		}
	}
}

// JSONWriter passes every Write through JSON. Each Write must be whole
// documents, as a json.Encoder writes them (one Write per Encode).
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := j.w.Write(JSON(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}
