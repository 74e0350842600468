package store

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/store/storetest"
)

// benchSessions is the size of the store the listing is measured on.
const benchSessions = 10_000

// A session file of two models and one turn, with its footer: what a
// listing reads of every session it has not seen.
func benchSession(i int) (id string, body []byte) {
	id = fmt.Sprintf("20261203-1200%02d-prompt-%d-ana-%06x", i%60, i, i)
	return id, fmt.Appendf(nil, `{"type":"header","format":1,"id":%q,"created":"2026-12-03T12:00:00Z","app":"bench","prompt":"prompt %d","targets":[{"label":"Swift","provider":"demo","model":"swift"},{"label":"Sage","provider":"demo","model":"sage"}],"author":"ana"}
{"t_ms":1,"pane":0,"type":"delta","text":"answer"}
{"t_ms":2,"pane":0,"type":"done","stop_reason":"end_turn"}
{"t_ms":1,"pane":1,"type":"delta","text":"answer"}
{"t_ms":3,"pane":1,"type":"done","stop_reason":"end_turn"}
{"type":"footer","turn":1,"ended":"2026-12-03T12:00:01Z","results":[],"total":{"source":"unknown"}}
`, id, i)
}

// BenchmarkTeamList lists a 10k-session store warm (the index cache knows
// every ETag: one ListObjectsV2 per 1,000 keys, nothing downloaded) and
// reports it against a cold sync of the same store in the same run (every
// session downloaded and summarized), with the ratio. Target: warm < 1 s.
func BenchmarkTeamList(b *testing.B) {
	fake := storetest.New(b, "team")
	for i := range benchSessions {
		id, body := benchSession(i)
		if err := fake.Seed("fanout/sessions/"+id+session.Ext, body); err != nil {
			b.Fatal(err)
		}
	}
	home := b.TempDir()
	env := fake.Env(home)
	team, err := Open(testCtx(b), "s3://team/fanout", Options{Getenv: env, Local: &session.Store{Dir: filepath.Join(home, "sessions")}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := testCtx(b)
	start := time.Now()
	list, errs := team.List(ctx)
	cold := time.Since(start)
	if len(errs) > 0 || len(list) != benchSessions {
		b.Fatalf("cold sync: %d sessions, %v", len(list), errs[:min(3, len(errs))])
	}
	gets := fake.Gets.Load()
	b.ResetTimer()
	for b.Loop() {
		list, errs := team.List(ctx)
		if len(errs) > 0 || len(list) != benchSessions {
			b.Fatalf("warm list: %d sessions, %v", len(list), errs)
		}
	}
	if n := fake.Gets.Load() - gets; n != 0 {
		b.Fatalf("warm lists downloaded %d sessions", n)
	}
	warm := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(cold.Milliseconds()), "cold-ms")
	b.ReportMetric(float64(warm.Microseconds())/1e3, "warm-ms")
	b.ReportMetric(float64(cold)/float64(warm), "x-faster")
	b.Logf("%d sessions: warm list %s, cold sync %s: %.1fx faster (target: warm under 1 s)", benchSessions, warm.Round(time.Millisecond), cold.Round(time.Millisecond), float64(cold)/float64(warm))
}
