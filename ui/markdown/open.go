package markdown

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"

	"github.com/fanout-dev/fanout/themes"
)

// An open block is the one top-level block the tail holds while it grows: a
// long table, list, quote, paragraph or code block that no later block has
// closed yet. Rendering it whole on every frame costs more with every row,
// so once it outgrows chunkSize it is rendered in pieces: the source up to
// a cut inside the block is frozen into a piece, rendered once per (width,
// theme), and only the piece after the last cut (the live piece) is
// rendered again, so a frame costs what the live piece costs, whatever the
// block's length.
//
// A piece is rendered as a block of its own, so the seams between pieces
// show what a block of that kind shows when split there:
//
//   - a list is cut between its items, and glamour renders items alone (it
//     numbers an ordered list from its first item's number and ignores
//     looseness), so the seams do not show;
//   - code is cut between lines, which it does not reflow;
//   - a table is cut after every row (see tableRowsOnly), each piece
//     rendered behind the table's header, which is then removed, and before
//     a template row of the widest cells seen so far (see template), so the
//     pieces share their column widths until a wider cell arrives;
//   - a quote is cut where a block inside it starts, or between its lines
//     when one paragraph inside it is long; a paragraph is cut between
//     lines or words: the cut shows as a line break until the block closes.
//
// When the block closes (a later block starts, so it joins the stable
// prefix) or the answer ends (Finish), it is rendered whole once — unless
// every cut was exact (see exactCut), when the pieces already are the whole
// render — and the screen is Full's again. Everything above the open block
// is always Full's.
type openBlock struct {
	kind   ast.NodeKind
	start  int    // offset of the block in src (the stable prefix's end)
	prefix string // put before every piece but the first: a table's header and delimiter rows, a fence's opening line
	cuts   []int  // offsets in src where frozen pieces end
	pieces []string

	// The live piece: prefix + src[last cut:] as prepared for rendering.
	live    []byte
	liveLen int // len(src) when live was made

	// The frozen pieces rendered for one (width, theme).
	key      cacheKey
	rendered int      // pieces rendered into lines
	lines    []string // their lines, framed, seams trimmed
	head     int      // for tables: how many rendered lines the header takes (-1 not known)
	headFor  string   // the template head was measured with

	// For tables: the widest cell seen in each column, in cells.
	colMax []int
	// approx: a cut shows (see openBlock), so the pieces are not the
	// block's own render and Finish renders it whole.
	approx bool
}

// chunkSize is how long the live piece may grow before a piece is frozen
// from it. glamour takes about 2–3 µs a byte plus ~0.2 ms a call here, so
// this bounds a frame's render of the live piece to a millisecond or two.
// Where a cut does not show (between list items, code lines, a quote's
// paragraphs, a table's rows, whose pieces share their column widths
// through the template row) pieces are small; a cut that shows (a
// paragraph gets a line break) waits for a larger live piece, so that a
// paragraph of ordinary length is never cut at all.
func chunkSize(kind ast.NodeKind) int {
	switch kind {
	case ast.KindParagraph:
		return approxSize
	}
	return 256
}

// approxSize is how long the live piece may grow before it is cut where
// the cut shows: inside a paragraph, alone or in a quote.
const approxSize = 1024

// openable reports the kinds an open block may be rendered in pieces.
func openable(kind ast.NodeKind) bool {
	switch kind {
	case ast.KindList, ast.KindBlockquote, ast.KindParagraph, ast.KindFencedCodeBlock, ast.KindCodeBlock, extast.KindTable:
		return true
	}
	return false
}

