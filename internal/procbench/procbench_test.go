//go:build linux

package procbench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/fanout-dev/fanout/internal/mdcorpus"
	"github.com/fanout-dev/fanout/internal/testserver"
)

// BenchmarkProcess runs the fanout binary in a 200×50 pseudo-terminal
// against a loopback OpenAI-compatible server and measures the whole
// process: start-up, 3 s idle, typing the prompt, the stream, and quitting.
// It reports the process's CPU time (user + system, from the kernel), and
// how long after the server sent the last token every pane showed "done".
//
//	go test -run '^$' -bench Process -benchtime 1x ./internal/procbench/
//	go test -run '^$' -bench 'Process/panes=1/shape=table' -benchtime 1x ./internal/procbench/
//
// FANOUT_BENCH_PROFILE=DIR writes a CPU profile of every fanout run there
// (go tool pprof -top DIR/FILE); the baseline binary predates the profile
// switch and writes none.
//
// Beside it, in the same run: "today's path", the fanout binary built from
// the commit before issue 11 (baselineRef; FANOUT_BENCH_BASELINE=REF picks
// another, =none skips it), and "the floor", a minimal Bubble Tea program
// redrawing one bordered box of plain text at 60 fps for as long as the
// stream lasts (testdata/floor). The binaries are built first, untimed.
//
// Cases: one pane at 500 tok/s for 8,000 tokens (16 s), and 8 panes at
// 1,000 tok/s for 4,000 tokens each (4 s), for each corpus of mdcorpus,
// 8 tokens a delta.
func BenchmarkProcess(b *testing.B) {
	bins := buildAll(b)
	cases := []struct {
		panes  int
		rate   float64
		tokens int
	}{{1, 500, 8000}, {8, 1000, 4000}}
	for _, c := range cases {
		b.Run(fmt.Sprintf("panes=%d", c.panes), func(b *testing.B) {
			var floor float64
			floorDone := false
			for _, shape := range mdcorpus.Shapes {
				b.Run("shape="+string(shape), func(b *testing.B) {
					deltas := corpusDeltas(shape, c.tokens)
					streamFor := time.Duration(float64(c.tokens) / c.rate * float64(time.Second))
					if !floorDone {
						floor = runFloor(b, bins.floor, streamFor).Seconds()
						floorDone = true
					}
					var now, old run
					for b.Loop() {
						now = runFanout(b, bins.fanout, c.panes, deltas, c.rate)
						if bins.baseline != "" {
							old = runFanout(b, bins.baseline, c.panes, deltas, c.rate)
						}
					}
					refuseDegenerate(b, now, c.panes)
					b.ReportMetric(now.cpu.Seconds(), "cpu-s")
					b.ReportMetric(now.cpu.Seconds()/floor, "x-floor")
					b.ReportMetric(now.doneAfter.Seconds(), "done-after-s")
					line := fmt.Sprintf("%d pane(s) × %.0f tok/s, %d tokens each, %s: fanout %.2f CPU-s, every pane done %.2f s after the last token; floor %.2f CPU-s (%.1fx)",
						c.panes, c.rate, c.tokens, shape, now.cpu.Seconds(), now.doneAfter.Seconds(), floor, now.cpu.Seconds()/floor)
					if bins.baseline != "" {
						b.ReportMetric(old.cpu.Seconds(), "today-cpu-s")
						b.ReportMetric(old.cpu.Seconds()/now.cpu.Seconds(), "x-less-cpu-than-today")
						done := "never shown done in the run"
						if old.done {
							done = fmt.Sprintf("done %.2f s after", old.doneAfter.Seconds())
						}
						line += fmt.Sprintf("; today's path (%s) %.2f CPU-s, %s (%.1fx more CPU)", bins.baselineRef, old.cpu.Seconds(), done, old.cpu.Seconds()/now.cpu.Seconds())
					}
					b.Log(line)
				})
			}
		})
	}
}

// baselineRef is the last commit before issue 11's work: the stable prefix
// at blank lines only, every pane composed anew each frame.
const baselineRef = "3c20b4d"

type binaries struct {
	fanout, baseline, floor string
	baselineRef             string
}

