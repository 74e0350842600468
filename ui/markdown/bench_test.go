package markdown

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"charm.land/glamour/v2"

	"github.com/fanout-dev/fanout/internal/mdcorpus"
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

// BenchmarkCorpora streams each adversarial corpus of package mdcorpus
// into one stream, 8 tokens a delta, rendering (Lines, as a pane does)
// after every delta, and reports the CPU time per 1,000 tokens and the
// slowest render of a delta, against today's path before issue 11
// (NewBaselineStream: stable prefix at blank lines only, the tail rendered
// whole) and the naive one (Full of the whole answer per delta), measured
// in the same run:
//
//	go test -run '^$' -bench Corpora -benchtime 1x ./ui/markdown/
//
// The incremental path streams the whole corpus. The other two cost more
// with every delta (a 70 KB table costs ~0.2 s a render at its end), so
// they are sampled: one delta rendered at each of 12 evenly spaced points
// of the stream, from a stream filled up to there untimed; the mean is
// their cost per delta. A single goroutine renders, so wall time is CPU
// time.
func BenchmarkCorpora(b *testing.B) {
	const width, perDelta = 98, 8 // a pane of a 2-column grid at 200 columns
	th, err := themes.Get(themes.Dark, true)
	if err != nil {
		b.Fatal(err)
	}
	for _, shape := range mdcorpus.Shapes {
		b.Run("shape="+string(shape), func(b *testing.B) {
			text := mdcorpus.Text(shape)
			deltas := mdcorpus.Deltas(text, perDelta)
			tokens := len(mdcorpus.Tokens(text))
			var inc, slowest time.Duration
			for b.Loop() {
				s := NewStream(NewRenderer())
				for _, d := range deltas {
					start := time.Now()
					s.Append(d)
					_ = s.Lines(width, th)
					el := time.Since(start)
					inc += el
					slowest = max(slowest, el)
				}
				start := time.Now()
				s.Finish()
				_ = s.Lines(width, th)
				inc += time.Since(start)
			}
			inc /= time.Duration(b.N)
			base, naive := sampledPerDelta(b, deltas, width, th)
			per1k := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(tokens) * 1000 }
			baseTotal := time.Duration(float64(base) * float64(len(deltas)))
			naiveTotal := time.Duration(float64(naive) * float64(len(deltas)))
			b.ReportMetric(per1k(inc), "cpu-ms/1k-tok")
			b.ReportMetric(per1k(baseTotal), "today-cpu-ms/1k-tok")
			b.ReportMetric(per1k(naiveTotal), "naive-cpu-ms/1k-tok")
			b.ReportMetric(float64(slowest)/float64(time.Millisecond), "slowest-delta-ms")
			b.Logf("%s: %d KB, %d tokens in %d deltas: %.1f ms CPU per 1,000 tokens (slowest delta %.1f ms); today's path %.0f ms (%.0fx), naive %.0f ms (%.0fx)",
				shape, len(text)>>10, tokens, len(deltas), per1k(inc), float64(slowest)/1e6,
				per1k(baseTotal), per1k(baseTotal)/per1k(inc), per1k(naiveTotal), per1k(naiveTotal)/per1k(inc))
		})
	}
}

// sampledPerDelta returns the mean cost of rendering one delta on today's
// path and on the naive one, sampled at 12 points of the stream.
func sampledPerDelta(b *testing.B, deltas []string, width int, th themes.Theme) (base, naive time.Duration) {
	b.Helper()
	const samples = 12
	r := NewRenderer()
	for i := range samples {
		at := (2*i + 1) * len(deltas) / (2 * samples)
		prefix := strings.Join(deltas[:at], "")
		s := NewBaselineStream(r)
		s.Append(prefix)
		_ = s.Lines(width, th) // the stable blocks, untimed
		start := time.Now()
		s.Append(deltas[at])
		_ = s.Lines(width, th)
		base += time.Since(start)

		start = time.Now()
		_ = strings.Split(r.Full(prefix+deltas[at], width, th), "\n")
		naive += time.Since(start)
	}
	return base / samples, naive / samples
}
