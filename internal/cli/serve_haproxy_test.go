package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"
	gossh "golang.org/x/crypto/ssh"
)

// The demo on many machines, for real: two `fanout serve` replicas (the
// built binary) sharing one host key, behind Debian's HAProxy sending
// PROXY v2 and checking their health; clients from two loopback
// addresses land one on each replica (round robin), both see the one
// host key (OpenSSH checks it against a known_hosts line, strictly), and
// each replica logs the client's own address, not HAProxy's. It is what
// the README's "Two replicas behind HAProxy" describes.
func TestServeReplicasBehindHAProxy(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if os.Getenv("FANOUT_REQUIRE_HAPROXY") != "" {
			t.Fatal("FANOUT_REQUIRE_HAPROXY is set but haproxy is not on PATH")
		}
		t.Skip("haproxy is not on PATH (apt-get install haproxy): the two-replica test needs a real balancer")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	dir := t.TempDir()
	bin := buildFanout(t, ctx, dir)

	// One key for both replicas, read-only, as a mounted secret is.
	keyPath := filepath.Join(dir, "host_ed25519")
	hostPub := writeSharedHostKey(t, keyPath)

	var replicas [2]*process
	for i := range replicas {
		home := filepath.Join(dir, fmt.Sprintf("replica%d", i))
		replicas[i] = start(t, ctx, []string{"HOME=" + home, "XDG_DATA_HOME=" + home + "/data", "XDG_CONFIG_HOME=" + home + "/config", "PATH=" + os.Getenv("PATH")},
			bin, "serve", "--listen", "127.0.0.1:0", "--host-key", keyPath,
			"--proxy-protocol", "--proxy-from", "127.0.0.1/32", "--no-save")
	}
	var backends [2]string
	listening := regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:\d+)`)
	for i, r := range replicas {
		backends[i] = r.waitFor(t, listening)[1]
	}

	front := freePort(t)
	cfg := filepath.Join(dir, "haproxy.cfg")
	writeFile(t, cfg, haproxyConfig(front, backends))
	if out, err := exec.CommandContext(ctx, haproxy, "-c", "-f", cfg).CombinedOutput(); err != nil {
		t.Fatalf("haproxy -c: %v\n%s", err, out)
	}
	lb := start(t, ctx, nil, haproxy, "-db", "-f", cfg)
	// Both replicas up: HAProxy's own health checks (PROXY v2 LOCAL, then
	// the SSH version) have passed on each.
	for _, name := range []string{"a", "b"} {
		lb.waitFor(t, regexp.MustCompile(`Health check for server fanout/`+name+` succeeded`))
	}

	// Two clients with a terminal, from two addresses: one on each replica.
	for _, src := range []string{"127.0.0.5", "127.0.0.6"} {
		got := cockpitThrough(t, src, front)
		if got != gossh.FingerprintSHA256(hostPub) {
			t.Errorf("client from %s was shown host key %s, want the shared %s", src, got, gossh.FingerprintSHA256(hostPub))
		}
	}
	sessionFrom := regexp.MustCompile(`msg="session start" session=\d+ remote=(127\.0\.0\.\d+):\d+`)
	var seen []string
	for i, r := range replicas {
		m := r.waitFor(t, sessionFrom)
		seen = append(seen, m[1])
		if m[1] == "127.0.0.1" {
			t.Errorf("replica %d logged HAProxy's address as the client's:\n%s", i, r.out.String())
		}
	}
	if seen[0] == seen[1] {
		t.Errorf("both replicas logged a session from %s: want one client on each (round robin)", seen[0])
	}

	// OpenSSH, strict about host keys, through each replica in turn.
	if ssh, err := exec.LookPath("ssh"); err == nil {
		knownHosts := filepath.Join(dir, "known_hosts")
		writeFile(t, knownHosts, "[127.0.0.1]:"+front+" "+string(gossh.MarshalAuthorizedKey(hostPub)))
		id := filepath.Join(dir, "id_ed25519")
		writeSharedHostKey(t, id) // a client key made the same way
		for _, src := range []string{"127.0.0.7", "127.0.0.8"} {
			cmd := exec.CommandContext(ctx, ssh, "-F", "/dev/null", "-T", "-p", front, "-b", src,
				"-i", id, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
				"-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile="+knownHosts,
				"-o", "ConnectTimeout=10", "demo@127.0.0.1")
			out, err := cmd.CombinedOutput()
			// Without a terminal the cockpit says it needs one (exit 1);
			// a host key OpenSSH did not trust would be exit 255.
			if !strings.Contains(string(out), "needs a terminal") {
				t.Errorf("ssh from %s: %v\n%s", src, err, out)
			}
		}
		refusedFrom := regexp.MustCompile(`msg="refused: no terminal" remote=(127\.0\.0\.[78]):\d+`)
		for _, r := range replicas {
			r.waitFor(t, refusedFrom)
		}
	} else {
		t.Log("no OpenSSH client on PATH: the x/crypto clients stood alone")
	}

	// The health checks are not logged as clients refused.
	for i, r := range replicas {
		if log := r.out.String(); strings.Contains(log, "connection refused") || strings.Contains(log, "PROXY header") {
			t.Errorf("replica %d logged a refusal:\n%s", i, log)
		}
	}
	lb.stop(t, syscall.SIGUSR1) // HAProxy's graceful stop
	for _, r := range replicas {
		r.stop(t, syscall.SIGTERM)
	}
}

// haproxyConfig is the README's configuration on loopback ports: TCP,
// round robin, PROXY v2 to each replica, and a health check that sends
// a PROXY header (v2 LOCAL) and expects the SSH version line.
func haproxyConfig(front string, backends [2]string) string {
	return fmt.Sprintf(`global
    log stderr format raw local0 info

