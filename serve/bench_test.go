package serve

import (
	"bytes"
	"context"
	"io"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"github.com/fanout-dev/fanout/backends"
)

// seenWriter discards a session's output once it has seen want in it, so
// that the clients' buffers do not count as the server's memory.
type seenWriter struct {
	want []byte
	seen atomic.Bool
	mu   sync.Mutex
	tail []byte
}

func (w *seenWriter) Write(p []byte) (int, error) {
	if w.seen.Load() {
		return len(p), nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.tail = append(w.tail, p...)
	if bytes.Contains(w.tail, w.want) {
		w.seen.Store(true)
		w.tail = nil
	} else if len(w.tail) > 8<<10 {
		w.tail = w.tail[len(w.tail)-len(w.want):]
	}
	return len(p), nil
}

// cost is what n sessions streaming the demo models took over a window.
type cost struct {
	cores    float64 // CPU seconds per second of the window, server and clients
	heapPerS float64 // HeapInuse bytes per session
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapInuse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// measure connects n clients with a PTY, sends each a prompt for the
// default demo models, and measures the window while they stream.
func measure(b *testing.B, addr string, n int, window time.Duration) cost {
	before := heapInuse()
	var ins []io.Writer
	var ws []*seenWriter
	for range n {
		c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
			User: "bench", Auth: []gossh.AuthMethod{anonymous()},
			HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 5 * time.Second,
		})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		sess, err := c.NewSession()
		if err != nil {
			b.Fatal(err)
		}
		if err := sess.RequestPty("xterm-256color", 40, 120, gossh.TerminalModes{}); err != nil {
			b.Fatal(err)
		}
		w := &seenWriter{want: []byte("type a prompt")}
		sess.Stdout, sess.Stderr = w, w
		in, err := sess.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		if err := sess.Shell(); err != nil {
			b.Fatal(err)
		}
		ins, ws = append(ins, in), append(ws, w)
	}
	deadline := time.Now().Add(waitLimit)
	for _, w := range ws {
		for !w.seen.Load() {
			if time.Now().After(deadline) {
				b.Fatal("a session did not show its cockpit")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	cpu0, t0 := cpuTime(), time.Now()
	for _, in := range ins {
		_, _ = io.WriteString(in, "Explain backpressure in one paragraph\r")
	}
	time.Sleep(window)
	cores := float64(cpuTime()-cpu0) / float64(time.Since(t0))
	heap := float64(heapInuse()-min(before, heapInuse())) / float64(n)
	return cost{cores: cores, heapPerS: heap}
}

// BenchmarkDemoSessions measures what a demo session costs: 1 session,
// then 32, each streaming the default demo models for a few seconds.
// Run it with -benchtime 1x; the figures include the clients' own SSH work
// (same process), so they overstate the server's.
func BenchmarkDemoSessions(b *testing.B) {
	cfg := Config{
		HostKeyPath: b.TempDir() + "/host_ed25519",
		Targets:     backends.DefaultDemoTargets(),
		Open: func(t backends.Target) backends.Backend {
			return backends.Open(t, backends.Options{Getenv: func(string) string { return "" }})
		},
		MaxSessions:      64,
		MaxSessionsPerIP: 64,
		App:              "bench",
	}
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = srv.Serve(ctx, ln) }()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}()
	const window = 3 * time.Second
	for b.Loop() {
		one := measure(b, ln.Addr().String(), 1, window)
		many := measure(b, ln.Addr().String(), 32, window)
		b.ReportMetric(one.cores, "cores/1-session")
		b.ReportMetric(many.cores, "cores/32-sessions")
		b.ReportMetric(many.heapPerS/(1<<20), "MB-heap/session")
		if one.cores > 0 {
			b.ReportMetric(many.cores/32/one.cores, "per-session-cost-ratio")
		}
	}
}
