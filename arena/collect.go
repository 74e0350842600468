package arena

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// Filter chooses the votes a leaderboard is made of.
type Filter struct {
	Tag           string    // only sessions tagged so ("" for all)
	Since         time.Time // only votes given at or after (zero for all)
	IncludeLeaked bool      // count rounds where an answer named its maker
	Voter         string    // only votes given by this voter ("" for all)
}

// Tally is what reading the votes of a sessions folder found.
type Tally struct {
	Votes []Vote
	// Leaked counts the votes left out because a round leaked a name;
	// Sessions the files read that held at least one vote.
	Leaked   int
	Sessions int
	// Errors are the files that could not be read: they do not hide the
	// others.
	Errors []error
}

// ModelName is the name a target is rated under: provider and model, the
// same model through two channels being two entries (that is a comparison
// the leaderboard is for).
func ModelName(t session.TargetRecord) string { return t.Provider + ":" + t.Model }

// CollectVotes reads every session in dir and returns the votes that pass
// the filter, in file and line order.
func CollectVotes(dir string, f Filter) Tally {
	entries, err := os.ReadDir(dir)
	if err != nil {
		var t Tally
		if !os.IsNotExist(err) {
			t.Errors = append(t.Errors, fmt.Errorf("read sessions in %s: %w", dir, err))
		}
		return t
	}
	var paths []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), session.Ext) {
			continue
		}
		paths = append(paths, filepath.Join(dir, e.Name()))
	}
	return CollectFiles(paths, nil, f)
}

// CollectFiles reads the votes in the session files at paths and, for a
// shared store, the votes kept as their own objects (extra, by session
// id), and returns those that pass the filter: each file's own votes in
// line order, then its vote objects by time. A vote object on a session
// none of the files is is reported in Errors.
func CollectFiles(paths []string, extra map[string][]session.VoteLine, f Filter) Tally {
	var t Tally
	used := map[string]bool{}
	for _, path := range paths {
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Errors = append(t.Errors, fmt.Errorf("read session %s: %w", path, err))
			continue
		}
		id := strings.TrimSuffix(filepath.Base(path), session.Ext)
		if !bytes.Contains(raw, []byte(`"type":"vote"`)) && len(extra[id]) == 0 {
			continue // most sessions hold no vote: not worth parsing
		}
		rd, err := session.NewReader(path, bytes.NewReader(raw))
		if err != nil {
			t.Errors = append(t.Errors, err)
			continue
		}
		file, err := session.ReadAll(rd)
		if err != nil {
			t.Errors = append(t.Errors, err)
			continue
		}
		used[id] = true
		more := slices.Clone(extra[id])
		slices.SortStableFunc(more, func(a, b session.VoteLine) int { return a.Time.Compare(b.Time) })
		for _, v := range more {
			if err := v.Check(len(file.Header.Targets), len(file.Turns)); err != nil {
				t.Errors = append(t.Errors, fmt.Errorf("a vote on %s by %q: %w", id, v.Voter, err))
				continue
			}
			file.Votes = append(file.Votes, v)
		}
		t.add(file, f)
	}
	for id := range extra {
		if !used[id] && len(extra[id]) > 0 {
			t.Errors = append(t.Errors, fmt.Errorf("%d vote(s) on session %s, which is neither here nor in the store: left out", len(extra[id]), id))
		}
	}
	return t
}

func (t *Tally) add(file *session.File, f Filter) {
	if f.Tag != "" && !slices.Contains(file.Header.Tags, f.Tag) {
		return
	}
	counted := false
	for _, v := range file.Votes {
		if !f.Since.IsZero() && v.Time.Before(f.Since) {
			continue
		}
		if f.Voter != "" && !strings.EqualFold(v.Voter, f.Voter) {
			continue
		}
		if v.Leaked && !f.IncludeLeaked {
			t.Leaked++
			continue
		}
		names := make([]string, len(v.Order))
		for pos, pane := range v.Order {
			names[pos] = ModelName(file.Header.Targets[pane])
		}
		t.Votes = append(t.Votes, Vote{Models: names, Verdict: Verdict(v.Verdict), Best: v.Best})
		counted = true
	}
	if counted {
		t.Sessions++
	}
}
