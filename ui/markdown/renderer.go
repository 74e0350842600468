// Package markdown renders streaming markdown answers with glamour without
// re-rendering the whole answer on every delta.
//
// A Stream (one per pane) splits its text into a stable prefix of complete
// top-level blocks, each rendered once per (width, theme) and cached, and a
// tail that is re-rendered on every call. Full is the reference: one glamour
// render of the whole text with the same settings; the incremental render
// shows exactly what Full shows (see Stream for how that is kept true).
//
// Settings shared by both: the theme's glamour style (package themes),
// chroma's true-colour formatter, invisible line padding trimmed, and code
// that names no language, an unknown one, or is still open (no closing
// fence yet) shown as plain text, never guessed by chroma (see
// fenceRewrite; importing the package also registers "" as a plain-text
// alias in chroma, for indented code blocks), and three of glamour's
// wrapping defects fixed around it: quote lines losing their bar, long code
// lines losing their indent, table words broken mid-word (see wrapfix.go).
//
// The package imports no Bubble Tea; rendering is synchronous and may be run
// from a command's goroutine.
package markdown

import (
	"strings"
	"sync"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/ansi"

	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/themes"
)

// Renderer is a cache of glamour renderers keyed by width and theme name.
//
// A glamour TermRenderer is not safe for concurrent use (its goldmark parser
// and ANSI renderer keep state while converting), so the cache never hands
// one renderer to two callers at once: a render checks a renderer out of the
// pool for its key, or builds a new one, and puts it back afterwards. A
// Renderer is therefore safe for concurrent use by any number of Streams.
//
// Renderers are keyed by the theme's name; when a render asks for a theme
// other than the current one, every cached renderer is dropped, since the
// UI shows one theme at a time and a theme switch makes them all useless.
type Renderer struct {
	mu    sync.Mutex
	theme string
	pools map[poolKey]*pool

	unfixed bool // tests: render as glamour does, without wrapfix.go
}

type renderMode int

const (
	// modeFull renders a whole document with the theme's style as is.
	modeFull renderMode = iota
	// modeBlock renders one piece of a document: the theme's style with the
	// document's margin, indent, prefix and suffix removed, at the width
	// left inside them. Stream adds those once around the joined pieces.
	modeBlock
)

type poolKey struct {
	width int
	theme string
	mode  renderMode
}

type pool struct {
	free    []*glamour.TermRenderer
	checked bool // block mode: the separator check has run
	ok      bool // block mode: pieces can be rendered apart (see check)
}

// maxPools bounds the cache across window resizes; maxFree bounds the
// renderers kept per key (one per goroutine that rendered concurrently).
const (
	maxPools = 16
	maxFree  = 4
)

// NewRenderer returns an empty cache.
func NewRenderer() *Renderer {
	return &Renderer{pools: map[poolKey]*pool{}}
}

var defaultRenderer = NewRenderer()

// Full renders text as one glamour document at width with theme th, using
// the package's shared Renderer. It is the reference the incremental render
// is tested against, and what a Stream falls back to when it cannot render
// incrementally.
func Full(text string, width int, th themes.Theme) string {
	return defaultRenderer.Full(text, width, th)
}

// Full renders text as one glamour document (see the package function).
func (r *Renderer) Full(text string, width int, th themes.Theme) string {
	return r.full([]byte(text), width, th)
}

func (r *Renderer) full(src []byte, width int, th themes.Theme) string {
	a := analyze(src)
	return r.render(prepare(src, a.edits, 0, len(src)), width, th, modeFull)
}

// Clear drops every cached renderer.
func (r *Renderer) Clear() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pools = map[poolKey]*pool{}
}

// render converts src with a renderer checked out for (width, th, mode). On
// a glamour error the source is returned as is (its controls made visible):
// showing the raw answer beats showing nothing.
//
// glamour makes every link an OSC 8 hyperlink to the address the markdown
// names, which a model chooses: the terminal would open it on a click on
// text that may say something else. The links are removed; glamour shows
// the address as text next to the link text anyway. The rest of the output
// is glamour's own styling; the text in it is the caller's to make safe
// (the cockpit's panes and `fanout run` pass it through termsafe first).
func (r *Renderer) render(src []byte, width int, th themes.Theme, mode renderMode) string {
	key := poolKey{width: width, theme: th.Name, mode: mode}
	tr, err := r.acquire(key, th)
	if err != nil {
		return termsafe.Text(string(src))
	}
	in := src
	if !r.unfixed {
		in = fixTables(src, width, th, mode)
	}
	out, err := tr.RenderBytes(in)
	r.release(key, tr)
	if err != nil {
		return termsafe.Text(string(src))
	}
	s := termsafe.StripHyperlinks(string(out))
	if !r.unfixed {
		s = fixWrapped(s, width, th, mode)
	}
	return trimPadding(s)
}

