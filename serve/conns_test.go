package serve

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// dialFrom opens a TCP connection to addr from the loopback address src
// (127.0.0.0/8 is all loopback on Linux), so that tests can stand for
// many clients; it skips the test where that cannot be done.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" && strings.Contains(err.Error(), "assign requested address") {
			t.Skipf("cannot connect from %s here: %v", src, err)
		}
		t.Fatalf("connect from %s: %v", src, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// loginFrom logs in from src without opening a session; banner receives
// what the server sent before the login, when not nil.
func loginFrom(t *testing.T, src, addr string, banner *string) (gossh.Conn, error) {
	t.Helper()
	c := dialFrom(t, src, addr)
	cfg := &gossh.ClientConfig{
		User:            "idle",
		Auth:            []gossh.AuthMethod{anonymous()},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
		BannerCallback: func(msg string) error {
			if banner != nil {
				*banner += msg
			}
			return nil
		},
	}
	conn, chans, reqs, err := gossh.NewClientConn(c, addr, cfg)
	if err != nil {
		return nil, err
	}
	go gossh.DiscardRequests(reqs)
	go func() {
		for ch := range chans {
			_ = ch.Reject(gossh.Prohibited, "no")
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return conn, nil
}

// serverVersion reads the server's SSH version line, which it sends as
// soon as it takes a connection on; an error when it closed it instead.
func serverVersion(c net.Conn, within time.Duration) (string, error) {
	_ = c.SetReadDeadline(time.Now().Add(within))
	defer c.SetReadDeadline(time.Time{})
	return bufio.NewReader(c).ReadString('\n')
}

// Sockets that never speak and logins that never open a session, from
// many addresses at once, leave room for a real client, which gets its
// cockpit at once. The deadlines are long here: room, not time, lets it in.
func TestIdleConnectionsDoNotLockOut(t *testing.T) {
	cfg := testConfig(t)
	cfg.HandshakeTimeout = time.Minute
	cfg.SessionStartTimeout = time.Minute
	_, addr := startServer(t, cfg)
	for i := 1; i <= 40; i++ {
		dialFrom(t, fmt.Sprintf("127.0.1.%d", i), addr) // never speaks
	}
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 1; i <= 40; i++ {
		wg.Go(func() {
			if _, err := loginFrom(t, fmt.Sprintf("127.0.2.%d", i), addr, nil); err != nil {
				errs <- fmt.Errorf("login %d: %w", i, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	start := time.Now()
	c, err := dial(t, addr, "real")
	if err != nil {
		t.Fatalf("a real client cannot connect: %v", err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Swift (simulated)")
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the cockpit took %s to show", took)
	}
}

// A login that opens no session is closed after SessionStartTimeout, and
// a socket that never logs in after HandshakeTimeout.
func TestDeadlinesCloseIdleConnections(t *testing.T) {
	cfg := testConfig(t)
	cfg.HandshakeTimeout = 400 * time.Millisecond
	cfg.SessionStartTimeout = 300 * time.Millisecond
	_, addr := startServer(t, cfg)
	parent := t

	t.Run("no session", func(t *testing.T) {
		conn, err := loginFrom(t, "127.0.0.1", addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- conn.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a login without a session is still open after 5s")
		}
		if log := serverLog(parent); !strings.Contains(log, "no session opened") {
			t.Errorf("the log should say why the connection was closed:\n%s", log)
		}
	})
	t.Run("no login", func(t *testing.T) {
		c := dialFrom(t, "127.0.0.1", addr)
		if v, err := serverVersion(c, time.Second); err != nil || !strings.HasPrefix(v, "SSH-2.0-") {
			t.Fatalf("version %q, %v", v, err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, c); err != nil {
			t.Fatalf("a socket that never logs in is still open after 5s: %v", err)
		}
	})
	t.Run("after a session", func(t *testing.T) {
		// x/crypto clients may keep the connection once its session ends:
		// it is closed too.
		c, err := dial(t, addr, "leaves")
		if err != nil {
			t.Fatal(err)
		}
		tm := openTerminal(t, c, "xterm", 100, 30, nil)
		tm.waitFor("Swift (simulated)")
		time.Sleep(2 * cfg.SessionStartTimeout) // a session holds the deadline off
		tm.send("\x03")
		tm.waitEnd()
		done := make(chan error, 1)
		go func() { done <- c.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a connection whose session ended is still open after 5s")
		}
	})
}

// Past MaxPreAuthPerIP an address's next socket is closed at once, before
// the server sends a byte; other addresses are not affected, and the
// address gets its room back as its sockets close.
func TestPreAuthPerAddress(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxPreAuthPerIP = 2
	_, addr := startServer(t, cfg)
	var first net.Conn
	for i := range 2 {
		c := dialFrom(t, "127.0.3.1", addr)
		if v, err := serverVersion(c, 2*time.Second); err != nil || !strings.HasPrefix(v, "SSH-2.0-") {
			t.Fatalf("socket %d: version %q, %v", i, v, err)
		}
		if first == nil {
			first = c
		}
	}
	extra := dialFrom(t, "127.0.3.1", addr)
	start := time.Now()
	v, err := serverVersion(extra, 2*time.Second)
	var ne net.Error
	if err == nil || v != "" {
		t.Errorf("the extra socket got %q, %v; want it closed unanswered", v, err)
	} else if errors.As(err, &ne) && ne.Timeout() || time.Since(start) > time.Second {
		t.Errorf("the extra socket was not closed at once: %v after %s", err, time.Since(start))
	}
	other := dialFrom(t, "127.0.3.2", addr)
	if v, err := serverVersion(other, 2*time.Second); err != nil || !strings.HasPrefix(v, "SSH-2.0-") {
		t.Errorf("another address: version %q, %v", v, err)
	}

	first.Close()
	eventually(t, "the address's room back", func() bool {
		c := dialFrom(t, "127.0.3.1", addr)
		defer c.Close()
		_, err := serverVersion(c, time.Second)
		return err == nil
	})
}

// Past MaxWaitingPerIP a login is refused, and the login banner says why.
func TestWaitingPerAddressToldWhy(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxWaitingPerIP = 1
	_, addr := startServer(t, cfg)
	if _, err := loginFrom(t, "127.0.4.1", addr, nil); err != nil {
		t.Fatal(err)
	}
	var banner string
	if _, err := loginFrom(t, "127.0.4.1", addr, &banner); err == nil {
		t.Fatal("a second idle login from the address was let in")
	}
	if !strings.Contains(banner, "without a session") {
		t.Errorf("banner %q, want the reason", banner)
	}
	if _, err := loginFrom(t, "127.0.4.2", addr, nil); err != nil {
		t.Errorf("another address: %v", err)
	}
}

// Past MaxSessionsPerIP a session is told why; another address still
// gets in.
func TestSessionsPerAddress(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxSessionsPerIP = 1
	_, addr := startServer(t, cfg)
	c1, err := dial(t, addr, "first")
	if err != nil {
		t.Fatal(err)
	}
	first := openTerminal(t, c1, "xterm", 100, 30, nil)
	first.waitFor("Swift (simulated)")

	c2, err := dial(t, addr, "second")
	if err != nil {
		t.Fatal(err)
	}
	second := openTerminal(t, c2, "xterm", 100, 30, nil)
	var exit *gossh.ExitError
	if err := second.waitEnd(); !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("second session: %v, want exit status 1", err)
	}
	if s := second.screen(); !strings.Contains(s, "from one address are limited to 1") {
		t.Errorf("second session got %q, want the reason", s)
	}

	conn := dialFrom(t, "127.0.5.1", addr)
	cc, chans, reqs, err := gossh.NewClientConn(conn, addr, &gossh.ClientConfig{
		User: "third", Auth: []gossh.AuthMethod{anonymous()}, HostKeyCallback: gossh.InsecureIgnoreHostKey(),
	})
	if err != nil {
		t.Fatal(err)
	}
	c3 := gossh.NewClient(cc, chans, reqs)
	t.Cleanup(func() { c3.Close() })
	third := openTerminal(t, c3, "xterm", 100, 30, nil)
	third.waitFor("Swift (simulated)")
}

// Agent forwarding is refused, not acknowledged and ignored; of the
// environment, only the display variables are taken, and the session
// sees no other.
func TestAgentAndEnvRequests(t *testing.T) {
	cfg := testConfig(t)
	envs := make(chan []string, 1)
	cfg.onSession = func(sess ssh.Session) { envs <- sess.Environ() }
	_, addr := startServer(t, cfg)
	c, err := dial(t, addr, "env")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if ok, err := sess.SendRequest(agentRequest, true, nil); err != nil || ok {
		t.Errorf("agent forwarding: %v, %v; want refused", ok, err)
	}
	for _, k := range []string{"LD_PRELOAD", "OPENAI_API_KEY", "PATH", "LC"} {
		if err := sess.Setenv(k, "x"); err == nil {
			t.Errorf("%s was taken", k)
		}
	}
	for _, k := range []string{"TERM", "NO_COLOR", "COLORTERM", "LANG", "LC_ALL"} {
		if err := sess.Setenv(k, "1"); err != nil {
			t.Errorf("%s refused: %v", k, err)
		}
	}
	if err := sess.RequestPty("xterm", 30, 100, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	select {
	case env := <-envs:
		got := strings.Join(env, " ")
		if want := "TERM=1 NO_COLOR=1 COLORTERM=1 LANG=1 LC_ALL=1"; got != want {
			t.Errorf("the session's environment is %q, want %q", got, want)
		}
	case <-time.After(waitLimit):
		t.Fatal("no session")
	}
}

func TestDisplayEnv(t *testing.T) {
	got := displayOnly([]string{"TERM=xterm", "LD_PRELOAD=/x.so", "LC_CTYPE=UTF-8", "NO_COLOR=1", "OPENAI_API_KEY=sk", "junk"})
	if want := "TERM=xterm LC_CTYPE=UTF-8 NO_COLOR=1"; strings.Join(got, " ") != want {
		t.Errorf("displayOnly: %q, want %q", got, want)
	}
}

func TestSourceOf(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7:1234", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:1234", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:22", "2001:db8:1:2::"},
	} {
		a, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := sourceOf(a).String(); got != tc.want {
			t.Errorf("sourceOf(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}
