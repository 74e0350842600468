package cli

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/internal/testserver"
	"github.com/fanout-dev/fanout/session"
)

// The bench tests run `fanout bench` against loopback servers speaking
// OpenAI's wire format, through the real go-openai client, on a known
// schedule of delays and failures, and check the report against it.

const (
	benchTrials = 8
	tokenPace   = 15 * time.Millisecond // between the steady server's tokens
	tokens      = 6
)

// slack is how far above the server's own delay a measured time may land:
// the client's parsing and a busy machine's scheduling, more under the
// race detector (race_test.go), which slows every memory access.
var slack = 25 * time.Millisecond

// steadyDelay is the steady server's first-byte delay for counted trial k
// (1-based; request 0 is the warm-up).
func steadyDelay(k int) time.Duration {
	return 20*time.Millisecond + time.Duration(k)*10*time.Millisecond
}

// steadySchedule is the steady server's script for its n-th request: a slow
// warm-up, then answers whose first byte comes later each time, with a
// 429, a 500 and a dropped connection among them.
func steadySchedule(n int, _ testserver.Request) []testserver.Step {
	switch n {
	case 3:
		return []testserver.Step{testserver.Respond(429, `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`, "Retry-After", "1")}
	case 5:
		return []testserver.Step{testserver.Respond(500, `{"error":{"message":"internal error","type":"server_error"}}`)}
	case 7:
		return []testserver.Step{testserver.Wait(steadyDelay(n)), testserver.Content("partial"), testserver.Drop()}
	}
	delay := steadyDelay(n)
	if n == 0 {
		delay = 250 * time.Millisecond // the warm-up: counted, it would show
	}
	steps := []testserver.Step{testserver.Wait(delay)}
	for i := range tokens {
		if i > 0 {
			steps = append(steps, testserver.Wait(tokenPace))
		}
		steps = append(steps, testserver.Content(fmt.Sprintf("w%d ", i)))
	}
	return append(steps, testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 7, Completion: tokens}), testserver.Done())
}

func quickSchedule(int, testserver.Request) []testserver.Step {
	return []testserver.Step{testserver.Wait(10 * time.Millisecond), testserver.Content("All"), testserver.Wait(5 * time.Millisecond),
		testserver.Content(" good"), testserver.Wait(5 * time.Millisecond), testserver.Content("."),
		testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 7, Completion: 3}), testserver.Done()}
}

// benchSetup starts both servers and writes a config naming them.
func benchSetup(t *testing.T) (getenv func(string) string, cfg, dir string, steady, quick *testserver.OpenAI) {
	steady = testserver.NewOpenAIScheduled(t, steadySchedule)
	quick = testserver.NewOpenAIScheduled(t, quickSchedule)
	cfg = filepath.Join(t.TempDir(), "config.toml")
	writeFile(t, cfg, "[models.steady]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase_url = \""+steady.URL()+"\"\n\n"+
		"[models.quick]\nprovider = \"openai\"\nmodel = \"gpt-4o-mini\"\nbase_url = \""+quick.URL()+"\"\n")
	dir = t.TempDir()
	getenv = testEnv(t, map[string]string{"OPENAI_API_KEY": "sk-test-0123456789abcdef"})
	return getenv, cfg, dir, steady, quick
}

func decodeBench(t *testing.T, out string) bench.Report {
	t.Helper()
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not a bench report: %v\n%s", err, out)
	}
	return rep
}

