package markdown

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"

	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	gast "github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/text"

	"github.com/fanout-dev/fanout/themes"
)

// Tables at narrow widths.
//
// glamour hands a table's cells to lipgloss's table, which, when the table
// is wider than the pane, narrows its columns by rules that look at cell
// widths only (the widest columns first, then towards each column's median
// cell) and then wraps every cell at its column's width: a column narrower
// than a word breaks the word ("averyveryve" / "rylongword") although the
// cell's other words could have been wrapped at their spaces. glamour has
// no option for it (WithTableWrap(false) truncates instead), and lipgloss
// measures a cell by its widest line.
//
// So a table whose lipgloss layout would break a word is laid out before
// glamour sees it: fixTables picks each column's width (at least its
// longest word where the pane allows, then room for the header, then the
// rest to the columns that still lack the most), and writes the line
// breaks into the source as "&#10;" (glamour unescapes entities in text,
// lipgloss keeps the newline) at spaces between words or after a hyphen.
// lipgloss then measures every column at most as
// wide as its width, keeps the widths, and wraps nothing. Only a word wider
// than its column is broken, by the same entity between its characters. A
// header wider than its column is shortened to what lipgloss would show
// ("…" at the end; lipgloss always shows headers on one line), so that it
// does not make lipgloss narrow the other columns. Where the pane is too
// narrow for some word whatever the layout, the cells are taken from the
// columns where that breaks the fewest words, and the layout is used only
// if it breaks fewer than lipgloss's. A table whose lipgloss layout breaks
// no word (after a hyphen aside, as lipgloss does) is left untouched, so
// its output is glamour's, byte for byte.
//
// Cost: a scan of the source for delimiter rows (".. | --- | .."), then a
// parse of each such table's own lines only, and, to learn lipgloss's
// widths, a lipgloss table of four rows (see lipglossWidths); sources
// without a "|" cost a bytes.IndexByte. The rewrite depends only on the table's lines and the
// pane width, so a table gets the same rewrite in Full and as a Stream
// piece. Only top-level tables (not indented, after a blank line) are laid
// out: a table in a list or quote has a width this scan does not know, and
// is left to glamour. So is a table whose cells this cannot measure with
// confidence (a header with markup, an unbreakable span wider than its
// column).

var delimRow = regexp.MustCompile(`^\|?[ \t]*:?-+:?[ \t]*(\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$`)

var tableParser = goldmark.New(goldmark.WithExtensions(extension.GFM))

// fixTables returns src with the top-level tables lipgloss would narrow at
// this width laid out in advance (see above); src itself when there are
// none.
func fixTables(src []byte, width int, th themes.Theme, mode renderMode) []byte {
	if bytes.IndexByte(src, '|') < 0 {
		return src
	}
	tw := frameFor(th, width).inner // the table's width in Full and in pieces
	if tw < 4 {
		return src
	}
	var edits []tableEdit
	inFence := false
	var fence []byte
	prevBlank := true
	var prevStart, prevEnd int = -1, -1
	for pos := 0; pos < len(src); {
		end := bytes.IndexByte(src[pos:], '\n')
		next := len(src)
		if end < 0 {
			end = len(src)
		} else {
			end += pos
			next = end + 1
		}
		line := src[pos:end]
		trim := bytes.TrimLeft(line, " ")
		if f := fenceOf(trim); f != nil && len(line)-len(trim) <= 3 {
			switch {
			case !inFence:
				inFence, fence = true, f
			case bytes.HasPrefix(trim, fence) && len(bytes.TrimSpace(trim[len(fence):])) == 0:
				inFence = false
			}
		} else if !inFence && prevStart >= 0 && bytes.IndexByte(line, '|') >= 0 && delimRow.Match(bytes.TrimRight(line, "\r")) {
			// line is a delimiter row under the header at prevStart.
			stop := next
			for stop < len(src) {
				e := bytes.IndexByte(src[stop:], '\n')
				l := src[stop:]
				if e >= 0 {
					l = src[stop : stop+e]
				}
				if len(bytes.TrimSpace(l)) == 0 {
					break
				}
				if e < 0 {
					stop = len(src)
					break
				}
				stop += e + 1
			}
			edits = append(edits, layoutTable(src, prevStart, stop, tw, th)...)
			pos, prevBlank, prevStart = stop, false, -1
			continue
		}
		blank := len(bytes.TrimSpace(line)) == 0
		prevStart, prevEnd = -1, -1
		if !inFence && prevBlank && !blank && len(trim) == len(line) && bytes.IndexByte(line, '|') >= 0 {
			prevStart, prevEnd = pos, end
		}
		_ = prevEnd
		prevBlank = blank || bytes.Equal(bytes.TrimSpace(line), []byte("<!-- -->"))
		pos = next
	}
	if len(edits) == 0 {
		return src
	}
	sort.Slice(edits, func(i, j int) bool { return edits[i].at < edits[j].at })
	out := make([]byte, 0, len(src)+len(edits)*5)
	last := 0
	for _, e := range edits {
		out = append(out, src[last:e.at]...)
		out = append(out, e.text...)
		last = e.end
	}
	return append(out, src[last:]...)
}

