package session

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/fanout-dev/fanout/backends"
)

func oneTarget() Header {
	return Header{Targets: []TargetRecord{{Label: "A", Provider: "demo", Model: "swift"}}}
}

func sessionFiles(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+Ext))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A delta followed by silence reaches the disk without waiting for the
// end of the stream. The bound is generous: this checks that a timer
// flushes, not how fast.
func TestRecorderFlushesWhileSilent(t *testing.T) {
	rec := Store{Dir: t.TempDir()}.NewRecorder(oneTarget())
	defer rec.Close()
	rec.Turn("hi")
	rec.Record(Event{Pane: 0, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "first words")})
	deadline := time.Now().Add(2 * time.Second)
	for {
		b, err := os.ReadFile(rec.Path())
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("first words")) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delta is not on disk after 2s (flush interval %v):\n%s", FlushInterval, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRecorderScrubsSecrets(t *testing.T) {
	const key = "sk-test-SECRET0123456789"
	odd := `we"ird\key<&>` + "\u2028" + "99" // escaped three ways in JSON
	structural := `"kind":"answer"`          // matches the JSON around the strings
	store := Store{Dir: t.TempDir(), Secrets: []string{key, odd, structural, "short", "", key}}
	h := oneTarget()
	h.System = "use " + key
	rec := store.NewRecorder(h)
	rec.Turn("my key is " + key + ", and " + odd)
	rec.Record(Event{Event: backends.DeltaEvent(backends.KindAnswer, "echo: "+key+" "+odd+" short")})
	rec.Record(Event{T: time.Millisecond, Event: backends.ErrorEvent(&backends.Error{Message: "Incorrect API key provided: " + key, Status: 401})})
	rec.EndTurn()
	rec.Turn("again " + key)
	rec.Record(Event{Event: backends.DeltaEvent(backends.KindReasoning, key)})
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := json.Marshal(odd)
	for _, leak := range []string{key, odd, string(enc[1 : len(enc)-1]), "SECRET", "ird"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("the file holds %q:\n%s", leak, raw)
		}
	}
	if name := filepath.Base(rec.Path()); !strings.HasSuffix(name, "-my-key-is-redacted-and-redacted"+Ext) {
		t.Errorf("file name %s: the name is made from the prompt, and must not hold the key either", name)
	}
	f, err := Load(rec.Path())
	if err != nil {
		t.Fatalf("scrubbing broke the file: %v\n%s", err, raw)
	}
	if f.Header.Prompt != "my key is [redacted], and [redacted]" || f.Header.System != "use [redacted]" {
		t.Errorf("header prompt %q system %q", f.Header.Prompt, f.Header.System)
	}
	r := f.Results(0)[0]
	if r.Text() != "echo: [redacted] [redacted] short" || r.Stats.Err.Message != "Incorrect API key provided: [redacted]" || r.Stats.Err.Status != 401 {
		t.Errorf("text %q error %+v", r.Text(), r.Stats.Err)
	}
	if f.Turns[0].Footer.Results[0].Text != r.Text() || f.Turns[1].Prompt != "again [redacted]" {
		t.Errorf("footer %q, second prompt %q", f.Turns[0].Footer.Results[0].Text, f.Turns[1].Prompt)
	}
	if got := f.Results(1)[0].Reasoning(); got != "[redacted]" {
		t.Errorf("reasoning %q", got)
	}
}

