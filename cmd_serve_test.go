package main

import (
	"bytes"
	"context"
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

// fanout serve starts with a host key under the data dir, serves the demo
// models to an SSH client, and stops on the first signal.
func TestServeCommand(t *testing.T) {
	getenv := testEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr lockedBuffer
	exited := make(chan int, 1)
	go func() {
		exited <- cli(ctx, []string{"serve", "--listen", "127.0.0.1:0"}, strings.NewReader(""), &stdout, &stderr, getenv)
	}()
	addrRE := regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:\d+)`)
	var addr string
	deadline := time.Now().Add(10 * time.Second)
	for addr == "" {
		if m := addrRE.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no listening line; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	key := filepath.Join(getenv("HOME"), ".local", "share", "fanout", "ssh", "host_ed25519")
	if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("host key %s: %v", key, err)
	}

	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User:            "tester",
		Auth:            []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(),
		Timeout:         5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	sess.Stdout = &out
	if err := sess.RequestPty("xterm-256color", 30, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Swift (simulated)", "Sage (simulated)", "Ponder (simulated)"} {
		deadline := time.Now().Add(10 * time.Second)
		for !strings.Contains(ansi.Strip(out.String()), want) {
			if time.Now().After(deadline) {
				t.Fatalf("no %q on the client's screen", want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	c.Close()

	cancel() // the signal
	select {
	case code := <-exited:
		if code != exitOK {
			t.Errorf("exit %d; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fanout serve did not stop")
	}
	log := stderr.String()
	for _, want := range []string{"session start", "session end", "shutting down", "stopped"} {
		if !strings.Contains(log, want) {
			t.Errorf("no %q in the log:\n%s", want, log)
		}
	}
	if stdout.String() != "" {
		t.Errorf("stdout should stay empty, got %q", stdout.String())
	}
}

func TestServeUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "extra"},
		{"serve", "--authorized-keys", "/nonexistent/keys"},
		{"serve", "--allow-model", "nosuchprovider:x"},
		{"serve", "--max-sessions"},
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

func TestServerSecrets(t *testing.T) {
	getenv := testEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-123456", "AWS_SECRET_ACCESS_KEY": "aws-secret", "UNRELATED": "x"})
	tg, err := backends.ParseSpec("openai:gpt-4o-mini")
	if err != nil {
		t.Fatal(err)
	}
	got := serverSecrets([]backends.Target{tg}, getenv)
	if !slices.Contains(got, "sk-test-123456") || !slices.Contains(got, "aws-secret") || slices.Contains(got, "x") {
		t.Errorf("secrets = %q", got)
	}
}
