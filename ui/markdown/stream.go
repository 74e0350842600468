package markdown

import (
	"bytes"
	"strings"
	"sync"

	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/util"

	"github.com/fanout-dev/fanout/themes"
)

// Stream is the markdown of one pane's answer, growing by Append and
// rendered incrementally by Lines or Render.
//
// The text is split into a stable prefix and a tail. The stable prefix is a
// run of blocks, each ending where a new top-level block starts and no
// later text can change how anything before that point parses (see
// boundaries). Each stable block is rendered once per (width, theme) and
// its lines are kept; only the tail is rendered again on each call, and
// when the tail is one long block, only its last piece (see openBlock).
// The scan for new stable blocks parses the tail only (an open block's
// last piece only), never the stable prefix again, so the work per call
// follows the length of that piece, not of the answer (Lines copies one
// string header per cached line, Render copies the cached bytes).
//
// Equivalence with Full. glamour renders a document as a frame (a blank
// line before and after, a margin before every line) around the
// concatenation of its top-level blocks, each of which depends only on its
// own source and on whether it is the first block. Stable blocks and the
// tail are rendered with the frame removed (see blockStyle), with a
// separator giving non-first blocks a previous sibling, concatenated, and
// framed once. glamour's invisible line padding is trimmed from both this
// and Full (see trimPadding), which removes the one difference the split
// would otherwise leave (a line split between two pieces is padded per
// piece). On the test corpus the result is byte for byte Full's; the test
// requires the same screen (cells, styles and links, trailing invisible
// blanks aside) and reports byte differences.
//
// Fallbacks, for correctness first: link reference definitions make
// rendering non-local (a definition anywhere changes links everywhere), so
// once one is seen the Stream renders with Full; so it does for a theme or
// width whose frame it cannot reproduce (see frameFor).
//
// A Stream is safe for concurrent use; calls are serialised.
type Stream struct {
	mu sync.Mutex
	r  *Renderer

	src       []byte
	stableEnd int      // src[:stableEnd] is split into blocks
	blocks    []string // prepared source (fence rewrites applied) of each stable block
	scanned   int      // len(src) when the tail was last analysed
	tailEdits []fenceEdit
	fallback  bool // link reference definitions seen: render with Full
	baseline  bool // the rules before issue 11 (see NewBaselineStream)
	finished  bool // Finish was called: the text is complete
	open      *openBlock

	// The stable blocks rendered for one (width, theme).
	key     cacheKey
	joined  int             // blocks rendered into done so far
	done    strings.Builder // document prefix, then the framed lines of the joined blocks
	lines   []string        // the complete lines of done, as substrings of it
	linesAt int             // bytes of done split into lines
	partial string          // the joined blocks' unterminated last line, unframed

	// The last result, reused while neither the text nor the key changes
	// (a UI draws every pane each frame, changed or not).
	restLen, outLen, fullLen int
	restKey, outKey, fullKey cacheKey
	rest, out, full          string
	mid                      []string // with rest: an open block's frozen lines
}

type cacheKey struct {
	width int
	theme string
}

// NewStream returns an empty stream rendering with r, or with a shared
// package Renderer if r is nil.
func NewStream(r *Renderer) *Stream {
	if r == nil {
		r = defaultRenderer
	}
	return &Stream{r: r, restLen: -1, outLen: -1, fullLen: -1}
}

// Append adds a delta to the answer. It only stores the bytes; the work is
// done by the next Render or Lines.
func (s *Stream) Append(delta string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src = append(s.src, delta...)
	s.finished = false
}

// Finish says the answer is complete. An open block rendered in pieces
// while it streamed (see openBlock) is rendered whole from then on, so the
// stream shows exactly what Full shows; a block whose every cut is one
// whose seam does not show (a list cut between items, a quote between its
// paragraphs) already does, and keeps its pieces: a 100 KB list would cost
// a quarter of a second to render again. Appending again undoes it.
func (s *Stream) Finish() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished {
		return
	}
	s.finished = true
	if s.open != nil && (s.open.approx || len(s.open.pieces) == 0 || !exactKind(s.open.kind)) {
		s.open = nil
		s.scanned = -1 // analyse the tail whole again
		s.restLen, s.outLen = -1, -1
	}
}

func exactKind(k ast.NodeKind) bool { return k == ast.KindList || k == ast.KindBlockquote }

// Reset empties the stream, keeping its Renderer.
func (s *Stream) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.src = s.src[:0]
	s.stableEnd, s.scanned = 0, 0
	s.blocks = nil
	s.tailEdits = s.tailEdits[:0]
	s.fallback = false
	s.finished, s.open = false, nil
	s.resetRendered(cacheKey{})
	s.restLen, s.outLen, s.fullLen = -1, -1, -1
	s.rest, s.out, s.full = "", "", ""
}

// resetRendered drops the rendered blocks; they are rendered again for k.
func (s *Stream) resetRendered(k cacheKey) {
	s.key = k
	s.joined = 0
	s.done.Reset()
	s.lines = nil
	s.linesAt = 0
	s.partial = ""
}

