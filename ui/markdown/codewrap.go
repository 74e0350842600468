package markdown

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"

	"charm.land/glamour/v2/ansi"
	"charm.land/lipgloss/v2"
	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/formatters"
	"github.com/alecthomas/chroma/v2/styles"
	xansi "github.com/charmbracelet/x/ansi"
)

// Long code lines.
//
// glamour writes a code block's lines, indented, into the enclosing
// block, whose own wrap then breaks any line wider than the block: the
// pieces after the first come out at the enclosing block's left edge, at
// the paragraph margin, and read like prose. Nothing in glamour's options
// reaches that wrap, so the fix is done around it:
//
//   - code is highlighted by formatMarked (registered with chroma as
//     codeFormatterName, given to glamour by newTermRenderer): chroma's true-colour
//     formatter with a marker written before each code line: an APC
//     string, which every layer of glamour and lipgloss passes through as
//     a zero-width escape sequence and no terminal shows. The marker
//     carries the line as the formatter wrote it (base64, so that glamour
//     sees no text in it), styles open at the line's start included, and a
//     second marker ends the block;
//   - fixCode, run by Renderer.render on glamour's output, removes the
//     markers. Where glamour left a code line whole, that is all it does,
//     so output without a long code line is byte for byte what glamour
//     wrote. Where the enclosing wrap broke a code line, the line's pieces
//     (the marked line and the unmarked lines after it) are replaced by the
//     line from its marker, wrapped at the width left right of the code
//     indent, each continuation row starting at the code indent with a
//     dim "↪" in it: a wrapped line is told apart from a new one, and the
//     code keeps its column. The rows are broken at cell boundaries, not
//     at spaces: in code, a space is not a place where the line may be
//     read as continuing.
//
// The work is one scan of the block's output (a search for the marker
// first, so output without code costs one strings.Contains), plus decoding
// and wrapping the broken lines only; nothing is parsed again. It is safe
// for the incremental render because it depends on nothing outside the
// rendered piece: a code block is always inside one piece (were a piece
// to end inside one, each part would be marked and fixed on its own), and
// the width
// a line is wrapped to is measured from the piece's right edge, which is
// the same column in Full and in Stream's pieces (see codeEdge).
//
// The no-colour theme has no chroma style, so glamour would write its code
// without calling a formatter; codeStyle gives it plainChroma, a chroma
// style with no entries, for which the formatter writes the bare text,
// byte for byte what glamour's plain path wrote (chroma now lexes code of
// a known language there too, and throws the tokens' kinds away).
//
// The markers are fanout's own; an answer could contain one in its text
// (code holding "\x1b_" is left unmarked, see formatMarked). What such a
// forged marker can do is replace lines of the same answer with bytes of
// its choosing, which the answer could have written directly; the output
// is made safe for the terminal downstream as before (termsafe).

const (
	codeFormatterName = "fanout-marked-16m"
	plainChroma       = "fanout-plain"

	markOpen  = "\x1b_fanout:" // then base64 of the line, then markClose
	markEnd   = "\x1b_fanout.\x1b\\"
	markClose = "\x1b\\"

	// contMark starts a continuation row, in the code indent's last two
	// cells (faint, then a space).
	contMark      = "\x1b[2m↪\x1b[m "
	contMarkWidth = 2
)

func init() {
	formatters.Register(codeFormatterName, chroma.FormatterFunc(formatMarked))
	if styles.Registry[plainChroma] == nil {
		styles.Register(chroma.MustNewStyle(plainChroma, chroma.StyleEntries{}))
	}
}

// codeStyle points the code block at a chroma style when the theme has
// none (see plainChroma).
func codeStyle(c ansi.StyleCodeBlock) ansi.StyleCodeBlock {
	if c.Theme == "" && c.Chroma == nil {
		c.Theme = plainChroma
	}
	return c
}

// codeIndent is the indent glamour writes before every code line.
func codeIndent(c ansi.StyleCodeBlock) int {
	n := 0
	if c.Indent != nil {
		n += int(*c.Indent)
	}
	if c.Margin != nil {
		n += int(*c.Margin)
	}
	return n
}

