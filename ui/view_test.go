package ui

import (
	"fmt"
	"image/color"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
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

// colourSGR returns the first SGR parameter list in s that sets a colour
// (16, 256 or true colour, foreground or background), or "". Resets to the
// default colours (39, 49) and attributes (bold, reverse…) set none.
func colourSGR(s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return ""
		}
		s = s[i+2:]
		j := strings.IndexFunc(s, func(r rune) bool { return r >= 0x40 && r <= 0x7e })
		if j < 0 {
			return ""
		}
		if s[j] == 'm' {
			for _, p := range strings.FieldsFunc(s[:j], func(r rune) bool { return r == ';' || r == ':' }) {
				n, err := strconv.Atoi(p)
				if err != nil {
					continue
				}
				if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
					return s[:j]
				}
			}
		}
		s = s[j+1:]
	}
}

// Without colour (--theme no-color, NO_COLOR) no view sets a colour, yet
// the focused pane and the composer stand out (a double line), and the
// answer's emphasis is bold, not "**" markers.
func TestNoColorViewsSetNoColour(t *testing.T) {
	for _, theme := range []string{"", themes.NoColorName} {
		for _, tc := range []struct {
			name  string
			setup func(m *Model)
		}{
			{"empty", func(m *Model) {}},
			{"midstream", func(m *Model) { turn(m, 0.6, -1) }},
			{"done", func(m *Model) { turn(m, 1, 0) }},
			{"reasoning open", func(m *Model) { turn(m, 1, -1); m.focus = 2; m.panes[2].showReasoning = true }},
			{"help", func(m *Model) { m.showHelp = true }},
			{"zoom", func(m *Model) { turn(m, 1, -1); m.focus, m.zoomed = 1, true }},
			{"picker", func(m *Model) { m.Update(keyPress("tab")); m.Update(keyPress("m")) }},
			{"browser", func(m *Model) {
				dir := t.TempDir()
				scriptedSession(t, dir)
				m.opts.Sessions = &session.Store{Dir: dir}
				m.openBrowser()
				list, errs := m.opts.Sessions.List()
				m.Update(sessionsListedMsg{list: list, errs: errs})
			}},
		} {
			m := newTestModel(t, 3, 120, 40, theme)
			t.Cleanup(func() { m.Close() })
			tc.setup(m)
			out := m.render()
			if c := colourSGR(out); c != "" {
				t.Errorf("theme %q, %s: a colour is set (\\x1b[%sm):\n%q", theme, tc.name, c, out)
			}
			if !strings.Contains(out, "\x1b[1m") {
				t.Errorf("theme %q, %s: nothing is bold", theme, tc.name)
			}
		}
	}
	rm, _ := replayModel(t, scriptedSession(t, t.TempDir()), 120, 40)
	rm.Update(keyPress("space"))
	if c := colourSGR(rm.render()); c != "" {
		t.Errorf("a replay sets a colour (\x1b[%sm)", c)
	}
	m := newTestModel(t, 3, 120, 40, themes.NoColorName)
	turn(m, 1, -1)
	if out := screen(m); !strings.Contains(out, "══════") || strings.Contains(out, "╔") {
		t.Errorf("the focused composer does not stand out, or a pane does that has no focus:\n%s", out)
	}
	m.focus = 1
	out := screen(m)
	if strings.Count(out, "╔") != 1 || !strings.Contains(out, "╔═") {
		t.Errorf("the focused pane is not the one drawn in a double line:\n%s", out)
	}
	if strings.Contains(out, "**something**") || !strings.Contains(out, "something has to give") {
		t.Errorf("the answer's emphasis shows raw markers:\n%s", out)
	}
	if raw := m.render(); !strings.Contains(raw, "\x1b[1msomething") {
		t.Errorf("strong text is not bold: %q", raw)
	}
}

// In every theme the composer is drawn in the theme's colours: no
// background on its cursor line (bubbles' default is black, white on
// light), and the help bar in the theme's text and muted colours rather
// than fixed greys.
func TestComposerAndHelpBarFollowTheTheme(t *testing.T) {
	for _, name := range themes.Names() {
		m := newTestModel(t, 2, 120, 30, name)
		out := m.render()
		lines := strings.Split(out, "\n")
		var composer, helpBar string
		for i, l := range lines {
			if strings.Contains(ansi.Strip(l), "Ask every model") {
				composer = l
			}
			if strings.Contains(ansi.Strip(l), "ctrl+c quit") {
				helpBar = lines[i]
			}
		}
		if composer == "" || helpBar == "" {
			t.Fatalf("%s: no composer or help bar:\n%s", name, ansi.Strip(out))
		}
		for _, bg := range []string{"\x1b[40m", "\x1b[47m", "48;5;", "48;2;", "\x1b[107m"} {
			if strings.Contains(composer, bg) {
				t.Errorf("%s: the composer's line has a background (%q): %q", name, bg, composer)
			}
		}
		th := m.theme
		for what, c := range map[string]color.Color{"text": th.Text, "muted": th.Muted} {
			seq := strings.TrimSuffix(lipgloss.NewStyle().Foreground(c).Render("x"), "x\x1b[m")
			if name != themes.NoColorName && !strings.Contains(helpBar, seq) {
				t.Errorf("%s: the help bar does not use the theme's %s colour %q: %q", name, what, seq, helpBar)
			}
		}
		if name == themes.NoColorName {
			if c := colourSGR(out); c != "" {
				t.Errorf("no-color sets a colour (%s)", c)
			}
		}
	}
}

