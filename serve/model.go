package serve

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"runtime/debug"

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

// safeOpen wraps every backend so that a panic while streaming ends that
// pane with an error instead of the whole server: streams run on
// goroutines no recover of the SSH handler can see.
func safeOpen(open func(backends.Target) backends.Backend, log *slog.Logger) func(backends.Target) backends.Backend {
	return func(t backends.Target) backends.Backend {
		return safeBackend{inner: open(t), target: t, log: log}
	}
}

type safeBackend struct {
	inner  backends.Backend
	target backends.Target
	log    *slog.Logger
}

func (b safeBackend) Stream(ctx context.Context, req backends.Request) iter.Seq[backends.Event] {
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
			inYield = true
			ok := yield(ev)
			inYield = false
			if !ok {
				return
			}
		}
	}
}
