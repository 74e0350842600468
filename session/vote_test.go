package session

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func threeTargets() Header {
	return Header{Blind: "names", Tags: []string{"coding"}, Targets: []TargetRecord{
		{Label: "Swift", Provider: "demo", Model: "swift"},
		{Label: "Sage", Provider: "demo", Model: "sage"},
		{Label: "Ponder", Provider: "demo", Model: "ponder"},
	}}
}

// recordBlindTurn records one finished turn of three panes.
func recordBlindTurn(t *testing.T, rec *Recorder) {
	t.Helper()
	rec.Turn("which is best?")
	for pane := range 3 {
		rec.Record(Event{Pane: pane, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "answer")})
		rec.Record(Event{Pane: pane, T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	}
	rec.EndTurn()
}

// A vote recorded live, and votes added to the saved file later by other
// voters, are all read back, in order; the listing still finds the footer.
func TestVotesAreKeptAndReadBack(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	rec := store.NewRecorder(threeTargets())
	recordBlindTurn(t, rec)
	if err := rec.Vote(VoteLine{Order: []int{2, 0, 1}, Verdict: VerdictBest, Best: 1, Voter: "ana"}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	path := rec.Path()
	if err := AppendVote(path, VoteLine{Turn: 1, Order: []int{1, 2, 0}, Verdict: VerdictTie, Voter: "bo"}); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Votes) != 2 || f.Votes[0].Voter != "ana" || f.Votes[0].Turn != 1 || f.Votes[0].Order[0] != 2 || f.Votes[1].Verdict != VerdictTie {
		t.Errorf("votes read back: %+v", f.Votes)
	}
	if f.Header.Blind != "names" || len(f.Header.Tags) != 1 {
		t.Errorf("header: blind %q tags %v", f.Header.Blind, f.Header.Tags)
	}
	sum, err := Summarize(path)
	if err != nil || !sum.Complete || sum.Turns != 1 {
		t.Errorf("summary after votes: %+v, %v", sum, err)
	}
}

// Two voters at once each add their line whole.
func TestTwoVotersAtOnce(t *testing.T) {
	rec := Store{Dir: t.TempDir()}.NewRecorder(threeTargets())
	recordBlindTurn(t, rec)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			errs[i] = AppendVote(rec.Path(), VoteLine{Turn: 1, Order: []int{0, 1, 2}, Verdict: VerdictBest, Best: i % 3, Voter: strings.Repeat("v", i+1)})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("voter %d: %v", i, err)
		}
	}
	f, err := Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Votes) != len(errs) {
		t.Errorf("%d votes kept of %d", len(f.Votes), len(errs))
	}
}

// A vote is refused, saying why, on a session still being recorded, on one
// whose last line is torn, and when it does not fit the session.
func TestVotesRefused(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	rec := store.NewRecorder(threeTargets())
	recordBlindTurn(t, rec)
	ok := VoteLine{Turn: 1, Order: []int{0, 1, 2}, Verdict: VerdictAllBad}
	if err := AppendVote(rec.Path(), ok); err == nil || !strings.Contains(err.Error(), "recording this session") {
		t.Errorf("while recording: %v", err)
	}
	rec.Close()
	for _, tc := range []struct {
		v    VoteLine
		want string
	}{
		{VoteLine{Turn: 2, Order: []int{0, 1, 2}, Verdict: VerdictTie}, "turn 2: the session has 1"},
		{VoteLine{Turn: 1, Order: []int{0, 1}, Verdict: VerdictTie}, "order of 2 answers"},
		{VoteLine{Turn: 1, Order: []int{0, 0, 2}, Verdict: VerdictTie}, "not an arrangement"},
		{VoteLine{Turn: 1, Order: []int{0, 1, 2}, Verdict: VerdictBest, Best: 3}, "answer 4 of 3"},
		{VoteLine{Turn: 1, Order: []int{0, 1, 2}, Verdict: "meh"}, `unknown verdict "meh"`},
	} {
		if err := AppendVote(rec.Path(), tc.v); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want %q", tc.v, err, tc.want)
		}
	}
	raw, err := os.ReadFile(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	torn := t.TempDir() + "/torn" + Ext
	if err := os.WriteFile(torn, append(raw, []byte(`{"type":"delta","t_ms":1,"pa`)...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := AppendVote(torn, ok); err == nil || !strings.Contains(err.Error(), "cut short") {
		t.Errorf("torn file: %v", err)
	}
	// A bad vote line in a file is named by its line.
	bad := t.TempDir() + "/bad" + Ext
	if err := os.WriteFile(bad, append(raw, []byte(`{"type":"vote","turn":1,"order":[0,1],"verdict":"tie","time":"2026-12-03T00:00:00Z"}`+"\n")...), 0o600); err != nil {
		t.Fatal(err)
	}
	lines := strings.Count(string(raw), "\n") + 1
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), ":"+strconv.Itoa(lines)+": bad vote: vote order of 2 answers") {
		t.Errorf("bad vote line: %v", err)
	}
}
