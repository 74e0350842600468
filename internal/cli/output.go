package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// progress reports on stderr while a run streams. On a terminal it redraws
// one line per model a few times a second; elsewhere (a pipe, a CI log) it
// prints one line per milestone: first token, done, error.
type progress struct {
	w       io.Writer
	results []*session.Result
	live    bool

	// mu is the run's lock: it guards results, which pane goroutines
	// update, and the drawing state.
	mu     *sync.Mutex
	drawn  int // lines drawn by the last redraw
	begun  time.Time
	frame  int
	cancel context.CancelFunc
	done   chan struct{}
}

func newProgress(w io.Writer, results []*session.Result, live bool, mu *sync.Mutex) *progress {
	return &progress{w: w, results: results, live: live, mu: mu}
}

// start begins redrawing, on a terminal, until stop.
func (p *progress) start(ctx context.Context) {
	if !p.live {
		return
	}
	p.begun = time.Now()
	ctx, p.cancel = context.WithCancel(ctx)
	p.done = make(chan struct{})
	go func() {
		defer close(p.done)
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				p.mu.Lock()
				p.redraw()
				p.mu.Unlock()
			}
		}
	}()
}

// event notes a milestone. The caller holds p.mu and has applied ev to the
// results already.
func (p *progress) event(ev session.Event) {
	if p.live {
		return
	}
	r := p.results[ev.Pane]
	name := termsafe.Text(r.Target.Label)
	switch ev.Type {
	case backends.EventDelta:
		if r.Stats.Deltas == 1 {
			fmt.Fprintf(p.w, "%s: first token after %s\n", name, session.FormatDuration(ev.T))
		}
	case backends.EventDone:
		if r.Stats.Status == session.StatusCancelled {
			fmt.Fprintf(p.w, "%s: cancelled after %s\n", name, session.FormatDuration(ev.T))
		} else {
			fmt.Fprintf(p.w, "%s: done in %s (%s)\n", name, session.FormatDuration(ev.T), r.Stats.StopReason)
		}
	case backends.EventError:
		fmt.Fprintf(p.w, "%s: error: %s\n", name, termsafe.Text(ev.Error.Message))
	}
}

// stop ends the redraw loop and leaves the final state on screen.
func (p *progress) stop() {
	if !p.live {
		return
	}
	p.cancel()
	<-p.done
	p.mu.Lock()
	defer p.mu.Unlock()
	p.redraw()
}

var spinner = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// redraw rewrites the progress block in place. The caller holds p.mu.
func (p *progress) redraw() {
	var b strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", p.drawn)
	}
	for _, r := range p.results {
		b.WriteString("\r\x1b[2K")
		b.WriteString(progressLine(r, spinner[p.frame%len(spinner)], time.Since(p.begun)))
		b.WriteByte('\n')
	}
	p.frame++
	p.drawn = len(p.results)
	io.WriteString(p.w, b.String())
}

// progressLine is one model's line; elapsed is shown while it runs.
func progressLine(r *session.Result, spin string, elapsed time.Duration) string {
	s := &r.Stats
	icon := spin
	switch s.Status {
	case session.StatusDone:
		icon = "✓"
	case session.StatusError:
		icon = "✗"
	case session.StatusCancelled:
		icon = "■"
	}
	label := r.Target.Label
	label = backends.OneLine(termsafe.Text(label), 24)
	line := fmt.Sprintf("%s %-24s %-9s", icon, label, s.Status)
	if ttft, ok := s.TTFT(); ok {
		line += "  ttft " + session.FormatDuration(ttft)
	}
	u := s.Tokens()
	if u.Output > 0 {
		line += fmt.Sprintf("  %s tok", session.FormatTokens(u.Output, s.Exact()))
	}
	if tps, ok := s.TokensPerSecond(); ok {
		line += "  " + session.FormatRate(tps, s.Exact(), 0) + " tok/s"
	}
	if s.Ended() {
		line += "  total " + session.FormatDuration(s.Total)
	} else {
		line += "  " + session.FormatDuration(elapsed.Truncate(100*time.Millisecond))
	}
	if s.Status == session.StatusError && s.Err != nil {
		msg := s.Err.Message
		msg = backends.OneLine(termsafe.Text(msg), 60)
		line += "  " + msg
	}
	return line
}

