package markdown

import (
	"fmt"
	"strings"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// What a user sees: renders are compared as screens, grids of cells, each a
// grapheme with its style and hyperlink, one row per line. The style is
// read with the same SGR decoder the terminal stack uses, and it carries
// over line ends as it does on a terminal, so equal screens mean equal
// pixels however the escape sequences were spelled.
//
// The one normalisation: trailing blank cells are dropped from each row
// when they are invisible (a space with no background, reverse, underline,
// strike-through or link). glamour pads every line to the wrap width with
// such spaces, and a line split by a block boundary is padded per piece
// (see Stream). Rows themselves, blank ones included, must match one for
// one.

type cell struct {
	content string
	style   uv.Style
	link    uv.Link
}

func (c cell) equal(o cell) bool {
	return c.content == o.content && c.link == o.link && c.style.Equal(&o.style)
}

func (c cell) invisibleBlank() bool {
	s := c.style
	return c.content == " " && c.link == (uv.Link{}) && s.Bg == nil &&
		s.Underline == uv.UnderlineStyleNone &&
		s.Attrs&(uv.AttrReverse|uv.AttrStrikethrough) == 0
}

// screen decodes s into rows of cells.
func screen(s string) [][]cell {
	var (
		rows  [][]cell
		row   []cell
		pen   uv.Style
		link  uv.Link
		state byte
		p     = ansi.NewParser()
	)
	for len(s) > 0 {
		seq, width, n, newState := ansi.DecodeSequence(s, state, p)
		state = newState
		s = s[n:]
		switch {
		case seq == "\n":
			rows = append(rows, trimRow(row))
			row = nil
		case strings.HasPrefix(seq, "\x1b[") && strings.HasSuffix(seq, "m"):
			uv.ReadStyle(p.Params(), &pen)
		case strings.HasPrefix(seq, "\x1b]"):
			if p.Command() == 8 {
				link = uv.Link{}
				uv.ReadLink(p.Data(), &link)
			}
		case strings.HasPrefix(seq, "\x1b"):
			// Other escape sequences draw nothing.
		case width == 0 && len(row) > 0 && seq != "\t":
			row[len(row)-1].content += seq // zero-width: joins the cell before
		default:
			row = append(row, cell{content: seq, style: pen, link: link})
		}
	}
	return append(rows, trimRow(row))
}

func trimRow(row []cell) []cell {
	for len(row) > 0 && row[len(row)-1].invisibleBlank() {
		row = row[:len(row)-1]
	}
	return row
}

func plain(row []cell) string {
	var b strings.Builder
	for _, c := range row {
		b.WriteString(c.content)
	}
	return b.String()
}

func describe(c cell) string {
	return fmt.Sprintf("%q style=%q link=%q", c.content, c.style.String(), c.link.URL)
}

// screenDiff returns "" when got and want show the same screen, else a
// readable account of the differences: the rows as plain text, marked,
// and for a row whose text matches, the first cell whose style differs.
func screenDiff(got, want string) string {
	g, w := screen(got), screen(want)
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(g), len(w)) && shown < 6; i++ {
		var gr, wr []cell
		if i < len(g) {
			gr = g[i]
		}
		if i < len(w) {
			wr = w[i]
		}
		if rowsEqual(gr, wr) {
			continue
		}
		shown++
		fmt.Fprintf(&b, "row %d:\n  want |%s|\n  got  |%s|\n", i, plain(wr), plain(gr))
		if plain(gr) == plain(wr) {
			for j := range gr {
				if !gr[j].equal(wr[j]) {
					fmt.Fprintf(&b, "  same text, style differs at cell %d:\n    want %s\n    got  %s\n", j, describe(wr[j]), describe(gr[j]))
					break
				}
			}
		}
	}
	if shown == 0 {
		return ""
	}
	if len(g) != len(w) {
		fmt.Fprintf(&b, "(%d rows, want %d)\n", len(g), len(w))
	}
	return b.String()
}

func rowsEqual(a, b []cell) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].equal(b[i]) {
			return false
		}
	}
	return true
}
