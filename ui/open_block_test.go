package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/mdcorpus"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// A long table streams into a pane in pieces (its columns may differ from
// the whole table's while it streams); once the answer is done, the pane
// shows the whole table exactly as glamour renders it, although no byte
// arrived with the Done.
func TestPaneShowsTheFullRenderAtDone(t *testing.T) {
	m := newTestModel(t, 1, 100, 40, "dark")
	p := m.panes[0]
	text := mdcorpus.Text(mdcorpus.Table)[:9000]
	text = text[:strings.LastIndexByte(text, '\n')+1]
	// A last row wider than any before: the rows above it were drawn
	// with narrower columns while the table streamed.
	text += "| 999 | a-much-wider-service-name-than-any | eu-west-3 | 1 ms | 2 ms | end |\n"
	for _, d := range mdcorpus.Deltas(text, 8) {
		p.apply(session.Event{Event: backends.DeltaEvent(backends.KindAnswer, d)})
		_ = screen(m)
	}
	width := 100 - 2 // the pane's inner width
	want := strings.Split(markdown.Full(text, width, m.theme), "\n")
	p.apply(session.Event{Event: backends.DoneEvent(backends.StopEnd, 0)})
	got := p.answer.Lines(width, m.theme)
	if len(got) != len(want) {
		t.Fatalf("at Done the answer has %d lines, the full render %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("at Done line %d of the answer is\n%q\nnot the full render's\n%q", i, ansi.Strip(got[i]), ansi.Strip(want[i]))
		}
	}
	// And the screen shows it: the rows above the wide one are drawn with
	// the whole table's columns.
	shown := screen(m)
	for _, l := range want[len(want)-14 : len(want)-4] {
		if l := strings.TrimSpace(ansi.Strip(l)); l != "" && !strings.Contains(shown, l) {
			t.Fatalf("at Done the screen lacks the full render's row %q:\n%s", l, shown)
		}
	}
}