// startOpen makes the tail an open block when it is one block of a kind
// that can be split, long enough to be worth it. It is called after the
// tail was analysed whole.
func (s *Stream) startOpen(region []byte, tailAt int, a analysis) {
	s.open = nil
	tail := region[tailAt:]
	if s.baseline || s.finished || len(tail) <= chunkSize(ast.KindList) {
		return
	}
	var in []topNode // the tail's blocks
	for _, t := range a.tops {
		if t.lo < 0 {
			return
		}
		if t.lo >= tailAt {
			in = append(in, t)
		}
	}
	if len(in) != 1 || in[0].lo != tailAt || !openable(in[0].kind) {
		return
	}
	o := &openBlock{kind: in[0].kind, start: s.stableEnd, head: -1}
	switch o.kind {
	case extast.KindTable:
		// The header and delimiter rows: the table's first two lines.
		i := bytes.IndexByte(tail, '\n')
		j := -1
		if i >= 0 {
			j = bytes.IndexByte(tail[i+1:], '\n')
		}
		if j < 0 {
			return
		}
		o.prefix = string(tail[:i+1+j+1])
	case ast.KindFencedCodeBlock:
		// The opening fence, as plain text: an open fence is rendered
		// plain anyway (see fenceRewrite).
		line := tail
		if i := bytes.IndexByte(tail, '\n'); i >= 0 {
			line = tail[:i]
		}
		ind := len(line) - len(bytes.TrimLeft(line, " "))
		run := ind
		for run < len(line) && line[run] == line[ind] {
			run++
		}
		o.prefix = string(line[:run]) + plainLang + "\n"
	}
	s.open = o
	if !s.scanOpen() {
		s.open = nil
	}
}

// last is where the live piece starts in src.
func (o *openBlock) last() int {
	if len(o.cuts) == 0 {
		return o.start
	}
	return o.cuts[len(o.cuts)-1]
}

// livePrefix is what the live piece's source starts with before the text.
func (o *openBlock) livePrefix() string {
	if len(o.cuts) == 0 {
		return ""
	}
	return o.prefix
}

// scanOpen analyses the live piece after text arrived, freezing a piece
// when the live one outgrew chunkSize. It returns false when the live
// piece may no longer be part of the block (it parses as more than one
// block, or as another kind): the caller then analyses the tail whole,
// which decides where the block ends.
func (s *Stream) scanOpen() bool {
	o := s.open
	for range 2 { // a second pass after freezing: the new live piece is small
		pre := o.livePrefix()
		src := make([]byte, 0, len(pre)+len(s.src)-o.last())
		src = append(append(src, pre...), s.src[o.last():]...)
		a := analyze(src)
		if a.hasRefs || len(a.tops) != 1 || a.tops[0].kind != o.kind || a.tops[0].lo != 0 {
			return false
		}
		if o.kind == extast.KindTable {
			o.measureRows(src)
		}
		// A table freezes every row as it completes (see tableRowsOnly);
		// other blocks when the live piece has outgrown chunkSize.
		if o.kind != extast.KindTable && len(src)-len(pre) <= chunkSize(o.kind) {
			o.live, o.liveLen = prepare(src, a.edits, 0, len(src)), len(s.src)
			return true
		}
		c := o.cutIn(src, len(pre), a)
		if c <= len(pre) {
			o.live, o.liveLen = prepare(src, a.edits, 0, len(src)), len(s.src)
			return true
		}
		o.pieces = append(o.pieces, string(prepare(src, a.edits, 0, c)))
		o.cuts = append(o.cuts, o.last()+c-len(pre))
		o.approx = o.approx || !o.exactCut(src, c)
	}
	return false // cannot happen: the second pass's live piece is short
}

