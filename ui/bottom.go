package ui

import (
	"fmt"

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
func (m *Model) renderBottom() string {
	th := m.theme
	var parts []string
	if s := m.summary(); s != "" {
		parts = append(parts, s)
	}
	if m.replay != nil {
		return lipgloss.JoinVertical(lipgloss.Left, append(parts, m.renderReplayBar())...)
	}
	borderColor := th.BorderUnfocused
	if m.focus < 0 {
		borderColor = th.BorderFocused
	}
	editor := lipgloss.NewStyle().Border(lipgloss.RoundedBorder(), true, false, true, false).
		BorderForeground(borderColor).Width(m.width).Render(m.editor.View())
	parts = append(parts, editor, m.fg(th.Muted).Render(truncate(m.budgetNote()+m.estimates(), m.width)), m.shortHelp())
	return lipgloss.JoinVertical(lipgloss.Left, parts...)
}

// shortHelp is the help line for what has focus.
func (m *Model) shortHelp() string {
	switch {
	case m.focus >= 0:
		return m.helpLine(m.keys.paneHelp())
	case m.replay != nil:
		return m.helpLine(m.keys.replayHelp())
	}
	return m.helpLine(m.keys.ShortHelp())
}

// helpLine is a one-line help cut to the screen: bubbles' help lets the
// last item overflow when its ellipsis does not fit.
func (m *Model) helpLine(bindings []key.Binding) string {
	return truncate(m.help.ShortHelpView(bindings), m.width)
}

// estimates shows, before sending, the prompt's estimated input tokens and
// what it would cost on each model.
func (m *Model) estimates() string {
	prompt := strings.TrimSpace(m.editor.Value())
	if prompt == "" {
		if m.turns > 0 {
			return " follow-ups go to every model with its own conversation · ctrl+n starts over"
		}
		return " type a prompt; every model answers side by side"
	}
	var b strings.Builder
	for i, p := range m.panes {
		req := m.request(p, prompt)
		in := backends.EstimateInput(req)
		if i == 0 {
			fmt.Fprintf(&b, " ~%d tokens in ·", in)
		}
		cost := "—"
		if p.price != nil {
			cost = "~" + session.FormatUSD(p.price.Cost(backends.Usage{Input: in}))
		}
		fmt.Fprintf(&b, " %s %s", p.target.Label, cost)
		if i < len(m.panes)-1 {
			b.WriteString(" ·")
		}
	}
	return b.String()
}

// summary ranks the panes once every one has ended: first token, speed,
// cost and length, with the best of each marked.
func (m *Model) summary() string {
	if m.streaming() || len(m.panes) < 2 {
		return ""
	}
	type entry struct {
		label string
		value float64
		text  string
	}
	var ttft, speed, cost, length []entry
	for _, p := range m.panes {
		s := &p.result.Stats
		if s.Status != session.StatusDone {
			continue
		}
		if d, ok := s.TTFT(); ok {
			ttft = append(ttft, entry{p.target.Label, float64(d), session.FormatDuration(d)})
		}
		if v, ok := s.TokensPerSecond(); ok {
			speed = append(speed, entry{p.target.Label, -v, session.FormatRate(v, s.Exact(), 0) + " tok/s"})
		}
		if c := p.result.Cost(); c.Ranked() {
			if text, ok := session.CostAmount(c); ok {
				cost = append(cost, entry{p.target.Label, *c.USD, text})
			}
		}
		n := s.Tokens().Output
		length = append(length, entry{p.target.Label, -float64(n), session.FormatTokens(n, s.Exact()) + " tok"})
	}
	if len(ttft) == 0 {
		return ""
	}
	best := lipgloss.NewStyle().Foreground(m.theme.Best).Bold(true)
	muted := m.fg(m.theme.Muted)
	cat := func(name string, es []entry) string {
		if len(es) == 0 {
			return ""
		}
		slices.SortStableFunc(es, func(a, b entry) int {
			switch {
			case a.value < b.value:
				return -1
			case a.value > b.value:
				return 1
			}
			return 0
		})
		s := muted.Render(name+" ") + best.Render("★ "+es[0].label+" "+es[0].text)
		if len(es) > 1 {
			s += muted.Render(" · " + es[1].label)
		}
		return s
	}
	items := []string{cat("first", ttft), cat("fastest", speed), cat("cheapest", cost), cat("longest", length)}
	var out []string
	for _, it := range items {
		if it != "" {
			out = append(out, it)
		}
	}
	line := " " + strings.Join(out, muted.Render("  │  "))
	if lipgloss.Width(line) > m.width {
		// Too wide for one line: one category per line would steal rows
		// from the panes, so keep the winners only.
		out = out[:0]
		for _, it := range []struct {
			n  string
			es []entry
		}{{"first", ttft}, {"fastest", speed}, {"cheapest", cost}} {
			if len(it.es) > 0 {
				out = append(out, muted.Render(it.n+" ")+best.Render("★ "+it.es[0].label))
			}
		}
		line = truncate(" "+strings.Join(out, muted.Render(" · ")), m.width)
	}
	return line
}

// renderHelp is the full-screen ? view.
func (m *Model) renderHelp() string {
	th := m.theme
	title := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("fanout · keys")
	intro := m.fg(th.Muted).Render("Tab moves between the composer and the panes. In a pane, letters are commands;\nin the composer they type. Esc cancels the streams in flight.")
	width := m.help.Width()
	m.help.SetWidth(0) // measure, then fit the columns to the screen below
	m.help.ShowAll = true
	body := m.help.View(m.keys)
	if lipgloss.Width(body) > m.width-2 {
		// Too narrow for every column side by side: stack them in two
		// rows rather than cut the last ones off.
		cols := m.keys.FullHelp()
		half := (len(cols) + 1) / 2
		body = m.help.View(helpColumns(cols[:half])) + "\n\n" + m.help.View(helpColumns(cols[half:]))
	}
	replay := m.help.View(replayKeys{m.keys})
	m.help.ShowAll = false
	m.help.SetWidth(width)
	foot := m.fg(th.Subtle).Render("? or esc closes this help")
	replayTitle := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("replaying a session")
	parts := []string{title, "", intro, "", body, "", replayTitle, replay, "", foot}
	if h := lipgloss.Height(strings.Join(parts, "\n")); h > m.height {
		parts = append(parts[:2], parts[4:]...) // the intro goes first
	}
	content := lipgloss.JoinVertical(lipgloss.Left, parts...)
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, content)
}

// helpColumns shows some columns of the full help.
type helpColumns [][]key.Binding

func (c helpColumns) ShortHelp() []key.Binding  { return nil }
func (c helpColumns) FullHelp() [][]key.Binding { return c }