// fenceOf returns the fence a line opens or closes with, or nil.
func fenceOf(trim []byte) []byte {
	for _, c := range []byte{'`', '~'} {
		n := 0
		for n < len(trim) && trim[n] == c {
			n++
		}
		if n >= 3 {
			return trim[:n]
		}
	}
	return nil
}

// tableEdit replaces src[at:end] with text.
type tableEdit struct {
	at, end int
	text    string
}

const lineBreak = "&#10;"

// piece is a run of a cell's text: a word part (text or an unbreakable
// span) or a gap between words.
type piece struct {
	w        int  // cells it shows as
	gap      bool // spaces: a line may break here
	text     bool // plain text: a line may break between its characters
	hyphen   bool // text ending with "-", after which lipgloss may break
	at, end  int  // its source bytes (absolute)
	contents []byte
}

type cellRuns struct {
	pieces []piece
	width  int // the whole cell on one line
}

// layoutTable returns the edits laying out the table in src[from:to], or
// none if it needs none or cannot be measured.
func layoutTable(src []byte, from, to, tw int, th themes.Theme) []tableEdit {
	region := src[from:to]
	doc := tableParser.Parser().Parse(text.NewReader(region))
	tbl, ok := doc.FirstChild().(*extast.Table)
	if !ok || tbl.NextSibling() != nil {
		return nil
	}
	links := 0
	_ = gast.Walk(tbl, func(n gast.Node, entering bool) (gast.WalkStatus, error) {
		if entering && (n.Kind() == gast.KindLink || n.Kind() == gast.KindImage || n.Kind() == gast.KindAutoLink) {
			links++
		}
		return gast.WalkContinue, nil
	})
	linkSuffix := 2 + len(strconv.Itoa(max(links, 1)))
	code := th.Markdown.Code.StylePrimitive
	codeExtra := xansi.StringWidth(code.Prefix) + xansi.StringWidth(code.Suffix)

	var header []cellRuns
	var headerCells []gast.Node
	var rows [][]cellRuns
	for r := tbl.FirstChild(); r != nil; r = r.NextSibling() {
		var row []cellRuns
		for c := r.FirstChild(); c != nil; c = c.NextSibling() {
			cr := cellRuns{}
			measure(c, region, from, linkSuffix, codeExtra, &cr)
			for _, p := range cr.pieces {
				cr.width += p.w
			}
			row = append(row, cr)
			if r.Kind() == extast.KindTableHeader {
				headerCells = append(headerCells, c)
			}
		}
		if r.Kind() == extast.KindTableHeader {
			header = row
		} else {
			rows = append(rows, row)
		}
	}
	n := len(header)
	if n == 0 {
		return nil
	}
	// Room for the cells: the table's width less each column's padding
	// (glamour gives cells a margin of one cell each side, plus the style's
	// table margin as padding except where alignment removes one side) and
	// the column separators.
	budget := tw - (n - 1)
	pads := make([]int, n)
	for j := 0; j < n; j++ {
		pads[j] = cellPadding(th.Markdown.Table, tbl.Alignments, j)
		budget -= pads[j]
	}
	hw := make([]int, n)           // header widths
	full := make([]int, n)         // widest body cell on one line
	atom := make([]int, n)         // widest unbreakable span in the body
	chunk := make([]int, n)        // widest part of a word between hyphens
	hist := make([]map[int]int, n) // how many body chunks are how wide
	for j := range hist {
		hist[j] = map[int]int{}
	}
	for j, h := range header {
		hw[j] = h.width
	}
	for _, row := range rows {
		for j, c := range row {
			if j >= n {
				break
			}
			full[j] = max(full[j], c.width)
			a, h := 0, 0
			for _, p := range append(c.pieces, piece{gap: true}) {
				if p.gap {
					chunk[j] = max(chunk[j], h)
					hist[j][h]++
					h = 0
					continue
				}
				h += p.w
				if p.hyphen {
					chunk[j] = max(chunk[j], h)
					hist[j][h]++
					h = 0
				}
				if !p.text {
					a = max(a, p.w)
				}
			}
			atom[j] = max(atom[j], a)
		}
	}
	lw := lipglossWidths(header, rows, pads, tw)
	for j := range lw {
		lw[j] -= pads[j]
	}
	lbreaks := midWordBreaks(hist, lw)
	if lbreaks == 0 {
		return nil // lipgloss's own layout breaks no word: leave it alone
	}

	// Widths: the longest word first; if even those do not fit, the widest
	// columns give up cells (their long words will be broken).
	w := make([]int, n)
	sum := 0
	for j := range w {
		w[j] = max(chunk[j], 1)
		sum += w[j]
	}
	// Take each missing cell from the column where it adds the fewest
	// breaks inside words, from the widest column on a tie.
	for sum > budget {
		best, cost := -1, 0
		for j := range w {
			if w[j] <= 1 {
				continue
			}
			c := colBreaks(hist[j], w[j]-1) - colBreaks(hist[j], w[j])
			if best < 0 || c < cost || c == cost && w[j] > w[best] {
				best, cost = j, c
			}
		}
		if best < 0 {
			return nil
		}
		w[best]--
		sum--
	}
	if midWordBreaks(hist, w) >= lbreaks {
		return nil // every layout breaks words here, and this one no fewer
	}
	grow := func(target []int) {
		for sum < budget {
			best, need := -1, 0
			for j := range w {
				if d := target[j] - w[j]; d > need {
					best, need = j, d
				}
			}
			if best < 0 {
				return
			}
			w[best]++
			sum++
		}
	}
	headerTarget := make([]int, n)
	bodyTarget := make([]int, n)
	for j := range w {
		headerTarget[j] = hw[j]
		bodyTarget[j] = max(hw[j], full[j])
	}
	grow(headerTarget)
	grow(bodyTarget)

	var edits []tableEdit
	for j, c := range headerCells {
		if hw[j] <= w[j] {
			continue
		}
		e, ok := shortenHeader(c, region, from, w[j])
		if !ok {
			return nil
		}
		edits = append(edits, e)
	}
	for _, row := range rows {
		for j, c := range row {
			if j >= n || c.width <= w[j] {
				continue
			}
			if atom[j] > w[j] {
				return nil
			}
			edits = append(edits, wrapCell(c, w[j])...)
		}
	}
	return edits
}

