package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The PROXY protocol flags go together, and a bad address says which.
func TestServeProxyFlagsUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--proxy-protocol"}, "--proxy-protocol and --proxy-from go together"},
		{[]string{"serve", "--proxy-from", "127.0.0.1"}, "--proxy-protocol and --proxy-from go together"},
		{[]string{"serve", "--proxy-protocol", "--proxy-from", "balancer.local"}, `--proxy-from: "balancer.local" is neither an address nor a CIDR prefix`},
		{[]string{"serve", "--proxy-protocol", "--proxy-from", "10.0.0.1/8"}, "did you mean 10.0.0.0/8"},
	} {
		code, _, errOut := runCLI(t, testEnv(t, nil), "", c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", c.args, code, errOut, exitUsage, c.want)
		}
	}
}

// A host key given with --host-key is the operator's: missing, it is an
// error saying how to make one, and nothing is created in its place.
func TestServeHostKeyGivenIsNeverCreated(t *testing.T) {
	getenv := testEnv(t, nil)
	path := filepath.Join(getenv("HOME"), "shared", "host_ed25519")
	code, _, errOut := runCLI(t, getenv, "", "serve", "--listen", "127.0.0.1:0", "--host-key", path)
	if code == exitOK || !strings.Contains(errOut, "host key "+path+" does not exist: make it once with 'ssh-keygen") {
		t.Errorf("exit %d, stderr %q; want an error naming the file and ssh-keygen", code, errOut)
	}
	if _, err := os.Stat(filepath.Dir(path)); err == nil {
		t.Error("a folder was made for the missing key")
	}
	def := filepath.Join(getenv("HOME"), ".local", "share", "fanout", "ssh", "host_ed25519")
	if _, err := os.Stat(def); err == nil {
		t.Error("a key was made at the default place instead")
	}

	// Given and there, it is used, and the server says where it came from.
	writeSharedHostKey(t, filepath.Join(getenv("HOME"), "key"))
	srv := startServe(t, getenv, nil, "--host-key", filepath.Join(getenv("HOME"), "key"), "--proxy-protocol", "--proxy-from", "127.0.0.1")
	srv.stop(t)
	if log := srv.stderr.String(); !strings.Contains(log, "host_key="+filepath.Join(getenv("HOME"), "key")) || !strings.Contains(log, "proxy_from=127.0.0.1") {
		t.Errorf("the start log does not name the key and the balancer:\n%s", log)
	}
}
