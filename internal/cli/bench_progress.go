package cli

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/internal/termsafe"
)

// benchProgress prints a line on stderr as each trial ends, when no view
// draws them: a long bench in a log is not silent for minutes.
type benchProgress struct {
	mu     sync.Mutex
	w      io.Writer
	labels []string
	total  int // every trial of the plan, warm-ups included
	ended  int
}

func (p *benchProgress) trialEnded(m *bench.Measure) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ended++
	what := "warm-up, "
	if !m.Trial.Warmup {
		what = ""
	}
	switch m.Outcome() {
	case bench.OutcomeOK:
		ttft, _ := m.TTFT()
		what += "ok, TTFT " + bench.FormatMillis(ptrMillis(ttft))
		if v, ok := m.TokensPerSecond(); ok {
			what += fmt.Sprintf(", %.0f tok/s", v)
		}
	case bench.OutcomeError:
		what += fmt.Sprintf("%s: %s", m.Class(), termsafe.Text(m.Result.Stats.Err.Summary()))
	default:
		what += string(m.Outcome())
	}
	fmt.Fprintf(p.w, "trial %d/%d · %s: %s\n", p.ended, p.total, termsafe.Text(p.labels[m.Trial.Model]), what)
}

func ptrMillis(d time.Duration) *float64 {
	v := float64(d) / float64(time.Millisecond)
	return &v
}