// Text returns the answer so far.
func (s *Stream) Text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.src)
}

// Len returns the length of the answer so far in bytes.
func (s *Stream) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.src)
}

// Render returns the answer rendered at width with theme th. It shows what
// Full(s.Text(), width, th) shows (see Stream). Building the string copies
// the cached rendering of the stable prefix; Lines avoids that copy.
func (s *Stream) Render(width int, th themes.Theme) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := cacheKey{width: width, theme: th.Name}
	if s.outLen == len(s.src) && s.outKey == k {
		return s.out
	}
	mid, rest, ok := s.renderRest(width, th)
	if !ok {
		return s.fullRender(width, th)
	}
	s.out = s.done.String()[:s.linesAt] + rest
	if len(mid) > 0 {
		s.out = s.done.String()[:s.linesAt] + strings.Join(mid, "\n") + "\n" + rest
	}
	s.outLen, s.outKey = len(s.src), k
	return s.out
}

// Lines returns Render's result split at newlines, in a new slice (the
// caller may keep or change it). The lines of the stable prefix are cached,
// so the work is the tail's render plus copying one string header per line,
// whatever the answer's length.
func (s *Stream) Lines(width int, th themes.Theme) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	mid, rest, ok := s.renderRest(width, th)
	if !ok {
		return strings.Split(s.fullRender(width, th), "\n")
	}
	restLines := strings.Split(rest, "\n")
	out := make([]string, 0, len(s.lines)+len(mid)+len(restLines))
	out = append(out, s.lines...)
	out = append(out, mid...)
	return append(out, restLines...)
}

// fullRender is the fallback: Full of the whole text, kept until the text
// or the key changes.
func (s *Stream) fullRender(width int, th themes.Theme) string {
	k := cacheKey{width: width, theme: th.Name}
	if s.fullLen != len(s.src) || s.fullKey != k {
		s.full = s.r.full(s.src, width, th)
		s.fullLen, s.fullKey = len(s.src), k
	}
	return s.full
}

// renderRest brings the rendered stable blocks up to date for (width, th)
// and returns the output that follows their complete lines: the lines of
// an open block's frozen pieces (see openBlock), then the framed tail and
// the document suffix. ok is false when the stream must be rendered with
// Full instead.
func (s *Stream) renderRest(width int, th themes.Theme) (mid []string, rest string, ok bool) {
	s.scan()
	if s.fallback || !s.r.blockModeOK(width, th) {
		return nil, "", false
	}
	f := frameFor(th, width)
	k := cacheKey{width: width, theme: th.Name}
	if k != s.key {
		s.resetRendered(k)
		s.done.WriteString(f.prefix)
	}
	if s.restLen == len(s.src) && s.restKey == k {
		return s.mid, s.rest, true
	}
	for ; s.joined < len(s.blocks); s.joined++ {
		out := s.renderPiece(s.blocks[s.joined], s.joined == 0, width, th)
		s.partial = frameLines(&s.done, s.partial+out, f.indent)
	}
	// Index the new complete lines. done only grows, so substrings of an
	// earlier String() stay valid.
	d := s.done.String()
	for {
		i := strings.IndexByte(d[s.linesAt:], '\n')
		if i < 0 {
			break
		}
		s.lines = append(s.lines, d[s.linesAt:s.linesAt+i])
		s.linesAt += i + 1
	}

	var tail string
	mid = nil
	switch {
	case s.open != nil && s.partial == "" && s.linesAt == len(d):
		// The open block in pieces; the stable lines end with a newline,
		// so the frozen pieces' lines follow them as they are.
		mid, tail = s.openLines(width, th, f)
	case s.stableEnd < len(s.src):
		src := prepare(s.src, s.tailEdits, s.stableEnd, len(s.src))
		tail = s.renderPiece(string(src), len(s.blocks) == 0, width, th)
	}
	var b strings.Builder
	b.Grow(len(d) - s.linesAt + len(s.partial) + len(tail) + len(tail)/8 + len(f.suffix))
	b.WriteString(d[s.linesAt:])
	if r := frameLines(&b, s.partial+tail, f.indent); r != "" {
		b.WriteString(f.indent)
		b.WriteString(r)
	}
	b.WriteString(f.suffix)
	s.mid, s.rest, s.restLen, s.restKey = mid, b.String(), len(s.src), k
	return s.mid, s.rest, true
}

// renderPiece renders one piece of the answer without the document frame.
func (s *Stream) renderPiece(src string, first bool, width int, th themes.Theme) string {
	if !first {
		src = separator + src
	}
	return s.r.render([]byte(src), width, th, modeBlock)
}

// frameLines writes each complete line of s to b behind indent, as glamour's
// margin writer does (it writes the indent before the first byte of every
// line, escape sequences included), and returns the unterminated rest. A
// line left blank is trimmed as trimPadding trims it in Full, where the
// indent and the padding are on the line together.
func frameLines(b *strings.Builder, s, indent string) string {
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return s
		}
		if line := s[:i]; strings.IndexByte(line, '\x1b') < 0 {
			b.WriteString(trimSpaces(indent + line))
		} else {
			b.WriteString(indent)
			b.WriteString(line)
		}
		b.WriteByte('\n')
		s = s[i+1:]
	}
}

