package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// bigSession records a session of about size bytes: four panes streaming
// short deltas for as long as it takes, in arrival order.
func bigSession(tb testing.TB, dir string, size int64) string {
	tb.Helper()
	store := session.Store{Dir: dir, App: "bench"}
	h := session.Header{Created: time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)}
	for _, spec := range testModels {
		tg, err := backends.ParseSpec(spec)
		if err != nil {
			tb.Fatal(err)
		}
		h.Targets = append(h.Targets, session.NewTargetRecord(tg, nil))
	}
	rec := store.NewRecorder(h)
	rec.Turn("Write a very long essay")
	words := strings.Fields(answer)
	written, step := int64(0), 0
	for written < size {
		for pane := range h.Targets {
			ev := session.Event{Pane: pane, T: time.Duration(step) * 2 * time.Millisecond,
				Event: backends.DeltaEvent(backends.KindAnswer, words[(step+pane)%len(words)]+" ")}
			rec.Record(ev)
			written += 80 // about one line
		}
		step++
	}
	for pane := range h.Targets {
		rec.Record(session.Event{Pane: pane, T: time.Duration(step) * 2 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	}
	rec.EndTurn()
	if err := rec.Close(); err != nil {
		tb.Fatal(err)
	}
	return rec.Path()
}

// BenchmarkReplay10MB measures, for a 10 MB session, the time from opening
// the file to the replay's first frame and to the whole file on the
// timeline, against the naive way: decode the whole file, then draw.
func BenchmarkReplay10MB(b *testing.B) {
	path := bigSession(b, b.TempDir(), 10<<20)
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	open := func() *Model {
		rd, err := session.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		m, err := New(Options{Open: func(backends.Target) backends.Backend { return silent{} }, NoColor: true, Replay: rd})
		if err != nil {
			b.Fatal(err)
		}
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
		return m
	}
	var first, full, naive time.Duration
	for b.Loop() {
		start := time.Now()
		m := open()
		m.Update(m.replay.load(firstChunk)())
		m.replayTick(replayTickMsg{gen: m.replay.gen})
		_ = m.render()
		first += time.Since(start)
		for !m.replay.loaded {
			m.Update(m.replay.load(laterChunk)())
		}
		full += time.Since(start)
		m.Close()

		// Naive: read and check the whole file, build the timeline, then
		// draw the first frame.
		start = time.Now()
		f, err := session.Load(path)
		if err != nil {
			b.Fatal(err)
		}
		tl := f.Timeline()
		m = open()
		m.replay.tl, m.replay.loaded = tl, true
		m.playTo(0)
		_ = m.render()
		naive += time.Since(start)
		m.Close()
	}
	n := time.Duration(b.N)
	first, full, naive = first/n, full/n, naive/n
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(first), "first-frame-ms")
	b.ReportMetric(ms(full), "full-index-ms")
	b.ReportMetric(ms(naive), "naive-first-frame-ms")
	b.ReportMetric(float64(naive)/float64(first), "x-sooner")
	b.Logf("%.1f MB session: first frame %.1f ms, full index %.0f ms; naive first frame %.0f ms: %.0fx sooner",
		float64(st.Size())/(1<<20), ms(first), ms(full), ms(naive), float64(naive)/float64(first))
}
