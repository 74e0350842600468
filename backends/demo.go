package backends

import (
	"context"
	"fmt"
	"hash/fnv"
	"iter"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// The demo models are simulated in-process: no network, no key. They are what
// a new user sees first and what the public SSH demo serves, so each has a
// distinct, recognisable character (how long it takes to start, how fast and
// how evenly it streams, how much it writes) and each is labelled simulated,
// in its label, its price source and the text of its answers.

// demoModel describes one simulated model: its clock and its voice.
type demoModel struct {
	label string
	// ttft is the typical delay before the first token.
	ttft time.Duration
	// rate is the typical speed in tokens per second, as fanout measures it:
	// output tokens ÷ (last delta − first delta).
	rate float64
	// jitter is the spread (log-normal sigma) of the gaps between chunks.
	jitter float64
	// burst is the least and most tokens sent in one chunk.
	burst [2]int
	// pauseChance is the chance of a pause after a paragraph, and pause its
	// length range in tokens' worth of time. stallChance adds uneven hiccups
	// anywhere.
	pauseChance float64
	pause       [2]float64
	stallChance float64
	// compose writes the answer (and any reasoning) for a subject.
	compose func(*composer)
	price   Price
}

// demoPrice is a clearly fake price, in round numbers, per million tokens.
func demoPrice(in, out float64) Price {
	return Price{Input: in, Output: out, CachedInput: in, CacheWrite: in, Source: PriceSourceSimulated}
}

var demoModels = map[string]demoModel{
	// swift: a small, fast model that answers in a few lines.
	"swift": {
		label: "Swift (simulated)", ttft: 150 * time.Millisecond, rate: 120,
		jitter: 0.35, burst: [2]int{1, 1}, pauseChance: 0.1, pause: [2]float64{3, 8},
		compose: composeSwift, price: demoPrice(0.10, 0.40),
	},
	// sage: a large, slow model that writes long structured answers.
	"sage": {
		label: "Sage (simulated)", ttft: 600 * time.Millisecond, rate: 35,
		jitter: 0.3, burst: [2]int{1, 1}, pauseChance: 0.35, pause: [2]float64{4, 12},
		compose: composeSage, price: demoPrice(3, 15),
	},
	// ponder: a reasoning model; it thinks a long while, streams its
	// reasoning, then answers at a medium pace.
	"ponder": {
		label: "Ponder (simulated)", ttft: 2500 * time.Millisecond, rate: 60,
		jitter: 0.3, burst: [2]int{1, 1}, pauseChance: 0.2, pause: [2]float64{4, 10},
		compose: composePonder, price: demoPrice(1, 4),
	},
	// spark: served from a busy endpoint: several tokens per chunk, uneven
	// gaps and the odd stall.
	"spark": {
		label: "Spark (simulated)", ttft: 350 * time.Millisecond, rate: 90,
		jitter: 0.8, burst: [2]int{2, 7}, pauseChance: 0.2, pause: [2]float64{5, 15},
		stallChance: 0.06, compose: composeSpark, price: demoPrice(0.50, 1.50),
	},
}

// DemoModelNames lists the demo models, sorted.
func DemoModelNames() []string {
	names := make([]string, 0, len(demoModels))
	for n := range demoModels {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// DemoTarget is the target of the demo model name, as ParseSpec("demo:" +
// name) gives it; false when there is no such model. It is the one place a
// demo target is built: discovery, the SSH server's menu, the defaults of a
// machine that reaches nothing all go through it.
func DemoTarget(name string) (Target, bool) {
	m, ok := demoModels[name]
	if !ok {
		return Target{}, false
	}
	return Target{Name: ProviderDemo + ":" + name, Provider: ProviderDemo, Model: name, Label: m.label}, true
}

// DemoTargets is every demo model, sorted by name.
func DemoTargets() []Target { return demoTargets(DemoModelNames()) }

// DefaultDemoTargets are the demo models a fresh machine compares
// (DemoDefaults), in that order.
func DefaultDemoTargets() []Target { return demoTargets(DemoDefaults()) }

func demoTargets(names []string) []Target {
	out := make([]Target, 0, len(names))
	for _, n := range names {
		if t, ok := DemoTarget(n); ok {
			out = append(out, t)
		}
	}
	return out
}

type demo struct {
	target Target
	name   string
	model  demoModel
	seed   int64
}

func newDemo(t Target, opts Options) Backend {
	m, ok := demoModels[t.Model]
	if !ok {
		return failed{&Error{Message: fmt.Sprintf("no demo model %q (demo models: %s)", t.Model, strings.Join(DemoModelNames(), ", ")), Code: CodeModelNotFound}}
	}
	return &demo{target: t, name: t.Model, model: m, seed: opts.Seed}
}

// Stream plays the planned response on its schedule. Each chunk is due at a
// fixed offset from the start, so the time the consumer spends between
// events does not push the rest of the stream later, as with a real server
// whose bytes wait in a socket buffer.
func (d *demo) Stream(ctx context.Context, req Request) iter.Seq[Event] {
	return func(yield func(Event) bool) {
		start := time.Now()
		req = effective(d.target, req)
		p := planDemo(d.name, d.model, req, d.seed)

		var timer *time.Timer
		defer func() {
			if timer != nil {
				timer.Stop()
			}
		}()
		// wait sleeps until offset at, and reports whether to go on.
		wait := func(at time.Duration) bool {
			delay := time.Until(start.Add(at))
			if delay <= 0 {
				return ctx.Err() == nil
			}
			if timer == nil {
				timer = time.NewTimer(delay)
			} else {
				timer.Reset(delay)
			}
			select {
			case <-ctx.Done():
				return false
			case <-timer.C:
				return ctx.Err() == nil
			}
		}

		for _, c := range p.chunks {
			if !wait(c.at) || !yield(DeltaEvent(c.kind, c.text())) {
				return
			}
		}
		if !wait(p.end) {
			return
		}
		u := Usage{Input: EstimateInput(req), Output: p.output, Reasoning: p.reasoning, Exact: true}
		if yield(UsageEvent(u)) {
			yield(DoneEvent(p.stop, 0))
		}
	}
}

// demoChunk is one delta of a planned response.
type demoChunk struct {
	at   time.Duration // due time, from the start of the request
	kind DeltaKind
	toks []string // the tokens it carries
}

func (c demoChunk) text() string {
	if len(c.toks) == 1 {
		return c.toks[0]
	}
	return strings.Join(c.toks, "")
}

// demoPlan is a whole simulated response, decided before the first byte: the
// text is written and timed once, so that streaming it costs the same per
// token however long the answer.
type demoPlan struct {
	chunks    []demoChunk
	end       time.Duration // when usage and done are sent
	output    int           // tokens sent, reasoning included
	reasoning int
	stop      StopReason
}

// demoSeed picks the random stream of a response. The request (system prompt
// and every message) and the model name always feed it, so that the models
// differ from each other and each prompt gets its own answer; a non-zero
// Options.Seed is mixed in to vary it. With Seed zero a given prompt is thus
// reproducible by default: the same model answers it the same way, on the
// same schedule, every time.
func demoSeed(model string, req Request, seed int64) (uint64, uint64) {
	h := fnv.New64a()
	h.Write([]byte(model))
	h.Write([]byte{0})
	h.Write([]byte(req.System))
	for _, m := range req.Messages {
		h.Write([]byte{0})
		h.Write([]byte(m.Role))
		h.Write([]byte{0})
		h.Write([]byte(m.Content))
	}
	return h.Sum64(), uint64(seed)
}

// demoPrompt is the prompt being answered.
func demoPrompt(req Request) string {
	for i := len(req.Messages) - 1; i >= 0; i-- {
		if req.Messages[i].Role == RoleUser {
			return req.Messages[i].Content
		}
	}
	return ""
}

// writeDemo writes the text of a response, and returns it with the random
// stream its clock draws from: two separate streams, so that a change to the
// words never shifts the timing, nor the other way round.
func writeDemo(name string, m demoModel, req Request, seed int64) (*composer, *rand.Rand) {
	s1, s2 := demoSeed(name, req, seed)
	c := newComposer(rand.New(rand.NewPCG(s1, s2)), subjectOf(demoPrompt(req)))
	m.compose(c)
	return c, rand.New(rand.NewPCG(s1^0x9e3779b97f4a7c15, s2))
}

// planDemo writes and times a response. MaxTokens is applied last, so a
// limited response is a prefix, in text and timing, of the unlimited one.
func planDemo(name string, m demoModel, req Request, seed int64) demoPlan {
	c, clock := writeDemo(name, m, req, seed)

	var toks []string
	var kinds []DeltaKind
	for _, part := range []struct {
		kind DeltaKind
		text string
	}{{KindReasoning, c.think.String()}, {KindAnswer, c.answer.String()}} {
		for _, t := range demoTokens(part.text) {
			toks = append(toks, t)
			kinds = append(kinds, part.kind)
		}
	}

	chunks := m.schedule(clock, toks, kinds)

	p := demoPlan{stop: StopEnd}
	limit := req.MaxTokens
	for _, ch := range chunks {
		if limit > 0 && p.output+len(ch.toks) > limit {
			ch.toks = ch.toks[:limit-p.output]
			p.stop = StopMaxTokens
		}
		if len(ch.toks) > 0 {
			p.chunks = append(p.chunks, ch)
			p.output += len(ch.toks)
			if ch.kind == KindReasoning {
				p.reasoning += len(ch.toks)
			}
		}
		if p.stop == StopMaxTokens {
			break
		}
	}
	// Usage and done follow the last token after a short beat.
	p.end = 10 * time.Millisecond
	if n := len(p.chunks); n > 0 {
		p.end += p.chunks[n-1].at + time.Duration(clock.IntN(30))*time.Millisecond
	}
	return p
}

// schedule groups tokens into chunks and gives each its due time.
//
// Gaps are drawn around one token's worth of time with log-normal jitter
// (most gaps near the mean, a few much longer, never negative), plus the odd
// pause after a paragraph and, for uneven models, a stall. The whole stream
// after the first chunk is then stretched to last tokens ÷ rate, where rate is
// the model's own varied by a few percent per request: so the speed fanout
// measures matches the model's character while the rhythm stays irregular.
func (m demoModel) schedule(r *rand.Rand, toks []string, kinds []DeltaKind) []demoChunk {
	var chunks []demoChunk
	for i := 0; i < len(toks); {
		n := m.burst[0]
		if m.burst[1] > m.burst[0] {
			n += r.IntN(m.burst[1] - m.burst[0] + 1)
		}
		j := i + 1
		// A chunk never mixes reasoning with answer.
		for j < len(toks) && j-i < n && kinds[j] == kinds[i] {
			j++
		}
		chunks = append(chunks, demoChunk{kind: kinds[i], toks: toks[i:j]})
		i = j
	}
	if len(chunks) == 0 {
		return nil
	}

	gaps := make([]float64, len(chunks))
	sum := 0.0
	for i := 1; i < len(chunks); i++ {
		g := float64(len(chunks[i].toks)) * math.Exp(m.jitter*r.NormFloat64())
		prev := chunks[i-1]
		if strings.HasSuffix(prev.toks[len(prev.toks)-1], "\n\n") && r.Float64() < m.pauseChance {
			g += m.pause[0] + r.Float64()*(m.pause[1]-m.pause[0])
		}
		if r.Float64() < m.stallChance {
			g += 10 + 20*r.Float64()
		}
		if prev.kind != chunks[i].kind { // done thinking, starting to answer
			g += 15 + 15*r.Float64()
		}
		gaps[i] = g
		sum += g
	}

	ttft := time.Duration(float64(m.ttft) * clampFloat(math.Exp(0.12*r.NormFloat64()), 0.75, 1.35))
	rate := m.rate * clampFloat(math.Exp(0.06*r.NormFloat64()), 0.85, 1.15)
	span := float64(len(toks)) / rate * float64(time.Second)
	at := float64(ttft)
	chunks[0].at = ttft
	for i := 1; i < len(chunks); i++ {
		at += gaps[i] / sum * span
		chunks[i].at = time.Duration(at)
	}
	return chunks
}

func clampFloat(v, lo, hi float64) float64 { return min(max(v, lo), hi) }
