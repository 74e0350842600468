package serve

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	bm "charm.land/wish/v2/bubbletea"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/ui"
)

// Why the server ended a session; each is also what the client is told.
var (
	errIdle     = errors.New("idle")
	errMax      = errors.New("max session")
	errShutdown = errors.New("shutdown")
	errPanic    = errors.New("internal error")
)

// sessionState is one session: who it is, what it has done, and why it
// ended if the server ended it.
type sessionState struct {
	id      uint64
	sess    ssh.Session
	key     string // client key fingerprint, or Anonymous
	started time.Time
	// budget is the connection's, shared by its sessions; prompts counts
	// this session's.
	budget  *budget
	prompts atomic.Int64

	// ctx ends with the session (the handler returning) or the connection;
	// every goroutine of the session, streams included, is tied to it.
	ctx    context.Context
	cancel context.CancelFunc

	lastInput atomic.Int64 // unix nanoseconds of the last key press

	mu      sync.Mutex
	reason  error
	ended   chan struct{} // closed when the server ends the session
	cockpit *ui.Model     // once built; closed when the program is over
	program *tea.Program  // the cockpit's program, once built
}

// notify shows a notice in the session's cockpit, if it has one yet.
func (st *sessionState) notify(text string) {
	st.mu.Lock()
	p := st.program
	st.mu.Unlock()
	if p != nil {
		p.Send(ui.NoticeMsg(text))
	}
}

var sessionIDs atomic.Uint64

func newSessionState(sess ssh.Session, b *budget) *sessionState {
	ctx, cancel := context.WithCancel(sess.Context())
	st := &sessionState{
		id:      sessionIDs.Add(1),
		sess:    sess,
		key:     Fingerprint(sess.PublicKey()),
		started: time.Now(),
		budget:  b,
		ctx:     ctx,
		cancel:  cancel,
		ended:   make(chan struct{}),
	}
	st.touch()
	return st
}

// killAfter is how long a program may take to quit on its own once its
// session is over, before it is killed.
const killAfter = time.Second

// teaContext is the program's context. On a disconnect the Bubble Tea
// middleware quits the program, which lets it end cleanly; the context
// kills it only if that did not work, a moment after the session ended.
// (The streams do not wait: they run on st.ctx.)
func (st *sessionState) teaContext() context.Context {
	ctx, cancel := context.WithCancel(context.WithoutCancel(st.ctx))
	context.AfterFunc(st.ctx, func() { time.AfterFunc(killAfter, cancel) })
	return ctx
}

func (st *sessionState) touch() { st.lastInput.Store(time.Now().UnixNano()) }

func (st *sessionState) idleFor() time.Duration {
	return time.Since(time.Unix(0, st.lastInput.Load()))
}

// end asks the session to finish for reason; the first reason wins.
func (st *sessionState) end(reason error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.reason == nil {
		st.reason = reason
		close(st.ended)
	}
}

func (st *sessionState) why() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.reason
}

// logArgs identify the session in every log line: never a key, only its
// fingerprint.
func (st *sessionState) logArgs(more ...any) []any {
	return append([]any{"session", st.id, "remote", st.sess.RemoteAddr().String(), "user", st.sess.User(), "key", st.key}, more...)
}

// recoverMiddleware is outermost: a panic anywhere in a session's handler
// is logged and the client told, and the server carries on.
func (s *Server) recoverMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		defer func() {
			if r := recover(); r != nil {
				s.log.Error("session panic", "remote", sess.RemoteAddr().String(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				fmt.Fprintln(sess.Stderr(), goodbye(errPanic, s.cfg))
				_ = sess.Exit(1)
			}
		}()
		if s.cfg.onSession != nil {
			s.cfg.onSession(sess)
		}
		next(sess)
	}
}

// terminalMiddleware refuses sessions without a terminal: the cockpit has
// nothing to draw on (ssh -T, or a command piped in).
func (s *Server) terminalMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if _, _, ok := sess.Pty(); !ok {
			s.log.Info("refused: no terminal", "remote", sess.RemoteAddr().String(), "user", sess.User(), "key", Fingerprint(sess.PublicKey()))
			fmt.Fprintln(sess.Stderr(), "fanout: this server draws a terminal UI and needs a terminal; connect with plain ssh (or ssh -t), not ssh -T or a pipe.")
			_ = sess.Exit(1)
			return
		}
		next(sess)
	}
}

