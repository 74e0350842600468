//go:build linux

package session

import (
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// fullDiskEnv carries, to the child test process, the most bytes a file
// may take: the child runs with that file-size limit, which fails writes
// past it with EFBIG as a full disk fails them with ENOSPC.
const fullDiskEnv = "FANOUT_TEST_FILE_SIZE_LIMIT"

// A disk that fills before the header is written leaves no file behind:
// an empty or half-written file would be listed as an error by every
// later `fanout sessions`. The recording says it failed, and the run
// goes on.
func TestRecorderLeavesNoFileWhenTheHeaderCannotBeWritten(t *testing.T) {
	if v := os.Getenv(fullDiskEnv); v != "" {
		recordOnFullDisk(t, v)
		return
	}
	for _, limit := range []string{"0", "40"} { // nothing written; a torn header
		t.Run("limit "+limit, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestRecorderLeavesNoFileWhenTheHeaderCannotBeWritten$", "-test.v")
			cmd.Env = append(os.Environ(), fullDiskEnv+"="+limit)
			out, err := cmd.CombinedOutput()
			if err != nil || !strings.Contains(string(out), "--- PASS") {
				t.Fatalf("on a full disk (%v):\n%s", err, out)
			}
		})
	}
}

func recordOnFullDisk(t *testing.T, limit string) {
	n, err := strconv.ParseUint(limit, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	signal.Ignore(syscall.SIGXFSZ) // a write past the limit then fails, as on a full disk
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &rl); err != nil {
		t.Fatal(err)
	}
	rl.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &rl); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	rec := Store{Dir: dir}.NewRecorder(oneTarget())
	rec.Turn("a prompt long enough to need more than forty bytes of header")
	rec.Record(Event{T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "hi")})
	rec.Record(Event{T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	rec.EndTurn()
	err = rec.Close()
	if err == nil || !strings.Contains(err.Error(), "write session") {
		t.Errorf("Close on a full disk: %v, want the write error", err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) > 0 {
		t.Errorf("a session that could not write its header left %v", left)
	}
}