var b64 = base64.RawStdEncoding

// formatMarked writes what chroma's terminal16m formatter writes, with a
// line marker before every code line and the end marker after the last.
// If the code itself holds an APC introducer, the markers could not be told
// from it: the code is written unmarked and left to glamour's wrapping.
func formatMarked(w io.Writer, style *chroma.Style, it chroma.Iterator) error {
	var buf bytes.Buffer
	if err := formatters.TTY16m.Format(&buf, style, it); err != nil {
		return err //nolint:wrapcheck // chroma's error, passed through
	}
	out := buf.String()
	if strings.Contains(out, "\x1b_") {
		_, err := io.WriteString(w, out)
		return err //nolint:wrapcheck
	}
	var b strings.Builder
	b.Grow(len(out)*7/3 + 64)
	pen := "" // styles open at the start of the current line
	for {
		i := strings.IndexByte(out, '\n')
		line := out
		if i >= 0 {
			line = out[:i]
		}
		// A line is code when a newline ends it or it shows text; what
		// follows the last newline is most often only a reset.
		if i >= 0 || xansi.Strip(line) != "" {
			b.WriteString(markOpen)
			b.WriteString(b64.EncodeToString([]byte(pen + line)))
			b.WriteString(markClose)
		}
		b.WriteString(line)
		if i < 0 {
			break
		}
		b.WriteByte('\n')
		pen = penAfter(pen, line)
		out = out[i+1:]
	}
	b.WriteString(markEnd)
	_, err := io.WriteString(w, b.String())
	return err //nolint:wrapcheck
}

// penAfter returns the SGR sequences still in force after s, starting
// with pen: the ones since the last reset.
func penAfter(pen, s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return pen
		}
		j := i + 2
		for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == ';' || s[j] == ':') {
			j++
		}
		if j >= len(s) {
			return pen
		}
		if s[j] == 'm' {
			if p := s[i+2 : j]; p == "" || p == "0" {
				pen = ""
			} else {
				pen += s[i : j+1]
			}
		}
		s = s[j+1:]
	}
}

// codeEdge returns the column, in the output of a render at width in mode,
// that long code lines are wrapped at: the document's right margin. In
// Full that is width less the margin; a piece is rendered at the width
// inside the frame, starting at the frame's left edge, so its edge is that
// inner width. Both name the same screen column.
func codeEdge(width int, mode renderMode, d ansi.StyleBlock, inner int) int {
	if mode == modeBlock {
		return inner
	}
	m := 0
	if d.Margin != nil {
		m = int(*d.Margin)
	}
	return width - m
}

// fixCode removes the code markers from glamour's output out, laying out
// again the code lines glamour's wrap broke (see the top of this file).
// edge is the column the rows must end by, indent the code indent.
func fixCode(out string, edge, indent int) string {
	if !strings.Contains(out, markOpen) {
		return out
	}
	lines := strings.Split(out, "\n")
	res := make([]string, 0, len(lines))
	// tail is the width of the enclosing prefix and code indent of the
	// current block, read off its last line (the end marker's, which
	// glamour writes indented and never wraps): -1 before it is looked
	// for, -2 if the block has no such line.
	tail := -1
	for i := 0; i < len(lines); {
		l := lines[i]
		k := strings.Index(l, markOpen)
		if k < 0 {
			if strings.Contains(l, markEnd) {
				tail = -1
			}
			res = append(res, strings.Replace(l, markEnd, "", 1))
			i++
			continue
		}
		if tail == -1 {
			tail = -2
			for _, t := range lines[i:] {
				if e := strings.Index(t, markEnd); e >= 0 {
					if !strings.Contains(t, markOpen) {
						tail = xansi.StringWidth(t[:e])
					}
					break
				}
			}
		}
		// The pieces of this code line: the lines after it up to the next
		// marked line, a blank line, or the end marker's line (included
		// only if it shows code: most often it is the block's last line,
		// which shows only the prefix and indent).
		j := i + 1
		bare := strings.TrimRight(xansi.Strip(l[:k]), " ")
		for j < len(lines) {
			p := lines[j]
			if p == "" || strings.Contains(p, markOpen) {
				break
			}
			if strings.Contains(p, markEnd) {
				if strings.TrimRight(xansi.Strip(p), " ") != bare {
					j++
				}
				break
			}
			j++
		}
		if j > i+1 {
			if fixed, ok := relayout(l, k, lines[i+1:j], edge, indent, tail); ok {
				if strings.Contains(lines[j-1], markEnd) {
					tail = -1
				}
				res = append(res, fixed)
				i = j
				continue
			}
		}
		if strings.Contains(l, markEnd) {
			tail = -1
		}
		res = append(res, stripMarks(l))
		i++
	}
	return strings.Join(res, "\n")
}