// capacityMiddleware turns sessions beyond MaxSessions away, politely.
func (s *Server) capacityMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		s.mu.Lock()
		closing := s.closing
		s.mu.Unlock()
		if closing {
			fmt.Fprintln(sess.Stderr(), goodbye(errShutdown, s.cfg))
			_ = sess.Exit(1)
			return
		}
		select {
		case s.slots <- struct{}{}:
			defer func() { <-s.slots }()
		default:
			s.log.Warn("refused: server full", "remote", sess.RemoteAddr().String(), "user", sess.User(), "key", Fingerprint(sess.PublicKey()), "max_sessions", s.cfg.MaxSessions)
			fmt.Fprintf(sess.Stderr(), "fanout: the server is full (%d sessions in progress). Please try again in a few minutes.\n", s.cfg.MaxSessions)
			_ = sess.Exit(1)
			return
		}
		// One address may not take every slot: a public demo is shared.
		src := sourceOf(sess.RemoteAddr())
		if !s.takeSession(src) {
			s.log.Warn("refused: address has its share of sessions", "remote", sess.RemoteAddr().String(), "user", sess.User(), "key", Fingerprint(sess.PublicKey()), "max_sessions_per_ip", s.cfg.MaxSessionsPerIP)
			fmt.Fprintf(sess.Stderr(), "fanout: sessions from one address are limited to %d at once here, and yours are all in use. Close one and try again.\n", s.cfg.MaxSessionsPerIP)
			_ = sess.Exit(1)
			return
		}
		defer s.releaseSession(src)
		next(sess)
	}
}

// sessionMiddleware wraps the Bubble Tea middleware: it registers the
// session, logs its start and end, and tells the client why the server
// ended it, once the program has given the terminal back.
func (s *Server) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		st := newSessionState(sess, s.connBudget(sess.Context()))
		defer st.cancel()
		s.mu.Lock()
		s.sessions[st] = struct{}{}
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			delete(s.sessions, st)
			s.mu.Unlock()
			select {
			case s.gone <- struct{}{}:
			default:
			}
		}()
		pty, _, _ := sess.Pty()
		s.log.Info("session start", st.logArgs("term", pty.Term, "width", pty.Window.Width, "height", pty.Window.Height)...)

		next(sess)

		st.mu.Lock()
		cockpit := st.cockpit
		st.mu.Unlock()
		if cockpit != nil {
			// Ends a run still in flight and closes its session file.
			if err := cockpit.Close(); err != nil {
				s.log.Error("recording", st.logArgs("err", err.Error())...)
			}
		}
		reason := st.why()
		if reason != nil {
			fmt.Fprintln(sess, goodbye(reason, s.cfg))
		}
		end := "quit"
		switch {
		case reason != nil:
			end = reason.Error()
		case sess.Context().Err() != nil:
			end = "disconnected"
		}
		s.log.Info("session end", st.logArgs("end", end, "duration", time.Since(st.started).Round(time.Millisecond).String(), "prompts", st.prompts.Load())...)
	}
}

// program builds the session's cockpit: the server's models and options,
// drawn for the client's terminal (its size, colour profile and
// environment come from the SSH session through bm.MakeOptions).
func (s *Server) program(sess ssh.Session) *tea.Program {
	st := s.state(sess)
	if st == nil || st.why() != nil {
		return nil
	}
	m, err := ui.New(s.uiOptions(st))
	if err != nil {
		s.log.Error("cockpit", st.logArgs("err", err.Error())...)
		st.end(errPanic)
		return nil
	}
	st.mu.Lock()
	st.cockpit = m
	st.mu.Unlock()
	opts := append(bm.MakeOptions(displaySession{sess}),
		tea.WithContext(st.teaContext()),
		// The server's own SIGINT must not quit every client's cockpit:
		// Shutdown decides when sessions end.
		tea.WithoutSignalHandler(),
	)
	p := tea.NewProgram(&model{inner: m, st: st, s: s}, opts...)
	st.mu.Lock()
	st.program = p
	st.mu.Unlock()
	go s.watch(st, p)
	return p
}

// budgetKey holds a connection's budget in its ssh.Context.
type budgetKey struct{}

// connBudget is the budget of the connection ctx belongs to: every session
// opened on one connection draws on the same one.
func (s *Server) connBudget(ctx ssh.Context) *budget {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b, ok := ctx.Value(budgetKey{}).(*budget); ok {
		return b
	}
	b := newBudget(s.cfg.Limits)
	ctx.SetValue(budgetKey{}, b)
	return b
}

// sessionBudget is the connection's budget as one session sees it: it
// also logs the session's prompts.
type sessionBudget struct {
	*budget
	st *sessionState
	s  *Server
}

func (b sessionBudget) Allow(prompt string) error {
	if err := b.budget.Allow(prompt); err != nil {
		b.s.log.Info("prompt refused", b.st.logArgs("reason", err.Error())...)
		return err
	}
	b.st.prompts.Add(1)
	args := b.st.logArgs("bytes", len(prompt))
	if b.s.cfg.LogPrompts {
		args = append(args, "prompt", prompt)
	}
	b.s.log.Info("prompt", args...)
	return nil
}

