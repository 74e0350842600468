package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
)

const sessionsHelp = `Usage: fanout sessions [--json] [--sessions-dir DIR] [--store s3://BUCKET/PREFIX]

Lists the recorded runs, newest first: when, the prompt, the models, what
the run cost and which model answered first. Replay one with
'fanout replay ID', export it with 'fanout export ID'. A file that cannot
be read is reported on stderr and does not hide the others. With a team's
store, the list is the team's, with who recorded each; a session of this
machine's not uploaded yet is marked [local only] (and uploaded now).

Flags:
`

func sessionsCmd(ctx context.Context, e env, args []string) error {
	var c common
	var jsonOut bool
	cmd := newCommand("sessions", sessionsHelp)
	c.registerSessions(cmd.fs)
	flagJSON(cmd.fs, &jsonOut, "print the list as JSON")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmd.bad(fmt.Errorf("unexpected argument %q", pos[0]))
	}
	if err := c.load(e); err != nil {
		return err
	}
	store := c.sessions(e)
	team, err := c.readTeam(ctx, e, store)
	if err != nil {
		return err
	}
	var list []session.Summary
	var errs []error
	if team != nil {
		list, errs = team.List(ctx)
	} else {
		list, errs = store.List()
	}
	for _, err := range errs {
		fmt.Fprintf(e.stderr, "fanout: %s\n", termsafe.Text(e.scrub(err.Error())))
	}
	if jsonOut {
		if list == nil {
			list = []session.Summary{} // [] rather than null, for scripts
		}
		return encodeJSON(e.stdout, list)
	}
	if len(list) == 0 && team != nil {
		fmt.Fprintf(e.stdout, "No sessions yet, here or in %s. Every `fanout run` and every prompt in the cockpit is recorded and uploaded there.\n", team.Loc)
		return nil
	}
	if len(list) == 0 {
		fmt.Fprintf(e.stdout, "No sessions yet. Every `fanout run` and every prompt in the cockpit is recorded in %s.\n", store.Dir)
		return nil
	}
	printSessions(e.stdout, list, team != nil)
	return nil
}

// printSessions writes the listing as a table, one session per line.
func printSessions(w io.Writer, list []session.Summary, team bool) {
	// Prompts and labels come from session files: their controls are
	// shown, before tabwriter measures the cells.
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	safe := termsafe.NewWriter(tw)
	if team {
		// A team's listing says whose each session is.
		fmt.Fprintln(safe, "TIME\tAUTHOR\tPROMPT\tMODELS\tCOST\tFIRST TOKEN\tID")
	} else {
		fmt.Fprintln(safe, "TIME\tPROMPT\tMODELS\tCOST\tFIRST TOKEN\tID")
	}
	for _, s := range list {
		prompt := backends.OneLine(s.Prompt, 40)
		if s.Bench != nil {
			prompt = fmt.Sprintf("[bench %d/%d trials] %s", s.Bench.Ended, s.Bench.Planned, backends.OneLine(s.Prompt, 28))
		}
		if s.Turns > 1 {
			prompt += fmt.Sprintf(" (+%d)", s.Turns-1)
		}
		switch {
		case !s.Complete && s.Recording:
			prompt += " [streaming]"
		case !s.Complete && s.Bench == nil: // a bench's counts say it
			prompt += " [cut short]"
		}
		if s.LocalOnly && team {
			prompt += " [local only]"
		}
		first := "—"
		if s.WinnerTTFT != nil {
			first = backends.OneLine(s.Winner, 24) + " " + session.FormatDuration(time.Duration(*s.WinnerTTFT*float64(time.Millisecond)))
		}
		when := s.Created.Local().Format("2006-01-02 15:04")
		if team {
			when += "\t" + backends.OneLine(cmp.Or(s.Author, "—"), 16)
		}
		fmt.Fprintf(safe, "%s\t%s\t%s\t%s\t%s\t%s\n", when, prompt,
			backends.OneLine(strings.Join(s.Models, ", "), 40), session.FormatCostShort(s.Total), first, s.ID)
	}
	safe.Flush()
	tw.Flush()
}

// encodeJSON writes v as `fanout run --json` does: one document, indented
// by nothing, text not HTML-escaped.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(termsafe.JSONWriter(w)) // no raw C1 control in the bytes
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write JSON: %w", err)
	}
	return nil
}
