package cli

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/config"
)

// lockedBuffer is written by the server's goroutines while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// servedCLI is `fanout serve` running in-process on a loopback port.
type servedCLI struct {
	addr           string
	stdout, stderr *lockedBuffer
	cancel         context.CancelFunc // the signal
	exited         chan int
}

// startServe runs fanout serve with getenv as its environment; environ
// lists the variables there are, for what scans them (nil: the process's).
func startServe(t *testing.T, getenv func(string) string, environ []string, args ...string) *servedCLI {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s := &servedCLI{stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, cancel: cancel, exited: make(chan int, 1)}
	go func() {
		e := env{stdin: strings.NewReader(""), stdout: s.stdout, stderr: s.stderr, getenv: getenv}
		if environ != nil {
			e.environ = func() []string { return environ }
		}
		s.exited <- dispatch(ctx, e, append([]string{"serve", "--listen", "127.0.0.1:0"}, args...))
	}()
	addrRE := regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:\d+)`)
	deadline := time.Now().Add(10 * time.Second)
	for s.addr == "" {
		if m := addrRE.FindStringSubmatch(s.stderr.String()); m != nil {
			s.addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; stderr:\n%s", s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return s
}

// stop sends the signal and waits for fanout serve to exit.
func (s *servedCLI) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.exited:
		if code != exitOK {
			t.Errorf("exit %d; stderr:\n%s", code, s.stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("fanout serve did not stop; stderr:\n%s", s.stderr.String())
	}
}

// sshClient is one client connection with a terminal, and what it shows.
type sshClient struct {
	conn  *gossh.Client
	stdin io.Writer
	out   *lockedBuffer
}

func dialServe(t *testing.T, addr string) *sshClient {
	t.Helper()
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "tester",
		Auth:            []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	cl := &sshClient{conn: c, out: &lockedBuffer{}}
	sess.Stdout = cl.out
	if cl.stdin, err = sess.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := sess.RequestPty("xterm-256color", 30, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	return cl
}

// waitFor waits until the client's screen has shown want.
func (cl *sshClient) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(ansi.Strip(cl.out.String()), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no %q on the client's screen", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// fanout serve starts with a host key under the data dir, serves the demo
// models to an SSH client, and stops on the first signal.
func TestServeCommand(t *testing.T) {
	getenv := testEnv(t, nil)
	srv := startServe(t, getenv, nil)
	key := filepath.Join(getenv("HOME"), ".local", "share", "fanout", "ssh", "host_ed25519")
	if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v", key, err)
	}
	cl := dialServe(t, srv.addr)
	for _, want := range []string{"Swift (simulated)", "Sage (simulated)", "Ponder (simulated)"} {
		cl.waitFor(t, want)
	}
	cl.conn.Close()
	srv.stop(t)
	log := srv.stderr.String()
	for _, want := range []string{"session start", "session end", "shutting down", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in the log:\n%s", want, log)
		}
	}
	if srv.stdout.String() != "" {
		t.Errorf("stdout should stay empty, got %q", srv.stdout.String())
	}
}

// A served session is recorded where the config says, with every key of
// the server's environment scrubbed; with --no-save, nothing is kept.
func TestServeRecordsWhereTheConfigSays(t *testing.T) {
	const token = "tok-SERVERSECRET-0123456789"
	getenv := testEnv(t, map[string]string{"MY_SERVICE_TOKEN": token})
	dir := filepath.Join(getenv("HOME"), "kept")
	cfg := filepath.Join(getenv("HOME"), "config.toml")
	writeFile(t, cfg, "sessions_dir = \""+dir+"\"\n")
	for _, noSave := range []bool{false, true} {
		args := []string{"--config", cfg}
		if noSave {
			args = append(args, "--no-save")
		}
		srv := startServe(t, getenv, []string{"MY_SERVICE_TOKEN=" + token}, args...)
		cl := dialServe(t, srv.addr)
		cl.waitFor(t, "Ask every model")
		if _, err := io.WriteString(cl.stdin, "echo "+token+"\r"); err != nil {
			t.Fatal(err)
		}
		// Once the fastest model is done, ctrl+c: the others end cancelled.
		cl.waitFor(t, "(simulated answer)")
		if _, err := io.WriteString(cl.stdin, "\x03"); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(srv.stderr.String(), "session end") { // its file closed
			if time.Now().After(deadline) {
				t.Fatalf("the session did not end on ctrl+c; log:\n%s", srv.stderr.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
		cl.conn.Close()
		srv.stop(t)
		var files []string
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, path)
			}
			return nil
		})
		if noSave {
			if len(files) != 1 || !strings.Contains(srv.stderr.String(), "sessions=\"off (--no-save)\"") {
				t.Errorf("--no-save: files %q (want only the first run's); log:\n%s", files, srv.stderr.String())
			}
			continue
		}
		if len(files) != 1 || !strings.HasPrefix(files[0], filepath.Join(dir, "serve", "anonymous")+string(filepath.Separator)) {
			t.Fatalf("recorded %q, want one session under %s/serve/anonymous", files, dir)
		}
		raw, err := os.ReadFile(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw)+files[0], "SERVERSECRET") || !strings.Contains(string(raw), "echo [redacted]") {
			t.Errorf("the session keeps the server's token, or lost the prompt: %s\n%s", files[0], raw)
		}
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "extra"},
		{"serve", "--authorized-keys", "/nonexistent/keys"},
		{"serve", "--allow-model", "nosuchprovider:x"},
		{"serve", "--max-sessions"},
		{"serve", "--theme", "bogus"},
	} {
		code, _, errOut := runCLI(t, testEnv(t, nil), "", args...)
		if code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr:\n%s", args, code, exitUsage, errOut)
		}
	}
}

// A client can only ever pick the allowed models; with none allowed, the
// demo models.
func TestServedModels(t *testing.T) {
	cfg := &config.Config{}
	targets, choices, real, err := servedModels(cfg, []string{"openai:gpt-4o-mini", "demo:swift"})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range choices {
		names = append(names, c.Target.Name)
	}
	if !real || len(targets) != 2 || !slices.Equal(names, []string{"openai:gpt-4o-mini", "demo:swift"}) {
		t.Errorf("targets %v, choices %v, real %v", targets, names, real)
	}

	marked := markUnavailable(env{getenv: testEnv(t, nil)}, choices)
	if marked[0].Unavailable != "not on this server: OPENAI_API_KEY is not set where it runs" || marked[1].Unavailable != "" {
		t.Errorf("a served model without its key: %q; demo: %q", marked[0].Unavailable, marked[1].Unavailable)
	}

	targets, choices, real, err = servedModels(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if real || len(targets) != len(backends.DemoDefaults()) || len(choices) != len(backends.DemoModelNames()) {
		t.Errorf("no allowed models: targets %v, %d choices, real %v", targets, len(choices), real)
	}
	for _, c := range choices {
		if c.Target.Provider != backends.ProviderDemo {
			t.Errorf("a real model offered by default: %s", c.Target.Name)
		}
	}
}
