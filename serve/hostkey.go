package serve

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// loadOrCreateHostKey returns the PEM of the host key at path, creating an
// ed25519 key there on first start. The folder is created first (0700):
// without it the key could not be saved, and a server that made a new key
// on every start would look like a man in the middle to every client.
func loadOrCreateHostKey(path string) ([]byte, error) {
	if path == "" {
		return nil, errors.New("serve: no host key path")
	}
	data, err := os.ReadFile(path)
	if err == nil {
		if _, err := gossh.ParsePrivateKey(data); err != nil {
			return nil, fmt.Errorf("load host key %s: not an SSH private key (%w); fix --host-key, or move the file away to have a new key made (clients will then see a new host key)", path, err)
		}
		return data, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load host key %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create host key folder %s: %w", filepath.Dir(path), err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate host key: %w", err)
	}
	block, err := gossh.MarshalPrivateKey(priv, "fanout serve host key")
	if err != nil {
		return nil, fmt.Errorf("encode host key: %w", err)
	}
	data = pem.EncodeToMemory(block)
	// The key is written whole to a temporary file, then linked into place:
	// the link fails if a key is already there, so two servers starting at
	// once never overwrite each other's key, and the loser reads a
	// complete key, never a half-written one.
	tmp, err := os.CreateTemp(filepath.Dir(path), ".host-key-*")
	if err != nil {
		return nil, fmt.Errorf("save host key %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data) // CreateTemp makes it 0600
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	if errors.Is(err, fs.ErrExist) {
		return loadOrCreateHostKey(path)
	}
	if err != nil {
		return nil, fmt.Errorf("save host key %s: %w", path, err)
	}
	return data, nil
}

// LoadHostKey reads the host key at path and returns its PEM, never
// creating or changing the file: the key is the operator's, made once
// and shared by every replica behind one balancer (a replica that made
// its own would show clients a changed host key). A file that is
// missing, unreadable or not an unencrypted SSH private key is an error.
func LoadHostKey(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("host key %s does not exist: make it once with 'ssh-keygen -t ed25519 -N \"\" -f %s' and give every replica the same file (a key given by --host-key is never created)", path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("load host key: %w", err)
	}
	if _, err := parseHostKey(path, data); err != nil {
		return nil, err
	}
	return data, nil
}

// parseHostKey checks that data is an SSH private key a server can use;
// the errors never quote the key.
func parseHostKey(path string, data []byte) (gossh.Signer, error) {
	k, err := gossh.ParsePrivateKey(data)
	var pass *gossh.PassphraseMissingError
	switch {
	case errors.As(err, &pass):
		return nil, fmt.Errorf("load host key %s: it is encrypted with a passphrase, and a server starting on its own cannot type one; use a key without (ssh-keygen -p -N \"\" -f %s removes it)", path, path)
	case err != nil:
		return nil, fmt.Errorf("load host key %s: not an SSH private key (%w)", path, err)
	}
	return k, nil
}
