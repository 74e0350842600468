package serve

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	gossh "golang.org/x/crypto/ssh"
)

// A bad authorized_keys line is refused with the file and line, never
// skipped: a typo must not silently lock out the key it was meant for.
func TestLoadAuthorizedKeysErrors(t *testing.T) {
	dir := t.TempDir()
	good := string(gossh.MarshalAuthorizedKey(newKey(t).PublicKey()))
	cases := []struct{ name, body, want string }{
		{"typo", "# the team\n" + good + "ssh-ed25519 AAAAnot-base64 bob\n", ":3: not an OpenSSH public key"},
		{"empty", "# nobody yet\n\n", ": no keys, so nobody could connect"},
		{"options", good + `from="10.1.2.3",no-pty ` + good, `:2: options (from="10.1.2.3",no-pty) are not supported and would not be enforced`},
	}
	for _, tc := range cases {
		path := filepath.Join(dir, tc.name)
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadAuthorizedKeys(path)
		if err == nil || !strings.Contains(err.Error(), "authorized keys "+path+tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, path+tc.want)
		}
	}
	path := filepath.Join(dir, "ok")
	if err := os.WriteFile(path, []byte("# one\n"+good), 0o600); err != nil {
		t.Fatal(err)
	}
	if keys, err := LoadAuthorizedKeys(path); err != nil || len(keys) != 1 {
		t.Errorf("a good file: %d keys, %v", len(keys), err)
	}
}

// A host key file that is not a key stops the server with what to do; it
// is never replaced behind the owner's back.
func TestCorruptHostKeyIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "host_ed25519")
	if err := os.WriteFile(path, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadOrCreateHostKey(path)
	if err == nil || !strings.Contains(err.Error(), path+": not an SSH private key") || !strings.Contains(err.Error(), "move the file away") {
		t.Errorf("corrupt host key: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "not a key\n" {
		t.Error("the corrupt host key was overwritten")
	}
}

// Servers starting at once end up with one host key: each reads the same
// complete key, none fails on a half-written file.
func TestHostKeyCreatedOnceUnderARace(t *testing.T) {
	for range 20 {
		path := filepath.Join(t.TempDir(), "ssh", "host_ed25519")
		const n = 8
		keys := make([][]byte, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { keys[i], errs[i] = loadOrCreateHostKey(path) })
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("server %d: %v", i, errs[i])
			}
			if !bytes.Equal(keys[i], keys[0]) {
				t.Fatalf("server %d got another key", i)
			}
		}
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
			t.Fatalf("host key: %v", err)
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".host-key-*")); len(left) != 0 {
			t.Fatalf("temporary files left: %q", left)
		}
	}
}
