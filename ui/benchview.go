package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/themes"
)

// BenchOptions configure the live view of a running bench.
type BenchOptions struct {
	Theme  themes.Theme
	Prompt string // the prompt, or a description of the --prompts file
	Labels []string
	Seed   uint64
	// Live computes the bench's state now. It is called from commands,
	// off the update loop, a few times a second.
	Live func() bench.Live
	// Stop starts no more trials (Esc); Cancel ends those in flight too
	// (Ctrl+C). Done is closed once every trial started has ended.
	Stop, Cancel func()
	Done         <-chan struct{}
}

// benchRefresh is how often the view asks for the bench's state: trials
// last hundreds of milliseconds, so five times a second shows each land.
const benchRefresh = 200 * time.Millisecond

// BenchModel is the live view of a bench: a row per model with its
// progress, live TTFT and speed percentiles, errors, cost so far and a
// TTFT histogram, all models on one scale.
type BenchModel struct {
	opts           BenchOptions
	width          int
	live           bench.Live
	has            bool // live holds a state
	stopping       bool
	cancelling     bool
	done           bool
	keys           benchKeys
	started        time.Time
	elapsed        time.Duration
	fixedElapsed   bool // tests pin the clock
	styles         benchStyles
	histLo, histHi float64
}

type benchKeys struct {
	stop, cancel key.Binding
}

type benchStyles struct {
	title, muted, subtle, text, err, best, done, fill, empty lipgloss.Style
	plain                                                    bool
}

func newBenchStyles(th themes.Theme) benchStyles {
	s := lipgloss.NewStyle()
	return benchStyles{
		title:  s.Bold(true).Foreground(th.Accent),
		muted:  s.Foreground(th.Muted),
		subtle: s.Foreground(th.Subtle),
		text:   s.Foreground(th.Text),
		err:    s.Foreground(th.Error).Bold(true),
		best:   s.Foreground(th.Best).Bold(true),
		done:   s.Foreground(th.Done),
		fill:   s.Foreground(th.Accent),
		empty:  s.Foreground(th.Subtle),
		plain:  th.Plain,
	}
}

// NewBench makes the view.
func NewBench(opts BenchOptions) *BenchModel {
	return &BenchModel{
		opts:    opts,
		width:   80,
		started: time.Now(),
		styles:  newBenchStyles(opts.Theme),
		keys: benchKeys{
			stop:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop after the trials in flight")),
			cancel: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "cancel the trials in flight")),
		},
	}
}

// benchStateMsg carries the bench's state; final when every trial ended.
type benchStateMsg struct {
	live  bench.Live
	final bool
}

func (m *BenchModel) refresh() tea.Cmd {
	return tea.Tick(benchRefresh, func(time.Time) tea.Msg { return benchStateMsg{live: m.opts.Live()} })
}

func (m *BenchModel) waitDone() tea.Cmd {
	done, liveFn := m.opts.Done, m.opts.Live
	return func() tea.Msg {
		<-done
		return benchStateMsg{live: liveFn(), final: true}
	}
}

// Init starts the refreshes and the wait for the end.
func (m *BenchModel) Init() tea.Cmd {
	live := m.opts.Live
	return tea.Batch(func() tea.Msg { return benchStateMsg{live: live()} }, m.refresh(), m.waitDone())
}

// Update handles keys, sizes and the bench's state.
func (m *BenchModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width = msg.Width
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.cancel):
			if !m.cancelling {
				m.cancelling, m.stopping = true, true
				cancel := m.opts.Cancel
				return m, func() tea.Msg { cancel(); return nil }
			}
		case key.Matches(msg, m.keys.stop):
			if !m.stopping {
				m.stopping = true
				stop := m.opts.Stop
				return m, func() tea.Msg { stop(); return nil }
			}
		}
	case benchStateMsg:
		if m.done {
			return m, nil
		}
		m.live, m.has = msg.live, true
		if !m.fixedElapsed {
			m.elapsed = time.Since(m.started)
		}
		m.histLo, m.histHi = histRange(m.live)
		if msg.final {
			m.done = true
			return m, tea.Quit
		}
		return m, m.refresh()
	}
	return m, nil
}

// Done reports whether the bench ended.
func (m *BenchModel) Done() bool { return m.done }

// View draws the bench.
func (m *BenchModel) View() tea.View { return tea.NewView(m.render()) }

// histRange is the TTFT scale every model's histogram shares, so their
// shapes can be compared at a glance.
func histRange(l bench.Live) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, lm := range l.Models {
		for _, v := range lm.TTFTs {
			lo, hi = min(lo, v), max(hi, v)
		}
	}
	if lo > hi {
		return 0, 0
	}
	return lo, hi
}

