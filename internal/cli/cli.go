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

// usageError is a mistake in how fanout was called: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return &usageError{fmt.Sprintf(format, args...)} }

const mainHelp = `fanout streams one prompt to several language models at once and shows,
for each, time to first token, tokens/s, tokens, cost and total time.

Usage:
  fanout [-m MODEL]... [--theme NAME]         open the cockpit (the terminal UI)
  fanout run [-m MODEL]... [flags] [PROMPT]   stream a prompt without the UI
  fanout models [--json]                      list the models usable here
  fanout sessions [--json]                    list the recorded runs, newest first
  fanout replay [--speed X] FILE|ID           replay a recorded run (--json: its results)
  fanout export [--format md|json] FILE|ID    a recorded run as Markdown or JSON
  fanout serve [--listen ADDR] [flags]        serve the cockpit over SSH
  fanout --version

A MODEL is provider:model (openai:gpt-4o-mini, bedrock:us.anthropic.claude-
haiku-4-5-20251001-v1:0, ollama:llama3.2, demo:swift) or a name from the
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
	case "sessions":
		err = sessionsCmd(e, args[1:])
	case "replay":
		err = replayCmd(ctx, e, args[1:])
	case "export":
		err = exportCmd(e, args[1:])
	case "serve":
		err = serveCmd(ctx, e, args[1:])
	case "--version", "-version", "version":
		fmt.Fprintf(stdout, "fanout %s\n", appVersion())
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, mainHelp)
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
		fmt.Fprintf(stderr, "fanout: %s\n", ue.msg)
		return exitUsage
	case errors.As(err, &fe):
		return exitFail
	default:
		fmt.Fprintf(stderr, "fanout: %s\n", err)
		return exitFail
	}
}

// failedError means the command ran but a model did not answer; what went
// wrong has already been printed.
type failedError struct{}

func (failedError) Error() string { return "some models did not answer" }

// parseFlags parses flags that may come before or after the positional
// arguments (fanout run "prompt" -m demo:swift), and returns the positional
// ones. "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef("%s", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
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