// buildAll builds fanout from this tree, the floor program and, unless
// told not to, fanout at the baseline commit (from a temporary git
// worktree).
func buildAll(b *testing.B) binaries {
	b.Helper()
	dir := b.TempDir()
	root := moduleRoot(b)
	bins := binaries{fanout: filepath.Join(dir, "fanout"), floor: filepath.Join(dir, "floor")}
	build(b, root, bins.fanout, ".")
	build(b, root, bins.floor, "./internal/procbench/testdata/floor")
	ref := os.Getenv("FANOUT_BENCH_BASELINE")
	if ref == "" {
		ref = baselineRef
	}
	if ref == "none" {
		return bins
	}
	wt := filepath.Join(dir, "baseline-src")
	if out, err := exec.Command("git", "-C", root, "worktree", "add", "--detach", wt, ref).CombinedOutput(); err != nil {
		b.Logf("no baseline: git worktree add %s: %v: %s", ref, err, bytes.TrimSpace(out))
		return bins
	}
	b.Cleanup(func() { _ = exec.Command("git", "-C", root, "worktree", "remove", "--force", wt).Run() })
	bins.baseline, bins.baselineRef = filepath.Join(dir, "fanout-baseline"), ref
	build(b, wt, bins.baseline, ".")
	return bins
}

func build(b *testing.B, dir, out, pkg string) {
	b.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = dir
	if o, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s in %s: %v\n%s", pkg, dir, err, o)
	}
}

func moduleRoot(b *testing.B) string {
	b.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		b.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}

// corpusDeltas is the first tokens of a corpus, 8 tokens a delta.
func corpusDeltas(shape mdcorpus.Shape, tokens int) []string {
	toks := mdcorpus.Tokens(mdcorpus.Text(shape))
	toks = toks[:min(tokens, len(toks))]
	var out []string
	for i := 0; i < len(toks); i += 8 {
		out = append(out, strings.Join(toks[i:min(i+8, len(toks))], ""))
	}
	return out
}

// run is what one process did.
type run struct {
	cpu       time.Duration // user + system, whole process
	done      bool          // every pane was shown done
	doneAfter time.Duration // from the last token sent to every pane shown done
	delivered int           // deltas the server sent, over all panes
	offered   int
	output    int // bytes the process wrote to the terminal
}

// refuseDegenerate fails a benchmark whose run did not stream what it was
// meant to: a ratio from such a run would be meaningless.
func refuseDegenerate(b *testing.B, r run, panes int) {
	b.Helper()
	switch {
	case r.delivered < r.offered*9/10:
		b.Fatalf("degenerate run: the server delivered %d of %d deltas; no figures reported", r.delivered, r.offered)
	case !r.done:
		b.Fatalf("degenerate run: not every one of %d panes was shown done within the grace period (%d bytes written to the terminal); no figures reported", panes, r.output)
	}
}

const (
	idle  = 3 * time.Second          // before typing, as a user reads the screen
	grace = 10 * time.Second         // after the last token, for the screen to show done
	size  = 200                      // terminal columns
	rows  = 50                       // terminal rows
	key   = "sk-procbench-not-a-key" // the loopback server ignores it
)

