package serve

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Each client key has its own prompt history, beside its sessions, shared
// by its sessions; anonymous clients have none, so that no client ever
// recalls another's prompts; secrets the server knows are scrubbed.
func TestPromptHistoryPerKey(t *testing.T) {
	const secret = "sk-test-SERVERKEY0123456789"
	cfg := testConfig(t)
	cfg.SessionsDir = t.TempDir()
	cfg.KeepHistory = true
	cfg.Secrets = []string{secret}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := Fingerprint(newKey(t).PublicKey()), Fingerprint(newKey(t).PublicKey())

	if h := srv.history(Anonymous); h != nil {
		t.Fatalf("an anonymous client has a history: %s", h.Path())
	}
	ha := srv.history(alice)
	if ha == nil {
		t.Fatal("a client with a key has no history")
	}
	if want := filepath.Join(cfg.SessionsDir, "serve", alice, "history"); ha.Path() != want {
		t.Errorf("history at %s, want beside the key's sessions: %s", ha.Path(), want)
	}
	if srv.history(alice) != ha {
		t.Error("two sessions of one key do not share its history")
	}
	ha.Add("alice's question, with " + secret)
	hb := srv.history(bob)
	if len(hb.Prompts()) != 0 {
		t.Errorf("bob recalls %q", hb.Prompts())
	}
	raw, err := os.ReadFile(ha.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), secret) || !strings.Contains(string(raw), "alice's question") {
		t.Errorf("alice's history file:\n%s", raw)
	}

	// A server started again gives alice her prompts back.
	srv2, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := srv2.history(alice).Prompts(); !slices.Equal(got, []string{"alice's question, with [redacted]"}) {
		t.Errorf("after a restart alice recalls %q", got)
	}
	// Nothing was written for anonymous clients.
	if _, err := os.Stat(filepath.Join(cfg.SessionsDir, "serve", Anonymous)); err == nil {
		t.Error("an anonymous folder was created")
	}

	cfg.KeepHistory = false
	srv3, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if srv3.history(alice) != nil {
		t.Error("a history without KeepHistory")
	}
}
