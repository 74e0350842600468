package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Store is a folder of session files.
type Store struct {
	// Dir holds the session files; it is created on the first write.
	Dir string
	// App is the version of fanout written into every header.
	App string
	// Secrets are values that must never reach a session file (API keys,
	// tokens): any line that contains one has it replaced before writing.
	Secrets []string
	// Author, when set, is written into every header the store records.
	Author string
	// Unique, when set, ends every new session's id with it and a random
	// suffix, so that ids made on many machines for one shared store never
	// collide (two members starting the same prompt in the same second).
	Unique string
	// Synced, when set, is called with the file's path each time the
	// recorder has synced a whole turn (or a vote) to disk and when it
	// closes the file: the moment an upload of it is worth starting. It
	// must not block.
	Synced func(path string)
}

// DefaultDir is where sessions live: $XDG_DATA_HOME/fanout/sessions, or
// ~/.local/share/fanout/sessions.
func DefaultDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "fanout", "sessions")
	}
	home := getenv("HOME")
	if home == "" {
		home = "."
	}
	return filepath.Join(home, ".local", "share", "fanout", "sessions")
}

// Summary is a session as `fanout sessions` and the browser list it.
type Summary struct {
	ID      string    `json:"id"`
	Path    string    `json:"path"`
	Created time.Time `json:"created"`
	Prompt  string    `json:"prompt"`
	Models  []string  `json:"models"`
	Turns   int       `json:"turns"`
	// Total is the cost of every turn.
	Total Cost `json:"total_cost"`
	// Winner is the model that answered first in the last turn; "" when
	// none answered.
	Winner     string   `json:"winner"`
	WinnerTTFT *float64 `json:"winner_ttft_ms"`
	// Complete is false for a session whose last turn has no footer: it
	// was cut short, or is still streaming (Recording), and its figures
	// were recomputed from the events.
	Complete bool `json:"complete"`
	// Recording is true while a fanout, here or in another process, still
	// has the file open to record into it (where the OS has file locks).
	Recording bool   `json:"recording"`
	RerunOf   string `json:"rerun_of,omitempty"`
	// Bench is set for a bench: its trials, planned and recorded.
	Bench *BenchSummary `json:"bench,omitempty"`
	// Author is who recorded it, when the header says.
	Author string `json:"author,omitempty"`
	// LocalOnly is set by a shared store's listing for a session of this
	// machine's that has not reached the store yet (it is uploaded by the
	// next fanout that starts here).
	LocalOnly bool `json:"local_only,omitempty"`
}

// List reads every session in the folder, newest first. A file that cannot
// be read does not hide the others: it comes back in errs.
func (s Store) List() (list []Summary, errs []error) {
	entries, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, []error{fmt.Errorf("list sessions in %s: %w", s.Dir, err)}
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), Ext) {
			continue
		}
		if info, err := e.Info(); err == nil && info.Size() == 0 {
			// Nothing to list: a recording between creating its file and
			// writing its header, or what an older fanout left on a full
			// disk. An error for it in every listing would help no one.
			continue
		}
		sum, err := Summarize(filepath.Join(s.Dir, e.Name()))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		list = append(list, sum)
	}
	sort.SliceStable(list, func(i, j int) bool {
		if !list[i].Created.Equal(list[j].Created) {
			return list[i].Created.After(list[j].Created)
		}
		return list[i].ID > list[j].ID
	})
	return list, errs
}

// Summarize reads what a listing shows of one session: the header, and the
// footer when the file ends with one — which spares reading the events of a
// large file. A file without its footer is read whole to recompute it.
func Summarize(path string) (Summary, error) {
	rd, err := Open(path)
	if err != nil {
		return Summary{}, err
	}
	defer rd.Close()
	h := rd.Header()
	sum := Summary{ID: h.ID, Path: path, Created: h.Created, Prompt: h.Prompt, Turns: 1, RerunOf: h.RerunOf,
		Recording: beingRecorded(path), Author: h.Author}
	if sum.ID == "" {
		sum.ID = strings.TrimSuffix(filepath.Base(path), Ext)
	}
	for _, t := range h.Targets {
		sum.Models = append(sum.Models, t.Label)
	}
	if h.Bench != nil {
		return summarizeBench(rd, sum)
	}
	if ft, ok := lastFooter(path); ok {
		sum.Turns, sum.Total, sum.Complete = ft.Turn, ft.Total, true
		sum.Winner, sum.WinnerTTFT = winner(ft.Results)
		return sum, nil
	}
	f, err := ReadAll(rd)
	if err != nil {
		return Summary{}, err
	}
	// Read whole: no footer at the end, or one too long for the tail read
	// (the answers were long), which still makes the session complete.
	sum.Turns = len(f.Turns)
	sum.Complete = f.Turns[len(f.Turns)-1].Footer != nil
	for i := range f.Turns {
		for _, r := range f.Results(i) {
			sum.Total = AddCost(sum.Total, r.Cost())
		}
	}
	sum.Winner, sum.WinnerTTFT = winner(f.Report().Results)
	return sum, nil
}

// lastFooter is the file's last line when it is a footer.
func lastFooter(path string) (Footer, bool) {
	f, err := os.Open(path)
	if err != nil {
		return Footer{}, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Footer{}, false
	}
	const tail = 256 << 10 // a footer of 8 long answers fits
	off := max(0, st.Size()-tail)
	buf := make([]byte, st.Size()-off)
	if _, err := f.ReadAt(buf, off); err != nil && !errors.Is(err, io.EOF) {
		return Footer{}, false
	}
	// Votes come after the footer of the turn they judge: step over them.
	for {
		buf = bytes.TrimRight(buf, "\n")
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 && off > 0 {
			return Footer{}, false
		}
		var ft Footer
		if err := json.Unmarshal(buf[i+1:], &ft); err != nil {
			return Footer{}, false
		}
		switch ft.Type {
		case LineFooter:
			return ft, true
		case LineVote:
			if i < 0 {
				return Footer{}, false
			}
			buf = buf[:i]
			continue
		}
		return Footer{}, false
	}
}

// winner is the model with the shortest time to first token.
func winner(results []ReportResult) (string, *float64) {
	best, label := (*float64)(nil), ""
	for _, r := range results {
		if r.TTFTMs != nil && (best == nil || *r.TTFTMs < *best) {
			best, label = r.TTFTMs, r.Label
		}
	}
	return label, best
}

// Resolve finds a session by path, by id, or by the start of an id when
// only one matches.
func (s Store) Resolve(ref string) (string, error) {
	if ref == "" {
		return "", errors.New("no session given: name a file or an id from `fanout sessions`")
	}
	if st, err := os.Stat(ref); err == nil && !st.IsDir() {
		return ref, nil
	}
	if strings.ContainsRune(ref, filepath.Separator) || strings.HasSuffix(ref, Ext) {
		return "", fmt.Errorf("no session file %s", ref)
	}
	exact := filepath.Join(s.Dir, ref+Ext)
	if _, err := os.Stat(exact); err == nil {
		return exact, nil
	}
	matches, _ := filepath.Glob(filepath.Join(s.Dir, globEscape(ref)+"*"+Ext))
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		return "", fmt.Errorf("no session %q in %s; `fanout sessions` lists them", ref, s.Dir)
	default:
		return "", fmt.Errorf("%q matches %d sessions in %s; give more of the id", ref, len(matches), s.Dir)
	}
}

func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// BeingRecorded reports whether a fanout, here or in another process,
// still has the file open to record into it (where the OS has file locks).
func BeingRecorded(path string) bool { return beingRecorded(path) }
