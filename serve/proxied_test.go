package serve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// headerProxy is a TCP relay on loopback standing for a balancer: each
// connection it takes on is relayed to the server after the header that
// next returns. Its goroutines end with the test.
type headerProxy struct {
	ln   net.Listener
	mu   sync.Mutex
	next []byte
}

func startHeaderProxy(t *testing.T, server string) *headerProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &headerProxy{ln: ln}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() { cancel(); ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			header := p.next
			p.mu.Unlock()
			wg.Go(func() { relay(ctx, c, server, header) })
		}
	})
	return p
}

// send sets the header the next connections get.
func (p *headerProxy) send(h []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = h
}

func (p *headerProxy) addr() string { return p.ln.Addr().String() }

// relay connects c to server, header first, until either side or ctx ends.
func relay(ctx context.Context, c net.Conn, server string, header []byte) {
	defer c.Close()
	up, err := net.Dial("tcp", server)
	if err != nil {
		return
	}
	defer up.Close()
	stop := context.AfterFunc(ctx, func() { c.Close(); up.Close() })
	defer stop()
	if _, err := up.Write(header); err != nil {
		return
	}
	done := make(chan struct{}, 2)
	go func() { _, _ = io.Copy(up, c); done <- struct{}{} }()
	go func() { _, _ = io.Copy(c, up); done <- struct{}{} }()
	<-done
}

// proxyConfig is a server that trusts PROXY headers from 127.0.0.1 only.
func proxyConfig(t *testing.T) Config {
	cfg := testConfig(t)
	cfg.ProxyProtocol = true
	cfg.ProxyFrom = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	return cfg
}

// Through a balancer, per-address limits and the log see the address in
// the header, not the balancer's: two clients the header names as one
// address share its session, a third named as another has its own.
func TestProxyHeaderAddressIsTheClients(t *testing.T) {
	cfg := proxyConfig(t)
	cfg.MaxSessionsPerIP = 1
	_, addr := startServer(t, cfg)
	lb := startHeaderProxy(t, addr)
	ap := netip.MustParseAddrPort

	lb.send([]byte("PROXY TCP4 203.0.113.7 127.0.0.1 40001 23234\r\n"))
	c1, err := dial(t, lb.addr(), "first")
	if err != nil {
		t.Fatal(err)
	}
	first := openTerminal(t, c1, "xterm", 100, 30, nil)
	first.waitFor("Swift (simulated)")
	eventually(t, "the session start logged with the client's address", func() bool {
		return strings.Contains(serverLog(t), `msg="session start"`) && strings.Contains(serverLog(t), "remote=203.0.113.7:40001")
	})

	// The same client address in a v2 header: its share is taken.
	lb.send(v2TCP4(ap("203.0.113.7:40002"), ap("127.0.0.1:23234")))
	c2, err := dial(t, lb.addr(), "second")
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
	if log := serverLog(t); !strings.Contains(log, "remote=203.0.113.7:40002") {
		t.Errorf("the refusal does not name the client's address:\n%s", log)
	}

	// Another client behind the same balancer is its own address.
	lb.send(v2TCP6(ap("[2001:db8::9]:40003"), ap("[::1]:23234")))
	c3, err := dial(t, lb.addr(), "third")
	if err != nil {
		t.Fatal(err)
	}
	third := openTerminal(t, c3, "xterm", 100, 30, nil)
	third.waitFor("Swift (simulated)")
	if log := serverLog(t); strings.Contains(log, "remote=127.0.0.1") {
		t.Errorf("the balancer's address is logged as a client's:\n%s", log)
	}
}

