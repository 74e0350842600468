package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/config"
)

// common holds the flags every model-using command shares, and what they
// resolve to.
type common struct {
	configPath   string
	models       multiFlag
	stallTimeout time.Duration

	cfg    *config.Config
	prices *backends.PriceBook
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configPath, "config", "", "config `file` (default $XDG_CONFIG_HOME/fanout/config.toml)")
	fs.Var(&c.models, "m", "model to use, as provider:model or a config name; repeat for more")
	fs.DurationVar(&c.stallTimeout, "stall-timeout", 0, "end a stream that sends nothing for this `long` (default 60s)")
}

// load reads the config. A broken config is a usage error: the user must fix
// the file before anything else.
func (c *common) load(e env) error {
	path, explicit := c.configPath, c.configPath != ""
	if !explicit {
		path = config.DefaultPath(e.getenv)
	}
	cfg, err := config.Load(path, explicit)
	if err != nil {
		return usagef("%s", err)
	}
	c.cfg = cfg
	c.prices = backends.NewPriceBook(cfg.Prices)
	if c.stallTimeout == 0 {
		c.stallTimeout = cfg.StallTimeout
	}
	return nil
}

func (c *common) options(e env) backends.Options {
	return backends.Options{StallTimeout: c.stallTimeout, Getenv: e.getenv}
}

// targets resolves the -m flags, or the default model set when there are none.
func (c *common) targets(ctx context.Context, e env) ([]backends.Target, error) {
	specs := []string(c.models)
	if len(specs) == 0 {
		specs = c.cfg.Default
	}
	if len(specs) == 0 {
		return discoverDefaults(ctx, c.options(e)), nil
	}
	out := make([]backends.Target, 0, len(specs))
	for _, s := range specs {
		t, err := c.cfg.Resolve(s)
		if err != nil {
			return nil, usagef("%s", err)
		}
		out = append(out, t)
	}
	if len(out) > 8 {
		return nil, usagef("%d models: fanout compares at most 8 at once", len(out))
	}
	return out, nil
}

// price looks up a target's price; nil when unknown.
func (c *common) price(t backends.Target) *backends.Price {
	if p, ok := c.prices.Lookup(t); ok {
		return &p
	}
	return nil
}

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
	if len(out) > 8 {
		out = out[:8]
	}
	return out
}
