package bench

import (
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// ErrorClass groups failures the way a person reading a bench cares about
// them: whose fault, and whether waiting would help.
type ErrorClass string

const (
	ErrRateLimited ErrorClass = "rate_limited" // 429, throttling
	ErrServer      ErrorClass = "server"       // 5xx, overloaded
	ErrTimeout     ErrorClass = "timeout"      // --timeout passed, 408
	ErrStalled     ErrorClass = "stalled"      // no bytes for --stall-timeout
	ErrDropped     ErrorClass = "dropped"      // the connection was cut
	ErrRefused     ErrorClass = "refused"      // 401, 403: the credentials
	ErrOther       ErrorClass = "other"
)

// ErrorClasses are the classes in the order reports list them.
var ErrorClasses = []ErrorClass{ErrRateLimited, ErrServer, ErrTimeout, ErrStalled, ErrDropped, ErrRefused, ErrOther}

// Classify puts a backend's error in its class, from its HTTP status and
// code (backends.StatusError, TransportError).
func Classify(e *backends.Error) ErrorClass {
	if e == nil {
		return ErrOther
	}
	code := strings.ToLower(string(e.Code))
	switch {
	case e.Status == 429 || strings.Contains(code, "rate_limit") || strings.Contains(code, "throttl"):
		return ErrRateLimited
	case e.Status == 401 || e.Status == 403:
		return ErrRefused
	case e.Status == 408 || e.Code == backends.CodeTimeout:
		return ErrTimeout
	case e.Status >= 500:
		return ErrServer
	case e.Code == backends.CodeStalled:
		return ErrStalled
	case e.Code == backends.CodeConnectionDropped:
		return ErrDropped
	}
	return ErrOther
}

// Outcome is how a trial ended.
type Outcome string

const (
	OutcomeOK        Outcome = "ok"
	OutcomeError     Outcome = "error"
	OutcomeCancelled Outcome = "cancelled" // stopped by the user: not counted
	OutcomeRunning   Outcome = "running"   // no end recorded (a bench cut short)
)

// Measure is one trial's figures: a fold of its events, through the same
// session.Result every fanout command uses, plus what only a bench needs
// (the first answer token, the gaps between deltas).
type Measure struct {
	Trial  Trial
	Start  time.Duration // from the bench's start
	Result session.Result
	// firstAnswer is the offset of the first answer (not reasoning) delta.
	firstAnswer time.Duration
	answered    bool
	// ITL holds every gap between consecutive non-empty deltas.
	ITL []time.Duration
}

// NewMeasure starts the fold of trial t of model m.
func NewMeasure(t Trial, m Model, start time.Duration) *Measure {
	return &Measure{Trial: t, Start: start, Result: session.Result{Target: m.Target, Price: m.Price}}
}

// Apply folds one event of the trial.
func (m *Measure) Apply(ev session.Event) {
	if ev.Type == backends.EventDelta && ev.Delta != nil && ev.Delta.Text != "" {
		if m.Result.Stats.Deltas > 0 {
			m.ITL = append(m.ITL, ev.T-m.Result.Stats.LastDelta)
		}
		if ev.Delta.Kind != backends.KindReasoning && !m.answered {
			m.answered, m.firstAnswer = true, ev.T
		}
	}
	m.Result.Apply(ev)
}

// Outcome is how the trial ended, so far.
func (m *Measure) Outcome() Outcome {
	switch m.Result.Stats.Status {
	case session.StatusDone:
		return OutcomeOK
	case session.StatusError:
		return OutcomeError
	case session.StatusCancelled:
		return OutcomeCancelled
	}
	return OutcomeRunning
}

// Class is the trial's error class; "" unless it failed.
func (m *Measure) Class() ErrorClass {
	if m.Outcome() != OutcomeError {
		return ""
	}
	return Classify(m.Result.Stats.Err)
}

// TTFT is the time to the first token, answer or reasoning.
func (m *Measure) TTFT() (time.Duration, bool) { return m.Result.Stats.TTFT() }

// TTFO is the time to the first answer token, after any reasoning.
func (m *Measure) TTFO() (time.Duration, bool) { return m.firstAnswer, m.answered }

// E2E is the time from the request to the end of the answer.
func (m *Measure) E2E() (time.Duration, bool) {
	return m.Result.Stats.Total, m.Result.Stats.Ended()
}

// OutputTokens counts the answer and reasoning tokens: the provider's
// count when it gave one, else fanout's estimate (exact is then false).
func (m *Measure) OutputTokens() (n int, exact bool) {
	return m.Result.Stats.Tokens().Output, m.Result.Stats.Exact()
}

// TPOT is the time per output token after the first: (E2E − TTFT) ÷
// (output tokens − 1), as vLLM defines it; it needs two tokens.
func (m *Measure) TPOT() (time.Duration, bool) {
	ttft, ok := m.TTFT()
	e2e, ended := m.E2E()
	n, _ := m.OutputTokens()
	if !ok || !ended || n < 2 {
		return 0, false
	}
	return (e2e - ttft) / time.Duration(n-1), true
}

// TokensPerSecond is the output speed by the cockpit's rule (blank below
// two deltas over 50 ms; see session.Stats.TokensPerSecond).
func (m *Measure) TokensPerSecond() (float64, bool) { return m.Result.Stats.TokensPerSecond() }

// Cost is the trial's cost, with its source.
func (m *Measure) Cost() session.Cost { return m.Result.Cost() }