// cutIn returns where in src (a piece's source: the prefix, then from) the
// piece should end, so that the rest starts a valid piece of the same
// block; 0 when there is no such place yet. It picks the last such place
// before the line still arriving, so the live piece is as short as it can
// be.
func (o *openBlock) cutIn(src []byte, from int, a analysis) int {
	// Only complete lines are frozen, except in a one-line paragraph.
	end := bytes.LastIndexByte(src, '\n') + 1
	switch o.kind {
	case ast.KindList:
		// The last item may still grow (lazy lines, nested items): cut
		// before it.
		for i := len(a.firstChildren) - 1; i >= 0; i-- {
			if c := a.firstChildren[i]; c > from {
				return c
			}
		}
		return 0
	case extast.KindTable, ast.KindFencedCodeBlock, ast.KindCodeBlock:
		// Rows and code lines stand alone. A piece of code starts with a
		// line that is not blank: the seam drops the leading blank lines of
		// a piece (and an indented code block does not start with one).
		for c := end; c > from; c = lineStart(src, c-1) {
			if o.kind == extast.KindTable || c < len(src) && !blankLine(src[c:]) {
				return c
			}
		}
		return 0
	case ast.KindBlockquote:
		for i := len(a.firstChildren) - 1; i >= 0; i-- {
			if c := a.firstChildren[i]; c > from && c < end {
				return lineStart(src, c)
			}
		}
		// One long paragraph inside: cut between its lines, at a line
		// that starts with '>' and then a letter (nothing else a line can
		// start a new quote with can open another block).
		if len(src)-from <= approxSize {
			return 0
		}
		for c := lineStart(src, max(0, end-1)); c > from; c = lineStart(src, c-1) {
			if quoteText(src[c:]) && inlineBalanced(src[from:c]) {
				return c
			}
		}
		return 0
	case ast.KindParagraph:
		// At a word that starts with a letter, so that the piece after
		// the cut is a paragraph too, and where the piece before closes
		// its code spans and emphasis.
		for c := len(src) - 1; c > from; c-- {
			if src[c-1] != ' ' && src[c-1] != '\n' {
				continue
			}
			if r, _ := utf8.DecodeRune(src[c:]); unicode.IsLetter(r) && inlineBalanced(src[from:c]) {
				if c >= len(src)-8 {
					continue // the word still arriving
				}
				return c
			}
		}
		return 0
	}
	return 0
}

// exactCut reports whether the cut at c in a live piece's source is one
// whose seam renders as Full renders it (the equivalence tests hold the
// pieces to Full row for row there): between a list's items, or where a
// block inside a quote starts. A table's columns depend on all its rows,
// code may be highlighted once its fence closes, and a paragraph reflows.
func (o *openBlock) exactCut(src []byte, c int) bool {
	switch o.kind {
	case ast.KindList:
		return true
	case ast.KindBlockquote:
		// A line cut (inside a quoted paragraph) starts with "> " and a
		// letter after a line that is not blank inside the quote.
		prev := bytes.TrimSpace(src[lineStart(src, max(0, c-1)):c])
		return string(prev) == ">" || len(prev) == 0
	}
	return false
}

// lineStart is the start of the line holding offset c.
func lineStart(src []byte, c int) int { return bytes.LastIndexByte(src[:c], '\n') + 1 }

func blankLine(b []byte) bool {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return len(bytes.TrimSpace(b)) == 0
}

// quoteText reports a quote line whose text starts with a letter.
func quoteText(line []byte) bool {
	line = bytes.TrimLeft(line, " ")
	if len(line) == 0 || line[0] != '>' {
		return false
	}
	line = bytes.TrimLeft(line[1:], " ")
	r, _ := utf8.DecodeRune(line)
	return unicode.IsLetter(r)
}

// inlineBalanced reports whether a piece closes what it opens as far as a
// cheap count can tell: an even number of backticks and of asterisks and
// underscores. A cut inside a code span or emphasis would show the markers
// until the block closes.
func inlineBalanced(b []byte) bool {
	return bytes.Count(b, []byte("`"))%2 == 0 && bytes.Count(b, []byte("*"))%2 == 0
}