// runFanout starts the binary with panes models on a fresh loopback
// server that streams deltas at rate tokens/s (8 tokens a delta) to each,
// types a prompt after idle, waits for every pane to show done, quits,
// and reads the process's CPU time.
func runFanout(b *testing.B, bin string, panes int, deltas []string, rate float64) run {
	b.Helper()
	var (
		mu       sync.Mutex
		lastSent time.Time
		sent     int
	)
	interval := time.Duration(8 / rate * float64(time.Second))
	srv := testserver.NewOpenAI(b, testserver.Func("corpus", func(s *testserver.Stream) bool {
		start := time.Now()
		for i, d := range deltas {
			if !s.Wait(time.Until(start.Add(time.Duration(i) * interval))) {
				return false
			}
			chunk, _ := json.Marshal(map[string]any{
				"id": "c", "object": "chat.completion.chunk", "model": "corpus",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": d}}},
			})
			if !s.Write([]byte("data: " + string(chunk) + "\n\n")) {
				return false
			}
			mu.Lock()
			sent++
			mu.Unlock()
		}
		fin := `data: {"id":"c","object":"chat.completion.chunk","model":"corpus","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n" +
			`data: {"id":"c","object":"chat.completion.chunk","model":"corpus","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":` + fmt.Sprint(len(deltas)*8) + `,"total_tokens":` + fmt.Sprint(12+len(deltas)*8) + `}}` + "\n\n" +
			"data: [DONE]\n\n"
		ok := s.Write([]byte(fin))
		mu.Lock()
		lastSent = time.Now()
		mu.Unlock()
		return ok
	}))

	dir := b.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "sessions_dir = %q\n", filepath.Join(dir, "sessions"))
	var args []string
	for i := range panes {
		fmt.Fprintf(&cfg, "[models.p%d]\nprovider = \"openai\"\nmodel = \"corpus-%d\"\nbase_url = %q\napi_key_env = \"PROCBENCH_KEY\"\n", i+1, i+1, srv.URL())
		fmt.Fprintf(&cfg, "[prices.p%d]\ninput = 1\noutput = 2\n", i+1)
		args = append(args, "-m", fmt.Sprintf("p%d", i+1))
	}
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"--config", cfgPath, "--theme", "dark"}, args...)...)
	cmd.Env = []string{
		"HOME=" + dir, "TERM=xterm-256color", "COLORTERM=truecolor",
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"), "XDG_STATE_HOME=" + filepath.Join(dir, "state"),
		"XDG_DATA_HOME=" + filepath.Join(dir, "data"), "PROCBENCH_KEY=" + key, "PATH=" + os.Getenv("PATH"),
	}
	if out := os.Getenv("FANOUT_BENCH_PROFILE"); out != "" {
		// A CPU profile of each run, named after the case and the binary.
		name := strings.NewReplacer("/", "_", "=", "-").Replace(b.Name()) + "." + filepath.Base(bin) + ".prof"
		cmd.Env = append(cmd.Env, "FANOUT_CPUPROFILE="+filepath.Join(out, name))
	}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: size, Rows: rows})
	if err != nil {
		b.Fatalf("start %s in a pty: %v", bin, err)
	}
	defer tty.Close()

	// The terminal's output, read as it comes (the program would block on
	// a full pty otherwise), searched for "done" once the stream ended.
	screen := &watcher{}
	go func() { _, _ = io.Copy(screen, tty) }()

	time.Sleep(idle)
	_, _ = tty.Write([]byte("benchmark: stream the corpus\r"))

	var r run
	r.offered = panes * len(deltas)
	deadline := time.Now().Add(time.Duration(float64(len(deltas))*float64(interval)) + idle + grace)
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		mu.Lock()
		end, n := lastSent, sent
		mu.Unlock()
		r.delivered = n
		if end.IsZero() || n < r.offered {
			continue
		}
		if at, ok := screen.doneSince(end, panes); ok {
			r.done, r.doneAfter = true, max(0, at.Sub(end))
			break
		}
	}
	// Quit: ctrl+c twice (the first may only cancel), then wait.
	_, _ = tty.Write([]byte{3})
	time.Sleep(200 * time.Millisecond)
	_, _ = tty.Write([]byte{3})
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
		b.Logf("%s did not quit on ctrl+c; killed", filepath.Base(bin))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	r.output = screen.total()
	return r
}

// runFloor runs the floor program for d after the same idle time and
// returns its CPU time.
func runFloor(b *testing.B, bin string, d time.Duration) time.Duration {
	b.Helper()
	cmd := exec.Command(bin, (idle + d).String())
	cmd.Env = []string{"TERM=xterm-256color", "COLORTERM=truecolor", "HOME=" + b.TempDir()}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Cols: size, Rows: rows})
	if err != nil {
		b.Fatalf("start the floor program: %v", err)
	}
	defer tty.Close()
	go func() { _, _ = io.Copy(io.Discard, tty) }()
	if err := cmd.Wait(); err != nil {
		b.Fatalf("the floor program: %v", err)
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// watcher counts the bytes the program writes and notes when it wrote
// "done" (a pane's status once its answer is complete), and how often.
type watcher struct {
	mu    sync.Mutex
	dones []doneWrite
	n     int
}

type doneWrite struct {
	at    time.Time
	count int
}

func (w *watcher) Write(p []byte) (int, error) {
	now := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.n += len(p)
	if c := bytes.Count(p, []byte("done")); c > 0 {
		w.dones = append(w.dones, doneWrite{now, c})
	}
	return len(p), nil
}

// doneSince returns when "done" had been written panes times since t.
func (w *watcher) doneSince(t time.Time, panes int) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, d := range w.dones {
		if d.at.Before(t) {
			continue
		}
		if n += d.count; n >= panes {
			return d.at, true
		}
	}
	return time.Time{}, false
}

func (w *watcher) total() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}