func within(t *testing.T, what string, got *float64, want time.Duration) {
	t.Helper()
	lo, hi := ms(want), ms(want+slack)
	if got == nil || *got < lo || *got > hi {
		t.Errorf("%s = %v ms, want between %.1f and %.1f", what, deref(got), lo, hi)
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func deref(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

func TestBenchMatchesTheServersSchedule(t *testing.T) {
	getenv, cfg, dir, steady, quick := benchSetup(t)
	code, out, errOut := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--sessions-dir", dir,
		"-m", "steady", "-m", "quick", "-n", fmt.Sprint(benchTrials), "--seed", "42", "--goodput", "ttft=59ms", "Say something")
	if code != exitOK {
		t.Fatalf("exit %d, want 0 (each model had a successful trial, no SLO): %s", code, errOut)
	}
	rep := decodeBench(t, out)
	if rep.TrialsPerModel != benchTrials || rep.Warmup != 1 || rep.Stopped || len(rep.Models) != 2 {
		t.Fatalf("report: %+v", rep)
	}
	// One attempt per trial, never retried: each server saw the warm-up and
	// the counted trials, no more.
	if n, m := len(steady.Requests()), len(quick.Requests()); n != benchTrials+1 || m != benchTrials+1 {
		t.Errorf("requests: steady %d, quick %d, want %d each", n, m, benchTrials+1)
	}

	s := rep.Models[0]
	if s.Label != "steady" || s.Runs != benchTrials || s.OK != 5 {
		t.Errorf("steady: runs %d ok %d, want %d and 5", s.Runs, s.OK, benchTrials)
	}
	wantErrors := map[bench.ErrorClass]int{bench.ErrRateLimited: 1, bench.ErrServer: 1, bench.ErrDropped: 1}
	for _, c := range bench.ErrorClasses {
		if s.Errors[c] != wantErrors[c] {
			t.Errorf("steady errors[%s] = %d, want %d", c, s.Errors[c], wantErrors[c])
		}
	}
	if s.ErrorRate == nil || *s.ErrorRate != 3.0/8 {
		t.Errorf("error rate %v, want 3/8", deref(s.ErrorRate))
	}
	// The successful trials are 1, 2, 4, 6 and 8: first bytes after 30,
	// 40, 60, 80 and 100 ms. By linear interpolation p10 is 34, p50 60,
	// p90 92 — the warm-up's 250 ms nowhere.
	t.Logf("steady: ttft p10/p50/p90 %.1f/%.1f/%.1f ms (server 34/60/92), tpot p50 %.2f ms (server 15), itl p50 %.2f ms",
		deref(s.TTFT.P10), deref(s.TTFT.P50), deref(s.TTFT.P90), deref(s.TPOT.P50), deref(s.ITL.P50))
	within(t, "steady ttft p10", s.TTFT.P10, 34*time.Millisecond)
	within(t, "steady ttft p50", s.TTFT.P50, 60*time.Millisecond)
	within(t, "steady ttft p90", s.TTFT.P90, 92*time.Millisecond)
	within(t, "steady ttft max", s.TTFT.Max, 100*time.Millisecond)
	within(t, "steady ttft min", s.TTFT.Min, 30*time.Millisecond)
	if s.TTFT.N != 5 {
		t.Errorf("ttft over %d trials, want the 5 successful ones", s.TTFT.N)
	}
	// Six tokens 15 ms apart, the provider's exact count: TPOT is 75 ms
	// over five tokens.
	within(t, "steady tpot p50", s.TPOT.P50, tokenPace)
	within(t, "steady itl p50", s.ITL.P50, tokenPace)
	if s.ITL.N != 5*(tokens-1) {
		t.Errorf("itl pooled over %d gaps, want %d", s.ITL.N, 5*(tokens-1))
	}
	if s.TokensEstimated || s.OutputTokens.P50 == nil || *s.OutputTokens.P50 != tokens || s.InputTokens.Max == nil || *s.InputTokens.Max != 7 {
		t.Errorf("output tokens %v, input %v, estimated %v; the server counted %d and 7", deref(s.OutputTokens.P50), deref(s.InputTokens.Max), s.TokensEstimated, tokens)
	}
	// Goodput: of 8 runs, those answered within 59 ms are trials 1 and 2
	// (30, 40 ms). The limit sits just below trial 4's 60 ms, which a loaded
	// machine can only make later, and 19 ms above trial 2's, room for a
	// machine under the race detector: the count holds however slow it is.
	if s.Goodput == nil || *s.Goodput != 2.0/8 {
		t.Errorf("goodput %v, want 2/8", deref(s.Goodput))
	}
	c := s.Cost
	if c.Total == nil || c.PerRun == nil || c.PerThousand == nil || c.Source == session.CostUnknown {
		t.Fatalf("cost %+v, want known amounts", c)
	}
	if abs(*c.PerRun-*c.Total/8) > 1e-15 || abs(*c.PerThousand-*c.Total/5*1000) > 1e-12 {
		t.Errorf("cost per run %v, per 1k answers %v, of a total %v", *c.PerRun, *c.PerThousand, *c.Total)
	}

	q := rep.Models[1]
	if q.Runs != benchTrials || q.OK != benchTrials || q.ErrorRate == nil || *q.ErrorRate != 0 {
		t.Errorf("quick: %+v", q)
	}
	within(t, "quick ttft p50", q.TTFT.P50, 10*time.Millisecond)

	// Every trial is in one session file, read back to the same report.
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("session files: %v", files)
	}
	code, again, errOut := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--sessions-dir", dir, "--from", files[0])
	if code != exitOK || again != out {
		t.Errorf("--from: exit %d (%s); the report differs from the live one:\nlive:\n%s\nfrom the file:\n%s", code, errOut, out, again)
	}
}

// runBenchFile runs a small bench against the schedule and returns its
// session file, for the tests that read one back.
func runBenchFile(t *testing.T) (getenv func(string) string, cfg, file string) {
	getenv, cfg, dir, _, _ := benchSetup(t)
	code, _, errOut := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--sessions-dir", dir,
		"-m", "steady", "-m", "quick", "-n", fmt.Sprint(benchTrials), "--seed", "42", "Say something")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("session files: %v", files)
	}
	return getenv, cfg, files[0]
}

