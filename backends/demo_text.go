package backends

import (
	"math/rand/v2"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file writes the words of the demo models. The answers are stitched
// from templates: they are meant to look and stream like a real model's
// markdown (so panes, the renderer and the stats have something honest to
// chew on), not to be right. Every answer says somewhere that it is simulated.

// subject is what a simulated answer talks about, read from the prompt.
type subject struct {
	topic   string // a few words of the prompt, safe inside markdown emphasis
	term    string // its longest significant word, lower case
	ident   string // term as an ASCII identifier for code
	lang    string // a programming language the prompt names, or ""
	code    bool   // the prompt asks for code
	compare bool   // the prompt asks to compare things
}

var stopwords = wordSet(`a an the and or but if then so of to in on at by for from with without about into
over under as is are was were be been being do does did done have has had can could would should
will shall may might must i me my we our you your he she it its they them their this that these
those there here what which who whom whose why how when where please tell explain describe show
give write make let lets let's some any all more most very just really also like want need know
get got thing things way ways using use compare between`)

var langWords = map[string]string{
	"golang": "go", "python": "python", "py": "python", "django": "python", "pandas": "python",
	"rust": "rust", "cargo": "rust", "sql": "sql", "postgres": "sql", "postgresql": "sql",
	"mysql": "sql", "sqlite": "sql", "query": "sql", "javascript": "typescript", "js": "typescript",
	"typescript": "typescript", "ts": "typescript", "node": "typescript", "react": "typescript",
	"bash": "bash", "shell": "bash", "zsh": "bash", "terminal": "bash", "command": "bash",
	"yaml": "yaml", "kubernetes": "yaml", "k8s": "yaml", "docker": "yaml", "compose": "yaml",
}

var codeWords = wordSet(`code function functions implement implementation program script bug bugs error
errors example api regex algorithm snippet class method debug compile refactor parse parser test tests`)

// genericWords say that code is wanted but not what it is about.
var genericWords = wordSet(`code snippet example program script function implement implementation write`)

var compareWords = wordSet(`vs versus compare comparison difference differences better pros cons tradeoffs trade-offs or`)

func wordSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// subjectOf reads the subject of a prompt. Only letters, digits and a few
// joiners survive, so the topic can be echoed inside *emphasis* or a heading
// without breaking the markdown around it.
func subjectOf(prompt string) subject {
	var s subject
	var words []string // every cleaned word, original case
	var sig []int      // indexes of the significant ones
	for _, f := range strings.Fields(prompt) {
		w := cleanWord(f)
		if w == "" {
			continue
		}
		lw := strings.ToLower(w)
		if l, ok := langWords[lw]; ok && s.lang == "" {
			s.lang = l
		}
		if codeWords[lw] {
			s.code = true
		}
		if compareWords[lw] {
			s.compare = true
		}
		if !stopwords[lw] && (utf8.RuneCountInString(w) > 1 || !isASCIILetter(w)) {
			sig = append(sig, len(words))
		}
		words = append(words, w)
	}
	// "go" is too common an English word to mean the language on its own.
	if s.lang == "" && s.code && slices.ContainsFunc(words, func(w string) bool { return strings.EqualFold(w, "go") }) {
		s.lang = "go"
	}
	if s.lang != "" {
		s.code = true
	}
	if len(sig) == 0 {
		s.topic, s.term, s.ident = "your question", "idea", "idea"
		return s
	}
	// The topic runs from the first significant word to the fourth, with the
	// small words between kept so that it reads as a phrase: "handle errors in
	// Go code".
	first, last := sig[0], sig[min(3, len(sig)-1)]
	last = min(last, first+6)
	s.topic = strings.Join(words[first:last+1], " ")
	if r := []rune(s.topic); len(r) > 40 {
		s.topic = strings.TrimSpace(string(r[:40]))
	}
	// The term is the longest of the first three significant words (later
	// ones tend to qualify: "the CAP theorem to a new engineer"), preferring
	// one that is not about code or comparing in general ("dedupe", not
	// "python" or "vs"); on a tie the later one, as nouns tend to follow.
	best := -1
	for _, i := range sig[:min(3, len(sig))] {
		lw := strings.ToLower(words[i])
		score := utf8.RuneCountInString(lw)
		if _, isLang := langWords[lw]; !isLang && !genericWords[lw] && !compareWords[lw] {
			score += 100
		}
		if score >= best {
			best, s.term = score, lw
		}
	}
	s.ident = identOf(s.term)
	return s
}

func isASCIILetter(w string) bool {
	return len(w) == 1 && (w[0]|0x20) >= 'a' && (w[0]|0x20) <= 'z'
}

func cleanWord(w string) string {
	var b strings.Builder
	for _, r := range w {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-'+#.", r) {
			b.WriteRune(r)
		}
	}
	return strings.Trim(b.String(), "-'.")
}