// openLines brings the frozen pieces' lines up to date for (width, th) and
// returns them with the live piece rendered: the lines between the stable
// prefix and the document suffix.
func (s *Stream) openLines(width int, th themes.Theme, f frame) (frozen []string, live string) {
	o := s.open
	k := cacheKey{width: width, theme: th.Name}
	if o.key != k {
		o.key, o.rendered, o.lines, o.head = k, 0, nil, -1
	}
	// Only the block's first piece is rendered as what it is, the first
	// block of the answer or not; the others lose their leading lines at
	// the seam anyway, so they skip the separator's cost.
	first := len(s.blocks) == 0
	for ; o.rendered < len(o.pieces); o.rendered++ {
		src := o.pieces[o.rendered]
		out := s.renderPiece(src+o.sentinel(src)+o.template(src), first || o.rendered > 0, width, th)
		for _, l := range o.seam(s, out, o.rendered > 0, true, width, th) {
			o.lines = append(o.lines, frameLine(f.indent, l))
		}
	}
	if len(o.pieces) == 0 {
		return nil, s.renderPiece(string(o.live), first, width, th)
	}
	if o.kind == extast.KindTable && bytes.IndexByte(o.live[min(len(o.prefix), len(o.live)):], '\n') < 0 {
		// tableRowsOnly: the row still arriving is not shown.
		return o.lines, ""
	}
	src := string(o.live)
	out := s.renderPiece(src+o.template(src), true, width, th)
	return o.lines, strings.Join(o.seam(s, out, true, false, width, th), "\n")
}

// tableRowsOnly: a long table streams row by row. Each row is frozen into
// a piece of its own as soon as its line is complete, rendered once behind
// the header and before the template row, so that every frame with no new
// row costs no render at all; the row still arriving is not shown until
// its line ends (a fraction of a second at any token rate worth the
// name), which is also how a table is read: a row at a time.

// sentinelWord marks the line a sentinel renders to.
const sentinelWord = "fanoutseamsentinel"

// sentinel is what a frozen piece is rendered with after it, so that its
// last row renders as it does with more of the block after it (glamour
// ends a list's last item, a quote's last paragraph and a code block's
// last line differently): one more item, quote paragraph or code line,
// whose lines are then cut off (see seam). Tables and paragraphs have no
// sentinel: their pieces' trailing blank lines are trimmed instead.
func (o *openBlock) sentinel(piece string) string {
	switch o.kind {
	case ast.KindList:
		// The same marker, or the sentinel would start another list.
		line := strings.TrimLeft(piece, " ")
		ind := piece[:len(piece)-len(line)]
		if line == "" {
			return ""
		}
		switch line[0] {
		case '-', '*', '+':
			return ind + line[:1] + " " + sentinelWord + "\n"
		}
		i := strings.IndexFunc(line, func(r rune) bool { return r < '0' || r > '9' })
		if i <= 0 || (line[i] != '.' && line[i] != ')') {
			return ""
		}
		return ind + "1" + line[i:i+1] + " " + sentinelWord + "\n"
	case ast.KindFencedCodeBlock:
		return sentinelWord + "\n"
	case ast.KindCodeBlock:
		return "    " + sentinelWord + "\n"
	case ast.KindBlockquote:
		return ">\n> " + sentinelWord + "\n"
	}
	return ""
}

func (o *openBlock) hasSentinel() bool {
	switch o.kind {
	case ast.KindList, ast.KindFencedCodeBlock, ast.KindCodeBlock, ast.KindBlockquote:
		return true
	}
	return false
}

// seam returns a piece's rendered lines as they continue the piece before:
// for a frozen piece, the sentinel's line and what follows it cut off
// (without a sentinel, its trailing blank lines); for a piece after the
// first, its leading blank lines and, for a table, the repeated header.
func (o *openBlock) seam(s *Stream, out string, after, frozen bool, width int, th themes.Theme) []string {
	lines := strings.Split(out, "\n")
	if o.kind == extast.KindTable {
		lines = dropTemplate(lines)
	}
	if frozen {
		cut := -1
		if o.hasSentinel() {
			for i := len(lines) - 1; i >= 0; i-- {
				if strings.Contains(ansi.Strip(lines[i]), sentinelWord) {
					cut = i
					break
				}
			}
		}
		if cut >= 0 {
			lines = lines[:cut]
		} else {
			for len(lines) > 0 && visiblyBlank(lines[len(lines)-1]) {
				lines = lines[:len(lines)-1]
			}
		}
	}
	if after {
		for len(lines) > 0 && visiblyBlank(lines[0]) {
			lines = lines[1:]
		}
		if o.kind == extast.KindTable {
			if t := o.template(o.prefix); o.head < 0 || o.headFor != t {
				o.head, o.headFor = headerLines(s.renderPiece(o.prefix+t, true, width, th)), t
			}
			lines = lines[min(o.head, len(lines)):]
		}
	}
	return lines
}