// A model that repeats a key streams it in pieces, one token a delta: no
// line holds the whole key, and yet the file must not hold it.
func TestRecorderScrubsSecretsSplitAcrossDeltas(t *testing.T) {
	const key = "sk-test-SECRET0123456789"
	store := Store{Dir: t.TempDir(), Secrets: []string{key, "ghp_OTHERTOKEN99"}}
	h := oneTarget()
	h.Targets = append(h.Targets, TargetRecord{Label: "B", Provider: "demo", Model: "steady"})
	rec := store.NewRecorder(h)
	rec.Turn("repeat my key")
	pieces := []struct {
		pane int
		text string
	}{
		{0, "Your key is s"}, {0, "k-test-"}, {1, "B streams "}, {0, "SEC"}, {0, "RET"}, {0, "0123456789"},
		{0, ". Not a key: sk-test-SECR"}, {0, "AP, nor ghp_OTHER"}, {0, "WISE. Again: sk-test-SECRET0123456789 and s"},
		{0, "k-test-SECRET01234"}, {1, "on, undisturbed."}, {0, "56789"},
	}
	var live []Event
	for i, p := range pieces {
		ev := Event{Pane: p.pane, T: time.Duration(i+1) * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, p.text)}
		live = append(live, ev)
		rec.Record(ev)
	}
	// The stream ends in the middle of what could be a key: it is
	// written as it came, since it never became one.
	rec.Record(Event{Pane: 0, T: 20 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, " end sk-te")})
	rec.Record(Event{Pane: 0, T: 21 * time.Millisecond, Event: backends.DoneEvent("stop", 0)})
	rec.Record(Event{Pane: 1, T: 22 * time.Millisecond, Event: backends.DoneEvent("stop", 0)})
	rec.EndTurn()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	for i, ev := range live {
		if ev.Delta.Text != pieces[i].text {
			t.Fatalf("the recorder changed the caller's delta %d to %q", i, ev.Delta.Text)
		}
	}
	raw, err := os.ReadFile(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"SECRET0123", "RET0123", "0123456789", "OTHERTOKEN"} {
		if bytes.Contains(raw, []byte(leak)) {
			t.Errorf("the file holds %q:\n%s", leak, raw)
		}
	}
	f, err := Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	res := f.Results(0)
	want := "Your key is [redacted]. Not a key: sk-test-SECRAP, nor ghp_OTHERWISE. Again: [redacted] and [redacted] end sk-te"
	if got := res[0].Text(); got != want {
		t.Errorf("answer in the file\n %q\nwant\n %q", got, want)
	}
	if got := res[1].Text(); got != "B streams on, undisturbed." {
		t.Errorf("the other pane's answer %q", got)
	}
	// Every delta keeps its own time, in order within its pane.
	var times []time.Duration
	for _, ev := range f.Turns[0].Events {
		if ev.Pane == 0 && ev.Type == backends.EventDelta {
			times = append(times, ev.T)
		}
	}
	wantTimes := []time.Duration{1, 2, 4, 5, 6, 7, 8, 9, 10, 12, 20}
	if len(times) != len(wantTimes) {
		t.Fatalf("pane 0 deltas at %v, want %v ms", times, wantTimes)
	}
	for i := range times {
		if times[i] != wantTimes[i]*time.Millisecond {
			t.Fatalf("pane 0 deltas at %v, want %v ms", times, wantTimes)
		}
	}
	if got := f.Turns[0].Footer.Results[0].Text; got != want {
		t.Errorf("footer answer %q", got)
	}
	// The footer sums up the events as written: its figures are those a
	// replay recomputes from the file.
	if ft, re := f.Turns[0].Footer.Results[0].Usage, res[0].Stats.Tokens(); ft.Output != re.Output {
		t.Errorf("footer says %d output tokens, the file's events %d", ft.Output, re.Output)
	}
}

// A bug inside the recorder ends the recording, not the run: the caller
// never sees the panic, the lines written before it stay, and the error
// says what happened.
func TestRecorderSurvivesItsOwnPanic(t *testing.T) {
	rec := Store{Dir: t.TempDir(), Secrets: []string{"sk-test-SECRET0123456789"}}.NewRecorder(oneTarget())
	rec.Turn("hi")
	rec.Record(Event{Pane: 0, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "kept")})
	rec.results[0] = nil // a broken invariant: folding the next event dereferences nil
	rec.Record(Event{Pane: 0, T: 2 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "lost")})
	rec.Record(Event{Pane: 0, T: 3 * time.Millisecond, Event: backends.DoneEvent("stop", 0)})
	rec.EndTurn()
	err := rec.Close()
	if err == nil || !strings.Contains(err.Error(), "stopped by a bug in fanout") || !strings.Contains(err.Error(), rec.Path()) {
		t.Fatalf("Close: %v", err)
	}
	f, err := Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Results(0)[0].Text(); got != "kept" {
		t.Errorf("the file holds %q, want what was recorded before the bug", got)
	}
}

func TestTargetRecordKeepsNoCredentials(t *testing.T) {
	tg := backends.Target{Name: "box", Label: "Box", Provider: "openai", Model: "m", KeyEnv: "BOX_API_KEY",
		BaseURL: "https://user:hunter2@llm.example.com:8443/v1?key=AIzaSECRET&x=1#frag"}
	r := NewTargetRecord(tg, nil)
	if r.BaseURL != "https://llm.example.com:8443/v1" || r.KeyEnv != "BOX_API_KEY" {
		t.Errorf("record %+v", r)
	}
	b, _ := json.Marshal(r)
	if bytes.Contains(b, []byte("hunter2")) || bytes.Contains(b, []byte("SECRET")) {
		t.Errorf("record JSON %s", b)
	}
	if back := r.Target(); back.BaseURL != r.BaseURL || back.KeyEnv != "BOX_API_KEY" || back.Model != "m" {
		t.Errorf("target %+v", back)
	}
	if got := NewTargetRecord(backends.Target{BaseURL: "http://%zz"}, nil).BaseURL; got != "(unparsable URL)" {
		t.Errorf("unparsable URL kept as %q", got)
	}
}

