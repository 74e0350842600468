package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// press is a key as the terminal sends it, by its bubbles name.
func pressKey(s string) tea.KeyPressMsg {
	named := map[string]tea.Key{
		"enter": {Code: tea.KeyEnter}, "tab": {Code: tea.KeyTab}, "shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
		"esc": {Code: tea.KeyEscape}, "space": {Code: tea.KeySpace, Text: " "}, "up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown},
		"left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight}, "pgup": {Code: tea.KeyPgUp}, "pgdown": {Code: tea.KeyPgDown},
		"home": {Code: tea.KeyHome}, "end": {Code: tea.KeyEnd}, "f5": {Code: tea.KeyF5},
		"alt+enter": {Code: tea.KeyEnter, Mod: tea.ModAlt},
	}
	if k, ok := named[s]; ok {
		return tea.KeyPressMsg(k)
	}
	if rest, ok := strings.CutPrefix(s, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: rune(rest[0]), Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: []rune(s)[0], Text: s}
}

// fingerprint is what a user can tell apart: the screen and the state
// that decides the next screens.
func fingerprint(m *Model) string {
	var b strings.Builder
	b.WriteString(screen(m))
	fmt.Fprintf(&b, "|%d %v %v %d %q %q %v", m.focus, m.zoomed, m.showHelp, m.helpPage, m.editor.Value(), m.status, m.confirmNew)
	for _, p := range m.panes {
		fmt.Fprintf(&b, "|%d %v", p.scroll, p.showReasoning)
	}
	if r := m.replay; r != nil {
		fmt.Fprintf(&b, "|%v %d %v", r.pos, r.speed, r.paused)
	}
	if p := m.picker; p != nil {
		fmt.Fprintf(&b, "|%d %v %q", p.cursor, p.order, p.notice)
	}
	if br := m.browser; br != nil {
		fmt.Fprintf(&b, "|%d %v %d", br.list.Index(), br.list.SettingFilter(), br.list.Paginator.Page)
	}
	fmt.Fprintf(&b, "|%+v %q %v", m.blind, m.blindNext, m.board != nil)
	if d := m.diff; d != nil {
		fmt.Fprintf(&b, "|%d %d %d", d.a, d.b, d.scroll)
	}
	return b.String()
}

// keyScene builds a cockpit in md, with what its keys need to act on: an
// answer long enough to scroll, a thinking block, history to recall, a
// replay mid-way, sessions to browse.
func keyScene(t *testing.T, md mode, k string) *Model {
	t.Helper()
	dir := t.TempDir()
	if md == modeReplay {
		m, _ := replayModel(t, scriptedSession(t, dir), 120, 40)
		m.seek(m.replay.tl.End() / 2)
		return m
	}
	for range 12 {
		scriptedSession(t, dir) // pages of sessions for the browser
	}
	m := newTestModel(t, 3, 120, 30, "")
	t.Cleanup(func() { m.Close() })
	m.opts.Sessions = &session.Store{Dir: dir, App: "test"}
	spark, _ := backends.DemoTarget("spark")
	m.opts.Choices = []Choice{{Target: spark}}
	if md == modeVote {
		m.blind = blindRound{mode: BlindNames} // a blind round, ended: the vote bar shows
	}
	turn(m, 1, -1)
	m.history = []string{"earlier prompt", "later prompt"}
	m.historyPos = len(m.history)
	switch md {
	case modeComposer:
		switch k {
		case "enter":
			m.editor.SetValue("a prompt")
		case "down":
			m.recall(-1)
		case "esc":
			m.running = true
		}
	case modePane, modeZoom:
		m.focus, m.zoomed = 1, md == modeZoom
		if k == "2" {
			m.focus = 0
		}
		m.render()
		m.panes[1].scroll = 3
	case modePicker:
		m.openPicker()
		m.picker.cursor = 1
	case modeBrowser:
		m.height = 12
		cmd := m.openBrowser()
		for _, msg := range runCmd(cmd) {
			m.Update(msg)
		}
		m.browser.list.Select(3)
	case modeHelp:
		m.openHelp()
	case modeBoard:
		for _, msg := range runCmd(m.openBoard()) {
			m.Update(msg)
		}
	case modeDiff:
		m.height = 12
		m.focus = 0
		m.openDiff()
		m.render()
		m.diff.scroll = 2
	}
	if got := m.mode(); got != md {
		t.Fatalf("scene for %s is in mode %s", modeNames[md], modeNames[got])
	}
	return m
}

// runCmd runs a command and the batches it returns, for the messages a
// program would deliver (ticks are left out).
func runCmd(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	switch msg := cmd().(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			if c != nil {
				if _, tick := c().(interface{ ID() int }); !tick {
					out = append(out, runCmd(c)...)
				}
			}
		}
		return out
	case nil:
		return nil
	default:
		return []tea.Msg{msg}
	}
}

// Every key of every mode's map does something a user can see, or starts
// something (a command): none is listed only for the help.
func TestEveryBindingDoesSomething(t *testing.T) {
	keys := defaultKeys()
	for md := range modeCount {
		for _, b := range keys.bindings(md) {
			for _, k := range b.Keys() {
				t.Run(modeNames[md]+"/"+k, func(t *testing.T) {
					m := keyScene(t, md, k)
					before := fingerprint(m)
					_, cmd := m.Update(pressKey(k))
					if cmd == nil && fingerprint(m) == before {
						t.Errorf("%s in the %s does nothing (listed as %q)", k, modeNames[md], b.Help().Desc)
					}
				})
			}
		}
	}
}

// Keys no map lists do nothing, in every mode where letters are not
// typed.
func TestUnlistedKeysDoNothing(t *testing.T) {
	for _, md := range []mode{modePane, modeZoom, modeReplay, modeHelp, modeBrowser} {
		for _, k := range []string{"f5", "ctrl+t", "ctrl+x"} {
			m := keyScene(t, md, k)
			before := fingerprint(m)
			m.Update(pressKey(k))
			if fingerprint(m) != before {
				t.Errorf("%s in the %s changed something, but no map lists it", k, modeNames[md])
			}
		}
	}
}
