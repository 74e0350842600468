// Package cli is fanout's command line: one file per command, the flags
// several commands share, and the resolution of targets and secrets.
// main.go at the module root only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/fanout-dev/fanout/internal/termsafe"
)

// version is set at build time with
// -ldflags "-X github.com/fanout-dev/fanout/internal/cli.version=…"; without
// it, a binary built by `go install module@version` reports that version.
var version = ""

func appVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Exit statuses: every model answered, some failed, bad usage.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// usageError is a mistake in how fanout was called: exit status 2. hint,
// when set, is the command line whose --help explains ("fanout run").
type usageError struct{ msg, hint string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

const mainHelp = `fanout streams one prompt to several language models at once and shows,
for each, time to first token, tokens/s, tokens, cost and total time.

Usage:
  fanout [-m MODEL]... [--theme NAME]         open the cockpit (the terminal UI)
  fanout run [-m MODEL]... [flags] [PROMPT]   stream a prompt without the UI
  fanout bench [-m MODEL]... [-n N] [PROMPT]  run a prompt N times per model: percentiles, errors, SLOs
  fanout models [--json]                      list the models usable here
  fanout prices [--json] [MODEL]...           what models cost, from where, how old
  fanout prices update [--url URL]            fetch LiteLLM's current price catalog
  fanout sessions [--json]                    list the recorded runs, newest first
  fanout replay [--speed X] FILE|ID           replay a recorded run (--json: its results)
  fanout export [--format md|json] FILE|ID    a recorded run as Markdown or JSON
  fanout serve [--listen ADDR] [flags]        serve the cockpit over SSH
  fanout vote [--turn N] FILE|ID              vote blind on a recorded run's answers
  fanout leaderboard [--json] [--tag T]       rank the models by your blind votes
  fanout --version

A MODEL is provider:model (openai:gpt-4o-mini, anthropic:claude-haiku-4-5,
bedrock:us.anthropic.claude-haiku-4-5-20251001-v1:0, ollama:llama3.2,
demo:swift) or a name from the
config file ($XDG_CONFIG_HOME/fanout/config.toml). With no keys and no
config, fanout uses its simulated demo models. Every run is recorded in
$XDG_DATA_HOME/fanout/sessions (--no-save: not this one); an ID is a name
from 'fanout sessions', or its start.

Run 'fanout COMMAND --help' for a command's flags.
`

// env is what a command reads from its surroundings, passed in so that tests
// run commands in-process with their own environment and streams.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// environ lists the environment as "NAME=value", for what must look at
	// every variable (the secrets kept out of session files); nil is the
	// process's own.
	environ func() []string
	// stdoutTerminal makes commands write stdout as for a terminal
	// (markdown rendered) whatever it is: the tests' seam.
	stdoutTerminal bool
	// known are the secrets the command learnt of (its config's keys),
	// scrubbed from what it prints; nil: only the environment's.
	known *knownSecrets
}

// environment is the "NAME=value" list of the environment.
func (e env) environment() []string {
	if e.environ == nil {
		return os.Environ()
	}
	return e.environ()
}

// Main runs one command line (the arguments after the program's name) and
// returns the exit status. ctx is cancelled by the first interrupt.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return dispatch(ctx, env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}, args)
}

