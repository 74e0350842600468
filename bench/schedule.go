// Package bench runs the same comparison many times and reports how the
// models' figures are distributed: trials interleaved across models,
// per-trial metrics as vLLM's bench serve and NVIDIA AIPerf define them,
// percentiles, error classes, goodput and SLOs. The report is a pure
// function of the trials' recorded events, so a saved bench recomputes to
// the same report.
package bench

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
)

// Plan says how many trials of what a bench runs.
type Plan struct {
	Models  int // how many models take part
	Prompts int // how many prompts each model answers
	// Trials is the number of counted trials per model and prompt; Warmup
	// the warm-up trials per model before them, recorded but not counted.
	Trials int
	Warmup int
	// Seed decides the order of every round (and each trial's nonce).
	Seed uint64
	// UniquePrefix gives each trial a nonce line before its prompt, so
	// that no provider cache can serve a repeat.
	UniquePrefix bool
}

// Trial is one model answering one prompt once.
type Trial struct {
	ID     int // 1 for the first trial in the schedule
	Model  int
	Round  int
	Prompt int
	Warmup bool
	Nonce  string // "" without UniquePrefix
}

// Schedule lists the plan's trials in the order they start. Rounds come
// one after another, each giving every model one trial of the same prompt
// in an order shuffled anew per round, so that a provider's bad minute
// falls on every model alike. The warm-up rounds come first, on the first
// prompt; then the counted rounds cycle through the prompts.
func Schedule(p Plan) []Trial {
	rng := rand.New(rand.NewPCG(p.Seed, 0x6265_6e63_68)) // "bench"
	var out []Trial
	round := 0
	add := func(prompt int, warmup bool) {
		order := rng.Perm(p.Models)
		for _, m := range order {
			t := Trial{ID: len(out) + 1, Model: m, Round: round, Prompt: prompt, Warmup: warmup}
			if p.UniquePrefix {
				t.Nonce = nonce(p.Seed, t.ID)
			}
			out = append(out, t)
		}
		round++
	}
	for range p.Warmup {
		add(0, true)
	}
	for range p.Trials {
		for prompt := range p.Prompts {
			add(prompt, false)
		}
	}
	return out
}

// nonce is trial id's line before the prompt: unique per trial and per
// seed, so repeats within a bench and across benches differ.
func nonce(seed uint64, id int) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d/%d", seed, id))
	return "[bench nonce " + hex.EncodeToString(sum[:6]) + "]"
}

// PromptText is the prompt a trial sends: the nonce line, when there is
// one, then the prompt.
func PromptText(t Trial, prompt string) string {
	if t.Nonce == "" {
		return prompt
	}
	return t.Nonce + "\n" + prompt
}
