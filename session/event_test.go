package session

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// Every offset kept to the microsecond comes back from the file exactly.
// (Truncating the float of milliseconds brought 1.001ms back as 1.000999ms.)
func TestEventTimeRoundTrip(t *testing.T) {
	for us := int64(0); us < 3_000_000; us++ {
		d := time.Duration(us) * time.Microsecond
		if back := backends.FromMillis(backends.Millis(d)); back != d {
			t.Fatalf("%v came back as %v", d, back)
		}
	}
	for _, d := range []time.Duration{1001 * time.Microsecond, 3*time.Hour + 5*time.Microsecond} {
		b, err := json.Marshal(Event{T: d, Event: backends.DeltaEvent(backends.KindAnswer, "x")})
		if err != nil {
			t.Fatal(err)
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil || back.T != d {
			t.Errorf("%v came back as %v, %v (%s)", d, back.T, err, b)
		}
	}
}

func TestEventTimeRejectsNonsense(t *testing.T) {
	for _, tms := range []string{"-1", "1e300", "9.3e12"} {
		var ev Event
		err := json.Unmarshal([]byte(`{"t_ms":`+tms+`,"pane":0,"type":"done","done":{"stop_reason":"stop"}}`), &ev)
		if err == nil || !strings.Contains(err.Error(), "bad t_ms") {
			t.Errorf("t_ms %s: %v, %v", tms, ev.T, err)
		}
	}
}

// An event line keeps text as it is when its encoder does not escape HTML,
// as `fanout run --events` and the session file both print it.
func TestEventJSONLeavesHTMLToItsEncoder(t *testing.T) {
	ev := Event{T: time.Millisecond, Event: backends.DeltaEvent(backends.KindAnswer, "<a> & b")}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ev); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), `"text":"<a> & b"`) {
		t.Errorf("unescaped encoder: %s", b.String())
	}
	if m, _ := json.Marshal(ev); !strings.Contains(string(m), `\u003ca\u003e \u0026 b`) {
		t.Errorf("json.Marshal: %s", m)
	}
}