func identOf(term string) string {
	var b strings.Builder
	for _, r := range term {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)) && b.Len() < 16 {
			b.WriteRune(r)
		}
	}
	id := b.String()
	if id == "" || (id[0] >= '0' && id[0] <= '9') {
		return "item"
	}
	return id
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// vocab holds the pieces answers are stitched from. Templates may name other
// lists in braces ({np}) and the subject's fields ({topic}, {term}, {ident},
// {Ident}, {code}); {Verb} is a capitalised {verb}.
var vocab = map[string][]string{
	"np": {
		"the trade-off between speed and clarity", "a small, well-named interface",
		"the failure modes nobody tests", "clear ownership of state", "the boring solution that already works",
		"a tight feedback loop", "a cache you can actually invalidate", "the cost of being wrong",
		"the data you already have", "one source of truth", "the edge cases at the boundaries",
		"backpressure", "idempotent retries", "the shape of the input", "good defaults",
		"observability from day one", "the happy path", "a measurable goal",
		"the hidden coupling between parts", "latency at the 99th percentile", "naming things well",
		"the order of operations", "explicit error handling", "a reproducible setup",
		"the cheapest experiment that answers the question", "the constraints you cannot change",
		"versioned interfaces", "a fallback for when things break", "the people who maintain it later",
		"an incremental rollout", "the bottleneck rather than the average", "deterministic tests",
		"the context a newcomer lacks", "fewer moving parts", "documentation that says why",
		"small, reversible steps", "a clear definition of done", "the long tail of inputs",
		"the contract between caller and callee",
	},
	"adj":  {"subtle", "tricky", "underrated", "counter-intuitive", "easy-to-miss", "expensive", "interesting", "important"},
	"verb": {"measure", "simplify", "isolate", "profile", "document", "test", "automate", "split", "version", "log", "benchmark", "sketch"},
	"lead": {
		"Start small", "Measure first", "Keep it boring", "Name things well", "Fail loudly", "Write it down",
		"Automate the rest", "Plan for failure", "Optimise last", "Test the edges", "Own the data", "Limit the blast radius",
	},
	"code": {"`{ident}`", "`{ident}()`", "`{Ident}Config`", "`--{ident}`", "`max_{ident}`", "`new{Ident}()`"},
	"sent": {
		"At its heart, {topic} comes down to {np}.",
		"The {adj} part is {np}, not the code itself.",
		"Most teams start with {np} and only later discover {np}.",
		"A good rule of thumb: {verb} first, then {verb}.",
		"If you remember one thing, make it {code}.",
		"In practice, getting {np} right matters more than {np}.",
		"It helps to think of {term} as a contract rather than a feature.",
		"You can get surprisingly far with {np} alone.",
		"The failure you will actually see is rarely the one you planned for.",
		"When in doubt, {verb} first and look at the numbers.",
		"There is no single right answer here, but there are clearly wrong ones.",
		"Keep {np} in view; it is where most of the cost hides.",
		"The usual mistake is to optimise {np} before understanding {np}.",
		"A small change to {code} often beats a large redesign.",
		"None of this is new: *{topic}* gets rediscovered every few years.",
		"Write down what \"done\" means before you start; {np} follows from it.",
		"It is worth being explicit about {np}, because nobody else will be.",
		"The {adj} bit is that {np} and {np} pull in opposite directions.",
		"Experienced people tend to reach for {np} first.",
		"Treat {term} as something you measure, not something you assume.",
		"Expect the first version to be wrong in {adj} ways, and plan for the second.",
		"Once {np} is in place, the rest gets easier.",
		"Good {term} work is mostly {np} and a little cleverness.",
		"That sounds obvious, yet it is where most attempts go sideways.",
		"Start from the reader's point of view and work backwards to {code}.",
		"Be wary of anything that makes {np} harder to see.",
		"The payoff compounds: every hour spent on {np} saves several later.",
		"A useful test is whether a newcomer could explain {term} after ten minutes.",
		"If it feels complicated, {verb} until it doesn't.",
		"Numbers beat opinions here, so {verb} before you argue.",
	},
	"short": {
		"{Verb} {np}, and keep it simple.", "Focus on {np}; the rest is detail.",
		"Use {code} and don't overthink it.", "It depends, but usually {np} wins.",
		"Start with {np}, then {verb}.", "Yes, as long as you watch {np}.",
	},
	"close": {
		"That covers the essentials.", "Happy to go deeper on any of these.",
		"Everything else is refinement.", "Start there and iterate.",
	},
	"quote": {
		"Make it work, make it right, make it fast, in that order.",
		"The simplest thing that could possibly work is a fine place to start.",
		"Measure twice, optimise once.",
		"Every abstraction leaks eventually; choose the ones that leak gracefully.",
		"A problem well stated is a problem half solved.",
		"Clear is better than clever.",
	},
	"step": {
		"{Verb} {np}.", "Pick one metric that tells you {term} is working.",
		"Build the smallest version of {code} first.", "Check the result against {np}.",
		"Write a test that pins down {np}.", "Ship it behind a flag and {verb} again.",
		"Review what surprised you and {verb} it.",
	},
	"think": {
		"What actually matters here? Probably {np}.",
		"There's also {np}, but that's secondary.",
		"Hmm, is there a trap? Maybe {np}.",
		"I shouldn't overcomplicate this.",
		"An example would make it concrete, something small.",
		"Order: direct answer first, then reasons, then a sketch.",
		"Wait, does {term} change the picture? Not much, I think.",
	},
	"option":   {"Do the simple thing", "Cache aggressively", "Add a queue", "Rewrite it", "Buy, don't build", "Split it up", "Tune the defaults", "Measure first"},
	"strength": {"simple to reason about", "scales well", "cheap to try", "easy to test", "fast in practice", "well understood", "low risk"},
	"caveat":   {"hidden state", "cold starts", "cache invalidation", "operational cost", "more moving parts", "lock-in", "harder to debug", "slow feedback"},
	"speed":    {"fast", "moderate", "slow"},
	"effort":   {"low", "medium", "high"},
	"h-why":    {"Why it matters", "The core idea", "What to keep in mind", "Background"},
	"h-code":   {"A worked example", "In code", "A concrete sketch"},
	"h-table":  {"Trade-offs", "Options at a glance", "Comparing approaches"},
	"h-steps":  {"Step by step", "A plan", "How to start"},
	"h-sum":    {"Summary", "In short", "Bottom line"},
}

