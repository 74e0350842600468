package cli

import (
	"context"
	"fmt"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/ui"
)

// discoverDefaults is the model set when neither -m nor the config names one:
// what this machine can reach, and the demo models when it reaches nothing.
func discoverDefaults(ctx context.Context, opts backends.Options) []backends.Target {
	found := backends.Discover(ctx, opts)
	var out []backends.Target
	for _, a := range found {
		if a.Ready && a.Target.Provider != backends.ProviderDemo {
			out = append(out, a.Target)
		}
	}
	if len(out) == 0 {
		for _, name := range backends.DemoDefaults() {
			t, err := backends.ParseSpec("demo:" + name)
			if err != nil {
				panic(fmt.Sprintf("demo model %s: %v", name, err))
			}
			out = append(out, t)
		}
	}
	if len(out) > ui.MaxPanes {
		out = out[:ui.MaxPanes]
	}
	return out
}
