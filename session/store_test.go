package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func TestDefaultDir(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := DefaultDir(env(map[string]string{"XDG_DATA_HOME": "/data", "HOME": "/home/u"})); got != filepath.Join("/data", "fanout", "sessions") {
		t.Errorf("XDG_DATA_HOME: %s", got)
	}
	// A relative XDG_DATA_HOME is invalid per the spec and ignored.
	if got := DefaultDir(env(map[string]string{"XDG_DATA_HOME": "rel", "HOME": "/home/u"})); got != filepath.Join("/home/u", ".local", "share", "fanout", "sessions") {
		t.Errorf("HOME: %s", got)
	}
}

// writeSession records a finished one-turn session created at c.
func writeSession(t *testing.T, dir, prompt string, c time.Time) string {
	t.Helper()
	h := oneTarget()
	h.Created = c
	rec := Store{Dir: dir}.NewRecorder(h)
	rec.Turn(prompt)
	for _, ev := range mustLoadString(t, validSession).Turns[0].Events {
		if ev.Pane == 0 {
			rec.Record(ev)
		}
	}
	rec.EndTurn()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return rec.Path()
}

func mustLoadString(t *testing.T, s string) *File {
	t.Helper()
	f, err := ReadAll(mustReader(t, s))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestListNewestFirstAndReportsBadFiles(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	older := writeSession(t, dir, "older one", base)
	newer := writeSession(t, dir, "newer one", base.Add(time.Hour))
	if err := os.WriteFile(filepath.Join(dir, "broken.jsonl"), []byte(hdr+"{oops\n"+done0), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a session"), 0o600); err != nil {
		t.Fatal(err)
	}
	list, errs := Store{Dir: dir}.List()
	if len(list) != 2 || list[0].Path != newer || list[1].Path != older {
		t.Fatalf("list %+v", list)
	}
	s := list[0]
	if s.Prompt != "newer one" || s.Turns != 1 || !s.Complete || s.Winner != "A" || s.WinnerTTFT == nil || *s.WinnerTTFT != 5.5 ||
		len(s.Models) != 1 || s.Models[0] != "A" || s.Total.Source != CostUnknown || s.ID != strings.TrimSuffix(filepath.Base(newer), Ext) {
		t.Errorf("summary %+v", s)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "broken.jsonl:2: not JSON") {
		t.Errorf("errs %v", errs)
	}
	if list, errs := (Store{Dir: filepath.Join(dir, "none")}).List(); list != nil || errs != nil {
		t.Errorf("a folder not yet created lists nothing: %v %v", list, errs)
	}
}

func TestResolve(t *testing.T) {
	dir := t.TempDir()
	base := time.Date(2026, 11, 26, 10, 0, 0, 0, time.Local)
	a := writeSession(t, dir, "alpha", base)
	b := writeSession(t, dir, "beta", base.Add(time.Minute))
	s := Store{Dir: dir}
	idA := strings.TrimSuffix(filepath.Base(a), Ext)
	cases := []struct{ ref, want, err string }{
		{a, a, ""},
		{idA, a, ""},
		{"20261126-1001", b, ""},
		{"20261126-10", "", `"20261126-10" matches 2 sessions`},
		{"nothing", "", `no session "nothing" in ` + dir + "; `fanout sessions` lists them"},
		{filepath.Join(dir, "gone.jsonl"), "", "no session file " + filepath.Join(dir, "gone.jsonl")},
		{"", "", "no session given"},
		{"[", "", `no session "["`},
	}
	for _, tc := range cases {
		got, err := s.Resolve(tc.ref)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Resolve(%q) = %q, %v; want an error with %q", tc.ref, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Resolve(%q) = %q, %v; want %q", tc.ref, got, err, tc.want)
		}
	}
}

// A session whose answers are long has a footer longer than the tail the
// listing reads first: it is still complete, and its figures the same.
func TestSummaryOfLongAnswersIsComplete(t *testing.T) {
	rec := Store{Dir: t.TempDir()}.NewRecorder(oneTarget())
	rec.Turn("write a book")
	chunk := strings.Repeat("words ", 200)
	for i := range 400 { // 480 KB of answer, in the footer too
		rec.Record(Event{T: time.Duration(i+1) * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, chunk)})
	}
	rec.Record(Event{T: time.Second, Event: backends.DoneEvent(backends.StopEnd, 0)})
	rec.EndTurn()
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	sum, err := Summarize(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !sum.Complete || sum.Turns != 1 || sum.Winner != "A" {
		t.Errorf("summary %+v: want complete, one turn, A first", sum)
	}
}
