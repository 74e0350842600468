package session

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Lines of a small valid session with two models.
const (
	hdr    = `{"type":"header","format":1,"id":"20261126-214608-hi","created":"2026-11-26T21:46:08Z","app":"test","prompt":"hi","targets":[{"label":"A","provider":"demo","model":"swift"},{"label":"B","provider":"demo","model":"sage"}]}` + "\n"
	usage0 = `{"t_ms":0,"pane":0,"type":"usage","usage":{"input":3,"output":0,"cached_input":0,"cache_write":0,"reasoning":0,"exact":false}}` + "\n"
	delta0 = `{"t_ms":5.5,"pane":0,"type":"delta","delta":{"kind":"answer","text":"Hel"}}` + "\n"
	delta1 = `{"t_ms":2,"pane":1,"type":"delta","delta":{"kind":"reasoning","text":"hmm"}}` + "\n"
	more0  = `{"t_ms":7.25,"pane":0,"type":"delta","delta":{"kind":"answer","text":"lo"}}` + "\n"
	done0  = `{"t_ms":9,"pane":0,"type":"done","done":{"stop_reason":"stop"}}` + "\n"
	err1   = `{"t_ms":3,"pane":1,"type":"error","error":{"message":"overloaded","status":503,"retryable":true}}` + "\n"
	foot1  = `{"type":"footer","turn":1,"ended":"2026-11-26T21:46:09Z","results":[],"total_cost":{"usd":null,"source":"unknown"}}` + "\n"
	turn2  = `{"type":"prompt","turn":2,"prompt":"and then?"}` + "\n"
	delta2 = `{"t_ms":1,"pane":0,"type":"delta","delta":{"kind":"answer","text":"Then"}}` + "\n"
)

var validSession = hdr + usage0 + delta0 + delta1 + more0 + done0 + err1 + foot1 + turn2 + delta2

func TestLoadValid(t *testing.T) {
	rd, err := NewReader("ok.jsonl", strings.NewReader(validSession))
	if err != nil {
		t.Fatal(err)
	}
	f, err := ReadAll(rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Turns) != 2 || len(f.Turns[0].Events) != 6 || f.Turns[0].Footer == nil || f.Turns[1].Footer != nil {
		t.Fatalf("turns %+v", f.Turns)
	}
	r := f.Results(0)
	if r[0].Text() != "Hello" || r[0].Stats.Status != StatusDone || r[1].Reasoning() != "hmm" || r[1].Stats.Status != StatusError {
		t.Errorf("results %q %s / %q %s", r[0].Text(), r[0].Stats.Status, r[1].Reasoning(), r[1].Stats.Status)
	}
	// Times start again at each turn.
	if rep := f.Report(); rep.Prompt != "and then?" || rep.Results[0].Text != "Then" || *rep.Results[0].TTFTMs != 1 {
		t.Errorf("report %s", js(rep))
	}
	// Blank lines and CRLF are tolerated.
	crlf := strings.ReplaceAll(hdr+"\n"+delta0+"   \n"+done0, "\n", "\r\n")
	if _, err := ReadAll(mustReader(t, crlf)); err != nil {
		t.Errorf("CRLF and blank lines: %v", err)
	}
}

