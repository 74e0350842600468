package ui

import (
	"context"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// conversation is what the cockpit is talking about: the panes with their
// histories, the turns so far, the parameters that go with every prompt,
// the session file that records it, a re-run's remaining prompts, and the
// run in flight. A replay swaps the whole value out and back in, so that
// nothing of the live conversation is copied field by field.
//
// Its rules live here:
//   - one session file per set of models: changing the panes (setPanes) or
//     starting over (reset) ends the file, and the next prompt starts one;
//   - each pane keeps its own history: a turn that ends adds its exchange
//     to every pane that answered, so a follow-up carries it;
//   - the re-run queue lasts only while running: stopping a run (stop)
//     forgets the prompts it had still to send.
type conversation struct {
	panes  []*pane
	turns  int
	prompt string // the prompt of the current turn
	params params
	// blind is the conversation's blind round, when it is one.
	blind blindRound

	// rec records the conversation; nil until its first prompt, or when
	// nothing is recorded.
	rec *session.Recorder
	// rerunOf is the id of the session the conversation re-runs.
	rerunOf string
	// queue holds the prompts a re-run still has to send, in order.
	queue []string

	// The run in flight, if any. run tells its messages from an earlier
	// run's; the cockpit numbers runs across conversations (nextRun).
	run       int
	current   *pump
	running   bool
	cancelRun context.CancelCauseFunc
}

func newConversation(panes []*pane, p params) *conversation {
	return &conversation{panes: panes, params: p}
}

// begin starts a turn that asks prompt of every pane, each with its own
// history, as run id, its events scrubbed of secrets; rec (nil: none)
// records it. The returned command delivers the run's events.
func (c *conversation) begin(ctx context.Context, id int, prompt string, open func(backends.Target) backends.Backend, secrets session.Secrets, rec *session.Recorder) tea.Cmd {
	c.prompt = prompt
	c.turns++
	run := make([]session.Pane, len(c.panes))
	for i, p := range c.panes {
		p.reset()
		p.asked = prompt
		run[i] = session.Pane{Target: p.target, Backend: open(p.target), Request: c.request(p, prompt)}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	c.run, c.cancelRun, c.running = id, cancel, true
	c.current = newPump(id)
	return c.current.start(ctx, run, secrets, rec, prompt)
}

// request is what one pane sends for prompt: its conversation so far, then
// the prompt.
func (c *conversation) request(p *pane, prompt string) backends.Request {
	msgs := append(slices.Clone(p.history), backends.Message{Role: backends.RoleUser, Content: prompt})
	return backends.Request{System: c.params.system, Messages: msgs, Temperature: c.params.temperature, MaxTokens: c.params.maxTokens}
}

// end closes the turn in flight once its run has ended: each pane that
// answered keeps the exchange in its history. It returns the re-run's next
// prompt, taken off the queue, when there is one.
func (c *conversation) end() (next string, more bool) {
	c.running = false
	if c.cancelRun != nil {
		c.cancelRun(nil)
		c.cancelRun = nil
	}
	for _, p := range c.panes {
		if text := p.result.Text(); text != "" {
			p.remember(c.prompt, text)
		}
	}
	if len(c.queue) == 0 {
		return "", false
	}
	next, c.queue = c.queue[0], c.queue[1:]
	return next, true
}

// cancel stops the run in flight, if any: its panes end as cancelled and
// keep what arrived. The queue is left as it is (see stop).
func (c *conversation) cancel() {
	if c.cancelRun != nil {
		c.cancelRun(session.ErrCancelled)
	}
}

// stop cancels the run in flight and forgets what a re-run still had to
// send: the queue lasts only while running.
func (c *conversation) stop() {
	c.cancel()
	c.queue = nil
}

// abandon drops the run in flight without waiting for its end: its late
// events carry an old run id and are ignored.
func (c *conversation) abandon() {
	c.stop()
	c.running, c.cancelRun, c.run = false, nil, 0
}

// reset starts the conversation over with the same panes: every history is
// forgotten and the next prompt starts a new session file. It returns the
// command that closes the old file.
func (c *conversation) reset(p params) tea.Cmd {
	c.abandon()
	cmd := c.endRecording()
	for _, pn := range c.panes {
		pn.forget()
	}
	c.turns, c.prompt, c.params = 0, "", p
	return cmd
}

// setPanes replaces the models. A session file records one set of models,
// so the next prompt starts a new one; it returns the command that closes
// the old file.
func (c *conversation) setPanes(panes []*pane) tea.Cmd {
	c.panes = panes
	return c.endRecording()
}

// takeRecorder hands over the session file, which the conversation no
// longer closes.
func (c *conversation) takeRecorder() *session.Recorder {
	rec := c.rec
	c.rec, c.rerunOf = nil, ""
	return rec
}

// endRecording closes the conversation's session file: the next prompt
// starts a new one. The closing happens in a command, once the run in
// flight (if any) has written its end.
func (c *conversation) endRecording() tea.Cmd {
	rec := c.takeRecorder()
	if rec == nil {
		return nil
	}
	var done <-chan struct{}
	if c.current != nil {
		done = c.current.done
	}
	return func() tea.Msg {
		if err := closeRecorder(rec, done); err != nil {
			return recordErrMsg{err}
		}
		return nil
	}
}

// targets are the panes' models, in order.
func (c *conversation) targets() []backends.Target {
	out := make([]backends.Target, len(c.panes))
	for i, p := range c.panes {
		out[i] = p.target
	}
	return out
}
