package cli

import (
	"context"
	"os"
	"slices"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// replayUI plays the session at path in the cockpit, on its own schedule
// scaled by speed, through the same UI as a live run.
func replayUI(ctx context.Context, e env, c *common, path string, speed float64, theme string) error {
	// The file first: a bad one is worth saying even without a terminal.
	rd, err := session.Open(path)
	if err != nil {
		return err
	}
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		rd.Close()
		return usagef("replay in the cockpit needs a terminal; for scripts use: fanout replay --json %s", path)
	}
	return replayInCockpit(ctx, e, c, rd, speed, theme)
}

// replayInCockpit plays the open session rd in the cockpit.
func replayInCockpit(ctx context.Context, e env, c *common, rd *session.Reader, speed float64, theme string) error {
	var recorded []backends.Target
	for _, t := range rd.Header().Targets {
		recorded = append(recorded, t.Target())
	}
	uo := cockpitOptions(ctx, e, c, nil)
	// r re-runs the recorded models: their keys stay out of the new file.
	uo.Sessions = c.sessions(e, slices.Concat(recorded, choiceTargets(uo.Choices))...)
	uo.Replay, uo.ReplaySpeed = rd, speed
	if theme != "" {
		uo.Theme = theme
	}
	defer historyError(e, uo.History)
	return c.runCockpitUploading(ctx, e, uo)
}
