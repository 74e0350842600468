package ui

import (
	"slices"

	"charm.land/bubbles/v2/key"
)

// mode is what the keys act on at the moment. Each mode has one key map;
// the handlers match only the bindings of their mode's map (key.Matches),
// and the ? help is drawn from the same maps, so a key that works is
// listed and a listed key works.
type mode int

const (
	modeComposer mode = iota
	modePane
	modeZoom
	modeReplay
	modePicker
	modeBrowser
	modeHelp
	modeVote
	modeBoard
	modeDiff
	modeCount
)

var modeNames = [modeCount]string{
	modeComposer: "composer",
	modePane:     "pane",
	modeZoom:     "zoomed pane",
	modeReplay:   "replay",
	modePicker:   "model picker",
	modeBrowser:  "sessions",
	modeHelp:     "help",
	modeVote:     "vote",
	modeBoard:    "leaderboard",
	modeDiff:     "diff",
}

// mode is the mode the next key press is handled in.
func (m *Model) mode() mode {
	switch {
	case m.showHelp:
		return modeHelp
	case m.board != nil:
		return modeBoard
	case m.diff != nil:
		return modeDiff
	case m.browser != nil:
		return modeBrowser
	case m.picker != nil:
		return modePicker
	case m.focus >= 0 && m.zoomed:
		return modeZoom
	case m.focus >= 0:
		return modePane
	case m.replay != nil:
		return modeReplay
	case m.voting() || m.opts.VoteOn != nil:
		return modeVote
	}
	return modeComposer
}

