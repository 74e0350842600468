package cli

import (
	"context"
	"errors"

	"github.com/fanout-dev/fanout/session"
)

const replayHelp = `Usage: fanout replay [--speed X] [--json] [--trial N] FILE|ID

Replays a recorded run in the cockpit, on the schedule it happened (scaled
by --speed). With --json it prints the run's results instead, in the
'fanout run --json' schema (for a conversation, its last turn), computed
from the recorded events. ID is a name from 'fanout sessions', or its start.
A bench is replayed one trial at a time: --trial N.

Flags:
`

func replayCmd(ctx context.Context, e env, args []string) error {
	var c common
	var jsonOut bool
	var speed float64
	var theme string
	cmd := newCommand("replay", replayHelp)
	c.registerSessions(cmd.fs)
	flagJSON(cmd.fs, &jsonOut, "print the results as 'fanout run --json' does, without the cockpit")
	cmd.fs.Float64Var(&speed, "speed", 1, "replay speed: 2 is twice as fast, 0.5 half")
	flagTheme(cmd.fs, &theme, "")
	c.flagNoSave(cmd.fs, "do not record a re-run (r) in the sessions folder")
	var trial int
	cmd.fs.IntVar(&trial, "trial", 0, "replay `trial` N of a bench (see 'fanout bench --csv --from')")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if !(speed > 0 && speed <= 1000) {
		return cmd.bad(errors.New("--speed must be above 0 and at most 1000"))
	}
	path, err := resolveSession(ctx, e, &c, "replay", pos)
	if err != nil {
		return err
	}
	if rd, err := benchTrial(path, trial); rd != nil || err != nil {
		if err != nil {
			return err
		}
		return replayReader(ctx, e, &c, rd, jsonOut, speed, theme)
	}
	if !jsonOut {
		return replayUI(ctx, e, &c, path, speed, theme)
	}
	f, err := session.Load(path)
	if err != nil {
		return err
	}
	return encodeJSON(e.stdout, f.Report())
}

// resolveSession loads the config and finds the one session named in pos.
// No name is bad usage; a name that matches nothing is not (exit 1): the
// command was right, the session is missing.
func resolveSession(ctx context.Context, e env, c *common, cmd string, pos []string) (string, error) {
	switch {
	case len(pos) == 0:
		return "", usagef("%s: which session? Give a file or an id from `fanout sessions`", cmd)
	case len(pos) > 1:
		return "", usagef("%s: one session at a time (got %d)", cmd, len(pos))
	}
	if err := c.load(e); err != nil {
		return "", err
	}
	return c.resolve(ctx, e, pos[0])
}
