package backends

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// Durations on the wire are milliseconds, as their names say, and read back
// to the same value.
func TestEventJSONMilliseconds(t *testing.T) {
	for _, ev := range []Event{
		DoneEvent(StopEnd, 1234567*time.Microsecond),
		ErrorEvent(&Error{Message: "slow down", Status: 429, Code: "rate_limit", Retryable: true, RetryAfter: 20 * time.Second}),
	} {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `"provider_latency_ms":1234.567`) && !strings.Contains(string(b), `"retry_after_ms":20000`) {
			t.Errorf("wire form %s: durations not in milliseconds", b)
		}
		var back Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(back)
		if string(b) != string(b2) {
			t.Errorf("round trip changed the event:\n%s\n%s", b, b2)
		}
	}
}
