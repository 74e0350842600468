package session

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/fanout-dev/fanout/backends"
)

// FlushInterval is the longest an event waits in the recorder's buffer: a
// killed process loses at most this much of a stream, and a partial line.
const FlushInterval = 250 * time.Millisecond

// Recorder writes one session file as the run happens: the header with the
// first prompt, each event as it arrives, a prompt line for each follow-up
// and a footer with the final stats of each turn. Writes are buffered,
// flushed at least every FlushInterval and at every Done or Error, and the
// file is synced at the end of every turn.
//
// A Recorder does no IO until its first turn starts, so a UI may create one
// in its update loop and hand it to the goroutines that run the streams.
// Its methods are safe for concurrent use. A write error is kept (see Err)
// and ends the recording; it never stops the run.
type Recorder struct {
	store  Store
	header Header

	mu      sync.Mutex
	path    string
	f       *os.File
	w       *bufio.Writer
	timer   *time.Timer // armed while the buffer holds unflushed events
	err     error
	closed  bool
	turn    int
	results []*Result // the current turn, folded for its footer
	total   Cost
	scrub   []secret          // longest first
	streams []*Scrubber       // per pane, this turn's; nil when there is nothing to scrub
	trials  map[int]*Scrubber // per bench trial still streaming (see trial.go)
	buf     bytes.Buffer
	enc     *json.Encoder // writes into buf; made once, used per event
}

// NewRecorder prepares the recording of a session whose first prompt and
// targets are in h. Nothing is written until Turn is called.
func (s Store) NewRecorder(h Header) *Recorder {
	h.Type, h.Format = LineHeader, formatOf(h)
	if h.App == "" {
		h.App = s.App
	}
	if h.Author == "" {
		h.Author = s.Author
	}
	if h.Created.IsZero() {
		h.Created = time.Now()
	}
	h.Created = h.Created.UTC().Truncate(time.Millisecond)
	return &Recorder{store: s, header: h, scrub: newSecrets(s.Secrets)}
}

// Path is the session file, once the first turn has created it.
func (r *Recorder) Path() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.path
}

// ID is the session's id, once the first turn has created its file.
func (r *Recorder) ID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.header.ID
}

// Err is the first error that stopped the recording, if any.
func (r *Recorder) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// Turn starts a turn: the first creates the file and writes the header
// (prompt is then the header's prompt), later ones write a prompt line.
func (r *Recorder) Turn(prompt string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.survive()
	if r.err != nil || r.closed {
		return
	}
	r.turn++
	r.results = make([]*Result, len(r.header.Targets))
	r.streams = nil
	if len(r.scrub) > 0 {
		r.streams = make([]*Scrubber, len(r.header.Targets))
		for i := range r.streams {
			r.streams[i] = Secrets{r.scrub}.Scrubber()
		}
	}
	for i, t := range r.header.Targets {
		r.results[i] = &Result{Target: t.Target(), Price: t.Price}
	}
	if r.turn == 1 {
		r.header.Prompt = prompt
		if err := r.create(); err != nil {
			r.fail(err)
			return
		}
		r.write(r.header)
		r.flush()
		if r.err != nil {
			r.discard()
		}
		return
	}
	r.write(PromptLine{Type: LinePrompt, Turn: r.turn, Prompt: prompt})
}

// Record writes one event of the current turn.
func (r *Recorder) Record(ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.survive()
	if r.err != nil || r.f == nil {
		return
	}
	if ev.Trial != 0 {
		r.recordTrial(ev)
		return
	}
	if ev.Pane >= 0 && ev.Pane < len(r.streams) {
		for _, e := range r.streams[ev.Pane].Push(ev) {
			r.writeEvent(e)
		}
	} else {
		r.writeEvent(ev)
	}
	if ev.Type == backends.EventDone || ev.Type == backends.EventError {
		r.flush()
		return
	}
	r.armFlush()
}

// writeEvent writes one event line and folds it into its pane's results,
// so that the footer sums up exactly the events the file holds (scrubbed,
// in the order written).
func (r *Recorder) writeEvent(ev Event) {
	if ev.Pane >= 0 && ev.Pane < len(r.results) {
		r.results[ev.Pane].Apply(ev)
	}
	r.write(ev)
}

// endStreams writes what the panes' scrubbers still hold: a stream cut
// off without its own ending.
func (r *Recorder) endStreams() {
	for _, z := range r.streams {
		for _, e := range z.End() {
			r.writeEvent(e)
		}
	}
}

// armFlush makes sure what is in the buffer reaches the file within
// FlushInterval.
func (r *Recorder) armFlush() {
	if r.timer == nil {
		r.timer = time.AfterFunc(FlushInterval, r.flushLater)
	}
}

func (r *Recorder) flushLater() {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.survive()
	r.timer = nil
	r.flush()
}