// benchLayout is the widths of the view's columns at a terminal width.
type benchLayout struct {
	label, bar, hist int
	histBelow        bool // too narrow: the histogram gets its own line
}

const (
	benchStatsWidth = 8 + 1 + 7 + 2 + 6 + 2 + 4 + 2 + 10 // p50 p90 tok/s err cost
	benchMinHist    = 12
)

func (m *BenchModel) layout() benchLayout {
	l := benchLayout{label: 6, bar: 10}
	for _, s := range m.opts.Labels {
		l.label = max(l.label, ansi.StringWidth(termsafe.Text(s)))
	}
	l.label = min(l.label, 24)
	fixed := func() int { return l.label + 2 + l.bar + 1 + 7 + 2 + benchStatsWidth + 2 }
	if m.width-fixed() >= benchMinHist {
		l.hist = min(m.width-fixed(), 32)
		return l
	}
	// Narrow: a shorter bar, a shorter label, the histogram below.
	l.bar = 8
	if over := fixed() - m.width; over > 0 {
		l.label = max(8, l.label-over)
	}
	l.histBelow = true
	l.hist = max(0, min(m.width-l.label-4, 32))
	return l
}

func (m *BenchModel) render() string {
	st := m.styles
	var b strings.Builder
	models := len(m.opts.Labels)
	head := fmt.Sprintf("fanout bench · %d models × %d trials", models, m.live.Planned)
	if m.live.Report.Warmup > 0 {
		head += fmt.Sprintf(" (+%d warm-up)", m.live.Report.Warmup)
	}
	if c := m.live.Report.Concurrency; c > 1 {
		head += fmt.Sprintf(" · %d at once per model", c)
	}
	head += fmt.Sprintf(" · seed %d · %s", m.opts.Seed, bench.Elapsed(m.elapsed))
	b.WriteString(benchCut(st.title.Render(head), m.width) + "\n")
	prompt := strings.Join(strings.Fields(termsafe.Text(m.opts.Prompt)), " ")
	b.WriteString(benchCut(st.muted.Render("“"+prompt+"”"), m.width) + "\n\n")

	l := m.layout()
	cols := []string{benchPad("MODEL", l.label), benchPad("PROGRESS", l.bar+1+7), benchPadLeft("TTFT p50", 8) + " " + benchPadLeft("p90", 7),
		benchPadLeft("tok/s", 6), benchPadLeft("err", 4), benchPadLeft("cost", 10)}
	header := strings.Join(cols, "  ")
	if l.hist > 0 && !l.histBelow {
		header += "  " + histAxis(m.histLo, m.histHi, l.hist)
	}
	b.WriteString(benchCut(st.subtle.Render(header), m.width) + "\n")

	bestTTFT := -1
	for i, mr := range m.live.Report.Models {
		if mr.TTFT.P50 != nil && (bestTTFT < 0 || *mr.TTFT.P50 < *m.live.Report.Models[bestTTFT].TTFT.P50) {
			bestTTFT = i
		}
	}
	simulated, axisShown := false, false
	for i, label := range m.opts.Labels {
		var mr bench.ModelReport
		var lm bench.LiveModel
		if i < len(m.live.Report.Models) {
			mr, lm = m.live.Report.Models[i], m.live.Models[i]
		}
		simulated = simulated || lm.Cost.Simulated
		frac := 0.0
		if m.live.Planned > 0 {
			frac = float64(lm.Ended) / float64(m.live.Planned)
		}
		count := fmt.Sprintf("%d/%d", lm.Ended, m.live.Planned)
		if lm.InFlight > 0 && !m.done {
			count += "…"
		}
		ttft := benchPadLeft(bench.FormatMillis(mr.TTFT.P50), 8)
		if i == bestTTFT && len(m.opts.Labels) > 1 {
			ttft = st.best.Render(ttft)
		}
		errs := benchPadLeft(fmt.Sprint(mr.Runs-mr.OK), 4)
		if mr.Runs > mr.OK {
			errs = st.err.Render(errs)
		}
		cost := "—"
		if lm.Cost.Source != "" {
			cost = bench.FormatUSD(lm.Cost.USD, lm.Cost.Source)
		}
		row := strings.Join([]string{
			st.text.Render(benchPad(ansi.Truncate(termsafe.Text(label), l.label, "…"), l.label)),
			m.progressBar(frac, l.bar) + " " + benchPad(count, 7),
			ttft + " " + benchPadLeft(bench.FormatMillis(mr.TTFT.P90), 7),
			benchPadLeft(bench.FormatRate(mr.TokensPerSec.P50), 6),
			errs,
			benchPadLeft(cost, 10),
		}, "  ")
		hist := histogram(lm.TTFTs, l.hist, m.histLo, m.histHi)
		if l.hist > 0 && !l.histBelow {
			row += "  " + st.done.Render(hist)
		}
		b.WriteString(benchCut(row, m.width) + "\n")
		if l.hist > 0 && l.histBelow && len(lm.TTFTs) > 0 {
			line := strings.Repeat(" ", l.label+2) + st.done.Render(hist)
			if !axisShown { // once: every histogram shares the scale
				line += st.subtle.Render(" TTFT " + histAxis(m.histLo, m.histHi, 0))
				axisShown = true
			}
			b.WriteString(benchCut(line, m.width) + "\n")
		}
		if mr.Runs > mr.OK {
			b.WriteString(benchCut(strings.Repeat(" ", l.label+2)+st.err.Render(bench.ErrorSummary(mr)), m.width) + "\n")
		}
	}
	b.WriteString("\n")
	var foot []string
	if m.live.WarmupsLeft > 0 && !m.done {
		foot = append(foot, fmt.Sprintf("warming up (%d left, not counted)", m.live.WarmupsLeft))
	}
	if simulated {
		foot = append(foot, "demo prices are simulated")
	}
	switch {
	case m.done:
		foot = append(foot, "done")
	case m.cancelling:
		foot = append(foot, "cancelling the trials in flight…")
	case m.stopping:
		foot = append(foot, "stopping after the trials in flight…")
	default:
		foot = append(foot, m.keys.stop.Help().Key+" "+m.keys.stop.Help().Desc, m.keys.cancel.Help().Key+" "+m.keys.cancel.Help().Desc)
	}
	b.WriteString(benchCut(st.subtle.Render(strings.Join(foot, " · ")), m.width) + "\n")
	return b.String()
}

