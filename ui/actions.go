package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// key handles a key press in the mode it was pressed in. Each mode's
// handler matches the bindings of its own key map only.
func (m *Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if key.Matches(msg, m.keys.composer.Quit) { // the same ctrl+c in every map
		m.stop()
		return m, tea.Quit
	}
	var cmd tea.Cmd
	switch m.mode() {
	case modeHelp:
		cmd = m.helpKey(msg)
	case modeBrowser:
		cmd = m.browserKey(msg)
	case modePicker:
		cmd = m.pickerKey(msg)
	case modePane, modeZoom:
		cmd = m.paneKey(msg)
	case modeReplay:
		cmd = m.replayKey(msg)
	case modeVote:
		cmd = m.voteKey(msg)
	case modeBoard:
		cmd = m.boardKey(msg)
	case modeDiff:
		cmd = m.diffKey(msg)
	default:
		cmd = m.editorKey(msg)
	}
	return m, cmd
}

// helpKey handles a key while the help shows.
func (m *Model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys.help
	switch {
	case key.Matches(msg, k.Close):
		m.showHelp = false
	case key.Matches(msg, k.Section):
		step := 1
		if key.Matches(msg, m.keys.back) {
			step = -1
		}
		m.helpPage = (m.helpPage + step + int(modeCount)) % int(modeCount)
	}
	return nil
}

// openHelp shows the help, at the page of the mode it was opened from.
func (m *Model) openHelp() {
	m.helpPage = int(m.mode())
	m.showHelp = true
}

// cancelRun stops the streams in flight, keeping what arrived.
func (m *Model) cancelStreams() {
	m.stop() // a re-run's remaining prompts are not sent either
	m.status = "cancelled: partial answers kept"
}

// editorKey handles a key while the composer has focus.
func (m *Model) editorKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys.composer
	switch {
	case key.Matches(msg, k.Send):
		return m.send()
	case key.Matches(msg, k.History) && key.Matches(msg, m.keys.back) && m.recallable():
		m.recall(-1)
		return nil
	case key.Matches(msg, k.History) && !key.Matches(msg, m.keys.back) && m.historyPos < len(m.history):
		m.recall(1)
		return nil
	case key.Matches(msg, k.Help) && m.editor.Value() == "":
		m.openHelp()
		return nil
	case key.Matches(msg, k.Models):
		m.openPickerIfIdle()
		return nil
	case key.Matches(msg, k.Sessions):
		return m.openBrowser()
	case key.Matches(msg, k.NewThread):
		return m.askNewConversation()
	case key.Matches(msg, k.Cancel) && m.running:
		m.cancelStreams()
		return nil
	case key.Matches(msg, k.Focus):
		m.cycleFocus(msg)
		return nil
	case key.Matches(msg, k.Blind):
		m.toggleBlind()
		return nil
	case key.Matches(msg, k.Board):
		return m.openBoard()
	}
	m.confirmNew = false
	return m.typeInEditor(msg)
}

// typeInEditor gives a key to the composer. A paste that would pass the
// prompt's size cap is refused whole, with a word, rather than cut.
func (m *Model) typeInEditor(msg tea.Msg) tea.Cmd {
	if paste, ok := msg.(tea.PasteMsg); ok {
		limit := m.editor.CharLimit
		if n := len([]rune(m.editor.Value())) + len([]rune(paste.Content)); limit > 0 && n > limit {
			m.status = fmt.Sprintf("paste refused: the prompt would be %d characters, at most %d here", n, limit)
			return nil
		}
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.Update(msg)
	m.confirmNew = false
	return cmd
}

// paneKey handles a key while a pane has focus, zoomed or not. In a
// replay the transport keys act here too.
func (m *Model) paneKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.panes[m.focus]
	k := m.keys.pane
	if m.zoomed {
		k = m.keys.zoom
	}
	if m.replay != nil {
		if cmd, ok := m.transportKey(msg); ok {
			return cmd
		}
	}
	s := msg.String()
	switch {
	case key.Matches(msg, k.Help):
		m.openHelp()
	case key.Matches(msg, k.Zoom):
		m.zoomed = !m.zoomed
	case key.Matches(msg, k.Focus):
		m.cycleFocus(msg)
	case key.Matches(msg, k.FocusN):
		m.focusPane(int(s[0] - '1'))
	case key.Matches(msg, k.Models):
		m.openPickerIfIdle()
	case key.Matches(msg, k.Sessions):
		return m.openBrowser()
	case key.Matches(msg, k.NewThread):
		if m.replay != nil {
			m.status = "esc closes the replay first"
			return nil
		}
		return m.askNewConversation()
	case key.Matches(msg, k.Reasoning):
		p.showReasoning = !p.showReasoning
	case key.Matches(msg, k.Diff):
		m.openDiff()
	case key.Matches(msg, k.Copy):
		text := p.result.Text()
		if text == "" {
			m.status = "nothing to copy yet"
			return nil
		}
		m.status = "copied " + m.paneName(m.focus) + "'s answer"
		return tea.SetClipboard(text)
	case key.Matches(msg, k.Scroll) && key.Matches(msg, m.keys.back):
		p.scroll++
	case key.Matches(msg, k.Scroll):
		p.scroll = max(0, p.scroll-1)
	case key.Matches(msg, k.Page) && key.Matches(msg, m.keys.back):
		p.scroll += max(1, m.paneBodyHeight()-1)
	case key.Matches(msg, k.Page):
		p.scroll = max(0, p.scroll-max(1, m.paneBodyHeight()-1))
	case key.Matches(msg, k.Ends) && key.Matches(msg, m.keys.back):
		p.scroll = 1 << 30 // clamped when drawn
	case key.Matches(msg, k.Ends):
		p.scroll = 0
	case key.Matches(msg, k.Back) && m.running:
		m.cancelStreams()
	case key.Matches(msg, k.Back) && m.zoomed:
		m.zoomed = false
	case key.Matches(msg, k.Back), key.Matches(msg, k.Compose):
		m.focusEditor()
	case msg.Text != "" && len([]rune(msg.Text)) == 1 && m.replay == nil:
		// Typing goes to the composer, wherever the focus was.
		m.focusEditor()
		return m.typeInEditor(msg)
	}
	return nil
}

