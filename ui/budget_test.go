package ui

import (
	"context"
	"errors"
	"iter"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"github.com/fanout-dev/fanout/backends"
)

// fakeBudget records what the cockpit asks and spends.
type fakeBudget struct {
	mu      sync.Mutex
	asked   []string
	refuse  error
	tokens  int
	usd     float64
	spends  int
	showing string
}

func (b *fakeBudget) Allow(prompt string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.asked = append(b.asked, prompt)
	return b.refuse
}

func (b *fakeBudget) Spend(tokens int, usd float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens += tokens
	b.usd += usd
	b.spends++
}

func (b *fakeBudget) Remaining() string { return b.showing }

// paid is a real-looking model that answers at once with exact usage.
type paid struct{}

func (paid) Stream(context.Context, backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		_ = yield(backends.DeltaEvent(backends.KindAnswer, "a paid answer")) &&
			yield(backends.UsageEvent(backends.Usage{Input: 10, Output: 40, Exact: true})) &&
			yield(backends.DoneEvent("stop", 0))
	}
}

func budgetModel(t *testing.T, opts Options) *teatest.TestModel {
	t.Helper()
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 30),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.Ascii)))
}

// A run is charged once, for its real models only, and what is left shows
// under the composer.
func TestBudgetSpendsRealModelsOnce(t *testing.T) {
	real := backends.Target{Name: "paid:model", Label: "Paid", Provider: "openai", Model: "model"}
	demo, err := backends.ParseSpec("demo:swift")
	if err != nil {
		t.Fatal(err)
	}
	price := &backends.Price{Input: 1e6, Output: 1e6, Source: "config"} // $1 a token: easy sums
	b := &fakeBudget{showing: "left: 1234 tok"}
	tm := budgetModel(t, Options{
		Targets: []backends.Target{real, demo},
		Open: func(tg backends.Target) backends.Backend {
			if tg.Provider == backends.ProviderDemo {
				return backends.Open(tg, backends.Options{})
			}
			return paid{}
		},
		Price: func(tg backends.Target) *backends.Price {
			if tg.Provider == backends.ProviderDemo {
				return nil
			}
			return price
		},
		Budget:  b,
		NoColor: true,
	})
	waitFor(t, tm, "left: 1234 tok", 5*time.Second)
	tm.Type("hello")
	press(tm, "enter")
	waitFor(t, tm, "★", 15*time.Second) // every pane done
	press(tm, "esc")                    // nothing to cancel: no second charge
	m := finalModel(t, tm)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.asked) != 1 || b.asked[0] != "hello" {
		t.Errorf("asked %q, want the one prompt", b.asked)
	}
	if b.spends != 1 || b.tokens != 40 || b.usd != 50 {
		t.Errorf("spent %d times: %d tokens, $%v; want once, 40 tokens (the demo's are free), $50", b.spends, b.tokens, b.usd)
	}
	if m.running {
		t.Error("still running")
	}
}

// A refused prompt is not sent, stays in the composer, and the reason
// shows; so does a prompt over MaxPromptBytes.
func TestBudgetRefusalAndPromptCap(t *testing.T) {
	demo, err := backends.ParseSpec("demo:swift")
	if err != nil {
		t.Fatal(err)
	}
	sent := 0
	b := &fakeBudget{refuse: errors.New("budget spent: no more today")}
	tm := budgetModel(t, Options{
		Targets:        []backends.Target{demo},
		Open:           func(tg backends.Target) backends.Backend { sent++; return backends.Open(tg, backends.Options{}) },
		Budget:         b,
		MaxPromptBytes: 8,
		NoColor:        true,
	})
	tm.Type("short")
	press(tm, "enter")
	waitFor(t, tm, "budget spent: no more today", 5*time.Second)
	m := finalModel(t, tm)
	if sent != 0 || m.running {
		t.Errorf("a refused prompt was sent (%d backends opened)", sent)
	}
	if got := m.editor.Value(); got != "short" {
		t.Errorf("composer holds %q, want the refused prompt kept", got)
	}
	if m.editor.CharLimit != 8 {
		t.Errorf("CharLimit = %d, want MaxPromptBytes", m.editor.CharLimit)
	}
	m.opts.Budget = nil
	m.editor.CharLimit = 0
	m.editor.SetValue("ééééé") // 5 characters, 10 bytes
	if err := m.allow(m.editor.Value()); err == nil {
		t.Error("a 10-byte prompt passed a cap of 8 bytes")
	}
}

// Runs end with the cockpit's Context: a server whose client has gone
// stops its streams without a key press.
func TestContextEndsRun(t *testing.T) {
	sage, err := backends.ParseSpec("demo:sage")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tm := budgetModel(t, Options{
		Targets: []backends.Target{sage},
		Open:    func(tg backends.Target) backends.Backend { return backends.Open(tg, backends.Options{}) },
		Context: ctx,
		NoColor: true,
	})
	tm.Type("Write at length about queues")
	press(tm, "enter")
	waitFor(t, tm, "streaming", 5*time.Second)
	cancel()
	waitFor(t, tm, "cancelled", 5*time.Second)
	if m := finalModel(t, tm); m.running {
		t.Error("the run did not end with its context")
	}
}
