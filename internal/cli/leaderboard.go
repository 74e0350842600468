package cli

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/internal/termsafe"
)

const leaderboardHelp = `Usage: fanout leaderboard [--json] [--tag T] [--since D] [--include-leaked]

Ranks the models by the blind votes recorded in the sessions folder
(fanout --blind, fanout vote ID): Bradley–Terry ratings on an Elo-like
scale (1000 is the average of those rated; 400 points are odds of 10 to 1),
with 95 % bootstrap intervals, and each model's pairwise wins, losses and
ties. A vote for one of N answers is N−1 wins for it and one loss for each
other; a tie, or "all bad", ties them all. Two models whose intervals
overlap are not shown apart by the votes so far.

Rounds where an answer named its own model or maker are left out, as
Chatbot Arena leaves them out, unless --include-leaked.

Flags:
`

func leaderboardCmd(ctx context.Context, e env, args []string) error {
	var c common
	var (
		jsonOut, leaked bool
		tag, since      string
		author          string
	)
	cmd := newCommand("leaderboard", leaderboardHelp)
	c.registerSessions(cmd.fs)
	flagJSON(cmd.fs, &jsonOut, "print the table as JSON")
	cmd.fs.StringVar(&tag, "tag", "", "only the sessions tagged `T` (fanout --tag T)")
	cmd.fs.StringVar(&since, "since", "", "only the votes since `D`: a date (2026-11-01) or an age (7d, 48h)")
	cmd.fs.BoolVar(&leaked, "include-leaked", false, "count rounds where an answer named its maker")
	cmd.fs.StringVar(&author, "author", "", "only the votes given by `NAME` (a team's store holds everyone's)")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmd.bad(fmt.Errorf("unexpected argument %q", pos[0]))
	}
	from, err := parseSince(since, time.Now())
	if err != nil {
		return cmd.bad(err)
	}
	if err := c.load(e); err != nil {
		return err
	}
	local := c.sessions(e)
	filter := arena.Filter{Tag: tag, Since: from, IncludeLeaked: leaked, Voter: author}
	team, err := c.readTeam(ctx, e, local)
	if err != nil {
		return err
	}
	var tally arena.Tally
	if team == nil {
		tally = arena.CollectVotes(local.Dir, filter)
	} else {
		// The team's votes: those inside every member's session files
		// (synced into the cache) and those kept as vote objects.
		_, errs := team.List(ctx)
		votes, verrs := team.Votes(ctx)
		tally = arena.CollectFiles(team.Files(), votes, filter)
		tally.Errors = append(append(errs, verrs...), tally.Errors...)
	}
	for _, err := range tally.Errors {
		fmt.Fprintf(e.stderr, "fanout: %s\n", termsafe.Text(e.scrub(err.Error())))
	}
	board := arena.Leaderboard(tally.Votes, arena.BootstrapOptions{Resamples: leaderboardResamples, Seed: leaderboardSeed})
	if jsonOut {
		if board == nil {
			board = []arena.Rating{}
		}
		return encodeJSON(e.stdout, board)
	}
	if len(board) == 0 {
		msg := "No votes yet. Vote on a blind round (fanout --blind), or on a saved session (fanout vote ID)."
		if tally.Leaked > 0 {
			msg = fmt.Sprintf("No votes to count: %d left out because an answer named its maker (--include-leaked counts them).", tally.Leaked)
		}
		fmt.Fprintln(e.stdout, msg)
		return nil
	}
	printLeaderboard(e.stdout, board)
	fmt.Fprintf(e.stdout, "\n%d votes in %d sessions", len(tally.Votes), tally.Sessions)
	if tally.Leaked > 0 {
		fmt.Fprintf(e.stdout, "; %d left out because an answer named its maker", tally.Leaked)
	}
	fmt.Fprintf(e.stdout, ". Intervals: 95 %%, %d bootstrap resamples.\n", leaderboardResamples)
	return nil
}

// The bootstrap is seeded, so that the same votes always give the same
// table, and resampled often enough for stable 2.5 % tails.
const (
	leaderboardResamples = 1000
	leaderboardSeed      = 20261203
)

// parseSince reads --since: a date, a date and time, or an age in days or
// a Go duration; zero for "".
func parseSince(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var n int
		if _, err := fmt.Sscanf(days, "%d", &n); err == nil && n >= 0 && fmt.Sprint(n) == days {
			return now.AddDate(0, 0, -n), nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want a date (2026-11-01) or an age (7d, 48h)", s)
}

// printLeaderboard writes the table, with each interval drawn on one scale
// so that overlaps show.
func printLeaderboard(w io.Writer, board []arena.Rating) {
	lo, hi := arena.Scale(board)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	safe := termsafe.NewWriter(tw)
	fmt.Fprintln(safe, "#\tMODEL\tRATING\t95% INTERVAL\t\tW\tL\tT\tVOTES")
	for i, r := range board {
		fmt.Fprintf(safe, "%d\t%s\t%.0f\t%.0f–%.0f\t%s\t%d\t%d\t%d\t%d\n", i+1, r.Name, r.Rating, r.CILow, r.CIHigh,
			arena.IntervalBar(r, lo, hi, 24), r.Wins, r.Losses, r.Ties, r.Votes)
	}
	tw.Flush()
}