// cellPadding is the horizontal room glamour's table style takes in column
// j besides the text (see glamour's TableElement.setStyles).
func cellPadding(t ansi.StyleTable, align []extast.Alignment, j int) int {
	p := 2 // lipgloss margin (0, 1)
	if t.Margin != nil {
		m := int(*t.Margin)
		p += 2 * m
		if j < len(align) && (align[j] == extast.AlignLeft || align[j] == extast.AlignRight) {
			p -= m
		}
	}
	return p
}

// measure appends the pieces of node's inline content to cr.
func measure(node gast.Node, region []byte, base, linkSuffix, codeExtra int, cr *cellRuns) {
	for c := node.FirstChild(); c != nil; c = c.NextSibling() {
		switch c := c.(type) {
		case *gast.Text:
			seg := c.Segment
			v := region[seg.Start:seg.Stop]
			i := 0
			for i < len(v) {
				j := i
				sp := v[i] == ' ' || v[i] == '\t'
				for j < len(v) && (v[j] == ' ' || v[j] == '\t') == sp {
					j++
				}
				if !sp {
					// a hyphen ends a piece: lipgloss may break after it
					if h := bytes.IndexByte(v[i:j], '-'); h >= 0 && i+h+1 < j {
						j = i + h + 1
					}
				}
				cr.pieces = append(cr.pieces, piece{
					w: xansi.StringWidth(string(v[i:j])), gap: sp, text: !sp,
					hyphen: !sp && v[j-1] == '-',
					at:     base + seg.Start + i, end: base + seg.Start + j,
					contents: v[i:j],
				})
				i = j
			}
		case *gast.Emphasis:
			measure(c, region, base, linkSuffix, codeExtra, cr)
		case *gast.CodeSpan:
			cr.pieces = append(cr.pieces, piece{w: xansi.StringWidth(string(c.Text(region))) + codeExtra}) //nolint:staticcheck
		case *gast.Link, *gast.Image:
			cr.pieces = append(cr.pieces, piece{w: xansi.StringWidth(string(c.Text(region))) + linkSuffix}) //nolint:staticcheck
		case *gast.AutoLink:
			cr.pieces = append(cr.pieces, piece{w: xansi.StringWidth(string(c.URL(region))) + linkSuffix})
		default:
			cr.pieces = append(cr.pieces, piece{w: xansi.StringWidth(string(c.Text(region)))}) //nolint:staticcheck
		}
	}
}

