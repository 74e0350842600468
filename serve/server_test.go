package serve

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"charm.land/ssh"
	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/themes"
)

// A prompt typed into the cockpit over SSH is answered by every demo model,
// and the summary strip appears once all are done.
func TestPromptOverSSH(t *testing.T) {
	cfg := testConfig(t)
	_, addr := startServer(t, cfg)
	c, err := dial(t, addr, "alice")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm-256color", 120, 40, nil)
	tm.waitFor("Swift (simulated)", "Spark (simulated)", "type a prompt")
	tm.send("Explain backpressure\r")
	tm.waitFor("(simulated answer)")
	// The summary strip only shows once every pane is done.
	tm.waitFor("fastest", "cheapest")
	if log := serverLog(t); !strings.Contains(log, "msg=prompt") || strings.Contains(log, "backpressure") {
		t.Errorf("the log should note the prompt without its text:\n%s", log)
	}
	tm.send("\x03") // ctrl+c quits
	if err := tm.waitEnd(); err != nil {
		t.Errorf("quit: %v", err)
	}
}

// A window change reaches the session's own program: shrinking below the
// cockpit's minimum shows the new size, growing again redraws the panes.
func TestWindowChange(t *testing.T) {
	_, addr := startServer(t, testConfig(t))
	c, err := dial(t, addr, "bob")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm-256color", 100, 30, nil)
	tm.waitFor("Swift (simulated)")
	if err := tm.sess.WindowChange(10, 30); err != nil {
		t.Fatal(err)
	}
	tm.waitFor("Terminal too small: 30×10")
	if err := tm.sess.WindowChange(24, 80); err != nil {
		t.Fatal(err)
	}
	// What comes after the resize is a redraw of the panes.
	before := len(tm.out.String())
	eventually(t, "a redraw at 80×24", func() bool {
		return strings.Contains(ansi.Strip(tm.out.String()[before:]), "Swift")
	})
}

// Colours follow the client's terminal, not the server's: 256 colours for
// xterm-256color, true colour when the client says COLORTERM=truecolor.
func TestColourProfileFollowsClient(t *testing.T) {
	cfg := testConfig(t)
	cfg.Theme = "dracula" // a fixed theme: no wait for the background reply
	_, addr := startServer(t, cfg)
	for _, tc := range []struct {
		name       string
		env        map[string]string
		want, deny string
	}{
		{"256", nil, "38;5;", "38;2;"},
		// The textarea's own 256-colour defaults may still show up here.
		{"truecolor", map[string]string{"COLORTERM": "truecolor"}, "38;2;", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := dial(t, addr, "carol")
			if err != nil {
				t.Fatal(err)
			}
			tm := openTerminal(t, c, "xterm-256color", 100, 30, tc.env)
			tm.waitFor("Swift (simulated)", "ctrl+c quit")
			out := tm.out.String()
			if !strings.Contains(out, tc.want) || tc.deny != "" && strings.Contains(out, tc.deny) {
				t.Errorf("want %q and no %q in the output", tc.want, tc.deny)
			}
		})
	}
}

// The theme follows the client's background: the cockpit asks the
// client's terminal (OSC 11) and a light answer switches it to the light
// theme, for this session alone.
func TestBackgroundFollowsClient(t *testing.T) {
	_, addr := startServer(t, testConfig(t)) // no theme: auto
	// The unfocused pane borders differ between the dark and light themes.
	border := func(dark bool) string {
		th, err := themes.Get(themes.Auto, dark)
		if err != nil {
			t.Fatal(err)
		}
		c, ok := th.BorderUnfocused.(ansi.IndexedColor)
		if !ok {
			t.Skipf("border colour %T is not a 256-colour index", th.BorderUnfocused)
		}
		return fmt.Sprintf("\x1b[38;5;%dm", c)
	}
	dark, light := border(true), border(false)
	if dark == light {
		t.Fatal("the dark and light themes share their border colour: nothing to observe")
	}
	c, err := dial(t, addr, "pia")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm-256color", 100, 30, nil)
	tm.waitFor("Swift (simulated)")
	eventually(t, "the background query", func() bool { return strings.Contains(tm.out.String(), "\x1b]11;?") })
	if out := tm.out.String(); !strings.Contains(out, dark) || strings.Contains(out, light) {
		t.Fatalf("before the answer, want the dark theme's borders (%q) only", dark)
	}
	before := len(tm.out.String())
	tm.send("\x1b]11;rgb:ffff/ffff/ffff\x1b\\")
	eventually(t, "the light theme", func() bool { return strings.Contains(tm.out.String()[before:], light) })
}

