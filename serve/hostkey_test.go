package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// writeHostKey writes a new ed25519 host key to path, read-only, as an
// operator would hand one to every replica; it returns its fingerprint.
func writeHostKey(t *testing.T, path string) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "shared")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o400); err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return gossh.FingerprintSHA256(signer.PublicKey())
}

// hostKeyOf is the fingerprint of the host key the server at addr shows.
func hostKeyOf(t *testing.T, addr string) string {
	t.Helper()
	var got string
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{
		User: "judy", Auth: []gossh.AuthMethod{anonymous()}, Timeout: 5 * time.Second,
		HostKeyCallback: func(_ string, _ net.Addr, k gossh.PublicKey) error {
			got = gossh.FingerprintSHA256(k)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	return got
}

// Two servers given one key file (read-only, as a mounted secret is)
// show clients the same host key, and neither writes anything.
func TestSharedHostKey(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "shared_host_key")
	want := writeHostKey(t, path)
	before, _ := os.ReadFile(path)
	for i := range 2 {
		pem, err := LoadHostKey(path)
		if err != nil {
			t.Fatal(err)
		}
		cfg := testConfig(t)
		cfg.HostKeyPath, cfg.HostKeyPEM = path, pem
		_, addr := startServer(t, cfg)
		if got := hostKeyOf(t, addr); got != want {
			t.Errorf("replica %d shows %s, want the shared %s", i, got, want)
		}
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Error("the shared key file was changed")
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("files were made beside the shared key: %v", left)
	}
}

// A key file given but missing, unreadable, not a key, or locked with a
// passphrase is an error saying what to do, and nothing is created: a
// replica that made its own key would show clients a changed host key.
func TestLoadHostKeyRefuses(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing")
	notKey := filepath.Join(dir, "not-a-key")
	if err := os.WriteFile(notKey, []byte("-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0\n-----END OPENSSH PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, err := gossh.MarshalPrivateKeyWithPassphrase(priv, "", []byte("pass"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(locked, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ path, want string }{
		{missing, "does not exist: make it once with 'ssh-keygen -t ed25519 -N \"\" -f " + missing + "'"},
		{dir, "is a directory"}, // unreadable as a file
		{notKey, notKey + ": not an SSH private key"},
		{locked, "encrypted with a passphrase"},
	}
	for _, c := range cases {
		_, err := LoadHostKey(c.path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadHostKey(%s): %v, want it to say %q", filepath.Base(c.path), err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("the error quotes the file: %v", err)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("a missing key file was created")
	}
	// New checks a key it is handed, too.
	cfg := testConfig(t)
	cfg.HostKeyPath, cfg.HostKeyPEM = notKey, []byte("nope")
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "not an SSH private key") {
		t.Errorf("New with a bad HostKeyPEM: %v", err)
	}
}