func (m *Model) wheel(msg tea.MouseWheelMsg) {
	i := m.paneAt(msg.X, msg.Y)
	if i < 0 {
		return
	}
	p := m.panes[i]
	switch msg.Button {
	case tea.MouseWheelUp:
		p.scroll += 3
	case tea.MouseWheelDown:
		p.scroll = max(0, p.scroll-3)
	}
}

func (m *Model) cycleFocus(msg tea.KeyPressMsg) {
	step := 1
	if key.Matches(msg, m.keys.back) {
		step = -1
	}
	n := len(m.panes) + 1 // the panes and the composer
	pos := (m.focus + 1 + step + n) % n
	if pos == 0 {
		m.focusEditor()
		return
	}
	m.focus = pos - 1
	m.editor.Blur()
}

// focusPane gives pane n (from 0) the focus, or says there is none.
func (m *Model) focusPane(n int) {
	if n >= len(m.panes) {
		m.status = fmt.Sprintf("no pane %d: %d on screen", n+1, len(m.panes))
		return
	}
	m.focus = n
	m.editor.Blur()
}

func (m *Model) focusEditor() {
	m.focus = -1
	m.zoomed = false
	m.editor.Focus()
}

func (m *Model) recallable() bool {
	return len(m.history) > 0 && (m.editor.Value() == "" || m.historyPos < len(m.history))
}

// recall moves through earlier prompts.
func (m *Model) recall(step int) {
	m.historyPos = min(max(0, m.historyPos+step), len(m.history))
	if m.historyPos == len(m.history) {
		m.editor.SetValue("")
		return
	}
	m.editor.SetValue(m.history[m.historyPos])
}

// send starts a turn with the composer's prompt.
func (m *Model) send() tea.Cmd {
	prompt := strings.TrimSpace(m.editor.Value())
	switch {
	case prompt == "":
		return nil
	case len(m.panes) == 0:
		m.status = "no models: ctrl+p picks some"
		return nil
	case m.running:
		m.status = "still streaming: esc cancels"
		return nil
	}
	if err := m.allow(prompt); err != nil {
		m.status = err.Error()
		return nil
	}
	m.editor.Reset()
	m.history = append(m.history, prompt)
	m.historyPos = len(m.history)
	if m.opts.History != nil {
		m.opts.History.Add(prompt)
	}
	return m.sendPrompt(prompt)
}

// nextRun numbers a run: late messages of any earlier run, of this
// conversation or another, never match it.
func (m *Model) nextRun() int {
	m.runs++
	return m.runs
}

// sendPrompt starts a turn: the prompt goes to every pane, each with its
// own conversation so far, and the turn is recorded.
func (m *Model) sendPrompt(prompt string) tea.Cmd {
	m.status, m.confirmNew = "", false
	for _, p := range m.panes {
		p.nextTurn()
	}
	if m.hidden() && m.turns == 0 {
		// A blind conversation's positions are drawn at its first prompt
		// and kept for its follow-ups.
		m.shuffle()
	}
	return m.begin(m.runContext(), m.nextRun(), prompt, m.opts.Open, m.secrets, m.recorder())
}

// endRun closes a turn; a re-run then sends its next prompt.
func (m *Model) endRun(recordErr error) tea.Cmd {
	m.spend()
	next, more := m.end()
	if m.hidden() {
		m.readLeaks()
	}
	var cmd tea.Cmd
	if more {
		if err := m.allow(next); err != nil { // a re-run spends the budget too
			m.status, m.queue = err.Error(), nil
			return nil
		}
		cmd = m.sendPrompt(next)
	}
	if recordErr != nil {
		m.status = "session not saved: " + recordErr.Error()
	}
	return cmd
}

// askNewConversation starts over, after asking first when answers are
// still arriving: a second ctrl+n discards them.
func (m *Model) askNewConversation() tea.Cmd {
	if m.running && !m.confirmNew {
		m.confirmNew = true
		m.status = "answers are still arriving: ctrl+n again discards them, esc cancels"
		return nil
	}
	return m.newConversation()
}

// newConversation forgets every pane's history; the next prompt starts a
// new session file.
func (m *Model) newConversation() tea.Cmd {
	m.spend()
	m.confirmNew = false
	cmd := m.reset(m.defaultParams())
	m.blind = blindRound{mode: m.blindNext}
	m.status = "new conversation"
	if m.blind.mode != "" {
		m.status = "new blind conversation: names hidden until you vote"
	}
	m.focusEditor()
	return cmd
}
