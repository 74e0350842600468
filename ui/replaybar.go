package ui

import (
	"fmt"
	"time"

	"charm.land/lipgloss/v2"
)

// streaming reports whether answers are arriving: a live run, or a replay
// at a moment when some pane has not ended.
func (m *Model) streaming() bool {
	if m.replay == nil {
		return m.running
	}
	if m.replay.paused {
		return false // a paused replay shows its moment, still
	}
	for _, p := range m.panes {
		if !p.idle() && !p.result.Stats.Ended() {
			return true
		}
	}
	return false
}

// renderReplayBar draws the replay's controls where the composer is in a
// live cockpit.
func (m *Model) renderReplayBar() string {
	r := m.replay
	th := m.theme
	muted := m.fg(th.Muted)

	state := "▶"
	switch {
	case r.loaded && r.pos >= r.tl.End():
		state = "■"
	case r.paused:
		state = "❚❚"
	}
	left := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render(" "+state) + " " + muted.Render(speedLabel(r.speed))
	total := formatClock(r.tl.End())
	if !r.loaded {
		total += "+" // more is still being read
	}
	right := muted.Render(formatClock(r.pos) + " / " + total + " ")
	barWidth := m.width - lipgloss.Width(left) - lipgloss.Width(right) - 2
	line := left + " " + m.progressBar(barWidth) + " " + right

	turn := ""
	if n := len(r.tl.Prompts); n > 1 {
		turn = fmt.Sprintf("turn %d/%d · ", m.turns, n)
	}
	prompt := muted.Render(truncate(" ❯ "+turn+firstLine(m.prompt), m.width))

	border := th.BorderUnfocused
	if m.focus < 0 {
		border = th.BorderFocused
	}
	framed := lipgloss.NewStyle().Border(lipgloss.RoundedBorder(), true, false, true, false).
		BorderForeground(border).Width(m.width).Render(line + "\n" + prompt)
	return lipgloss.JoinVertical(lipgloss.Left, framed, m.shortHelp())
}

// progressBar shows how far the replay is, with a mark at each milestone.
func (m *Model) progressBar(width int) string {
	r := m.replay
	if width < 4 {
		return ""
	}
	end := r.tl.End()
	cells := make([]rune, width)
	for i := range cells {
		cells[i] = '─'
	}
	filled := width
	if end > 0 {
		filled = int(int64(width) * int64(r.pos) / int64(end))
	}
	for _, ms := range r.tl.Milestones {
		if end > 0 {
			cells[min(width-1, int(int64(width-1)*int64(ms.At)/int64(end)))] = '┼'
		}
	}
	for i := 0; i < filled && i < width; i++ {
		if cells[i] == '┼' {
			cells[i] = '╋'
		} else {
			cells[i] = '━'
		}
	}
	return m.fg(m.theme.Accent).Render(string(cells[:min(filled, width)])) + m.fg(m.theme.Subtle).Render(string(cells[min(filled, width):]))
}

// formatClock shows a replay position: 0:03.2, 1:05.0.
func formatClock(d time.Duration) string {
	d = d.Round(100 * time.Millisecond)
	m := int(d / time.Minute)
	s := (d - time.Duration(m)*time.Minute).Seconds()
	return fmt.Sprintf("%d:%04.1f", m, s)
}