// templateFill fills the cells of a table's template row: one cell wide,
// and not a character a table of an answer is likely to hold.
const templateFill = "¤"

// template is a row put after a table piece (src) so that the piece sizes
// its columns as if it held the widest cell seen in each column so far:
// pieces then share their column widths, unless a wider cell arrives
// later. Its lines are removed from the render (dropTemplate).
func (o *openBlock) template(src string) string {
	if o.kind != extast.KindTable || len(o.colMax) == 0 {
		return ""
	}
	var b strings.Builder
	if !strings.HasSuffix(src, "\n") {
		b.WriteByte('\n')
	}
	b.WriteByte('|')
	for _, w := range o.colMax {
		b.WriteString(" " + strings.Repeat(templateFill, max(1, w)) + " |")
	}
	b.WriteByte('\n')
	return b.String()
}

// measureRows notes the width of every cell of the complete table rows in
// src, in the columns the header defines.
func (o *openBlock) measureRows(src []byte) {
	if o.colMax == nil {
		o.colMax = make([]int, len(tableCells(strings.SplitN(o.prefix, "\n", 2)[0])))
	}
	end := bytes.LastIndexByte(src, '\n')
	for _, line := range strings.Split(string(src[:max(0, end)]), "\n") {
		for i, c := range tableCells(line) {
			if i >= len(o.colMax) {
				break
			}
			c = strings.NewReplacer("**", "", "`", "").Replace(c)
			o.colMax[i] = max(o.colMax[i], ansi.StringWidth(c))
		}
	}
}

// tableCells splits a table row into its cells' text.
func tableCells(line string) []string {
	line = strings.TrimSpace(line)
	line = strings.TrimPrefix(line, "|")
	if strings.HasSuffix(line, "|") && !strings.HasSuffix(line, "\\|") {
		line = line[:len(line)-1]
	}
	var cells []string
	start := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '|':
			cells = append(cells, strings.TrimSpace(line[start:i]))
			start = i + 1
		}
	}
	return append(cells, strings.TrimSpace(line[start:]))
}

// dropTemplate removes the template row's lines: the last run of lines
// holding templateFill.
func dropTemplate(lines []string) []string {
	end := -1
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], templateFill) {
			end = i
			break
		}
	}
	if end < 0 {
		return lines
	}
	start := end
	for start > 0 && strings.Contains(lines[start-1], templateFill) {
		start--
	}
	return append(lines[:start:start], lines[end+1:]...)
}

// headerLines is how many lines a table's header takes, its rule included,
// from the render of a table with no rows: the lines up to the first that
// holds no letter or digit (the rule under the header).
func headerLines(out string) int {
	lines := strings.Split(out, "\n")
	n := 0
	for len(lines) > 0 && visiblyBlank(lines[0]) {
		lines, n = lines[1:], n+1
	}
	for i, l := range lines {
		if !strings.ContainsFunc(ansi.Strip(l), func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) {
			return i + 1 // not counting the leading blank lines: seam drops them first
		}
	}
	return 0
}

func visiblyBlank(l string) bool { return strings.TrimSpace(ansi.Strip(l)) == "" }

// frameLine puts the document's indent before one line, as frameLines does.
func frameLine(indent, line string) string {
	if strings.IndexByte(line, '\x1b') < 0 {
		return trimSpaces(indent + line)
	}
	return indent + line
}
