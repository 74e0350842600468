package session

import (
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

func at(ms int, ev backends.Event) Event {
	return Event{T: time.Duration(ms) * time.Millisecond, Event: ev}
}

func TestFoldCompleteStream(t *testing.T) {
	price := &backends.Price{Input: 0.15, Output: 0.60, CachedInput: 0.075, Source: "catwalk"}
	events := []Event{
		at(0, backends.UsageEvent(backends.Usage{Input: 20})),
		at(300, backends.DeltaEvent(backends.KindAnswer, "")), // empty deltas do not count as a first token
		at(312, backends.DeltaEvent(backends.KindAnswer, "The capital")),
		at(412, backends.DeltaEvent(backends.KindAnswer, " is London.")),
		at(1312, backends.DeltaEvent(backends.KindAnswer, " Done.")),
		at(1320, backends.UsageEvent(backends.Usage{Input: 78, Output: 9, Exact: true})),
		at(1340, backends.DoneEvent("stop", 0)),
	}
	s := Fold(events)
	if s.Status != StatusDone || s.StopReason != "stop" {
		t.Fatalf("status %q stop %q, want done/stop", s.Status, s.StopReason)
	}
	if ttft, ok := s.TTFT(); !ok || ttft != 312*time.Millisecond {
		t.Errorf("TTFT = %v, %v; want 312ms", ttft, ok)
	}
	if s.Total != 1340*time.Millisecond {
		t.Errorf("Total = %v, want 1.34s", s.Total)
	}
	// 9 output tokens over the 1000 ms between the first and last delta.
	if tps, ok := s.TokensPerSecond(); !ok || math.Abs(tps-9) > 1e-9 {
		t.Errorf("tokens/s = %v, %v; want 9", tps, ok)
	}
	u := s.Tokens()
	if u.Input != 78 || u.Output != 9 || !s.Usage.Exact {
		t.Errorf("tokens = %+v, want exact 78/9", u)
	}
	c := s.Cost(price)
	if c.Source != CostComputed || c.USD == nil || math.Abs(*c.USD-0.0000171) > 1e-12 {
		t.Errorf("cost = %+v (%v), want computed 0.0000171", c, deref(c.USD))
	}
}

func TestFoldMissingUsageKeepsEstimate(t *testing.T) {
	s := Fold([]Event{
		at(0, backends.UsageEvent(backends.Usage{Input: 11})),
		at(100, backends.DeltaEvent(backends.KindAnswer, "abcdefgh")), // ~2 tokens
		at(200, backends.DeltaEvent(backends.KindAnswer, "ijklmnop")), // ~2 more
		at(250, backends.DoneEvent("stop", 0)),
	})
	u := s.Tokens()
	if s.Usage != nil || u.Input != 11 || u.Output != 4 {
		t.Fatalf("tokens = %+v (usage %v), want estimate 11/4", u, s.Usage)
	}
	if !s.UsageMissing() {
		t.Error("UsageMissing() = false for a finished stream without usage")
	}
	price := &backends.Price{Input: 1, Output: 2, Source: "catwalk"}
	if c := s.Cost(price); c.Source != CostEstimated || c.USD == nil {
		t.Errorf("cost = %+v, want estimated", c)
	}
	if c := s.Cost(nil); c.Source != CostUnknown || c.USD != nil {
		t.Errorf("cost without price = %+v, want unknown with no amount", c)
	}
}

func TestFoldTokensPerSecondNeedsTwoDeltas(t *testing.T) {
	s := Fold([]Event{at(50, backends.DeltaEvent(backends.KindReasoning, "hmm"))})
	if _, ok := s.TokensPerSecond(); ok {
		t.Error("tokens/s shown after a single delta")
	}
	if ttft, ok := s.TTFT(); !ok || ttft != 50*time.Millisecond {
		t.Errorf("a reasoning delta must count as the first token: TTFT %v %v", ttft, ok)
	}
	if s.Status != StatusStreaming {
		t.Errorf("status %q, want streaming", s.Status)
	}
}

func TestFoldError(t *testing.T) {
	s := Fold([]Event{
		at(0, backends.UsageEvent(backends.Usage{Input: 5})),
		at(90, backends.DeltaEvent(backends.KindAnswer, "partial")),
		at(400, backends.ErrorEvent(&backends.Error{Message: "openai dropped the connection mid-stream", Code: "connection_dropped", Retryable: true})),
	})
	if s.Status != StatusError || s.Err == nil || s.Err.Code != "connection_dropped" {
		t.Fatalf("status %q err %+v", s.Status, s.Err)
	}
	if s.Total != 400*time.Millisecond {
		t.Errorf("Total = %v, want the error's offset", s.Total)
	}
	if !s.Ended() {
		t.Error("an errored pane must count as ended")
	}
}

func TestFoldCancelled(t *testing.T) {
	s := Fold([]Event{
		at(90, backends.DeltaEvent(backends.KindAnswer, "partial")),
		at(120, backends.DoneEvent(backends.StopCancelled, 0)),
	})
	if s.Status != StatusCancelled {
		t.Errorf("status %q, want cancelled", s.Status)
	}
}

func TestCostBilledWins(t *testing.T) {
	billed := 0.00042
	s := Fold([]Event{at(1, backends.UsageEvent(backends.Usage{Input: 10, Output: 10, Exact: true, CostUSD: &billed}))})
	c := s.Cost(nil)
	if c.Source != CostBilled || c.USD == nil || *c.USD != billed {
		t.Errorf("cost = %+v, want billed %v", c, billed)
	}
}

func TestCostCachedTokens(t *testing.T) {
	// Input counts every prompt token; 600 of the 1000 were cache reads and
	// 100 were cache writes.
	s := Fold([]Event{at(1, backends.UsageEvent(backends.Usage{Input: 1000, CachedInput: 600, CacheWrite: 100, Output: 50, Exact: true}))})
	price := &backends.Price{Input: 3, Output: 15, CachedInput: 0.3, CacheWrite: 3.75}
	want := (300*3 + 600*0.3 + 100*3.75 + 50*15) / 1e6
	if c := s.Cost(price); c.USD == nil || math.Abs(*c.USD-want) > 1e-12 {
		t.Errorf("cost = %v, want %v", deref(c.USD), want)
	}
}

// An error before the first token costs a certain $0 only when the
// provider refused the request or never got it; after a stall or a drop it
// may have processed the prompt, so the cost stays the estimate.
func TestCostOfAnErrorBeforeAnyToken(t *testing.T) {
	price := &backends.Price{Input: 1, Output: 2}
	for _, tc := range []struct {
		err      backends.Error
		unbilled bool
	}{
		{backends.Error{Message: "refused", Status: 401, Code: "invalid_api_key"}, true},
		{backends.Error{Message: "limited", Status: 429}, true},
		{backends.Error{Message: "no key", Code: backends.CodeMissingKey}, true},
		{backends.Error{Message: "down", Code: backends.CodeConnectionRefused, Retryable: true}, true},
		{backends.Error{Message: "stalled", Code: backends.CodeStalled, Retryable: true}, false},
		{backends.Error{Message: "dropped", Code: backends.CodeConnectionDropped, Retryable: true}, false},
		{backends.Error{Message: "too slow", Code: backends.CodeTimeout, Retryable: true}, false},
	} {
		e := tc.err
		s := Fold([]Event{at(0, backends.UsageEvent(backends.Usage{Input: 1000})), at(5, backends.ErrorEvent(&e))})
		c := s.Cost(price)
		if tc.unbilled {
			if c.USD == nil || *c.USD != 0 || c.Source != CostUnbilled || c.Ranked() {
				t.Errorf("%s (%d): cost %+v, want a certain, unranked $0", e.Code, e.Status, c)
			}
			// Certain whatever the price: a refused request costs
			// nothing even on a model whose price is unknown.
			if c := s.Cost(nil); c.USD == nil || *c.USD != 0 || c.Source != CostUnbilled {
				t.Errorf("%s without a price: cost %+v, want unbilled $0", e.Code, c)
			}
			b, err := json.Marshal(c)
			if err != nil || string(b) != `{"usd":0,"source":"unbilled"}` {
				t.Errorf("%s: JSON %s (%v)", e.Code, b, err)
			}
			continue
		}
		if c.USD == nil || c.Source != CostEstimated || *c.USD != 1000*1.0/1e6 {
			t.Errorf("%s: cost %+v, want the input estimate %v", e.Code, c, 1000*1.0/1e6)
		}
	}
}

// An unbilled $0 adds nothing to a sum and takes nothing from its
// certainty; it is never the cheapest.
func TestUnbilledCost(t *testing.T) {
	zero, v := 0.0, 0.5
	unbilled := Cost{USD: &zero, Source: CostUnbilled}
	computed := Cost{USD: &v, Source: CostComputed}
	if sum := AddCost(unbilled, computed); sum.Source != CostComputed || *sum.USD != v {
		t.Errorf("unbilled + computed = %+v", sum)
	}
	if sum := AddCost(Cost{USD: &v, Source: CostBilled}, unbilled); sum.Source != CostBilled || *sum.USD != v {
		t.Errorf("billed + unbilled = %+v", sum)
	}
	if sum := AddCost(unbilled, unbilled); sum.Source != CostUnbilled || *sum.USD != 0 {
		t.Errorf("unbilled + unbilled = %+v", sum)
	}
	if got := FormatCostShort(unbilled); got != "$0" {
		t.Errorf("FormatCostShort(unbilled) = %q, want $0 with no ~", got)
	}
	if got := FormatCost(unbilled); got != "$0 unbilled" {
		t.Errorf("FormatCost(unbilled) = %q", got)
	}
	for _, c := range []Cost{{}, {Source: CostUnknown}, unbilled} {
		if c.Ranked() {
			t.Errorf("%+v is ranked", c)
		}
	}
	for _, c := range []Cost{computed, {USD: &zero, Source: CostComputed}, {USD: &v, Source: CostEstimated}} {
		if !c.Ranked() {
			t.Errorf("%+v is not ranked", c)
		}
	}
}

// Tokens per second is shown only once it means something: two deltas at
// least 50 ms apart. Six tokens arriving together are no speed.
func TestTokensPerSecondRule(t *testing.T) {
	us := func(n int) time.Duration { return time.Duration(n) * time.Microsecond }
	delta := func(d time.Duration, text string) Event {
		return Event{T: d, Event: backends.DeltaEvent(backends.KindAnswer, text)}
	}
	for _, tc := range []struct {
		name   string
		events []Event
		want   float64 // 0: no rate
	}{
		{"one delta", []Event{delta(us(1000), "hello there")}, 0},
		{"six together", []Event{delta(us(1000), "aaaa"), delta(us(1040), "bbbb"), delta(us(1080), "cccc"),
			delta(us(1120), "dddd"), delta(us(1160), "eeee"), delta(us(1211), "ffff")}, 0},
		{"two 49.999 ms apart", []Event{delta(us(1000), "aaaa"), delta(us(50999), "bbbb")}, 0},
		{"two 50 ms apart", []Event{delta(us(1000), "aaaa"), delta(us(51000), "bbbb")}, 2 / 0.05},
		{"exact usage", []Event{delta(us(0), "aaaa"), delta(us(500000), "bbbb"),
			at(600, backends.UsageEvent(backends.Usage{Input: 3, Output: 10, Exact: true}))}, 20},
	} {
		s := Fold(tc.events)
		got, ok := s.TokensPerSecond()
		if ok != (tc.want != 0) || (ok && math.Abs(got-tc.want) > 1e-9) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, ok, tc.want)
		}
	}
}

