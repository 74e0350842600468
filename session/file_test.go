package session

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/testserver"
)

// liveRun is what a recorded run looked like while it happened.
type liveRun struct {
	events  []Event
	results []*Result
}

// recordTurn runs panes and records the run as one turn of rec, keeping
// the events in the order the recorder saw them: emit takes one lock
// around both, as `fanout run` does.
func recordTurn(t *testing.T, rec *Recorder, prompt string, panes []Pane, prices []*backends.Price) liveRun {
	t.Helper()
	live := liveRun{results: make([]*Result, len(panes))}
	for i, p := range panes {
		live.results[i] = &Result{Target: p.Target, Price: prices[i]}
	}
	var mu sync.Mutex
	rec.Turn(prompt)
	Run(context.Background(), panes, Secrets{}, func(ev Event) {
		mu.Lock()
		defer mu.Unlock()
		live.events = append(live.events, ev)
		live.results[ev.Pane].Apply(ev)
		rec.Record(ev)
	})
	rec.EndTurn()
	return live
}

// headerFor is the header a UI or `fanout run` would write for panes.
func headerFor(panes []Pane, prices []*backends.Price) Header {
	var h Header
	for i, p := range panes {
		h.Targets = append(h.Targets, NewTargetRecord(p.Target, prices[i]))
	}
	return h
}

// serverPanes are two models on loopback OpenAI servers with fixed
// timing: one answers with reasoning and exact usage, the other fails
// after a partial answer.
func serverPanes(t *testing.T, prompt string) ([]Pane, []*backends.Price) {
	t.Helper()
	good := testserver.NewOpenAI(t, testserver.Wait(30*time.Millisecond),
		testserver.ReasoningContent("Think"), testserver.Wait(5*time.Millisecond),
		testserver.ReasoningContent("ing."), testserver.Wait(5*time.Millisecond),
		testserver.Content("Hello"), testserver.Wait(5*time.Millisecond),
		testserver.Content(" <world> & \"friends\""), testserver.Wait(5*time.Millisecond),
		testserver.Finish("stop"), testserver.UsageOnly(testserver.Usage{Prompt: 11, Completion: 7}), testserver.Done())
	bad := testserver.NewOpenAI(t, testserver.Wait(10*time.Millisecond), testserver.Content("part"), testserver.Wait(5*time.Millisecond), testserver.Drop())
	opts := backends.Options{Getenv: func(string) string { return "" }, StallTimeout: 5 * time.Second}
	req := backends.Request{Messages: []backends.Message{{Role: backends.RoleUser, Content: prompt}}}
	price := &backends.Price{Input: 0.15, Output: 0.6}
	t1 := backends.Target{Name: "good", Label: "Good", Provider: "openai", Model: "gpt-4o-mini", BaseURL: good.URL()}
	t2 := backends.Target{Name: "bad", Label: "Bad", Provider: "openai", Model: "gpt-x", BaseURL: bad.URL()}
	return []Pane{{Target: t1, Backend: backends.Open(t1, opts), Request: req}, {Target: t2, Backend: backends.Open(t2, opts), Request: req}},
		[]*backends.Price{price, nil}
}

func TestRecordLoadRoundTrip(t *testing.T) {
	store := Store{Dir: t.TempDir(), App: "test"}
	panes, prices := serverPanes(t, "Say hello")
	rec := store.NewRecorder(headerFor(panes, prices))
	live := recordTurn(t, rec, "Say hello", panes, prices)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}

	f, err := Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	if f.Torn || len(f.Turns) != 1 || f.Turns[0].Footer == nil {
		t.Fatalf("torn %v, %d turns, footer %v", f.Torn, len(f.Turns), f.Turns[0].Footer)
	}
	h := f.Header
	if h.Format != FormatV1 || h.App != "test" || h.Prompt != "Say hello" || h.ID != rec.ID() ||
		filepath.Base(rec.Path()) != h.ID+Ext || !strings.HasSuffix(h.ID, "-say-hello") {
		t.Errorf("header %+v, path %s", h, rec.Path())
	}
	got := f.Turns[0].Events
	if len(got) != len(live.events) {
		t.Fatalf("loaded %d events, recorded %d", len(got), len(live.events))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], live.events[i]) {
			t.Errorf("event %d: loaded %+v, live %+v", i, got[i], live.events[i])
		}
	}
	// The stats are a fold of the events: the same from the file as live.
	want := NewReport("Say hello", live.results)
	if rep := f.Report(); !reflect.DeepEqual(rep, want) {
		t.Errorf("report from the file differs from the live one:\n%s\n%s", js(rep), js(want))
	}
	if !reflect.DeepEqual(f.Turns[0].Footer.Results, want.Results) {
		t.Errorf("footer differs from the live report:\n%s\n%s", js(f.Turns[0].Footer.Results), js(want.Results))
	}
	// The run itself did what the servers said, so the comparison above
	// compared something.
	if r := want.Results[0]; r.Text != `Hello <world> & "friends"` || r.Reasoning != "Thinking." || !r.Usage.Exact || r.Cost.Source != CostComputed {
		t.Errorf("good model: %+v", r)
	}
	if r := want.Results[1]; r.Status != StatusError || r.Text != "part" || r.Cost.Source != CostUnknown {
		t.Errorf("dropped model: %+v", r)
	}
	// Text stays readable in the file: no HTML escaping.
	raw, _ := os.ReadFile(rec.Path())
	if !strings.Contains(string(raw), `<world> & \"friends\"`) {
		t.Errorf("answer text escaped in the file:\n%s", raw)
	}
}