// wrapCell returns the edits wrapping a cell at width w: greedy, breaking
// at the gaps between words or after a hyphen, and between the characters
// of a word only when that part of it alone is wider than w.
func wrapCell(c cellRuns, w int) []tableEdit {
	var edits []tableEdit
	line := 0 // cells on the current line
	ps := c.pieces
	for i := 0; i < len(ps); {
		if ps[i].gap {
			i++
			continue
		}
		// the chunk: pieces up to the next gap or after the next hyphen
		k, cw := i, 0
		for k < len(ps) && !ps[k].gap {
			cw += ps[k].w
			k++
			if ps[k-1].hyphen {
				break
			}
		}
		if line > 0 {
			var g *piece // the gap before the chunk; none after a hyphen
			gw := 0
			if ps[i-1].gap {
				g, gw = &ps[i-1], ps[i-1].w
			}
			if line+gw+cw <= w {
				line += gw + cw
				i = k
				continue
			}
			switch {
			case g != nil:
				edits = append(edits, tableEdit{at: g.at, end: g.end, text: lineBreak})
			case ps[i].text:
				edits = append(edits, tableEdit{at: ps[i].at, end: ps[i].at, text: lineBreak})
			default: // no source position to break at: run over
				line += cw
				i = k
				continue
			}
			line = 0
		}
		if cw <= w {
			line = cw
			i = k
			continue
		}
		// wider than the column: break it between characters
		for ; i < k; i++ {
			p := ps[i]
			if !p.text || bytes.ContainsAny(p.contents, "&\\") {
				// a span, or text with an entity or escape that a break
				// could cut in two: run over
				line += p.w
				continue
			}
			s := string(p.contents)
			off := p.at
			for s != "" {
				cl, clw := firstCluster(s)
				if line+clw > w && line > 0 {
					edits = append(edits, tableEdit{at: off, end: off, text: lineBreak})
					line = 0
				}
				line += clw
				off += len(cl)
				s = s[len(cl):]
			}
		}
	}
	return edits
}

func firstCluster(s string) (string, int) {
	return xansi.FirstGraphemeCluster(s, xansi.GraphemeWidth)
}

// shortenHeader returns the edit truncating a plain header cell to w cells
// the way lipgloss would show it; ok is false for a header with markup
// (its source is not the text it shows).
func shortenHeader(c gast.Node, region []byte, base, w int) (tableEdit, bool) {
	start, stop := -1, -1
	for n := c.FirstChild(); n != nil; n = n.NextSibling() {
		t, ok := n.(*gast.Text)
		if !ok || stop >= 0 && t.Segment.Start != stop {
			return tableEdit{}, false
		}
		if start < 0 {
			start = t.Segment.Start
		}
		stop = t.Segment.Stop
	}
	if start < 0 {
		return tableEdit{}, false
	}
	v := region[start:stop]
	if bytes.ContainsAny(v, "\\&*_`[]<>~!:") {
		return tableEdit{}, false
	}
	return tableEdit{
		at: base + start, end: base + stop,
		text: xansi.Truncate(string(v), w, "…"),
	}, true
}