// answerStyle is how printResults shows an answer: as it came (plain
// text, for pipes and files), or its markdown rendered for a terminal.
type answerStyle struct {
	markdown bool
	width    int
	theme    themes.Theme
}

// printResults writes each answer under its own header, then a stats table
// ending with the total cost. Whether or not w is a terminal (a pipe often
// ends on one), every piece of text from a model, a server or a file goes
// through termsafe; the markdown renderer adds only its own styling.
func printResults(w io.Writer, results []*session.Result, style answerStyle) {
	for _, r := range results {
		head := termsafe.Text(r.Target.Label) + " · " + termsafe.Text(r.Target.Provider+":"+r.Target.Model)
		if serving := session.FormatServing(r.Target, &r.Stats); serving != "" {
			head += " · " + serving
		}
		fmt.Fprintf(w, "── %s ", head)
		fmt.Fprintln(w, strings.Repeat("─", max(3, 64-len([]rune(head)))))
		if reasoning := strings.TrimSpace(termsafe.Text(r.Reasoning())); reasoning != "" {
			fmt.Fprintln(w, "[thinking]")
			for _, l := range strings.Split(reasoning, "\n") {
				fmt.Fprintln(w, "  │ "+l)
			}
			fmt.Fprintln(w)
		}
		if text := strings.TrimRight(termsafe.Text(r.Text()), "\n"); text != "" {
			if style.markdown {
				text = strings.Trim(markdown.Full(text, style.width, style.theme), "\n")
			}
			fmt.Fprintln(w, text)
		}
		switch r.Stats.Status {
		case session.StatusError:
			fmt.Fprintf(w, "[error] %s\n", termsafe.Text(r.Stats.Err.Message))
		case session.StatusCancelled:
			fmt.Fprintln(w, "[cancelled: the answer above is partial]")
		}
		if r.Stats.StopReason == backends.StopMaxTokens {
			fmt.Fprintln(w, "[cut at the token limit]")
		}
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tSTATUS\tTTFT\tTOK/S\tIN\tOUT\tTOTAL\tCOST")
	for _, r := range results {
		f := r.Figures()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", termsafe.Text(r.Target.Label), r.Stats.Status, f.TTFT, f.TokensPerS,
			f.Input, f.Output, f.Total, session.FormatCost(r.Cost()))
	}
	if len(results) > 1 {
		fmt.Fprintf(tw, "TOTAL\t\t\t\t\t\t\t%s\n", totalCost(results))
	}
	tw.Flush()
	for _, r := range results {
		if cache := session.FormatCache(r.Stats.Tokens()); cache != "" && r.Stats.Exact() {
			fmt.Fprintf(w, "%s: of its %d input tokens, %s (priced at the cache's rates).\n", termsafe.Text(r.Target.Label), r.Stats.Tokens().Input, cache)
		}
	}
	for _, r := range results {
		if r.Stats.UsageMissing() {
			fmt.Fprintf(w, "~ %s sent no usage: its token counts and cost are estimates.\n", termsafe.Text(r.Target.Label))
		}
	}
}

// totalCost is what the models cost together. A model whose price is
// unknown leaves the total a lower bound, and says how many are missing
// ("≥ $0.0012 (1 unknown)"), never a partial sum shown as the whole; with
// no price known at all it is unknown.
func totalCost(results []*session.Result) string {
	var sum session.Cost
	unknown := 0
	for _, r := range results {
		c := r.Cost()
		if _, ok := session.CostAmount(c); !ok {
			unknown++
			continue
		}
		sum = session.AddCost(sum, c)
	}
	amount, ok := session.CostAmount(sum)
	switch {
	case !ok:
		return session.FormatCost(session.Cost{Source: session.CostUnknown})
	case unknown == 0:
		return session.FormatCost(sum)
	}
	return fmt.Sprintf("≥ %s (%d unknown)", amount, unknown)
}
