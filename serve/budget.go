package serve

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// Limits are what one connection may spend on the owner's real models.
// A zero field sets no limit; the zero value sets none at all.
type Limits struct {
	// OutputTokens and USD are totals for the whole connection.
	OutputTokens int
	USD          float64
	// PromptsPerMinute caps how fast prompts may be sent.
	PromptsPerMinute int
}

func (l Limits) none() bool { return l.OutputTokens <= 0 && l.USD <= 0 && l.PromptsPerMinute <= 0 }

// budget is one connection's Limits and what it has used; it implements
// ui.Budget. The sessions of one connection share it, each from its own
// program, so it locks.
type budget struct {
	limits Limits
	now    func() time.Time

	mu     sync.Mutex
	tokens int
	usd    float64
	recent []time.Time // prompts sent in the last minute
}

func newBudget(l Limits) *budget { return &budget{limits: l, now: time.Now} }

// Allow refuses a prompt once the tokens or dollars are spent, or when
// prompts come faster than the rate allows.
func (b *budget) Allow(_ string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.limits
	if l.OutputTokens > 0 && b.tokens >= l.OutputTokens {
		return fmt.Errorf("budget spent: this connection has used its %d output tokens", l.OutputTokens)
	}
	if l.USD > 0 && b.usd >= l.USD {
		return fmt.Errorf("budget spent: this connection has used its %s", session.FormatUSD(l.USD))
	}
	now := b.now()
	b.prune(now)
	if l.PromptsPerMinute > 0 && len(b.recent) >= l.PromptsPerMinute {
		wait := b.recent[0].Add(time.Minute).Sub(now).Round(time.Second)
		return fmt.Errorf("at most %d prompts a minute here: try again in %s", l.PromptsPerMinute, max(wait, time.Second))
	}
	b.recent = append(b.recent, now)
	return nil
}

// prune forgets prompts older than a minute.
func (b *budget) prune(now time.Time) {
	i := 0
	for i < len(b.recent) && now.Sub(b.recent[i]) >= time.Minute {
		i++
	}
	b.recent = b.recent[i:]
}

// Spend records a run's use of real models.
func (b *budget) Spend(outputTokens int, usd float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens += outputTokens
	b.usd += usd
}

// Remaining is what is left, for the line under the composer; "" when
// there are no limits (the demo models).
func (b *budget) Remaining() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	l := b.limits
	if l.none() {
		return ""
	}
	var parts []string
	if l.OutputTokens > 0 {
		parts = append(parts, fmt.Sprintf("%d tok", max(0, l.OutputTokens-b.tokens)))
	}
	if l.USD > 0 {
		parts = append(parts, session.FormatUSD(max(0, l.USD-b.usd)))
	}
	if l.PromptsPerMinute > 0 {
		b.prune(b.now())
		parts = append(parts, fmt.Sprintf("%d/%d prompts this min", len(b.recent), l.PromptsPerMinute))
	}
	return "left: " + strings.Join(parts, " · ")
}
