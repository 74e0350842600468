package ui

import (
	"context"
	"iter"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/fanout-dev/fanout/backends"
)

// echoer streams text a few bytes a delta, as a model repeating a key it
// was shown would.
type echoer struct{ text string }

func (e echoer) Stream(ctx context.Context, req backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		for i := 0; i < len(e.text); i += 4 {
			if !yield(backends.DeltaEvent(backends.KindAnswer, e.text[i:min(i+4, len(e.text))])) {
				return
			}
		}
		yield(backends.DoneEvent(backends.StopEnd, 0))
	}
}

// A pane never shows a key a model echoed, whole or split across deltas,
// even when nothing is recorded (fanout serve --no-save: the owner's key
// on a stranger's screen).
func TestPaneNeverShowsAnEchoedKey(t *testing.T) {
	const key = "sk-proj-OWNERSKEY0123456789"
	tg, _ := backends.ParseSpec("demo:swift")
	m, err := New(Options{
		Targets: []backends.Target{tg},
		Open:    func(backends.Target) backends.Backend { return echoer{"the key is " + key + ", right?"} },
		NoColor: true,
		Secrets: []string{key},
	})
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(100, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	tm.Type("what is my key")
	press(tm, "enter")
	waitFor(t, tm, "right?", 5*time.Second)
	final := finalModel(t, tm)
	view := final.View().Content
	if !strings.Contains(view, "the key is [redacted], right?") {
		t.Errorf("the answer around the key is not shown:\n%s", view)
	}
	if strings.Contains(view, "OWNERSKEY") {
		t.Errorf("the key is on screen:\n%s", view)
	}
}
