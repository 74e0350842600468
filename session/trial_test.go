package session

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func benchHeader() Header {
	h := NewHeader(backends.Request{}, TargetRecord{Label: "A", Provider: "demo", Model: "swift"}, TargetRecord{Label: "B", Provider: "demo", Model: "sage"})
	h.Bench = &BenchHeader{Trials: 1, Warmup: 1, Concurrency: 2, Seed: 3, Prompts: []BenchPrompt{{Prompt: "hi"}}}
	return h
}

func delta(pane, trial int, t time.Duration, text string) Event {
	return Event{Pane: pane, Trial: trial, T: t, Event: backends.DeltaEvent(backends.KindAnswer, text)}
}

// Two trials of one model stream at once, each with a key split across
// its deltas: each trial's scrubber joins its own pieces only, and the
// file keeps neither key while reading back as two whole trials.
func TestRecorderScrubsOverlappingTrialsApart(t *testing.T) {
	const key = "sk-live-abcdefghijklmnop"
	rec := Store{Dir: t.TempDir(), App: "test", Secrets: []string{key}}.NewRecorder(benchHeader())
	rec.Turn("hi")
	rec.StartTrial(TrialLine{Trial: 1, Pane: 0, Warmup: true})
	rec.StartTrial(TrialLine{Trial: 2, Pane: 0, Round: 1, StartMs: 1.5})
	rec.Record(delta(0, 1, time.Millisecond, "one "+key[:10]))
	rec.Record(delta(0, 2, time.Millisecond, "two "+key[:12]))
	rec.Record(delta(0, 1, 2*time.Millisecond, key[10:]+" end"))
	rec.Record(delta(0, 2, 2*time.Millisecond, key[12:]+" end"))
	rec.Record(Event{Pane: 0, Trial: 2, T: 3 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	rec.Record(Event{Pane: 0, Trial: 1, T: 3 * time.Millisecond, Event: backends.DoneEvent(backends.StopEnd, 0)})
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(rec.Path())
	if strings.Contains(string(raw), key[:MinSecretLen]) || !strings.Contains(string(raw), `"format":2`) {
		t.Fatalf("file:\n%s", raw)
	}
	f, err := Load(rec.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Trials) != 2 || !f.Trials[0].Warmup || f.Trials[1].Start() != 1500*time.Microsecond {
		t.Fatalf("trials: %+v", f.Trials)
	}
	for i, want := range []string{"one [redacted] end", "two [redacted] end"} {
		var text strings.Builder
		for _, ev := range f.Trials[i].Events {
			if ev.Delta != nil {
				text.WriteString(ev.Delta.Text)
			}
		}
		if text.String() != want {
			t.Errorf("trial %d: %q, want %q", i+1, text.String(), want)
		}
	}
}

func TestLoaderChecksTrials(t *testing.T) {
	hdr := `{"type":"header","format":2,"prompt":"hi","targets":[{"label":"A","provider":"demo","model":"swift"}],"bench":{"trials":1,"warmup":0,"concurrency":1,"seed":1,"unique_prefix":false,"prompts":[{"prompt":"hi"}]}}` + "\n"
	trial := `{"type":"trial","trial":1,"pane":0,"round":0,"prompt":0,"start_ms":0}` + "\n"
	ev := `{"t_ms":5,"pane":0,"trial":1,"type":"delta","delta":{"kind":"answer","text":"x"}}` + "\n"
	done := `{"t_ms":6,"pane":0,"trial":1,"type":"done","done":{"stop_reason":"stop"}}` + "\n"
	cases := []struct{ name, file, say string }{
		{"event before its trial", hdr + ev, "before its trial line"},
		{"trial twice", hdr + trial + trial, "starts twice"},
		{"trial of another pane", hdr + trial + strings.Replace(ev, `"pane":0`, `"pane":1`, 1), "pane 1"},
		{"after its end", hdr + trial + ev + done + strings.Replace(ev, `"t_ms":5`, `"t_ms":7`, 1), "after its end on line 4"},
		{"backwards", hdr + trial + done + ev, "time goes backwards in trial 1"},
		{"trial in a run", strings.Replace(strings.Replace(hdr, `"format":2`, `"format":1`, 1), `,"bench":{"trials":1,"warmup":0,"concurrency":1,"seed":1,"unique_prefix":false,"prompts":[{"prompt":"hi"}]}`, "", 1) + trial, "not a bench"},
		{"unknown prompt", hdr + strings.Replace(trial, `"prompt":0`, `"prompt":4`, 1), "prompt 4"},
	}
	for _, tc := range cases {
		rd, err := NewReader("b.jsonl", strings.NewReader(tc.file))
		if err == nil {
			_, err = ReadAll(rd)
		}
		if err == nil || !strings.Contains(err.Error(), tc.say) {
			t.Errorf("%s: %v, want it to say %q", tc.name, err, tc.say)
		}
	}
	rd, _ := NewReader("b.jsonl", strings.NewReader(hdr+trial+ev+done))
	f, err := ReadAll(rd)
	if err != nil || len(f.Trials) != 1 || len(f.Trials[0].Events) != 2 || len(f.Turns[0].Events) != 0 {
		t.Errorf("a good bench: %+v %v", f, err)
	}
}

func FuzzLoadBench(f *testing.F) {
	hdr := `{"type":"header","format":2,"prompt":"hi","targets":[{"label":"A","provider":"demo","model":"swift"},{"label":"B","provider":"demo","model":"sage"}],"bench":{"trials":1,"warmup":1,"concurrency":2,"seed":1,"unique_prefix":true,"prompts":[{"prompt":"hi"}]}}` + "\n"
	trial := `{"type":"trial","trial":1,"pane":1,"round":0,"prompt":0,"warmup":true,"nonce":"[bench nonce 01]","start_ms":0.5}` + "\n"
	ev := `{"t_ms":5,"pane":1,"trial":1,"type":"delta","delta":{"kind":"answer","text":"x"}}` + "\n"
	done := `{"t_ms":6,"pane":1,"trial":1,"type":"done","done":{"stop_reason":"stop"}}` + "\n"
	f.Add([]byte(hdr + trial + ev + done))
	f.Add([]byte(hdr + trial + ev))
	f.Add([]byte(hdr + ev + trial))
	f.Add([]byte(hdr + trial + strings.Replace(trial, `"trial":1`, `"trial":2`, 1) + ev + done))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader("fuzz.jsonl", bytes.NewReader(data))
		if err != nil {
			return
		}
		file, err := ReadAll(rd)
		if err != nil {
			return
		}
		for _, tr := range file.Trials {
			if tr.Trial == 0 || tr.Pane >= len(file.Header.Targets) {
				t.Fatalf("a trial the loader should have refused: %+v", tr.TrialLine)
			}
			one, err := file.TrialSession(tr.Trial)
			if err != nil {
				t.Fatalf("trial %d of a file that loaded: %v", tr.Trial, err)
			}
			again, err := ReadAll(one)
			if err != nil {
				t.Fatalf("trial %d as a session does not read back: %v", tr.Trial, err)
			}
			if len(again.Turns[0].Events) != len(tr.Events) {
				t.Fatalf("trial %d: %d events, %d read back", tr.Trial, len(tr.Events), len(again.Turns[0].Events))
			}
		}
	})
}
