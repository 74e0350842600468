package session

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// BenchmarkRecordScrubbing measures what catching keys split across deltas
// costs per recorded delta: a recorder scrubbing 20 key-like values against
// one with none, on the same 30k small deltas over three panes (the words
// often end with the first letter of a key, so deltas are held and
// released all the time).
func BenchmarkRecordScrubbing(b *testing.B) {
	var secrets []string
	for i := range 20 {
		secrets = append(secrets, fmt.Sprintf("sk-proj-%02dABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", i))
	}
	words := strings.Fields("this is some streamed text with keys like sk in it and words such as ask skip risk tasks")
	h := Header{Targets: []TargetRecord{{Label: "A", Provider: "demo", Model: "a"}, {Label: "B", Provider: "demo", Model: "b"}, {Label: "C", Provider: "demo", Model: "c"}}}
	const deltas = 30000
	record := func(secrets []string) time.Duration {
		rec := Store{Dir: b.TempDir(), Secrets: secrets}.NewRecorder(h)
		rec.Turn("bench")
		start := time.Now()
		for i := range deltas {
			rec.Record(Event{Pane: i % 3, T: time.Duration(i) * time.Microsecond,
				Event: backends.DeltaEvent(backends.KindAnswer, " "+words[i%len(words)])})
		}
		for p := range 3 {
			rec.Record(Event{Pane: p, T: deltas * time.Microsecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
		}
		rec.EndTurn()
		d := time.Since(start)
		if err := rec.Close(); err != nil {
			b.Fatal(err)
		}
		return d
	}
	var with, without time.Duration
	for b.Loop() {
		with += record(secrets)
		without += record(nil)
	}
	n := time.Duration(b.N) * deltas
	b.ReportMetric(float64(with/n), "ns/delta")
	b.ReportMetric(float64(without/n), "baseline-ns/delta")
	b.ReportMetric(float64(with)/float64(without), "x-baseline")
	b.Logf("per delta: %v scrubbing 20 keys, %v with none: %.2fx", with/n, without/n, float64(with)/float64(without))
}
