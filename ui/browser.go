package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
)

// browser lists the recorded sessions (ctrl+o): enter replays one, r
// re-runs it, / filters.
type browser struct {
	list    list.Model
	loading bool
	errs    []error // files that could not be read
	// team is set when the list is a shared store's: all is everyone's
	// sessions, and mine shows only the author's (and this machine's not
	// uploaded yet).
	team bool
	mine bool
	all  []session.Summary
}

// browseTimeout bounds the listing of a team's store: a store out of
// reach lists the cache once the SDK gives up, well before this.
const browseTimeout = 2 * time.Minute

// sessionItem is one session in the browser's list; team adds whose it is.
type sessionItem struct {
	s    session.Summary
	team bool
}

func (it sessionItem) Title() string {
	return it.s.Created.Local().Format("Jan 02 15:04") + "  " + firstLine(it.s.Prompt)
}

func (it sessionItem) Description() string {
	parts := []string{termsafe.Text(strings.Join(it.s.Models, ", "))}
	if it.s.Turns > 1 {
		parts = append(parts, fmt.Sprintf("%d turns", it.s.Turns))
	}
	parts = append(parts, costShort(it.s.Total, false))
	if it.s.Winner != "" && it.s.WinnerTTFT != nil {
		ttft := time.Duration(*it.s.WinnerTTFT * float64(time.Millisecond))
		parts = append(parts, "first: "+termsafe.Text(it.s.Winner)+" "+session.FormatDuration(ttft))
	}
	switch {
	case it.s.Bench != nil:
		parts = append(parts, fmt.Sprintf("bench: %d of %d trials", it.s.Bench.Ended, it.s.Bench.Planned))
	case !it.s.Complete && it.s.Recording:
		parts = append(parts, "streaming")
	case !it.s.Complete:
		parts = append(parts, "cut short")
	}
	if it.s.RerunOf != "" {
		parts = append(parts, "re-run")
	}
	if it.team && it.s.Author != "" {
		parts = append(parts, "by "+termsafe.Text(it.s.Author))
	}
	if it.team && it.s.LocalOnly {
		parts = append(parts, "local only")
	}
	return strings.Join(parts, " · ")
}

func (it sessionItem) FilterValue() string {
	return it.s.Prompt + " " + strings.Join(it.s.Models, " ") + " " + it.s.ID + " " + it.s.Author
}

