package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The PROXY protocol (HAProxy's proxy-protocol.txt, versions 1 and 2):
// a load balancer that relays TCP sends one header before the client's
// first byte, naming the client's address. It is read here rather than
// with a library because the rule that matters — who may send it — is
// ours, and the parser is small.

// v1 is one line of text; the spec caps it at 107 bytes with its CRLF.
const proxyV1Max = 107

// proxyV2Sig opens every version 2 header.
var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// proxyV2MaxBody bounds what follows the 16 fixed bytes of a v2 header:
// addresses (36 bytes for TCP over IPv6, 216 for UNIX sockets) and the
// TLVs a balancer may add (unique id, ALPN, TLS details). The format
// allows 64 KiB; nothing this server needs comes near 2 KiB, and a
// bound keeps a broken balancer from having it buffer more.
const proxyV2MaxBody = 2048

// proxyHeader is what a header says about a connection.
type proxyHeader struct {
	version int
	// local is set for a v2 LOCAL command (the balancer's own connection,
	// such as a health check) and for v1 UNKNOWN: there is no client
	// behind it, and the socket's own addresses stand.
	local bool
	// src and dst are the client's address and the one it connected to,
	// when not local.
	src, dst netip.AddrPort
}

// errNoProxyHeader is a connection that closed before sending a byte: a
// balancer's plain TCP health check does just that.
var errNoProxyHeader = errors.New("connection closed before its PROXY header")

// readProxyHeader reads one PROXY header, v1 or v2, from r and nothing
// past it: what follows is the client's SSH stream, left in r.
func readProxyHeader(r *bufio.Reader) (proxyHeader, error) {
	first, err := r.Peek(1)
	if err != nil {
		// Closed or reset (HAProxy's plain connect check resets) without
		// a byte: no client was there.
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return proxyHeader{}, errNoProxyHeader
		}
		return proxyHeader{}, fmt.Errorf("read PROXY header: %w", err)
	}
	switch first[0] {
	case 'P':
		return readProxyV1(r)
	case '\r':
		return readProxyV2(r)
	}
	return proxyHeader{}, fmt.Errorf("no PROXY header: the connection starts with %s", quoteStart(r))
}

// quoteStart shows the first bytes buffered in r, for a log line.
func quoteStart(r *bufio.Reader) string {
	b, _ := r.Peek(min(r.Buffered(), 16))
	return strconv.Quote(string(b))
}

func readProxyV1(r *bufio.Reader) (proxyHeader, error) {
	// The line ends at the first LF; a header longer than the cap is
	// refused without waiting for the rest of it.
	var line []byte
	for {
		// Look in what has arrived first; wait for more only when the
		// line end is not in it.
		b, _ := r.Peek(min(r.Buffered(), proxyV1Max))
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			line = b[:i+1]
			break
		}
		if len(b) >= proxyV1Max {
			return proxyHeader{}, fmt.Errorf("PROXY v1 header: no line end within %d bytes", proxyV1Max)
		}
		if _, err := r.Peek(len(b) + 1); err != nil {
			return proxyHeader{}, fmt.Errorf("PROXY v1 header: cut short after %d bytes: %w", r.Buffered(), err)
		}
	}
	h, err := parseProxyV1(string(line))
	if err != nil {
		return proxyHeader{}, err
	}
	_, _ = r.Discard(len(line))
	return h, nil
}

// parseProxyV1 parses one v1 line, CRLF included.
func parseProxyV1(line string) (proxyHeader, error) {
	bad := func(why string) (proxyHeader, error) {
		return proxyHeader{}, fmt.Errorf("PROXY v1 header %s: %s", strconv.Quote(line), why)
	}
	body, ok := strings.CutSuffix(line, "\r\n")
	if !ok {
		return bad("does not end with CRLF")
	}
	f := strings.Split(body, " ")
	if f[0] != "PROXY" {
		return bad(`does not start with "PROXY "`)
	}
	if len(f) >= 2 && f[1] == "UNKNOWN" {
		// The rest of the line, if any, is to be ignored.
		return proxyHeader{version: 1, local: true}, nil
	}
	if len(f) != 6 {
		return bad("wants PROXY TCP4|TCP6|UNKNOWN SRC DST SPORT DPORT")
	}
	var want6 bool
	switch f[1] {
	case "TCP4":
	case "TCP6":
		want6 = true
	default:
		return bad(fmt.Sprintf("unknown protocol %q", f[1]))
	}
	h := proxyHeader{version: 1}
	for i, dst := range []*netip.AddrPort{&h.src, &h.dst} {
		ip, err := netip.ParseAddr(f[2+i])
		if err != nil || ip.Zone() != "" || ip.Is4() == want6 {
			return bad(fmt.Sprintf("%q is not an IPv%s address", f[2+i], f[1][3:]))
		}
		port, err := parsePort(f[4+i])
		if err != nil {
			return bad(err.Error())
		}
		*dst = netip.AddrPortFrom(ip, port)
	}
	return h, nil
}