// EndTurn writes the turn's footer and syncs the file to disk.
func (r *Recorder) EndTurn() {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.survive()
	if r.err != nil || r.f == nil {
		return
	}
	r.endStreams()
	rep := NewReport("", r.results)
	for _, res := range r.results {
		r.total = AddCost(r.total, res.Cost())
	}
	r.write(Footer{Type: LineFooter, Turn: r.turn, Ended: time.Now().UTC().Truncate(time.Millisecond), Results: rep.Results, Total: r.total})
	r.flush()
	if r.err == nil {
		if err := r.f.Sync(); err != nil {
			r.fail(fmt.Errorf("sync session %s: %w", r.path, err))
		}
	}
	r.synced()
}

// synced tells the store's Synced hook that the file holds whole turns.
func (r *Recorder) synced() {
	if r.err == nil && r.store.Synced != nil && r.path != "" {
		r.store.Synced(r.path)
	}
}

// Close flushes, syncs and closes the file. A turn not ended keeps no
// footer: the loader recomputes its stats from the events.
func (r *Recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.survive()
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	if r.f == nil {
		return r.err
	}
	r.endStreams()
	r.endTrials()
	r.flush()
	f := r.f
	r.f = nil
	if err := f.Sync(); err != nil && r.err == nil {
		r.err = fmt.Errorf("sync session %s: %w", r.path, err)
	}
	if err := f.Close(); err != nil && r.err == nil {
		r.err = fmt.Errorf("close session %s: %w", r.path, err)
	}
	r.synced()
	return r.err
}

// create makes the file, named by the time and a slug of the prompt; the
// name is the session's id.
func (r *Recorder) create() error {
	dir := r.store.Dir
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create sessions folder %s: %w", dir, err)
	}
	base := r.header.Created.Local().Format("20060102-150405")
	// The name is made from the scrubbed prompt: a key pasted into a
	// prompt must not end up in a file name, where no scrubbing reaches.
	if s := slug(r.scrubValue(r.header.Prompt).(string)); s != "" {
		base += "-" + s
	}
	if r.store.Unique != "" {
		base += "-" + uniqueSuffix(r.store.Unique)
	}
	for n := 1; n < 1000; n++ {
		id := base
		if n > 1 {
			id = fmt.Sprintf("%s-%d", base, n)
		}
		path := filepath.Join(dir, id+Ext)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("create session file: %w", err)
		}
		lockRecording(f)
		r.f, r.path, r.header.ID = f, path, id
		r.w = bufio.NewWriterSize(f, 64<<10)
		return nil
	}
	return fmt.Errorf("create session file in %s: too many sessions named %s", dir, base)
}

// discard removes a file whose header could not be written (a full disk):
// empty or torn, it would be no session, only an error in every later
// listing. The error stays, for Close to report.
func (r *Recorder) discard() {
	_ = r.f.Close()
	_ = os.Remove(r.path)
	r.f, r.w = nil, nil
}

// Ext is the extension of session files.
const Ext = ".jsonl"

// write encodes one line into the buffer, with any secret scrubbed. Text is
// written as is: no HTML escaping, so answers stay readable in the file.
func (r *Recorder) write(v any) {
	if r.err != nil {
		return
	}
	r.buf.Reset()
	if r.enc == nil {
		r.enc = json.NewEncoder(&r.buf)
		r.enc.SetEscapeHTML(false)
	}
	var err error
	if ev, ok := v.(Event); ok {
		err = r.enc.Encode(eventJSON{TMs: backends.Millis(ev.T), Pane: ev.Pane, Trial: ev.Trial, Event: ev.Event})
	} else {
		err = r.enc.Encode(v)
	}
	if err != nil {
		r.fail(fmt.Errorf("encode session line: %w", err))
		return
	}
	line := r.scrubLine(r.buf.Bytes())
	if _, err := r.w.Write(line); err != nil {
		r.fail(fmt.Errorf("write session %s: %w", r.path, err))
	}
}

func (r *Recorder) flush() {
	if r.err != nil || r.w == nil || r.f == nil {
		return
	}
	if err := r.w.Flush(); err != nil {
		r.fail(fmt.Errorf("write session %s: %w", r.path, err))
	}
}

// survive turns a panic inside the recorder, a bug in fanout, into the
// error that ends the recording: the run and its other panes go on (under
// serve, so does every other connection), and the lines already written
// stay readable. It must be deferred after the lock, to run before the
// unlock.
func (r *Recorder) survive() {
	v := recover()
	if v == nil {
		return
	}
	if r.err == nil && r.w != nil {
		_ = r.w.Flush() // whole lines: write hands the buffer one line at a time
	}
	r.fail(fmt.Errorf("recording %s stopped by a bug in fanout (%v); the run goes on — please report it", r.path, v))
}

func (r *Recorder) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// slug is a short file-name-safe form of a prompt: "Why is the sky blue?"
// becomes "why-is-the-sky-blue".
func slug(prompt string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(prompt) {
		switch {
		case c < 128 && (unicode.IsLetter(c) || unicode.IsDigit(c)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(c)
		default:
			dash = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	return b.String()
}

// uniqueSuffix is who (as a slug) and six random hex digits: a session id
// no other machine will make.
func uniqueSuffix(who string) string {
	var b [3]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	s := slug(who)
	if s == "" {
		return hex.EncodeToString(b[:])
	}
	return s + "-" + hex.EncodeToString(b[:])
}
