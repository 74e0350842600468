package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// writeVotedSession records a finished one-turn session of the given demo
// models, tagged, with votes given as (best position, leaked) pairs over
// the order given.
func writeVotedSession(t *testing.T, dir string, models []string, tags []string, order []int, votes ...session.VoteLine) {
	t.Helper()
	h := session.Header{Tags: tags, Blind: "names"}
	for _, m := range models {
		h.Targets = append(h.Targets, session.TargetRecord{Label: m, Provider: "demo", Model: m})
	}
	rec := session.Store{Dir: dir}.NewRecorder(h)
	rec.Turn("which is best?")
	for pane := range models {
		rec.Record(session.Event{Pane: pane, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "an answer")})
		rec.Record(session.Event{Pane: pane, T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	}
	rec.EndTurn()
	for _, v := range votes {
		v.Order = order
		if err := rec.Vote(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestLeaderboardFromSessions(t *testing.T) {
	dir := t.TempDir()
	best := func(pos int) session.VoteLine { return session.VoteLine{Verdict: session.VerdictBest, Best: pos} }
	// sage beats swift and ponder, in coding sessions; swift beats ponder.
	for range 4 {
		writeVotedSession(t, dir, []string{"swift", "sage", "ponder"}, []string{"coding"}, []int{1, 0, 2}, best(0)) // A is sage
	}
	writeVotedSession(t, dir, []string{"swift", "ponder"}, []string{"coding"}, []int{0, 1}, best(0), best(0), session.VoteLine{Verdict: session.VerdictTie})
	// A leaked round for ponder, and one in another task.
	leak := best(2)
	leak.Leaked, leak.Leaks = true, []bool{false, false, true}
	writeVotedSession(t, dir, []string{"swift", "sage", "ponder"}, []string{"coding"}, []int{0, 1, 2}, leak)
	writeVotedSession(t, dir, []string{"swift", "ponder"}, []string{"summaries"}, []int{0, 1}, best(1), best(1))

	code, out, errOut := runCLI(t, testEnv(t, nil), "", "leaderboard", "--json", "--tag", "coding", "--sessions-dir", dir)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var board []arena.Rating
	if err := json.Unmarshal([]byte(out), &board); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	var names []string
	for _, r := range board {
		names = append(names, r.Name)
	}
	if strings.Join(names, " ") != "demo:sage demo:swift demo:ponder" {
		t.Fatalf("order %v: %s", names, out)
	}
	sage, swift, ponder := board[0], board[1], board[2]
	// sage: 4 votes × 2 wins; swift: 4 losses to sage, 2 wins and a tie
	// over ponder; ponder: 4 + 2 losses and a tie (the leaked round left out).
	if sage.Wins != 8 || sage.Losses != 0 || sage.Votes != 4 ||
		swift.Wins != 2 || swift.Losses != 4 || swift.Ties != 1 || swift.Votes != 7 ||
		ponder.Wins != 0 || ponder.Losses != 6 || ponder.Ties != 1 {
		t.Errorf("counts: %+v", board)
	}
	for _, r := range board {
		if !(r.CILow <= r.Rating && r.Rating <= r.CIHigh) {
			t.Errorf("%s: %v outside [%v, %v]", r.Name, r.Rating, r.CILow, r.CIHigh)
		}
	}
	// The same votes, the same table.
	if _, again, _ := runCLI(t, testEnv(t, nil), "", "leaderboard", "--json", "--tag", "coding", "--sessions-dir", dir); again != out {
		t.Errorf("a second run differs:\n%s\n%s", out, again)
	}
	// The leaked round counts when asked; the other task's votes do not.
	_, withLeak, _ := runCLI(t, testEnv(t, nil), "", "leaderboard", "--json", "--tag", "coding", "--include-leaked", "--sessions-dir", dir)
	if !strings.Contains(withLeak, `"name":"demo:ponder"`) || withLeak == out {
		t.Errorf("--include-leaked changed nothing: %s", withLeak)
	}
	code, text, _ := runCLI(t, testEnv(t, nil), "", "leaderboard", "--sessions-dir", dir)
	if code != exitOK || !strings.Contains(text, "demo:sage") || !strings.Contains(text, "●") || !strings.Contains(text, "1 left out because an answer named its maker") {
		t.Errorf("text table:\n%s", text)
	}
	t.Logf("table:\n%s", text)
	if _, future, _ := runCLI(t, testEnv(t, nil), "", "leaderboard", "--since", "2999-01-01", "--sessions-dir", dir); !strings.Contains(future, "No votes yet") {
		t.Errorf("--since in the future: %s", future)
	}
	if code, _, errOut := runCLI(t, testEnv(t, nil), "", "leaderboard", "--since", "last tuesday", "--sessions-dir", dir); code != exitUsage || !strings.Contains(errOut, "want a date") {
		t.Errorf("bad --since: exit %d %s", code, errOut)
	}
}

// fanout run --tag records the tags in the session's header.
func TestRunRecordsTags(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, testEnv(t, nil), "", "run", "--sessions-dir", dir, "--tag", "coding", "--tag", "go", "-m", "demo:swift", "--max-tokens", "10", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	list, _ := session.Store{Dir: dir}.List()
	if len(list) != 1 {
		t.Fatalf("%d sessions", len(list))
	}
	f, err := session.Load(list[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(f.Header.Tags, ",") != "coding,go" {
		t.Errorf("tags %v", f.Header.Tags)
	}
}