// A pane scrolled away from its top says how much is hidden above, and
// one at its top does not.
func TestScrolledPaneMarksHiddenLinesAbove(t *testing.T) {
	m := newTestModel(t, 1, 80, 24, "")
	p := m.panes[0]
	for i := range 40 {
		p.apply(session.Event{Event: backends.DeltaEvent(backends.KindAnswer, fmt.Sprintf("Paragraph %d\n\n", i))})
	}
	m.focus = 0
	out := screen(m)
	first, n := firstParagraph(out), 0
	if _, err := fmt.Sscanf(hiddenAbove(out), "↑ %d more lines", &n); err != nil {
		t.Fatalf("following the end of a long answer, no ↑ marker:\n%s", out)
	}
	// The marker hides the row it covers too: the paragraph shown first
	// is on the row after the n hidden ones (two rows per paragraph, the
	// answer starting with a blank row: paragraph k is on row 2k+1).
	if want := fmt.Sprint(n / 2); first != want {
		t.Errorf("marker says %d lines hidden, the first paragraph shown is %s (want %s):\n%s", n, first, want, out)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyHome})
	if out := screen(m); hiddenAbove(out) != "" || firstParagraph(out) != "0" {
		t.Errorf("at the top, a ↑ marker or a missing first paragraph:\n%s", out)
	}
	m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	m.Update(tea.KeyPressMsg{Code: tea.KeyDown})
	out = screen(m)
	if !strings.Contains(out, "↓ ") || !strings.HasPrefix(hiddenAbove(out), "↑ ") {
		t.Errorf("scrolled into the middle, both markers should show:\n%s", out)
	}
}

func hiddenAbove(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if i := strings.Index(l, "↑ "); i >= 0 {
			return strings.TrimRight(l[i:], " │║")
		}
	}
	return ""
}

func firstParagraph(screen string) string {
	for _, l := range strings.Split(screen, "\n") {
		if i := strings.Index(l, "Paragraph "); i >= 0 {
			return strings.Fields(l[i:])[1]
		}
	}
	return ""
}

// The summary strip always names every category with its winner and the
// winning figure, at any width, on one line or two.
func TestSummaryKeepsEveryWinnerAndFigure(t *testing.T) {
	for _, w := range []int{200, 160, 120, 100, 80} {
		m := newTestModel(t, 3, w, 40, "")
		turn(m, 1, -1)
		s := ansi.Strip(m.summary())
		for _, want := range []string{"first ★ Swift", "150ms", "fastest ★ Swift", "tok/s", "cheapest ★ Swift", "$0.0000332", "longest ★ Swift", "80 tok"} {
			if !strings.Contains(s, want) {
				t.Errorf("%d columns: the summary lacks %q:\n%s", w, want, s)
			}
		}
		if strings.Contains(s, "…") {
			t.Errorf("%d columns: the summary was cut:\n%s", w, s)
		}
		for _, l := range strings.Split(s, "\n") {
			if ansi.StringWidth(l) > w {
				t.Errorf("%d columns: a summary line is %d wide", w, ansi.StringWidth(l))
			}
		}
		assertFits(t, screen(m), w, 40)
	}
}

// Every pane of a grid shows its stats in the same format, and the total
// time is never cut, at the widths where it used to be.
func TestFootersShareOneFormatAndKeepTheTotal(t *testing.T) {
	for _, size := range [][2]int{{200, 50}, {150, 40}, {120, 40}, {80, 24}} {
		m := newTestModel(t, 3, size[0], size[1], "")
		turn(m, 1, -1)
		// A pane with a far longer run than the others: wider figures.
		p := m.panes[1]
		p.apply(session.Event{Pane: 1, T: 83 * time.Second, Event: backends.DoneEvent(backends.StopEnd, 0)})
		out := screen(m)
		var footers []string
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(l, "│") && (strings.Contains(l, "ms ·") || strings.Contains(l, "ttft")) {
				for _, cell := range strings.Split(strings.Trim(l, "│"), "││") {
					footers = append(footers, strings.TrimSpace(cell))
				}
			}
		}
		if len(footers) < 2 {
			t.Fatalf("%dx%d: footers not found:\n%s", size[0], size[1], out)
		}
		seps := strings.Count(footers[0], "·")
		for i, f := range footers {
			if strings.Count(f, "·") != seps {
				t.Errorf("%dx%d: pane %d's footer %q is not in the format of %q", size[0], size[1], i+1, f, footers[0])
			}
			total := session.FormatDuration(m.panes[i].result.Stats.Total)
			if !strings.HasSuffix(f, total) {
				t.Errorf("%dx%d: pane %d's footer %q does not end with its total %s", size[0], size[1], i+1, f, total)
			}
		}
	}
}

