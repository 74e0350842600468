package serve

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"strings"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// Anonymous is the folder of the sessions of clients that logged in
// without a key.
const Anonymous = "anonymous"

// Fingerprint names a client key in file names: OpenSSH's SHA256
// fingerprint (what ssh-keygen -l prints), with the base64 letters that
// are unsafe in a path (/ and +) swapped for _ and -.
func Fingerprint(k ssh.PublicKey) string {
	if k == nil {
		return Anonymous
	}
	sum := sha256.Sum256(k.Marshal())
	return "SHA256-" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// LoadAuthorizedKeys reads an authorized_keys file: one key a line, blank
// lines and # comments skipped. A line that does not parse is an error, so
// a typo never locks out the person it was meant for without a word.
func LoadAuthorizedKeys(path string) ([]ssh.PublicKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read authorized keys: %w", err)
	}
	var keys []ssh.PublicKey
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, opts, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, fmt.Errorf("authorized keys %s:%d: not an OpenSSH public key (%w); put one key a line, as in ~/.ssh/id_ed25519.pub", path, n, err)
		}
		if len(opts) > 0 {
			// from=, restrict, command=… would be silently ignored: a key
			// meant for one address would be let in from anywhere.
			return nil, fmt.Errorf("authorized keys %s:%d: options (%s) are not supported and would not be enforced; put the bare key, as in ~/.ssh/id_ed25519.pub", path, n, strings.Join(opts, ","))
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read authorized keys %s: %w", path, err)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("authorized keys %s: no keys, so nobody could connect; add a public key a line", path)
	}
	return keys, nil
}

// authOptions let in the authorized keys only, or, for a public demo,
// anyone: with a key (then their sessions are filed under its
// fingerprint) or without one (anonymous). Either way a login is let in
// only while its address has room for one more connection without a
// session (see connState.loggedIn).
func (s *Server) authOptions() []ssh.Option {
	if len(s.cfg.AuthorizedKeys) > 0 {
		return []ssh.Option{ssh.PublicKeyAuth(func(ctx ssh.Context, key ssh.PublicKey) bool {
			for _, k := range s.cfg.AuthorizedKeys {
				if ssh.KeysEqual(k, key) {
					return s.loggedIn(ctx)
				}
			}
			s.log.Info("key refused", "remote", ctx.RemoteAddr().String(), "user", ctx.User(), "key", Fingerprint(key))
			return false
		})}
	}
	return []ssh.Option{
		ssh.PublicKeyAuth(func(ctx ssh.Context, _ ssh.PublicKey) bool { return s.loggedIn(ctx) }),
		// No questions asked: this only lets clients without a key in.
		ssh.KeyboardInteractiveAuth(func(ctx ssh.Context, _ gossh.KeyboardInteractiveChallenge) bool { return s.loggedIn(ctx) }),
	}
}

// loggedIn moves ctx's connection out of the pre-auth phase; false, and
// the login is refused, when there is no room for it.
func (s *Server) loggedIn(ctx ssh.Context) bool {
	cs := connOf(ctx)
	if cs == nil {
		// Every connection is given its state on accept; one without is
		// not ours to let in.
		return false
	}
	return cs.loggedIn()
}