// state finds the sessionState of sess.
func (s *Server) state(sess ssh.Session) *sessionState {
	s.mu.Lock()
	defer s.mu.Unlock()
	for st := range s.sessions {
		if st.sess == sess {
			return st
		}
	}
	return nil
}

// uiOptions are a session's cockpit options: all the server's, none the
// client's, except that a client asking for no colour gets none.
func (s *Server) uiOptions(st *sessionState) ui.Options {
	o := ui.Options{
		Targets:        append([]backends.Target(nil), s.cfg.Targets...),
		Open:           func(t backends.Target) backends.Backend { return s.openFor(st, t) },
		Price:          s.cfg.Price,
		System:         s.cfg.System,
		MaxTokens:      s.cfg.MaxTokens,
		Theme:          s.cfg.Theme,
		NoColor:        clientEnv(displayOnly(st.sess.Environ()), "NO_COLOR") != "",
		Choices:        append([]ui.Choice(nil), s.cfg.Choices...),
		Context:        st.ctx,
		Budget:         sessionBudget{st.budget, st, s},
		MaxPromptBytes: s.cfg.MaxPromptBytes,
		// Scrubbed from what every client sees, saved or not: the
		// owner's keys are never shown to strangers.
		Secrets: s.cfg.Secrets,
	}
	if h := s.history(st.key); h != nil {
		o.History = h
	}
	if s.cfg.SessionsDir != "" {
		o.Sessions = &session.Store{
			Dir:     s.sessionsDir(st),
			App:     s.cfg.App,
			Secrets: s.cfg.Secrets,
		}
		if s.cfg.Recording != nil {
			s.cfg.Recording(st.key, o.Sessions)
		}
	}
	return o
}

// history is the prompt history of the client key with fingerprint key,
// opened on first use and shared by the key's sessions; nil for anonymous
// clients, when histories are not kept, or when the file cannot be read
// (logged: a history is a convenience, never a reason to refuse a session).
func (s *Server) history(key string) *session.History {
	if !s.cfg.KeepHistory || s.cfg.SessionsDir == "" || key == Anonymous || key == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if h, ok := s.histories[key]; ok {
		return h
	}
	h, err := session.OpenHistory(filepath.Join(s.cfg.SessionsDir, "serve", key, "history"), s.cfg.Secrets)
	if err != nil {
		s.log.Warn("no prompt history for this key", "key", key, "err", err.Error())
		return nil
	}
	s.histories[key] = h
	return h
}

// sessionsDir is where a session records, and what its browser (ctrl+o)
// lists: the client key's own folder. Clients without a key cannot be told
// apart, so each anonymous session gets a folder of its own under
// anonymous/: one stranger never browses another's prompts.
func (s *Server) sessionsDir(st *sessionState) string {
	dir := filepath.Join(s.cfg.SessionsDir, "serve", st.key)
	if st.key == Anonymous {
		dir = filepath.Join(dir, st.started.UTC().Format("20060102T150405")+fmt.Sprintf("-%d", st.id))
	}
	return dir
}

// watch ends the session when it has been idle too long, has lasted too
// long, or the server asks (Shutdown). It quits the program rather than
// killing it, so the client's terminal is restored before the goodbye.
func (s *Server) watch(st *sessionState, p *tea.Program) {
	maxTimer := time.NewTimer(s.cfg.MaxSession - time.Since(st.started))
	defer maxTimer.Stop()
	idleTimer := time.NewTimer(s.cfg.IdleTimeout)
	defer idleTimer.Stop()
	for {
		select {
		case <-st.ctx.Done():
			return
		case <-st.ended:
		case <-maxTimer.C:
			st.end(errMax)
		case <-idleTimer.C:
			if left := s.cfg.IdleTimeout - st.idleFor(); left > 0 {
				idleTimer.Reset(left)
				continue
			}
			st.end(errIdle)
		}
		s.log.Info("ending session", st.logArgs("reason", st.why().Error())...)
		p.Quit()
		return
	}
}

// goodbye is what a client is told when the server ends its session.
func goodbye(reason error, cfg Config) string {
	switch reason {
	case errIdle:
		return fmt.Sprintf("fanout: session closed after %s without a key press. Come back any time!", short(cfg.IdleTimeout))
	case errMax:
		return fmt.Sprintf("fanout: a session here lasts at most %s, and this one is over. Thanks for trying fanout!", short(cfg.MaxSession))
	case errShutdown:
		return "fanout: the server is shutting down, so this session was closed. Sorry!"
	default:
		return "fanout: something went wrong on the server and this session had to close. Sorry!"
	}
}

// short prints a duration without its zero tail: 10m, not 10m0s.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// clientEnv reads a variable the client sent (ssh SendEnv). Only display
// preferences are read this way (displayEnv; the others are refused when
// sent); nothing the client sends reaches a model or the server's
// configuration.
func clientEnv(env []string, name string) string {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name {
			return v
		}
	}
	return ""
}
