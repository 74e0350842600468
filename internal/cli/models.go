package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"text/tabwriter"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
)

const modelsHelp = `Usage: fanout models [--json]

Lists the models usable here: those named in the config, providers whose
keys are set, models installed in a local Ollama, Bedrock when AWS
credentials and a region resolve, and the demo models; with each, its price
per million tokens and, for those not ready, what would enable them.

Flags:
`

// modelLine is one model in `fanout models`.
type modelLine struct {
	Name     string          `json:"name"`
	Label    string          `json:"label"`
	Provider string          `json:"provider"`
	Model    string          `json:"model"`
	Source   string          `json:"source"` // sourceConfig or sourceDetected
	Ready    bool            `json:"ready"`
	Why      string          `json:"why"`
	Price    *backends.Price `json:"price"`
	// Placeholder marks a model part that is a blank to fill in.
	Placeholder bool `json:"placeholder,omitempty"`

	target backends.Target // what the line names, for the picker
}

func modelsCmd(ctx context.Context, e env, args []string) error {
	var c common
	var jsonOut bool
	cmd := newCommand("models", modelsHelp)
	c.flagConfig(cmd.fs, "")
	flagJSON(cmd.fs, &jsonOut, "")
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
	lines := c.catalog(ctx, e)

	// Ready models first; within each group, the order above: config,
	// then providers, local servers and demo.
	slices.SortStableFunc(lines, func(a, b modelLine) int {
		if a.Ready == b.Ready {
			return 0
		}
		if a.Ready {
			return -1
		}
		return 1
	})
	if jsonOut {
		enc := json.NewEncoder(termsafe.JSONWriter(e.stdout)) // no raw C1 control in the bytes
		enc.SetIndent("", "  ")
		return enc.Encode(lines)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MODEL\tREADY\tPRICE IN/OUT PER 1M\tNOTE")
	for _, l := range lines {
		ready := "yes"
		if !l.Ready {
			ready = "no"
		}
		// A model's id and why it cannot run may be a server's text.
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", termsafe.Text(l.Name), ready, formatPrice(l.Price, l.Placeholder), termsafe.Text(l.Why))
	}
	return tw.Flush()
}

// formatPrice shows a price per million tokens, or why there is none.
func formatPrice(p *backends.Price, noModel bool) string {
	switch {
	case noModel:
		return ""
	case p == nil:
		return "— (unknown)"
	case p.Source == "local":
		return "free (local)"
	}
	s := perMillion(p.Input) + " / " + perMillion(p.Output)
	if p.Source == "simulated" {
		s += " (simulated)"
	}
	return s
}

// perMillion shows a price per million tokens: $0.15, $3.00, $0.075.
func perMillion(v float64) string {
	if math.Round(v*100) == v*100 {
		return fmt.Sprintf("$%.2f", v)
	}
	return fmt.Sprintf("$%g", v)
}
