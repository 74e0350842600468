package serve

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"charm.land/ssh"
)

// A connection goes through three phases, each bounded on its own so that
// clients stuck in one cannot starve the others:
//
//   - pre-auth: accepted, still exchanging keys or logging in. Bounded per
//     source address and in all, and by HandshakeTimeout. One too many is
//     closed at once, before the server spends a key exchange on it.
//   - waiting: logged in, no session running (not yet, or no longer).
//     Bounded per source address and in all, and by SessionStartTimeout:
//     a real client opens its session at once, so one that does not is
//     closed. Refused ones are told why in the login banner.
//   - in session: bounded by MaxSessions and MaxSessionsPerIP, each
//     refusal told on the session's own screen.
type phase int

const (
	phasePreAuth phase = iota
	phaseWaiting
	phaseInSession
	phaseClosed
)

// source is what the per-address limits count by: the IPv4 address, or
// the /64 of an IPv6 one, the least a single IPv6 client is handed.
type source = netip.Addr

func sourceOf(a net.Addr) source {
	var ip netip.Addr
	if ta, ok := a.(*net.TCPAddr); ok {
		ip = ta.AddrPort().Addr().Unmap()
	} else if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		ip = ap.Addr().Unmap()
	}
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}

// counts are connections and sessions by phase, for one source or all.
type counts struct{ preAuth, waiting, sessions int }

func (c counts) zero() bool { return c == counts{} }

// conns keeps the counts of every phase, in all and per source.
type conns struct {
	mu    sync.Mutex
	all   counts
	bySrc map[source]*counts
}

// connState is one connection's place in the phases.
type connState struct {
	s       *Server
	src     source
	remote  string
	conn    net.Conn // the socket, closed when the session-start deadline passes
	created time.Time

	mu       sync.Mutex
	phase    phase
	handlers int         // session handlers running on this connection
	timer    *time.Timer // the session-start deadline, while waiting
}

// connKey holds a connection's connState in its ssh.Context.
type connKey struct{}

func connOf(ctx ssh.Context) *connState {
	cs, _ := ctx.Value(connKey{}).(*connState)
	return cs
}

// trackedConn releases its connection's counts when closed, whoever
// closes it first.
type trackedConn struct {
	net.Conn
	cs   *connState
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(c.cs.closed)
	return c.Conn.Close()
}

// accept lets a new socket in as pre-auth, or reports why not. It runs
// before anything is read from the socket (but a PROXY header): a
// refusal costs a close.
func (s *Server) accept(ctx ssh.Context, c net.Conn) net.Conn {
	if s.cfg.ProxyProtocol {
		// The header first: every count below is by the client's address.
		if c = s.unwrapProxy(c); c == nil {
			return nil
		}
	}
	src := sourceOf(c.RemoteAddr())
	t := &s.conns
	t.mu.Lock()
	n := t.bySrc[src]
	if n == nil {
		n = &counts{}
	}
	var why string
	switch {
	case t.all.preAuth >= s.cfg.MaxPreAuth:
		why = "too many connections logging in"
	case n.preAuth >= s.cfg.MaxPreAuthPerIP:
		why = "too many connections logging in from this address"
	}
	if why != "" {
		all := t.all.preAuth
		t.mu.Unlock()
		s.log.Warn("refused: "+why, "remote", c.RemoteAddr().String(), "logging_in", all)
		return nil
	}
	n.preAuth++
	t.all.preAuth++
	t.bySrc[src] = n
	t.mu.Unlock()

	cs := &connState{s: s, src: src, remote: c.RemoteAddr().String(), conn: c, created: time.Now()}
	ctx.SetValue(connKey{}, cs)
	tc := &trackedConn{Conn: c, cs: cs}
	cs.conn = tc
	return tc
}

// change moves one count of src from one phase to another; from or to
// may be phaseClosed (nothing). It drops sources left with no count, so
// the map holds only addresses connected now.
func (t *conns) change(src source, from, to phase) {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.bySrc[src]
	if n == nil {
		n = &counts{}
		t.bySrc[src] = n
	}
	for _, c := range []*counts{n, &t.all} {
		switch from {
		case phasePreAuth:
			c.preAuth--
		case phaseWaiting:
			c.waiting--
		}
		switch to {
		case phasePreAuth:
			c.preAuth++
		case phaseWaiting:
			c.waiting++
		}
	}
	if n.zero() {
		delete(t.bySrc, src)
	}
}

