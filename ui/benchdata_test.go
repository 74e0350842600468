package ui

import (
	"context"
	"fmt"
	"iter"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// This file holds what the benchmarks stream: a deterministic generator of
// demo-like markdown answers (cut into tokens by mdcorpus.Tokens) and an
// in-process backend that plays the deltas at a fixed rate and stamps each
// one as it yields it. The adversarial shapes of issue 11 are
// internal/mdcorpus's.

var benchWords = strings.Fields(`stream pane frame token render cache block tail prefix
	answer model latency budget cursor buffer goroutine channel context deadline
	schema index query replica shard leader follower quorum lease snapshot journal
	parser lexer grammar syntax width theme style border margin column table list
	heading fence runtime scheduler allocator collector heap stack pointer slice map
	request response header payload retry backoff jitter timeout throughput queue
	worker batch window sample metric trace span gauge counter histogram percentile
	café naïve façade — über résumé`)

var benchLangs = []string{"go", "python", "sql", "bash", "yaml", "rust"}

// benchGen writes varied markdown from a seeded random source.
type benchGen struct {
	r *rand.Rand
	b strings.Builder
	n int // sections written, to number headings
}

// benchMarkdown returns at least size bytes of markdown shaped like a long
// model answer: headings, paragraphs with inline markup, bullet lists (some
// nested), numbered lists, code fences with and without a language, tables
// and quotes. No link reference definitions: they would switch a Stream to
// full renders. The same seed gives the same text.
func benchMarkdown(seed uint64, size int) string {
	g := &benchGen{r: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	for g.b.Len() < size {
		g.section()
	}
	return g.b.String()
}

func (g *benchGen) word() string { return benchWords[g.r.IntN(len(benchWords))] }

func (g *benchGen) words(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = g.word()
	}
	return strings.Join(w, " ")
}

func (g *benchGen) sentence() string {
	var parts []string
	for i, n := 0, 6+g.r.IntN(10); i < n; i++ {
		w := g.word()
		switch g.r.IntN(24) {
		case 0:
			w = "**" + w + "**"
		case 1:
			w = "*" + w + "*"
		case 2:
			w = "`" + w + "()`"
		case 3:
			w = "[" + w + "](https://example.com/" + w + ")"
		}
		parts = append(parts, w)
	}
	s := strings.Join(parts, " ")
	return strings.ToUpper(s[:1]) + s[1:] + []string{".", ".", ".", "?", "!", ":"}[g.r.IntN(6)]
}

func (g *benchGen) block(s string) {
	if g.b.Len() > 0 {
		g.b.WriteString("\n\n")
	}
	g.b.WriteString(s)
}

func (g *benchGen) para() {
	s := make([]string, 2+g.r.IntN(4))
	for i := range s {
		s[i] = g.sentence()
	}
	g.block(strings.Join(s, " "))
}

func (g *benchGen) section() {
	g.n++
	g.block(strings.Repeat("#", 1+g.r.IntN(3)) + fmt.Sprintf(" %d. %s", g.n, g.words(2+g.r.IntN(4))))
	g.para()
	for i, n := 0, 2+g.r.IntN(4); i < n; i++ {
		switch g.r.IntN(7) {
		case 0:
			g.bullets()
		case 1:
			g.numbered()
		case 2:
			g.code(benchLangs[g.r.IntN(len(benchLangs))])
		case 3:
			g.code("")
		case 4:
			g.table()
		case 5:
			g.block("> " + g.sentence() + " " + g.sentence())
		default:
			g.para()
		}
	}
}

func (g *benchGen) bullets() {
	var items []string
	for i, n := 0, 3+g.r.IntN(4); i < n; i++ {
		items = append(items, "- **"+g.word()+"**: "+g.sentence())
		if g.r.IntN(3) == 0 {
			items = append(items, "  - "+g.sentence(), "  - "+g.words(3))
		}
	}
	g.block(strings.Join(items, "\n"))
}

func (g *benchGen) numbered() {
	var items []string
	for i, n := 0, 3+g.r.IntN(3); i < n; i++ {
		items = append(items, fmt.Sprintf("%d. %s", i+1, g.sentence()))
	}
	g.block(strings.Join(items, "\n"))
}

func (g *benchGen) code(lang string) {
	id := func() string { return g.word() + fmt.Sprint(g.r.IntN(100)) }
	var lines []string
	for i, n := 0, 4+g.r.IntN(10); i < n; i++ {
		switch lang {
		case "go":
			lines = append(lines, fmt.Sprintf("\tif err := %s(ctx, %q); err != nil {\n\t\treturn fmt.Errorf(\"%s: %%w\", err)\n\t}", id(), g.word(), g.word()))
		case "python":
			lines = append(lines, fmt.Sprintf("def %s(%s, n=%d):\n    return [x * n for x in %s if x]", id(), g.word(), g.r.IntN(9), g.word()))
		case "sql":
			lines = append(lines, fmt.Sprintf("SELECT %s, count(*) FROM %s WHERE %s > %d GROUP BY 1;", g.word(), id(), g.word(), g.r.IntN(1000)))
		case "bash":
			lines = append(lines, fmt.Sprintf("for f in ./%s/*.log; do grep -c %q \"$f\"; done", g.word(), g.word()))
		case "yaml":
			lines = append(lines, fmt.Sprintf("%s:\n  %s: %d\n  enabled: true", id(), g.word(), g.r.IntN(100)))
		case "rust":
			lines = append(lines, fmt.Sprintf("let %s: Vec<u32> = %s.iter().map(|x| x * %d).collect();", id(), g.word(), g.r.IntN(9)))
		default: // output, logs, diagrams: no language
			lines = append(lines, fmt.Sprintf("%s  %-10s %6d ms  %s", time.Duration(g.r.IntN(1e6))*time.Microsecond, g.word(), g.r.IntN(5000), g.words(3)))
		}
	}
	g.block("```" + lang + "\n" + strings.Join(lines, "\n") + "\n```")
}

func (g *benchGen) table() {
	cols := 3 + g.r.IntN(2)
	head, rule := make([]string, cols), make([]string, cols)
	for c := range head {
		head[c] = g.words(1 + g.r.IntN(2))
		rule[c] = []string{"---", ":---", ":---:", "---:"}[g.r.IntN(4)]
	}
	rows := []string{"| " + strings.Join(head, " | ") + " |", "|" + strings.Join(rule, "|") + "|"}
	for i, n := 0, 3+g.r.IntN(5); i < n; i++ {
		cells := make([]string, cols)
		for c := range cells {
			if c == cols-1 {
				cells[c] = fmt.Sprintf("%d ms", g.r.IntN(900))
			} else {
				cells[c] = g.words(1 + g.r.IntN(3))
			}
		}
		rows = append(rows, "| "+strings.Join(cells, " | ")+" |")
	}
	g.block(strings.Join(rows, "\n"))
}

// benchBackend plays a prefix, then deltas at a fixed interval, then an
// exact usage and a Done. The prefix (the answer so far, which may be
// long) is yielded at once and not timed; the timed deltas wait for gate
// (nil: none), so that they start once every pane shows its prefix. Every
// delta is due at a fixed offset from the first, so a consumer that falls
// behind does not slow the model down, as with a real server. Just before
// yielding delta k it records in stamps[k] the time since t0 (monotonic);
// emitted counts the deltas stamped.
type benchBackend struct {
	prefix  string
	deltas  []string
	every   time.Duration
	tokens  int // tokens in the deltas, for the usage
	gate    <-chan struct{}
	t0      time.Time
	stamps  []time.Duration
	emitted atomic.Int64
}

func newBenchBackend(prefix string, deltas []string, every time.Duration, tokens int, gate <-chan struct{}, t0 time.Time) *benchBackend {
	return &benchBackend{prefix: prefix, deltas: deltas, every: every, tokens: tokens, gate: gate, t0: t0, stamps: make([]time.Duration, len(deltas))}
}

func (bb *benchBackend) Stream(ctx context.Context, _ backends.Request) iter.Seq[backends.Event] {
	return func(yield func(backends.Event) bool) {
		if bb.prefix != "" && !yield(backends.DeltaEvent(backends.KindAnswer, bb.prefix)) {
			return
		}
		if bb.gate != nil {
			select {
			case <-ctx.Done():
				return
			case <-bb.gate:
			}
		}
		start := time.Now()
		timer := time.NewTimer(time.Hour)
		defer timer.Stop()
		for k, d := range bb.deltas {
			due := start.Add(time.Duration(k) * bb.every)
			if w := time.Until(due); w > 0 {
				timer.Reset(w)
				select {
				case <-ctx.Done():
					return
				case <-timer.C:
				}
			}
			if ctx.Err() != nil {
				return
			}
			bb.stamps[k] = time.Since(bb.t0)
			bb.emitted.Add(1)
			if !yield(backends.DeltaEvent(backends.KindAnswer, d)) {
				return
			}
		}
		if yield(backends.UsageEvent(backends.Usage{Input: 12, Output: bb.tokens, Exact: true})) {
			yield(backends.DoneEvent(backends.StopEnd, 0))
		}
	}
}
