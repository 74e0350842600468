package ui

import (
	"context"
	"fmt"

	"github.com/fanout-dev/fanout/backends"
)

// Budget limits what a cockpit may spend: the SSH server gives every
// connection one, so that a public demo never runs up its owner's bill.
// Implementations must be safe to call from Update (no blocking IO).
type Budget interface {
	// Allow is asked before a prompt is sent; an error refuses it and is
	// shown to the user as is.
	Allow(prompt string) error
	// Spend records what a run of real (not simulated) models used.
	Spend(outputTokens int, usd float64)
	// Remaining says what is left, for the line under the composer; ""
	// shows nothing.
	Remaining() string
}

// runContext is the parent of every run: the cockpit's Context, so that a
// server's connection ending also ends its streams.
func (m *Model) runContext() context.Context {
	if m.opts.Context != nil {
		return m.opts.Context
	}
	return context.Background()
}

// allow checks a prompt against the size cap and the budget before it is
// sent.
func (m *Model) allow(prompt string) error {
	if n := m.opts.MaxPromptBytes; n > 0 && len(prompt) > n {
		return fmt.Errorf("prompt too long: %d bytes, at most %d here", len(prompt), n)
	}
	if m.opts.Budget != nil {
		return m.opts.Budget.Allow(prompt)
	}
	return nil
}

// spend charges the run in flight to the budget: output tokens and the
// cost of every pane that is not simulated, partial answers included. It
// is called once per run, when it ends or is abandoned.
func (m *Model) spend() {
	if !m.running || m.opts.Budget == nil {
		return
	}
	tokens, usd := 0, 0.0
	for _, p := range m.panes {
		if p.target.Provider == backends.ProviderDemo {
			continue
		}
		tokens += p.result.Stats.Tokens().Output
		if c := p.result.Cost(); c.USD != nil && !c.Simulated {
			usd += *c.USD
		}
	}
	m.opts.Budget.Spend(tokens, usd)
}

// budgetNote is what is left of the budget, as a prefix of the line under
// the composer.
func (m *Model) budgetNote() string {
	if m.opts.Budget == nil {
		return ""
	}
	if m.hidden() {
		return " budget shown after the vote ·" // what a round spent would tell its models apart
	}
	if s := m.opts.Budget.Remaining(); s != "" {
		return " " + s + " ·"
	}
	return ""
}
