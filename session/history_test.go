package session

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestHistoryRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state", "fanout", "history")
	h, err := OpenHistory(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	prompts := []string{"first", "a prompt\nover two lines", `quotes " and \ and <html>`, "first"}
	for _, p := range prompts {
		h.Add(p)
	}
	h.Add("first") // the same as the last: kept once
	h.Add("   ")   // blank: not kept
	if err := h.Err(); err != nil {
		t.Fatal(err)
	}
	again, err := OpenHistory(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Prompts(); !slices.Equal(got, prompts) {
		t.Errorf("reopened: %q, want %q", got, prompts)
	}
	raw, _ := os.ReadFile(path)
	if n := strings.Count(string(raw), "\n"); n != len(prompts) {
		t.Errorf("%d lines in the file, want one per prompt:\n%s", n, raw)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	if st, err := os.Stat(filepath.Dir(path)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("folder mode %v (%v), want 0700", st.Mode().Perm(), err)
	}
}

func TestHistoryKeepsTheLastOnes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	h, err := OpenHistory(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := 2*HistoryCap + 37
	for i := range total {
		h.Add(fmt.Sprintf("prompt %d", i))
	}
	check := func(got []string, when string) {
		t.Helper()
		if len(got) != HistoryCap || got[0] != fmt.Sprintf("prompt %d", total-HistoryCap) || got[len(got)-1] != fmt.Sprintf("prompt %d", total-1) {
			t.Errorf("%s: %d prompts, from %q to %q; want the last %d", when, len(got), got[0], got[len(got)-1], HistoryCap)
		}
	}
	check(h.Prompts(), "in memory")
	again, err := OpenHistory(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(again.Prompts(), "reopened")
	raw, _ := os.ReadFile(path)
	if n := strings.Count(string(raw), "\n"); n > 2*HistoryCap {
		t.Errorf("the file holds %d lines: it must not grow without end", n)
	}
}

func TestHistoryScrubsSecrets(t *testing.T) {
	const key = "sk-test-SECRET0123456789"
	path := filepath.Join(t.TempDir(), "history")
	h, err := OpenHistory(path, []string{key, "short"})
	if err != nil {
		t.Fatal(err)
	}
	h.Add("my key is " + key + ", keep it short")
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), key) {
		t.Fatalf("the history file holds the key:\n%s", raw)
	}
	want := "my key is [redacted], keep it short"
	if got := h.Prompts(); len(got) != 1 || got[0] != want {
		t.Errorf("prompts %q, want %q", got, want)
	}
	// A key that was not known when a prompt was kept is scrubbed when
	// it is read.
	const later = "ghp_LATERTOKEN0123456789"
	writeHistory(t, path, `"uses `+later+`"`)
	again, err := OpenHistory(path, []string{later})
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Prompts(); len(got) != 1 || strings.Contains(got[0], later) {
		t.Errorf("prompts %q still hold the key", got)
	}
}

func TestHistorySkipsCorruptLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history")
	writeHistory(t, path, `"one"`, `{not json`, `42`, ``, `"two"`, `"torn`)
	h, err := OpenHistory(path, nil)
	if err != nil {
		t.Fatalf("a corrupt line must not stop the history: %v", err)
	}
	if got := h.Prompts(); !slices.Equal(got, []string{"one", "two"}) {
		t.Errorf("prompts %q, want the good lines", got)
	}
	h.Add("three")
	again, _ := OpenHistory(path, nil)
	if got := again.Prompts(); !slices.Equal(got, []string{"one", "two", "three"}) {
		t.Errorf("after Add: %q", got)
	}
}

func TestHistoryPath(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got := HistoryPath(env(map[string]string{"XDG_STATE_HOME": "/st", "HOME": "/h"})); got != "/st/fanout/history" {
		t.Errorf("with XDG_STATE_HOME: %s", got)
	}
	if got := HistoryPath(env(map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/h"})); got != "/h/.local/state/fanout/history" {
		t.Errorf("a relative XDG_STATE_HOME is ignored, as the spec says: %s", got)
	}
}

func TestHistoryWriteFailureIsKept(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "fanout")
	h, err := OpenHistory(filepath.Join(blocker, "history"), nil)
	if err != nil {
		t.Fatal(err)
	}
	writeHistory(t, blocker, `"x"`) // its folder is now a file
	h.Add("lost")
	if h.Err() == nil {
		t.Error("a history that cannot be written reports nothing")
	}
	if got := h.Prompts(); !slices.Equal(got, []string{"lost"}) {
		t.Errorf("the session still recalls it: %q", got)
	}
}

func writeHistory(t *testing.T, path string, lines ...string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}