// A folder that cannot be created stops the recording, not the run: the
// recorder keeps the error for Err and Close and ignores what follows.
func TestRecorderFailureIsKept(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rec := Store{Dir: filepath.Join(file, "sessions")}.NewRecorder(oneTarget())
	rec.Turn("hi")
	rec.Record(Event{Event: backends.DeltaEvent(backends.KindAnswer, "x")})
	rec.EndTurn()
	if rec.Err() == nil || rec.Path() != "" {
		t.Errorf("err %v path %q", rec.Err(), rec.Path())
	}
	if err := rec.Close(); err == nil || !strings.Contains(err.Error(), "sessions") {
		t.Errorf("Close: %v, want the folder named", err)
	}
}

func TestRecorderNamesFilesUniquely(t *testing.T) {
	dir := t.TempDir()
	created := time.Date(2026, 11, 26, 21, 46, 8, 0, time.Local)
	var paths []string
	for range 3 {
		h := oneTarget()
		h.Created = created
		rec := Store{Dir: dir}.NewRecorder(h)
		rec.Turn("Why is the sky blue? Über-long prompts get a short slug, because file names have limits")
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, filepath.Base(rec.Path()))
	}
	want := "20261126-214608-why-is-the-sky-blue-ber-long-prompts-get"
	if paths[0] != want+Ext || paths[1] != want+"-2"+Ext || paths[2] != want+"-3"+Ext {
		t.Errorf("names %q", paths)
	}
	if st, err := os.Stat(filepath.Join(dir, paths[0])); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, %v: a session may hold private prompts", st.Mode(), err)
	}
}

// crashChildEnv switches TestRecorderSurvivesKill into the child that
// records until it is killed.
const crashChildEnv = "FANOUT_TEST_CRASH_CHILD_DIR"

