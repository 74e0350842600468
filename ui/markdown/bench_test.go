package markdown

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"charm.land/glamour/v2"

	"github.com/fanout-dev/fanout/themes"
)

// bytesPerToken is the usual rule of thumb for English text and code.
const bytesPerToken = 4

// benchText returns at least n bytes of mixed markdown: the corpus (without
// the reference-link answer, which would switch the stream to full renders)
// repeated, each copy's headings numbered so no two blocks are alike.
func benchText(b *testing.B, n int) string {
	docs := corpus(b)
	var names []string
	for name := range docs {
		if name != "refs.md" {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		for _, name := range names {
			sb.WriteString(strings.ReplaceAll(docs[name], "\n# ", fmt.Sprintf("\n# %d. ", i)))
			sb.WriteString("\n")
		}
	}
	return sb.String()
}

// BenchmarkStream appends ~4-byte deltas to a stream that already holds
// `tokens` tokens of mixed markdown and renders after each append, as a pane
// does, and compares the cost per token with the naive path: a full glamour
// render of the whole answer per delta.
//
// The naive side is measured in the same run but on a few samples only: at
// 50k tokens (200 KB) one full render takes on the order of a second on two
// cores, and the naive path renders once per delta, so its cost per token is
// the mean time of one full render at that length. The samples are taken
// at successive 4-byte cuts, like the incremental side's appends, and render
// the prepared text (fence rewrites applied) so both sides skip chroma's
// language guessing and the ratio measures the caching alone.
func BenchmarkStream(b *testing.B) {
	const width = 80
	th, err := themes.Get(themes.Dark, true)
	if err != nil {
		b.Fatal(err)
	}
	for _, tokens := range []int{5_000, 50_000} {
		b.Run(fmt.Sprintf("tokens=%dk", tokens/1000), func(b *testing.B) {
			size := tokens * bytesPerToken
			text := benchText(b, size+256<<10)
			for size < len(text) && text[size]&0xC0 == 0x80 {
				size++ // a rune boundary
			}
			// Measured once, shared by both ways of reading the render.
			naive := naivePerToken(b, text, size, width, th)
			b.Run("lines", func(b *testing.B) {
				benchStream(b, tokens, text, size, width, th, naive, func(s *Stream) { _ = s.Lines(width, th) })
			})
			b.Run("string", func(b *testing.B) {
				benchStream(b, tokens, text, size, width, th, naive, func(s *Stream) { _ = s.Render(width, th) })
			})
		})
	}
}

// benchStream times Append of one token plus read, from a stream holding
// size bytes of text, and reports the ratio to naive (ns per token).
func benchStream(b *testing.B, tokens int, text string, size, width int, th themes.Theme, naive float64, read func(*Stream)) {
	s := NewStream(NewRenderer())
	fill := func() int {
		s.Reset()
		s.Append(text[:size])
		read(s) // every stable block rendered once, before timing
		return size
	}
	pos := fill()
	ops := 0
	for b.Loop() {
		if pos+bytesPerToken > len(text) {
			b.StopTimer()
			pos = fill()
			b.StartTimer()
		}
		s.Append(text[pos : pos+bytesPerToken])
		pos += bytesPerToken
		read(s)
		ops++
	}
	inc := float64(b.Elapsed().Nanoseconds()) / float64(ops)
	ratio := naive / inc
	b.ReportMetric(naive, "naive-ns/token")
	b.ReportMetric(ratio, "x-cheaper")
	b.Logf("%d tokens: incremental is %.1fx cheaper per token than full re-render (%.0f µs vs %.1f ms)",
		tokens, ratio, inc/1e3, naive/1e6)
}

// naivePerToken returns the mean time of one full glamour render of the
// answer at successive 4-byte cuts after size bytes, in nanoseconds.
func naivePerToken(b *testing.B, text string, size, width int, th themes.Theme) float64 {
	b.Helper()
	tr, err := glamour.NewTermRenderer(
		glamour.WithStyles(th.Markdown),
		glamour.WithWordWrap(width),
		glamour.WithChromaFormatter("terminal16m"),
	)
	if err != nil {
		b.Fatal(err)
	}
	// At least three samples, then more until about a second and a half
	// of rendering: a stable mean that stays within seconds at any size.
	var total time.Duration
	samples := 0
	for i := 0; i < 3 || total < 1500*time.Millisecond; i++ {
		samples++
		cut := size + i*bytesPerToken
		src := []byte(text[:cut])
		a := analyze(src)
		src = prepare(src, a.edits, 0, len(src))
		start := time.Now()
		if _, err := tr.RenderBytes(src); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	return float64(total.Nanoseconds()) / float64(samples)
}