func TestBenchTrialsInterleavedWarmupsMarked(t *testing.T) {
	_, _, file := runBenchFile(t)
	f, err := session.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if f.Header.Format != session.FormatVersion || f.Header.Bench == nil || f.Header.Bench.Seed != 42 {
		t.Fatalf("header: %+v", f.Header)
	}
	want := bench.Schedule(bench.Plan{Models: 2, Prompts: 1, Trials: benchTrials, Warmup: 1, Seed: 42})
	if len(f.Trials) != len(want) {
		t.Fatalf("%d trials recorded, want %d", len(f.Trials), len(want))
	}
	orders := map[string]bool{}
	for i, tr := range f.Trials {
		w := want[i]
		if tr.Trial != w.ID || tr.Pane != w.Model || tr.Round != w.Round || tr.Warmup != (tr.Round == 0) {
			t.Errorf("trial line %d: %+v, want %+v (warm-ups are round 0)", i, tr.TrialLine, w)
		}
		if len(tr.Events) == 0 || !isEnd(tr.Events[len(tr.Events)-1]) {
			t.Errorf("trial %d: its events do not end with a done or an error", tr.Trial)
		}
		if i%2 == 1 {
			// Each round gives both models one trial.
			if f.Trials[i-1].Round != tr.Round || f.Trials[i-1].Pane == tr.Pane {
				t.Errorf("round %d: trials %+v and %+v", tr.Round, f.Trials[i-1].TrialLine, tr.TrialLine)
			}
			orders[fmt.Sprint(f.Trials[i-1].Pane, tr.Pane)] = true
		}
	}
	if len(orders) != 2 {
		t.Errorf("every round in the same order %v: the order is shuffled per round", orders)
	}
}

func isEnd(ev session.Event) bool { return ev.Type == "done" || ev.Type == "error" }

func TestBenchCSVParses(t *testing.T) {
	getenv, cfg, file := runBenchFile(t)
	code, out, errOut := runCLI(t, getenv, "", "bench", "--csv", "--config", cfg, "--from", file)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("not CSV: %v\n%s", err, out)
	}
	if len(rows) != 1+2*(benchTrials+1) || strings.Join(rows[0], ",") != strings.Join(bench.CSVHeader, ",") {
		t.Fatalf("%d rows, header %v", len(rows), rows[0])
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	outcomes := map[string]int{}
	warmups := 0
	for _, r := range rows[1:] {
		if r[col["warmup"]] == "true" {
			warmups++
			continue
		}
		if r[col["label"]] == "steady" {
			outcomes[r[col["outcome"]]+"/"+r[col["error_class"]]]++
		}
	}
	want := map[string]int{"ok/": 5, "error/rate_limited": 1, "error/server": 1, "error/dropped": 1}
	if warmups != 2 || fmt.Sprint(outcomes) != fmt.Sprint(want) {
		t.Errorf("warm-ups %d, steady's outcomes %v, want 2 and %v", warmups, outcomes, want)
	}
}

func TestBenchSLOExitStatus(t *testing.T) {
	getenv, cfg, file := runBenchFile(t)
	cases := []struct {
		slo  string
		code int
		say  string
	}{
		{"ttft_p90=1s,tpot_p50=100ms", exitOK, ""},
		{"error_rate=10%", exitFail, ""}, // steady failed 3 of 8
		{"output_tokens_per_s_p50=100000", exitFail, ""},
		{"ttft_p90=800", exitUsage, "give the unit"},
		{"latency_p90=1s", exitUsage, "unknown SLO"},
		{"ttft_p90=1s,ttft_p90=2s", exitUsage, "twice"},
	}
	for _, tc := range cases {
		code, out, errOut := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--from", file, "--slo", tc.slo)
		if code != tc.code || !strings.Contains(errOut, tc.say) {
			t.Errorf("--slo %s: exit %d, stderr %q; want %d saying %q", tc.slo, code, errOut, tc.code, tc.say)
			continue
		}
		if tc.code == exitUsage {
			continue
		}
		rep := decodeBench(t, out)
		if rep.SLOPass != (tc.code == exitOK) {
			t.Errorf("--slo %s: slo_pass %v with exit %d", tc.slo, rep.SLOPass, code)
		}
	}
	code, out, _ := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--from", file, "--slo", "error_rate=10%")
	rep := decodeBench(t, out)
	r := rep.Models[0].SLO["error_rate"]
	if code != exitFail || r == nil || r.Limit != 0.1 || r.Value == nil || *r.Value != 0.375 || r.Pass || !rep.Models[1].SLO["error_rate"].Pass {
		t.Errorf("error_rate SLO: %+v / %+v", r, rep.Models[1].SLO["error_rate"])
	}
}

