package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui"
)

// runBenchView runs the bench behind its live terminal view, then prints
// the rankings. cancel ends the trials in flight (Ctrl+C in the view).
func runBenchView(ctx context.Context, e env, theme string, r *bench.Runner, c *bench.Collector, h session.Header, limits bench.Limits, slos []bench.SLO, cancel func()) error {
	in := bench.Input{Bench: *h.Bench, Targets: h.Targets, Goodput: limits, SLOs: slos}
	labels := make([]string, len(h.Targets))
	for i, t := range h.Targets {
		labels[i] = t.Label
	}
	prompt := h.Bench.Prompts[0].Prompt
	if n := len(h.Bench.Prompts); n > 1 {
		prompt = fmt.Sprintf("%d prompts, from %q on", n, strings.Fields(prompt + " …")[0])
	}
	th := e.benchTheme(theme)
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Run(ctx)
	}()
	m := ui.NewBench(ui.BenchOptions{Theme: th, Prompt: prompt, Labels: labels, Seed: h.Bench.Seed,
		Live: func() bench.Live { return c.Live(in) }, Stop: r.Stop, Cancel: cancel, Done: done})
	opts := append(ui.ProgramOptions(), tea.WithContext(ctx), tea.WithOutput(e.stdout))
	if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
		opts = append(opts, tea.WithInput(f))
	} else {
		// The prompt came on stdin: no keys to read (Ctrl+C still stops).
		opts = append(opts, tea.WithInput(nil))
	}
	_, err := tea.NewProgram(m, opts...).Run()
	if err != nil && ctx.Err() == nil {
		// The view failed: the bench must not go on unseen.
		cancel()
	}
	<-done
	in.Measures = c.Measures()
	fmt.Fprintln(e.stdout)
	fmt.Fprint(e.stdout, ui.BenchSummary(bench.Build(in), th, terminalWidth(e.stdout)))
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("bench view: %w", err)
	}
	return nil
}

// benchTheme is the theme of the bench view: none under NO_COLOR, else
// name (the config's), for the terminal's background.
func (e env) benchTheme(name string) themes.Theme {
	if e.getenv("NO_COLOR") != "" {
		return themes.NoColor()
	}
	dark := true
	in, okIn := e.stdin.(*os.File)
	out, okOut := e.stdout.(*os.File)
	if okIn && okOut && isTerminal(in) && isTerminal(out) {
		dark = lipgloss.HasDarkBackground(in, out)
	}
	th, err := themes.Get(name, dark)
	if err != nil {
		// An unknown theme in the config is reported where the cockpit
		// starts; the bench is shown in the default.
		th, _ = themes.Get(themes.Auto, dark)
	}
	return th
}