// snippets are code blocks by language; "" holds blocks that name no language.
var snippets = map[string][]string{
	"go": {
		"func load{Ident}(ctx context.Context, path string) (*{Ident}, error) {\n\tdata, err := os.ReadFile(path)\n\tif err != nil {\n\t\treturn nil, fmt.Errorf(\"load {term}: %w\", err)\n\t}\n\tvar v {Ident}\n\treturn &v, json.Unmarshal(data, &v)\n}",
		"type {Ident}Cache struct {\n\tmu    sync.Mutex\n\titems map[string]{Ident}\n}\n\nfunc (c *{Ident}Cache) Get(key string) ({Ident}, bool) {\n\tc.mu.Lock()\n\tdefer c.mu.Unlock()\n\tv, ok := c.items[key]\n\treturn v, ok\n}",
	},
	"python": {
		"def summarize_{ident}(items):\n    \"\"\"Count items by kind, most common first.\"\"\"\n    counts = {}\n    for item in items:\n        counts[item.kind] = counts.get(item.kind, 0) + 1\n    return sorted(counts.items(), key=lambda kv: -kv[1])",
		"from dataclasses import dataclass\n\n@dataclass\nclass {Ident}:\n    name: str\n    retries: int = 3\n\n    def ready(self) -> bool:\n        return bool(self.name) and self.retries > 0",
	},
	"rust": {
		"fn parse_{ident}(input: &str) -> Result<Vec<u32>, std::num::ParseIntError> {\n    input\n        .split(',')\n        .map(|s| s.trim().parse())\n        .collect()\n}",
	},
	"typescript": {
		"export async function fetch{Ident}(id: string): Promise<{Ident}> {\n  const res = await fetch(`/api/{ident}/${id}`);\n  if (!res.ok) throw new Error(`{term}: ${res.status}`);\n  return res.json();\n}",
	},
	"sql": {
		"SELECT kind, count(*) AS n\nFROM {ident}_events\nWHERE created_at > now() - interval '7 days'\nGROUP BY kind\nORDER BY n DESC\nLIMIT 10;",
	},
	"bash": {
		"#!/usr/bin/env bash\nset -euo pipefail\n\nfor f in ./{ident}/*.log; do\n  echo \"$f: $(grep -c ERROR \"$f\") errors\"\ndone",
	},
	"yaml": {
		"{ident}:\n  replicas: 3\n  resources:\n    limits:\n      memory: 256Mi\n  probes:\n    readiness: /healthz",
	},
	"": {
		"$ {ident} --check\nchecking {term} ... ok\n3 passed, 0 failed (41 ms)",
		"request --> queue --> worker --> store\n   ^                     |\n   +------- retry -------+",
		"{term}\n  inputs:  what you have\n  process: what you change\n  outputs: what you can measure",
		"step  what                  time\n1     parse input            3 ms\n2     compute {ident}         41 ms\n3     write report           7 ms",
	},
}

