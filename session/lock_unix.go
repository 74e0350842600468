//go:build unix

package session

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockRecording marks f as being recorded for as long as it stays open,
// with an advisory lock the kernel drops when the process ends, however it
// ends. It is best effort: on a file system without locks, the recording
// goes on all the same.
func lockRecording(f *os.File) {
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
}

// beingRecorded reports whether some open recorder, in this process or
// another, holds path's lock.
func beingRecorded(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return err == syscall.EWOULDBLOCK
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return false
}

// lockForAppend takes f's lock for a writer that appends to a session that
// has ended (a vote). A recorder holds the lock for its whole run, another
// voter for an instant: it is tried for a second before giving up.
func lockForAppend(f *os.File) error {
	for range 20 {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if err != syscall.EWOULDBLOCK {
			return nil // no locks on this file system: best effort, as recording is
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("a running fanout is recording this session: vote once it has ended")
}
