package serve

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"regexp"
	"runtime/debug"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
)

// model wraps a session's cockpit: it notes the client's activity for the
// idle timeout and turns a panic in the cockpit into the end of this
// session alone, with the terminal restored.
type model struct {
	inner tea.Model
	st    *sessionState
	s     *Server
}

func (w *model) Init() tea.Cmd { return w.inner.Init() }

func (w *model) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.MouseMsg, tea.PasteMsg:
		w.st.touch()
	}
	defer func() {
		if r := recover(); r != nil {
			w.panicked(r)
			cmd = tea.Quit
		}
	}()
	w.inner, cmd = w.inner.Update(msg)
	return w, cmd
}

func (w *model) View() (v tea.View) {
	defer func() {
		if r := recover(); r != nil {
			w.panicked(r)
			v = tea.NewView("")
		}
	}()
	return w.inner.View()
}

func (w *model) panicked(r any) {
	w.s.log.Error("cockpit panic", w.st.logArgs("panic", fmt.Sprint(r), "stack", string(debug.Stack()))...)
	w.st.end(errPanic)
}

// openFor is every session's Open (st nil: no session, in tests). It
// serves only the allowed models, with the server's cap on output tokens,
// whatever asks: the picker offers no others, and a re-run of a recorded
// session (made before the owner changed the list) gets an error instead
// of another model. Each backend is wrapped so that a panic while
// streaming ends that pane with an error instead of the whole server:
// streams run on goroutines no recover of the SSH handler can see. Log
// lines name the session.
func (s *Server) openFor(st *sessionState, t backends.Target) backends.Backend {
	if !s.allowed(t) {
		return refused{t}
	}
	log := s.log
	if st != nil {
		log = log.With(st.logArgs()...)
	}
	return safeBackend{inner: s.cfg.Open(t), target: t, log: log, maxTokens: s.cfg.MaxTokens}
}

// allowed reports whether t is one of the served models.
func (s *Server) allowed(t backends.Target) bool {
	same := func(u backends.Target) bool {
		return u.Provider == t.Provider && u.Model == t.Model && u.BaseURL == t.BaseURL && u.KeyEnv == t.KeyEnv
	}
	for _, u := range s.cfg.Targets {
		if same(u) {
			return true
		}
	}
	for _, c := range s.cfg.Choices {
		if same(c.Target) {
			return true
		}
	}
	return false
}

// refused is the backend of a model this server does not serve.
type refused struct{ t backends.Target }

func (r refused) Stream(context.Context, backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		yield(backends.ErrorEvent(&backends.Error{Message: r.t.Name + " is not offered by this server", Code: "model_not_allowed"}))
	}
}

type safeBackend struct {
	inner     backends.Backend
	target    backends.Target
	log       *slog.Logger
	maxTokens int // 0: no cap
}

func (b safeBackend) Stream(ctx context.Context, req backends.Request) iter.Seq[backends.Event] {
	if b.maxTokens > 0 {
		want := req.MaxTokens
		if want <= 0 {
			want = b.target.MaxTokens // the config's, as the backend would
		}
		if want <= 0 || want > b.maxTokens {
			req.MaxTokens = b.maxTokens
		}
	}
	return func(yield func(backends.Event) bool) {
		// inYield tells a panic of the backend from one of the consumer:
		// only the first may be answered with an Error event.
		inYield := false
		defer func() {
			if r := recover(); r != nil {
				b.log.Error("backend panic", "model", b.target.Name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if !inYield {
					yield(backends.ErrorEvent(&backends.Error{Message: "internal error in fanout while streaming this model"}))
				}
			}
		}()
		for ev := range b.inner.Stream(ctx, req) {
			if ev.Type == backends.EventError && ev.Error != nil {
				// The owner sees the whole error; the client, fanout's own
				// sentence without the provider's words or an endpoint.
				b.log.Warn("model error", "model", b.target.Name, "status", ev.Error.Status, "code", ev.Error.Code, "err", ev.Error.Message)
				ev.Error = forClient(ev.Error)
			}
			inYield = true
			ok := yield(ev)
			inYield = false
			if !ok {
				return
			}
		}
	}
}

// endpointRE matches a URL in an error message.
var endpointRE = regexp.MustCompile(`\bhttps?://[^\s"'<>]+`)

// forClient is the error as a client is shown it: fanout's own sentence,
// without the provider's own words (which may name the owner's account, a
// private host or the setup behind the key) and with no endpoint (a private
// gateway, a local model server): it names the provider, not where or as
// whom the server reaches it. The full error is in the server's log.
func forClient(e *backends.Error) *backends.Error {
	c := *e
	c.Message = endpointRE.ReplaceAllStringFunc(e.Summary(), func(u string) string {
		// Keep the sentence's own punctuation after the URL.
		trimmed := strings.TrimRight(u, ".,;:)")
		return "its endpoint" + u[len(trimmed):]
	})
	return &c
}