var codeLangs = []string{"go", "python", "rust", "typescript", "sql", "bash", "yaml"}

// composer writes one simulated answer (and, for thinking models, its
// reasoning). It draws without repetition from each vocabulary list, so that
// a long answer does not repeat a sentence until the list is exhausted.
type composer struct {
	r      *rand.Rand
	s      subject
	answer strings.Builder
	think  strings.Builder
	decks  map[string][]string
}

func newComposer(r *rand.Rand, s subject) *composer {
	return &composer{r: r, s: s, decks: map[string][]string{}}
}

// draw takes a random, not yet used item of a vocabulary list.
func (c *composer) draw(list string) string {
	left := c.decks[list]
	if len(left) == 0 {
		left = append([]string(nil), vocab[list]...)
	}
	i := c.r.IntN(len(left))
	v := left[i]
	left[i] = left[len(left)-1]
	c.decks[list] = left[:len(left)-1]
	return v
}

// fill expands the placeholders of a template. A brace that does not open a
// known placeholder is kept as it is, so code such as `${id}` or `{}` survives.
func (c *composer) fill(tmpl string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		b.WriteString(tmpl[:i])
		tmpl = tmpl[i:]
		j := strings.IndexByte(tmpl, '}')
		if j < 0 || !c.expand(&b, tmpl[1:j]) {
			b.WriteByte('{')
			tmpl = tmpl[1:]
			continue
		}
		tmpl = tmpl[j+1:]
	}
}

// expand writes the value of placeholder name, or reports that there is none.
func (c *composer) expand(b *strings.Builder, name string) bool {
	switch name {
	case "topic":
		b.WriteString(c.s.topic)
	case "term":
		b.WriteString(c.s.term)
	case "ident":
		b.WriteString(c.s.ident)
	case "Ident":
		b.WriteString(upperFirst(c.s.ident))
	case "Verb":
		b.WriteString(upperFirst(c.draw("verb")))
	default:
		if _, ok := vocab[name]; !ok {
			return false
		}
		b.WriteString(c.fill(c.draw(name)))
	}
	return true
}

func (c *composer) sentences(list string, n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = c.fill(c.draw(list))
	}
	return strings.Join(parts, " ")
}

// block appends a markdown block, separated from the previous one by a blank
// line.
func (c *composer) block(s string) {
	if c.answer.Len() > 0 {
		c.answer.WriteString("\n\n")
	}
	c.answer.WriteString(s)
}