// parsePort reads a decimal port, without sign or leading zeros, as the
// spec asks.
func parsePort(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("%q is not a port", s)
	}
	return uint16(n), nil
}

func readProxyV2(r *bufio.Reader) (proxyHeader, error) {
	var fixed [16]byte
	if n, err := io.ReadFull(r, fixed[:]); err != nil {
		if n > 0 && !bytes.HasPrefix(proxyV2Sig, fixed[:min(n, len(proxyV2Sig))]) {
			return proxyHeader{}, fmt.Errorf("no PROXY header: the connection starts with %q", fixed[:n])
		}
		return proxyHeader{}, fmt.Errorf("PROXY v2 header: cut short after %d of 16 bytes: %w", n, err)
	}
	if !bytes.Equal(fixed[:12], proxyV2Sig) {
		return proxyHeader{}, fmt.Errorf("no PROXY header: the connection starts with %q", fixed[:])
	}
	if v := fixed[12] >> 4; v != 2 {
		return proxyHeader{}, fmt.Errorf("PROXY v2 header: version %d, want 2", v)
	}
	cmd, fam, proto := fixed[12]&0xf, fixed[13]>>4, fixed[13]&0xf
	n := int(binary.BigEndian.Uint16(fixed[14:]))
	if n > proxyV2MaxBody {
		return proxyHeader{}, fmt.Errorf("PROXY v2 header: %d bytes of addresses and TLVs, more than the %d accepted", n, proxyV2MaxBody)
	}
	if cmd > 1 {
		return proxyHeader{}, fmt.Errorf("PROXY v2 header: unknown command %#x", cmd)
	}
	if fam > 3 || proto > 2 {
		return proxyHeader{}, fmt.Errorf("PROXY v2 header: unknown address family/protocol %#x", fixed[13])
	}
	body := make([]byte, n)
	if got, err := io.ReadFull(r, body); err != nil {
		return proxyHeader{}, fmt.Errorf("PROXY v2 header: cut short after %d of %d address bytes: %w", got, n, err)
	}
	h := proxyHeader{version: 2}
	const local, stream, inet, inet6 = 0, 1, 1, 2
	if cmd == local {
		// A connection of the balancer's own: the addresses, if any, are
		// to be ignored.
		h.local = true
		return h, nil
	}
	switch {
	case fam == inet && proto == stream:
		if n < 12 {
			return proxyHeader{}, fmt.Errorf("PROXY v2 header: %d address bytes for TCP over IPv4, want 12", n)
		}
		h.src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[0:4])), binary.BigEndian.Uint16(body[8:]))
		h.dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(body[4:8])), binary.BigEndian.Uint16(body[10:]))
	case fam == inet6 && proto == stream:
		if n < 36 {
			return proxyHeader{}, fmt.Errorf("PROXY v2 header: %d address bytes for TCP over IPv6, want 36", n)
		}
		h.src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[0:16])), binary.BigEndian.Uint16(body[32:]))
		h.dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(body[16:32])), binary.BigEndian.Uint16(body[34:]))
	default:
		// UNSPEC, UNIX sockets, UDP: the spec has the receiver accept the
		// connection and keep the socket's own addresses.
		h.local = true
	}
	return h, nil
}

// proxiedConn is a connection that came through a balancer: its remote
// address is the client's, from the header, and what the balancer sent
// past the header is read from r first.
type proxiedConn struct {
	net.Conn
	r      *bufio.Reader
	remote net.Addr
}

func (c *proxiedConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *proxiedConn) RemoteAddr() net.Addr       { return c.remote }

// balancerAddr is the remote address of a connection the balancer made on
// its own (a health check, a header with no client in it): the socket's,
// marked so that its failed handshake is not logged as a client's.
type balancerAddr struct{ *net.TCPAddr }

// refuseHeaderConn is a connection from an address not trusted to send
// PROXY headers: one that opens with a header anyway is refused, so that
// a client reaching the server directly cannot claim another address,
// and an operator whose --proxy-from misses the balancer finds out at
// once rather than seeing every client as the balancer.
type refuseHeaderConn struct {
	net.Conn
	checked bool
}

