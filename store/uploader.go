package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Uploader uploads local sessions to the store in the background: when the
// recorder says a turn is on disk (Notify, the session.Store's Synced hook),
// and, from the start, whatever an earlier fanout here left pending. A
// failed upload is retried with backoff until it succeeds or the context
// ends; the session stays local meanwhile, marked pending, so nothing is
// lost if this process never gets to upload it.
type Uploader struct {
	team *Team
	// Backoff is the first wait after a failure, doubled up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Report, when set, hears of each failed attempt (never blocking).
	Report func(path string, err error)

	mu      sync.Mutex
	dirty   map[string]bool // paths with changes not yet uploaded
	busy    bool            // an upload is under way
	lastErr map[string]error
	changed chan struct{} // signalled on every change of the above
	kick    chan struct{}
	votes   bool // votes an earlier fanout kept here, uploaded first
}

// NewUploader makes an uploader for the team's store; Run starts it.
func (t *Team) NewUploader() *Uploader {
	u := &Uploader{team: t, Backoff: 250 * time.Millisecond, MaxBackoff: 30 * time.Second,
		dirty: map[string]bool{}, lastErr: map[string]error{}, changed: make(chan struct{}), kick: make(chan struct{}, 1)}
	for _, p := range t.Pending() {
		u.dirty[p] = true
	}
	u.votes = len(t.pendingVotes()) > 0
	u.busy = u.votes // so that Wait waits for them
	return u
}

// Notify marks a session for upload and wakes the uploader. It makes the
// pending marker first, so a crash before the upload leaves it for the next
// fanout. It does not block on the network: it is called from inside the
// recorder.
func (u *Uploader) Notify(path string) {
	if err := u.team.MarkPending(path); err != nil && u.Report != nil {
		u.Report(path, err)
	}
	u.mu.Lock()
	u.dirty[path] = true
	u.signal()
	u.mu.Unlock()
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// signal wakes whoever waits for a change; u.mu must be held.
func (u *Uploader) signal() {
	close(u.changed)
	u.changed = make(chan struct{})
}

// Run uploads until ctx ends. One upload at a time: sessions are small, and
// the machine's bandwidth belongs to the models' streams.
func (u *Uploader) Run(ctx context.Context) {
	wait := u.Backoff
	if u.votes {
		err := u.team.uploadPendingVotes(ctx)
		if err != nil && u.Report != nil {
			u.Report("votes", err)
		}
		u.mu.Lock()
		u.busy = false
		if err != nil {
			u.lastErr["votes"] = err
		}
		u.signal()
		u.mu.Unlock()
	}
	for {
		path, ok := u.take()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-u.kick:
				continue
			}
		}
		err := u.team.Upload(ctx, path)
		u.mu.Lock()
		u.busy = false
		if err != nil {
			u.dirty[path] = true // again, unless a newer Notify did it already
			u.lastErr[path] = err
		} else {
			delete(u.lastErr, path)
		}
		u.signal()
		u.mu.Unlock()
		if err == nil {
			wait = u.Backoff
			continue
		}
		if u.Report != nil {
			u.Report(path, err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, u.MaxBackoff)
	}
}

// take picks a dirty path and marks the uploader busy with it.
func (u *Uploader) take() (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for p := range u.dirty {
		delete(u.dirty, p)
		u.busy = true
		return p, true
	}
	return "", false
}

// Wait returns once everything notified so far is uploaded, or when ctx
// ends; then it returns the sessions left local and why. A headless
// command calls it with a 10 s deadline before it exits.
func (u *Uploader) Wait(ctx context.Context) error {
	for {
		u.mu.Lock()
		if len(u.dirty) == 0 && !u.busy {
			u.mu.Unlock()
			return nil
		}
		ch := u.changed
		left := len(u.dirty)
		if u.busy {
			left++
		}
		var why error
		for _, err := range u.lastErr {
			why = err
			break
		}
		u.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			if why == nil {
				why = ctx.Err()
			}
			return fmt.Errorf("%d session(s) not uploaded to %s yet, kept here; the next fanout started on this machine uploads them: %w", left, u.team.Loc, why)
		}
	}
}