func (c *composer) para(n int)                  { c.block(c.sentences("sent", n)) }
func (c *composer) heading(level int, t string) { c.block(strings.Repeat("#", level) + " " + t) }
func (c *composer) quote(s string)              { c.block("> " + s) }

// bullets writes n items; with leads, each starts with a bold phrase.
func (c *composer) bullets(n int, leads bool) {
	items := make([]string, n)
	for i := range items {
		if leads {
			items[i] = "- **" + c.draw("lead") + ".** " + c.sentences("sent", 1)
		} else {
			items[i] = "- " + c.fill(c.draw("step"))
		}
	}
	c.block(strings.Join(items, "\n"))
}

func (c *composer) numbered(n int, leads bool) {
	items := make([]string, n)
	for i := range items {
		item := c.fill(c.draw("step"))
		if leads {
			item = "**" + c.draw("lead") + "**: " + c.sentences("sent", 1)
		}
		items[i] = string(rune('1'+i)) + ". " + item
	}
	c.block(strings.Join(items, "\n"))
}

// codeBlock writes a fenced block in lang; "" writes a fence that names no
// language, as models do for output, diagrams and plain text.
func (c *composer) codeBlock(lang string) {
	list := snippets[lang]
	c.block("```" + lang + "\n" + c.fill(list[c.r.IntN(len(list))]) + "\n```")
}

// lang is the language the prompt asked for, or one picked at random.
func (c *composer) lang() string {
	if c.s.lang != "" {
		return c.s.lang
	}
	return codeLangs[c.r.IntN(len(codeLangs))]
}

func (c *composer) table(rows int) {
	var b strings.Builder
	switch c.r.IntN(3) {
	case 0:
		b.WriteString("| Approach | Strength | Watch out for |\n|---|---|---|")
		for range rows {
			b.WriteString("\n| " + c.draw("option") + " | " + c.draw("strength") + " | " + c.draw("caveat") + " |")
		}
	case 1:
		b.WriteString("| Option | Speed | Effort |\n|:---|:---:|:---:|")
		for range rows {
			b.WriteString("\n| " + c.draw("option") + " | " + c.draw("speed") + " | " + c.draw("effort") + " |")
		}
	default:
		b.WriteString("| Step | What | Why |\n|---:|---|---|")
		for i := range rows {
			b.WriteString("\n| " + string(rune('1'+i)) + " | " + upperFirst(c.draw("verb")) + " " + c.fill("{code}") + " | " + c.draw("np") + " |")
		}
	}
	c.block(b.String())
}

// Each demo model has its own voice.

// composeSwift: terse, to the point, one small structure at most.
func composeSwift(c *composer) {
	v := c.r.IntN(3)
	if c.s.code && c.r.IntN(4) > 0 {
		v = 3
	}
	switch v {
	case 0:
		c.block("**Short answer:** " + c.sentences("short", 1))
		c.bullets(3, false)
		c.block(c.draw("close"))
	case 1:
		c.block(c.sentences("short", 1) + " " + c.sentences("sent", 1))
		c.codeBlock("")
	case 2:
		c.numbered(3, false)
		c.block("That's it: " + c.fill("{code}") + " does the rest.")
	default:
		c.block(c.sentences("short", 1))
		c.codeBlock(c.lang())
		c.block(c.sentences("sent", 1))
	}
	c.block("_(simulated answer)_")
}

