package ui

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// The screen is put together from blocks of measured lines instead of with
// lipgloss.JoinHorizontal and JoinVertical, which split and measure every
// line of every pane again on every frame. A pane's block is measured once,
// when it is drawn (see panecache.go); a frame only concatenates. The
// result is the same string, byte for byte, as the lipgloss joins give
// (TestFrameMatchesLipglossJoins).

// block is a piece of the screen split into lines, each with its width in
// cells.
type block struct {
	lines  []string
	widths []int
	width  int // the widest line's
}

// newBlock splits s and measures its lines as the lipgloss joins do: tabs
// become four spaces and CRLF an LF first.
func newBlock(s string) block {
	if strings.ContainsAny(s, "\t\r") {
		s = strings.ReplaceAll(s, "\t", "    ")
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	lines := strings.Split(s, "\n")
	b := block{lines: lines, widths: make([]int, len(lines))}
	for i, l := range lines {
		b.widths[i] = ansi.StringWidth(l)
		b.width = max(b.width, b.widths[i])
	}
	return b
}

// joinRow is lipgloss.JoinHorizontal(lipgloss.Top, cells...): the cells
// side by side, each line of a cell padded to the cell's width, shorter
// cells padded with blank lines at the bottom.
func joinRow(cells []block) block {
	if len(cells) == 1 {
		return cells[0]
	}
	height, width := 0, 0
	for _, c := range cells {
		height = max(height, len(c.lines))
		width += c.width
	}
	row := block{lines: make([]string, height), widths: make([]int, height), width: width}
	var sb strings.Builder
	for i := range height {
		sb.Reset()
		for _, c := range cells {
			w := 0
			if i < len(c.lines) {
				sb.WriteString(c.lines[i])
				w = c.widths[i]
			}
			pad(&sb, c.width-w)
		}
		row.lines[i], row.widths[i] = sb.String(), width
	}
	return row
}

// stack is lipgloss.JoinVertical(lipgloss.Left, …) of two blocks or more,
// their lines in order: every line padded to the widest. Nested left joins pad to a
// width the outer join's is at least, with spaces at the end, so one stack
// of all the pieces gives what joins nested in any way give.
func stack(blocks ...block) string {
	width, n, size := 0, 0, 0
	for _, b := range blocks {
		width = max(width, b.width)
		n += len(b.lines)
		for _, l := range b.lines {
			size += len(l)
		}
	}
	var sb strings.Builder
	sb.Grow(size + n*(width/4+1))
	first := true
	for _, b := range blocks {
		for i, l := range b.lines {
			if !first {
				sb.WriteByte('\n')
			}
			first = false
			sb.WriteString(l)
			pad(&sb, width-b.widths[i])
		}
	}
	return sb.String()
}

func pad(sb *strings.Builder, n int) {
	for ; n > 0; n-- {
		sb.WriteByte(' ')
	}
}
