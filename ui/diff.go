package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/internal/worddiff"
)

// diffView shows, word by word, where the focused pane's answer (a) and
// another's (b) part ways: what only a says struck through, what only b
// says underlined, what both say plain.
type diffView struct {
	a, b   int
	scroll int // rows scrolled down from the top
	// lines is the diff as drawn, kept for the panes, their answers' sizes
	// and the width it was drawn for.
	key   diffKey
	lines []string
}

type diffKey struct {
	a, b, sizeA, sizeB, width int
	theme                     string
}

// openDiff opens the diff of the focused pane against the next one.
func (m *Model) openDiff() {
	if len(m.panes) < 2 {
		m.status = "one pane: nothing to compare it with"
		return
	}
	a := max(0, m.focus)
	if m.panes[a].result.Text() == "" {
		m.status = "no answer here yet to compare"
		return
	}
	m.diff = &diffView{a: a, b: (a + 1) % len(m.panes)}
}

func (m *Model) diffKey(msg tea.KeyPressMsg) tea.Cmd {
	d, k := m.diff, m.keys.diff
	s := msg.String()
	switch {
	case key.Matches(msg, k.Close):
		m.diff = nil
	case key.Matches(msg, k.Other) && !key.Matches(msg, m.keys.pane.FocusN): // tab: the next pane
		d.b = (d.b + 1) % len(m.panes)
		if d.b == d.a {
			d.b = (d.b + 1) % len(m.panes)
		}
		d.scroll = 0
	case key.Matches(msg, k.Other):
		n := int(s[0] - '1')
		switch {
		case n >= len(m.panes):
			m.status = fmt.Sprintf("no pane %d: %d on screen", n+1, len(m.panes))
		case n == d.a:
			m.status = "that is the pane being compared: pick another"
		default:
			d.b, d.scroll = n, 0
		}
	case key.Matches(msg, k.Scroll) && key.Matches(msg, m.keys.back):
		d.scroll = max(0, d.scroll-1)
	case key.Matches(msg, k.Scroll):
		d.scroll++
	case key.Matches(msg, k.Page) && key.Matches(msg, m.keys.back):
		d.scroll = max(0, d.scroll-max(1, m.height-6))
	case key.Matches(msg, k.Page):
		d.scroll += max(1, m.height-6)
	}
	return nil
}

// renderDiff draws the diff view over the whole screen.
func (m *Model) renderDiff() string {
	th, d := m.theme, m.diff
	w := m.width
	pa, pb := m.panes[d.a], m.panes[d.b]
	k := diffKey{a: d.a, b: d.b, sizeA: len(pa.result.Text()), sizeB: len(pb.result.Text()), width: w, theme: th.Name}
	if d.key != k || d.lines == nil {
		d.key, d.lines = k, m.diffLines(pa.result.Text(), pb.result.Text(), w)
	}
	removed := lipgloss.NewStyle().Foreground(th.Error).Strikethrough(true)
	added := lipgloss.NewStyle().Foreground(th.Done).Underline(true)
	title := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("diff") +
		m.fg(th.Muted).Render(fmt.Sprintf(" · %d %s against %d %s · ", d.a+1, m.paneName(d.a), d.b+1, m.paneName(d.b))) +
		removed.Render("only in "+m.paneName(d.a)) + m.fg(th.Muted).Render(" · ") + added.Render("only in "+m.paneName(d.b))
	help := m.helpLine(m.keys.bindings(modeDiff))
	h := max(1, m.height-lipgloss.Height(title)-lipgloss.Height(help)-1)
	d.scroll = min(d.scroll, max(0, len(d.lines)-h))
	if len(d.lines) > h {
		// Where the view is, when the diff does not fit.
		title += m.fg(th.Subtle).Render(fmt.Sprintf(" · lines %d–%d of %d", d.scroll+1, min(len(d.lines), d.scroll+h), len(d.lines)))
	}
	body := make([]string, h)
	copy(body, d.lines[d.scroll:min(len(d.lines), d.scroll+h)])
	return lipgloss.JoinVertical(lipgloss.Left, truncate(title, w), strings.Join(body, "\n"), help)
}

// diffLines is the word diff of a against b, styled and wrapped to w.
func (m *Model) diffLines(a, b string, w int) []string {
	th := m.theme
	removed := lipgloss.NewStyle().Foreground(th.Error).Strikethrough(true)
	added := lipgloss.NewStyle().Foreground(th.Done).Underline(true)
	same := lipgloss.NewStyle().Foreground(th.Text)
	var text strings.Builder
	for _, p := range worddiff.Diff(termsafe.Text(a), termsafe.Text(b)) {
		style := same
		switch p.Kind {
		case worddiff.Removed:
			style = removed
		case worddiff.Added:
			style = added
		}
		// Styled line by line: a style across a newline would colour the
		// wrap's padding.
		parts := strings.Split(p.Text, "\n")
		for i, part := range parts {
			if i > 0 {
				text.WriteByte('\n')
			}
			if part != "" {
				text.WriteString(style.Render(part))
			}
		}
	}
	return strings.Split(lipgloss.NewStyle().Width(max(8, w-2)).Render(text.String()), "\n")
}