// A killed fanout loses at most what was not yet flushed: every complete
// line on disk at the moment of the kill loads, and the file loads
// without its footer and with a torn last line.
func TestRecorderSurvivesKill(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		recordForever(dir)
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL on Windows")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecorderSurvivesKill$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	defer func() {
		if !killed {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()

	// Wait until the child has recorded a good number of events.
	var path string
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := sessionFiles(t, dir); len(m) == 1 {
			path = m[0]
			if b, _ := os.ReadFile(path); bytes.Count(b, []byte("\n")) > 20 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the child recorded nothing in 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	killed = true

	f, err := Load(path)
	if err != nil {
		t.Fatalf("a killed recording does not load: %v", err)
	}
	if f.Turns[0].Footer != nil {
		t.Error("a footer in a killed recording")
	}
	seen := bytes.Split(before[:bytes.LastIndexByte(before, '\n')], []byte("\n"))[1:] // without the header
	got := f.Turns[0].Events
	if len(got) < len(seen) {
		t.Fatalf("%d events load, but %d complete lines were on disk before the kill", len(got), len(seen))
	}
	for i, line := range seen {
		var ev Event
		if err := json.Unmarshal(line, &ev); err != nil {
			t.Fatalf("line %d on disk before the kill: %v", i+2, err)
		}
		if ev.T != got[i].T || ev.Pane != got[i].Pane || ev.Type != got[i].Type {
			t.Fatalf("event %d: loaded %+v, on disk before the kill %s", i, got[i], line)
		}
	}
	t.Logf("%d lines on disk before the kill, %d events loaded, torn %v", len(seen), len(got), f.Torn)
}

// recordForever records two endless streams, as a run would, until the
// process is killed.
func recordForever(dir string) {
	h := Header{Targets: []TargetRecord{{Label: "A", Provider: "demo", Model: "swift"}, {Label: "B", Provider: "demo", Model: "sage"}}}
	rec := Store{Dir: dir}.NewRecorder(h)
	endless := scripted{gap: time.Millisecond}
	for range 60_000 {
		endless.events = append(endless.events, backends.DeltaEvent(backends.KindAnswer, strings.Repeat("token ", 20)))
	}
	panes := []Pane{{Backend: endless, Request: req("x")}, {Backend: endless, Request: req("y")}}
	rec.Turn("forever")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // an orphan ends anyway
	defer cancel()
	Run(ctx, panes, Secrets{}, rec.Record)
	os.Exit(3) // never reached: the parent kills it
}

// However a stream is cut into deltas, the file holds no secret, and the
// answer read back is the answer with each secret replaced, as if it had
// come in one piece: an answer that ends in a secret's first MinSecretLen
// bytes or more loses them too, as a key cut short by the stream's end.
func FuzzRecorderScrubsSplitSecrets(f *testing.F) {
	secrets := []string{"sk-test-SECRET0123456789", "ghp_TOKENTOKEN", "aaaaaaaaab", "abcabcabd"}
	f.Add("Your key is sk-test-SECRET0123456789, and sk-test-SECRAP is not", []byte{3, 5, 13, 20, 30})
	f.Add("aaaaaaaaaaaab abcabcabcabd ghp_TOKENTOKENghp_TOKENTOKEN", []byte{1, 1, 1, 9, 2, 7})
	f.Add("abcabcab", []byte{4})
	f.Fuzz(func(t *testing.T, text string, cuts []byte) {
		if !utf8.ValidString(text) || len(cuts) > 64 {
			t.Skip() // JSON would change invalid UTF-8 on its own
		}
		rec := Store{Dir: t.TempDir(), Secrets: secrets}.NewRecorder(oneTarget())
		rec.Turn("fuzz")
		rest, at := text, time.Duration(0)
		for _, c := range cuts {
			if rest == "" {
				break
			}
			n := min(int(c)%16+1, len(rest))
			for n < len(rest) && !utf8.RuneStart(rest[n]) {
				n++
			}
			at += time.Millisecond
			rec.Record(Event{T: at, Event: backends.DeltaEvent(backends.KindAnswer, rest[:n])})
			rest = rest[n:]
		}
		if rest != "" {
			rec.Record(Event{T: at + time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, rest)})
		}
		rec.Record(Event{T: at + 2*time.Millisecond, Event: backends.DoneEvent("stop", 0)})
		rec.EndTurn()
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		f, err := Load(rec.Path())
		if err != nil {
			t.Fatal(err)
		}
		want := text
		for _, s := range secrets { // longest first, as the recorder does
			want = strings.ReplaceAll(want, s, redactedMark)
		}
		want = cutSecretStart(want, secrets)
		got := f.Results(0)[0].Text()
		for _, s := range secrets {
			if strings.Contains(got, s) {
				t.Fatalf("the file holds %q: %q", s, got)
			}
		}
		if got != want {
			t.Fatalf("read back %q\nwant      %q", got, want)
		}
	})
}

// A write that fails mid-run (a full disk, a file pulled away) stops the
// recording with an error that says so; what was written before stays
// readable, and later events are dropped quietly.
func TestRecorderWriteFailureMidRun(t *testing.T) {
	rec := Store{Dir: t.TempDir()}.NewRecorder(oneTarget())
	rec.Turn("hi")
	rec.Record(Event{T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "before")})
	rec.Record(Event{T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)}) // flushed
	rec.EndTurn()
	rec.Turn("again")
	rec.f.Close() // every later write fails
	rec.Record(Event{T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "after")})
	rec.Record(Event{T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	err := rec.Err()
	if err == nil || !strings.Contains(err.Error(), "write session "+rec.Path()) {
		t.Fatalf("Err after a failed write: %v", err)
	}
	rec.Record(Event{T: 3 * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "dropped")})
	rec.EndTurn()
	if cerr := rec.Close(); cerr == nil || cerr.Error() != err.Error() {
		t.Errorf("Close: %v, want the first error %v", cerr, err)
	}
	f, lerr := Load(rec.Path())
	if lerr != nil {
		t.Fatal(lerr)
	}
	if got := f.Results(0)[0].Text(); got != "before" || f.Turns[0].Footer == nil {
		t.Errorf("the first turn reads back as %q (footer %v)", got, f.Turns[0].Footer != nil)
	}
}

// cutSecretStart is the rule for a stream's end, written plainly: the
// longest end of text that is at least MinSecretLen bytes of a secret's
// beginning (and not the whole secret, already replaced) becomes the mark.
func cutSecretStart(text string, secrets []string) string {
	longest := 0
	for _, s := range secrets {
		for n := len(s) - 1; n >= MinSecretLen; n-- {
			if strings.HasSuffix(text, s[:n]) {
				longest = max(longest, n)
				break
			}
		}
	}
	if longest == 0 {
		return text
	}
	return text[:len(text)-longest] + redactedMark
}

// The reasoning and serving settings asked for are kept, and a re-run asks
// them again; the served tier rides on the Done and comes back in a replay.
func TestSettingsSurviveTheFile(t *testing.T) {
	tg := backends.Target{Provider: "bedrock", Model: "openai.gpt-oss-120b-1:0", Label: "oss",
		ReasoningEffort: "high", ServiceTier: "flex", Latency: "optimized"}
	back := NewTargetRecord(tg, nil).Target()
	if back.ReasoningEffort != "high" || back.ServiceTier != "flex" || back.Latency != "optimized" {
		t.Errorf("back from the record: %+v", back)
	}
	done := backends.DoneEvent(backends.StopEnd, 0)
	done.Done.ServiceTier, done.Done.LatencyMode = "default", "optimized"
	b, err := json.Marshal(done)
	if err != nil {
		t.Fatal(err)
	}
	var got backends.Event
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if got.Done.ServiceTier != "default" || got.Done.LatencyMode != "optimized" {
		t.Errorf("%s read back as %+v", b, *got.Done)
	}
}