// waitingFull says why src may not have one more logged-in connection
// without a session, or "".
func (s *Server) waitingFull(src source) string {
	t := &s.conns
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.all.waiting >= s.cfg.MaxWaiting {
		return "the server has too many connections logged in without a session"
	}
	if n := t.bySrc[src]; n != nil && n.waiting >= s.cfg.MaxWaitingPerIP {
		return fmt.Sprintf("your address has %d connections logged in without a session already", n.waiting)
	}
	return ""
}

// banner is sent before the client logs in: when it could not get in for
// lack of room, it says so (the refusal itself is only "permission
// denied"). OpenSSH shows it; it is the only text a client refused at
// login can be sent.
func (s *Server) banner(ctx ssh.Context) string {
	cs := connOf(ctx)
	if cs == nil {
		return ""
	}
	if why := s.waitingFull(cs.src); why != "" {
		return "fanout: " + why + ". Close some and try again.\r\n"
	}
	return ""
}

// loggedIn moves the connection from pre-auth to waiting, when there is
// room, and starts its session-start deadline; false refuses the login.
// It runs in the authentication callbacks, each time one lets a client
// in (a key offered and accepted, before its signature, counts: the
// deadline then allows for the rest of the handshake).
func (cs *connState) loggedIn() bool {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.phase != phasePreAuth {
		return cs.phase != phaseClosed
	}
	s := cs.s
	if why := s.waitingFull(cs.src); why != "" {
		s.log.Warn("refused login: "+why, "remote", cs.remote)
		return false
	}
	s.conns.change(cs.src, phasePreAuth, phaseWaiting)
	cs.phase = phaseWaiting
	// A key offered before its passphrase is typed is accepted here: the
	// handshake's own deadline still holds until it ends.
	wait := max(s.cfg.SessionStartTimeout, time.Until(cs.created.Add(s.cfg.HandshakeTimeout)))
	cs.startTimerLocked(wait)
	return true
}

// startTimerLocked closes the connection after wait unless a session
// starts; cs.mu is held.
func (cs *connState) startTimerLocked(wait time.Duration) {
	if cs.timer != nil {
		cs.timer.Stop()
	}
	cs.timer = time.AfterFunc(wait, func() {
		cs.mu.Lock()
		expired := cs.phase == phaseWaiting
		cs.mu.Unlock()
		if expired {
			cs.s.log.Info("closed: no session opened", "remote", cs.remote, "within", cs.s.cfg.SessionStartTimeout.String())
			_ = cs.conn.Close()
		}
	})
}

// sessionStarted notes a session handler running on the connection: its
// deadline is off while one runs.
func (cs *connState) sessionStarted() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.handlers++
	if cs.phase == phaseWaiting {
		cs.s.conns.change(cs.src, phaseWaiting, phaseInSession)
		cs.phase = phaseInSession
		cs.timer.Stop()
	}
}

// sessionEnded notes a session handler done: with none left, the
// connection waits again, and is closed if no session follows soon (x/crypto
// clients, for one, may keep a connection open after its session).
func (cs *connState) sessionEnded() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.handlers--
	if cs.handlers == 0 && cs.phase == phaseInSession {
		// Counted even past MaxWaiting: the connection is already here, and
		// the deadline bounds it.
		cs.s.conns.change(cs.src, phaseInSession, phaseWaiting)
		cs.phase = phaseWaiting
		cs.startTimerLocked(cs.s.cfg.SessionStartTimeout)
	}
}

// closed releases the connection's counts, once, when its socket closes.
func (cs *connState) closed() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.timer != nil {
		cs.timer.Stop()
	}
	cs.s.conns.change(cs.src, cs.phase, phaseClosed)
	cs.phase = phaseClosed
}

// takeSession counts a session of src against MaxSessionsPerIP; false
// when src has its share already.
func (s *Server) takeSession(src source) bool {
	t := &s.conns
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.bySrc[src]
	if n == nil {
		n = &counts{}
		t.bySrc[src] = n
	}
	if n.sessions >= s.cfg.MaxSessionsPerIP {
		return false
	}
	n.sessions++
	t.all.sessions++
	return true
}

func (s *Server) releaseSession(src source) {
	t := &s.conns
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := t.bySrc[src]; n != nil {
		n.sessions--
		t.all.sessions--
		if n.zero() {
			delete(t.bySrc, src)
		}
	}
}

// connMiddleware is outermost: a session handler running holds the
// connection's session-start deadline off.
func (s *Server) connMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		if cs := connOf(sess.Context()); cs != nil {
			cs.sessionStarted()
			defer cs.sessionEnded()
		}
		next(sess)
	}
}
