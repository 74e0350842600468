package cli

import (
	"context"
	"os"

	"github.com/fanout-dev/fanout/session"
)

// benchTrial is trial n of the bench at path, as a session of its own to
// replay; nil, nil when path is a run (and n is 0). A bench without n, or
// n on a run, is bad usage that says what to write instead.
func benchTrial(path string, n int) (*session.Reader, error) {
	rd, err := session.Open(path)
	if err != nil {
		return nil, err
	}
	bench := rd.Header().Bench != nil
	rd.Close()
	switch {
	case !bench && n == 0:
		return nil, nil
	case !bench:
		return nil, usagef("replay: --trial: %s is a run, not a bench; replay it without --trial", path)
	}
	f, err := session.Load(path)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, usagef("replay: %s is a bench of %d trials: replay one with --trial N (1 to %d), or see its report with 'fanout bench --from %s'",
			path, len(f.Trials), len(f.Trials), path)
	}
	tr, err := f.TrialSession(n)
	if err != nil {
		return nil, usagef("replay: --trial: %v", err)
	}
	return tr, nil
}

// replayReader replays a session already open (a bench's trial): its
// results with --json, else in the cockpit.
func replayReader(ctx context.Context, e env, c *common, rd *session.Reader, jsonOut bool, speed float64, theme string) error {
	if jsonOut {
		f, err := session.ReadAll(rd)
		if err != nil {
			return err
		}
		return encodeJSON(e.stdout, f.Report())
	}
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		return usagef("replay in the cockpit needs a terminal; for scripts add --json")
	}
	return replayInCockpit(ctx, e, c, rd, speed, theme)
}
