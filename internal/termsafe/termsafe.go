// Package termsafe makes untrusted text (a model's answer, a server's error
// message, a label read from a file) safe to print to a terminal.
//
// A terminal acts on control characters: ESC starts sequences that can
// write the clipboard (OSC 52), retitle the window (OSC 0), clear the
// screen, move the cursor, ask the terminal to type an answer back (CSI 6n)
// or make text a link to an address other than the one shown (OSC 8); the
// C1 control U+009B is an 8-bit CSI to many terminals; BS and a lone CR
// overwrite what is already on the line. None of that may come from a
// model or a server.
//
// Text keeps printable text, "\n" and "\t", and shows every other control
// as something visible rather than dropping it, so that the reader sees
// that something was there and what:
//
//   - a C0 control (U+0000–U+001F) as its Unicode control picture:
//     ESC as ␛, BEL as ␇, BS as ␈, a lone CR as ␍ (CRLF becomes LF);
//   - DEL as ␡;
//   - a C1 control (U+0080–U+009F) as ␛ followed by its 7-bit form, so
//     that U+009B reads "␛[" just as ESC [ does;
//   - a byte that is not UTF-8 as U+FFFD (a raw 0x9B byte is a CSI to a
//     terminal that is not in UTF-8 mode).
//
// An escape sequence is therefore shown whole and inert ("␛[2J",
// "␛]52;c;…␇"); nothing is parsed, so no payload is ever hidden and a
// sequence that never ends cannot swallow the text after it.
package termsafe

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Text returns s safe to print to a terminal (see the package comment). When
// s needs no change it is returned as is, without allocating: this is on the
// path of every delta.
func Text(s string) string {
	i := firstUnsafe(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
				// CRLF ends a line; only a lone CR goes back over it.
			case c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f):
				b.WriteByte(c)
			case c == 0x7f:
				b.WriteRune('\u2421') // ␡
			default:
				b.WriteRune(0x2400 + rune(c)) // ␀ … ␟
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b.WriteRune(utf8.RuneError)
		case r >= 0x80 && r <= 0x9f:
			b.WriteRune('\u241b') // ␛
			b.WriteByte(byte(r - 0x40))
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Safe reports whether s prints as it is: Text(s) == s.
func Safe(s string) bool { return firstUnsafe(s) < 0 }

// firstUnsafe is the index of the first byte of s that Text changes, or -1.
// The common case, clean text, is one pass over the bytes (a C1 control is
// always the two bytes C2 80–C2 9F in UTF-8) and utf8.ValidString.
func firstUnsafe(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 0x20 && c != '\n' && c != '\t') || c == 0x7f ||
			(c == 0xc2 && i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9f) {
			return firstInvalid(s[:i], i)
		}
	}
	return firstInvalid(s, -1)
}

// firstInvalid is the index of the first byte of s that is not UTF-8, or
// otherwise.
func firstInvalid(s string, otherwise int) int {
	if utf8.ValidString(s) {
		return otherwise
	}
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return i
			}
		}
	}
	return otherwise
}

// Filter is Text for a text that arrives in pieces (a stream's deltas):
// what it returns for the pieces, joined, is Text of the pieces joined,
// whichever way the text was cut. A piece may end inside a UTF-8 rune (a
// C1 control is two bytes) or on a CR whose LF is still to come; that end
// is held back until the next piece or Flush. The zero Filter is ready.
type Filter struct {
	held string
}

// Write returns the safe form of the text up to the end of delta, less
// what it holds back.
func (f *Filter) Write(delta string) string {
	s := delta
	if f.held != "" {
		s = f.held + delta
	}
	cut := len(s) - incompleteTail(s)
	f.held = s[cut:]
	if cut == 0 {
		return ""
	}
	return Text(s[:cut])
}

// Flush returns what Write held back, made safe; the text is then over
// (a held CR is a lone one, a held partial rune invalid).
func (f *Filter) Flush() string {
	s := f.held
	f.held = ""
	return Text(s)
}

// Reset forgets what is held back, for a new text.
func (f *Filter) Reset() { f.held = "" }

// incompleteTail is how many bytes at the end of s cannot be made safe
// before what follows them is known: a CR (its LF may follow) or the start
// of a rune that is not complete yet.
func incompleteTail(s string) int {
	n := len(s)
	if n == 0 {
		return 0
	}
	if s[n-1] == '\r' {
		return 1
	}
	// A rune is at most 4 bytes: look back at most 3 for where the last
	// one starts.
	for i := n - 1; i >= 0 && i >= n-utf8.UTFMax+1; i-- {
		c := s[i]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if utf8.FullRuneInString(s[i:]) {
				return 0
			}
			return n - i
		}
	}
	return 0
}

// Writer passes what is written to it through a Filter on its way to w:
// for text output of our own (tables, listings) that carries untrusted
// pieces, and has no controls of ours. Flush writes what the Filter held
// back; call it when the text is over.
type Writer struct {
	w io.Writer
	f Filter
}

// NewWriter returns a Writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write writes the safe form of p; it reports len(p) on success, since the
// caller's bytes were all taken (some held until the next Write or Flush).
func (w *Writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.f.Write(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes what is held back.
func (w *Writer) Flush() error {
	_, err := io.WriteString(w.w, w.f.Flush())
	return err
}