// A session without a terminal is refused with one line.
func TestNoPTYRefused(t *testing.T) {
	_, addr := startServer(t, testConfig(t))
	c, err := dial(t, addr, "dave")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out, err := sess.CombinedOutput("")
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	if got := string(out); strings.Count(got, "\n") != 1 || !strings.Contains(got, "needs a terminal") {
		t.Errorf("output %q, want one line saying a terminal is needed", got)
	}
}

// Beyond MaxSessions a session is told the server is full; once a slot
// frees, the next one gets in.
func TestMaxSessions(t *testing.T) {
	cfg := testConfig(t)
	cfg.MaxSessions = 1
	srv, addr := startServer(t, cfg)
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
	if s := second.screen(); !strings.Contains(s, "server is full") {
		t.Errorf("second session got %q, want a server-full line", s)
	}

	first.send("\x03")
	first.waitEnd()
	eventually(t, "the slot to free", func() bool { return srv.Sessions() == 0 })
	third := openTerminal(t, c2, "xterm", 100, 30, nil)
	third.waitFor("Swift (simulated)")
}

// With authorized keys, those keys get in and nothing else does.
func TestAuthorizedKeys(t *testing.T) {
	good, bad := newKey(t), newKey(t)
	cfg := testConfig(t)
	cfg.AuthorizedKeys = []ssh.PublicKey{good.PublicKey()}
	_, addr := startServer(t, cfg)

	c, err := dial(t, addr, "erin", gossh.PublicKeys(good))
	if err != nil {
		t.Fatalf("authorized key refused: %v", err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Swift (simulated)")

	if _, err := dial(t, addr, "mallory", gossh.PublicKeys(bad)); err == nil {
		t.Error("a key not in the authorized keys got in")
	}
	if _, err := dial(t, addr, "mallory"); err == nil {
		t.Error("a client without a key got in")
	}
	if log := serverLog(t); !strings.Contains(log, "key refused") || !strings.Contains(log, Fingerprint(bad.PublicKey())) {
		t.Errorf("the refusal should be logged with the key's fingerprint:\n%s", log)
	}
}

// Sessions are recorded under the client key's fingerprint; each
// anonymous session gets its own folder under anonymous/, so that no
// stranger browses another's prompts.
func TestSessionsDirPerKey(t *testing.T) {
	key := newKey(t)
	cfg := testConfig(t)
	cfg.SessionsDir = t.TempDir()
	_, addr := startServer(t, cfg)
	keyDir := filepath.Join(cfg.SessionsDir, "serve", Fingerprint(key.PublicKey()))
	anonDir := filepath.Join(cfg.SessionsDir, "serve", Anonymous)
	for _, auth := range []gossh.AuthMethod{gossh.PublicKeys(key), anonymous(), anonymous()} {
		c, err := dial(t, addr, "frank", auth)
		if err != nil {
			t.Fatal(err)
		}
		tm := openTerminal(t, c, "xterm", 100, 30, nil)
		tm.waitFor("Swift (simulated)")
		tm.send("Explain backpressure\r")
		tm.waitFor("(simulated answer)")
		tm.send("\x03")
		tm.waitEnd()
	}
	files := func(dir string) []string {
		var out []string
		_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				out = append(out, p)
			}
			return nil
		})
		return out
	}
	eventually(t, "the session files", func() bool { return len(files(keyDir)) == 1 && len(files(anonDir)) == 2 })
	anon := files(anonDir)
	if filepath.Dir(anon[0]) == filepath.Dir(anon[1]) || filepath.Dir(filepath.Dir(anon[0])) != anonDir {
		t.Errorf("anonymous sessions share a folder: %q", anon)
	}
	for _, f := range append(files(keyDir), anon...) {
		data, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(data), "Explain backpressure") {
			t.Errorf("%s: %v, or the prompt is not recorded", f, err)
		}
	}
}

