package ui

import (
	"errors"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
)

type memHistory struct{ prompts []string }

func (h *memHistory) Prompts() []string { return h.prompts }
func (h *memHistory) Add(p string)      { h.prompts = append(h.prompts, p) }

// The browser's / filter narrows the list (its matches come back in a
// message of their own, which must reach the list).
func TestBrowserFilterNarrows(t *testing.T) {
	m := keyScene(t, modeBrowser, "")
	all := len(m.browser.list.VisibleItems())
	m.Update(pressKey("/"))
	m.Update(pressKey("z"))
	m.Update(pressKey("z"))
	for _, msg := range runCmd(m.browser.list.FilterInput.Focus()) {
		m.Update(msg)
	}
	// The list filters in a command: run what the last key returned.
	_, cmd := m.Update(pressKey("z"))
	for _, msg := range runCmd(cmd) {
		m.Update(msg)
	}
	if got := len(m.browser.list.VisibleItems()); got != 0 || all == 0 {
		t.Errorf("filter zzz: %d of %d sessions still shown", got, all)
	}
}

// The picker opens from the composer, refuses an empty selection, offers
// a typed provider:model, and refuses a model that is not ready.
func TestPickerFromComposer(t *testing.T) {
	m := newTestModel(t, 2, 120, 30, "")
	m.opts.Resolve = func(spec string) (backends.Target, error) {
		if spec == "demo:spark" {
			tg, _ := backends.DemoTarget("spark")
			return tg, nil
		}
		return backends.Target{}, errors.New("unknown provider")
	}
	m.opts.Choices = []Choice{{Target: backends.Target{Name: "openai:gpt-5", Provider: "openai", Model: "gpt-5", Label: "gpt-5"}, Unavailable: "set OPENAI_API_KEY"}}
	m.Update(pressKey("ctrl+p"))
	if m.picker == nil {
		t.Fatal("ctrl+p in the composer opens no picker")
	}
	if out := screen(m); !strings.Contains(out, "not ready: set OPENAI_API_KEY") {
		t.Errorf("the picker does not say what a model needs:\n%s", out)
	}
	m.picker.cursor = 2
	m.Update(pressKey("space"))
	if !strings.Contains(m.picker.notice, "cannot run here") || len(m.picker.order) != 2 {
		t.Errorf("picking a model that is not ready: notice %q, order %v", m.picker.notice, m.picker.order)
	}
	// Unselect both panes: enter is refused.
	m.picker.cursor = 0
	m.Update(pressKey("space"))
	m.picker.cursor = 0
	m.Update(pressKey("down"))
	m.Update(pressKey("space"))
	m.Update(pressKey("enter"))
	if m.picker == nil || len(m.panes) != 2 || !strings.Contains(m.picker.notice, "at least one") {
		t.Fatalf("an empty selection was applied: picker open %v, %d panes", m.picker != nil, len(m.panes))
	}
	for _, r := range "demo:spark" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	if out := screen(m); !strings.Contains(out, "[+] demo:spark") {
		t.Errorf("a typed provider:model is not offered:\n%s", out)
	}
	m.Update(pressKey("enter"))
	if m.picker != nil || len(m.panes) != 1 || m.panes[0].target.Name != "demo:spark" {
		t.Errorf("enter on a typed model: picker open %v, %d panes", m.picker != nil, len(m.panes))
	}
}

// Ctrl+N while answers stream asks first; a notice goes away by itself.
func TestNewConversationAsksAndNoticesExpire(t *testing.T) {
	m := newTestModel(t, 2, 120, 30, "")
	turn(m, 0.3, -1)
	m.Update(pressKey("ctrl+n"))
	if m.turns == 0 || !m.confirmNew {
		t.Fatal("ctrl+n while streaming discarded the answers without asking")
	}
	_, cmd := m.Update(pressKey("ctrl+n"))
	if m.turns != 0 || m.running {
		t.Fatalf("a second ctrl+n did not start over: turn %d, running %v", m.turns, m.running)
	}
	gen := m.noticeGen
	if cmd == nil || m.status == "" {
		t.Fatal("starting over says nothing")
	}
	m.Update(noticeExpiredMsg{gen: gen})
	if m.status != "" {
		t.Errorf("the notice %q stays after its time", m.status)
	}
}

// A paste that passes the prompt's cap is refused whole, with a word.
func TestTooLongPasteRefused(t *testing.T) {
	m := newTestModel(t, 2, 120, 30, "")
	m.editor.CharLimit = 10
	m.Update(tea.PasteMsg{Content: "far more than ten characters"})
	if m.editor.Value() != "" || !strings.Contains(m.status, "at most 10") {
		t.Errorf("a long paste: composer %q, notice %q", m.editor.Value(), m.status)
	}
}

// The estimate counts each pane's own conversation, and a follow-up
// shows earlier turns and their prompts in the panes; prompts sent are
// kept in the history store.
func TestFollowUpEstimatesEarlierTurnsAndHistory(t *testing.T) {
	m := newTestModel(t, 2, 160, 40, "")
	hist := &memHistory{prompts: []string{"from yesterday"}}
	m.opts.History = hist
	m.opts.Open = func(backends.Target) backends.Backend { return silent{} }
	m.editor.SetValue("Explain backpressure")
	m.Update(pressKey("enter"))
	if len(hist.prompts) != 2 || hist.prompts[1] != "Explain backpressure" {
		t.Errorf("history store has %q", hist.prompts)
	}
	evs := scriptEvents(2, 1, -1)
	// Pane 1 answers at length, pane 0 briefly.
	evs = append(evs[:0:0], evs...)
	m.Update(eventsMsg{run: m.run, events: evs})
	m.Update(runEndedMsg{run: m.run})
	m.panes[0].historyTokens = 10
	m.editor.SetValue("And in Go?")
	est := m.estimates()
	if !strings.Contains(est, "in:") || strings.Count(est, " tok") != 2 {
		t.Errorf("a follow-up to panes with different histories: %q", est)
	}
	m.editor.SetValue("")
	m.sendPrompt("And in Go?")
	out := screen(m)
	if !strings.Contains(out, "❯ Explain backpressure") || !strings.Contains(out, "❯ And in Go?") {
		t.Errorf("the panes do not show the earlier turn and the prompts:\n%s", out)
	}
	if len(m.panes[0].earlier) != 1 || m.panes[0].asked != "And in Go?" {
		t.Errorf("second turn: %d earlier turns, asked %q", len(m.panes[0].earlier), m.panes[0].asked)
	}
	m.Close()
}

// A replay that is paused does not say it streams.
func TestPausedReplayIsStill(t *testing.T) {
	m := keyScene(t, modeReplay, "")
	m.replay.paused = false
	if !m.streaming() {
		t.Skip("the scene's moment has every pane ended")
	}
	m.Update(pressKey("space"))
	if m.streaming() || strings.Contains(screen(m), "streaming") {
		t.Error("a paused replay still says streaming")
	}
}
