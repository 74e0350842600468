package store

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/fanout-dev/fanout/session"
)

// Team is a shared store: the bucket every member uploads to, this
// machine's sessions folder (where recordings are written first, as
// always), and a local cache of what the bucket holds.
type Team struct {
	Bucket Bucket
	Loc    Location
	// Local is this machine's sessions folder.
	Local *session.Store
	// Cache holds the index and the copies of other members' sessions
	// (see DefaultCacheDir).
	Cache string
	// Progress, when set, is told how a sync that downloads goes (stderr);
	// ProgressTTY draws it as a bar redrawn in place.
	Progress    io.Writer
	ProgressTTY bool
}

// DefaultCacheDir is where a store's index and copies live:
// $XDG_CACHE_HOME/fanout/store/HASH, HASH naming the location and endpoint,
// so that two stores never share a cache.
func DefaultCacheDir(getenv func(string) string, loc Location) string {
	base := getenv("XDG_CACHE_HOME")
	if base == "" || !filepath.IsAbs(base) {
		base = filepath.Join(cmpOr(getenv("HOME"), "."), ".cache")
	}
	endpoint := cmpOr(getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL"))
	sum := sha256.Sum256([]byte(loc.String() + "\x00" + endpoint))
	return filepath.Join(base, "fanout", "store", loc.Bucket+"-"+hex.EncodeToString(sum[:6]))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (t *Team) sessionKey(id string) string { return t.Loc.key("sessions", id+session.Ext) }
func (t *Team) sessionsPrefix() string      { return t.Loc.key("sessions") + "/" }
func (t *Team) votesPrefix() string         { return t.Loc.key("votes") + "/" }
func (t *Team) mirror() string              { return filepath.Join(t.Cache, "sessions") }
func (t *Team) outbox() string              { return filepath.Join(t.Local.Dir, ".outbox") }

// idOf is the session id an object key names; "" for a key that is no
// session.
func (t *Team) idOf(key string) string {
	name, ok := strings.CutPrefix(key, t.sessionsPrefix())
	if !ok || strings.Contains(name, "/") || !strings.HasSuffix(name, session.Ext) {
		return ""
	}
	id := strings.TrimSuffix(name, session.Ext)
	if !validID(id) {
		return ""
	}
	return id
}

// validID keeps a name from the bucket from reaching outside the cache.
func validID(id string) bool {
	return id != "" && id != "." && id != ".." && !strings.ContainsAny(id, `/\`+"\x00")
}

// Upload puts a local session file into the store, whole, under its id.
// The file is read once, so what is uploaded is a consistent prefix of
// whole lines: a recorder flushes line by line and syncs at each turn.
func (t *Team) Upload(ctx context.Context, path string) error {
	body, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("upload %s: %w", path, err)
	}
	// Only whole lines: a turn still streaming may have a partial one.
	if body = wholeLines(body); len(body) == 0 {
		return nil // no header yet: nothing to upload
	}
	id := strings.TrimSuffix(filepath.Base(path), session.Ext)
	if _, err := t.Bucket.Put(ctx, t.sessionKey(id), body, false); err != nil {
		return err
	}
	return t.markUploaded(path, body)
}

// The outbox holds a marker per local session that must reach the store:
// made before its first upload, holding the MD5 of what was last uploaded.
// A session whose file no longer matches its marker is "local only"; the
// next fanout that starts here uploads it (UploadPending).

func (t *Team) markerPath(path string) string {
	return filepath.Join(t.outbox(), strings.TrimSuffix(filepath.Base(path), session.Ext))
}

// MarkPending records that a session must be uploaded. It is a small local
// write, cheap enough to make from the recorder's Synced hook, so that a
// crash right after can never leave a session no one will upload.
func (t *Team) MarkPending(path string) error {
	if err := os.MkdirAll(t.outbox(), 0o700); err != nil {
		return fmt.Errorf("mark %s for upload: %w", path, err)
	}
	f, err := os.OpenFile(t.markerPath(path), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("mark %s for upload: %w", path, err)
	}
	return f.Close()
}

func (t *Team) markUploaded(path string, body []byte) error {
	sum := md5.Sum(body)
	full, err := os.ReadFile(path)
	if err == nil && bytes.Equal(full, body) && !session.BeingRecorded(path) {
		// Done for good: the recording is over and the store has it all.
		if err := os.Remove(t.markerPath(path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("upload %s: %w", path, err)
		}
		return nil
	}
	if err := os.MkdirAll(t.outbox(), 0o700); err != nil {
		return fmt.Errorf("upload %s: %w", path, err)
	}
	return os.WriteFile(t.markerPath(path), []byte(hex.EncodeToString(sum[:])), 0o600)
}

// Pending are the local sessions not yet (wholly) in the store: marked,
// and changed since their last upload (a recording whose every turn is
// up is not pending while it records the next).
func (t *Team) Pending() []string {
	entries, err := os.ReadDir(t.outbox())
	if err != nil {
		return nil
	}
	var paths []string
	for _, e := range entries {
		if e.IsDir() || !validID(e.Name()) {
			continue // the vote outbox is a folder
		}
		marker := filepath.Join(t.outbox(), e.Name())
		path := filepath.Join(t.Local.Dir, e.Name()+session.Ext)
		body, err := os.ReadFile(path)
		if err != nil {
			_ = os.Remove(marker) // deleted by its owner
			continue
		}
		last, _ := os.ReadFile(marker)
		sum := md5.Sum(wholeLines(body))
		if string(last) == hex.EncodeToString(sum[:]) {
			if !session.BeingRecorded(path) {
				_ = os.Remove(marker) // up for good: its fanout stopped before it could say so
			}
			continue
		}
		paths = append(paths, path)
	}
	return paths
}

// wholeLines is body up to its last newline: what an upload sends.
func wholeLines(body []byte) []byte {
	return body[:bytes.LastIndexByte(body, '\n')+1]
}

// UploadPending uploads every pending session once; the first error is
// returned, the others still tried.
func (t *Team) UploadPending(ctx context.Context) error {
	first := t.uploadPendingVotes(ctx)
	for _, p := range t.Pending() {
		if err := t.Upload(ctx, p); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// index is the cache of the store's listing: per object key, the ETag the
// summary was made from. A warm listing downloads only what changed.
type index struct {
	Sessions map[string]indexEntry `json:"sessions"`
	// Votes are the vote objects read so far, by key (a vote object is
	// never rewritten: its key is unique).
	Votes map[string]voteEntry `json:"votes"`
}

type indexEntry struct {
	ETag    string          `json:"etag"`
	Summary session.Summary `json:"summary"`
}

type voteEntry struct {
	ETag    string           `json:"etag"`
	Session string           `json:"session"`
	Vote    session.VoteLine `json:"vote"`
}

func (t *Team) indexPath() string { return filepath.Join(t.Cache, "index.json") }

func (t *Team) loadIndex() index {
	ix := index{}
	if raw, err := os.ReadFile(t.indexPath()); err == nil {
		_ = json.Unmarshal(raw, &ix) // a broken cache is only a cold one
	}
	if ix.Sessions == nil {
		ix.Sessions = map[string]indexEntry{}
	}
	if ix.Votes == nil {
		ix.Votes = map[string]voteEntry{}
	}
	return ix
}

func (t *Team) saveIndex(ix index) error {
	raw, err := json.Marshal(ix)
	if err != nil {
		return fmt.Errorf("save the store's index: %w", err)
	}
	return writeFileAtomic(t.indexPath(), raw)
}

// writeFileAtomic writes through a temporary file, so that a reader (or a
// crash) never sees half of it.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// syncWorkers is how many sessions a cold sync downloads at once.
const syncWorkers = 8

// List is the team's sessions, newest first: every session in the store
// (from the cache when its ETag has not changed), and this machine's that
// are not in it yet, marked LocalOnly. A file that cannot be read does not
// hide the others.
func (t *Team) List(ctx context.Context) ([]session.Summary, []error) {
	remote, errs := t.sync(ctx)
	local, lerrs := t.Local.List()
	errs = append(errs, lerrs...)
	pending := map[string]bool{}
	for _, p := range t.Pending() {
		pending[p] = true
	}
	byID := map[string]int{}
	for i, s := range remote {
		byID[s.ID] = i
	}
	for _, s := range local {
		// The local copy is the freshest (it may still be recording).
		s.LocalOnly = pending[s.Path]
		if i, ok := byID[s.ID]; ok {
			remote[i] = s
			continue
		}
		if !s.LocalOnly {
			// A session recorded before the store was set: it was never
			// uploaded, so it is as local as can be.
			s.LocalOnly = true
		}
		remote = append(remote, s)
	}
	sort.SliceStable(remote, func(i, j int) bool {
		if !remote[i].Created.Equal(remote[j].Created) {
			return remote[i].Created.After(remote[j].Created)
		}
		return remote[i].ID > remote[j].ID
	})
	return remote, errs
}

// sync brings the cache up to date with the store and returns the
// summaries of the sessions in it.
func (t *Team) sync(ctx context.Context) ([]session.Summary, []error) {
	ix := t.loadIndex()
	var stale []Object
	seen := map[string]bool{}
	var out []session.Summary
	err := t.Bucket.List(ctx, t.sessionsPrefix(), func(o Object) error {
		if t.idOf(o.Key) == "" {
			return nil
		}
		seen[o.Key] = true
		if e, ok := ix.Sessions[o.Key]; ok && e.ETag == o.ETag && o.ETag != "" && exists(e.Summary.Path) {
			out = append(out, e.Summary)
			return nil
		}
		stale = append(stale, o)
		return nil
	})
	if err != nil {
		// The store is out of reach: list what the cache knows, and say so.
		for _, e := range ix.Sessions {
			out = append(out, e.Summary)
		}
		return out, []error{fmt.Errorf("%w (listing the cached copy; check the network and the store's address)", err)}
	}
	var errs []error
	if len(stale) > 0 {
		got, derrs := t.download(ctx, stale)
		errs = append(errs, derrs...)
		for key, e := range got {
			ix.Sessions[key] = e
			out = append(out, e.Summary)
		}
	}
	for key := range ix.Sessions {
		if !seen[key] {
			delete(ix.Sessions, key)
			_ = os.Remove(filepath.Join(t.mirror(), t.idOf(key)+session.Ext))
		}
	}
	if len(stale) > 0 || len(seen) != len(ix.Sessions) {
		if err := t.saveIndex(ix); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errs
}

// download fetches sessions into the cache, a few at once, and summarizes
// them; progress goes to t.Progress.
func (t *Team) download(ctx context.Context, objs []Object) (map[string]indexEntry, []error) {
	var (
		mu   sync.Mutex
		got  = map[string]indexEntry{}
		errs []error
		done atomic.Int64
		next atomic.Int64
		wg   sync.WaitGroup
	)
	if err := os.MkdirAll(t.mirror(), 0o700); err != nil {
		return nil, []error{fmt.Errorf("sync the store: %w", err)}
	}
	bar := newProgress(t.Progress, t.ProgressTTY, len(objs), t.Loc.String())
	for range min(syncWorkers, len(objs)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= len(objs) || ctx.Err() != nil {
					return
				}
				e, err := t.fetch(ctx, objs[i])
				mu.Lock()
				if err != nil {
					errs = append(errs, err)
				} else {
					got[objs[i].Key] = e
				}
				mu.Unlock()
				bar.set(int(done.Add(1)))
			}
		})
	}
	wg.Wait()
	bar.end(len(got))
	return got, errs
}

func (t *Team) fetch(ctx context.Context, o Object) (indexEntry, error) {
	body, etag, err := t.Bucket.Get(ctx, o.Key)
	if err != nil {
		return indexEntry{}, err
	}
	id := t.idOf(o.Key)
	path := filepath.Join(t.mirror(), id+session.Ext)
	if err := writeFileAtomic(path, body); err != nil {
		return indexEntry{}, err
	}
	sum, err := session.Summarize(path)
	if err != nil {
		return indexEntry{}, fmt.Errorf("%s (from s3://%s/%s): %w", id, t.Loc.Bucket, o.Key, err)
	}
	// The listing's ETag, which the next listing compares with; the GET's
	// when the listing gave none.
	return indexEntry{ETag: cmpOr(o.ETag, etag), Summary: sum}, nil
}

// Resolve finds a session by path, id or the start of an id: this
// machine's first, then the store's (synced first when the cache does not
// have it). The path returned is a local file to read.
func (t *Team) Resolve(ctx context.Context, ref string) (string, error) {
	path, lerr := t.Local.Resolve(ref)
	if lerr == nil {
		return path, nil
	}
	if strings.Contains(lerr.Error(), "give more of the id") {
		return "", lerr // several of this machine's match: say so
	}
	if strings.ContainsRune(ref, filepath.Separator) || strings.HasSuffix(ref, session.Ext) {
		return "", lerr
	}
	mirror := session.Store{Dir: t.mirror()}
	if path, err := mirror.Resolve(ref); err == nil {
		return path, nil
	}
	if _, errs := t.sync(ctx); len(errs) > 0 {
		if path, err := mirror.Resolve(ref); err == nil {
			return path, nil
		}
		return "", fmt.Errorf("no session %q here, and the store could not be read: %w", ref, errs[0])
	}
	if path, err := mirror.Resolve(ref); err == nil {
		return path, nil
	} else if !strings.HasPrefix(err.Error(), "no session") {
		return "", err
	}
	return "", fmt.Errorf("no session %q in %s nor in %s; `fanout sessions` lists them", ref, t.Local.Dir, t.Loc)
}

// exists says whether a cached copy is still there (a cleaned cache
// folder leaves an index that promises more than it holds).
func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// Sub is the store of one part of the team's: the same bucket under
// PREFIX/part, with local as its sessions folder and a cache of its own.
// fanout serve keeps each client key's sessions apart so: a client never
// lists the team's, nor another key's.
func (t *Team) Sub(part string, local *session.Store) *Team {
	c := *t
	c.Loc.Prefix = strings.Trim(t.Loc.key(strings.Trim(part, "/")), "/")
	c.Local = local
	sum := sha256.Sum256([]byte(part))
	c.Cache = filepath.Join(t.Cache, "sub-"+hex.EncodeToString(sum[:6]))
	return &c
}
