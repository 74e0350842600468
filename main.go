// Command fanout streams one prompt to several language models at once and
// measures each of them live: time to first token, tokens per second, tokens,
// cost and total time. The command line lives in internal/cli.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"

	"github.com/fanout-dev/fanout/internal/cli"
)

func main() {
	// The first Ctrl+C cancels the run gracefully (partial answers are kept
	// and printed); restoring the default handler then lets a second one
	// kill the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	context.AfterFunc(ctx, stop)
	stopProfile := profile(os.Getenv("FANOUT_CPUPROFILE"))
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stopProfile()
	os.Exit(code)
}

// profile writes a CPU profile of the whole run to path, when one is given:
// the way to see where the cockpit spends its time while it is driven as a
// user drives it (see the README's Performance section).
func profile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "fanout: FANOUT_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		_ = f.Close()
	}
}
