package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// A styled line cut to the screen keeps its escape sequences whole and
// ends its style: nothing bleeds into the next cell.
func TestTruncateKeepsStylesWhole(t *testing.T) {
	styled := "\x1b[38;2;255;0;0mhello world\x1b[m and more"
	got := truncate(styled, 8)
	if w := ansi.StringWidth(got); w != 8 {
		t.Errorf("width %d, want 8: %q", w, got)
	}
	if ansi.Strip(got) != "hello w…" {
		t.Errorf("text %q", ansi.Strip(got))
	}
	if !strings.HasSuffix(got, "…\x1b[m") {
		t.Errorf("the style is not closed after the cut: %q", got)
	}
	if got := truncate("界界界界", 5); ansi.StringWidth(got) > 5 {
		t.Errorf("wide characters: %q is %d cells", got, ansi.StringWidth(got))
	}
	if got := truncate("short", 10); got != "short" {
		t.Errorf("a line that fits was changed: %q", got)
	}
}

// Text that arrives while the user reads higher up does not move what they
// read; only at the bottom does the pane follow new text.
func TestScrolledPaneHoldsStillWhileTextArrives(t *testing.T) {
	m := newTestModel(t, 1, 80, 24, "")
	p := m.panes[0]
	add := func(from, to int) {
		for i := from; i < to; i++ {
			p.apply(session.Event{Event: backends.DeltaEvent(backends.KindAnswer, fmt.Sprintf("Paragraph %d\n\n", i))})
		}
	}
	firstVisible := func() string {
		for _, l := range strings.Split(screen(m), "\n") {
			if i := strings.Index(l, "Paragraph "); i >= 0 {
				return strings.Fields(l[i:])[1]
			}
		}
		return ""
	}
	add(0, 60)
	screen(m)
	m.focus = 0
	for range 10 {
		m.Update(tea.KeyPressMsg{Code: tea.KeyUp})
	}
	before := firstVisible()
	add(60, 70)
	if after := firstVisible(); after != before || before == "" {
		t.Errorf("scrolled up, the first paragraph shown went from %s to %s as text arrived", before, after)
	}
	if !strings.Contains(screen(m), "↓ 30 more lines") {
		t.Errorf("the pane does not count the rows that arrived below:\n%s", screen(m))
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	add(70, 71)
	if !strings.Contains(screen(m), "Paragraph 70") {
		t.Error("back at the bottom, the pane does not follow new text")
	}
}