// Only the served models stream, capped at the server's output tokens;
// anything else gets an error.
func TestOpenServesOnlyAllowed(t *testing.T) {
	cfg := testConfig(t, "demo:swift")
	cfg.MaxTokens = 20
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	req := backends.Request{Messages: []backends.Message{{Role: backends.RoleUser, Content: "hi"}}, MaxTokens: 5000}
	var usage *backends.Usage
	for ev := range srv.openFor(nil, cfg.Targets[0]).Stream(ctx, req) {
		if ev.Type == backends.EventUsage {
			usage = ev.Usage
		}
		if ev.Type == backends.EventError {
			t.Fatalf("allowed model: %v", ev.Error.Message)
		}
	}
	if usage == nil || usage.Output > 20 {
		t.Errorf("usage %+v: the server's cap of 20 output tokens was not applied", usage)
	}
	other := demoTargets(t, "demo:sage")[0]
	var got []backends.Event
	for ev := range srv.openFor(nil, other).Stream(ctx, req) {
		got = append(got, ev)
	}
	if len(got) != 1 || got[0].Type != backends.EventError || !strings.Contains(got[0].Error.Message, "not offered") {
		t.Errorf("a model outside the allowed set streamed: %+v", got)
	}
}

// Idle and maximum durations end a session with a message.
func TestTimeouts(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(*Config)
		want string
	}{
		{"idle", func(c *Config) { c.IdleTimeout = 300 * time.Millisecond }, "without a key press"},
		{"max", func(c *Config) { c.MaxSession = 500 * time.Millisecond }, "at most 500ms"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			tc.set(&cfg)
			_, addr := startServer(t, cfg)
			c, err := dial(t, addr, "gina")
			if err != nil {
				t.Fatal(err)
			}
			tm := openTerminal(t, c, "xterm", 100, 30, nil)
			tm.waitEnd()
			tm.waitFor(tc.want)
			// The goodbye comes after the cockpit has left the alternate
			// screen, so the client sees it on its own screen.
			out := tm.out.String()
			if i, j := strings.LastIndex(out, "\x1b[?1049l"), strings.LastIndex(out, "fanout: "); i < 0 || j < i {
				t.Errorf("the goodbye should follow the exit from the alternate screen (exit at %d, goodbye at %d)", i, j)
			}
		})
	}
}

// A key press keeps an idle session alive.
func TestActivityDefersIdle(t *testing.T) {
	cfg := testConfig(t)
	cfg.IdleTimeout = 600 * time.Millisecond
	_, addr := startServer(t, cfg)
	c, err := dial(t, addr, "hana")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Swift (simulated)")
	start := time.Now()
	for time.Since(start) < 1200*time.Millisecond {
		tm.send("x")
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case err := <-tm.ended:
		t.Fatalf("the session ended while typing: %v\n%s", err, tm.screen())
	default:
	}
	tm.waitEnd()
	tm.waitFor("without a key press")
}

