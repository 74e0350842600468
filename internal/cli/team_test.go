package cli

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/store"
	"github.com/fanout-dev/fanout/store/storetest"
)

// teamHome is one member's HOME, with a config naming the shared store and
// the member's author name, and the fake store's endpoint and keys.
func teamHome(t *testing.T, fake *storetest.Fake, author string) func(string) string {
	t.Helper()
	getenv := testEnv(t, nil)
	home := getenv("HOME")
	cfgDir := filepath.Join(home, "config", "fanout")
	if err := os.MkdirAll(cfgDir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := "store = \"s3://team/fanout\"\nauthor = \"" + author + "\"\n"
	if err := os.WriteFile(filepath.Join(cfgDir, "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	fenv := fake.Env(home)
	return func(k string) string {
		if v := fenv(k); v != "" && strings.HasPrefix(k, "AWS_") && k != "AWS_CONFIG_FILE" && k != "AWS_SHARED_CREDENTIALS_FILE" {
			return v
		}
		return getenv(k)
	}
}

func sessionsJSON(t *testing.T, getenv func(string) string) []session.Summary {
	t.Helper()
	code, out, errOut := runCLI(t, getenv, "", "sessions", "--json")
	if code != exitOK {
		t.Fatalf("sessions: exit %d: %s", code, errOut)
	}
	var list []session.Summary
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	return list
}

// Two HOMEs, one bucket: what one records the other lists (with its
// author), replays and exports; votes from both make one leaderboard.
func TestTeamStoreAcrossTwoHomes(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := teamHome(t, fake, "ana"), teamHome(t, fake, "bo")
	if code, _, errOut := runCLI(t, ana, "", "run", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "20", "why is the sky blue"); code != exitOK {
		t.Fatalf("ana's run: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, bo, "", "run", "--json", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "20", "why is the sea salty"); code != exitOK {
		t.Fatalf("bo's run: exit %d: %s", code, errOut)
	}
	list := sessionsJSON(t, bo)
	if len(list) != 2 {
		t.Fatalf("bo lists %d sessions: %+v", len(list), list)
	}
	authors := map[string]string{}
	for _, s := range list {
		authors[s.Author] = s.ID
		if s.LocalOnly {
			t.Errorf("%s is local only after its run", s.ID)
		}
	}
	anaID := authors["ana"]
	if anaID == "" || authors["bo"] == "" {
		t.Fatalf("authors %v", authors)
	}
	_, table, _ := runCLI(t, bo, "", "sessions")
	if !strings.Contains(table, "AUTHOR") || !strings.Contains(table, "ana") {
		t.Errorf("table without authors:\n%s", table)
	}

	// Bo replays and exports Ana's session by its id.
	code, out, errOut := runCLI(t, bo, "", "replay", "--json", anaID)
	if code != exitOK || !strings.Contains(out, "why is the sky blue") {
		t.Errorf("bo replays ana's: exit %d %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, bo, "", "export", "--format", "json", anaID); code != exitOK || !strings.Contains(out, "sky blue") {
		t.Errorf("bo exports ana's: exit %d %s", code, errOut)
	}

	// Votes as objects, one from each (what `fanout vote` writes), on each
	// other's sessions; one leaderboard for both, --author narrows it.
	for who, getenv := range map[string]func(string) string{"ana": ana, "bo": bo} {
		local := &session.Store{Dir: session.DefaultDir(getenv)}
		team, err := store.Open(context.Background(), "s3://team/fanout", store.Options{Getenv: getenv, Local: local})
		if err != nil {
			t.Fatal(err)
		}
		target := authors["bo"]
		if who == "bo" {
			target = anaID
		}
		if _, err := team.PutVote(context.Background(), target, session.VoteLine{Turn: 1, Order: []int{1, 0}, Verdict: session.VerdictBest, Voter: who, Time: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	var boards []string
	for _, getenv := range []func(string) string{ana, bo} {
		code, out, errOut := runCLI(t, getenv, "", "leaderboard", "--json")
		if code != exitOK {
			t.Fatalf("leaderboard: exit %d: %s", code, errOut)
		}
		var board []arena.Rating
		if err := json.Unmarshal([]byte(out), &board); err != nil || len(board) != 2 || board[0].Votes != 2 {
			t.Fatalf("leaderboard %s (%v)", out, err)
		}
		boards = append(boards, out)
	}
	if boards[0] != boards[1] {
		t.Errorf("two leaderboards:\n%s\n%s", boards[0], boards[1])
	}
	_, narrowed, _ := runCLI(t, ana, "", "leaderboard", "--json", "--author", "bo")
	var board []arena.Rating
	if err := json.Unmarshal([]byte(narrowed), &board); err != nil || len(board) != 2 || board[0].Votes != 1 {
		t.Errorf("--author bo: %s", narrowed)
	}
}

// A run against a store that refuses every upload exits within the upload
// wait, says the session stays local, and keeps it; the next fanout started
// there (here: `fanout sessions`) uploads it once the store is back.
func TestRunOnADeadStoreKeepsTheSession(t *testing.T) {
	fake := storetest.New(t, "team")
	ana := teamHome(t, fake, "ana")
	fake.FailPuts.Store(1 << 30)
	defer func(d time.Duration) { uploadWait = d }(uploadWait)
	uploadWait = 300 * time.Millisecond
	code, _, errOut := runCLI(t, ana, "", "run", "--json", "-m", "demo:swift", "--max-tokens", "10", "hold on")
	if code != exitOK {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "not uploaded") || !strings.Contains(errOut, "next fanout") {
		t.Errorf("stderr does not say the session stays local:\n%s", errOut)
	}
	if strings.Contains(errOut, ana("AWS_SECRET_ACCESS_KEY")) {
		t.Errorf("stderr holds the store's secret key")
	}
	local, _ := filepath.Glob(filepath.Join(session.DefaultDir(ana), "*.jsonl"))
	if len(local) != 1 {
		t.Fatalf("local sessions %v", local)
	}
	_, table, _ := runCLI(t, ana, "", "sessions")
	if !strings.Contains(table, "[local only]") {
		t.Errorf("not marked local only:\n%s", table)
	}
	fake.FailPuts.Store(0)
	list := sessionsJSON(t, ana)
	if len(list) != 1 || list[0].LocalOnly {
		t.Errorf("after the store is back: %+v", list)
	}
	if got := sessionsJSON(t, teamHome(t, fake, "bo")); len(got) != 1 || got[0].Author != "ana" {
		t.Errorf("bo sees %+v", got)
	}
}

func TestBadStoreIsNamed(t *testing.T) {
	code, _, errOut := runCLI(t, testEnv(t, nil), "", "sessions", "--store", "team-bucket/x")
	if code == exitOK || !strings.Contains(errOut, "--store") || !strings.Contains(errOut, "s3://BUCKET") {
		t.Errorf("exit %d: %s", code, errOut)
	}
}

// A store that is set but cannot be opened (no credentials) does not stop
// a run: it is recorded here, marked, and uploaded by the next fanout that
// can reach the store.
func TestRunWithoutStoreCredentialsRecordsLocally(t *testing.T) {
	fake := storetest.New(t, "team")
	ana := teamHome(t, fake, "ana")
	noKeys := func(k string) string {
		if k == "AWS_ACCESS_KEY_ID" || k == "AWS_SECRET_ACCESS_KEY" {
			return ""
		}
		return ana(k)
	}
	code, _, errOut := runCLI(t, noKeys, "", "run", "--json", "-m", "demo:swift", "--max-tokens", "10", "no keys today")
	if code != exitOK || !strings.Contains(errOut, "no AWS credentials") || !strings.Contains(errOut, "next fanout") {
		t.Fatalf("exit %d, stderr:\n%s", code, errOut)
	}
	local, _ := filepath.Glob(filepath.Join(session.DefaultDir(ana), "*-ana-*.jsonl"))
	if len(local) != 1 {
		t.Fatalf("local sessions %v", local)
	}
	list := sessionsJSON(t, ana) // with keys again: uploads it first
	if len(list) != 1 || list[0].LocalOnly {
		t.Errorf("after the keys are back: %+v", list)
	}
	if got := sessionsJSON(t, teamHome(t, fake, "bo")); len(got) != 1 {
		t.Errorf("bo sees %d sessions", len(got))
	}
}

// A bench recorded by one member is the other's to list and recompute
// (bench --from an id from the store).
func TestTeamStoreSharesBenches(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := teamHome(t, fake, "ana"), teamHome(t, fake, "bo")
	code, out, errOut := runCLI(t, ana, "", "bench", "--json", "-m", "demo:swift", "-n", "2", "--warmup", "0", "--seed", "1", "Say something")
	if code != exitOK {
		t.Fatalf("ana's bench: exit %d: %s", code, errOut)
	}
	list := sessionsJSON(t, bo)
	if len(list) != 1 || list[0].Bench == nil || list[0].Author != "ana" {
		t.Fatalf("bo lists %+v", list)
	}
	code, again, errOut := runCLI(t, bo, "", "bench", "--json", "--from", list[0].ID)
	if code != exitOK || again != out {
		t.Errorf("bo's bench --from: exit %d %s\n%s\nwant\n%s", code, errOut, again, out)
	}
}

// What `fanout vote` does after its round on a session in the store: the
// votes added to the copy become vote objects, the session file stays as
// it was, and a vote the store refuses is kept here.
func TestVoteOnASharedSessionWritesObjects(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := teamHome(t, fake, "ana"), teamHome(t, fake, "bo")
	if code, _, errOut := runCLI(t, ana, "", "run", "--json", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "10", "vote on me"); code != exitOK {
		t.Fatalf("run: %s", errOut)
	}
	id := sessionsJSON(t, bo)[0].ID
	team, err := store.Open(context.Background(), "s3://team/fanout", store.Options{Getenv: bo, Local: &session.Store{Dir: session.DefaultDir(bo)}})
	if err != nil {
		t.Fatal(err)
	}
	path, err := team.Resolve(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	tmp, err := tempCopy(path)
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(tmp)
	// The round appends its vote to the copy, as the vote view does.
	if err := session.AppendVote(tmp, session.VoteLine{Turn: 1, Order: []int{1, 0}, Verdict: session.VerdictBest, Voter: "bo"}); err != nil {
		t.Fatal(err)
	}
	var errOut strings.Builder
	e := env{stdout: io.Discard, stderr: &errOut, getenv: bo}
	if err := putNewVotes(context.Background(), e, team, path, tmp, 0); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "vote saved: s3://team/fanout/votes/"+id+"/") {
		t.Errorf("stderr: %s", errOut.String())
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("the session file was changed")
	}
	_, board, _ := runCLI(t, ana, "", "leaderboard", "--json")
	if !strings.Contains(board, `"votes":1`) {
		t.Errorf("ana's leaderboard lacks bo's vote: %s", board)
	}

	fake.FailPuts.Store(1 << 30)
	if err := session.AppendVote(tmp, session.VoteLine{Turn: 1, Order: []int{0, 1}, Verdict: session.VerdictTie, Voter: "bo"}); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if err := putNewVotes(context.Background(), e, team, path, tmp, 1); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "kept on this machine") {
		t.Errorf("a refused vote: %s", errOut.String())
	}
	fake.FailPuts.Store(0)
	_, board, _ = runCLI(t, bo, "", "leaderboard", "--json") // uploads it first
	if !strings.Contains(board, `"votes":2`) {
		t.Errorf("bo's leaderboard: %s", board)
	}
	_, board, _ = runCLI(t, ana, "", "leaderboard", "--json")
	if !strings.Contains(board, `"votes":2`) {
		t.Errorf("ana's leaderboard after bo's next start: %s", board)
	}
}
