package markdown

import (
	"bytes"
	"sync"

	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// The block structure of an answer is taken from goldmark itself, the parser
// glamour renders with, rather than from a hand-written approximation: the
// cases where markdown is non-local (lists continuing across blank lines,
// fences and HTML blocks holding blank lines, definition lists reaching back
// over a blank line to the paragraph before) are decided by the same code
// that decides them in the reference render.
//
// goldmark does not record where a block starts or ends, so the analysis
// parser wraps each block parser in a spy that notes every source line a
// block opens on or continues over. Inline parsing is left out: block
// structure does not depend on it, and skipping it keeps the analysis a
// small fraction of the cost of rendering.

// topNode is one top-level block of an analysed region.
type topNode struct {
	lo, hi int // byte span of the source lines it covers, [lo, hi)
	kind   ast.NodeKind
}

// fenceEdit replaces src[at:end] with "text" (an insertion when at == end):
// the info string of a fence that must be rendered as plain text.
type fenceEdit struct{ at, end int }

// plainLang is the info string given to fences rendered without syntax
// highlighting: chroma's plaintext lexer, found by name, never guessed.
const plainLang = "text"

type analysis struct {
	tops    []topNode   // in document order
	edits   []fenceEdit // in source order
	hasRefs bool        // link reference definitions: rendering is not local
	// firstChildren are the offsets where the blocks inside the first
	// top-level block start, in order.
	firstChildren []int
}

// Indented code blocks name no language, and glamour passes chroma "" for
// them; chroma then matches "" against every lexer's file patterns (~2 ms)
// and guesses from the content (~3 ms more), on every render. Registering
// "" as an alias of a plain-text lexer turns that into a map hit. It
// changes chroma's process-wide registry, at init, before any goroutine
// renders; that is fanout's policy anyway: code that names no language is
// shown as plain text, never guessed (fences get an explicit "text", see
// fenceRewrite).
func init() {
	lexers.Register(chroma.MustNewLexer(&chroma.Config{
		Name:    "fanout-unlabelled",
		Aliases: []string{""},
	}, lexers.PlaintextRules))
}

var (
	spyKey = parser.NewContextKey()

	analysisParser = newAnalysisParser()
)

// newAnalysisParser builds a goldmark parser with the block structure of the
// one glamour uses (CommonMark blocks, GFM tables, definition lists), every
// block parser spied on, and no inline parsers. Parsers are stateless (the
// spies keep their notes in the parse context), so one serves all
// goroutines.
func newAnalysisParser() parser.Parser {
	p := func(bp parser.BlockParser, prio int) util.PrioritizedValue {
		return util.Prioritized(spy{BlockParser: bp}, prio)
	}
	return parser.NewParser(
		parser.WithBlockParsers(
			p(parser.NewSetextHeadingParser(), 100),
			// The definition-list extension's parsers, at its priorities.
			p(extension.NewDefinitionListParser(), 101),
			p(extension.NewDefinitionDescriptionParser(), 102),
			p(parser.NewThematicBreakParser(), 200),
			p(parser.NewListParser(), 300),
			p(parser.NewListItemParser(), 400),
			p(parser.NewCodeBlockParser(), 500),
			p(parser.NewATXHeadingParser(), 600),
			util.Prioritized(spy{BlockParser: parser.NewFencedCodeBlockParser(), fence: true}, 700),
			p(parser.NewBlockquoteParser(), 800),
			p(parser.NewHTMLBlockParser(), 900),
			p(parser.NewParagraphParser(), 1000),
		),
		parser.WithParagraphTransformers(
			util.Prioritized(parser.LinkReferenceParagraphTransformer, 100),
			// GFM turns paragraphs into tables (and a table changes what the
			// next line can be: see goldmark's openBlocks).
			util.Prioritized(extension.NewTableParagraphTransformer(), 200),
		),
	)
}

// span is a byte range of whole source lines; lo < 0 means empty.
type span struct{ lo, hi int }

func (s *span) add(lo, hi int) {
	if s.lo < 0 {
		s.lo, s.hi = lo, hi
		return
	}
	s.lo = min(s.lo, lo)
	s.hi = max(s.hi, hi)
}

type fenceNote struct {
	runEnd int  // offset just past the opening fence characters
	closed bool // closed by a closing fence line (not by EOF or its container)
}

type spyNotes struct {
	src    []byte
	spans  map[ast.Node]*span
	fences map[ast.Node]*fenceNote
}

// cover records that node n covers the source line holding seg.
func (s *spyNotes) cover(n ast.Node, seg text.Segment) {
	lo := bytes.LastIndexByte(s.src[:seg.Start], '\n') + 1
	sp := s.spans[n]
	if sp == nil {
		sp = &span{lo: -1}
		s.spans[n] = sp
	}
	sp.add(lo, max(seg.Stop, lo))
}

// spy wraps a block parser and notes the lines its blocks cover.
type spy struct {
	parser.BlockParser
	fence bool
}

func notes(pc parser.Context) *spyNotes { return pc.Get(spyKey).(*spyNotes) }

func (s spy) Open(parent ast.Node, r text.Reader, pc parser.Context) (ast.Node, parser.State) {
	line, seg := r.PeekLine()
	off := pc.BlockOffset()
	n, st := s.BlockParser.Open(parent, r, pc)
	if n == nil {
		return n, st
	}
	ns := notes(pc)
	ns.cover(n, seg)
	if s.fence && off >= 0 && off < len(line) {
		i := off
		for i < len(line) && line[i] == line[off] {
			i++
		}
		// Same arithmetic as goldmark's fence parser uses for the info
		// string: line[i] is at source offset seg.Start-seg.Padding+i.
		ns.fences[n] = &fenceNote{runEnd: seg.Start - seg.Padding + i}
	}
	return n, st
}

func (s spy) Continue(n ast.Node, r text.Reader, pc parser.Context) parser.State {
	_, seg := r.PeekLine()
	st := s.BlockParser.Continue(n, r, pc)
	switch {
	case st&parser.Continue != 0:
		notes(pc).cover(n, seg)
	case s.fence:
		// The fence parser returns Close only on its closing fence line,
		// which it consumes: the line belongs to the block.
		ns := notes(pc)
		ns.cover(n, seg)
		if f := ns.fences[n]; f != nil {
			f.closed = true
		}
	}
	return st
}

// analyze parses src and returns its top-level blocks, the fence rewrites
// and whether it defines link references.
func analyze(src []byte) analysis {
	ns := &spyNotes{
		src:    src,
		spans:  map[ast.Node]*span{},
		fences: map[ast.Node]*fenceNote{},
	}
	pc := parser.NewContext()
	pc.Set(spyKey, ns)
	doc := analysisParser.Parse(text.NewReader(src), parser.WithContext(pc))

	var a analysis
	a.hasRefs = len(pc.References()) > 0
	for top := doc.FirstChild(); top != nil; top = top.NextSibling() {
		sp := blockSpan(top, src, ns, &a)
		a.tops = append(a.tops, topNode{lo: sp.lo, hi: sp.hi, kind: top.Kind()})
		if top == doc.FirstChild() {
			// Where the first block's own blocks start (a list's items, a
			// quote's paragraphs), for Stream to render an open block in
			// pieces. Their fence rewrites were collected with the block's.
			for c := top.FirstChild(); c != nil; c = c.NextSibling() {
				if c.Type() != ast.TypeBlock {
					continue
				}
				if csp := blockSpan(c, src, ns, nil); csp.lo >= 0 {
					a.firstChildren = append(a.firstChildren, csp.lo)
				}
			}
		}
	}
	return a
}

// blockSpan returns the lines node n and its descendants cover. With a
// non-nil a it also collects the fence rewrites of the fences in it.
func blockSpan(n ast.Node, src []byte, ns *spyNotes, a *analysis) span {
	sp := span{lo: -1, hi: -1}
	_ = ast.Walk(n, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		if s := ns.spans[n]; s != nil {
			sp.add(s.lo, s.hi)
		}
		if n.Type() == ast.TypeBlock {
			// Nodes built from another node's lines (setext headings,
			// table cells, definition terms) were not opened line by
			// line; their segments say where they are.
			lines := n.Lines()
			for i := 0; i < lines.Len(); i++ {
				seg := lines.At(i)
				lo := bytes.LastIndexByte(src[:seg.Start], '\n') + 1
				sp.add(lo, max(seg.Stop, lo))
			}
		}
		if fb, ok := n.(*ast.FencedCodeBlock); ok && a != nil {
			if e, ok := fenceRewrite(src, fb, ns.fences[n]); ok {
				a.edits = append(a.edits, e)
			}
		}
		return ast.WalkContinue, nil
	})
	return sp
}

