package ui

import "charm.land/bubbles/v2/key"

// keyMap lists every key of the cockpit; the help view is built from it.
type keyMap struct {
	Send, Newline, History             key.Binding
	NextPane, PrevPane, FocusN         key.Binding
	Zoom, Scroll, Page, Ends           key.Binding
	Reasoning, Copy, Cancel, NewThread key.Binding
	Help, Quit, Models                 key.Binding
	Sessions                           key.Binding

	// The replay bar's keys.
	Pause, Speed, Seek, Milestone, Rerun, CloseReplay, Replay key.Binding
}

func defaultKeys() keyMap {
	return keyMap{
		Send:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send to every model")),
		Newline:   key.NewBinding(key.WithKeys("ctrl+j", "alt+enter"), key.WithHelp("ctrl+j/alt+enter", "new line")),
		History:   key.NewBinding(key.WithKeys("up", "down"), key.WithHelp("↑/↓", "earlier prompts (empty composer)")),
		NextPane:  key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next pane")),
		PrevPane:  key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous pane")),
		FocusN:    key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("1–9", "focus pane")),
		Zoom:      key.NewBinding(key.WithKeys("z"), key.WithHelp("z", "zoom pane")),
		Scroll:    key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑/↓/k/j/wheel", "scroll pane")),
		Page:      key.NewBinding(key.WithKeys("pgup", "pgdown"), key.WithHelp("pgup/pgdn", "page")),
		Ends:      key.NewBinding(key.WithKeys("home", "end"), key.WithHelp("home/end", "top/follow")),
		Reasoning: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "show/hide thinking")),
		Copy:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy answer")),
		Cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel streams")),
		NewThread: key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "new conversation")),
		Models:    key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "pick models")),
		Help:      key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:      key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Sessions:  key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "sessions")),

		Pause:       key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "pause")),
		Speed:       key.NewBinding(key.WithKeys("+", "-", "=", "_"), key.WithHelp("+/-", "speed")),
		Seek:        key.NewBinding(key.WithKeys("left", "right"), key.WithHelp("←/→", "seek 5s")),
		Milestone:   key.NewBinding(key.WithKeys("[", "]"), key.WithHelp("[/]", "milestone")),
		Rerun:       key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "re-run")),
		CloseReplay: key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc/q", "close")),
		Replay:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "replay")),
	}
}

// ShortHelp is the one-line help under the composer, when it has focus.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Send, k.NextPane, k.Cancel, k.Help, k.Quit}
}

// paneHelp is the one-line help while a pane has focus.
func (k keyMap) paneHelp() []key.Binding {
	return []key.Binding{k.NextPane, k.Zoom, k.Scroll, k.Copy, k.Reasoning, k.Models, k.Cancel, k.Help}
}

// replayHelp is the one-line help of the replay bar.
func (k keyMap) replayHelp() []key.Binding {
	return []key.Binding{k.Pause, k.Speed, k.Seek, k.Milestone, k.Rerun, k.CloseReplay, k.Models, k.NextPane}
}

// FullHelp is the ? view, in columns.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Send, k.Newline, k.History, k.NewThread, k.Cancel, k.Sessions},
		{k.NextPane, k.PrevPane, k.FocusN, k.Zoom, k.Models, k.Help},
		{k.Scroll, k.Page, k.Ends, k.Reasoning, k.Copy, k.Quit},
	}
}

// replayKeys are the replay bar's keys, for their own part of the ? view.
type replayKeys struct{ k keyMap }

func (r replayKeys) ShortHelp() []key.Binding { return r.k.replayHelp() }

func (r replayKeys) FullHelp() [][]key.Binding {
	k := r.k
	return [][]key.Binding{{k.Pause, k.Speed, k.Seek}, {k.Milestone, k.Rerun, k.CloseReplay}}
}