// scan analyses the tail if text arrived since the last call, moving the
// blocks that became stable into s.blocks.
func (s *Stream) scan() {
	if s.scanned == len(s.src) || s.fallback {
		return
	}
	s.scanned = len(s.src)
	if s.open != nil {
		if s.scanOpen() {
			return
		}
		s.open = nil // it may have ended: analyse the tail whole
	}
	base := s.stableEnd
	region := s.src[base:]
	a := analyze(region)
	if a.hasRefs {
		s.fallback = true
		return
	}
	prev := 0
	for _, c := range boundaries(region, a, s.baseline) {
		s.blocks = append(s.blocks, string(prepare(region, a.edits, prev, c)))
		prev = c
	}
	s.stableEnd = base + prev
	s.tailEdits = s.tailEdits[:0]
	for _, e := range a.edits {
		if e.at >= prev {
			s.tailEdits = append(s.tailEdits, fenceEdit{at: base + e.at, end: base + e.end})
		}
	}
	s.startOpen(region, prev, a)
}

// boundaries returns the offsets in src where a stable block ends and the
// next begins. An offset c qualifies when a top-level block starts at c,
//
//   - no top-level block covers lines on both sides of c: an open or closed
//     fence, an HTML block or a list running over the line keeps going,
//     and a paragraph a table was split off keeps the table's lines;
//   - the block at c is not a paragraph right after a definition list,
//     which a later ": definition" line would pull into the list;
//
// and either
//
//   - the line before c is blank, and the line at c is complete or its
//     first byte already rules out that it continues the block before:
//     after a blank line only an indented line, a list marker (after a
//     list) or a ':' definition (after a paragraph or a definition list)
//     can still join the previous block, and a partial line starting
//     otherwise cannot turn into one of them; or
//   - the line at c is complete (blankOnly false). goldmark has then seen
//     the whole line and found that it cannot continue the block before,
//     which is what CommonMark decides from that line alone: a heading,
//     a fence, a thematic break, a quote or a list interrupting a
//     paragraph, anything after a closed fence or an ATX heading. Later
//     lines can change what the block at c becomes (a setext underline
//     turns its paragraph into a heading, a delimiter row its line into a
//     table header) but never the blocks before it: a setext underline or
//     a delimiter row reaches back one paragraph at most, and that
//     paragraph starts at c or later. A partial line is never cut at
//     without a blank line before it: "#" may become "#hashtag" and
//     continue a paragraph lazily.
//
// Text appended later cannot move such a boundary: the blocks before it are
// closed and no construct reaches back further except those ruled out
// above and link reference definitions, which make the Stream fall back to
// full renders.
func boundaries(src []byte, a analysis, blankOnly bool) []int {
	var cuts []int
	maxHi := 0
	for j, t := range a.tops {
		if t.lo < 0 {
			break // a block of unknown extent: nothing after it is safe
		}
		if j > 0 && t.lo >= maxHi && !joinsDefinitions(a.tops[j-1].kind, t.kind) {
			switch {
			case blankBefore(src, t.lo):
				if settled(src, t.lo, a.tops[j-1].kind) {
					cuts = append(cuts, t.lo)
				}
			case !blankOnly && bytes.IndexByte(src[t.lo:], '\n') >= 0:
				cuts = append(cuts, t.lo)
			}
		}
		maxHi = max(maxHi, t.hi)
	}
	return cuts
}

// joinsDefinitions reports whether a block of kind next, after a block of
// kind prev, may still be pulled into it: a definition (": …") after a
// paragraph turns the paragraph into a term, and when the block before the
// paragraph is a definition list, into one more term of that list. So a
// paragraph after a definition list stays in the same piece.
func joinsDefinitions(prev, next ast.NodeKind) bool {
	return prev == extast.KindDefinitionList && next == ast.KindParagraph
}

// blankBefore reports whether c starts a line that follows a blank line.
func blankBefore(src []byte, c int) bool {
	if c < 2 || src[c-1] != '\n' {
		return false
	}
	start := bytes.LastIndexByte(src[:c-1], '\n') + 1
	return util.IsBlank(src[start : c-1])
}

// settled reports whether the line starting at c can no longer join the
// top-level block before it, of kind prev.
func settled(src []byte, c int, prev ast.NodeKind) bool {
	if bytes.IndexByte(src[c:], '\n') >= 0 {
		return true // complete: goldmark's verdict on it is final
	}
	switch ch := src[c]; {
	case ch <= ' ' || ch == ':':
		// Indentation may continue a list item, indented code or a
		// definition; ':' may start a definition of the paragraph or
		// definition list before.
		return false
	case ch == '-' || ch == '+' || ch == '*' || '0' <= ch && ch <= '9':
		return prev != ast.KindList // may be the list's next item
	}
	return true
}
