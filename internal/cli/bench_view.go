package cli

import (
	"context"

	"github.com/fanout-dev/fanout/bench"
	"github.com/fanout-dev/fanout/session"
)

// runBenchView runs the bench behind the live terminal view.
func runBenchView(ctx context.Context, e env, r *bench.Runner, c *bench.Collector, h session.Header, limits bench.Limits, slos []bench.SLO, cancel func()) error {
	r.Run(ctx)
	return nil
}
