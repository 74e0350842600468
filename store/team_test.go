package store

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/store/storetest"
)

// member is one person of the team: a HOME of their own, a sessions folder
// in it, the shared bucket, and an uploader running until the test ends.
type member struct {
	team *Team
	up   *Uploader
	env  func(string) string
}

func newMember(t *testing.T, fake *storetest.Fake, name string, secrets ...string) *member {
	t.Helper()
	home := t.TempDir()
	return newMemberAt(t, "s3://team/fanout", home, fake.Env(home), name, secrets...)
}

// newMemberAt is a member of the store at uri, with env as environment.
func newMemberAt(t *testing.T, uri, home string, env func(string) string, name string, secrets ...string) *member {
	t.Helper()
	local := &session.Store{Dir: filepath.Join(home, "sessions"), App: "test", Author: name, Secrets: secrets}
	team, err := Open(testCtx(t), uri, Options{Getenv: env, Local: local})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(team.Cache, home) {
		t.Fatalf("cache %s outside HOME %s", team.Cache, home)
	}
	m := &member{team: team, env: env}
	m.start(t)
	return m
}

// start runs an uploader, as a fanout that starts does.
func (m *member) start(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	m.up = m.team.NewUploader()
	m.up.Backoff, m.up.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	m.team.Local.Synced = m.up.Notify
	done := make(chan struct{})
	go func() { defer close(done); m.up.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// record records a finished two-model session and waits for its upload.
func (m *member) record(t *testing.T, prompt string, vote *session.VoteLine) string {
	t.Helper()
	h := session.Header{Targets: []session.TargetRecord{
		{Label: "Swift", Provider: "demo", Model: "swift"},
		{Label: "Sage", Provider: "demo", Model: "sage"},
	}}
	rec := m.team.Local.NewRecorder(h)
	rec.Turn(prompt)
	for pane := range 2 {
		rec.Record(session.Event{Pane: pane, T: time.Duration(pane+1) * time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "answer to "+prompt)})
		rec.Record(session.Event{Pane: pane, T: 5 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	}
	rec.EndTurn()
	if vote != nil {
		if err := rec.Vote(*vote); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return rec.Path()
}

func (m *member) wait(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.up.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

func listIDs(t *testing.T, m *member) map[string]session.Summary {
	t.Helper()
	list, errs := m.team.List(testCtx(t))
	if len(errs) > 0 {
		t.Fatalf("list: %v", errs)
	}
	out := map[string]session.Summary{}
	for _, s := range list {
		out[s.ID] = s
	}
	return out
}

// Two members with their own HOMEs, one bucket: each sees the other's
// sessions (with their authors), reads them, votes on them, and both get
// one leaderboard.
func TestTwoHomesShareSessionsVotesAndOneLeaderboard(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := newMember(t, fake, "ana"), newMember(t, fake, "bo")

	anaPath := ana.record(t, "why is the sky blue", &session.VoteLine{Order: []int{0, 1}, Verdict: session.VerdictBest, Best: 0, Voter: "ana"})
	ana.wait(t)
	boPath := bo.record(t, "why is the sea salty", nil)
	bo.wait(t)
	anaID := strings.TrimSuffix(filepath.Base(anaPath), session.Ext)
	boID := strings.TrimSuffix(filepath.Base(boPath), session.Ext)
	if !strings.Contains(anaID, "-ana-") || !strings.Contains(boID, "-bo-") {
		t.Errorf("ids %s, %s carry no author suffix", anaID, boID)
	}

	for _, m := range []*member{ana, bo} {
		got := listIDs(t, m)
		if len(got) != 2 || got[anaID].Author != "ana" || got[boID].Author != "bo" {
			t.Fatalf("%s lists %+v", m.team.Local.Author, got)
		}
		for id, s := range got {
			if s.LocalOnly {
				t.Errorf("%s: %s marked local only after its upload", m.team.Local.Author, id)
			}
		}
	}

	// Bo reads Ana's session by the start of its id, from his cache.
	path, err := bo.team.Resolve(testCtx(t), anaID[:len(anaID)-3])
	if err != nil {
		t.Fatal(err)
	}
	f, err := session.Load(path)
	if err != nil || f.Header.Author != "ana" || f.Header.Prompt != "why is the sky blue" {
		t.Fatalf("bo loads ana's session: %+v %v", f, err)
	}

	// Bo votes on Ana's session, Ana on Bo's: vote objects.
	if _, err := bo.team.PutVote(testCtx(t), anaID, session.VoteLine{Turn: 1, Order: []int{1, 0}, Verdict: session.VerdictBest, Best: 0, Voter: "bo"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ana.team.PutVote(testCtx(t), boID, session.VoteLine{Turn: 1, Order: []int{0, 1}, Verdict: session.VerdictBest, Best: 1, Voter: "ana"}); err != nil {
		t.Fatal(err)
	}

	var boards []arena.Tally
	for _, m := range []*member{ana, bo} {
		listIDs(t, m) // the sync that brings the other's sessions in
		votes, errs := m.team.Votes(testCtx(t))
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		tally := arena.CollectFiles(m.team.Files(), votes, arena.Filter{})
		if len(tally.Errors) > 0 {
			t.Fatal(tally.Errors)
		}
		boards = append(boards, tally)
	}
	for i, tally := range boards {
		// Ana's live vote (in her file), Bo's and Ana's vote objects.
		if len(tally.Votes) != 3 || tally.Sessions != 2 {
			t.Errorf("member %d: %d votes over %d sessions, want 3 over 2: %+v", i, len(tally.Votes), tally.Sessions, tally.Votes)
		}
	}
	opts := arena.BootstrapOptions{Seed: 1}
	a, b := arena.Leaderboard(boards[0].Votes, opts), arena.Leaderboard(boards[1].Votes, opts)
	if len(a) != 2 || !reflect.DeepEqual(a, b) {
		t.Errorf("two leaderboards:\n%+v\n%+v", a, b)
	}
	onlyBo := arena.CollectFiles(ana.team.Files(), mustVotes(t, ana), arena.Filter{Voter: "bo"})
	if len(onlyBo.Votes) != 1 {
		t.Errorf("--author bo: %d votes", len(onlyBo.Votes))
	}
}

func mustVotes(t *testing.T, m *member) map[string][]session.VoteLine {
	votes, errs := m.team.Votes(testCtx(t))
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return votes
}

// A store that fails every PUT keeps the session local, marked pending and
// listed as local only; the uploader retries; the next fanout started on
// the machine uploads it once the store is back.
func TestDeadStoreNeverLosesARecording(t *testing.T) {
	fake := storetest.New(t, "team")
	ana := newMember(t, fake, "ana")
	fake.FailPuts.Store(1 << 30)
	path := ana.record(t, "kept while the store is down", nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	err := ana.up.Wait(ctx)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "kept here") || !strings.Contains(err.Error(), "InternalError") {
		t.Fatalf("wait on a dead store: %v", err)
	}
	if strings.Contains(err.Error(), ana.env("AWS_SECRET_ACCESS_KEY")) {
		t.Errorf("error holds the secret: %v", err)
	}
	if n := fake.Puts.Load(); n < 3 {
		t.Errorf("%d PUT attempts: not retried", n)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("the local recording is gone: %v", err)
	}
	if p := ana.team.Pending(); len(p) != 1 || p[0] != path {
		t.Fatalf("pending %v", p)
	}

	// This fanout exits; the store comes back; the next one uploads it.
	fake.FailPuts.Store(0)
	next := &member{team: ana.team, env: ana.env}
	next.start(t)
	next.wait(t)
	if p := ana.team.Pending(); len(p) != 0 {
		t.Errorf("still pending after the next start: %v", p)
	}
	bo := newMember(t, fake, "bo")
	got := listIDs(t, bo)
	id := strings.TrimSuffix(filepath.Base(path), session.Ext)
	if _, ok := got[id]; !ok || got[id].LocalOnly {
		t.Errorf("bo does not see the session once uploaded: %+v", got)
	}
}

// The first few PUTs fail (a 500 mid-upload): retried with backoff, the
// upload succeeds within the run.
func TestFlakyStoreIsRetried(t *testing.T) {
	fake := storetest.New(t, "team")
	ana := newMember(t, fake, "ana")
	fake.FailPuts.Store(3)
	path := ana.record(t, "flaky", nil)
	ana.wait(t)
	if len(ana.team.Pending()) != 0 {
		t.Errorf("pending after the retries: %v", ana.team.Pending())
	}
	body, _, err := ana.team.Bucket.Get(testCtx(t), ana.team.sessionKey(strings.TrimSuffix(filepath.Base(path), session.Ext)))
	local, _ := os.ReadFile(path)
	if err != nil || !bytes.Equal(body, local) {
		t.Errorf("uploaded copy differs from the local file: %v", err)
	}
}

// A session cut off mid-turn (the process killed) is listed local only,
// and uploaded by the next start.
func TestCrashedRecordingIsUploadedNextStart(t *testing.T) {
	fake := storetest.New(t, "team")
	ana := newMember(t, fake, "ana")
	fake.FailPuts.Store(1 << 30)
	path := ana.record(t, "crash soon", nil)
	// Forget the uploader: as if the process died before it got through.
	sums := listLocal(t, ana)
	if !sums[path].LocalOnly {
		t.Errorf("not marked local only: %+v", sums[path])
	}
	fake.FailPuts.Store(0)
	if err := ana.team.UploadPending(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if sums := listLocal(t, ana); sums[path].LocalOnly {
		t.Errorf("still local only after the upload")
	}
}

func listLocal(t *testing.T, m *member) map[string]session.Summary {
	list, _ := m.team.List(testCtx(t)) // the store may be failing PUTs only
	out := map[string]session.Summary{}
	for _, s := range list {
		out[s.Path] = s
	}
	return out
}

// Two members recording the same prompt in the same second, and voting on
// one session at the same moment, never overwrite each other.
func TestTwoWritersAtOnce(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := newMember(t, fake, "ana"), newMember(t, fake, "ana") // same name on two laptops
	var wg sync.WaitGroup
	for _, m := range []*member{ana, bo} {
		wg.Go(func() {
			for range 3 {
				m.record(t, "same prompt", nil)
			}
		})
	}
	wg.Wait()
	ana.wait(t)
	bo.wait(t)
	if got := listIDs(t, ana); len(got) != 6 {
		t.Errorf("%d sessions listed, want 6", len(got))
	}
	list, _ := ana.team.List(testCtx(t))
	id := list[0].ID
	for range 2 {
		wg.Go(func() {
			for _, m := range []*member{ana, bo} {
				if _, err := m.team.PutVote(testCtx(t), id, session.VoteLine{Turn: 1, Order: []int{0, 1}, Verdict: session.VerdictTie, Voter: "ana", Time: time.Unix(1e9, 0)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if votes := mustVotes(t, bo); len(votes[id]) != 4 {
		t.Errorf("%d votes kept, want 4", len(votes[id]))
	}
}

// A key pasted into a prompt is scrubbed by the recorder before anything
// is written, so the uploaded object never holds it; nor does the key.
func TestKeyInPromptUploadsScrubbed(t *testing.T) {
	fake := storetest.New(t, "team")
	const key = "sk-proj-THISISAVERYSECRETKEY0123456789"
	ana := newMember(t, fake, "ana", key)
	ana.record(t, "my key is "+key+" keep it", nil)
	ana.wait(t)
	var n int
	err := ana.team.Bucket.List(testCtx(t), "", func(o Object) error {
		n++
		body, _, err := ana.team.Bucket.Get(testCtx(t), o.Key)
		if err != nil {
			return err
		}
		if strings.Contains(string(body)+o.Key, key) || strings.Contains(string(body)+o.Key, "THISISAVERYSECRET") {
			t.Errorf("object %s holds the key", o.Key)
		}
		return nil
	})
	if err != nil || n != 1 {
		t.Fatalf("%d objects, %v", n, err)
	}
}

// A warm listing downloads nothing; a changed session is fetched again.
func TestWarmListUsesTheIndex(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := newMember(t, fake, "ana"), newMember(t, fake, "bo")
	for i := range 3 {
		ana.record(t, "prompt "+string(rune('a'+i)), nil)
	}
	ana.wait(t)
	listIDs(t, bo)
	before := fake.Gets.Load()
	if before < 3 {
		t.Fatalf("cold list fetched %d sessions", before)
	}
	listIDs(t, bo)
	if n := fake.Gets.Load() - before; n != 0 {
		t.Errorf("warm list fetched %d objects", n)
	}
}

// A vote given while the store refuses writes is kept on this machine,
// counted in this machine's leaderboard, and uploaded by the next start.
func TestVoteOnADeadStoreIsKept(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := newMember(t, fake, "ana"), newMember(t, fake, "bo")
	path := ana.record(t, "vote later", nil)
	ana.wait(t)
	id := strings.TrimSuffix(filepath.Base(path), session.Ext)
	fake.FailPuts.Store(1 << 30)
	_, err := bo.team.PutVote(testCtx(t), id, session.VoteLine{Turn: 1, Order: []int{0, 1}, Verdict: session.VerdictTie, Voter: "bo"})
	var pending *PendingError
	if !errors.As(err, &pending) || !strings.Contains(err.Error(), "next fanout") {
		t.Fatalf("vote on a dead store: %v", err)
	}
	if votes, _ := bo.team.Votes(testCtx(t)); len(votes[id]) != 1 {
		t.Errorf("the kept vote is not counted here: %v", votes)
	}
	if votes := mustVotes(t, ana); len(votes[id]) != 0 {
		t.Errorf("ana sees a vote never uploaded: %v", votes)
	}
	fake.FailPuts.Store(0)
	next := &member{team: bo.team, env: bo.env}
	next.start(t)
	next.wait(t)
	if votes := mustVotes(t, ana); len(votes[id]) != 1 {
		t.Errorf("after the next start ana sees %d votes", len(votes[id]))
	}
	if votes := mustVotes(t, bo); len(votes[id]) != 1 {
		t.Errorf("bo counts %d votes once uploaded (want 1, not twice)", len(votes[id]))
	}
}

// A cold sync of many sessions says so on stderr: a bar on a terminal,
// two lines in a log.
func TestColdSyncShowsProgress(t *testing.T) {
	fake := storetest.New(t, "team")
	for i := range 25 {
		id, body := benchSession(i)
		if err := fake.Seed("fanout/sessions/"+id+session.Ext, body); err != nil {
			t.Fatal(err)
		}
	}
	for _, tty := range []bool{true, false} {
		bo := newMember(t, fake, "bo")
		var out strings.Builder
		bo.team.Progress, bo.team.ProgressTTY = &out, tty
		if got := listIDs(t, bo); len(got) != 25 {
			t.Fatalf("%d sessions", len(got))
		}
		want := "syncing the team's store [██████████████████████████████] 25/25 sessions\n"
		if !tty {
			want = "syncing 25 sessions from s3://team/fanout…\nsynced 25 of 25 sessions\n"
		}
		if got := out.String(); !strings.HasSuffix(got, want) {
			t.Errorf("tty %v: progress %q, want it to end %q", tty, got, want)
		}
		out.Reset()
		listIDs(t, bo)
		if out.Len() != 0 {
			t.Errorf("a warm list shows progress: %q", out.String())
		}
	}
}

// A conversation still recording whose turns are all up is not "local
// only"; a turn the store refused makes it so, until it goes up.
func TestLocalOnlyWhileRecording(t *testing.T) {
	fake := storetest.New(t, "team")
	ana := newMember(t, fake, "ana")
	rec := ana.team.Local.NewRecorder(session.Header{Targets: []session.TargetRecord{{Label: "Swift", Provider: "demo", Model: "swift"}}})
	turn := func(prompt string) {
		rec.Turn(prompt)
		rec.Record(session.Event{Pane: 0, T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "a")})
		rec.Record(session.Event{Pane: 0, T: 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
		rec.EndTurn()
	}
	turn("first")
	ana.wait(t)
	localOnly := func() bool { return listLocal(t, ana)[rec.Path()].LocalOnly }
	if localOnly() {
		t.Errorf("turn 1 is up, yet local only")
	}
	fake.FailPuts.Store(1 << 30)
	turn("second")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	_ = ana.up.Wait(ctx)
	cancel()
	if !localOnly() {
		t.Errorf("turn 2 refused by the store, yet not local only")
	}
	fake.FailPuts.Store(0)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	ana.wait(t)
	if localOnly() || len(ana.team.Pending()) != 0 {
		t.Errorf("closed and uploaded, yet local only (pending %v)", ana.team.Pending())
	}
}

// A cached copy removed behind the index's back is fetched again.
func TestMissingCopyIsFetchedAgain(t *testing.T) {
	fake := storetest.New(t, "team")
	ana, bo := newMember(t, fake, "ana"), newMember(t, fake, "bo")
	path := ana.record(t, "gone from the cache", nil)
	ana.wait(t)
	id := strings.TrimSuffix(filepath.Base(path), session.Ext)
	got := listIDs(t, bo)
	if err := os.Remove(got[id].Path); err != nil {
		t.Fatal(err)
	}
	listIDs(t, bo)
	if p, err := bo.team.Resolve(testCtx(t), id); err != nil || !exists(p) {
		t.Errorf("resolve after the copy was removed: %q %v", p, err)
	}
}
