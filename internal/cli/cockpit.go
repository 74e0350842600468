package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/ui"
)

// cockpitHelp is the main help: fanout with no command is the cockpit,
// whose flags follow it.
const cockpitHelp = mainHelp + `
Flags of the cockpit (fanout with no command; press ? inside for the keys):
`

// cockpitCmd opens the terminal UI.
func cockpitCmd(ctx context.Context, e env, args []string) error {
	var c common
	var s sampling
	var theme string
	cmd := newCommand("", cockpitHelp)
	c.register(cmd.fs)
	flagTheme(cmd.fs, &theme, "")
	s.register(cmd.fs)
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unknown command %q\n\n%s", pos[0], mainHelp)
	}
	if err := cmd.bad(c.check(), s.check()); err != nil {
		return err
	}
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		return usagef("the cockpit needs a terminal; for scripts use: fanout run \"PROMPT\"")
	}
	if err := c.load(e); err != nil {
		return err
	}

	targets, err := c.targets(ctx, e)
	if err != nil {
		return err
	}
	uo := cockpitOptions(ctx, e, &c, targets)
	uo.System, uo.MaxTokens, uo.Temperature = s.prompt(c.cfg), s.maxTokens, s.temp()
	if theme != "" {
		uo.Theme = theme // else the config's, from cockpitOptions
	}
	return runCockpit(ctx, uo)
}

// cockpitOptions are the cockpit's options from the command line and the
// config: the models, their prices, the picker's choices, where sessions go.
func cockpitOptions(ctx context.Context, e env, c *common, targets []backends.Target) ui.Options {
	opts := c.options(e)
	uo := ui.Options{
		Targets: targets,
		Open:    func(t backends.Target) backends.Backend { return backends.Open(t, opts) },
		Price:   c.price,
		Theme:   c.cfg.Theme,
		NoColor: e.getenv("NO_COLOR") != "",
		Choices: choices(ctx, c, opts),
		NoSave:  c.noSave,
	}
	// Every model the cockpit may run, the picker's too, has its key kept
	// out of the session files.
	uo.Sessions = c.sessions(e, slices.Concat(targets, choiceTargets(uo.Choices))...)
	return uo
}

// choiceTargets are the picker's models.
func choiceTargets(choices []ui.Choice) []backends.Target {
	var out []backends.Target
	for _, ch := range choices {
		out = append(out, ch.Target)
	}
	return out
}

// runCockpit runs the cockpit until the user quits, then closes its
// session file.
func runCockpit(ctx context.Context, uo ui.Options) error {
	m, err := ui.New(uo)
	if err != nil {
		return usagef("%s", err)
	}
	p := tea.NewProgram(m, tea.WithContext(ctx))
	_, runErr := p.Run()
	closeErr := m.Close()
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("cockpit: %w", runErr)
	}
	return closeErr
}

// choices are the models the cockpit's picker offers: the config's, and
// every ready model discovered here.
func choices(ctx context.Context, c *common, opts backends.Options) []ui.Choice {
	var out []ui.Choice
	for _, name := range c.cfg.Order {
		out = append(out, ui.Choice{Target: c.cfg.Models[name], Note: "from the config"})
	}
	for _, a := range backends.Discover(ctx, opts) {
		if a.Ready {
			out = append(out, ui.Choice{Target: a.Target, Note: a.Why})
		}
	}
	return out
}