func mustReader(t *testing.T, s string) *Reader {
	t.Helper()
	rd, err := NewReader("x.jsonl", strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return rd
}

// Every file the loader refuses is refused with the file, the line and a
// reason a person can act on.
func TestLoadRejects(t *testing.T) {
	cases := []struct {
		name, content string
		line          int
		want          string
	}{
		{"empty file", "", 1, "the file is empty: not a fanout session"},
		{"not JSON at all", "hello world\n", 1, "not JSON (invalid character 'h' looking for beginning of value at byte 1): not a fanout session"},
		{"not a header", delta0, 1, "the first line is not a session header: not a fanout session"},
		{"an array first", "[1,2]\n", 1, "bad header: a JSON array where an object belongs"},
		{"header cut short", hdr[:40], 1, "the header is cut short: the run was stopped before anything was recorded"},
		{"unknown format version", strings.Replace(hdr, `"format":1`, `"format":3`, 1), 1, "format version 3 is not supported: this fanout reads versions 1 to 2; a newer fanout may read it"},
		{"format of the wrong type", strings.Replace(hdr, `"format":1`, `"format":"1"`, 1), 1, `bad header: field "format" should be a number, not string`},
		{"no models", strings.Replace(hdr, `"targets":[{"label":"A","provider":"demo","model":"swift"},{"label":"B","provider":"demo","model":"sage"}]`, `"targets":[]`, 1), 1, "the header names no models"},
		{"not JSON mid-file", hdr + delta0 + `{"t_ms":6,"pane":0,"type":"delta","delta":{"kind` + "\n" + done0, 3, "not JSON (unexpected end of JSON input at byte 48)"},
		{"a corrupt last line with its newline", hdr + delta0 + "{\"t_ms\":6,\n", 3, "not JSON (unexpected end of JSON input at byte 10)"},
		{"JSON array mid-file", hdr + "[1]\n", 2, "a JSON array where a JSON object belongs"},
		{"event for a pane that does not exist", hdr + usage0 + strings.Replace(delta0, `"pane":0`, `"pane":2`, 1), 3, "event for pane 2, but the session has 2 models (panes 0 to 1)"},
		{"negative pane", hdr + strings.Replace(delta0, `"pane":0`, `"pane":-1`, 1), 2, "event for pane -1, but the session has 2 models (panes 0 to 1)"},
		{"time going backwards", hdr + more0 + delta1 + delta0, 4, "time goes backwards for pane 0: 5.5ms after 7.25ms"},
		{"negative time", hdr + strings.Replace(delta0, `"t_ms":5.5`, `"t_ms":-5`, 1), 2, "bad delta event: bad t_ms -5"},
		{"second header", hdr + delta0 + hdr, 3, "a second header: two sessions were joined into one file"},
		{"unknown type", hdr + `{"t_ms":1,"pane":0,"type":"tool_call"}` + "\n", 2, `unknown line type "tool_call"`},
		{"no type", hdr + `{"t_ms":1,"pane":0}` + "\n", 2, "a line without a type"},
		{"delta without payload", hdr + `{"t_ms":1,"pane":0,"type":"delta"}` + "\n", 2, "delta event without its delta"},
		{"done without payload", hdr + `{"t_ms":1,"pane":0,"type":"done","done":null}` + "\n", 2, "done event without its done"},
		{"field of the wrong type", hdr + `{"t_ms":"soon","pane":0,"type":"delta","delta":{"kind":"answer","text":"x"}}` + "\n", 2, `bad delta event: field "t_ms" should be a number, not string`},
		{"prompt turn out of order", hdr + delta0 + strings.Replace(turn2, `"turn":2`, `"turn":3`, 1), 3, "prompt of turn 3 follows turn 1"},
		{"prompt turn repeated", hdr + turn2 + turn2, 3, "prompt of turn 2 follows turn 2"},
		{"footer of another turn", hdr + turn2 + foot1, 3, "footer of turn 1 in turn 2"},
		{"event without a pane", hdr + strings.Replace(delta1, `"pane":1,`, "", 1), 2, "delta event without a pane: which model it belongs to is unknown"},
		{"event with a null pane", hdr + strings.Replace(delta1, `"pane":1`, `"pane":null`, 1), 2, "delta event without a pane: which model it belongs to is unknown"},
		{"delta after done", hdr + delta0 + done0 + strings.Replace(more0, "7.25", "10", 1), 4, "delta event for pane 0 after its end on line 3"},
		{"done after error", hdr + err1 + strings.Replace(done0, `"pane":0`, `"pane":1`, 1), 3, "done event for pane 1 after its end on line 2"},
		{"usage after done", hdr + done0 + strings.Replace(usage0, `"t_ms":0`, `"t_ms":9`, 1), 3, "usage event for pane 0 after its end on line 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bad.jsonl")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			want := fmt.Sprintf("session %s:%d: %s", path, tc.line, tc.want)
			if err == nil || err.Error() != want {
				t.Fatalf("got  %v\nwant %s", err, want)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.Path != path || fe.Line != tc.line {
				t.Errorf("not a *FileError naming the line: %#v", err)
			}
		})
	}
}

func TestOpenMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.jsonl"))
	if err == nil || !strings.Contains(err.Error(), "nope.jsonl") {
		t.Errorf("error %v should name the file", err)
	}
}

// FuzzLoad feeds the loader anything: it never panics, a file it accepts
// can be folded, reported and laid on a timeline, and a file it refuses
// is refused with the file name and a line number.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(validSession))
	f.Add([]byte(validSession[:len(validSession)-9])) // torn
	for _, bad := range []string{"", "\n", "null\n", "[]", hdr + "[1]\n", hdr + hdr, hdr + more0 + delta0,
		hdr + `{"t_ms":1e300,"pane":0,"type":"delta","delta":{"kind":"answer","text":"x"}}` + "\n",
		hdr + `{"t_ms":1,"pane":7,"type":"done","done":{"stop_reason":"stop"}}` + "\n",
		hdr + strings.Replace(turn2, "2", "5", 1), hdr + `{"type":"footer","turn":1,"results":null}` + "\n",
		hdr + strings.Replace(delta1, `"pane":1,`, "", 1), hdr + done0 + more0} {
		f.Add([]byte(bad))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := NewReader("fuzz.jsonl", bytes.NewReader(data))
		if err == nil {
			var file *File
			file, err = ReadAll(rd)
			if err == nil {
				for i := range file.Turns {
					file.Results(i)
				}
				_ = file.Report()
				tl := file.Timeline()
				_ = tl.End()
				_, _ = tl.NextMilestone(0)
				return
			}
		}
		var fe *FileError
		if !errors.As(err, &fe) || fe.Line < 1 || !strings.HasPrefix(err.Error(), fmt.Sprintf("session fuzz.jsonl:%d: ", fe.Line)) {
			t.Fatalf("error without file and line: %v", err)
		}
	})
}