// A client that reaches the server directly, from an address not in
// ProxyFrom, cannot claim another address with a header: the connection
// is refused and logged. Without a header it is served as itself.
func TestProxyHeaderFromUntrustedAddressRefused(t *testing.T) {
	cfg := proxyConfig(t)
	cfg.ProxyFrom = []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}
	_, addr := startServer(t, cfg)
	lb := startHeaderProxy(t, addr) // connects from 127.0.0.1: untrusted

	for _, h := range [][]byte{
		[]byte("PROXY TCP4 203.0.113.7 127.0.0.1 40001 23234\r\n"),
		v2TCP4(netip.MustParseAddrPort("203.0.113.8:40001"), netip.MustParseAddrPort("127.0.0.1:23234")),
	} {
		lb.send(h)
		if c, err := dial(t, lb.addr(), "spoofer"); err == nil {
			c.Close()
			t.Fatalf("a header from an untrusted address was let in (%q)", h)
		}
	}
	eventually(t, "the refusals logged", func() bool {
		return strings.Count(serverLog(t), "not in --proxy-from") == 2
	})
	log := serverLog(t)
	if strings.Contains(log, "203.0.113.") {
		t.Errorf("the claimed address was taken:\n%s", log)
	}
	if !strings.Contains(log, "level=WARN") || !strings.Contains(log, "remote=127.0.0.1:") {
		t.Errorf("the refusal is not a warning naming the real address:\n%s", log)
	}

	c, err := dial(t, addr, "direct")
	if err != nil {
		t.Fatalf("a direct client without a header: %v", err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Swift (simulated)")
}

// From the balancer's address, a connection without a valid header is
// refused and logged, and the server goes on serving.
func TestProxyHeaderMissingOrBadRefused(t *testing.T) {
	cfg := proxyConfig(t)
	// Short: a silent balancer is refused at once; the wait is not timed.
	cfg.ProxyHeaderTimeout = 200 * time.Millisecond
	_, addr := startServer(t, cfg)

	if c, err := dial(t, addr, "no-header"); err == nil {
		c.Close()
		t.Fatal("a connection without a header from the balancer's address was let in")
	}
	for _, in := range []string{
		"PROXY TCP4 203.0.113.7\r\n",                  // malformed
		"PROXY TCP4 203.0.113.7 127.0.0.1 1 2",        // cut short, then silent
		string(v2Header(1, 0x11, make([]byte, 3000))), // oversized
	} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(c, in); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(waitLimit))
		// Closed with bytes unread, the socket may be reset rather than
		// shut: either way, not a byte of SSH.
		if b, err := io.ReadAll(c); (err != nil && !errors.Is(err, syscall.ECONNRESET)) || len(b) != 0 {
			t.Errorf("after %.30q: read %q, %v; want the connection closed unanswered", in, b, err)
		}
		c.Close()
	}
	eventually(t, "every refusal logged", func() bool {
		log := serverLog(t)
		return strings.Contains(log, `no PROXY header: the connection starts with \"SSH-2.0-Go`) &&
			strings.Contains(log, "wants PROXY TCP4|TCP6|UNKNOWN") &&
			strings.Contains(log, "no PROXY header in time") &&
			strings.Contains(log, "3000 bytes of addresses and TLVs")
	})

	lb := startHeaderProxy(t, addr)
	lb.send([]byte("PROXY TCP4 198.51.100.4 127.0.0.1 40001 23234\r\n"))
	c, err := dial(t, lb.addr(), "after")
	if err != nil {
		t.Fatalf("a good header after the bad ones: %v", err)
	}
	tm := openTerminal(t, c, "xterm", 100, 30, nil)
	tm.waitFor("Swift (simulated)")
}

// A balancer's health check (a v2 LOCAL header, the server's version
// read, hang up) is no client: its address is the balancer's, and its
// hang-up is not logged as a refused connection.
func TestProxyLocalHealthCheck(t *testing.T) {
	cfg := proxyConfig(t)
	srv, addr := startServer(t, cfg)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(v2Header(0, 0, nil)); err != nil {
		t.Fatal(err)
	}
	if v, err := serverVersion(c, waitLimit); err != nil || !strings.HasPrefix(v, "SSH-2.0-fanout") {
		t.Fatalf("server version %q, %v", v, err)
	}
	c.Close()
	eventually(t, "the health check's connection released", func() bool {
		srv.conns.mu.Lock()
		defer srv.conns.mu.Unlock()
		return srv.conns.all.zero()
	})
	if log := serverLog(t); strings.Contains(log, "connection refused") {
		t.Errorf("a health check logged as a refused connection:\n%s", log)
	}
}

// New refuses the PROXY protocol with no balancer to trust: trusting
// every address would let any client name any address.
func TestProxyProtocolNeedsProxyFrom(t *testing.T) {
	cfg := testConfig(t)
	cfg.ProxyProtocol = true
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "ProxyFrom") {
		t.Errorf("New: %v, want an error naming ProxyFrom", err)
	}
}
