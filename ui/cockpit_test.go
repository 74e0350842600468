package ui

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
)

// silent is a backend that never answers: views in these tests are driven
// by feeding events to Update, the way the pump delivers them.
type silent struct{}

func (silent) Stream(ctx context.Context, _ backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) { <-ctx.Done() }
}

var testModels = []string{"demo:swift", "demo:sage", "demo:ponder", "demo:spark"}

func targets(t *testing.T, n int) []backends.Target {
	t.Helper()
	var out []backends.Target
	for i := range n {
		tg, err := backends.ParseSpec(testModels[i%len(testModels)])
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(testModels) {
			tg.Label = fmt.Sprintf("%s #%d", tg.Label, i/len(testModels)+1)
		}
		out = append(out, tg)
	}
	return out
}

// newTestModel is a cockpit of n demo targets at w×h, without colour.
func newTestModel(t *testing.T, n, w, h int, theme string) *Model {
	t.Helper()
	book := backends.NewPriceBook(nil)
	m, err := New(Options{
		Targets: targets(t, n),
		Open:    func(backends.Target) backends.Backend { return silent{} },
		Price: func(tg backends.Target) *backends.Price {
			if p, ok := book.Lookup(tg); ok {
				return &p
			}
			return nil
		},
		Theme:   theme,
		NoColor: theme == "",
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

const answer = "## Backpressure\n\nWhen a producer outpaces its consumer, **something** has to give:\n\n" +
	"- buffer (and bound it)\n- drop (and count it)\n- slow the producer down\n\n" +
	"```go\nfor msg := range in {\n\tout <- msg // blocks when full\n}\n```\n\n" +
	"| strategy | latency | loss |\n|---|---|---|\n| buffer | grows | none |\n| drop | flat | some |\n\n" +
	"That is the whole trick.\n"

// turn starts a turn on the model by hand and feeds each pane the events
// of a stream, cut at frac of the answer (1 = finished).
func turn(m *Model, frac float64, failPane int) {
	m.editor.SetValue("Explain backpressure")
	m.prompt, m.turns, m.running = "Explain backpressure", m.turns+1, true
	m.history = append(m.history, m.prompt)
	for _, p := range m.panes {
		p.reset()
	}
	evs := scriptEvents(len(m.panes), frac, failPane)
	m.editor.Reset()
	m.Update(eventsMsg{run: m.run, events: evs})
	if frac >= 1 {
		m.Update(runEndedMsg{run: m.run})
	}
}

// scriptEvents is a turn of n panes, pane by pane: pane i starts 40 ms
// after pane i-1; failPane fails with a rate limit; pane 2 thinks first;
// the answers are cut at frac (1 = finished, with usage and a done).
func scriptEvents(n int, frac float64, failPane int) []session.Event {
	var evs []session.Event
	for i := range n {
		at := func(ms int, ev backends.Event) {
			evs = append(evs, session.Event{Pane: i, T: time.Duration(ms+40*i) * time.Millisecond, Event: ev})
		}
		at(0, backends.UsageEvent(backends.Usage{Input: 12}))
		if i == failPane {
			at(300, backends.ErrorEvent(&backends.Error{Message: "openai rate limited this request (429 rate_limit_exceeded); retry after 20s", Status: 429, Code: "rate_limit_exceeded", Retryable: true}))
			continue
		}
		if i == 2 {
			at(100, backends.DeltaEvent(backends.KindReasoning, "Let me think about producers and consumers."))
		}
		text := answer[:int(float64(len(answer))*frac)]
		for j, piece := range strings.SplitAfter(text, " ") {
			at(150+10*j, backends.DeltaEvent(backends.KindAnswer, piece))
		}
		if frac >= 1 {
			at(900, backends.UsageEvent(backends.Usage{Input: 12, Output: 80, Exact: true}))
			at(910, backends.DoneEvent(backends.StopEnd, 0))
		}
	}
	return evs
}

// screen is the model's view as plain text, as an Ascii terminal shows it.
func screen(m *Model) string { return ansi.Strip(m.render()) }

func TestGoldenViews(t *testing.T) {
	cases := []struct {
		name        string
		panes, w, h int
		frac        float64
		fail        int
		focus       int
		zoom, help  bool
		reasoning   bool
	}{
		{name: "empty", panes: 3, w: 120, h: 36, fail: -1, focus: -1},
		{name: "one_midstream", panes: 1, w: 100, h: 30, frac: 0.5, fail: -1, focus: -1},
		{name: "reasoning_open", panes: 3, w: 150, h: 36, frac: 1, fail: -1, focus: 2, reasoning: true},
		{name: "one_done", panes: 1, w: 100, h: 30, frac: 1, fail: -1, focus: 0},
		{name: "two_midstream", panes: 2, w: 140, h: 40, frac: 0.7, fail: -1, focus: -1},
		{name: "two_done", panes: 2, w: 140, h: 40, frac: 1, fail: -1, focus: -1},
		{name: "four_midstream", panes: 4, w: 160, h: 50, frac: 0.4, fail: -1, focus: 1},
		{name: "four_done", panes: 4, w: 160, h: 50, frac: 1, fail: -1, focus: -1},
		{name: "eight_midstream", panes: 8, w: 200, h: 50, frac: 0.3, fail: -1, focus: -1},
		{name: "eight_done", panes: 8, w: 200, h: 50, frac: 1, fail: -1, focus: -1},
		{name: "error_pane", panes: 2, w: 120, h: 30, frac: 1, fail: 0, focus: -1},
		{name: "zoom", panes: 3, w: 120, h: 36, frac: 1, fail: -1, focus: 2, zoom: true},
		{name: "help", panes: 3, w: 120, h: 36, fail: -1, focus: -1, help: true},
		{name: "narrow_80x24", panes: 3, w: 80, h: 24, frac: 0.6, fail: -1, focus: -1},
		{name: "too_small", panes: 3, w: 30, h: 10, fail: -1, focus: -1},
		// The summary strip and the footers of three finished panes at the
		// widths where they used to lose figures (issue 9, #5 and #6).
		{name: "summary_200x50", panes: 3, w: 200, h: 50, frac: 1, fail: -1, focus: -1},
		{name: "summary_120x40", panes: 3, w: 120, h: 40, frac: 1, fail: -1, focus: -1},
		{name: "summary_80x24", panes: 3, w: 80, h: 24, frac: 1, fail: -1, focus: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newTestModel(t, tc.panes, tc.w, tc.h, "")
			if tc.frac > 0 || tc.fail >= 0 {
				turn(m, tc.frac, tc.fail)
			}
			m.focus, m.zoomed, m.showHelp = tc.focus, tc.zoom, tc.help
			if tc.reasoning {
				m.panes[tc.focus].showReasoning = true
			}
			out := screen(m)
			if tc.w >= minWidth && tc.h >= minHeight {
				assertFits(t, out, tc.w, tc.h)
			}
			golden.RequireEqual(t, out)
		})
	}
}

func TestGoldenThemes(t *testing.T) {
	for _, name := range themes.Names() {
		t.Run(name, func(t *testing.T) {
			m := newTestModel(t, 2, 100, 30, name)
			turn(m, 1, -1)
			golden.RequireEqualEscape(t, []byte(m.render()), true)
		})
	}
}

// assertFits checks the screen is exactly w×h: no line too wide, none
// missing, so nothing wraps or scrolls on a real terminal.
func assertFits(t *testing.T, out string, w, h int) {
	t.Helper()
	lines := strings.Split(out, "\n")
	if len(lines) != h {
		t.Errorf("%d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if lw := ansi.StringWidth(l); lw > w {
			t.Errorf("line %d is %d wide, want at most %d: %q", i, lw, w, l)
		}
	}
}

func keyPress(s string) tea.KeyPressMsg {
	switch s {
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

func TestPickerAddsAndRemovesPanes(t *testing.T) {
	m := newTestModel(t, 2, 120, 36, "")
	spark, _ := backends.ParseSpec("demo:spark")
	m.opts.Choices = []Choice{{Target: spark, Note: "simulated"}}
	m.panes[0].history = []backends.Message{{Role: backends.RoleUser, Content: "kept"}}
	for _, k := range []string{"tab", "m", "s", "p", "a", "space", "enter"} {
		m.Update(keyPress(k))
	}
	if m.picker != nil || len(m.panes) != 3 || m.panes[2].target.Name != "demo:spark" {
		t.Fatalf("after adding spark: picker open %v, panes %d", m.picker != nil, len(m.panes))
	}
	if len(m.panes[0].history) != 1 {
		t.Error("a pane that stays lost its conversation")
	}
	// Remove the first pane (demo:swift): the filter is empty, the cursor
	// is on the first choice.
	for _, k := range []string{"m", "space", "enter"} {
		m.Update(keyPress(k))
	}
	if len(m.panes) != 2 || m.panes[0].target.Name != "demo:sage" {
		t.Errorf("after removing swift: %d panes, first %s", len(m.panes), m.panes[0].target.Name)
	}
	if !strings.Contains(screen(m), "2 models") {
		t.Error("the title does not show the new model count")
	}
}

func TestTooManyModelsRefused(t *testing.T) {
	m := newTestModel(t, 8, 200, 50, "")
	spark, _ := backends.ParseSpec("demo:spark")
	spark.Name = "demo:spark-extra"
	m.opts.Choices = []Choice{{Target: spark}}
	for _, k := range []string{"tab", "m", "e", "x", "t", "r", "a", "space"} {
		m.Update(keyPress(k))
	}
	if m.picker == nil {
		t.Fatal("a ninth model closed the picker")
	}
	if !strings.Contains(m.picker.notice, "at most 8") {
		t.Errorf("a ninth model: notice %q", m.picker.notice)
	}
}

// At 80×24 every page of the help fits, and each lists every key of its
// mode, with how to reach the other pages and close it.
func TestHelpFitsNarrowTerminal(t *testing.T) {
	m := newTestModel(t, 3, 80, 24, "")
	m.Update(keyPress("?"))
	if !m.showHelp || m.helpPage != int(modeComposer) {
		t.Fatalf("? in an empty composer: help %v, page %d", m.showHelp, m.helpPage)
	}
	for page := range modeCount {
		out := screen(m)
		assertFits(t, out, 80, 24)
		for _, b := range m.keys.bindings(page) {
			if want := b.Help().Desc; !strings.Contains(out, want) {
				t.Errorf("the %s page of the help at 80×24 lacks %q:\n%s", modeNames[page], want, out)
			}
		}
		for _, want := range []string{"close help", "other keys", "[" + modeNames[page] + "]"} {
			if !strings.Contains(out, want) {
				t.Errorf("the %s page of the help lacks %q", modeNames[page], want)
			}
		}
		m.Update(keyPress("tab"))
	}
	if m.helpPage != int(modeComposer) {
		t.Errorf("tab through every page came to page %d, not back to the first", m.helpPage)
	}
	m.Update(keyPress("q"))
	if m.showHelp {
		t.Error("q does not close the help")
	}
}