// progressBar draws frac of width cells filled. (bubbles' progress bar
// would bring its spring animation, and a dependency, for a bar that
// moves a step per trial.)
func (m *BenchModel) progressBar(frac float64, width int) string {
	full := int(math.Round(min(max(frac, 0), 1) * float64(width)))
	fill, empty := "█", "░"
	if m.styles.plain {
		fill, empty = "#", "."
	}
	return m.styles.fill.Render(strings.Repeat(fill, full)) + m.styles.empty.Render(strings.Repeat(empty, width-full))
}

// histBlocks draw a bin's count, from one trial to the model's most.
var histBlocks = []rune("▁▂▃▄▅▆▇█")

// histogram draws values as width bins over [lo, hi], each bin's height
// relative to the model's fullest bin; an empty bin is a dot on the
// baseline, so the scale shows.
func histogram(values []float64, width int, lo, hi float64) string {
	if width <= 0 {
		return ""
	}
	if len(values) == 0 {
		return strings.Repeat(" ", width)
	}
	counts := bench.Histogram(values, width, bench.NewScale(lo, hi))
	most := 0
	for _, c := range counts {
		most = max(most, c)
	}
	var b strings.Builder
	for _, c := range counts {
		if c == 0 {
			b.WriteRune('·')
			continue
		}
		level := int(math.Ceil(float64(c)/float64(most)*float64(len(histBlocks)))) - 1
		b.WriteRune(histBlocks[min(max(level, 0), len(histBlocks)-1)])
	}
	return b.String()
}

// histAxis labels the histograms' shared scale: "TTFT 120ms … 2.6s" in
// width cells (0: as short as it gets).
func histAxis(lo, hi float64, width int) string {
	if lo == 0 && hi == 0 {
		return benchPad("TTFT", width)
	}
	l, h := bench.FormatMillis(&lo), bench.FormatMillis(&hi)
	if bench.NewScale(lo, hi).Log {
		h += " (log)"
	}
	if width == 0 {
		return l + "…" + h
	}
	mid := width - ansi.StringWidth(l) - ansi.StringWidth(h)
	if mid < 1 {
		return benchPad("TTFT", width)
	}
	return l + strings.Repeat(" ", mid) + h
}

func benchPad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func benchPadLeft(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return strings.Repeat(" ", w-n) + s
	}
	return s
}

func benchCut(s string, w int) string {
	if w <= 0 {
		return s
	}
	return ansi.Truncate(s, w, "")
}