// stripMarks removes the markers (line and end) from a line.
func stripMarks(l string) string {
	for {
		i := strings.Index(l, markOpen)
		if i < 0 {
			return strings.Replace(l, markEnd, "", 1)
		}
		j := strings.Index(l[i+len(markOpen):], markClose)
		if j < 0 {
			return l
		}
		l = l[:i] + l[i+len(markOpen)+j+len(markClose):]
	}
}

// relayout returns the code line marked at k in line, whose wrapped pieces
// follow it, laid out again; ok is false when the line does not look as
// expected (then the caller keeps glamour's lines, markers removed).
//
// The enclosing prefix is the marked line's prefix less the code indent,
// except where the line's first word was wider than the room: glamour's
// wrap then moved the indent to a line of its own and the marked line
// starts right after the enclosing prefix. tail (see fixCode) tells the
// two apart; without it the first is assumed.
func relayout(line string, k int, pieces []string, edge, indent, tail int) (string, bool) {
	j := strings.Index(line[k+len(markOpen):], markClose)
	if j < 0 {
		return "", false
	}
	raw, err := b64.DecodeString(line[k+len(markOpen) : k+len(markOpen)+j])
	if err != nil {
		return "", false
	}
	code := string(raw)
	prefix := line[:k] // enclosing prefix, then the code indent
	pw := xansi.StringWidth(prefix)
	ew := pw - indent
	if tail >= indent && tail-indent != ew {
		if tail-indent != pw {
			return "", false
		}
		ew = pw // the indent was moved off this line: put it back
		prefix += "\x1b[m" + strings.Repeat(" ", indent)
		pw += indent
	}
	if ew < 0 {
		return "", false
	}
	// Every piece starts with the enclosing blocks' prefix (margin, quote
	// bars, list indent), written by their margin writers after the wrap.
	encl := xansi.Truncate(prefix, ew, "")
	plain := xansi.Strip(encl)
	for _, p := range pieces {
		if !strings.HasPrefix(xansi.Strip(p), plain) {
			return "", false
		}
	}
	first := edge - pw
	cw := max(indent, contMarkWidth)
	cont := edge - ew - cw
	if first < 1 || cont < 1 {
		return "", false
	}
	contPrefix := encl + "\x1b[m" + strings.Repeat(" ", cw-contMarkWidth) + contMark

	rows := wrapCode(code, first, cont)
	var b strings.Builder
	for i, r := range rows {
		if i == 0 {
			b.WriteString(prefix)
		} else {
			b.WriteByte('\n')
			b.WriteString(contPrefix)
		}
		b.WriteString(r)
	}
	return b.String(), true
}

// wrapCode breaks a styled line into rows of at most first cells, then
// cont cells, at cell boundaries, keeping every space; each row closes the
// styles in force at its end and opens them again at its start.
func wrapCode(code string, first, cont int) []string {
	rows := strings.Split(xansi.Hardwrap(code, first, true), "\n")
	if cont != first && len(rows) > 1 {
		rest := strings.Split(xansi.Hardwrap(strings.Join(rows[1:], ""), cont, true), "\n")
		rows = append(rows[:1], rest...)
	}
	var buf strings.Builder
	w := lipgloss.NewWrapWriter(&buf)
	_, _ = io.WriteString(w, strings.Join(rows, "\n"))
	_ = w.Close()
	return strings.Split(buf.String(), "\n")
}
