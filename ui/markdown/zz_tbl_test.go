package markdown

import (
	"testing"

	"github.com/fanout-dev/fanout/internal/mdcorpus"
	"github.com/fanout-dev/fanout/themes"
)

func BenchmarkZZTable48(b *testing.B) {
	th, _ := themes.Get(themes.Dark, true)
	deltas := mdcorpus.Deltas(mdcorpus.Text(mdcorpus.Table)[:30000], 17)
	for b.Loop() {
		s := NewStream(NewRenderer())
		for _, d := range deltas {
			s.Append(d)
			_ = s.Lines(48, th)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*len(deltas)), "us/frame")
}