// midWordBreaks counts the line breaks inside words a layout with these
// content widths makes: a chunk (a word, or its part between hyphens) c
// cells wide in a column w wide is broken ceil(c/w)-1 times.
func midWordBreaks(hist []map[int]int, widths []int) int {
	n := 0
	for j, h := range hist {
		n += colBreaks(h, widths[j])
	}
	return n
}

func colBreaks(h map[int]int, w int) int {
	w = max(w, 1)
	n := 0
	for c, k := range h {
		n += k * ((c+w-1)/w - 1)
	}
	return n
}

// lipglossWidths returns the column widths (padding included) lipgloss's
// table picks for these cells at width tw, drawn as glamour draws it (no
// border but the column separators). Its resizer looks only at each
// column's widest, narrowest and median cell width, so a table of four
// rows stands in for the real one: the header, then rows of x's as wide as
// the body's narrowest, median and widest cells. The widths are read off
// its header rule. TestTableWidthsMatchLipgloss checks them against tables
// of the real cells.
//
// The stand-in depends only on those widths, the paddings and the table's
// width, so its answer is remembered: a table streamed row by row (see
// openBlock) asks the same question for every row.
func lipglossWidths(header []cellRuns, rows [][]cellRuns, pads []int, tw int) []int {
	n := len(header)
	hs := make([]string, n)
	lo, mid, hi := make([]string, n), make([]string, n), make([]string, n)
	key := make([]byte, 0, 64)
	key = fmt.Appendf(key, "%d|%v|", tw, pads)
	for j, h := range header {
		hs[j] = strings.Repeat("x", h.width)
		var ws []int
		for _, r := range rows {
			if j < len(r) {
				ws = append(ws, r[j].width)
			}
		}
		if len(ws) == 0 {
			key = fmt.Appendf(key, "%d,-;", h.width)
			continue
		}
		m := medianOf(ws)
		sort.Ints(ws)
		lo[j] = strings.Repeat("x", ws[0])
		mid[j] = strings.Repeat("x", m)
		hi[j] = strings.Repeat("x", ws[len(ws)-1])
		key = fmt.Appendf(key, "%d,%d,%d,%d;", h.width, ws[0], m, ws[len(ws)-1])
	}
	widthsMu.Lock()
	known, ok := widthsCache[string(key)]
	widthsMu.Unlock()
	if ok {
		return slices.Clone(known)
	}
	widths := standInWidths(hs, lo, mid, hi, pads, tw)
	widthsMu.Lock()
	if len(widthsCache) >= maxWidthsCache {
		clear(widthsCache)
	}
	widthsCache[string(key)] = slices.Clone(widths)
	widthsMu.Unlock()
	return widths
}

const maxWidthsCache = 256

var (
	widthsMu    sync.Mutex
	widthsCache = map[string][]int{}
)

// standInWidths renders the stand-in table and reads its column widths.
func standInWidths(hs, lo, mid, hi []string, pads []int, tw int) []int {
	n := len(hs)
	tb := table.New().Width(tw).Wrap(true).Headers(hs...).Rows(lo, mid, hi).
		StyleFunc(func(_, col int) lipgloss.Style {
			// the room glamour's style takes; the split does not matter
			return lipgloss.NewStyle().Margin(0, 1).PaddingRight(max(pads[col]-2, 0))
		}).
		Border(lipgloss.NormalBorder()).
		BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false)
	lines := strings.SplitN(tb.String(), "\n", 3)
	widths := make([]int, 0, n)
	if len(lines) > 1 {
		for _, part := range strings.Split(lines[1], "┼") {
			widths = append(widths, xansi.StringWidth(part))
		}
	}
	if len(widths) != n {
		widths = make([]int, n) // cannot tell: as if every column collapsed
	}
	return widths
}

// medianOf is lipgloss's median: the middle of the sorted widths, the mean
// of the two middle ones for an even count.
func medianOf(ws []int) int {
	if len(ws) == 0 {
		return 0
	}
	s := append([]int(nil), ws...)
	sort.Ints(s)
	m := len(s) / 2
	if len(s)%2 == 0 {
		return (s[m-1] + s[m]) / 2
	}
	return s[m]
}