func TestBenchUsageErrors(t *testing.T) {
	getenv := testEnv(t, nil)
	prompts := filepath.Join(t.TempDir(), "prompts.jsonl")
	writeFile(t, prompts, "{\"prompt\": \"a\"}\n{\"promt\": \"b\"}\n")
	cases := []struct {
		args []string
		say  string
	}{
		{[]string{"-n", "0", "hi"}, "-n must be from 1"},
		{[]string{"--concurrency", "0", "hi"}, "--concurrency must be from 1"},
		{[]string{"--json", "--csv", "hi"}, "cannot be used together"},
		{[]string{"--goodput", "latency=1s", "hi"}, "unknown metric"},
		{[]string{"--prompts", prompts}, "prompts.jsonl:2"},
		{[]string{"--from", "x", "-m", "demo:swift"}, "takes no models"},
		{[]string{}, "no prompt"},
	}
	for _, tc := range cases {
		code, _, errOut := runCLI(t, getenv, "", append([]string{"bench", "--no-save"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.say) {
			t.Errorf("bench %v: exit %d, stderr %q; want 2 saying %q", tc.args, code, errOut, tc.say)
		}
	}
}

func TestBenchFromARunIsRefused(t *testing.T) {
	dir := t.TempDir()
	getenv := testEnv(t, nil)
	if code, _, errOut := runCLI(t, getenv, "", "run", "--sessions-dir", dir, "-m", "demo:swift", "--max-tokens", "5", "hi"); code != exitOK {
		t.Fatalf("run: %d %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	code, _, errOut := runCLI(t, getenv, "", "bench", "--sessions-dir", dir, "--from", files[0])
	if code != exitUsage || !strings.Contains(errOut, "is a run, not a bench") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(files[0]); err != nil {
		t.Error(err)
	}
}

func TestBenchTrialReplaysAlone(t *testing.T) {
	getenv, cfg, file := runBenchFile(t)
	f, err := session.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	_, ms, _ := bench.FromFile(f)
	want := ms[4] // trial 5
	code, out, errOut := runCLI(t, getenv, "", "replay", "--json", "--config", cfg, "--trial", "5", file)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	ttft, _ := want.TTFT()
	if len(rep.Results) != 1 || rep.Results[0].Label != f.Header.Targets[want.Trial.Model].Label || rep.Results[0].TTFTMs == nil ||
		*rep.Results[0].TTFTMs != backends.Millis(ttft) {
		t.Errorf("trial 5 replayed as %+v, want %s's answer with TTFT %v", rep.Results, f.Header.Targets[want.Trial.Model].Label, ttft)
	}
	for _, args := range [][]string{{"replay", "--json", file}, {"replay", "--json", "--trial", "99", file}, {"export", "--format", "json", file}} {
		if code, _, errOut := runCLI(t, getenv, "", append(args, "--config", cfg)...); code != exitUsage || !strings.Contains(errOut, "trial") {
			t.Errorf("%v: exit %d, %s", args, code, errOut)
		}
	}
}

// A bench killed mid-way keeps what it recorded: the file, cut in the
// middle of a line, still reads back, its report covering the trials
// that ended and saying the bench stopped.
func TestBenchCutShortRecomputes(t *testing.T) {
	getenv, cfg, file := runBenchFile(t)
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(filepath.Dir(file), "cut.jsonl")
	writeFile(t, cut, string(raw[:len(raw)/2]))
	code, out, errOut := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--from", cut)
	if code != exitFail {
		t.Errorf("exit %d, want 1: a bench cut short is no pass (%s)", code, errOut)
	}
	rep := decodeBench(t, out)
	if !rep.Stopped || rep.Models[0].Runs >= benchTrials || rep.Models[0].Runs == 0 {
		t.Errorf("stopped %v, steady runs %d: want a stopped bench with some runs", rep.Stopped, rep.Models[0].Runs)
	}
}

func TestBenchKeepsAKeyInThePromptOut(t *testing.T) {
	const key = "sk-test-0123456789abcdef" // the key benchSetup's environment holds
	getenv, cfg, dir, _, quick := benchSetup(t)
	code, out, errOut := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--sessions-dir", dir,
		"-m", "quick", "-n", "2", "--warmup", "0", "Is "+key+" a good key?")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.jsonl"))
	raw, _ := os.ReadFile(files[0])
	if strings.Contains(out, key) || strings.Contains(errOut, key) || strings.Contains(string(raw), key) || strings.Contains(files[0], key) {
		t.Errorf("the key leaked: stdout %s\nfile %s", out, raw)
	}
	if rep := decodeBench(t, out); rep.Prompt == nil || !strings.Contains(*rep.Prompt, "[redacted]") {
		t.Errorf("prompt %v", rep.Prompt)
	}
	if n := len(quick.Requests()); n != 2 {
		t.Errorf("%d requests, want 2 (no warm-up)", n)
	}
	if _, again, _ := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--from", files[0]); again != out {
		t.Errorf("--from differs:\n%s\n%s", out, again)
	}
}

func TestBenchUniquePrefixSendsEachTrialItsOwnPrompt(t *testing.T) {
	getenv, cfg, dir, _, quick := benchSetup(t)
	prompts := filepath.Join(t.TempDir(), "prompts.txt")
	writeFile(t, prompts, "First question\n\nSecond question\n")
	code, out, errOut := runCLI(t, getenv, "", "bench", "--json", "--config", cfg, "--sessions-dir", dir,
		"-m", "quick", "-n", "2", "--warmup", "1", "--unique-prefix", "--prompts", prompts)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	seen := map[string]bool{}
	asked := map[string]int{}
	for _, r := range quick.Requests() {
		msgs := r.Chat.Messages
		text := msgs[len(msgs)-1].Content
		nonce, prompt, _ := strings.Cut(text, "\n")
		if !strings.HasPrefix(nonce, "[bench nonce ") || seen[nonce] {
			t.Errorf("prompt %q: no nonce of its own", text)
		}
		seen[nonce] = true
		asked[prompt]++
	}
	// The warm-up asks the first prompt; then each prompt twice.
	if asked["First question"] != 3 || asked["Second question"] != 2 {
		t.Errorf("asked %v", asked)
	}
	rep := decodeBench(t, out)
	if rep.Prompt != nil || len(rep.Prompts) != 2 || rep.TrialsPerModel != 4 || rep.Models[0].Runs != 4 {
		t.Errorf("report: prompt %v, prompts %v, trials %d, runs %d", rep.Prompt, rep.Prompts, rep.TrialsPerModel, rep.Models[0].Runs)
	}
}

func TestBenchTextReportAndProgress(t *testing.T) {
	getenv, cfg, dir, _, _ := benchSetup(t)
	code, out, errOut := runCLI(t, getenv, "", "bench", "--config", cfg, "--sessions-dir", dir, "-m", "quick", "-n", "2", "--slo", "ttft_p50=1ms", "hi")
	if code != exitFail {
		t.Errorf("exit %d, want 1: the SLO is missed", code)
	}
	for _, want := range []string{"trial 1/3 · quick: warm-up, ok, TTFT", "trial 3/3 · quick: ok, TTFT", "session saved: "} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	for _, want := range []string{"MODEL", "quick", "2/2", "SLO FAIL: quick", "✗ ttft_p50", "TTFT, best first"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestSessionsListABench(t *testing.T) {
	getenv, cfg, file := runBenchFile(t)
	code, out, errOut := runCLI(t, getenv, "", "sessions", "--json", "--config", cfg, "--sessions-dir", filepath.Dir(file))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list []session.Summary
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list) != 1 {
		t.Fatalf("%v: %s", err, out)
	}
	s := list[0]
	planned := 2 * (benchTrials + 1)
	if s.Bench == nil || s.Bench.Planned != planned || s.Bench.Ended != planned || !s.Complete || s.Total.USD == nil {
		t.Errorf("summary %+v (bench %+v)", s, s.Bench)
	}
	_, text, _ := runCLI(t, getenv, "", "sessions", "--config", cfg, "--sessions-dir", filepath.Dir(file))
	if want := fmt.Sprintf("[bench %d/%d trials] Say something", planned, planned); !strings.Contains(text, want) || strings.Contains(text, "cut short") {
		t.Errorf("listing lacks %q:\n%s", want, text)
	}
}
