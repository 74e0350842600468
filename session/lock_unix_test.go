//go:build unix

package session

import (
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// A session still streaming is told from one cut short: the first has a
// recorder holding its file, the second does not any more.
func TestSummaryTellsStreamingFromCutShort(t *testing.T) {
	rec := Store{Dir: t.TempDir()}.NewRecorder(oneTarget())
	rec.Turn("still going")
	rec.Record(Event{T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "partial")})
	rec.Record(Event{T: 2 * time.Millisecond, Event: backends.DoneEvent("stop", 0)}) // flushed
	check := func(when string, complete, recording bool) {
		t.Helper()
		sum, err := Summarize(rec.Path())
		if err != nil {
			t.Fatal(err)
		}
		if sum.Complete != complete || sum.Recording != recording {
			t.Errorf("%s: complete %v recording %v, want %v %v", when, sum.Complete, sum.Recording, complete, recording)
		}
	}
	check("mid-turn", false, true)
	rec.EndTurn()
	check("between turns", true, true)
	rec.Turn("and then")
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	check("closed mid-turn", false, false)
}
