package ui

import (
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// A model's text and a server's error reach the panes through termsafe:
// the rendered view holds the cockpit's own styling and none of the
// sequences the model sent, whole or cut across deltas.
func TestPanesShowControlsWithoutObeyingThem(t *testing.T) {
	m := newTestModel(t, 3, 150, 40, "dark")
	m.prompt, m.turns, m.running = "hi", 1, true
	const hostile = "Look \x1b]8;;https://evil.example\x1b\\here\x1b]8;;\x1b\\ or [docs](https://evil.example/docs), " +
		"\x1b[5;38;2;1;2;3mblinking\x1b[0m \u009b2J\u009b6n \x1b]52;c;aGk=\x07 \x1b]0;title\x07 over\rwrite\b\n\nEnd.\n"
	var evs []session.Event
	add := func(pane int, ev backends.Event) { evs = append(evs, session.Event{Pane: pane, Event: ev}) }
	// Pane 0 gets the text whole; pane 1 three bytes at a time, cutting
	// sequences and the two-byte U+009B in the middle.
	add(0, backends.DeltaEvent(backends.KindReasoning, "thinking \x1b[2Jhard\u009b6n"))
	add(0, backends.DeltaEvent(backends.KindAnswer, hostile))
	for i := 0; i < len(hostile); i += 3 {
		add(1, backends.DeltaEvent(backends.KindAnswer, hostile[i:min(i+3, len(hostile))]))
	}
	add(2, backends.ErrorEvent(&backends.Error{Message: "bad gateway \x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07x\x1b]8;;\x07 \u009b2J", Status: 502}))
	add(0, backends.DoneEvent(backends.StopEnd, 0))
	add(1, backends.DoneEvent(backends.StopEnd, 0))
	m.Update(eventsMsg{run: m.run, events: evs})
	m.panes[0].showReasoning = true
	m.Update(NoticeMsg("notice \x1b[31mfrom an error\x1b[0m\u009b2J"))

	out := m.render()
	for _, bad := range []string{"\x1b]8;", "\x1b]52", "\x1b]0;", "\u009b", "\x1b[5;38;2;1;2;3m", "\x1b[31m", "\x1b[2J", "\x1b[6n", "\a", "\b", "\r"} {
		if strings.Contains(out, bad) {
			t.Errorf("the view holds %q", bad)
		}
	}
	if !strings.Contains(out, "\x1b[") {
		t.Error("the view lost the cockpit's own styling")
	}
	plain := screen(m)
	for _, want := range []string{"␛[2Jhard␛[6n", "bad gateway ␛[31mred", "notice ␛[31mfrom an error", "https://evil.example/docs"} {
		if !strings.Contains(plain, want) {
			t.Errorf("the view lacks %q:\n%s", want, plain)
		}
	}
	// Cut into pieces or whole, the answer shows the same.
	if a, b := m.panes[0].answer.Text(), m.panes[1].answer.Text(); a != b || !strings.Contains(a, "␛]52;c;aGk=␇") || !strings.Contains(a, "␛[2J␛[6n") {
		t.Errorf("whole: %q\nin pieces: %q", a, b)
	}
	// What the pane keeps to send back and copy is the raw answer.
	if got := m.panes[0].result.Text(); got != hostile {
		t.Errorf("the pane's result %q, want the raw answer", got)
	}
}

// A label from a session file (replay) is shown safely in the header.
func TestPaneLabelShownSafely(t *testing.T) {
	tg := targets(t, 1)[0]
	tg.Label = "evil\x1b]0;title\x07\u009b2J"
	p := newPane(tg, nil, nil)
	if p.target.Label != "evil␛]0;title␇␛[2J" {
		t.Errorf("label %q", p.target.Label)
	}
}