// fenceRewrite decides whether a fence is rendered as plain text and, if
// so, how its info string is rewritten. Plain are: fences without a
// language (chroma would guess one, ~3 ms a block), fences whose language
// chroma does not know (it would guess too), and fences not closed by a
// closing fence line (still streaming: highlighting half a block is wasted
// work and flickers). The decision depends only on the fence's own lines,
// so a fence gets the same rewrite whether it is analysed alone or within
// the whole answer.
func fenceRewrite(src []byte, fb *ast.FencedCodeBlock, note *fenceNote) (fenceEdit, bool) {
	if note == nil {
		return fenceEdit{}, false // not opened by our spy: cannot happen
	}
	if fb.Info == nil {
		return fenceEdit{at: note.runEnd, end: note.runEnd}, true
	}
	info := fb.Info.Segment.Value(src)
	lang := info
	if i := bytes.IndexByte(info, ' '); i >= 0 {
		lang = info[:i]
	}
	if note.closed && knownLanguage(string(lang)) {
		return fenceEdit{}, false
	}
	if string(info) == plainLang {
		return fenceEdit{}, false
	}
	return fenceEdit{at: fb.Info.Segment.Start, end: fb.Info.Segment.Stop}, true
}

// knownLanguage reports whether chroma has a lexer for lang. chroma's
// lookup falls back to matching file-name patterns of every lexer, so
// answers are remembered (a bounded set: info strings come from the model).
func knownLanguage(lang string) bool {
	langMu.Lock()
	known, ok := langCache[lang]
	langMu.Unlock()
	if ok {
		return known
	}
	known = lexers.Get(lang) != nil
	langMu.Lock()
	if len(langCache) < maxLangCache {
		langCache[lang] = known
	}
	langMu.Unlock()
	return known
}

const maxLangCache = 512

var (
	langMu    sync.Mutex
	langCache = map[string]bool{}
)

// prepare returns src[from:to] with the fence rewrites that fall inside it.
func prepare(src []byte, edits []fenceEdit, from, to int) []byte {
	var out []byte
	last := from
	for _, e := range edits {
		if e.at < from || e.end > to {
			continue
		}
		if out == nil {
			out = make([]byte, 0, to-from+16)
		}
		out = append(out, src[last:e.at]...)
		out = append(out, plainLang...)
		last = e.end
	}
	if out == nil {
		return src[from:to]
	}
	return append(out, src[last:to]...)
}
