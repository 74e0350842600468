package mdcorpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

var mixedLangs = []string{"go", "python", "sql", "bash", "yaml", "rust"}

// mixedGen writes varied markdown from a seeded random source.
type mixedGen struct {
	gen
	b strings.Builder
	n int // sections written, to number headings
}

// Mixed returns at least size bytes of markdown shaped like a long
// model answer: headings, paragraphs with inline markup, bullet lists (some
// nested), numbered lists, code fences with and without a language, tables
// and quotes. No link reference definitions: they would switch a Stream to
// full renders. The same seed gives the same text.
func Mixed(seed uint64, size int) string {
	g := &mixedGen{gen: gen{r: rand.New(rand.NewPCG(seed, seed^0x5eed)), links: true}}
	for g.b.Len() < size {
		g.section()
	}
	return g.b.String()
}

func (g *mixedGen) block(s string) {
	if g.b.Len() > 0 {
		g.b.WriteString("\n\n")
	}
	g.b.WriteString(s)
}

func (g *mixedGen) para() {
	s := make([]string, 2+g.r.IntN(4))
	for i := range s {
		s[i] = g.sentence()
	}
	g.block(strings.Join(s, " "))
}

func (g *mixedGen) section() {
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
			g.code(mixedLangs[g.r.IntN(len(mixedLangs))])
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

func (g *mixedGen) bullets() {
	var items []string
	for i, n := 0, 3+g.r.IntN(4); i < n; i++ {
		items = append(items, "- **"+g.word()+"**: "+g.sentence())
		if g.r.IntN(3) == 0 {
			items = append(items, "  - "+g.sentence(), "  - "+g.words(3))
		}
	}
	g.block(strings.Join(items, "\n"))
}

func (g *mixedGen) numbered() {
	var items []string
	for i, n := 0, 3+g.r.IntN(3); i < n; i++ {
		items = append(items, fmt.Sprintf("%d. %s", i+1, g.sentence()))
	}
	g.block(strings.Join(items, "\n"))
}

func (g *mixedGen) code(lang string) {
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

func (g *mixedGen) table() {
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