// pool returns the pool for key, creating it; it switches the cache to
// key's theme, dropping the others. Callers hold r.mu.
func (r *Renderer) poolLocked(key poolKey) *pool {
	if key.theme != r.theme || len(r.pools) >= maxPools && r.pools[key] == nil {
		r.theme = key.theme
		r.pools = map[poolKey]*pool{}
	}
	p := r.pools[key]
	if p == nil {
		p = &pool{}
		r.pools[key] = p
	}
	return p
}

func (r *Renderer) acquire(key poolKey, th themes.Theme) (*glamour.TermRenderer, error) {
	r.mu.Lock()
	p := r.poolLocked(key)
	if n := len(p.free); n > 0 {
		tr := p.free[n-1]
		p.free = p.free[:n-1]
		r.mu.Unlock()
		return tr, nil
	}
	r.mu.Unlock()
	return newTermRenderer(key, th, !r.unfixed)
}

func (r *Renderer) release(key poolKey, tr *glamour.TermRenderer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p := r.pools[key]
	if p == nil || len(p.free) >= maxFree {
		return // the cache was cleared meanwhile, or is full: drop it
	}
	p.free = append(p.free, tr)
}

func newTermRenderer(key poolKey, th themes.Theme, fix bool) (*glamour.TermRenderer, error) {
	style := th.Markdown
	formatter := "terminal16m"
	if fix {
		style, formatter = wrapStyle(style), codeFormatterName
	}
	wrap := key.width
	if key.mode == modeBlock {
		f := frameFor(th, key.width)
		style = blockStyle(style)
		wrap = f.inner
	}
	return glamour.NewTermRenderer(
		glamour.WithStyles(style),
		glamour.WithWordWrap(wrap),
		// chroma's 256-colour formatter maps each colour to the nearest
		// palette entry by ranging over a map, so a colour halfway between
		// two entries (the dark style's comment grey is one) comes out
		// differently from one render to the next. The true-colour one is
		// exact, and closes every token's style; lipgloss downsamples for
		// the terminal at output, as glamour v2 expects.
		// codeFormatterName is the same with markers for long code lines
		// (see codewrap.go).
		glamour.WithChromaFormatter(formatter),
	)
}

// blockStyle is the style pieces are rendered with: the document's own
// frame (block prefix and suffix, margin, indent) is left out, because
// Stream writes it once around all the pieces. Only fields of the copy are
// reassigned; the theme's shared pointers are not written through.
func blockStyle(s ansi.StyleConfig) ansi.StyleConfig {
	zero := uint(0)
	s.Document.BlockPrefix = ""
	s.Document.BlockSuffix = ""
	s.Document.Margin = &zero
	s.Document.Indent = &zero
	return s
}

// separator is put before a piece that is not the first block of the
// answer. glamour starts a heading or paragraph with a blank line only when
// it has a previous sibling; an HTML comment gives it one and renders as
// nothing, so the piece renders byte for byte as it does inside the whole
// document.
const separator = "<!-- -->\n\n"

// blockModeOK reports whether pieces can be rendered apart for (width, th):
// the frame is one Stream can reproduce, and the separator renders as
// nothing with this style (a style giving HTML blocks a prefix would break
// it). The check runs once per key.
func (r *Renderer) blockModeOK(width int, th themes.Theme) bool {
	if !frameFor(th, width).ok {
		return false
	}
	key := poolKey{width: width, theme: th.Name, mode: modeBlock}
	r.mu.Lock()
	p := r.poolLocked(key)
	if p.checked {
		ok := p.ok
		r.mu.Unlock()
		return ok
	}
	r.mu.Unlock()

	ok := r.render([]byte(separator), width, th, modeBlock) == ""

	r.mu.Lock()
	defer r.mu.Unlock()
	p = r.poolLocked(key)
	p.checked, p.ok = true, ok
	return ok
}

// frame is what glamour's document element writes around its content.
type frame struct {
	ok             bool   // Stream can reproduce it
	inner          int    // wrap width inside the margins
	indent         string // written before every line
	prefix, suffix string // document block prefix and suffix
}

func frameFor(th themes.Theme, width int) frame {
	d := th.Markdown.Document
	var margin, indent uint
	if d.Margin != nil {
		margin = *d.Margin
	}
	if d.Indent != nil {
		indent = *d.Indent
	}
	tok := " "
	if d.IndentToken != nil {
		tok = *d.IndentToken
	}
	f := frame{
		inner:  width - int(indent) - 2*int(margin),
		indent: strings.Repeat(tok, int(indent+margin)),
		prefix: d.BlockPrefix,
		suffix: d.BlockSuffix,
	}
	// glamour writes the frame's strings with the style of the document's
	// parent, which is empty, so they are plain text; its padding spaces
	// carry the document's colours, so a background colour would make the
	// padding visible and is not reproduced. Too narrow a pane is left to
	// the full render too, which handles it its own way.
	f.ok = f.inner >= 1 && d.Prefix == "" && d.Suffix == "" && d.BackgroundColor == nil
	return f
}
