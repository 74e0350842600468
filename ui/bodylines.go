package ui

import "github.com/fanout-dev/fanout/ui/markdown"

// lineSegs is a pane's body as a list of line slices, each borrowed from
// where it is kept (an earlier turn, the rendered answer, the wrapped
// reasoning): a frame reads the rows it shows out of them instead of
// copying every line of a long conversation into one slice.
type lineSegs struct {
	segs [][]string
	n    int // lines in all
}

// addAll adds lines, which the caller must not change while the body is
// in use.
func (b *lineSegs) addAll(lines []string) {
	if len(lines) > 0 {
		b.segs = append(b.segs, lines)
		b.n += len(lines)
	}
}

// add adds a few lines of the body's own.
func (b *lineSegs) add(lines ...string) { b.addAll(lines) }

// len is the number of lines.
func (b *lineSegs) len() int { return b.n }

// slice copies lines [from, to) into dst, which must hold to-from lines.
func (b *lineSegs) slice(dst []string, from, to int) {
	at := 0 // index of the first line of seg
	for _, seg := range b.segs {
		if from >= to {
			return
		}
		if end := at + len(seg); from < end {
			k := copy(dst, seg[from-at:min(len(seg), to-at)])
			dst, from = dst[k:], from+k
		}
		at += len(seg)
	}
}

// memoLines keeps the lines computed for a key until the key changes.
type memoLines struct {
	key   memoKey
	lines []string
	ok    bool
}

// memoKey is what a piece of a pane's body depends on.
type memoKey struct {
	width  int
	theme  string
	size   int              // bytes of the text rendered
	text   string           // the text itself, when short
	stream *markdown.Stream // the answer rendered, if any
	hidden bool             // drawn for a blind round, its errors' words hidden
}

// get returns the lines kept for k, or computes them with f and keeps them.
func (c *memoLines) get(k memoKey, f func() []string) []string {
	if !c.ok || c.key != k {
		c.key, c.lines, c.ok = k, f(), true
	}
	return c.lines
}
