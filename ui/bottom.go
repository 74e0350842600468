package ui

import (
	"fmt"
	"regexp"
	"time"

	"charm.land/bubbles/v2/key"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

func (m *Model) layoutEditor() {
	if m.height >= tallEditor {
		m.editor.SetHeight(3)
	} else {
		m.editor.SetHeight(1)
	}
	m.editor.SetWidth(max(10, m.width-2))
	m.help.SetWidth(m.width)
}

// renderBottom draws the summary strip (when a turn is over), the composer,
// the estimates of the prompt being typed and the short help.
func (m *Model) renderBottom() string { return m.bottomBlock().text }

// bottomBlock is renderBottom's drawing, measured. The pieces are
// computed on every frame, but put in the composer's border and measured
// only when one of them changed: while answers stream, the bottom rarely
// does.
func (m *Model) bottomBlock() *drawnBottom {
	th := m.theme
	var parts []string
	if s := m.summary(); s != "" {
		parts = append(parts, s)
	}
	if m.replay != nil {
		return m.keepBottom(lipgloss.JoinVertical(lipgloss.Left, append(parts, m.renderReplayBar())...))
	}
	editor := m.editor.View()
	switch {
	case m.voting():
		editor = m.renderVoteBar()
	case m.opts.VoteOn != nil:
		editor = m.voteOnlyBar()
	}
	notes := m.fg(th.Muted).Render(truncate(m.budgetNote()+m.estimates(), m.width))
	help := m.shortHelp()
	k := bottomKey{summary: strings.Join(parts, ""), editor: editor, notes: notes, help: help,
		width: m.width, themeGen: m.themeGen, composer: m.focus < 0}
	if m.bottom.ok && m.bottom.key == k {
		return &m.bottom
	}
	borderColor := th.BorderUnfocused
	if m.focus < 0 {
		borderColor = th.BorderFocused
	}
	box := lipgloss.NewStyle().Border(paneBorder(th, m.focus < 0), true, false, true, false).
		BorderForeground(borderColor).Width(m.width).Render(editor)
	parts = append(parts, box, notes, help)
	b := m.keepBottom(lipgloss.JoinVertical(lipgloss.Left, parts...))
	b.key, b.ok = k, true
	return b
}

// drawnBottom is the bottom as last drawn, with what it was drawn from.
type drawnBottom struct {
	key   bottomKey
	ok    bool
	text  string
	block block
}

type bottomKey struct {
	summary, editor, notes, help string
	width, themeGen              int
	composer                     bool
}

// keepBottom keeps s as the bottom last drawn, not reusable until given
// a key.
func (m *Model) keepBottom(s string) *drawnBottom {
	m.bottom = drawnBottom{text: s, block: newBlock(s)}
	return &m.bottom
}

// shortHelp is the help line of the mode the keys act in.
func (m *Model) shortHelp() string {
	if m.opts.VoteOn != nil && !m.voting() {
		v := m.keys.vote
		return m.helpLine([]key.Binding{v.Focus, v.Board, v.Help})
	}
	if m.running {
		return m.helpLine(m.keys.shortWhileRunning(m.mode()))
	}
	return m.helpLine(m.keys.short(m.mode()))
}

// helpLine is a one-line help that fits the screen. The quit binding is
// always on it, last, and ? (help) as long as anything else is: when the
// line is too wide, the other bindings are dropped from the end first.
// (bubbles' help would drop from the end whatever they are, quit first.)
func (m *Model) helpLine(bindings []key.Binding) string {
	quit := m.keys.composer.Quit
	var keep []key.Binding
	for _, b := range bindings {
		if !sameKeys(b, quit) {
			keep = append(keep, b)
		}
	}
	h := m.help
	h.SetWidth(0) // measured here, not cut by bubbles
	for {
		line := h.ShortHelpView(append(keep[:len(keep):len(keep)], quit))
		if lipgloss.Width(line) <= m.width || len(keep) == 0 {
			return truncate(line, m.width)
		}
		drop := len(keep) - 1
		for drop > 0 && hasKey(keep[drop], "?") {
			drop--
		}
		keep = slices.Delete(keep, drop, drop+1)
	}
}

func hasKey(b key.Binding, k string) bool { return slices.Contains(b.Keys(), k) }

func sameKeys(a, b key.Binding) bool { return slices.Equal(a.Keys(), b.Keys()) }

// estimates shows, before sending, what the prompt would send each model
// (its own conversation so far, then the prompt) and what that would cost.
// Each pane keeps its history's count, so a key costs the prompt's count
// once, whatever the length of the conversations; the line is cached for
// the prompt and width it was made for, as View draws many frames a key.
func (m *Model) estimates() string {
	prompt := strings.TrimSpace(m.editor.Value())
	if m.voting() {
		return " read the answers (tab moves between panes), then pick the best: the names show after your vote"
	}
	if m.opts.VoteOn != nil {
		return " a recorded session: nothing is sent from here"
	}
	if prompt == "" {
		if hint := m.legendHint(); hint != "" {
			return hint
		}
		if m.turns > 0 {
			return " follow-ups go to every model with its own conversation · ctrl+n starts over"
		}
		if len(m.panes) == 0 {
			return " no models yet: ctrl+p picks some"
		}
		return " type a prompt; every model answers side by side"
	}
	if m.hidden() {
		// Per-model estimates would tell the models apart by price.
		return fmt.Sprintf(" ~%d tokens in · blind: costs show after the vote",
			backends.EstimateInput(backends.Request{System: m.params.system, Messages: []backends.Message{{Role: backends.RoleUser, Content: prompt}}}))
	}
	key := estimateKey{prompt: prompt, width: m.width, panes: m.paneSignature(), budget: m.budgetNote()}
	if m.estimate.key == key {
		return m.estimate.line
	}
	m.estimate.key, m.estimate.line = key, m.estimateLine(prompt)
	return m.estimate.line
}

// estimateKey is what the estimate line depends on.
type estimateKey struct {
	prompt, panes, budget string
	width                 int
}

// paneSignature tells one set of panes and histories from another, for
// the estimate's cache: a few bytes a pane.
func (m *Model) paneSignature() string {
	var b strings.Builder
	for _, p := range m.panes {
		fmt.Fprintf(&b, "%p:%d;", p, p.historyTokens)
	}
	return b.String()
}

// estimateLine is the estimate for prompt: per model when the line fits,
// else the range of input tokens and the total cost.
func (m *Model) estimateLine(prompt string) string {
	promptTokens := backends.EstimateInput(backends.Request{System: m.params.system, Messages: []backends.Message{{Role: backends.RoleUser, Content: prompt}}})
	type est struct {
		in   int
		cost *float64
	}
	ests := make([]est, len(m.panes))
	lo, hi := -1, 0
	for i, p := range m.panes {
		e := est{in: promptTokens + p.historyTokens}
		if p.price != nil {
			// Priced at the tier the model is asked for: the one it is
			// likeliest to be served at.
			if c, ok := p.price.Cost(backends.Usage{Input: e.in}.Tokens(), p.target.ServiceTier); ok {
				e.cost = &c
			}
		}
		ests[i] = e
		if lo < 0 || e.in < lo {
			lo = e.in
		}
		hi = max(hi, e.in)
	}
	if len(ests) == 0 {
		return fmt.Sprintf(" ~%d tokens in · no models: ctrl+p picks some", promptTokens)
	}
	var b strings.Builder
	if lo == hi {
		fmt.Fprintf(&b, " ~%d tokens in ·", lo)
	} else {
		b.WriteString(" in:")
	}
	for i, p := range m.panes {
		b.WriteString(" " + p.target.Label)
		if lo != hi {
			fmt.Fprintf(&b, " ~%d tok", ests[i].in)
		}
		if c := ests[i].cost; c != nil {
			b.WriteString(" ~" + session.FormatUSD(*c))
		} else {
			b.WriteString(" —")
		}
		if i < len(m.panes)-1 {
			b.WriteString(" ·")
		}
	}
	if line := b.String(); lipgloss.Width(m.budgetNote()+line) <= m.width {
		return line
	}
	// Too long for one line: the range and the total.
	total, unpriced := 0.0, 0
	for _, e := range ests {
		if e.cost == nil {
			unpriced++
			continue
		}
		total += *e.cost
	}
	in := fmt.Sprintf("~%d", lo)
	if lo != hi {
		in = fmt.Sprintf("~%d–%d", lo, hi)
	}
	line := fmt.Sprintf(" %s tokens in · ~%s on %d models", in, session.FormatUSD(total), len(ests))
	if unpriced > 0 {
		line += fmt.Sprintf(" (%d unpriced)", unpriced)
	}
	return line
}

// summary ranks the panes once every one has ended: first token, speed,
// cost and length, with the best of each marked and the figure it won
// with. Every category and every winning figure is always shown: when the
// full line does not fit, labels are shortened and the runners-up left
// out, then the strip takes two lines.
func (m *Model) summary() string {
	if m.streaming() || len(m.panes) < 2 || m.hidden() {
		return "" // a blind round's summary comes with the vote
	}
	for _, p := range m.panes {
		if !p.idle() && !p.result.Stats.Ended() {
			return "" // a paused replay, mid-run
		}
	}
	var ttft, speed, cost, length []rankEntry
	for i, p := range m.panes {
		s := &p.result.Stats
		if s.Status != session.StatusDone {
			continue
		}
		if d, ok := s.TTFT(); ok {
			ttft = append(ttft, rankEntry{i, float64(d), session.FormatDuration(d), true})
		}
		if v, ok := s.TokensPerSecond(); ok {
			speed = append(speed, rankEntry{i, -v, session.FormatRate(v, s.Usage != nil, 0) + " tok/s", s.Usage != nil})
		}
		if c := p.result.Cost(); c.USD != nil {
			if text, ok := session.CostAmount(c); ok {
				cost = append(cost, rankEntry{i, *c.USD, text, c.Source != session.CostEstimated})
			}
		}
		n := s.Tokens().Output
		length = append(length, rankEntry{i, -float64(n), session.FormatTokens(n, s.Usage != nil) + " tok", s.Usage != nil})
	}
	if len(ttft) == 0 {
		return ""
	}
	var cats []rankCategory
	for _, c := range []rankCategory{
		{"first", ttft, func(d float64, _ bool) string { return session.FormatDuration(time.Duration(d)) }},
		{"fastest", speed, func(d float64, exact bool) string { return session.FormatRate(d, exact, 0) + " tok/s" }},
		{"cheapest", cost, func(d float64, exact bool) string {
			if exact {
				return session.FormatUSD(d)
			}
			return "~" + session.FormatUSD(d)
		}},
		{"longest", length, func(d float64, exact bool) string { return session.FormatTokens(int(d), exact) + " tok" }},
	} {
		if len(c.entries) > 0 {
			slices.SortStableFunc(c.entries, func(a, b rankEntry) int {
				switch {
				case a.value < b.value:
					return -1
				case a.value > b.value:
					return 1
				}
				return 0
			})
			cats = append(cats, c)
		}
	}
	full := m.labels(0)
	short := m.labels(14)
	tiny := m.labels(8)
	sep := m.fg(m.theme.Muted).Render("  │  ")
	line := func(cs []rankCategory, labels []string, d rankDetail) string {
		var items []string
		for _, c := range cs {
			items = append(items, m.rankItem(c, labels, d))
		}
		return " " + strings.Join(items, sep)
	}
	for _, try := range []struct {
		labels []string
		detail rankDetail
	}{{full, rankRunnerUp}, {short, rankRunnerUp}, {short, rankMargin}} {
		if l := line(cats, try.labels, try.detail); lipgloss.Width(l) <= m.width {
			return l
		}
	}
	// Two lines, half the categories on each, each line as full as fits.
	half := (len(cats) + 1) / 2
	var out []string
	for _, cs := range [][]rankCategory{cats[:half], cats[half:]} {
		var l string
		for _, try := range []struct {
			labels []string
			detail rankDetail
		}{{short, rankRunnerUp}, {short, rankMargin}, {tiny, rankMargin}, {tiny, rankWinner}} {
			if l = line(cs, try.labels, try.detail); lipgloss.Width(l) <= m.width {
				break
			}
		}
		out = append(out, truncate(l, m.width))
	}
	return strings.Join(out, "\n")
}

// rankEntry is one pane's figure in a category of the summary; value
// sorts, smallest best.
type rankEntry struct {
	pane  int
	value float64
	text  string
	exact bool // the figure is no estimate
}

type rankCategory struct {
	name    string
	entries []rankEntry // sorted, best first
	// by formats the lead of the winner over the runner-up, a difference
	// of values.
	by func(diff float64, exact bool) string
}

// rankDetail is how much the summary says of a category beside its
// winner and the winning figure.
type rankDetail int

const (
	rankRunnerUp rankDetail = iota // … · Sage 190ms
	rankMargin                     // … (by 40ms)
	rankWinner                     // nothing more
)

// rankItem is one category of the summary: its winner with the winning
// figure, then the runner-up with its figure, or the lead over it.
func (m *Model) rankItem(c rankCategory, labels []string, d rankDetail) string {
	best := lipgloss.NewStyle().Foreground(m.theme.Best).Bold(true)
	muted := m.fg(m.theme.Muted)
	w := c.entries[0]
	s := muted.Render(c.name+" ") + best.Render("★ "+labels[w.pane]+" "+w.text)
	if len(c.entries) < 2 {
		return s
	}
	r := c.entries[1]
	switch {
	case d == rankRunnerUp:
		s += muted.Render(" · " + labels[r.pane] + " " + r.text)
	case d == rankMargin && r.value == w.value:
		s += muted.Render(" (tie)")
	case d == rankMargin:
		s += muted.Render(" (by " + c.by(r.value-w.value, w.exact && r.exact) + ")")
	}
	return s
}

// labels are the panes' labels for the summary, at most w cells each (0:
// whole). A label is shortened by dropping its "(…)" asides first (demo
// models are "Swift (simulated)", "Swift (simulated) #2"), then by cutting
// it with an ellipsis;
// when shortening would make two panes read alike, they are cut instead.
var parenthetical = regexp.MustCompile(`\([^()]*\)`)

func (m *Model) labels(w int) []string {
	out := make([]string, len(m.panes))
	seen := map[string]bool{}
	unique := true
	for i, p := range m.panes {
		l := p.target.Label
		if w > 0 {
			if short := strings.Join(strings.Fields(parenthetical.ReplaceAllString(l, "")), " "); short != "" {
				l = short
			}
			l = truncate(l, w)
		}
		out[i] = l
		unique = unique && !seen[l]
		seen[l] = true
	}
	if !unique {
		for i, p := range m.panes {
			out[i] = truncate(p.target.Label, max(w, 1))
			if w == 0 {
				out[i] = p.target.Label
			}
		}
	}
	return out
}

// renderHelp is the full-screen ? view: one page per mode, each listing
// that mode's key map, with the legend of the numbers under it.
func (m *Model) renderHelp() string {
	th := m.theme
	page := mode(m.helpPage)
	title := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("fanout · keys")
	// The pages, the one shown highlighted.
	var tabs []string
	for md := range modeCount {
		style := m.fg(th.Subtle)
		name := modeNames[md]
		if md == page {
			style = lipgloss.NewStyle().Bold(true).Foreground(th.Text).Underline(th.Plain)
			name = "[" + name + "]"
		}
		tabs = append(tabs, style.Render(name))
	}
	tabLine := wrap(strings.Join(tabs, m.fg(th.Subtle).Render(" · ")), max(8, m.width-2))
	intro := m.fg(th.Muted).Render(wrap("Tab moves between the composer and the panes. In a pane, letters are commands; in the composer they type, and ? opens this help while it is empty.", max(8, m.width-2)))
	width := m.help.Width()
	m.help.SetWidth(0) // measure, then fit the columns to the screen below
	m.help.ShowAll = true
	keys := modeHelpMap(m.keys.bindings(page))
	body := m.help.View(keys)
	if lipgloss.Width(body) > m.width-2 {
		// Too narrow for the columns side by side: stack them.
		var cols []string
		for _, c := range keys.FullHelp() {
			cols = append(cols, m.help.View(modeHelpMap(c)))
		}
		body = strings.Join(cols, "\n")
	}
	m.help.ShowAll = false
	m.help.SetWidth(width)
	if page == modeReplay {
		body += "\n" + m.fg(th.Muted).Render(wrap("space, +/-, ←/→ and [/] also act while a pane has focus.", max(8, m.width-2)))
	}
	if page == modePicker {
		body += "\n" + m.fg(th.Muted).Render(wrap("Other keys type in the filter; a typed provider:model is offered as a row of its own.", max(8, m.width-2)))
	}
	foot := m.fg(th.Subtle).Render(truncate(m.helpLine(m.keys.bindings(modeHelp)), m.width))
	// The fullest layout that fits the screen: the intro goes first, then
	// the legend's table becomes a paragraph, then the blank lines go,
	// then the legend.
	legendW := m.width - 2
	var parts []string
	for _, try := range []struct{ intro, compact, blanks, legend bool }{
		{true, false, true, true}, {false, false, true, true}, {false, true, true, true}, {false, true, false, true}, {false, true, false, false},
	} {
		blank := func() []string {
			if try.blanks {
				return []string{""}
			}
			return nil
		}
		parts = []string{title, tabLine}
		parts = append(parts, blank()...)
		if try.intro {
			parts = append(parts, intro, "")
		}
		parts = append(parts, body)
		if try.legend {
			parts = append(append(parts, blank()...), m.renderLegend(legendW, try.compact))
		}
		parts = append(append(parts, blank()...), foot)
		if lipgloss.Height(strings.Join(parts, "\n")) <= m.height {
			break
		}
	}
	content := lipgloss.JoinVertical(lipgloss.Left, parts...)
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, content)
}
