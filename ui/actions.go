package ui

import (
	"context"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// key handles a key press.
func (m *Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.keys
	switch {
	case key.Matches(msg, k.Quit):
		m.cancel()
		return m, tea.Quit
	case m.showHelp && (key.Matches(msg, k.Help) || msg.String() == "esc" || msg.String() == "q"):
		m.showHelp = false
		return m, nil
	case m.browser != nil:
		return m, m.browserKey(msg)
	case m.picker != nil:
		cmd, done, apply := m.picker.key(msg)
		if apply {
			cmd = tea.Batch(cmd, m.applyPicker())
		}
		if done {
			m.picker = nil
		}
		return m, cmd
	case key.Matches(msg, k.Sessions):
		return m, m.openBrowser()
	case m.replay != nil:
		if cmd, ok := m.replayKey(msg); ok {
			return m, cmd
		}
	}
	switch {
	case key.Matches(msg, k.Cancel) && m.running:
		m.cancel()
		m.queue = nil // a re-run's remaining prompts are not sent
		m.status = "cancelled: partial answers kept"
		return m, nil
	case key.Matches(msg, k.Cancel) && m.zoomed:
		m.zoomed = false
		return m, nil
	case key.Matches(msg, k.NewThread) && m.replay == nil:
		return m, m.newConversation()
	case key.Matches(msg, k.NextPane):
		m.cycleFocus(1)
		return m, nil
	case key.Matches(msg, k.PrevPane):
		m.cycleFocus(-1)
		return m, nil
	}
	if m.focus < 0 {
		if m.replay != nil {
			return m, nil // the composer is hidden while a replay shows
		}
		return m.editorKey(msg)
	}
	return m.paneKey(msg)
}

// editorKey handles a key while the composer has focus.
func (m *Model) editorKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	switch {
	case key.Matches(msg, m.keys.Send):
		return m, m.send()
	case msg.String() == "up" && m.recallable():
		m.recall(-1)
		return m, nil
	case msg.String() == "down" && m.historyPos < len(m.history):
		m.recall(1)
		return m, nil
	case msg.String() == "?" && m.editor.Value() == "":
		m.showHelp = true
		return m, nil
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.Update(msg)
	return m, cmd
}

// paneKey handles a key while a pane has focus.
func (m *Model) paneKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	p := m.panes[m.focus]
	k := m.keys
	s := msg.String()
	switch {
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
	case key.Matches(msg, k.Zoom):
		m.zoomed = !m.zoomed
	case key.Matches(msg, k.FocusN):
		if n := int(s[0] - '1'); n < len(m.panes) {
			m.focus = n
		}
	case key.Matches(msg, k.Models):
		if m.running {
			m.status = "esc cancels the run first; then m changes the models"
			return m, nil
		}
		m.openPicker()
	case key.Matches(msg, k.Reasoning):
		p.showReasoning = !p.showReasoning
	case key.Matches(msg, k.Copy):
		text := p.result.Text()
		if text == "" {
			m.status = "nothing to copy yet"
			return m, nil
		}
		m.status = "copied " + p.target.Label + "'s answer"
		return m, tea.SetClipboard(text)
	case s == "up" || s == "k":
		p.scroll++
	case s == "down" || s == "j":
		p.scroll = max(0, p.scroll-1)
	case s == "pgup":
		p.scroll += max(1, m.paneBodyHeight()-1)
	case s == "pgdown":
		p.scroll = max(0, p.scroll-max(1, m.paneBodyHeight()-1))
	case s == "home":
		p.scroll = 1 << 30 // clamped when drawn
	case s == "end":
		p.scroll = 0
	case s == "enter" || s == "i" || s == "/":
		m.focusEditor()
	case msg.Text != "" && len([]rune(msg.Text)) == 1 && m.replay == nil:
		// Typing goes to the composer, wherever the focus was.
		m.focusEditor()
		var cmd tea.Cmd
		m.editor, cmd = m.editor.Update(msg)
		return m, cmd
	}
	return m, nil
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

func (m *Model) cycleFocus(step int) {
	n := len(m.panes) + 1 // the panes and the composer
	pos := (m.focus + 1 + step + n) % n
	if pos == 0 {
		m.focusEditor()
		return
	}
	m.focus = pos - 1
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
	if prompt == "" || len(m.panes) == 0 {
		return nil
	}
	if m.running {
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
	return m.sendPrompt(prompt)
}

// sendPrompt starts a turn: the prompt goes to every pane, each with its
// own conversation so far, and the turn is recorded.
func (m *Model) sendPrompt(prompt string) tea.Cmd {
	m.prompt = prompt
	m.turns++
	m.status = ""

	run := make([]session.Pane, len(m.panes))
	for i, p := range m.panes {
		p.reset()
		req := m.request(p, prompt)
		run[i] = session.Pane{Target: p.target, Backend: m.opts.Open(p.target), Request: req}
	}
	ctx, cancel := context.WithCancelCause(m.runContext())
	m.run++
	m.cancelRun = cancel
	m.running = true
	m.current = newPump(m.run)
	return m.current.start(ctx, run, m.recorder(), prompt)
}

// request is what one pane sends for prompt: its conversation so far, then
// the prompt.
func (m *Model) request(p *pane, prompt string) backends.Request {
	msgs := append(append([]backends.Message(nil), p.history...), backends.Message{Role: backends.RoleUser, Content: prompt})
	return backends.Request{System: m.params.system, Messages: msgs, Temperature: m.params.temperature, MaxTokens: m.params.maxTokens}
}

// cancel stops the run in flight; its panes end as cancelled and keep what
// arrived.
func (m *Model) cancel() {
	if m.cancelRun != nil {
		m.cancelRun(session.ErrCancelled)
	}
}

// endRun closes a turn: each pane that answered keeps the exchange in its
// conversation, so a follow-up carries it. A re-run then sends its next
// prompt.
func (m *Model) endRun(recordErr error) tea.Cmd {
	m.spend()
	m.running = false
	if m.cancelRun != nil {
		m.cancelRun(nil)
		m.cancelRun = nil
	}
	for _, p := range m.panes {
		if p.result.Text() != "" {
			p.history = append(p.history,
				backends.Message{Role: backends.RoleUser, Content: m.prompt},
				backends.Message{Role: backends.RoleAssistant, Content: p.result.Text()})
		}
	}
	// A failed recorder stays the conversation's and records nothing more:
	// its later turns do not start files of their own.
	var cmd tea.Cmd
	if len(m.queue) > 0 {
		next := m.queue[0]
		m.queue = m.queue[1:]
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

// newConversation forgets every pane's history; the next prompt starts a
// new session file.
func (m *Model) newConversation() tea.Cmd {
	m.spend()
	m.cancel()
	cmd := m.endRecording()
	m.run++ // late events of the cancelled run are dropped
	m.running = false
	m.queue = nil
	for _, p := range m.panes {
		p.history = nil
		p.reset()
	}
	m.turns = 0
	m.prompt = ""
	m.params = m.defaultParams()
	m.status = "new conversation"
	m.focusEditor()
	return cmd
}
