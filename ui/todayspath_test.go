package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
)

// This file keeps the cockpit's grid as it was drawn before the pane
// cache (issue 11), frozen: every pane restyled, re-bordered and joined
// with lipgloss on every frame, every line of the answer copied. It is
// "today's path" of the benchmarks, measured in the same run as the
// cached one, and the reference the cached grid must equal byte for byte
// (see panecache_test.go). Only tests and benchmarks install it, through
// Model.legacyGrid.

// useTodaysPath makes m draw its grid as before the pane cache, and its
// panes render their answers with the markdown path of before issue 11
// (markdown.NewBaselineStream).
func (m *Model) useTodaysPath() {
	m.legacyGrid, m.legacyBottom = m.legacyRenderGrid, m.legacyRenderBottom
	for _, p := range m.panes {
		p.useBaseline()
	}
}

func (m *Model) legacyRenderGrid(w, h int) string {
	if len(m.panes) == 0 {
		return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, m.fg(m.theme.Muted).Render("No models. Start fanout with -m provider:model."))
	}
	if m.zoomed && m.focus >= 0 {
		return m.legacyRenderPaneAs(m.focus, w, h, footerFor(w-2))
	}
	g := m.gridLayout(w, h)
	// One stats format for the whole grid, from its narrowest cell.
	f := footerFor(g.w/g.cols - 2)
	var rowStrs []string
	for r := 0; r < g.rows; r++ {
		_, rh := span(r, g.rows, g.h)
		var cells []string
		for c := 0; c < g.cols; c++ {
			i := g.first + r*g.cols + c
			_, cw := span(c, g.cols, g.w)
			if i >= g.first+g.count {
				cells = append(cells, lipgloss.NewStyle().Width(cw).Height(rh).Render(""))
				continue
			}
			cells = append(cells, m.legacyRenderPaneAs(i, cw, rh, f))
		}
		rowStrs = append(rowStrs, lipgloss.JoinHorizontal(lipgloss.Top, cells...))
	}
	grid := lipgloss.JoinVertical(lipgloss.Left, rowStrs...)
	if g.tabs {
		// Not every pane fits: a tab strip shows them all, with the ones on
		// screen highlighted.
		grid = lipgloss.JoinVertical(lipgloss.Left, m.renderTabs(g.first, g.count, w), grid)
	}
	return grid
}

func (m *Model) legacyRenderPaneAs(i, w, h int, f footerFormat) string {
	p := m.panes[i]
	th := m.theme
	focused := i == m.focus
	border := th.BorderUnfocused
	if focused {
		border = th.BorderFocused
	}
	innerW, innerH := max(1, w-2), max(1, h-2)

	header := m.paneHeader(i, innerW)
	footer := m.renderFooter(p, innerW, f)
	bodyH := max(0, innerH-2)
	body := m.legacyPaneBody(p, innerW, bodyH)

	content := lipgloss.JoinVertical(lipgloss.Left, header, body, footer)
	return lipgloss.NewStyle().
		Border(paneBorder(th, focused)).BorderForeground(border).
		Width(w).Height(h).MaxHeight(h).
		Render(content)
}

func (m *Model) legacyPaneBody(p *pane, w, h int) string {
	if h <= 0 {
		return ""
	}
	var lines []string
	if p.idle() {
		// In the answer's margins, where the answer will be.
		pad := strings.Repeat(" ", answerMargin(m.theme))
		price := "price unknown"
		if p.price != nil {
			price = priceLine(p.price)
		}
		for _, text := range []string{p.target.Provider + ":" + p.target.Model, price} {
			for _, l := range strings.Split(wrap(text, w-2*len(pad)), "\n") {
				lines = append(lines, m.fg(m.theme.Subtle).Render(pad+l))
			}
		}
	} else {
		lines = p.legacyBodyLines(w, m.theme)
	}
	if p.scroll > 0 && p.drawn.width == w && len(lines) > p.drawn.lines {
		p.scroll += len(lines) - p.drawn.lines // hold the view still
	}
	p.drawn.lines, p.drawn.width = len(lines), w
	maxScroll := max(0, len(lines)-h)
	p.scroll = min(p.scroll, maxScroll)
	end := len(lines) - p.scroll
	start := max(0, end-h)
	view := lines[start:end]
	out := make([]string, h)
	for i := range out {
		if i < len(view) {
			out[i] = lipgloss.NewStyle().MaxWidth(w).Render(view[i])
		}
	}
	marker := m.fg(m.theme.Accent).Bold(m.theme.Plain)
	below := p.scroll > 0
	if below {
		out[h-1] = marker.Render(truncate(fmt.Sprintf("↓ %d more lines · end follows", p.scroll), w))
	}
	if start > 0 && (h > 1 || !below) {
		// The marker takes the top row, so that row is hidden too.
		out[0] = marker.Render(truncate(fmt.Sprintf("↑ %d more lines", start+1), w))
	}
	return strings.Join(out, "\n")
}

