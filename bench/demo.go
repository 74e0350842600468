package bench

import (
	"context"
	"hash/fnv"
	"iter"
	"math/rand/v2"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// DemoRateLimitChance is how often demo:ponder is "rate limited" in a
// bench, so that a bench on a fresh machine shows what a failure looks
// like in the report. Only in a bench: `fanout run` on the demo models
// never fails.
const DemoRateLimitChance = 0.08

// OpenDemo opens a demo model for one trial: its own seed per trial (so
// TTFT and speed vary from trial to trial as a real model's do, and the
// same bench seed replays the same variance), and for demo:ponder the
// occasional simulated 429.
func OpenDemo(t backends.Target, opts backends.Options, seed uint64) func(Trial) backends.Backend {
	return func(tr Trial) backends.Backend {
		s := trialSeed(seed, tr.ID)
		o := opts
		o.Seed = int64(s >> 1)
		b := backends.Open(t, o)
		if t.Model == "ponder" && rand.New(rand.NewPCG(s, 429)).Float64() < DemoRateLimitChance {
			return rateLimited{}
		}
		return b
	}
}

func trialSeed(seed uint64, id int) uint64 {
	h := fnv.New64a()
	var b [16]byte
	for i := range 8 {
		b[i] = byte(seed >> (8 * i))
		b[8+i] = byte(uint64(id) >> (8 * i))
	}
	h.Write(b[:])
	return h.Sum64()
}

// rateLimited answers as a provider that is rate limiting does: after a
// short round trip, a 429 with a Retry-After.
type rateLimited struct{}

func (rateLimited) Stream(ctx context.Context, _ backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		t := time.NewTimer(40 * time.Millisecond)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		yield(backends.ErrorEvent(backends.StatusError("demo", 429, "rate_limit_exceeded",
			"simulated: demo:ponder is rate limited now and then in a bench, to show what a failure looks like", 2*time.Second, "")))
	}
}
