package serve

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/ui"
)

// waitLimit bounds every wait in these tests: generous, for a loaded
// machine under -race, but finite.
const waitLimit = 20 * time.Second

// syncBuffer is a bytes.Buffer written by one goroutine and read by another.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// demoTargets resolves demo model specs.
func demoTargets(t *testing.T, specs ...string) []backends.Target {
	t.Helper()
	var out []backends.Target
	for _, s := range specs {
		tg, err := backends.ParseSpec(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tg)
	}
	return out
}

// testConfig is a server on demo models, with its host key in a temporary
// folder and an environment that is empty, so nothing depends on the
// machine running the tests.
func testConfig(t *testing.T, specs ...string) Config {
	t.Helper()
	if len(specs) == 0 {
		specs = []string{"demo:swift", "demo:spark"}
	}
	targets := demoTargets(t, specs...)
	var choices []ui.Choice
	for _, tg := range targets {
		choices = append(choices, ui.Choice{Target: tg, Note: "test"})
	}
	opts := backends.Options{Getenv: func(string) string { return "" }}
	prices := backends.NewPriceBook(nil)
	return Config{
		Price: func(tg backends.Target) *backends.Price {
			if p, ok := prices.Lookup(tg); ok {
				return &p
			}
			return nil
		},
		HostKeyPath: filepath.Join(t.TempDir(), "keys", "host_ed25519"),
		Targets:     targets,
		Choices:     choices,
		Open:        func(tg backends.Target) backends.Backend { return backends.Open(tg, opts) },
		App:         "test",
		Log:         slog.New(slog.NewTextHandler(newTestLog(t), nil)),
	}
}

// testLog sends the server's log to the test's log, and keeps it for
// assertions. Lines logged after the test has ended are dropped.
type testLog struct {
	t    *testing.T
	mu   sync.Mutex
	buf  bytes.Buffer
	done bool
}

// logs maps a test to its server log.
var logs sync.Map

func newTestLog(t *testing.T) *testLog {
	l := &testLog{t: t}
	logs.Store(t, l)
	t.Cleanup(func() {
		l.mu.Lock()
		l.done = true
		l.mu.Unlock()
	})
	return l
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if !l.done {
		l.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// serverLog is what the test's server has logged so far.
func serverLog(t *testing.T) string {
	v, ok := logs.Load(t)
	if !ok {
		return ""
	}
	l := v.(*testLog)
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// serveOn serves cfg on a loopback port, ctx being the sessions' parent;
// served delivers what Serve returned.
func serveOn(t *testing.T, ctx context.Context, cfg Config) (srv *Server, addr string, served <-chan error) {
	t.Helper()
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	return srv, ln.Addr().String(), done
}

// startServer serves cfg on a loopback port until the test ends.
func startServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	srv, addr, done := serveOn(t, ctx, cfg)
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(waitLimit):
			t.Error("Serve did not return after Shutdown")
		}
	})
	return srv, addr
}

// anonymous logs in without a key, as a client with none would.
func anonymous() gossh.AuthMethod {
	return gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })
}

func newKey(t *testing.T) gossh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dial connects as user with auth (anonymous when none is given).
func dial(t *testing.T, addr, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
	t.Helper()
	if len(auth) == 0 {
		auth = []gossh.AuthMethod{anonymous()}
	}
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            user,
		Auth:            auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
	if err == nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

// terminal is a client session with a PTY, its output collected.
type terminal struct {
	t     *testing.T
	sess  *gossh.Session
	in    io.WriteCloser
	out   *syncBuffer
	ended chan error
}

// openTerminal asks for a PTY of w×h with term as TERM, and a shell.
func openTerminal(t *testing.T, c *gossh.Client, term string, w, h int, env map[string]string) *terminal {
	t.Helper()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range env {
		if err := sess.Setenv(k, v); err != nil {
			t.Fatalf("setenv %s: %v", k, err)
		}
	}
	if err := sess.RequestPty(term, h, w, gossh.TerminalModes{gossh.ECHO: 0}); err != nil {
		t.Fatal(err)
	}
	out := &syncBuffer{}
	sess.Stdout, sess.Stderr = out, out
	in, err := sess.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	tm := &terminal{t: t, sess: sess, in: in, out: out, ended: make(chan error, 1)}
	go func() { tm.ended <- sess.Wait() }()
	return tm
}

func (tm *terminal) send(s string) {
	tm.t.Helper()
	if _, err := io.WriteString(tm.in, s); err != nil {
		tm.t.Fatalf("send %q: %v", s, err)
	}
}

// screen is everything received so far, without escape sequences.
func (tm *terminal) screen() string { return ansi.Strip(tm.out.String()) }

// waitFor waits until the output contains every one of want.
func (tm *terminal) waitFor(want ...string) {
	tm.t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		s := tm.screen()
		missing := ""
		for _, w := range want {
			if !strings.Contains(s, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			tail := s
			if len(tail) > 3000 {
				tail = tail[len(tail)-3000:]
			}
			tm.t.Fatalf("no %q in the output after %s; it ends with:\n%s", missing, waitLimit, tail)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitEnd waits for the server to end the session, and returns how.
func (tm *terminal) waitEnd() error {
	tm.t.Helper()
	select {
	case err := <-tm.ended:
		return err
	case <-time.After(waitLimit):
		tm.t.Fatalf("the session did not end; output:\n%s", tm.screen())
		return nil
	}
}

// eventually polls cond until it holds or waitLimit passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
