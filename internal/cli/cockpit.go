package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"

	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/ui"
)

// cockpitHelp is the main help: fanout with no command is the cockpit,
// whose flags follow it.
const cockpitHelp = mainHelp + `
Flags of the cockpit (fanout with no command; press ? inside for the keys):
`

// cockpitFlags are the flags of the cockpit.
type cockpitFlags struct {
	common
	sampling
	theme string
	blind blindFlag
	tags  multiFlag
	voter string
}

// command is the cockpit's command line, its flags registered into f.
func (f *cockpitFlags) command() *command {
	cmd := newCommand("", cockpitHelp)
	f.common.registerSessions(cmd.fs)
	f.common.flagModels(cmd.fs)
	f.common.flagStallTimeout(cmd.fs)
	f.common.flagTimeout(cmd.fs)
	f.common.flagNoSave(cmd.fs, "do not record the runs in the sessions folder, nor keep their prompts in the history")
	flagTheme(cmd.fs, &f.theme, "")
	f.sampling.register(cmd.fs)
	flagBlind(cmd.fs, &f.blind, "blind rounds: the models shuffled and named A, B, … until you vote (--blind=full hides the figures too; ctrl+b toggles)")
	flagTags(cmd.fs, &f.tags)
	cmd.fs.StringVar(&f.voter, "voter", "", "who votes are recorded as (default $FANOUT_VOTER, else your login name)")
	return cmd
}

// cockpitCmd opens the terminal UI.
func cockpitCmd(ctx context.Context, e env, args []string) error {
	var f cockpitFlags
	cmd := f.command()
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unknown command %q\n\n%s", pos[0], mainHelp)
	}
	if err := cmd.bad(f.common.check(), f.sampling.check()); err != nil {
		return err
	}
	if !isTerminal(os.Stdout) || !isTerminal(os.Stdin) {
		return usagef("the cockpit needs a terminal; for scripts use: fanout run \"PROMPT\"")
	}
	uo, err := f.setup(ctx, e)
	if err != nil {
		return err
	}
	defer historyError(e, uo.History)
	return f.runCockpitUploading(ctx, e, uo)
}

// setup is everything the cockpit needs before it starts: the config, the
// models on screen, the picker's choices, where sessions go.
func (f *cockpitFlags) setup(ctx context.Context, e env) (ui.Options, error) {
	if err := f.load(e); err != nil {
		return ui.Options{}, err
	}
	targets, err := f.targets(ctx, e)
	if err != nil {
		return ui.Options{}, err
	}
	uo := cockpitOptions(ctx, e, &f.common, targets)
	uo.System, uo.MaxTokens, uo.Temperature = f.prompt(f.cfg), f.maxTokens, f.temp()
	if f.theme != "" {
		uo.Theme = f.theme // else the config's, from cockpitOptions
	}
	uo.Blind, uo.Tags, uo.Voter = string(f.blind), []string(f.tags), voter(e, cmp.Or(f.voter, e.getenv("FANOUT_VOTER"), f.cfg.Author))
	return uo, nil
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
		Choices: c.choices(ctx, e),
		NoSave:  c.noSave,
	}
	// A provider:model typed in the picker resolves as -m does. (fanout
	// serve sets none: its clients run only the models it allows.)
	uo.Resolve = c.cfg.Resolve
	// Every model the cockpit may run, the picker's too, has its key kept
	// out of the session files; a typed model's key is among the
	// environment's key-like variables, which the store keeps out too.
	uo.Sessions = c.sessions(e, slices.Concat(targets, choiceTargets(uo.Choices))...)
	uo.Secrets = uo.Sessions.Secrets
	if h := c.history(e, uo.Sessions.Secrets); h != nil {
		uo.History = h
	}
	return uo
}

// history is the composer's prompt history, kept in the XDG state dir and
// scrubbed of secrets (the session files'). With --no-save the kept
// prompts are recalled but this run's are not kept. A history that cannot
// be read is said on stderr and the cockpit starts without one.
func (c *common) history(e env, secrets []string) ui.PromptHistory {
	h, err := session.OpenHistory(session.HistoryPath(e.getenv), secrets)
	if err != nil {
		fmt.Fprintf(e.stderr, "fanout: %s (starting without it)\n", termsafe.Text(e.scrub(err.Error())))
		return nil
	}
	if c.noSave {
		return &unkeptHistory{prompts: h.Prompts()}
	}
	return h
}

// unkeptHistory recalls the kept prompts and this run's, and keeps none.
type unkeptHistory struct{ prompts []string }

func (u *unkeptHistory) Prompts() []string { return slices.Clone(u.prompts) }
func (u *unkeptHistory) Add(p string)      { u.prompts = append(u.prompts, p) }

// historyError says on stderr that this run's prompts could not be kept.
func historyError(e env, h ui.PromptHistory) {
	if sh, ok := h.(*session.History); ok && sh.Err() != nil {
		fmt.Fprintf(e.stderr, "fanout: %s\n", termsafe.Text(e.scrub(sh.Err().Error())))
	}
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
	p := tea.NewProgram(m, append(ui.ProgramOptions(), tea.WithContext(ctx))...)
	_, runErr := p.Run()
	closeErr := m.Close()
	if runErr != nil && !errors.Is(runErr, tea.ErrProgramKilled) && !errors.Is(runErr, context.Canceled) {
		return fmt.Errorf("cockpit: %w", runErr)
	}
	return closeErr
}
