package markdown

// NewBaselineStream returns a stream that renders as fanout did before its
// stable prefix reached past blank lines and before open blocks were
// rendered in parts: the stable prefix ends only at a blank line, and the
// whole tail is rendered on every call. It shows the same text; it is kept
// so that benchmarks can measure today's path against that one in the same
// run.
func NewBaselineStream(r *Renderer) *Stream {
	s := NewStream(r)
	s.baseline = true
	return s
}
