package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
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

// The mouse and the paging keys see the panes where they are drawn: with a
// tab strip over them and the summary strip under them too.
func TestPaneAtMatchesTheDrawing(t *testing.T) {
	for _, size := range [][2]int{{100, 22}, {120, 36}, {80, 24}, {200, 50}} {
		for _, n := range []int{1, 2, 4, 6} {
			m := newTestModel(t, n, size[0], size[1], "")
			for _, p := range m.panes {
				p.apply(session.Event{T: 10 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "answer")})
				p.apply(session.Event{T: 20 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
			}
			lines := strings.Split(screen(m), "\n")
			top, h := m.gridArea()
			if below := len(lines) - top - h; below != lipgloss.Height(m.renderBottom()) {
				t.Fatalf("%dx%d, %d panes: the grid area ends %d rows above the bottom, which is %d rows", size[0], size[1], n, below, lipgloss.Height(m.renderBottom()))
			}
			for y := top; y < top+h; y++ {
				for _, x := range []int{2, m.width - 3} {
					if got, want := m.paneAt(x, y), drawnPaneAt(lines, top, x, y); got != want {
						t.Fatalf("%dx%d, %d panes: at (%d,%d) paneAt says %d, the screen shows %d\n%s", size[0], size[1], n, x, y, got, want, screen(m))
					}
				}
			}
			// Paging moves by what a pane's body shows: its box less the
			// borders, the header and the stats line.
			m.focus = 0
			if boxH := drawnBoxHeight(lines, top, 2); m.paneBodyHeight() != boxH-4 {
				t.Errorf("%dx%d, %d panes: paneBodyHeight %d, the box is %d rows", size[0], size[1], n, m.paneBodyHeight(), boxH)
			}
		}
	}
}

// drawnPaneAt reads the screen: the pane whose box covers (x, y), by the
// number in the header under the box's top border, or -1.
func drawnPaneAt(lines []string, top, x, y int) int {
	for yy := y; yy >= top; yy-- {
		r := []rune(lines[yy])
		if x >= len(r) || !strings.ContainsRune("╭─╮", r[x]) {
			continue
		}
		// A top border has the header under it; a bottom border (of the
		// box being walked up through) does not: keep going.
		hdr := []rune(lines[yy+1])
		for i := min(x, len(hdr)-2); i >= 0; i-- {
			if hdr[i] == '│' && hdr[i+1] >= '1' && hdr[i+1] <= '9' {
				return int(hdr[i+1] - '1')
			}
		}
	}
	return -1
}

// drawnBoxHeight is the height of the first box whose left border is in
// column x, on screen.
func drawnBoxHeight(lines []string, top, x int) int {
	start := -1
	for y := top; y < len(lines); y++ {
		r := []rune(lines[y])
		if x >= len(r) {
			continue
		}
		switch {
		case start < 0 && r[x-2] == '╭':
			start = y
		case start >= 0 && r[x-2] == '╰':
			return y - start + 1
		}
	}
	return 0
}

// The spinner ticks only while answers stream: an idle cockpit is not
// redrawn for nothing.
func TestSpinnerTicksOnlyWhileStreaming(t *testing.T) {
	m := newTestModel(t, 2, 100, 30, "")
	if _, cmd := m.Update(m.spin.Tick()); cmd != nil {
		t.Error("an idle cockpit keeps its spinner ticking")
	}
	m.running = true
	_, cmd := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if cmd == nil || !m.spinning {
		t.Fatal("a stream does not start the spinner")
	}
	if _, again := m.Update(tea.WindowSizeMsg{Width: 100, Height: 30}); again != nil {
		t.Error("a second tick was started while one is on its way")
	}
	m.running = false
	if _, cmd := m.Update(m.spin.Tick()); cmd != nil || m.spinning {
		t.Error("the spinner goes on after the stream ended")
	}
}

// The shown reasoning, wrapped a line at a time as it streams, is what
// wrapping the whole text gives, after every delta.
func TestReasoningWrapsIncrementallyAsAWhole(t *testing.T) {
	text := "  First thought, long enough to wrap over more than one line of a narrow pane.\n\n" +
		"Second paragraph.\nA line right after it, also long enough to need wrapping here.\n\n\n" +
		"Trailing words   \n\n"
	style := func(l string) string { return "│ " + l }
	for _, width := range []int{20, 33, 60} {
		var w wrappedLines
		for cut := 1; cut <= len(text); cut += 3 {
			got := w.appendTo(nil, strings.TrimLeft(text[:cut], " \t\n"), width, "dark", style)
			var want []string
			if r := strings.TrimSpace(text[:cut]); r != "" {
				for _, l := range strings.Split(wrap(r, width), "\n") {
					want = append(want, style(l))
				}
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("width %d, %d bytes in:\n%q\nwant\n%q", width, cut, got, want)
			}
		}
	}
}

// BenchmarkReasoningFrame is a frame of a pane showing 30 KB of reasoning
// while a delta arrives: the line-at-a-time wrap against wrapping the whole
// text again (what each frame did before).
func BenchmarkReasoningFrame(b *testing.B) {
	para := "The model weighs one option against another, then a third, and writes it all down as it goes. "
	var text strings.Builder
	for text.Len() < 30<<10 {
		text.WriteString(para)
		if text.Len()%7 == 0 {
			text.WriteString("\n\n")
		}
	}
	full := text.String()
	style := func(l string) string { return "│ " + l }
	var w wrappedLines
	w.appendTo(nil, full, 60, "dark", style)
	var inc, naive time.Duration
	for i := 0; b.Loop(); i++ {
		t := full + strings.Repeat("x", i%50)
		start := time.Now()
		w.appendTo(nil, t, 60, "dark", style)
		inc += time.Since(start)
		start = time.Now()
		for _, l := range strings.Split(wrap(strings.TrimSpace(t), 60), "\n") {
			_ = style(l)
		}
		naive += time.Since(start)
	}
	b.ReportMetric(float64(inc.Microseconds())/float64(b.N), "us/frame")
	b.ReportMetric(float64(naive.Microseconds())/float64(b.N), "naive-us/frame")
	b.ReportMetric(float64(naive)/float64(inc), "x-faster")
}

// The same model on screen twice is two rows in the picker, each toggled
// on its own.
func TestPickerTogglesOneOfTwoCopies(t *testing.T) {
	m := newTestModel(t, 1, 120, 36, "")
	first := m.panes[0]
	m.panes = append(m.panes, newPane(first.target, first.price, m.md))
	for _, k := range []string{"tab", "m", "space"} {
		m.Update(keyPress(k))
	}
	out := screen(m)
	name := first.target.Name
	if strings.Count(out, "[x] "+name) != 1 || strings.Count(out, "[ ] "+name) != 1 {
		t.Fatalf("after toggling one copy of %s:\n%s", name, out)
	}
	m.Update(keyPress("enter"))
	if len(m.panes) != 1 || m.panes[0] == first {
		t.Errorf("%d panes left; want the second copy alone", len(m.panes))
	}
}

// The picker's empty filter says what it is for, in full.
func TestPickerFilterShowsItsPlaceholder(t *testing.T) {
	m := newTestModel(t, 2, 100, 30, "")
	m.Update(keyPress("tab"))
	m.Update(keyPress("m"))
	if out := screen(m); !strings.Contains(out, "filter models") {
		t.Errorf("the picker's filter:\n%s", out)
	}
}
