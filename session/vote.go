package session

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"time"
)

// LineVote is the type of a vote line.
const LineVote = "vote"

// The verdicts a vote line holds (arena.Verdict spells the same words).
const (
	VerdictBest   = "best"
	VerdictTie    = "tie"
	VerdictAllBad = "all_bad"
)

// VoteLine is a blind judgement of one turn, appended after it: by the
// cockpit when its blind round ends, or by `fanout vote` on a saved session,
// any number of times, by any number of voters. Votes are evidence: a file
// only ever gains them.
type VoteLine struct {
	Type string `json:"type"` // always "vote"
	Turn int    `json:"turn"` // the turn judged, 1 for the first
	// Order is who sat where: Order[0] is the pane (index into the
	// header's targets) shown as A, Order[1] as B, and so on.
	Order []int `json:"order"`
	// Verdict is "best", "tie" or "all_bad"; Best is the position (0 for
	// A) of the best answer when the verdict is "best".
	Verdict string `json:"verdict"`
	Best    int    `json:"best,omitempty"`
	// Leaks flags, per position, an answer that named its own model or
	// maker; Leaked is set when any did, and the leaderboard leaves such a
	// round out unless asked not to.
	Leaks  []bool    `json:"leaks,omitempty"`
	Leaked bool      `json:"leaked,omitempty"`
	Voter  string    `json:"voter,omitempty"`
	Time   time.Time `json:"time"`
	// Full is set when the voter saw no figures either (--blind=full).
	Full bool `json:"full,omitempty"`
}

// Check says what is wrong with a vote on a session of n targets whose
// last turn is turns, nil when nothing.
func (v VoteLine) Check(n, turns int) error {
	if v.Turn < 1 || v.Turn > turns {
		return fmt.Errorf("vote on turn %d: the session has %d", v.Turn, turns)
	}
	if len(v.Order) != n {
		return fmt.Errorf("vote order of %d answers: the session has %d models", len(v.Order), n)
	}
	sorted := slices.Clone(v.Order)
	slices.Sort(sorted)
	for i, p := range sorted {
		if p != i {
			return fmt.Errorf("vote order %v is not an arrangement of the session's %d models", v.Order, n)
		}
	}
	switch v.Verdict {
	case VerdictBest:
		if v.Best < 0 || v.Best >= n {
			return fmt.Errorf("vote for answer %d of %d", v.Best+1, n)
		}
	case VerdictTie, VerdictAllBad:
	default:
		return fmt.Errorf("unknown verdict %q (best, tie, all_bad)", v.Verdict)
	}
	if len(v.Leaks) != 0 && len(v.Leaks) != n {
		return fmt.Errorf("leak flags for %d answers: the session has %d models", len(v.Leaks), n)
	}
	return nil
}

// Vote appends a vote on the current turn to the recording. Its Type and
// Turn are set here.
func (r *Recorder) Vote(v VoteLine) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.survive()
	if r.err != nil {
		return r.err
	}
	if r.f == nil {
		return errors.New("record vote: the session has no file yet")
	}
	v.Type, v.Turn = LineVote, r.turn
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	v.Time = v.Time.UTC().Truncate(time.Millisecond)
	if err := v.Check(len(r.header.Targets), r.turn); err != nil {
		return fmt.Errorf("record vote: %w", err)
	}
	r.write(v)
	r.flush()
	if r.err == nil {
		if err := r.f.Sync(); err != nil {
			r.fail(fmt.Errorf("sync session %s: %w", r.path, err))
		}
	}
	r.synced()
	return r.err
}

// AppendVote adds a vote to a saved session file, after checking it against
// the file. The file must have ended: a session still being recorded, or
// whose last line is torn, is refused with a message saying so, since a
// line added there would be lost or break the file. Two voters at once
// each add their line whole.
func AppendVote(path string, v VoteLine) error {
	f, err := Load(path)
	if err != nil {
		return fmt.Errorf("vote on %s: %w", path, err)
	}
	if f.Torn {
		return fmt.Errorf("vote on %s: its last line was cut short when it was recorded, and a vote after it would break the file; export it or leave it as it is", path)
	}
	v.Type = LineVote
	if v.Time.IsZero() {
		v.Time = time.Now()
	}
	v.Time = v.Time.UTC().Truncate(time.Millisecond)
	if err := v.Check(len(f.Header.Targets), len(f.Turns)); err != nil {
		return fmt.Errorf("vote on %s: %w", path, err)
	}
	line, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("vote on %s: %w", path, err)
	}
	out, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("vote on %s: %w", path, err)
	}
	defer out.Close()
	if err := lockForAppend(out); err != nil {
		return fmt.Errorf("vote on %s: %w", path, err)
	}
	// Under the lock, the file may have grown since it was loaded; it must
	// still end a line.
	if info, err := out.Stat(); err == nil && info.Size() > 0 {
		last := make([]byte, 1)
		if _, err := out.ReadAt(last, info.Size()-1); err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("vote on %s: %w", path, err)
		}
		if !bytes.Equal(last, []byte{'\n'}) {
			return fmt.Errorf("vote on %s: the file does not end with a whole line", path)
		}
	}
	if _, err := out.Write(append(line, '\n')); err != nil {
		return fmt.Errorf("vote on %s: %w", path, err)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("vote on %s: %w", path, err)
	}
	return nil
}