// composeSage: long, structured, thorough; every section type appears.
func composeSage(c *composer) {
	c.heading(2, "On *"+c.s.topic+"*")
	c.para(3 + c.r.IntN(2))
	note := "> **Note:** this is a simulated answer. fanout's demo model *Sage* reproduces the pace of a slow, thorough model; the words are stitched from templates, and no model was called."
	noteFirst := c.r.IntN(2) == 0
	if noteFirst {
		c.block(note)
	}
	sections := []func(){
		func() {
			c.heading(3, c.draw("h-why"))
			c.bullets(3+c.r.IntN(2), true)
		},
		func() {
			c.heading(3, c.draw("h-code"))
			c.para(1)
			c.codeBlock(c.lang())
			c.para(1 + c.r.IntN(2))
		},
		func() {
			c.heading(3, c.draw("h-table"))
			c.table(3 + c.r.IntN(2))
		},
		func() {
			c.heading(3, c.draw("h-steps"))
			c.numbered(4, c.r.IntN(2) == 0)
		},
		func() {
			c.quote(c.draw("quote"))
			c.para(2)
		},
	}
	// A comparison puts the table first; otherwise the order varies.
	order := c.r.Perm(len(sections))
	if c.s.compare {
		for i, s := range order {
			if s == 2 {
				order[0], order[i] = order[i], order[0]
			}
		}
	}
	for _, i := range order {
		sections[i]()
	}
	c.heading(3, c.draw("h-sum"))
	c.para(2 + c.r.IntN(2))
	if !noteFirst {
		c.block(note)
	}
}

// composePonder: thinks first, then answers in a measured, medium length.
func composePonder(c *composer) {
	c.think.WriteString(c.fill("Okay, the question is about {topic}. "))
	c.think.WriteString(c.sentences("think", 2+c.r.IntN(2)))
	c.think.WriteString("\n\nThis is a simulation, so I'll stay general rather than pretend to know specifics. ")
	c.think.WriteString(c.sentences("think", 1))

	c.block("**In short:** " + c.sentences("sent", 1))
	c.block(c.fill("Here is how I'd reason about *{topic}*:"))
	c.numbered(3, true)
	c.codeBlock("")
	switch c.r.IntN(3) {
	case 0:
		c.heading(3, "Caveats")
		c.bullets(2, false)
	case 1:
		c.quote(c.draw("quote"))
	}
	c.para(2)
	c.block("_Simulated answer: timing modelled on a reasoning model._")
}

// composeSpark: quick, punchy, mixes a table, a list and code.
func composeSpark(c *composer) {
	c.heading(2, "Quick take: "+c.s.topic)
	parts := []func(){
		func() { c.table(3) },
		func() {
			if c.r.IntN(2) == 0 {
				c.bullets(3, true)
			} else {
				c.numbered(3, false)
			}
		},
		func() {
			if c.s.code || c.r.IntN(3) > 0 {
				c.codeBlock(c.lang())
			} else {
				c.codeBlock("")
			}
		},
	}
	for _, i := range c.r.Perm(len(parts)) {
		parts[i]()
	}
	c.block("**TL;DR** (simulated): " + c.sentences("short", 1))
}

// demoTokens cuts text into word-ish pieces the way a BPE tokenizer roughly
// does: a word with its leading space, a run of one punctuation mark (up to
// three, so "```" and "**" are single tokens), a newline or two, runs of
// indentation. Words longer than ten runes are cut into five-rune pieces.
func demoTokens(s string) []string {
	toks := make([]string, 0, len(s)/4+1)
	i := 0
	for i < len(s) {
		start := i
		switch c := s[i]; {
		case c == '\n':
			i++
			if i < len(s) && s[i] == '\n' {
				i++
			}
			toks = append(toks, s[start:i])
			continue
		case c == ' ' || c == '\t':
			for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
				i++
			}
			// The last space joins the next word; the rest is indentation.
			if i == len(s) || s[i] == '\n' || s[i-1] == '\t' {
				toks = append(toks, s[start:i])
				continue
			}
			if i-1 > start {
				toks = append(toks, s[start:i-1])
			}
			start = i - 1
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			end, runes := i, 0
			for end < len(s) {
				r, n := utf8.DecodeRuneInString(s[end:])
				if !isWordRune(r) {
					break
				}
				runes++
				end += n
			}
			if runes > 10 {
				for k := 0; k < runes-5; k += 5 {
					for range 5 {
						_, n := utf8.DecodeRuneInString(s[i:])
						i += n
					}
					toks = append(toks, s[start:i])
					start = i
				}
			}
			toks = append(toks, s[start:end])
			i = end
			continue
		}
		i += n
		for k := 1; k < 3 && i < len(s); k++ {
			r2, n2 := utf8.DecodeRuneInString(s[i:])
			if r2 != r {
				break
			}
			i += n2
		}
		toks = append(toks, s[start:i])
	}
	return toks
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
