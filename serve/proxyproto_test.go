package serve

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"
)

// v2Header builds a v2 header: cmd 0 LOCAL, 1 PROXY; famProto as the
// spec's 14th byte; body the addresses and TLVs.
func v2Header(cmd, famProto byte, body []byte) []byte {
	h := append([]byte{}, proxyV2Sig...)
	h = append(h, 0x20|cmd, famProto)
	h = binary.BigEndian.AppendUint16(h, uint16(len(body)))
	return append(h, body...)
}

// v2TCP4 is a v2 PROXY header for TCP over IPv4.
func v2TCP4(src, dst netip.AddrPort, tlvs ...byte) []byte {
	var b []byte
	b = append(b, src.Addr().AsSlice()...)
	b = append(b, dst.Addr().AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	return v2Header(1, 0x11, append(b, tlvs...))
}

func v2TCP6(src, dst netip.AddrPort) []byte {
	var b []byte
	b = append(b, src.Addr().AsSlice()...)
	b = append(b, dst.Addr().AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	return v2Header(1, 0x21, b)
}

const sshStart = "SSH-2.0-OpenSSH_9.2\r\n"

// Every valid header is read whole and nothing past it: the client's SSH
// stream that follows is left for the server.
func TestReadProxyHeader(t *testing.T) {
	ap := netip.MustParseAddrPort
	// An AUTHORITY TLV (0x02), as HAProxy may add.
	tlv := []byte{0x02, 0x00, 0x04, 'h', 'o', 's', 't'}
	cases := []struct {
		name string
		in   []byte
		want proxyHeader
	}{
		{"v1 TCP4", []byte("PROXY TCP4 203.0.113.7 10.0.0.2 40001 23234\r\n"),
			proxyHeader{version: 1, src: ap("203.0.113.7:40001"), dst: ap("10.0.0.2:23234")}},
		{"v1 TCP6", []byte("PROXY TCP6 2001:db8::7 2001:db8::1 65535 22\r\n"),
			proxyHeader{version: 1, src: ap("[2001:db8::7]:65535"), dst: ap("[2001:db8::1]:22")}},
		{"v1 port 0", []byte("PROXY TCP4 203.0.113.7 10.0.0.2 0 22\r\n"),
			proxyHeader{version: 1, src: ap("203.0.113.7:0"), dst: ap("10.0.0.2:22")}},
		{"v1 UNKNOWN", []byte("PROXY UNKNOWN\r\n"), proxyHeader{version: 1, local: true}},
		{"v1 UNKNOWN with addresses", []byte("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"), proxyHeader{version: 1, local: true}},
		{"v1 longest", []byte("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
			proxyHeader{version: 1, src: ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"), dst: ap("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535")}},
		{"v2 TCP4", v2TCP4(ap("203.0.113.7:40001"), ap("10.0.0.2:23234")),
			proxyHeader{version: 2, src: ap("203.0.113.7:40001"), dst: ap("10.0.0.2:23234")}},
		{"v2 TCP4 with a TLV", v2TCP4(ap("198.51.100.1:1"), ap("10.0.0.2:2"), tlv...),
			proxyHeader{version: 2, src: ap("198.51.100.1:1"), dst: ap("10.0.0.2:2")}},
		{"v2 TCP6", v2TCP6(ap("[2001:db8::7]:40001"), ap("[2001:db8::1]:22")),
			proxyHeader{version: 2, src: ap("[2001:db8::7]:40001"), dst: ap("[2001:db8::1]:22")}},
		{"v2 LOCAL", v2Header(0, 0x00, nil), proxyHeader{version: 2, local: true}},
		{"v2 LOCAL with addresses", v2Header(0, 0x11, make([]byte, 12)), proxyHeader{version: 2, local: true}},
		{"v2 UNSPEC", v2Header(1, 0x00, nil), proxyHeader{version: 2, local: true}},
		{"v2 UNIX", v2Header(1, 0x31, make([]byte, 216)), proxyHeader{version: 2, local: true}},
		{"v2 UDP", v2Header(1, 0x12, make([]byte, 12)), proxyHeader{version: 2, local: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := bufio.NewReaderSize(bytes.NewReader(append(c.in, sshStart...)), 16+proxyV2MaxBody)
			got, err := readProxyHeader(r)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
			rest, _ := io.ReadAll(r)
			if string(rest) != sshStart {
				t.Errorf("left %q after the header, want the SSH stream %q", rest, sshStart)
			}
		})
	}
}

// A header that is not one, not whole, too long or wrong is an error
// that says what is wrong, and never a guess at an address.
func TestReadProxyHeaderRefuses(t *testing.T) {
	ap := netip.MustParseAddrPort
	good := v2TCP4(ap("203.0.113.7:40001"), ap("10.0.0.2:23234"))
	badVersion := append([]byte{}, good...)
	badVersion[12] = 0x11
	badCommand := append([]byte{}, good...)
	badCommand[12] = 0x22
	badFamily := append([]byte{}, good...)
	badFamily[13] = 0x41
	badSig := append([]byte{}, good...)
	badSig[11] = 'X'
	cases := []struct {
		name, in, want string
	}{
		{"nothing", "", errNoProxyHeader.Error()},
		{"SSH without a header", sshStart, `no PROXY header: the connection starts with "SSH-2.0-OpenSSH_"`},
		{"v1 LF only", "PROXY TCP4 203.0.113.7 10.0.0.2 1 2\n", "does not end with CRLF"},
		{"v1 not PROXY", "PROXX TCP4 203.0.113.7 10.0.0.2 1 2\r\n", `does not start with "PROXY "`},
		{"v1 lower case", "proxy TCP4 203.0.113.7 10.0.0.2 1 2\r\n", "no PROXY header"},
		{"v1 unknown protocol", "PROXY UDP4 203.0.113.7 10.0.0.2 1 2\r\n", `unknown protocol "UDP4"`},
		{"v1 too few fields", "PROXY TCP4 203.0.113.7 10.0.0.2 1\r\n", "wants PROXY TCP4|TCP6|UNKNOWN"},
		{"v1 two spaces", "PROXY TCP4  203.0.113.7 10.0.0.2 1 2\r\n", "wants PROXY"},
		{"v1 IPv6 in TCP4", "PROXY TCP4 2001:db8::7 10.0.0.2 1 2\r\n", `"2001:db8::7" is not an IPv4 address`},
		{"v1 IPv4 in TCP6", "PROXY TCP6 203.0.113.7 2001:db8::1 1 2\r\n", `"203.0.113.7" is not an IPv6 address`},
		{"v1 bad address", "PROXY TCP4 203.0.113.700 10.0.0.2 1 2\r\n", "is not an"},
		{"v1 zoned address", "PROXY TCP6 fe80::1%eth0 fe80::2 1 2\r\n", "is not an"},
		{"v1 port too big", "PROXY TCP4 203.0.113.7 10.0.0.2 65536 2\r\n", `"65536" is not a port`},
		{"v1 port with a zero", "PROXY TCP4 203.0.113.7 10.0.0.2 080 2\r\n", `"080" is not a port`},
		{"v1 port signed", "PROXY TCP4 203.0.113.7 10.0.0.2 +80 2\r\n", `"+80" is not a port`},
		{"v1 oversized", "PROXY TCP4 " + strings.Repeat("1", 200) + "\r\n", "no line end within 107 bytes"},
		{"v1 truncated", "PROXY TCP4 203.0.113.7 10.0", "cut short after 27 bytes"},
		{"v2 truncated signature", "\r\n\r\n\x00\r\n", "cut short after 7 of 16 bytes"},
		{"v2 bad signature", string(badSig), "no PROXY header"},
		{"v2 blank lines", "\r\n\r\nSSH-2.0-x\r\n", "no PROXY header"},
		{"v2 version 1", string(badVersion), "version 1, want 2"},
		{"v2 unknown command", string(badCommand), "unknown command 0x2"},
		{"v2 unknown family", string(badFamily), "unknown address family"},
		{"v2 truncated addresses", string(good[:20]), "cut short after 4 of 12 address bytes"},
		{"v2 short TCP4 addresses", string(v2Header(1, 0x11, make([]byte, 8))), "8 address bytes for TCP over IPv4"},
		{"v2 short TCP6 addresses", string(v2Header(1, 0x21, make([]byte, 12))), "12 address bytes for TCP over IPv6"},
		{"v2 oversized", string(v2Header(1, 0x11, make([]byte, proxyV2MaxBody+1))), "2049 bytes of addresses and TLVs"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(c.in), 16+proxyV2MaxBody)
			h, err := readProxyHeader(r)
			if err == nil {
				t.Fatalf("read %+v, want an error", h)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q, want it to say %q", err, c.want)
			}
		})
	}
}

// The wait for a header ends with the reader's error, whatever it is (a
// deadline, on a socket).
func TestReadProxyHeaderPassesReadErrors(t *testing.T) {
	boom := errors.New("boom")
	r := bufio.NewReader(io.MultiReader(strings.NewReader("PROXY TCP4 1.2"), errReader{boom}))
	if _, err := readProxyHeader(r); !errors.Is(err, boom) {
		t.Errorf("got %v, want it to wrap %v", err, boom)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func TestParseProxyFrom(t *testing.T) {
	got, err := ParseProxyFrom("127.0.0.1, 10.0.0.0/8,2001:db8::/32,::1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"127.0.0.1/32", "10.0.0.0/8", "2001:db8::/32", "::1/128"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i].String() != want[i] {
			t.Errorf("%d: got %s, want %s", i, got[i], want[i])
		}
	}
	for in, why := range map[string]string{
		"":              "no address",
		" , ":           "no address",
		"10.0.0.1/8":    "host bits set: did you mean 10.0.0.0/8",
		"balancer":      "neither an address nor a CIDR prefix",
		"10.0.0.0/33":   "neither",
		"fe80::1%eth0":  "neither",
		"::ffff:0:0/96": "write an IPv4 prefix",
	} {
		if _, err := ParseProxyFrom(in); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseProxyFrom(%q): %v, want an error saying %q", in, err, why)
		}
	}
}

// Whatever a balancer sends, the parser returns (a header or an error)
// without panicking, and a header it accepts is never longer than the
// bounds, nor read past.
func FuzzReadProxyHeader(f *testing.F) {
	ap := netip.MustParseAddrPort
	f.Add([]byte("PROXY TCP4 203.0.113.7 10.0.0.2 40001 23234\r\n" + sshStart))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add([]byte("PROXY TCP6 2001:db8::7 2001:db8::1 65535 22\r\n"))
	f.Add(v2TCP4(ap("203.0.113.7:40001"), ap("10.0.0.2:23234"), 0x02, 0, 1, 'x'))
	f.Add(v2TCP6(ap("[2001:db8::7]:40001"), ap("[2001:db8::1]:22")))
	f.Add(v2Header(0, 0, nil))
	f.Add([]byte(sshStart))
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bufio.NewReaderSize(bytes.NewReader(in), 16+proxyV2MaxBody)
		h, err := readProxyHeader(r)
		if err != nil {
			return
		}
		used := len(in) - r.Buffered()
		if rest, _ := io.ReadAll(r); used+len(rest) != len(in) {
			t.Fatalf("lost bytes: used %d, left %d of %d", used, len(rest), len(in))
		}
		if max := 16 + proxyV2MaxBody; used > max || (h.version == 1 && used > proxyV1Max) {
			t.Fatalf("v%d header of %d bytes accepted", h.version, used)
		}
		if !h.local && (!h.src.IsValid() || !h.dst.IsValid()) {
			t.Fatalf("a PROXY header without addresses: %+v", h)
		}
	})
}

// A header is read without waiting for a byte past it: a client whose
// balancer sends the header alone, before the client has sent anything,
// is not kept waiting (the reader here fails if asked for more).
func TestReadProxyHeaderReadsNoFurther(t *testing.T) {
	ap := netip.MustParseAddrPort
	for _, h := range [][]byte{
		[]byte("PROXY TCP4 203.0.113.7 10.0.0.2 40001 23234\r\n"),
		[]byte("PROXY UNKNOWN\r\n"),
		v2TCP4(ap("203.0.113.7:40001"), ap("10.0.0.2:23234")),
		v2Header(0, 0, nil),
	} {
		more := errReader{errors.New("read past the header")}
		r := bufio.NewReader(io.MultiReader(bytes.NewReader(h), more))
		if _, err := readProxyHeader(r); err != nil {
			t.Errorf("%.20q: %v", h, err)
		}
	}
}
