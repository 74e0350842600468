package ui

import (
	"bytes"
	"context"
	"iter"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// recorder wraps a backend and keeps the requests sent through it.
type recorder struct {
	backends.Backend
	mu   sync.Mutex
	reqs []backends.Request
}

func (r *recorder) Stream(ctx context.Context, req backends.Request) iter.Seq[backends.Event] {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.Backend.Stream(ctx, req)
}

// flowModel is a cockpit on real demo models, driven through a real
// Bubble Tea program by teatest.
func flowModel(t *testing.T, specs []string, maxTokens, w, h int) (*teatest.TestModel, []*recorder) {
	t.Helper()
	return flowModelWith(t, specs, maxTokens, w, h, nil)
}

// flowModelWith is flowModel with more options set by with.
func flowModelWith(t *testing.T, specs []string, maxTokens, w, h int, with func(*Options)) (*teatest.TestModel, []*recorder) {
	t.Helper()
	var ts []backends.Target
	recs := map[string]*recorder{}
	var order []*recorder
	for _, s := range specs {
		tg, err := backends.ParseSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tg)
		r := &recorder{Backend: backends.Open(tg, backends.Options{})}
		recs[tg.Name] = r
		order = append(order, r)
	}
	opts := Options{
		Targets:   ts,
		Open:      func(tg backends.Target) backends.Backend { return recs[tg.Name] },
		MaxTokens: maxTokens,
		NoColor:   true,
	}
	if with != nil {
		with(&opts)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
	return tm, order
}

func press(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		switch k {
		case "enter":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
		case "tab":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyTab})
		case "esc":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEscape})
		case "up":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyUp})
		case "end":
			tm.Send(tea.KeyPressMsg{Code: tea.KeyEnd})
		default:
			tm.Send(tea.KeyPressMsg{Code: rune(k[0]), Text: k})
		}
	}
}

func waitFor(t *testing.T, tm *teatest.TestModel, what string, d time.Duration) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(what)) },
		teatest.WithDuration(d), teatest.WithCheckInterval(20*time.Millisecond))
}

func finalModel(t *testing.T, tm *teatest.TestModel) *Model {
	t.Helper()
	press(tm)
	tm.Send(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	return tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
}

func TestFlowPromptDoneFocusZoomScroll(t *testing.T) {
	tm, _ := flowModel(t, []string{"demo:swift", "demo:spark", "demo:ponder"}, 150, 100, 20)
	tm.Type("Explain backpressure")
	press(tm, "enter")
	// The summary strip appears once every pane is done.
	waitFor(t, tm, "★", 15*time.Second)
	press(tm, "tab", "z", "up", "up", "up")
	m := finalModel(t, tm)
	if m.running {
		t.Error("still running after the summary appeared")
	}
	for _, p := range m.panes {
		if p.result.Stats.Status != session.StatusDone || p.result.Text() == "" {
			t.Errorf("%s: status %s, %d bytes", p.target.Label, p.result.Stats.Status, len(p.result.Text()))
		}
	}
	if m.focus != 0 || !m.zoomed {
		t.Errorf("focus %d zoomed %v, want pane 1 zoomed", m.focus, m.zoomed)
	}
	if m.panes[0].scroll == 0 {
		t.Error("scrolling up in the zoomed pane did nothing")
	}
}

func TestFlowCancelMidStream(t *testing.T) {
	tm, _ := flowModel(t, []string{"demo:sage", "demo:swift"}, 0, 120, 30)
	tm.Type("Write at length about queues")
	press(tm, "enter")
	waitFor(t, tm, "streaming", 5*time.Second)
	time.Sleep(900 * time.Millisecond) // sage is slow: it is mid-answer now
	press(tm, "esc")
	waitFor(t, tm, "cancelled", 5*time.Second)
	m := finalModel(t, tm)
	sage := m.panes[0].result
	if sage.Stats.Status != session.StatusCancelled || sage.Text() == "" {
		t.Errorf("sage: status %s with %d bytes; want cancelled with its partial answer", sage.Stats.Status, len(sage.Text()))
	}
	if m.running {
		t.Error("the run did not end after esc")
	}
}

func TestFlowFollowUpCarriesConversation(t *testing.T) {
	tm, recs := flowModel(t, []string{"demo:swift", "demo:spark"}, 30, 120, 30)
	tm.Type("First question")
	press(tm, "enter")
	waitFor(t, tm, "★", 10*time.Second)
	tm.Type("And a follow-up")
	press(tm, "enter")
	waitFor(t, tm, "turn 2", 5*time.Second)
	time.Sleep(1500 * time.Millisecond) // let the second turn finish
	m := finalModel(t, tm)
	for i, r := range recs {
		r.mu.Lock()
		reqs := r.reqs
		r.mu.Unlock()
		if len(reqs) != 2 {
			t.Fatalf("pane %d: %d requests, want 2", i, len(reqs))
		}
		msgs := reqs[1].Messages
		if len(msgs) != 3 || msgs[0].Content != "First question" || msgs[1].Role != backends.RoleAssistant || msgs[1].Content == "" || msgs[2].Content != "And a follow-up" {
			t.Errorf("pane %d: follow-up messages = %+v", i, msgs)
		}
		if got := len(m.panes[i].history); m.panes[i].result.Stats.Status == session.StatusDone && got != 4 {
			t.Errorf("pane %d: history has %d messages after two turns, want 4", i, got)
		}
	}
}
