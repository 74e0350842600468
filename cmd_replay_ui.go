package main

import "context"

// replayUI replays the session at path in the cockpit. The cockpit side is
// not built yet; this file is its placeholder.
func replayUI(ctx context.Context, e env, c *common, path string, speed float64) error {
	return usagef("replay in the cockpit is not built yet")
}