func (c *refuseHeaderConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if c.checked || n == 0 {
		return n, err
	}
	// An SSH client opens with "SSH-"; the first byte tells a header from
	// it (RFC 4253 lets only servers send lines before their version).
	// The server's connection-failed log says why.
	c.checked = true
	if bytes.HasPrefix([]byte("PROXY "), p[:min(n, 6)]) || bytes.HasPrefix(proxyV2Sig, p[:min(n, len(proxyV2Sig))]) {
		return 0, errUntrustedHeader
	}
	return n, err
}

var errUntrustedHeader = errors.New("a PROXY header from an address not in --proxy-from (only the balancer may name the client's address)")

// DefaultProxyHeaderTimeout bounds the wait for a PROXY header: a
// balancer sends it as soon as it has connected.
const DefaultProxyHeaderTimeout = 5 * time.Second

// unwrapProxy reads the PROXY header of a connection from a trusted
// balancer and returns the connection as the client's; a connection from
// anywhere else is returned as it is, refused if it sends a header. nil
// refuses the connection (it is logged why).
func (s *Server) unwrapProxy(c net.Conn) net.Conn {
	peer := addrOf(c.RemoteAddr())
	if !s.trustedProxy(peer) {
		return &refuseHeaderConn{Conn: c}
	}
	// A balancer that connects and stays silent holds no more than this
	// goroutine, for no longer than the timeout or the shutdown.
	_ = c.SetReadDeadline(time.Now().Add(s.cfg.ProxyHeaderTimeout))
	stop := context.AfterFunc(s.down, func() { _ = c.SetReadDeadline(time.Now()) })
	r := bufio.NewReaderSize(c, 16+proxyV2MaxBody)
	h, err := readProxyHeader(r)
	stop()
	if err == nil {
		err = c.SetReadDeadline(time.Time{})
	}
	if err != nil {
		switch {
		case s.down.Err() != nil:
			s.log.Debug("closed before its PROXY header: shutting down", "peer", c.RemoteAddr().String())
		case errors.Is(err, errNoProxyHeader):
			// A plain TCP health check.
			s.log.Debug("closed before a PROXY header", "peer", c.RemoteAddr().String())
		case errors.Is(err, os.ErrDeadlineExceeded):
			s.log.Warn("refused: no PROXY header in time", "peer", c.RemoteAddr().String(), "within", s.cfg.ProxyHeaderTimeout.String())
		default:
			s.log.Warn("refused: bad PROXY header", "peer", c.RemoteAddr().String(), "reason", err.Error())
		}
		return nil
	}
	pc := &proxiedConn{Conn: c, r: r}
	if h.local {
		pc.remote = balancerAddr{net.TCPAddrFromAddrPort(netip.AddrPortFrom(peer, portOf(c.RemoteAddr())))}
	} else {
		pc.remote = net.TCPAddrFromAddrPort(netip.AddrPortFrom(h.src.Addr().Unmap(), h.src.Port()))
	}
	s.log.Debug("PROXY header", "remote", pc.remote.String(), "peer", c.RemoteAddr().String(), "version", h.version, "local", h.local)
	return pc
}

// trustedProxy reports whether peer may send PROXY headers.
func (s *Server) trustedProxy(peer netip.Addr) bool {
	for _, p := range s.cfg.ProxyFrom {
		if p.Contains(peer) {
			return true
		}
	}
	return false
}

// addrOf is a socket address's IP, IPv4 unmapped.
func addrOf(a net.Addr) netip.Addr {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.AddrPort().Addr().Unmap()
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}

func portOf(a net.Addr) uint16 {
	if ta, ok := a.(*net.TCPAddr); ok {
		return uint16(ta.Port)
	}
	return 0
}

// ParseProxyFrom reads the addresses trusted to send PROXY headers:
// CIDR prefixes or single addresses, comma-separated.
func ParseProxyFrom(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			if p != p.Masked() {
				return nil, fmt.Errorf("%q has host bits set: did you mean %s?", f, p.Masked())
			}
			if p.Addr().Is4In6() {
				return nil, fmt.Errorf("%q: write an IPv4 prefix as a.b.c.d/n", f)
			}
			out = append(out, p)
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil || ip.Zone() != "" {
			return nil, fmt.Errorf("%q is neither an address nor a CIDR prefix", f)
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	if len(out) == 0 {
		return nil, errors.New("no address given")
	}
	return out, nil
}