func TestExact(t *testing.T) {
	var s Stats
	s.Apply(at(0, backends.UsageEvent(backends.Usage{Input: 5})))
	if s.Exact() {
		t.Error("an input estimate is exact")
	}
	s.Apply(at(1, backends.UsageEvent(backends.Usage{Input: 5, Output: 2, Exact: true})))
	if !s.Exact() || s.Tokens().Output != 2 {
		t.Errorf("exact usage: Exact %v tokens %+v", s.Exact(), s.Tokens())
	}
}

func TestEventJSONRoundTrip(t *testing.T) {
	in := Event{Pane: 2, T: 1234567 * time.Microsecond, Event: backends.DeltaEvent(backends.KindReasoning, "hi")}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"t_ms":1234.567,"pane":2,"type":"delta","delta":{"kind":"reasoning","text":"hi"}}`
	if string(b) != want {
		t.Fatalf("json = %s\nwant   %s", b, want)
	}
	var out Event
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Pane != in.Pane || out.T != in.T || out.Delta.Text != "hi" || out.Delta.Kind != backends.KindReasoning {
		t.Errorf("round trip = %+v", out)
	}
	if err := json.Unmarshal([]byte(`{"t_ms":-1,"pane":0,"type":"done"}`), &out); err == nil {
		t.Error("negative t_ms accepted")
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