// A client that disconnects mid-stream leaves nothing running: its streams
// are cancelled and every goroutine of its session ends.
func TestDisconnectMidStreamLeaksNothing(t *testing.T) {
	cfg := testConfig(t, "demo:sage", "demo:ponder") // slow: still streaming when cut
	srv, addr := startServer(t, cfg)
	settle := func() int {
		// Let goroutines of earlier work finish before counting.
		time.Sleep(100 * time.Millisecond)
		return runtime.NumGoroutine()
	}
	before := settle()
	c, err := dial(t, addr, "ivan")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Sage (simulated)")
	tm.send("Write a long essay on queues\r")
	tm.waitFor("streaming")
	if n := runtime.NumGoroutine(); n <= before {
		t.Fatalf("%d goroutines while streaming, %d before: the count proves nothing", n, before)
	}
	c.Close()
	eventually(t, "the session to end", func() bool { return srv.Sessions() == 0 })
	var now int
	deadline := time.Now().Add(waitLimit)
	for {
		now = runtime.NumGoroutine()
		if now <= before+1 {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines left, %d before the session:\n%s", now, before, buf)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if log := serverLog(t); !strings.Contains(log, "end=disconnected") {
		t.Errorf("the disconnect should be logged:\n%s", log)
	}
}

// The host key is created once, 0600 in a 0700 folder, and the same key is
// served after a restart.
func TestHostKeyPersists(t *testing.T) {
	cfg := testConfig(t)
	fingerprint := func() string {
		_, addr := startServer(t, cfg)
		var got string
		c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
			User: "judy", Auth: []gossh.AuthMethod{anonymous()}, Timeout: 5 * time.Second,
			HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
				got = gossh.FingerprintSHA256(k)
				return nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		return got
	}
	first := fingerprint()
	info, err := os.Stat(cfg.HostKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if m := info.Mode().Perm(); m != 0o600 {
		t.Errorf("host key mode %o, want 600", m)
	}
	dir, err := os.Stat(filepath.Dir(cfg.HostKeyPath))
	if err != nil {
		t.Fatal(err)
	}
	if m := dir.Mode().Perm(); m != 0o700 {
		t.Errorf("host key folder mode %o, want 700", m)
	}
	if second := fingerprint(); second != first || first == "" {
		t.Errorf("host key changed across restarts: %s then %s", first, second)
	}
}

// A panic in one session's handler ends that session with a message and
// leaves the server serving others.
func TestPanicInSessionKeepsServer(t *testing.T) {
	cfg := testConfig(t)
	cfg.onSession = func(sess ssh.Session) {
		if sess.User() == "boom" {
			panic("injected")
		}
	}
	_, addr := startServer(t, cfg)
	c, err := dial(t, addr, "boom")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitEnd()
	tm.waitFor("something went wrong")

	c2, err := dial(t, addr, "kim")
	if err != nil {
		t.Fatalf("the server is gone after a panic: %v", err)
	}
	ok := openTerminal(t, c2, "xterm", 100, 30, nil)
	ok.waitFor("Swift (simulated)")
}

// panicky is a backend that panics while streaming.
type panicky struct{}

func (panicky) Stream(context.Context, backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		yield(backends.Event{Type: backends.EventDelta, Delta: &backends.Delta{Kind: backends.KindAnswer, Text: "partial "}})
		panic("backend bug")
	}
}

// A backend that panics ends its own pane with an error; the session and
// the server go on.
func TestPanicInBackendEndsPaneOnly(t *testing.T) {
	cfg := testConfig(t)
	open := cfg.Open
	cfg.Open = func(tg backends.Target) backends.Backend {
		if tg.Model == "spark" {
			return panicky{}
		}
		return open(tg)
	}
	_, addr := startServer(t, cfg)
	c, err := dial(t, addr, "leo")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm", 120, 40, nil)
	tm.waitFor("Swift (simulated)")
	tm.send("hello\r")
	tm.waitFor("internal error in fanout", "(simulated answer)")
	tm.send("\x03")
	if err := tm.waitEnd(); err != nil {
		t.Errorf("quit: %v", err)
	}
}

// With limits, the cockpit shows what is left and refuses prompts beyond
// the rate.
func TestBudgetShownAndEnforced(t *testing.T) {
	cfg := testConfig(t, "demo:swift")
	cfg.Limits = Limits{OutputTokens: 5000, PromptsPerMinute: 1}
	_, addr := startServer(t, cfg)
	c, err := dial(t, addr, "mia")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm", 120, 40, nil)
	tm.waitFor("left: 5000 tok", "0/1 prompts this min")
	tm.send("one\r")
	tm.waitFor("(simulated answer)", "1/1 prompts this min", "done")
	tm.send("two\r")
	tm.waitFor("at most 1 prompts a minute")
}

// Shutdown lets a session run until the grace period ends, then closes it
// with a message; Serve returns nil.
func TestShutdownEndsSessionsWithMessage(t *testing.T) {
	srv, addr, served := serveOn(t, context.Background(), testConfig(t))
	c, err := dial(t, addr, "nina")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Swift (simulated)")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("Shutdown took %s: it should wait for the session until the grace period ends", d)
	}
	tm.waitEnd()
	// Warned in the cockpit first, told why at the end.
	tm.waitFor("the server is stopping: this session closes within 1s", "shutting down")
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Serve did not return")
	}
	if _, err := dial(t, addr, "late"); err == nil {
		t.Error("a connection was accepted after Shutdown")
	}
}