func TestMultiTurnRoundTrip(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	panes, prices := serverPanes(t, "first")
	rec := store.NewRecorder(headerFor(panes, prices))
	live1 := recordTurn(t, rec, "first", panes, prices)
	live2 := recordTurn(t, rec, "second", panes, prices)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Prompts(); !reflect.DeepEqual(got, []string{"first", "second"}) {
		t.Fatalf("prompts %q", got)
	}
	for i, live := range []liveRun{live1, live2} {
		turn := f.Turns[i]
		if !reflect.DeepEqual(turn.Events, live.events) {
			t.Errorf("turn %d: events differ", i+1)
		}
		if turn.Footer == nil || turn.Footer.Turn != i+1 {
			t.Fatalf("turn %d: footer %+v", i+1, turn.Footer)
		}
		if got, want := NewReport("", f.Results(i)), NewReport("", live.results); !reflect.DeepEqual(got, want) {
			t.Errorf("turn %d: results differ", i+1)
		}
	}
	// The second footer's total is the cost of both turns.
	total := Cost{}
	for _, live := range []liveRun{live1, live2} {
		for _, r := range live.results {
			total = AddCost(total, r.Cost())
		}
	}
	if got := f.Turns[1].Footer.Total; !reflect.DeepEqual(got, total) {
		t.Errorf("session total %s, want %s", js(got), js(total))
	}
	if rep := f.Report(); rep.Prompt != "second" {
		t.Errorf("Report is the last turn's; prompt %q", rep.Prompt)
	}
	sum, err := Summarize(rec.Path())
	if err != nil || sum.Turns != 2 || !sum.Complete || !reflect.DeepEqual(sum.Total, total) {
		t.Errorf("summary %+v, %v", sum, err)
	}
}

// recorded writes a finished session of demo-like scripted panes and
// returns its path and lines.
func recorded(t *testing.T) (string, []string) {
	t.Helper()
	store := Store{Dir: t.TempDir()}
	panes, prices := serverPanes(t, "hello")
	rec := store.NewRecorder(headerFor(panes, prices))
	recordTurn(t, rec, "hello", panes, prices)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	return rec.Path(), strings.SplitAfter(strings.TrimSuffix(string(raw), "\n"), "\n")
}

func TestMissingFooterRecomputesStats(t *testing.T) {
	path, lines := recorded(t)
	full, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, `{"type":"footer"`) {
		t.Fatalf("last line is not the footer: %s", last)
	}
	cut := filepath.Join(t.TempDir(), "cut.jsonl")
	writeLines(t, cut, lines[:len(lines)-1])
	f, err := Load(cut)
	if err != nil {
		t.Fatal(err)
	}
	if f.Turns[0].Footer != nil || f.Torn {
		t.Errorf("footer %v torn %v", f.Turns[0].Footer, f.Torn)
	}
	if got := f.Report().Results; !reflect.DeepEqual(got, full.Turns[0].Footer.Results) {
		t.Errorf("recomputed stats differ from the footer's:\n%s\n%s", js(got), js(full.Turns[0].Footer.Results))
	}
	sum, err := Summarize(cut)
	if err != nil || sum.Complete || sum.Winner != "Bad" {
		t.Errorf("summary of a file without footer: %+v, %v", sum, err)
	}
}

func TestTornLastLineIsLeftOut(t *testing.T) {
	path, lines := recorded(t)
	full, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	// Cut the file in the middle of its last event line (before the
	// footer): the footer and half that event are lost.
	ev := lines[len(lines)-2]
	cut := filepath.Join(t.TempDir(), "torn.jsonl")
	writeLines(t, cut, append(append([]string{}, lines[:len(lines)-2]...), ev[:len(ev)/2]))
	rd, err := Open(cut)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	f, err := ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Torn || !rd.Torn() {
		t.Error("Torn() is false for a file cut mid-line")
	}
	want := full.Turns[0].Events
	if got := f.Turns[0].Events; !reflect.DeepEqual(got, want[:len(want)-1]) {
		t.Errorf("loaded %d events, want all %d but the torn one", len(got), len(want)-1)
	}
	// A whole last line without its newline is not torn: it is kept.
	whole := filepath.Join(t.TempDir(), "whole.jsonl")
	writeLines(t, whole, append(append([]string{}, lines[:len(lines)-1]...), strings.TrimSuffix(lines[len(lines)-1], "\n")))
	if f, err := Load(whole); err != nil || f.Torn || f.Turns[0].Footer == nil {
		t.Errorf("a last line without newline: %v, torn %v", err, f != nil && f.Torn)
	}
}

func writeLines(t *testing.T, path string, lines []string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
}

func js(v any) string {
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

func TestNewHeader(t *testing.T) {
	temp := 0.7
	req := backends.Request{System: "be brief", Temperature: &temp, MaxTokens: 64,
		Messages: []backends.Message{{Role: backends.RoleUser, Content: "hi"}}}
	tr := NewTargetRecord(backends.Target{Provider: "demo", Model: "swift", Label: "Swift"}, nil)
	h := NewHeader(req, tr)
	temp = 2
	if h.System != "be brief" || h.MaxTokens != 64 || h.Temperature == nil || *h.Temperature != 0.7 || len(h.Targets) != 1 || h.Targets[0].Label != tr.Label {
		t.Errorf("header %+v", h)
	}
	if h.Prompt != "" {
		t.Errorf("the header holds the prompt %q; the recorder's Turn sets it", h.Prompt)
	}
	if h := NewHeader(backends.Request{}); h.Temperature != nil {
		t.Errorf("no temperature became %v", *h.Temperature)
	}
}
