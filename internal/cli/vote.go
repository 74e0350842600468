package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/store"
	"github.com/fanout-dev/fanout/ui"
)

const voteHelp = `Usage: fanout vote [--turn N] [--blind=full] [--voter NAME] FILE|ID

Shows a recorded session's answers blind — its models shuffled into the
panes, named A, B, … and their prices and costs hidden — to be voted on:
1–8 picks the best, t a tie, x all bad, esc leaves without a vote. The
vote reveals the names and is added to the session file, after the turn it
judges; several voters' votes on one session are all kept. 'fanout
leaderboard' ranks the models by them.

Flags:
`

// blindFlag is --blind: on its own, names hidden (ui.BlindNames);
// --blind=full hides the figures too.
type blindFlag string

func (b *blindFlag) String() string   { return string(*b) }
func (b *blindFlag) IsBoolFlag() bool { return true }

func (b *blindFlag) Set(v string) error {
	switch strings.ToLower(v) {
	case "true", "names", "1":
		*b = ui.BlindNames
	case "full":
		*b = ui.BlindFull
	case "false", "0", "":
		*b = ""
	default:
		return fmt.Errorf("want --blind (names hidden) or --blind=full (figures hidden too), not %q", v)
	}
	return nil
}

func flagBlind(fs *flag.FlagSet, b *blindFlag, usage string) {
	fs.Var(b, "blind", usage)
}

// voter is who a vote is recorded as: --voter, else the user's login name.
func voter(e env, given string) string {
	for _, v := range []string{given, e.getenv("FANOUT_VOTER"), e.getenv("USER"), e.getenv("LOGNAME")} {
		if v = strings.TrimSpace(termsafe.Text(v)); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return termsafe.Text(u.Username)
	}
	return ""
}

func voteCmd(ctx context.Context, e env, args []string) error {
	var (
		c     common
		turn  int
		blind blindFlag = ui.BlindNames
		who   string
		theme string
	)
	cmd := newCommand("vote", voteHelp)
	c.registerSessions(cmd.fs)
	cmd.fs.IntVar(&turn, "turn", 0, "the `turn` to vote on, 1 for the first (default: the last)")
	flagBlind(cmd.fs, &blind, "--blind=full hides the figures (TTFT, speed, tokens) too")
	cmd.fs.StringVar(&who, "voter", "", "who the vote is recorded as (default $FANOUT_VOTER, else author from the config, else your login name)")
	flagTheme(cmd.fs, &theme, "")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if blind == "" {
		return cmd.bad(errors.New("a vote is blind: --blind or --blind=full"))
	}
	path, err := resolveSession(ctx, e, &c, "vote", pos)
	if err != nil {
		return err
	}
	f, err := session.Load(path)
	if err != nil {
		return err
	}
	if len(f.Header.Targets) < 2 {
		return fmt.Errorf("vote on %s: it has one model; a vote compares two or more", path)
	}
	if turn == 0 {
		turn = len(f.Turns)
	}
	if turn < 1 || turn > len(f.Turns) {
		return cmd.bad(fmt.Errorf("--turn %d: the session has %d", turn, len(f.Turns)))
	}
	for i, r := range f.Results(turn - 1) {
		if r.Text() == "" && r.Stats.Status != session.StatusError {
			return fmt.Errorf("vote on %s: model %d of turn %d has no answer recorded (the run was cut short); pick another turn with --turn", path, i+1, turn)
		}
	}
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		return usagef("fanout vote shows the answers in the cockpit, which needs a terminal")
	}
	uo := ui.Options{
		VoteOn:   &ui.VoteRound{Path: path, File: f, Turn: turn},
		Blind:    string(blind),
		Voter:    voter(e, cmp.Or(who, e.getenv("FANOUT_VOTER"), c.cfg.Author)),
		Theme:    c.cfg.Theme,
		NoColor:  e.getenv("NO_COLOR") != "",
		Sessions: c.sessions(e),
		NoSave:   true,
	}
	if theme != "" {
		uo.Theme = theme
	}
	team, err := c.team(ctx, e, uo.Sessions)
	if err != nil || team == nil {
		if err != nil {
			return err
		}
		return runCockpit(ctx, uo)
	}
	return voteShared(ctx, e, team, uo, path, len(f.Votes))
}

// voteShared runs a vote round on a copy of a session and writes the votes
// given as vote objects in the team's store: the session file, someone
// else's maybe, is never rewritten, and votes from two people are both kept.
func voteShared(ctx context.Context, e env, team *store.Team, uo ui.Options, path string, had int) error {
	tmp, err := tempCopy(path)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	uo.VoteOn.Path = tmp
	if err := runCockpit(ctx, uo); err != nil {
		return err
	}
	return putNewVotes(ctx, e, team, path, tmp, had)
}

// putNewVotes writes the votes a round added to the copy tmp of the
// session at path (it held had before) as vote objects. One the store
// refuses is kept on this machine and said so: it is not lost.
func putNewVotes(ctx context.Context, e env, team *store.Team, path, tmp string, had int) error {
	after, err := session.Load(tmp)
	if err != nil {
		return fmt.Errorf("vote: read back the round: %w", err)
	}
	id := strings.TrimSuffix(filepath.Base(path), session.Ext)
	for _, v := range after.Votes[min(had, len(after.Votes)):] {
		key, err := team.PutVote(ctx, id, v)
		var pending *store.PendingError
		if errors.As(err, &pending) {
			fmt.Fprintf(e.stderr, "fanout: %s\n", termsafe.Text(e.scrub(err.Error())))
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "vote saved: s3://%s/%s\n", team.Loc.Bucket, termsafe.Text(key))
	}
	return nil
}

// flagTags registers --tag, which the sessions a command records carry.
func flagTags(fs *flag.FlagSet, tags *multiFlag) {
	fs.Var(tags, "tag", "record the session under the tag `T` (coding, summaries…) for 'fanout leaderboard --tag'; repeat for more; never sent to a model")
}
