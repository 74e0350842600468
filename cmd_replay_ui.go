package main

import (
	"context"
	"os"

	"github.com/fanout-dev/fanout/session"
)

// replayUI plays the session at path in the cockpit, on its own schedule
// scaled by speed, through the same UI as a live run.
func replayUI(ctx context.Context, e env, c *common, path string, speed float64) error {
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		return usagef("replay in the cockpit needs a terminal; for scripts use: fanout replay --json %s", path)
	}
	rd, err := session.Open(path)
	if err != nil {
		return err
	}
	uo := cockpitOptions(ctx, e, c, nil)
	uo.Replay, uo.ReplaySpeed = rd, speed
	return runCockpit(ctx, uo)
}
