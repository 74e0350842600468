// Package serve serves the cockpit over SSH with wish: one Bubble Tea
// program per connection, drawn for the client's own terminal, on models the
// server's owner chose, within per-connection limits.
package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/ui"
)

// Defaults for the limits a Config leaves at zero.
const (
	DefaultMaxSessions      = 16
	DefaultMaxSessionsPerIP = 4
	DefaultIdleTimeout      = 10 * time.Minute
	DefaultMaxSession       = time.Hour
	DefaultMaxPromptBytes   = 4 << 10
	// DefaultHandshakeTimeout bounds the key exchange and login: a machine
	// does both in milliseconds; the rest is for a person typing a key's
	// passphrase.
	DefaultHandshakeTimeout = 15 * time.Second
	// DefaultSessionStartTimeout is how long a logged-in connection may go
	// without a session (before its first, or after its last): ssh opens
	// one at once.
	DefaultSessionStartTimeout = 10 * time.Second
	// DefaultMaxPreAuth and DefaultMaxWaiting are large: they only keep
	// a flood from exhausting the machine, while the per-address caps
	// keep one client from filling them.
	DefaultMaxPreAuth      = 256
	DefaultMaxPreAuthPerIP = 8
	DefaultMaxWaiting      = 256
	DefaultMaxWaitingPerIP = 8
	// connSlack is how much longer than a session's own limits its
	// connection may last: the session ends first, with a message.
	connSlack = time.Minute
)

// Config is what a server serves and how. Nothing in it comes from a
// client: the models, their options and the limits are the owner's.
type Config struct {
	// HostKeyPath is the server's private key, created (ed25519, 0600) on
	// first start.
	HostKeyPath string
	// HostKeyPEM, when set, is the host key itself, used as given and
	// never written: replicas behind one balancer share one key, loaded
	// by the caller (LoadHostKey, or a shared store), and HostKeyPath
	// then only names where it came from.
	HostKeyPEM []byte

	// ProxyProtocol has the server read a PROXY protocol header (v1 or
	// v2, as HAProxy's send-proxy and send-proxy-v2 send) at the start of
	// every connection from ProxyFrom, and take the client's address from
	// it: per-address limits and logs then see the client, not the
	// balancer. A connection from ProxyFrom without a valid header within
	// ProxyHeaderTimeout is refused; one from elsewhere is served as a
	// direct client, and refused if it sends a header, so that no client
	// can claim another's address. ProxyFrom must not be empty.
	ProxyProtocol      bool
	ProxyFrom          []netip.Prefix
	ProxyHeaderTimeout time.Duration // 0: DefaultProxyHeaderTimeout
	// AuthorizedKeys, when not empty, are the only client keys let in;
	// empty lets anyone in (a public demo).
	AuthorizedKeys []ssh.PublicKey

	MaxSessions int           // concurrent sessions; 0: DefaultMaxSessions
	IdleTimeout time.Duration // without a key press; 0: DefaultIdleTimeout
	MaxSession  time.Duration // in all; 0: DefaultMaxSession
	// MaxSessionsPerIP is how many of the sessions one source address (an
	// IPv4 address, an IPv6 /64) may hold; 0: DefaultMaxSessionsPerIP.
	MaxSessionsPerIP int

	// Connections that are not in a session are bounded apart from
	// sessions, so that sockets that never speak, or logins that never
	// open a session, cannot keep real clients out. 0: the Default.
	HandshakeTimeout    time.Duration // from accept to logged in
	SessionStartTimeout time.Duration // logged in without a session
	MaxPreAuth          int           // logging in at once, in all
	MaxPreAuthPerIP     int           // logging in at once, per source
	MaxWaiting          int           // logged in without a session, in all
	MaxWaitingPerIP     int           // logged in without a session, per source

	// Targets are the models on screen when a session starts; Choices
	// every model the picker may offer. Nothing outside them is reachable.
	Targets []backends.Target
	Choices []ui.Choice
	// Open and Price are the server's own (its keys, its environment).
	Open  func(backends.Target) backends.Backend
	Price func(backends.Target) *backends.Price
	// System, MaxTokens and Theme are fixed for every session.
	System    string
	MaxTokens int
	Theme     string

	// Limits is each connection's budget; the zero value sets none (demo
	// models cost nothing).
	Limits         Limits
	MaxPromptBytes int // 0: DefaultMaxPromptBytes

	// SessionsDir, when set, records every run under
	// SessionsDir/<client key fingerprint or "anonymous">.
	SessionsDir string
	// Recording, when set, is given each session's store before its
	// cockpit starts, and the client key it records for: fanout serve
	// --store hooks its uploads there, so that a replica keeps nothing
	// another needs.
	Recording func(key string, st *session.Store)
	// KeepHistory keeps each client key's prompt history (what ↑ recalls
	// in the composer) beside its sessions, in
	// SessionsDir/serve/<fingerprint>/history. Anonymous clients get none:
	// they cannot be told apart, and no client may recall another's
	// prompts. Needs SessionsDir.
	KeepHistory bool
	// App is fanout's version, written into session files; Secrets are
	// values no session file may contain (the server's keys).
	App     string
	Secrets []string

	// Log receives connects, disconnects, refusals and errors; nil
	// discards them. LogPrompts adds each prompt's text.
	Log        *slog.Logger
	LogPrompts bool

	// onSession, when set, runs at the start of every session handler; tests
	// use it to inject a panic.
	onSession func(ssh.Session)
}

