package bench

import (
	"context"
	"testing"

	"github.com/fanout-dev/fanout/backends"
)

func TestDemoRateLimitsOnlyPonderNowAndThen(t *testing.T) {
	for _, name := range backends.DemoModelNames() {
		tg, _ := backends.DemoTarget(name)
		open := OpenDemo(tg, backends.Options{}, 7)
		limited := 0
		for id := 1; id <= 200; id++ {
			if _, ok := open(Trial{ID: id}).(rateLimited); ok {
				limited++
			}
		}
		switch {
		case name == "ponder" && (limited < 5 || limited > 40):
			t.Errorf("ponder limited %d of 200 trials, want about %.0f", limited, 200*DemoRateLimitChance)
		case name != "ponder" && limited > 0:
			t.Errorf("%s limited %d times: only ponder is", name, limited)
		}
	}
}

func TestDemoRateLimitIsA429(t *testing.T) {
	for ev := range (rateLimited{}).Stream(context.Background(), backends.Request{}) {
		if ev.Type != backends.EventError || ev.Error.Status != 429 || Classify(ev.Error) != ErrRateLimited || !ev.Error.Unbilled() {
			t.Errorf("event %+v", ev)
		}
	}
}
