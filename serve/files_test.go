package serve

import (
	"os"
	"path/filepath"
	"strings"
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