func (p *pane) legacyBodyLines(width int, th themes.Theme) []string {
	var lines []string
	muted := lipgloss.NewStyle().Foreground(th.Muted)
	for _, t := range p.earlier {
		lines = appendPrompt(lines, t.prompt, width, th)
		lines = append(lines, t.answer.Lines(width, th)...)
		if t.note != "" {
			pad := strings.Repeat(" ", answerMargin(th))
			lines = append(lines, muted.Render(truncate(pad+t.note, width)))
		}
		lines = append(lines, muted.Render(strings.Repeat("┄", max(1, width))), "")
	}
	lines = appendPrompt(lines, p.asked, width, th)
	if r := p.reasoning.String(); r != "" {
		// The block sits inside the same margins as the answer under it,
		// not against the pane's borders.
		pad := strings.Repeat(" ", answerMargin(th))
		if p.showReasoning {
			lines = append(lines, muted.Render(pad+"▾ thinking"))
			lines = p.reasoningWrap.appendTo(lines, strings.TrimLeft(r, " \t\n"), width-2-2*len(pad), th.Name,
				func(l string) string { return muted.Render(pad + "│ " + l) })
		} else {
			lines = append(lines, muted.Render(fmt.Sprintf("%s▸ thinking · %s tok (r to show)", pad, p.reasoningCount())))
		}
	}
	if p.answer.Len() > 0 {
		lines = append(lines, p.answer.Lines(width, th)...)
	}
	if s := &p.result.Stats; s.Status == session.StatusError && s.Err != nil {
		errStyle := lipgloss.NewStyle().Foreground(th.Error)
		lines = append(lines, "")
		pad := strings.Repeat(" ", answerMargin(th))
		for _, l := range strings.Split(wrap("✗ "+termsafe.Text(s.Err.Message), width-2*len(pad)), "\n") {
			lines = append(lines, errStyle.Render(pad+l))
		}
	}
	if p.result.Stats.Status == session.StatusCancelled {
		pad := strings.Repeat(" ", answerMargin(th))
		note := "■ cancelled before any answer"
		if p.answer.Len() > 0 {
			note = "■ cancelled: the answer above is partial"
		}
		lines = append(lines, "", lipgloss.NewStyle().Foreground(th.Cancelled).Render(pad+note))
	}
	return lines
}

func joinHorizontalTop(s ...string) string { return lipgloss.JoinHorizontal(lipgloss.Top, s...) }
func joinVerticalLeft(s ...string) string  { return lipgloss.JoinVertical(lipgloss.Left, s...) }
func maxWidth(l string, w int) string      { return lipgloss.NewStyle().MaxWidth(w).Render(l) }

func (m *Model) legacyRenderBottom() string {
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
	editor := lipgloss.NewStyle().Border(paneBorder(th, m.focus < 0), true, false, true, false).
		BorderForeground(borderColor).Width(m.width).Render(m.editor.View())
	parts = append(parts, editor, m.fg(th.Muted).Render(truncate(m.budgetNote()+m.estimates(), m.width)), m.shortHelp())
	return lipgloss.JoinVertical(lipgloss.Left, parts...)
}
