package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// PutVote writes a vote on a session as its own object,
// PREFIX/votes/SESSION/VOTE.json: an object store cannot append, and two
// voters' votes on one session must both be kept. The key is the time, the
// voter and a random suffix, and the write refuses to replace an object.
func (t *Team) PutVote(ctx context.Context, sessionID string, v session.VoteLine) (string, error) {
	if !validID(sessionID) {
		return "", fmt.Errorf("vote: %q is not a session id", sessionID)
	}
	v.Type = session.LineVote
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	v.Time = v.Time.UTC().Truncate(time.Millisecond)
	body, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("vote on %s: %w", sessionID, err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	voteID := v.Time.Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
	if who := voterSlug(v.Voter); who != "" {
		voteID += "-" + who
	}
	key := t.Loc.key("votes", sessionID, voteID+".json")
	if _, err := t.Bucket.Put(ctx, key, body, true); err != nil {
		// Kept here, for the next fanout started on this machine to
		// upload (UploadPending): a vote is evidence, never lost.
		if kerr := t.keepVote(sessionID, voteID, body); kerr != nil {
			return "", fmt.Errorf("vote on %s: %w; and it could not be kept here either: %w", sessionID, err, kerr)
		}
		return "", &PendingError{Err: fmt.Errorf("vote on %s: %w", sessionID, err)}
	}
	return key, nil
}

// PendingError is a write the store refused or never answered, kept on
// this machine to be uploaded by the next fanout that starts here.
type PendingError struct{ Err error }

func (e *PendingError) Error() string {
	return e.Err.Error() + "; kept on this machine, the next fanout started here uploads it"
}
func (e *PendingError) Unwrap() error { return e.Err }

// The vote outbox: <sessions>/.outbox/votes/SESSION/VOTE.json, each file
// the object to put.
func (t *Team) voteOutbox() string { return filepath.Join(t.outbox(), "votes") }

func (t *Team) keepVote(sessionID, voteID string, body []byte) error {
	return writeFileAtomic(filepath.Join(t.voteOutbox(), sessionID, voteID+".json"), body)
}

// uploadPendingVotes puts the votes kept here; the first error is returned.
func (t *Team) uploadPendingVotes(ctx context.Context) error {
	var first error
	for _, pv := range t.pendingVotes() {
		_, err := t.Bucket.Put(ctx, t.Loc.key("votes", pv.session, pv.name), pv.body, true)
		if err != nil && !errors.Is(err, ErrExists) {
			if first == nil {
				first = err
			}
			continue
		}
		_ = os.Remove(pv.path)
		_ = os.Remove(filepath.Dir(pv.path)) // when empty
	}
	return first
}

type pendingVote struct {
	session, name, path string
	body                []byte
	vote                session.VoteLine
}

func (t *Team) pendingVotes() []pendingVote {
	var out []pendingVote
	sessions, _ := os.ReadDir(t.voteOutbox())
	for _, s := range sessions {
		if !s.IsDir() || !validID(s.Name()) {
			continue
		}
		for _, p := range sessionFilesExt(filepath.Join(t.voteOutbox(), s.Name()), ".json") {
			body, err := os.ReadFile(p)
			var v session.VoteLine
			if err != nil || json.Unmarshal(body, &v) != nil {
				continue
			}
			out = append(out, pendingVote{session: s.Name(), name: filepath.Base(p), path: p, body: body, vote: v})
		}
	}
	return out
}

// voterSlug is the voter's name as it may appear in a key.
func voterSlug(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c < 128 && (c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b.WriteRune(c)
		}
		if b.Len() >= 32 {
			break
		}
	}
	return b.String()
}

// Votes are the vote objects in the store, by session id. Each is read
// once: a vote object is never rewritten, so the cache keeps it by key.
func (t *Team) Votes(ctx context.Context) (map[string][]session.VoteLine, []error) {
	ix := t.loadIndex()
	seen := map[string]bool{}
	var errs []error
	changed := false
	err := t.Bucket.List(ctx, t.votesPrefix(), func(o Object) error {
		rest, _ := strings.CutPrefix(o.Key, t.votesPrefix())
		sid, name, ok := strings.Cut(rest, "/")
		if !ok || !validID(sid) || strings.Contains(name, "/") || !strings.HasSuffix(name, ".json") {
			return nil
		}
		seen[o.Key] = true
		if e, ok := ix.Votes[o.Key]; ok && e.ETag == o.ETag {
			return nil
		}
		body, etag, err := t.Bucket.Get(ctx, o.Key)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		var v session.VoteLine
		if err := json.Unmarshal(body, &v); err != nil || v.Type != session.LineVote {
			errs = append(errs, fmt.Errorf("vote s3://%s/%s is not a fanout vote; remove it from the store", t.Loc.Bucket, o.Key))
			return nil
		}
		ix.Votes[o.Key] = voteEntry{ETag: cmpOr(o.ETag, etag), Session: sid, Vote: v}
		changed = true
		return nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("%w (counting the cached votes only)", err))
	} else {
		for key := range ix.Votes {
			if !seen[key] {
				delete(ix.Votes, key)
				changed = true
			}
		}
	}
	if changed {
		if err := t.saveIndex(ix); err != nil {
			errs = append(errs, err)
		}
	}
	out := map[string][]session.VoteLine{}
	for _, e := range ix.Votes {
		out[e.Session] = append(out[e.Session], e.Vote)
	}
	// This machine's votes not uploaded yet count too: they are the team's,
	// only late.
	for _, pv := range t.pendingVotes() {
		if !seen[t.Loc.key("votes", pv.session, pv.name)] {
			out[pv.session] = append(out[pv.session], pv.vote)
		}
	}
	return out, errs
}

// Files are the session files the team's votes may be on: this machine's
// and the store's cached copies, one per id (this machine's when both).
// Sync first (List) for the store's to be current.
func (t *Team) Files() []string {
	var paths []string
	have := map[string]bool{}
	for _, dir := range []string{t.Local.Dir, t.mirror()} {
		for _, p := range sessionFiles(dir) {
			id := strings.TrimSuffix(baseName(p), session.Ext)
			if have[id] {
				continue
			}
			have[id] = true
			paths = append(paths, p)
		}
	}
	return paths
}