func bind(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// disabled is a binding that acts only once enabled.
func disabled(b key.Binding) key.Binding {
	b.SetEnabled(false)
	return b
}

// composerKeys act while the composer has focus.
type composerKeys struct {
	Send, Newline, History, Models, Sessions, NewThread, Cancel, Focus, Blind, Board, Help, Quit key.Binding
}

// paneKeys act while a pane has focus (zoomed or not), live or in a
// replay; in a replay the transport keys act too.
type paneKeys struct {
	Focus, FocusN, Zoom, Scroll, Page, Ends, Reasoning, Copy, Diff, Models, Compose, Back, NewThread, Sessions, Help, Quit key.Binding
}

// voteKeys act while the vote bar stands in for the composer.
type voteKeys struct {
	Pick, Tie, AllBad, Skip, Focus, Board, Help, Quit key.Binding
}

// boardKeys act in the leaderboard.
type boardKeys struct {
	Close, Quit key.Binding
}

// diffKeys act in the diff view.
type diffKeys struct {
	Other, Scroll, Page, Close, Quit key.Binding
}

// replayKeys act while a replay shows and no pane has focus; Transport
// also acts while a pane has focus.
type replayKeys struct {
	Pause, Speed, Seek, Milestone                 key.Binding
	Rerun, Models, Close, Focus, FocusN, Sessions key.Binding
	Help, Quit                                    key.Binding
}

// pickerKeys act in the model picker; any other key types in its filter.
type pickerKeys struct {
	Move, Toggle, Apply, Close, Quit key.Binding
}

// browserKeys act in the sessions browser.
type browserKeys struct {
	Move, Page, Replay, Rerun, Filter, Mine, Close, Quit key.Binding
}

// helpKeys act in the ? help.
type helpKeys struct {
	Section, Close, Quit key.Binding
}

// keyMaps are every mode's keys.
type keyMaps struct {
	composer composerKeys
	pane     paneKeys
	zoom     paneKeys
	replay   replayKeys
	picker   pickerKeys
	browser  browserKeys
	help     helpKeys
	vote     voteKeys
	board    boardKeys
	diff     diffKeys
	// back names the backward keys of the two-way bindings (↑ of ↑/↓,
	// shift+tab of tab/shift+tab, - of +/-, [ of [/]); a handler matches a
	// two-way binding, then back to tell its direction, so no key name is
	// compared by hand. escape is esc alone, where it does more than its
	// binding's other keys (it clears a filter first).
	back, escape key.Binding
}

func defaultKeys() keyMaps {
	quit := bind("ctrl+c", "quit", "ctrl+c")
	sessions := bind("ctrl+o", "sessions", "ctrl+o")
	newThread := bind("ctrl+n", "new conversation", "ctrl+n")
	focus := bind("tab/shift+tab", "next/previous pane", "tab", "shift+tab")
	focusN := bind("1–8", "focus pane", "1", "2", "3", "4", "5", "6", "7", "8")
	board := bind("ctrl+l", "leaderboard", "ctrl+l")
	pane := paneKeys{
		Focus:     focus,
		FocusN:    focusN,
		Zoom:      bind("z", "zoom pane", "z"),
		Scroll:    bind("↑/↓/k/j/wheel", "scroll", "up", "down", "k", "j"),
		Page:      bind("pgup/pgdn", "page", "pgup", "pgdown"),
		Ends:      bind("home/end", "top/follow", "home", "end"),
		Reasoning: bind("r", "show/hide thinking", "r"),
		Copy:      bind("y", "copy answer", "y"),
		Diff:      bind("d", "diff answers", "d"),
		Models:    bind("m", "pick models", "m"),
		Compose:   bind("enter/i", "write a prompt", "enter", "i"),
		Back:      bind("esc", "cancel streams, else back", "esc"),
		NewThread: newThread,
		Sessions:  sessions,
		Help:      bind("?", "help", "?"),
		Quit:      quit,
	}
	zoom := pane
	zoom.Zoom = bind("z", "unzoom", "z")
	zoom.Back = bind("esc", "cancel streams, else unzoom", "esc")
	return keyMaps{
		back:   key.NewBinding(key.WithKeys("up", "k", "pgup", "home", "shift+tab", "left", "-", "_", "[")),
		escape: key.NewBinding(key.WithKeys("esc")),
		composer: composerKeys{
			Send:      bind("enter", "send to every model", "enter"),
			Newline:   bind("ctrl+j/alt+enter", "new line", "ctrl+j", "alt+enter"),
			History:   bind("↑/↓", "earlier prompts", "up", "down"),
			Models:    bind("ctrl+p", "pick models", "ctrl+p"),
			Sessions:  sessions,
			NewThread: newThread,
			Cancel:    bind("esc", "cancel streams", "esc"),
			Focus:     focus,
			Blind:     bind("ctrl+b", "blind on/off", "ctrl+b"),
			Board:     board,
			Help:      bind("?", "help", "?"),
			Quit:      quit,
		},
		pane: pane,
		zoom: zoom,
		replay: replayKeys{
			Pause:     bind("space", "pause", "space"),
			Speed:     bind("+/-", "speed", "+", "=", "-", "_"),
			Seek:      bind("←/→", "seek 5s", "left", "right"),
			Milestone: bind("[/]", "milestone", "[", "]"),
			Rerun:     bind("r", "re-run", "r"),
			Models:    bind("m", "re-run on other models", "m"),
			Close:     bind("esc/q", "close replay", "esc", "q"),
			Focus:     focus,
			FocusN:    focusN,
			Sessions:  sessions,
			Help:      bind("?", "help", "?"),
			Quit:      quit,
		},
		picker: pickerKeys{
			Move:   bind("↑/↓", "move", "up", "down"),
			Toggle: bind("space/tab", "select", "space", "tab"),
			Apply:  bind("enter", "apply", "enter"),
			Close:  bind("esc", "close", "esc"),
			Quit:   quit,
		},
		browser: browserKeys{
			Move:   bind("↑/↓/k/j", "move", "up", "down", "k", "j"),
			Page:   bind("←/→/pgup/pgdn", "page", "left", "right", "pgup", "pgdown"),
			Replay: bind("enter", "replay", "enter"),
			Rerun:  bind("r", "re-run", "r"),
			Filter: bind("/", "filter", "/"),
			Mine:   disabled(bind("a", "mine/everyone's", "a")),
			Close:  bind("esc/q/ctrl+o", "close", "esc", "q", "ctrl+o"),
			Quit:   quit,
		},
		help: helpKeys{
			Section: bind("tab/←/→", "other keys", "tab", "shift+tab", "left", "right"),
			Close:   bind("?/esc/q", "close help", "?", "esc", "q"),
			Quit:    quit,
		},
		vote: voteKeys{
			Pick:   bind("1–8", "best answer (1 = A)", "1", "2", "3", "4", "5", "6", "7", "8"),
			Tie:    bind("t", "tie", "t"),
			AllBad: bind("x", "all bad", "x"),
			Skip:   bind("esc", "skip the vote", "esc"),
			Focus:  focus,
			Board:  board,
			Help:   bind("?", "help", "?"),
			Quit:   quit,
		},
		board: boardKeys{
			Close: bind("esc/q/ctrl+l", "close", "esc", "q", "ctrl+l"),
			Quit:  quit,
		},
		diff: diffKeys{
			Other:  bind("1–8/tab", "compare with pane", "1", "2", "3", "4", "5", "6", "7", "8", "tab"),
			Scroll: bind("↑/↓/k/j", "scroll", "up", "down", "k", "j"),
			Page:   bind("pgup/pgdn", "page", "pgup", "pgdown"),
			Close:  bind("esc/q/d", "close", "esc", "q", "d"),
			Quit:   quit,
		},
	}
}

// bindings are a mode's keys in the order the help lists them.
func (k keyMaps) bindings(md mode) []key.Binding {
	switch md {
	case modeComposer:
		c := k.composer
		return []key.Binding{c.Send, c.Newline, c.History, c.Models, c.Sessions, c.NewThread, c.Cancel, c.Focus, c.Blind, c.Board, c.Help, c.Quit}
	case modePane, modeZoom:
		p := k.pane
		if md == modeZoom {
			p = k.zoom
		}
		return []key.Binding{p.Focus, p.FocusN, p.Zoom, p.Scroll, p.Page, p.Ends, p.Reasoning, p.Copy, p.Diff, p.Models, p.Compose, p.Back, p.NewThread, p.Sessions, p.Help, p.Quit}
	case modeReplay:
		r := k.replay
		return []key.Binding{r.Pause, r.Speed, r.Seek, r.Milestone, r.Rerun, r.Models, r.Close, r.Focus, r.FocusN, r.Sessions, r.Help, r.Quit}
	case modePicker:
		p := k.picker
		return []key.Binding{p.Move, p.Toggle, p.Apply, p.Close, p.Quit}
	case modeBrowser:
		b := k.browser
		out := []key.Binding{b.Move, b.Page, b.Replay, b.Rerun, b.Filter, b.Mine, b.Close, b.Quit}
		// Mine only acts on a team's store (enabled by openBrowser).
		return slices.DeleteFunc(out, func(b key.Binding) bool { return !b.Enabled() })
	case modeHelp:
		h := k.help
		return []key.Binding{h.Section, h.Close, h.Quit}
	case modeVote:
		v := k.vote
		return []key.Binding{v.Pick, v.Tie, v.AllBad, v.Skip, v.Focus, v.Board, v.Help, v.Quit}
	case modeBoard:
		b := k.board
		return []key.Binding{b.Close, b.Quit}
	case modeDiff:
		d := k.diff
		return []key.Binding{d.Other, d.Scroll, d.Page, d.Close, d.Quit}
	}
	return nil
}

// short are the keys of a mode's one-line help, most useful first; quit
// and help are added by helpLine.
func (k keyMaps) short(md mode) []key.Binding {
	switch md {
	case modeComposer:
		c := k.composer
		return []key.Binding{c.Send, c.Focus, c.Models, c.Sessions, c.NewThread, c.Help}
	case modePane, modeZoom:
		p := k.pane
		if md == modeZoom {
			p = k.zoom
		}
		return []key.Binding{p.Focus, p.Zoom, p.Scroll, p.Copy, p.Diff, p.Reasoning, p.Models, p.Back, p.Help}
	case modeReplay:
		r := k.replay
		return []key.Binding{r.Pause, r.Speed, r.Seek, r.Milestone, r.Rerun, r.Close, r.Models, r.Focus, r.Help}
	}
	return k.bindings(md)
}

// shortWhileRunning is the one-line help of a mode while answers arrive:
// the key that cancels them comes first.
func (k keyMaps) shortWhileRunning(md mode) []key.Binding {
	switch md {
	case modeComposer:
		c := k.composer
		return []key.Binding{c.Cancel, c.Focus, c.NewThread, c.Help}
	case modePane, modeZoom:
		p := k.pane
		if md == modeZoom {
			p = k.zoom
		}
		return []key.Binding{p.Back, p.Focus, p.Zoom, p.Scroll, p.Copy, p.Reasoning, p.Help}
	}
	return k.short(md)
}

// transport are the replay keys that act in a replay whatever has focus.
func (k keyMaps) transport() []key.Binding {
	r := k.replay
	return []key.Binding{r.Pause, r.Speed, r.Seek, r.Milestone}
}

// modeHelp lists one mode's keys for the help's columns.
type modeHelpMap []key.Binding

func (h modeHelpMap) ShortHelp() []key.Binding { return h }

// FullHelp is the mode's keys in columns of at most six.
func (h modeHelpMap) FullHelp() [][]key.Binding {
	var cols [][]key.Binding
	for i := 0; i < len(h); i += 6 {
		cols = append(cols, h[i:min(i+6, len(h))])
	}
	return cols
}
