// Command fanout streams one prompt to several language models at once and
// measures each of them live: time to first token, tokens per second, tokens,
// cost and total time. The command line lives in internal/cli.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/fanout-dev/fanout/internal/cli"
)

func main() {
	// The first Ctrl+C cancels the run gracefully (partial answers are kept
	// and printed); restoring the default handler then lets a second one
	// kill the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	os.Exit(cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}