defaults
    mode tcp
    log global
    option tcplog
    timeout connect 5s
    timeout client 1h
    timeout server 1h

frontend ssh
    bind 127.0.0.1:%s
    default_backend fanout

backend fanout
    balance roundrobin
    option tcp-check
    option log-health-checks
    tcp-check expect rstring ^SSH-2\.0-
    default-server send-proxy-v2 check check-send-proxy inter 1s fall 2 rise 1
    server a %s
    server b %s
`, front, backends[0], backends[1])
}

// cockpitThrough opens a cockpit from the loopback address src through
// the balancer at port, waits for it to draw, and returns the host key
// fingerprint it was shown.
func cockpitThrough(t *testing.T, src, port string) string {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	nc, err := d.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatalf("connect from %s: %v", src, err)
	}
	defer nc.Close()
	var shown string
	conn, chans, reqs, err := gossh.NewClientConn(nc, "127.0.0.1:"+port, &gossh.ClientConfig{
		User: "tester",
		Auth: []gossh.AuthMethod{gossh.KeyboardInteractive(func(string, string, []string, []bool) ([]string, error) { return nil, nil })},
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			shown = gossh.FingerprintSHA256(k)
			return nil
		},
		Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh from %s: %v", src, err)
	}
	c := gossh.NewClient(conn, chans, reqs)
	defer c.Close()
	sess, err := c.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	sess.Stdout = out
	if err := sess.RequestPty("xterm-256color", 30, 120, gossh.TerminalModes{}); err != nil {
		t.Fatal(err)
	}
	if err := sess.Shell(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for !strings.Contains(ansi.Strip(out.String()), "Swift (simulated)") {
		if time.Now().After(deadline) {
			t.Fatalf("no cockpit for the client from %s", src)
		}
		time.Sleep(20 * time.Millisecond)
	}
	return shown
}

// process is a command whose combined output is kept.
type process struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan error
}

// start runs name with args (env nil: the test's own environment) until
// stop or the test's end; ctx ending stops it with SIGTERM.
func start(t *testing.T, ctx context.Context, env []string, name string, args ...string) *process {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	p := &process{cmd: cmd, out: &lockedBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case err := <-p.done:
			p.done <- err
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// waitFor waits until the output matches re, and returns the match.
func (p *process) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := re.FindStringSubmatch(p.out.String()); m != nil {
			return m
		}
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("%s exited (%v) before printing %s:\n%s", p.cmd.Path, err, re, p.out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not print %s:\n%s", p.cmd.Path, re, p.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends sig and waits for a clean exit.
func (p *process) stop(t *testing.T, sig os.Signal) {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case err := <-p.done:
		p.done <- err
		if err != nil {
			t.Errorf("%s on %v: %v\n%s", p.cmd.Path, sig, err, p.out.String())
		}
	case <-time.After(20 * time.Second):
		t.Errorf("%s did not stop on %v", p.cmd.Path, sig)
	}
}

// buildFanout builds this module's binary into dir.
func buildFanout(t *testing.T, ctx context.Context, dir string) string {
	t.Helper()
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	bin := filepath.Join(dir, "fanout")
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", bin, "github.com/fanout-dev/fanout")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeSharedHostKey writes a new ed25519 private key to path (0400) and
// returns its public key.
func writeSharedHostKey(t *testing.T, path string) gossh.PublicKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o400); err != nil {
		t.Fatal(err)
	}
	s, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s.PublicKey()
}

// freePort is a loopback port free a moment ago, for HAProxy, which
// cannot say which port it was given.
func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

// The README's haproxy.cfg is one HAProxy accepts, and it sends the PROXY
// header to the replicas and to its health checks.
func TestREADMEHAProxyConfig(t *testing.T) {
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Skip("haproxy is not on PATH (apt-get install haproxy)")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(readme), "```\n# /etc/haproxy/haproxy.cfg\n")
	if !ok {
		t.Fatal("no haproxy.cfg block in the README")
	}
	block, _, _ = strings.Cut(block, "```")
	for _, want := range []string{"send-proxy-v2", "check-send-proxy", "mode tcp"} {
		if !strings.Contains(block, want) {
			t.Errorf("the README's haproxy.cfg has no %q", want)
		}
	}
	cfg := filepath.Join(t.TempDir(), "haproxy.cfg")
	writeFile(t, cfg, block)
	if out, err := exec.Command(haproxy, "-c", "-f", cfg).CombinedOutput(); err != nil {
		t.Errorf("haproxy -c on the README's haproxy.cfg: %v\n%s", err, out)
	}
}
