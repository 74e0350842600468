package markdown

import (
	"charm.land/glamour/v2/ansi"
	xansi "github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/themes"
)

// Wrapping fixes (issue 11). glamour lays a block out by wrapping it once
// more inside every enclosing block that has a margin writer (document,
// block quote, list): the enclosing block's lipgloss.Wrap runs over lines
// its children have already laid out, and the lines it breaks come out at
// the enclosing block's left edge, without the child's own prefix. Two
// defects follow from that, and a third from lipgloss's table; each is
// fixed here, in the one render path Full and Stream share
// (Renderer.render and newTermRenderer), so both stay equal:
//
//   - Block quotes (quoteStyle): glamour narrows a quote by its Indent (1)
//     but writes its IndentToken ("│ ", two cells) that many times, so
//     every quote line is one cell wider than the room it was wrapped for;
//     the enclosing wrap then breaks any line that filled the quote,
//     leaving the tail (or a whole long word) without its bar.
//   - Code blocks: glamour never wraps code itself; a line longer than the
//     pane is broken by the enclosing wrap and its continuations land at
//     the paragraph margin, reading like prose. See codewrap.go.
//   - Tables: lipgloss's table sizes columns without looking at word
//     lengths and then breaks words in the columns it narrowed. See
//     tablewrap.go.
//
// Left alone: a list item's wrapped lines start at the list's edge, not
// under the item's text. glamour writes the bullet and the text into the
// list's block and wraps them there as one paragraph; laying them out
// again would need the places the wrap dropped a space, which its output
// no longer tells (a code line's marker carries the line; item text goes
// through no hook of ours).

// wrapStyle returns the glamour style a renderer is built with: s with the
// quote width accounting fixed and code blocks routed through the marking
// formatter (see codewrap.go). Only fields of the copy are reassigned; the
// theme's shared pointers are not written through.
func wrapStyle(s ansi.StyleConfig) ansi.StyleConfig {
	s.BlockQuote = quoteStyle(s.BlockQuote)
	s.CodeBlock = codeStyle(s.CodeBlock)
	return s
}

// quoteStyle makes glamour narrow a quote by exactly the cells its prefix
// takes. glamour writes Indent+Margin copies of IndentToken before each
// line and narrows the block by Indent + 2×Margin (a margin counts on both
// sides). With a two-cell token, writing n tokens as margin (Indent 0,
// Margin n) narrows by 2n, the prefix's width, so the quote's lines fit
// the enclosing block exactly and its wrap never touches them. The prefix
// written is the same n tokens. Lines that fitted before still fit and wrap
// the same way (greedy wrapping at a width one cell narrower only differs
// where a line filled the old width, which is where the bar was lost); the
// quote's right edge moves in by one cell. The quote's lines also lose,
// in bytes only, the padding the second wrap used to leave at their ends
// (trimPadding can now see it is invisible): same screen. Tokens of other
// widths are left alone: one cell wide is already right, wider has no
// exact equivalent.
func quoteStyle(q ansi.StyleBlock) ansi.StyleBlock {
	if q.IndentToken == nil || xansi.StringWidth(*q.IndentToken) != 2 {
		return q
	}
	var n uint
	if q.Indent != nil {
		n += *q.Indent
	}
	if q.Margin != nil {
		n += *q.Margin
	}
	zero := uint(0)
	q.Indent = &zero
	q.Margin = &n
	return q
}

// fixWrapped is the post-processing step of a render: glamour's output s,
// rendered at width in mode, with long code lines laid out again.
func fixWrapped(s string, width int, th themes.Theme, mode renderMode) string {
	inner := 0
	if mode == modeBlock {
		inner = frameFor(th, width).inner
	}
	return fixCode(s, codeEdge(width, mode, th.Markdown.Document, inner), codeIndent(th.Markdown.CodeBlock))
}
