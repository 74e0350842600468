package session

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// HistoryCap is how many prompts a history keeps: the last ones.
const HistoryCap = 500

// maxHistoryLine bounds one line of the history file when it is read: a
// prompt may be long (a pasted document), but a line longer than this is
// not one fanout wrote.
const maxHistoryLine = 8 << 20

// HistoryPath is where the cockpit keeps its prompt history:
// $XDG_STATE_HOME/fanout/history, else ~/.local/state/fanout/history.
func HistoryPath(getenv func(string) string) string {
	if d := getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "fanout", "history")
	}
	home := getenv("HOME")
	if home == "" {
		home = "."
	}
	return filepath.Join(home, ".local", "state", "fanout", "history")
}

// History is the prompts sent from the composer, kept across runs in one
// file: one prompt a line, each a JSON string, oldest first, the last
// HistoryCap of them. Every prompt is scrubbed of the known secrets before
// it is kept, as the session files are. It implements ui.PromptHistory and
// is safe for concurrent use (fanout serve shares one per client key).
type History struct {
	path  string
	scrub []secret

	mu      sync.Mutex
	prompts []string
	lines   int // lines in the file, to know when to rewrite it
	err     error
}

// OpenHistory reads the history kept at path; a missing file is an empty
// history. A line that is not a JSON string (a torn write, an edit by
// hand) is skipped: a history is a convenience, never a reason not to
// start. secrets are the values no prompt may keep (see Store.Secrets).
func OpenHistory(path string, secrets []string) (*History, error) {
	h := &History{path: path, scrub: newSecrets(secrets)}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return h, nil
	}
	if err != nil {
		return nil, fmt.Errorf("prompt history: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxHistoryLine)
	for sc.Scan() {
		h.lines++
		var p string
		if json.Unmarshal(sc.Bytes(), &p) != nil || strings.TrimSpace(p) == "" {
			continue
		}
		// Scrubbed again: a key set since the prompt was kept.
		h.prompts = append(h.prompts, h.scrubbed(p))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("prompt history %s: %w", path, err)
	}
	if len(h.prompts) > HistoryCap {
		h.prompts = h.prompts[len(h.prompts)-HistoryCap:]
	}
	return h, nil
}

// Path is the history's file.
func (h *History) Path() string { return h.path }

// Prompts are the kept prompts, oldest first.
func (h *History) Prompts() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.prompts...)
}

// Add keeps prompt, scrubbed, unless it is blank or the same as the last
// one. It appends one line to the file; once the file holds twice the cap,
// it is rewritten with the last HistoryCap prompts. A failure to write is
// kept for Err: Add is called from the UI, which has nowhere to show it.
func (h *History) Add(prompt string) {
	if strings.TrimSpace(prompt) == "" {
		return
	}
	prompt = h.scrubbed(prompt)
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.prompts); n > 0 && h.prompts[n-1] == prompt {
		return
	}
	h.prompts = append(h.prompts, prompt)
	if len(h.prompts) > HistoryCap {
		h.prompts = h.prompts[len(h.prompts)-HistoryCap:]
	}
	var err error
	if h.lines+1 > 2*HistoryCap {
		err = h.rewrite()
	} else {
		err = h.appendLine(prompt)
	}
	if err != nil && h.err == nil {
		h.err = fmt.Errorf("prompt history %s: %w", h.path, err)
	}
}

// Err is the first failure to write the history, if any.
func (h *History) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *History) scrubbed(p string) string {
	for _, s := range h.scrub {
		p = strings.ReplaceAll(p, s.s, redactedMark)
	}
	return p
}

// encodeLine is prompt as one line of the file.
func encodeLine(prompt string) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(prompt); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// appendLine adds one prompt to the file, creating it (0600, in a 0700
// folder: prompts are private) if need be. The caller holds h.mu.
func (h *History) appendLine(prompt string) error {
	line, err := encodeLine(prompt)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(h.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(line)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		h.lines++
	}
	return err
}

// rewrite replaces the file with the kept prompts in one step, so that a
// crash leaves the old file or the new one. The caller holds h.mu.
func (h *History) rewrite() error {
	var b bytes.Buffer
	for _, p := range h.prompts {
		line, err := encodeLine(p)
		if err != nil {
			return err
		}
		b.Write(line)
	}
	dir := filepath.Dir(h.path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".history.*.tmp") // CreateTemp makes it 0600
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // nothing left to remove after the rename
	_, err = tmp.Write(b.Bytes())
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), h.path)
	}
	if err == nil {
		h.lines = len(h.prompts)
	}
	return err
}
