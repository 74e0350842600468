package cli

import (
	"context"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/ui"
)

// discover is what this machine can reach (keys set, a local Ollama,
// Bedrock credentials, the demo models). It probes once per command: the
// default model set and the picker's choices read the same result, so the
// cockpit does not wait for the probes twice.
func (c *common) discover(ctx context.Context, e env) []backends.Available {
	if c.found == nil {
		c.found = backends.Discover(ctx, c.options(e))
		if c.found == nil {
			c.found = []backends.Available{}
		}
	}
	return c.found
}

// discoverDefaults is the model set when neither -m nor the config names one:
// what this machine can reach, and the demo models when it reaches nothing.
func discoverDefaults(found []backends.Available) []backends.Target {
	var out []backends.Target
	for _, a := range found {
		if a.Ready && a.Target.Provider != backends.ProviderDemo {
			out = append(out, a.Target)
		}
	}
	if len(out) == 0 {
		out = backends.DefaultDemoTargets()
	}
	if len(out) > ui.MaxPanes {
		out = out[:ui.MaxPanes]
	}
	return out
}

// Where a model in the catalog comes from.
const (
	sourceConfig   = "config"
	sourceDetected = "detected"
)

// catalog is every model `fanout models` lists, in its order before the
// ready ones are put first: the config's, then what discovery found. The
// picker offers the same list, so both say the same of each model.
func (c *common) catalog(ctx context.Context, e env) []modelLine {
	var lines []modelLine
	for _, name := range c.cfg.Order {
		t := c.cfg.Models[name]
		l := modelLine{Name: name, Label: t.Label, Provider: t.Provider, Model: t.Model, Source: sourceConfig, Ready: true, Why: "configured in " + c.cfg.Path, Price: c.price(t), target: t}
		if t.KeyEnv != "" && e.getenv(t.KeyEnv) == "" {
			l.Ready, l.Why = false, "set "+t.KeyEnv
		}
		lines = append(lines, l)
	}
	for _, a := range c.discover(ctx, e) {
		t := a.Target
		l := modelLine{Name: t.Name, Label: t.Label, Provider: t.Provider, Model: t.Model, Source: sourceDetected, Ready: a.Ready, Why: a.Why, Placeholder: a.Placeholder, target: t}
		if !a.Placeholder {
			l.Price = c.price(t)
		}
		lines = append(lines, l)
	}
	return lines
}

// choices are the models the cockpit's picker offers: the catalog, the
// models that cannot run here included, each of those with what to set
// (as `fanout models` says it), so that the picker can show and refuse it.
func (c *common) choices(ctx context.Context, e env) []ui.Choice {
	var out []ui.Choice
	for _, l := range c.catalog(ctx, e) {
		ch := ui.Choice{Target: l.target, Note: l.Why}
		if l.Source == sourceConfig {
			ch.Note = "from the config"
		}
		if !l.Ready {
			ch.Unavailable = l.Why
		}
		out = append(out, ch)
	}
	return out
}
