package cli

import (
	"context"
	"fmt"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/ui"
)

// targets resolves the -m flags, or the default model set when there are none.
func (c *common) targets(ctx context.Context, e env) ([]backends.Target, error) {
	specs := []string(c.models)
	if len(specs) == 0 {
		specs = c.cfg.Default
	}
	if len(specs) == 0 {
		return discoverDefaults(c.discover(ctx, e)), nil
	}
	out := make([]backends.Target, 0, len(specs))
	for _, s := range specs {
		t, err := c.cfg.Resolve(s)
		if err != nil {
			return nil, usagef("%s", err)
		}
		out = append(out, t)
	}
	if len(out) > ui.MaxPanes {
		return nil, usagef("%d models: fanout compares at most %d at once", len(out), ui.MaxPanes)
	}
	numberDuplicates(out)
	return out, nil
}

// numberDuplicates numbers the labels that several targets share
// (-m demo:swift -m demo:swift: "Swift (simulated) #1", "… #2"), so that
// panes, the output and the session file tell them apart.
func numberDuplicates(ts []backends.Target) {
	count := map[string]int{}
	for _, t := range ts {
		count[t.Label]++
	}
	seen := map[string]int{}
	for i, t := range ts {
		if count[t.Label] > 1 {
			seen[t.Label]++
			ts[i].Label = fmt.Sprintf("%s #%d", t.Label, seen[t.Label])
		}
	}
}

// price looks up a target's price; nil when unknown.
func (c *common) price(t backends.Target) *backends.Price {
	if p, ok := c.prices.Lookup(t); ok {
		return &p
	}
	return nil
}