func firstLine(s string) string {
	s = strings.TrimSpace(termsafe.Text(s)) // prompts come from session files
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// sessionsListedMsg brings the browser its list.
type sessionsListedMsg struct {
	list []session.Summary
	errs []error
}

// sessionOpenedMsg brings a session the browser opened: a reader to replay
// it, or the whole file to re-run it.
type sessionOpenedMsg struct {
	rd   *session.Reader
	file *session.File
	err  error
}

// openBrowser shows the sessions; reading them happens in a command.
func (m *Model) openBrowser() tea.Cmd {
	if m.opts.Sessions == nil {
		m.status = "sessions are not kept here"
		return nil
	}
	if m.running {
		m.status = "streaming: esc stops it, then ctrl+o"
		return nil
	}
	d := list.NewDefaultDelegate()
	d.Styles = listItemStyles(m.theme)
	l := list.New(nil, d, m.width, max(4, m.height-1))
	l.Title = "Sessions" // not the folder: over SSH it is the server's
	l.Styles = listStyles(m.theme)
	l.Help.Styles = helpStyles(m.theme)
	l.SetStatusBarItemName("session", "sessions")
	l.DisableQuitKeybindings()
	// The list's own help shows its keys and filter; ours add to it.
	k := m.keys.browser
	l.AdditionalShortHelpKeys = func() []key.Binding { return []key.Binding{k.Replay, k.Rerun, k.Close} }
	l.AdditionalFullHelpKeys = l.AdditionalShortHelpKeys
	m.browser = &browser{list: l, loading: true, team: m.opts.ListSessions != nil}
	m.keys.browser.Mine.SetEnabled(m.browser.team)
	if lister := m.opts.ListSessions; lister != nil {
		l.Title = "Sessions · everyone's"
		m.browser.list.Title = l.Title
		return tea.Batch(m.browser.list.StartSpinner(), func() tea.Msg {
			ctx, cancel := context.WithTimeout(context.Background(), browseTimeout)
			defer cancel()
			list, errs := lister(ctx)
			return sessionsListedMsg{list: list, errs: errs}
		})
	}
	store := *m.opts.Sessions
	return tea.Batch(m.browser.list.StartSpinner(), func() tea.Msg {
		list, errs := store.List()
		return sessionsListedMsg{list: list, errs: errs}
	})
}

func (m *Model) layoutBrowser() {
	if m.browser != nil {
		m.browser.list.SetSize(m.width, max(4, m.height-m.browserNotes()))
	}
}

// browserNotes is the rows under the list for unreadable files.
func (m *Model) browserNotes() int {
	if m.browser == nil || len(m.browser.errs) == 0 {
		return 0
	}
	return min(3, len(m.browser.errs)) + 1
}

func (m *Model) sessionsListed(msg sessionsListedMsg) tea.Cmd {
	if m.browser == nil {
		return nil
	}
	b := m.browser
	b.loading = false
	b.list.StopSpinner()
	b.errs = msg.errs
	b.all = msg.list
	m.layoutBrowser()
	return m.fillBrowser()
}

// fillBrowser puts the sessions to show into the list: all of them, or
// with a team's store and "mine", the author's and this machine's.
func (m *Model) fillBrowser() tea.Cmd {
	b := m.browser
	items := make([]list.Item, 0, len(b.all))
	blindID := ""
	if m.hidden() && m.rec != nil {
		blindID = m.rec.ID() // the round on screen: its models stay unnamed
	}
	for _, s := range b.all {
		if b.mine && s.Author != m.opts.Author && !s.LocalOnly {
			continue
		}
		if blindID != "" && s.ID == blindID {
			s.Models, s.Winner, s.WinnerTTFT = []string{"blind round: models hidden until you vote"}, "", nil
			s.Total = session.Cost{Source: session.CostUnknown}
		}
		items = append(items, sessionItem{s: s, team: b.team})
	}
	return b.list.SetItems(items)
}

// browserKey handles a key while the browser shows. While the filter is
// being typed every key goes to it; else the browser's keys act, moving
// and filtering through the list.
func (m *Model) browserKey(msg tea.KeyPressMsg) tea.Cmd {
	b := m.browser
	k := m.keys.browser
	if b.list.SettingFilter() {
		var cmd tea.Cmd
		b.list, cmd = b.list.Update(msg)
		return cmd
	}
	switch {
	case key.Matches(msg, k.Close):
		if key.Matches(msg, m.keys.escape) && b.list.IsFiltered() {
			b.list.ResetFilter()
			return nil
		}
		m.browser = nil
		return nil
	case key.Matches(msg, k.Replay), key.Matches(msg, k.Rerun):
		it, ok := b.list.SelectedItem().(sessionItem)
		if !ok {
			return nil
		}
		if m.hidden() && m.rec != nil && it.s.ID == m.rec.ID() {
			m.status = "that is the blind round on screen: its replay would name the models; vote first"
			return nil
		}
		rerun := key.Matches(msg, k.Rerun)
		path := it.s.Path
		if it.s.Bench != nil && !rerun {
			// A bench is many answers over each other: its report and its
			// trials are the command line's.
			return func() tea.Msg {
				return sessionOpenedMsg{err: fmt.Errorf("a bench: see its report with 'fanout bench --from %s', a trial with 'fanout replay --trial N %s'", it.s.ID, it.s.ID)}
			}
		}
		return func() tea.Msg {
			if rerun {
				f, err := session.Load(path)
				return sessionOpenedMsg{file: f, err: err}
			}
			rd, err := session.Open(path)
			return sessionOpenedMsg{rd: rd, err: err}
		}
	case b.team && key.Matches(msg, k.Mine):
		b.mine = !b.mine
		b.list.Title = "Sessions · everyone's"
		if b.mine {
			b.list.Title = "Sessions · mine"
		}
		return m.fillBrowser()
	case key.Matches(msg, k.Move), key.Matches(msg, k.Page), key.Matches(msg, k.Filter):
		var cmd tea.Cmd
		b.list, cmd = b.list.Update(msg)
		return cmd
	}
	return nil
}

// browserMsg gives the list what is its own: the filter's matches, which
// it computes in a command, and its spinner's ticks.
func (m *Model) browserMsg(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.browser.list, cmd = m.browser.list.Update(msg)
	return cmd
}

// sessionOpened replays or re-runs the session the browser opened.
func (m *Model) sessionOpened(msg sessionOpenedMsg) tea.Cmd {
	if m.browser == nil {
		if msg.rd != nil {
			msg.rd.Close()
		}
		return nil
	}
	if msg.err != nil {
		m.browser.list.NewStatusMessage(lipgloss.NewStyle().Foreground(m.theme.Error).Render(msg.err.Error()))
		return nil
	}
	m.browser = nil
	if msg.file != nil {
		m.dropReplay()
		targets := make([]backends.Target, len(msg.file.Header.Targets))
		for i, t := range msg.file.Header.Targets {
			targets[i] = t.Target()
		}
		return m.rerunSession(msg.file.Header, msg.file.Prompts(), targets)
	}
	return m.startReplay(msg.rd, true)
}

// renderBrowser draws the session list over the whole screen.
func (m *Model) renderBrowser() string {
	b := m.browser
	out := b.list.View()
	if len(b.errs) > 0 {
		errStyle := lipgloss.NewStyle().Foreground(m.theme.Error)
		lines := []string{m.fg(m.theme.Muted).Render(fmt.Sprintf(" %d file(s) could not be read:", len(b.errs)))}
		for _, err := range b.errs[:min(3, len(b.errs))] {
			lines = append(lines, errStyle.Render(truncate(" "+err.Error(), m.width)))
		}
		out = lipgloss.JoinVertical(lipgloss.Left, out, strings.Join(lines, "\n"))
	}
	if b.loading && len(b.list.Items()) == 0 {
		out = lipgloss.JoinVertical(lipgloss.Left, out, m.fg(m.theme.Muted).Render(" reading sessions…"))
	}
	return out
}