// dispatch runs the command in args with e.
func dispatch(ctx context.Context, e env, args []string) int {
	stdout, stderr := e.stdout, e.stderr
	if e.known == nil {
		e.known = &knownSecrets{}
	}
	var err error
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch cmd {
	case "run":
		err = runCmd(ctx, e, args[1:])
	case "models":
		err = modelsCmd(ctx, e, args[1:])
	case "prices":
		err = pricesCmd(ctx, e, args[1:])
	case "bench":
		err = benchCmd(ctx, e, args[1:])
	case "sessions":
		err = sessionsCmd(ctx, e, args[1:])
	case "replay":
		err = replayCmd(ctx, e, args[1:])
	case "export":
		err = exportCmd(ctx, e, args[1:])
	case "serve":
		err = serveCmd(ctx, e, args[1:])
	case "leaderboard":
		err = leaderboardCmd(ctx, e, args[1:])
	case "vote":
		err = voteCmd(ctx, e, args[1:])
	case "--version", "-version", "version":
		fmt.Fprintf(stdout, "fanout %s\n", appVersion())
	case "-h", "--help", "-help", "help":
		// The main help, and the cockpit's flags after it: fanout with
		// no command is the cockpit.
		err = cockpitCmd(ctx, e, []string{"--help"})
	default:
		// No command, or only flags: the cockpit.
		err = cockpitCmd(ctx, e, args)
	}
	var ue *usageError
	var fe failedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "fanout: %s\n", termsafe.Text(e.scrub(ue.msg)))
		if ue.hint != "" {
			fmt.Fprintf(stderr, "run '%s --help' for its flags\n", ue.hint)
		}
		return exitUsage
	case errors.As(err, &fe):
		return exitFail
	default:
		// An error may carry a server's own text: shown, never obeyed.
		fmt.Fprintf(stderr, "fanout: %s\n", termsafe.Text(e.scrub(err.Error())))
		return exitFail
	}
}

// failedError means the command ran but a model did not answer; what went
// wrong has already been printed.
type failedError struct{}

func (failedError) Error() string { return "some models did not answer" }

// command is one command's flags and help.
type command struct {
	// line is how the command is called ("fanout run"); prefix starts its
	// messages ("run: ", nothing for the cockpit).
	line, prefix string
	help         string
	fs           *flag.FlagSet
}

// newCommand makes the flag set of the command name ("" for the cockpit)
// whose help text is help (the flags are listed after it). The flag
// package prints nothing itself: an error is printed once, by dispatch.
func newCommand(name, help string) *command {
	c := &command{line: "fanout", help: help}
	if name != "" {
		c.line, c.prefix = "fanout "+name, name+": "
	}
	c.fs = flag.NewFlagSet(c.line, flag.ContinueOnError)
	c.fs.SetOutput(io.Discard)
	c.fs.Usage = func() {}
	return c
}

// parse parses args (see parseFlags). --help prints the command's help on
// stdout and returns flag.ErrHelp, which exits 0; a bad flag is a usage
// error that points at --help.
func (c *command) parse(e env, args []string) ([]string, error) {
	pos, err := parseFlags(c.fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(e.stdout, c.help)
		c.fs.SetOutput(e.stdout)
		c.fs.PrintDefaults()
		c.fs.SetOutput(io.Discard)
		return nil, err
	}
	if err != nil {
		return nil, c.bad(err)
	}
	return pos, nil
}

// bad makes err, a mistake in the command's flags, a usage error that
// names the command and points at its --help. Nil stays nil; the first
// of several errors wins.
func (c *command) bad(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return &usageError{msg: c.prefix + err.Error(), hint: c.line}
		}
	}
	return nil
}

// parseFlags parses flags that may come before or after the positional
// arguments (fanout run "prompt" -m demo:swift), and returns the positional
// ones. "--" ends the flags, unless it is a flag's value (--system --).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if endedByDashes(fs, args[:len(args)-len(rest)]) {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// endedByDashes reports whether the flag package stopped at a "--" in
// consumed, the arguments one Parse took (flags and their values, from a
// flag's start): a "--" that is the value of a flag before it does not
// count. It walks them as the flag package does.
func endedByDashes(fs *flag.FlagSet, consumed []string) bool {
	for i := 0; i < len(consumed); i++ {
		a := consumed[i]
		if a == "--" {
			return true
		}
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		f := fs.Lookup(name)
		if f == nil {
			continue
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			continue
		}
		i++ // the flag's value, whatever it looks like
	}
	return false
}

// multiFlag is a repeatable string flag (-m a -m b, or -m a,b).
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

func (m *multiFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*m = append(*m, s)
		}
	}
	return nil
}
