package serve

import (
	"strings"
	"testing"
	"time"
)

// clock is a fake time for the budget.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestBudgetRate(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	b := newBudget(Limits{PromptsPerMinute: 2})
	b.now = c.now
	for i := range 2 {
		if err := b.Allow("p"); err != nil {
			t.Fatalf("prompt %d refused: %v", i, err)
		}
		c.t = c.t.Add(10 * time.Second)
	}
	err := b.Allow("p")
	if err == nil || !strings.Contains(err.Error(), "try again in 40s") {
		t.Fatalf("third prompt in a minute: %v, want a refusal saying when to retry", err)
	}
	if got := b.Remaining(); got != "left: 2/2 prompts this min" {
		t.Errorf("Remaining = %q", got)
	}
	c.t = c.t.Add(41 * time.Second) // the first prompt is a minute old
	if err := b.Allow("p"); err != nil {
		t.Errorf("after a minute: %v", err)
	}
}

func TestBudgetSpend(t *testing.T) {
	b := newBudget(Limits{OutputTokens: 100, USD: 0.05})
	if got := b.Remaining(); got != "left: 100 tok · $0.05" {
		t.Errorf("Remaining = %q", got)
	}
	b.Spend(60, 0.01)
	if err := b.Allow("p"); err != nil {
		t.Fatalf("budget left, yet refused: %v", err)
	}
	if got := b.Remaining(); got != "left: 40 tok · $0.04" {
		t.Errorf("Remaining = %q", got)
	}
	b.Spend(50, 0)
	if err := b.Allow("p"); err == nil || !strings.Contains(err.Error(), "100 output tokens") {
		t.Errorf("tokens spent: %v", err)
	}
	if got := b.Remaining(); got != "left: 0 tok · $0.04" {
		t.Errorf("Remaining = %q, want no negative figures", got)
	}

	b = newBudget(Limits{USD: 0.05})
	b.Spend(10, 0.06)
	if err := b.Allow("p"); err == nil || !strings.Contains(err.Error(), "$0.05") {
		t.Errorf("dollars spent: %v", err)
	}
}

func TestNoLimitsShowNothing(t *testing.T) {
	b := newBudget(Limits{})
	b.Spend(1e6, 100)
	if err := b.Allow("p"); err != nil {
		t.Errorf("no limits, yet refused: %v", err)
	}
	if got := b.Remaining(); got != "" {
		t.Errorf("Remaining = %q, want nothing shown", got)
	}
}

// The sessions of one connection share its budget: a second session does
// not start afresh.
func TestBudgetPerConnection(t *testing.T) {
	cfg := testConfig(t, "demo:swift")
	cfg.Limits = Limits{PromptsPerMinute: 1}
	cfg.MaxSessions = 4
	_, addr := startServer(t, cfg)
	c, err := dial(t, addr, "olga")
	if err != nil {
		t.Fatal(err)
	}
	one := openTerminal(t, c, "xterm", 120, 40, nil)
	one.waitFor("0/1 prompts this min")
	one.send("first\r")
	one.waitFor("1/1 prompts this min")
	two := openTerminal(t, c, "xterm", 120, 40, nil)
	two.waitFor("1/1 prompts this min")
	two.send("second\r")
	two.waitFor("at most 1 prompts a minute")
}