// A client that keeps its connection open after its session has ended, or
// that never opens one, does not hold the shutdown for the grace period.
func TestShutdownDoesNotWaitForIdleConnections(t *testing.T) {
	srv, addr, served := serveOn(t, context.Background(), testConfig(t))
	c, err := dial(t, addr, "olga")
	if err != nil {
		t.Fatal(err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Swift (simulated)")
	tm.send("\x03")
	tm.waitEnd()
	if _, err := dial(t, addr, "silent"); err != nil { // no session at all
		t.Fatal(err)
	}
	eventually(t, "the session's end", func() bool { return srv.Sessions() == 0 })

	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Shutdown(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Shutdown waits for connections that have no session")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Serve did not return")
	}
}

func TestFingerprintIsPathSafe(t *testing.T) {
	for range 50 {
		k := newKey(t).PublicKey()
		fp := Fingerprint(k)
		if strings.ContainsAny(fp, `/+\:= `) || filepath.Base(fp) != fp {
			t.Fatalf("fingerprint %q is not safe in a path", fp)
		}
		// It is OpenSSH's fingerprint with two letters swapped, so an owner
		// can match it with ssh-keygen -l.
		want := strings.NewReplacer("SHA256:", "SHA256-", "/", "_", "+", "-").Replace(gossh.FingerprintSHA256(k))
		if fp != want {
			t.Fatalf("Fingerprint = %s, want %s", fp, want)
		}
	}
	if Fingerprint(nil) != Anonymous {
		t.Error("no key should be anonymous")
	}
}

func TestShort(t *testing.T) {
	for d, want := range map[time.Duration]string{10 * time.Minute: "10m", time.Hour: "1h", 90 * time.Second: "1m30s", 500 * time.Millisecond: "500ms"} {
		if got := short(d); got != want {
			t.Errorf("short(%s) = %s, want %s", d, got, want)
		}
	}
}

func TestHideEndpoints(t *testing.T) {
	in := &backends.Error{Message: "openai is not reachable at http://10.0.0.5:8080/v1: connection refused; see https://status.example.com.", Status: 502}
	got := forClient(in)
	if want := "openai is not reachable at its endpoint: connection refused; see its endpoint."; got.Message != want || got.Status != 502 {
		t.Errorf("forClient = %+v, want %q", got, want)
	}
	if in.Message == got.Message {
		t.Error("the backend's own error was changed in place")
	}
}

// A provider's own words can name the owner's account or hosts: a client
// sees fanout's sentence, the owner's log the whole error.
func TestClientErrorsLeaveOutTheProvidersWords(t *testing.T) {
	const arn = "arn:aws:iam::123456789012:user/owner"
	e := backends.StatusError("bedrock", 403, "AccessDeniedException", "User: "+arn+" is not authorized", 0, "your AWS credentials")
	got := forClient(e)
	if strings.Contains(got.Message, "123456789012") || !strings.Contains(got.Message, "bedrock refused your AWS credentials (403 AccessDeniedException)") {
		t.Errorf("client sees %q", got.Message)
	}
	if !strings.Contains(e.Message, arn) {
		t.Errorf("the full error (for the log) lost the provider's words: %q", e.Message)
	}
	dns := backends.TransportError("openai", "http://gw.corp.internal/v1", &net.DNSError{Name: "gw.corp.internal", Err: "no such host"}, false)
	if got := forClient(dns); strings.Contains(got.Message, "corp") || !strings.Contains(got.Message, "cannot resolve") {
		t.Errorf("client sees %q", got.Message)
	}
}

// A Shutdown that comes before Serve has started still stops it.
func TestShutdownBeforeServe(t *testing.T) {
	srv, err := New(testConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(context.Background(), ln) }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after Shutdown: %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Serve did not return")
	}
}
