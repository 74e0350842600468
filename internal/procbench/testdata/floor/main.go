// The floor: a minimal Bubble Tea v2 program that redraws one bordered box
// of plain text filling the terminal 60 times a second, the text growing
// like a streamed answer, until it has run for the duration given as its
// argument. What fanout costs beyond it is fanout's own work.
package main

import (
	"os"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

type tick time.Time

type model struct {
	w, h  int
	until time.Time
	n     int
}

func (m model) Init() tea.Cmd {
	return tea.Tick(time.Second/60, func(t time.Time) tea.Msg { return tick(t) })
}

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
	case tea.KeyPressMsg:
		return m, tea.Quit
	case tick:
		m.n++
		if time.Time(msg).After(m.until) {
			return m, tea.Quit
		}
		return m, tea.Tick(time.Second/60, func(t time.Time) tea.Msg { return tick(t) })
	}
	return m, nil
}

func (m model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	if m.w < 4 || m.h < 4 {
		return v
	}
	words := strings.Repeat("stream pane frame token render cache ", m.n/4+1)
	lines := strings.Split(lipgloss.NewStyle().Width(m.w-2).Render(words), "\n")
	lines = lines[max(0, len(lines)-(m.h-2)):]
	v.SetContent(lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Width(m.w).Height(m.h).Render(strings.Join(lines, "\n")))
	return v
}

func main() {
	d, err := time.ParseDuration(os.Args[1])
	if err != nil {
		os.Exit(2)
	}
	if _, err := tea.NewProgram(model{until: time.Now().Add(d)}).Run(); err != nil {
		os.Exit(1)
	}
}
