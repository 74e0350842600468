package prices

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// catalogServer serves LiteLLM-like answers on loopback, by path.
func catalogServer(t *testing.T) *httptest.Server {
	t.Helper()
	html, err := os.ReadFile("testdata/error.html")
	if err != nil {
		t.Fatal(err)
	}
	// The good catalog: the snapshot with one price changed, so that the
	// update is seen to win.
	good := strings.Replace(string(snapshotJSON), `"gpt-4o-mini": {"cache_read_input_token_cost":7.5e-8,`, `"gpt-4o-mini": {"cache_read_input_token_cost":5e-8,`, 1)
	if good == string(snapshotJSON) {
		t.Fatal("the snapshot's gpt-4o-mini line changed: fix the test's edit")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/good.json", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(good)) })
	mux.HandleFunc("/truncated.json", func(w http.ResponseWriter, r *http.Request) {
		// Says it sends the whole file, then stops halfway: a cut connection.
		w.Header().Set("Content-Length", strconv.Itoa(len(good)))
		w.Write([]byte(good[:len(good)/2]))
	})
	mux.HandleFunc("/half.json", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(good[:len(good)/2])) })
	mux.HandleFunc("/html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write(html) // an error page with status 200, as captive portals send
	})
	srv := httptest.NewServer(mux) // unknown paths: 404
	t.Cleanup(srv.Close)
	return srv
}

func TestUpdate(t *testing.T) {
	srv := catalogServer(t)
	dir := t.TempDir()
	ctx := context.Background()
	day := time.Date(2026, 12, 3, 15, 0, 0, 0, time.UTC)

	c, err := Update(ctx, srv.Client(), srv.URL+"/good.json", dir, day)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := c.Lookup("openai", "gpt-4o-mini")
	if !ok || p.CachedInput != 0.05 || p.Provenance() != "updated 2026-12-03" {
		t.Fatalf("updated gpt-4o-mini: %+v %v (%s)", p, ok, p.Provenance())
	}
	saved := filepath.Join(dir, "litellm-2026-12-03.json")
	before, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct{ path, want string }{
		{"/truncated.json", "broke off"},
		{"/half.json", "truncated"},
		{"/html", "HTML page"},
		{"/missing.json", "404 Not Found"},
	} {
		_, err := Update(ctx, srv.Client(), srv.URL+tc.path, dir, day.Add(24*time.Hour))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.path, err, tc.want)
		}
	}
	// Refused downloads leave the last good catalog, alone.
	after, err := os.ReadFile(saved)
	if err != nil || string(after) != string(before) {
		t.Fatalf("the saved catalog changed after refused downloads: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("files left in the cache: %v", entries)
	}

	loaded, err := LoadUpdated(dir)
	if err != nil || loaded == nil || loaded.AsOf != "2026-12-03" {
		t.Fatalf("LoadUpdated: %+v %v", loaded, err)
	}
	// Its entries win over the snapshot's; the snapshot covers the rest.
	both := LiteLLM{Updated: loaded, Snapshot: Snapshot()}
	if p, _ := both.Lookup("openai", "gpt-4o-mini"); p.Provenance() != "updated 2026-12-03" || p.CachedInput != 0.05 {
		t.Errorf("merged gpt-4o-mini: %+v", p)
	}

	// A newer update replaces the older one.
	if _, err := Update(ctx, srv.Client(), srv.URL+"/good.json", dir, day.Add(48*time.Hour)); err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "litellm-2026-12-05.json" {
		t.Errorf("after a second update: %v", entries)
	}
}

func TestLoadUpdatedNoneAndBroken(t *testing.T) {
	dir := t.TempDir()
	if c, err := LoadUpdated(filepath.Join(dir, "absent")); c != nil || err != nil {
		t.Errorf("no cache: %v %v", c, err)
	}
	path := filepath.Join(dir, "litellm-2026-12-01.json")
	if err := os.WriteFile(path, snapshotJSON[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadUpdated(dir)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "fanout prices update") {
		t.Errorf("broken cache: %v", err)
	}
}

func TestStale(t *testing.T) {
	c := &Catalog{AsOf: "2026-08-06"}
	if c.Stale(time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)) {
		t.Error("90 days old flagged")
	}
	if !c.Stale(time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)) {
		t.Error("91 days old not flagged")
	}
}

// A token in the URL is never repeated in a message.
func TestUpdateNeverShowsTheURLsSecrets(t *testing.T) {
	srv := catalogServer(t)
	dir := t.TempDir()
	u := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1) + "/missing.json?token=s3cr3t#frag"
	_, err := Update(context.Background(), srv.Client(), u, dir, time.Now())
	if err == nil || strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "404") {
		t.Errorf("error %v", err)
	}
	// Nothing listens on port 1: the dial error must not name the token either.
	_, err = Update(context.Background(), nil, "http://127.0.0.1:1/p.json?token=s3cr3t", dir, time.Now())
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("dial error %v", err)
	}
	_, err = Update(context.Background(), nil, "file:///etc/passwd", dir, time.Now())
	if err == nil || !strings.Contains(err.Error(), "want an http:// or https:// URL") {
		t.Errorf("file URL: %v", err)
	}
}
