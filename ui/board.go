package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/internal/termsafe"
)

// boardView is the leaderboard (ctrl+l): the ratings the recorded votes
// give, with a bar per model for its interval, drawn on one scale so that
// an overlap is seen at a glance.
type boardView struct {
	tag     string // the cockpit's first --tag: the board of that task
	loading bool
	board   []arena.Rating
	tally   arena.Tally
}

// boardLoadedMsg brings the votes, read and rated in a command.
type boardLoadedMsg struct {
	board []arena.Rating
	tally arena.Tally
}

func (b *boardView) loaded(msg boardLoadedMsg) {
	b.loading, b.board, b.tally = false, msg.board, msg.tally
}

// Leaderboards are seeded as `fanout leaderboard`'s are: the same votes
// give the same table in both.
const (
	boardResamples = 1000
	boardSeed      = 20261203
)

// openBoard shows the leaderboard, reading the sessions folder's votes in
// a command.
func (m *Model) openBoard() tea.Cmd {
	if m.opts.Sessions == nil {
		m.status = "no sessions folder here: no votes to rank"
		return nil
	}
	tag := ""
	if len(m.opts.Tags) > 0 {
		tag = m.opts.Tags[0] // a cockpit started for one task shows that task's board
	}
	m.board = &boardView{loading: true, tag: tag}
	dir := m.opts.Sessions.Dir
	return func() tea.Msg {
		t := arena.CollectVotes(dir, arena.Filter{Tag: tag})
		return boardLoadedMsg{board: arena.Leaderboard(t.Votes, arena.BootstrapOptions{Resamples: boardResamples, Seed: boardSeed}), tally: t}
	}
}

func (m *Model) boardKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.board.Close) {
		m.board = nil
	}
	return nil
}

// renderBoard draws the leaderboard in a box in the middle of the screen.
func (m *Model) renderBoard() string {
	th := m.theme
	b := m.board
	title := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("leaderboard") +
		m.fg(th.Muted).Render(" · blind votes, Bradley–Terry, 95 % intervals")
	if b.tag != "" {
		title += m.fg(th.Muted).Render(" · tag " + termsafe.Text(b.tag))
	}
	boxW := min(m.width-2, 100)
	inner := boxW - 4
	var lines []string
	switch {
	case b.loading:
		lines = append(lines, m.fg(th.Muted).Render("reading the votes…"))
	case len(b.board) == 0:
		msg := "No votes yet: a blind round (ctrl+b, or fanout --blind) ends with one."
		if b.tally.Leaked > 0 {
			msg = fmt.Sprintf("No votes to count: %d left out because an answer named its maker.", b.tally.Leaked)
		}
		lines = append(lines, m.fg(th.Muted).Render(wrap(msg, inner)))
	default:
		lo, hi := arena.Scale(b.board)
		barW := max(8, min(30, inner-52))
		nameW := max(8, inner-barW-42) // the other columns take 42 cells
		head := fmt.Sprintf("%-2s %-*s %6s %11s  %-*s %4s %4s %4s", "#", nameW, "model", "rating", "interval", barW, "", "W", "L", "T")
		lines = append(lines, m.fg(th.Muted).Render(truncate(head, inner)))
		for i, r := range b.board {
			name := ansiFit(termsafe.Text(r.Name), nameW)
			row := fmt.Sprintf("%-2d %s %6.0f %5.0f–%-5.0f  %s %4d %4d %4d", i+1, name, r.Rating, r.CILow, r.CIHigh,
				m.fg(th.Accent).Render(arena.IntervalBar(r, lo, hi, barW)), r.Wins, r.Losses, r.Ties)
			lines = append(lines, truncate(row, inner))
		}
		note := fmt.Sprintf("%d votes in %d sessions", len(b.tally.Votes), b.tally.Sessions)
		if b.tally.Leaked > 0 {
			note += fmt.Sprintf(" · %d leaked rounds left out", b.tally.Leaked)
		}
		lines = append(lines, "", m.fg(th.Muted).Render(truncate(note+" · overlapping bars: not told apart yet", inner)))
	}
	for _, err := range b.tally.Errors {
		lines = append(lines, m.fg(th.Error).Render(truncate(termsafe.Text(err.Error()), inner)))
	}
	lines = append(lines, "", m.helpLine(m.keys.bindings(modeBoard)))
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(th.BorderFocused).
		Padding(0, 1).Width(boxW).Render(title + "\n\n" + strings.Join(lines, "\n"))
	return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, box)
}

// ansiFit pads or cuts s to exactly w cells.
func ansiFit(s string, w int) string {
	s = truncate(s, w)
	return s + strings.Repeat(" ", max(0, w-lipgloss.Width(s)))
}
