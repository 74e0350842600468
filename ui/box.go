package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// A pane's box is its border around its lines. lipgloss draws it by
// wrapping, aligning and measuring every line three or four times; here
// the border's pieces are taken once from lipgloss for each style and
// width, and a box whose lines need none of lipgloss's rewriting (each
// fits, has no tab, carriage return or hyperlink, and ends with its style
// closed, so lipgloss's wrap writer adds nothing) is put together from
// them with each line measured once. Any other box is left to lipgloss.
// TestBoxMatchesLipgloss holds the two to the same bytes.

// boxEdges are the styled pieces of a box's border at one width.
type boxEdges struct {
	top, bottom, left, right string
}

// boxFrames keeps the edges of the styles and widths in use.
type boxFrames struct {
	edges map[boxEdgesKey]boxEdges
}

type boxEdgesKey struct {
	border lipgloss.Border
	fg     string
	w      int
}

// edgesOf draws a box of style at width w around one marked cell and cuts
// its border out of it.
func edgesOf(style lipgloss.Style, w int) (boxEdges, bool) {
	const mark = "X" // one cell; no border glyph or colour sequence holds it
	lines := strings.Split(style.Height(3).MaxHeight(3).Render(mark), "\n")
	if len(lines) != 3 {
		return boxEdges{}, false
	}
	mid := lines[1]
	at := strings.Index(mid, mark)
	pad := strings.Repeat(" ", w-3)
	if at < 0 || !strings.HasPrefix(mid[at+len(mark):], pad) {
		return boxEdges{}, false
	}
	return boxEdges{top: lines[0], bottom: lines[2], left: mid[:at], right: mid[at+len(mark)+len(pad):]}, true
}

// box draws header, body and footer in style's w×h box, as
// style.Render(lipgloss.JoinVertical(lipgloss.Left, header, body…,
// footer)) draws them; ok is false when it must be left to lipgloss.
func (f *boxFrames) box(style lipgloss.Style, w, h int, header string, body []string, footer string) (block, bool) {
	innerW := w - 2
	if w < 4 || h < 5 || len(body) != h-4 {
		return block{}, false
	}
	k := boxEdgesKey{border: style.GetBorderStyle(), fg: colorKey(style), w: w}
	e, ok := f.edges[k]
	if !ok {
		if e, ok = edgesOf(style, w); !ok {
			return block{}, false
		}
		if f.edges == nil || len(f.edges) > 64 {
			f.edges = map[boxEdgesKey]boxEdges{}
		}
		f.edges[k] = e
	}
	b := block{lines: make([]string, 0, h), widths: make([]int, h), width: w}
	b.lines = append(b.lines, e.top)
	var sb strings.Builder
	add := func(l string) bool {
		if !plainLine(l) {
			return false
		}
		lw := ansi.StringWidth(l)
		if lw > innerW {
			return false
		}
		sb.Reset()
		sb.Grow(len(e.left) + len(l) + innerW - lw + len(e.right))
		sb.WriteString(e.left)
		sb.WriteString(l)
		pad(&sb, innerW-lw)
		sb.WriteString(e.right)
		b.lines = append(b.lines, sb.String())
		return true
	}
	if !add(header) {
		return block{}, false
	}
	for _, l := range body {
		if !add(l) {
			return block{}, false
		}
	}
	if !add(footer) {
		return block{}, false
	}
	b.lines = append(b.lines, e.bottom)
	for i := range b.widths {
		b.widths[i] = w
	}
	return b, true
}

// plainLine reports whether lipgloss would draw l in a box as it is: no
// tab or carriage return (rewritten), no OSC sequence (a hyperlink, whose
// state lipgloss carries over lines), and no style left open at its end
// (the last escape sequence is a reset), which lipgloss would close and
// open again around the line break.
func plainLine(l string) bool {
	if strings.ContainsAny(l, "\t\r\n") {
		return false
	}
	i := strings.LastIndexByte(l, '\x1b')
	if i < 0 {
		return true
	}
	if strings.Contains(l, "\x1b]") {
		return false
	}
	rest := l[i:]
	return strings.HasPrefix(rest, "\x1b[m") || strings.HasPrefix(rest, "\x1b[0m")
}

// colorKey tells border colours apart, by type too: an indexed colour
// and the RGB it stands for are written differently.
func colorKey(style lipgloss.Style) string {
	return fmt.Sprintf("%T %v", style.GetBorderTopForeground(), style.GetBorderTopForeground())
}