// The legend explains the marks of the footers in the ? view, and a hint
// points to it while the first run streams, until ? is pressed or the run
// ends.
func TestLegendAndItsHint(t *testing.T) {
	for _, size := range [][2]int{{120, 36}, {80, 24}} {
		m := newTestModel(t, 3, size[0], size[1], "")
		m.showHelp = true
		out := screen(m)
		for _, want := range []string{"ttft", "tok/s", "~", "est", "—", "(sim)", "billed"} {
			if !strings.Contains(out, want) {
				t.Errorf("%dx%d: the help does not explain %q:\n%s", size[0], size[1], want, out)
			}
		}
		assertFits(t, out, size[0], size[1])
	}
	const hint = "? explains the numbers"
	m := newTestModel(t, 2, 120, 36, "")
	if strings.Contains(screen(m), hint) {
		t.Error("the hint shows before any numbers do")
	}
	turn(m, 0.5, -1)
	if !strings.Contains(screen(m), hint) {
		t.Errorf("no hint while the first run streams:\n%s", screen(m))
	}
	m.showHelp = true
	screen(m)
	m.showHelp = false
	if strings.Contains(screen(m), hint) {
		t.Error("the hint stays after the help was opened")
	}
	m = newTestModel(t, 2, 120, 36, "")
	turn(m, 1, -1)
	screen(m)
	turn(m, 0.5, -1)
	if strings.Contains(screen(m), hint) {
		t.Error("the hint comes back on the second run")
	}
}

// The folded thinking block counts with the provider's exact reasoning
// tokens once they arrive, and sits inside the answer's margins.
func TestThinkingBlockCountAndMargin(t *testing.T) {
	m := newTestModel(t, 3, 150, 36, "")
	turn(m, 0.5, -1)
	line := func() string {
		for _, l := range strings.Split(screen(m), "\n") {
			if i := strings.Index(l, "thinking"); i >= 0 {
				cells := strings.Split(l, "│")
				return cells[len(cells)-2]
			}
		}
		return ""
	}
	if l := line(); !strings.HasPrefix(l, "  ▸ thinking · ~") {
		t.Errorf("while estimated: %q", l)
	}
	m.panes[2].apply(session.Event{Pane: 2, Event: backends.UsageEvent(backends.Usage{Input: 12, Output: 80, Reasoning: 37, Exact: true})})
	if l := line(); !strings.HasPrefix(l, "  ▸ thinking · 37 tok") {
		t.Errorf("with exact usage: %q", l)
	}
	m.panes[2].showReasoning = true
	for _, l := range strings.Split(screen(m), "\n") {
		if strings.Contains(l, "producers and consumers") {
			cells := strings.Split(l, "│")
			if c := cells[len(cells)-3]; !strings.HasPrefix(c, "  ") {
				t.Errorf("the open thinking block touches the border: %q", l)
			}
		}
	}
}

// A header too long for its pane is cut with an ellipsis, and the help
// bar keeps ctrl+c quit at every width, whatever has focus.
func TestHeaderEllipsisAndQuitAlwaysShown(t *testing.T) {
	m := newTestModel(t, 3, 80, 24, "")
	m.panes[0].target.Label = "A model with a very long name indeed"
	out := screen(m)
	if !strings.Contains(out, "│1 A model with a very long name… ready│") {
		t.Errorf("the long label is not cut with an ellipsis:\n%s", out)
	}
	for _, w := range []int{200, 120, 80, 60, 40} {
		for _, focus := range []int{-1, 0} {
			m := newTestModel(t, 3, w, 24, "")
			m.focus = focus
			lines := strings.Split(screen(m), "\n")
			last := lines[len(lines)-1]
			if !strings.Contains(last, "ctrl+c quit") {
				t.Errorf("%d columns, focus %d: the help bar lacks ctrl+c quit: %q", w, focus, last)
			}
			if w >= 80 && !strings.Contains(last, "? help") {
				t.Errorf("%d columns, focus %d: the help bar lacks ? help: %q", w, focus, last)
			}
		}
	}
}