// Server is a running SSH server. Build it with New, run it with Serve,
// stop it with Shutdown.
type Server struct {
	cfg Config
	ssh *ssh.Server
	log *slog.Logger
	// slots holds one token per session in progress.
	slots chan struct{}
	// conns counts connections by phase (logging in, waiting for a
	// session, in one), in all and per source address.
	conns conns

	mu       sync.Mutex
	sessions map[*sessionState]struct{}
	// histories are the prompt histories opened so far, by client key
	// fingerprint: a key's sessions at once share one.
	histories map[string]*session.History
	// closing is set by Shutdown once the grace period is over: sessions
	// still running are told the server is stopping.
	closing bool
	// gone is signalled whenever a session ends, for waitSessions.
	gone chan struct{}
	// down is done once Shutdown has begun.
	down     context.Context
	markDown context.CancelFunc
}

// New checks cfg, loads or creates the host key and builds the server.
func New(cfg Config) (*Server, error) {
	if len(cfg.Targets) == 0 {
		return nil, errors.New("serve: no models to serve")
	}
	if cfg.Open == nil {
		return nil, errors.New("serve: Config.Open is nil")
	}
	if cfg.MaxSessions <= 0 {
		cfg.MaxSessions = DefaultMaxSessions
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MaxSession <= 0 {
		cfg.MaxSession = DefaultMaxSession
	}
	if cfg.MaxPromptBytes <= 0 {
		cfg.MaxPromptBytes = DefaultMaxPromptBytes
	}
	setDefault(&cfg.MaxSessionsPerIP, DefaultMaxSessionsPerIP)
	setDefault(&cfg.HandshakeTimeout, DefaultHandshakeTimeout)
	setDefault(&cfg.SessionStartTimeout, DefaultSessionStartTimeout)
	setDefault(&cfg.MaxPreAuth, DefaultMaxPreAuth)
	setDefault(&cfg.MaxPreAuthPerIP, DefaultMaxPreAuthPerIP)
	setDefault(&cfg.MaxWaiting, DefaultMaxWaiting)
	setDefault(&cfg.MaxWaitingPerIP, DefaultMaxWaitingPerIP)
	setDefault(&cfg.ProxyHeaderTimeout, DefaultProxyHeaderTimeout)
	if cfg.ProxyProtocol && len(cfg.ProxyFrom) == 0 {
		// Trusting every address would let any client name any address.
		return nil, errors.New("serve: the PROXY protocol needs the balancer's addresses (ProxyFrom)")
	}
	s := &Server{
		cfg:       cfg,
		log:       cfg.Log,
		slots:     make(chan struct{}, cfg.MaxSessions),
		sessions:  map[*sessionState]struct{}{},
		histories: map[string]*session.History{},
		gone:      make(chan struct{}, 1),
		conns:     conns{bySrc: map[source]*counts{}},
	}
	s.down, s.markDown = context.WithCancel(context.Background())
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	pem := cfg.HostKeyPEM
	if pem == nil {
		var err error
		if pem, err = loadOrCreateHostKey(cfg.HostKeyPath); err != nil {
			return nil, err
		}
	} else if _, err := parseHostKey(cfg.HostKeyPath, pem); err != nil {
		return nil, err
	}
	opts := []ssh.Option{
		wish.WithHostKeyPEM(pem),
		wish.WithVersion("fanout"),
		// Middlewares run last-listed first: the connection's accounting
		// outermost, then recover and log, then refuse what cannot be
		// served, then the cockpit.
		wish.WithMiddleware(
			bm.MiddlewareWithProgramHandler(s.program),
			s.sessionMiddleware,
			s.capacityMiddleware,
			s.terminalMiddleware,
			s.recoverMiddleware,
			s.connMiddleware,
		),
		func(srv *ssh.Server) error {
			srv.HandshakeTimeout = cfg.HandshakeTimeout
			srv.IdleTimeout = cfg.IdleTimeout + connSlack
			srv.MaxTimeout = cfg.MaxSession + connSlack
			// Refused before a byte is read: no key exchange is spent on a
			// socket past its address's share.
			srv.ConnCallback = s.accept
			srv.BannerHandler = s.banner
			srv.ConnectionFailedCallback = s.connFailed
			srv.ChannelHandlers = map[string]ssh.ChannelHandler{"session": s.sessionChannel}
			return nil
		},
	}
	opts = append(opts, s.authOptions()...)
	srv, err := wish.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("serve: build ssh server: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// connFailed logs a connection that ended before it logged in.
func (s *Server) connFailed(c net.Conn, err error) {
	level := slog.LevelInfo
	switch _, balancer := c.RemoteAddr().(balancerAddr); {
	case balancer && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET)):
		// A balancer's health check hangs up (HAProxy's with a reset) once
		// it has the server's version: every few seconds, and no client's.
		level = slog.LevelDebug
	case errors.Is(err, errUntrustedHeader):
		level = slog.LevelWarn
	}
	s.log.Log(context.Background(), level, "connection refused", "remote", c.RemoteAddr().String(), "reason", err.Error())
}

// setDefault sets *v to def when it is not positive.
func setDefault[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// Serve accepts connections on l until Shutdown; it returns nil after a
// shutdown, or why it stopped accepting. ctx is the parent of every session.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	// A session's context comes from the SSH connection, not from ctx: tie
	// them by closing every connection when ctx ends. The listener is
	// closed here too, as the ssh server only closes listeners it has
	// started tracking, which a Shutdown racing this call may precede.
	stopCtx := context.AfterFunc(ctx, func() { _ = l.Close(); _ = s.ssh.Close() })
	defer stopCtx()
	stopDown := context.AfterFunc(s.down, func() { _ = l.Close() })
	defer stopDown()
	s.log.Info("listening", "addr", l.Addr().String(), "models", len(s.cfg.Targets), "max_sessions", s.cfg.MaxSessions)
	err := s.ssh.Serve(l)
	if errors.Is(err, ssh.ErrServerClosed) || s.down.Err() != nil || ctx.Err() != nil {
		return nil
	}
	return fmt.Errorf("serve: %w", err)
}

// Shutdown stops accepting connections and waits for the sessions in
// progress to end on their own until ctx is done; then it ends them, each
// with a message, and closes what is left.
//
// Sessions, not connections, decide when it returns: a client that keeps
// its connection open once its session has ended (as x/crypto/ssh clients
// may), or one that never opened a session, does not hold the shutdown
// until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.markDown() // the listener closes
	s.notifyAll(ctx)
	if s.waitSessions(ctx) != nil {
		s.mu.Lock()
		s.closing = true
		open := make([]*sessionState, 0, len(s.sessions))
		for st := range s.sessions {
			open = append(open, st)
		}
		s.mu.Unlock()
		s.log.Info("shutdown: ending sessions", "sessions", len(open))
		for _, st := range open {
			st.end(errShutdown)
		}
		// Give the goodbyes a moment to reach the clients before the
		// sockets close under them.
		gctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = s.waitSessions(gctx)
	}
	s.mu.Lock()
	s.closing = true // a session opened on a connection still up is turned away
	s.mu.Unlock()
	// The sessions are over, but their exit status is sent after their
	// handlers return: give clients a moment to read it and hang up on
	// their own, so that ssh exits cleanly, then close what is left.
	hctx, cancel := context.WithTimeout(context.Background(), hangUpWait)
	defer cancel()
	_ = s.ssh.Shutdown(hctx)
	if err := s.ssh.Close(); err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return fmt.Errorf("serve: close: %w", err)
	}
	return nil
}

// hangUpWait is how long Shutdown lets clients hang up on their own once
// their sessions are over.
const hangUpWait = 2 * time.Second

// notifyAll tells every open session that the server is stopping, and
// when its session will end if it goes on.
func (s *Server) notifyAll(ctx context.Context) {
	text := "the server is stopping: finish up, this session will close soon"
	if dl, ok := ctx.Deadline(); ok {
		text = fmt.Sprintf("the server is stopping: this session closes within %s", short(max(time.Second, time.Until(dl).Round(time.Second))))
	}
	s.mu.Lock()
	open := make([]*sessionState, 0, len(s.sessions))
	for st := range s.sessions {
		open = append(open, st)
	}
	s.mu.Unlock()
	for _, st := range open {
		st.notify(text)
	}
}

// waitSessions waits for every session handler to return, or ctx.
func (s *Server) waitSessions(ctx context.Context) error {
	for s.Sessions() > 0 {
		select {
		case <-s.gone:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// Sessions is how many sessions are in progress.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}
