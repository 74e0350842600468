// Package mdcorpus generates the markdown answers the rendering benchmarks
// and equivalence tests stream: the shapes that are hard for an incremental
// renderer (one huge table, list, paragraph or blockquote; blocks with no
// blank line between them) beside well-formed prose, and a tokenizer that
// cuts them into deltas as a model's stream would. Every generator is
// deterministic: the same arguments give the same text.
package mdcorpus

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Shape names one corpus.
type Shape string

// The adversarial corpora of issue 11, and prose for comparison.
const (
	Table      Shape = "table"      // one table of 1,000 rows
	List       Shape = "list"       // one list of 1,000 items
	NoBlank    Shape = "noblank"    // headings, lists, fences, quotes, tables, paragraphs: no blank line anywhere
	Paragraph  Shape = "paragraph"  // one 100 KB paragraph
	Blockquote Shape = "blockquote" // one 50 KB blockquote
	Prose      Shape = "prose"      // sections of paragraphs separated by blank lines
)

// Shapes lists every corpus, in a stable order.
var Shapes = []Shape{Table, List, NoBlank, Paragraph, Blockquote, Prose}

// Text returns the corpus of shape s at its full size (see the constants).
func Text(s Shape) string {
	g := newGen(uint64(len(s)) * 7919)
	switch s {
	case Table:
		return g.table(1000)
	case List:
		return g.list(1000)
	case NoBlank:
		return g.noBlank(37_000) // ~8,000 tokens
	case Paragraph:
		return g.paragraph(100 << 10)
	case Blockquote:
		return g.blockquote(50 << 10)
	case Prose:
		return g.prose(37_000)
	}
	panic("mdcorpus: unknown shape " + string(s))
}

var words = strings.Fields(`stream pane frame token render cache block tail prefix
	answer model latency budget cursor buffer goroutine channel context deadline
	schema index query replica shard leader follower quorum lease snapshot journal
	parser lexer grammar syntax width theme style border margin column table list
	heading fence runtime scheduler allocator collector heap stack pointer slice map
	request response header payload retry backoff jitter timeout throughput queue
	worker batch window sample metric trace span gauge counter histogram percentile
	café naïve façade — über résumé`)

// gen draws words and sentences from a seeded source; links adds inline
// links to sentences (the mixed answers have them, the adversarial corpora
// not).
type gen struct {
	r     *rand.Rand
	links bool
}

func newGen(seed uint64) *gen { return &gen{r: rand.New(rand.NewPCG(seed, seed^0x5eed))} }

func (g *gen) word() string { return words[g.r.IntN(len(words))] }

func (g *gen) words(n int) string {
	w := make([]string, n)
	for i := range w {
		w[i] = g.word()
	}
	return strings.Join(w, " ")
}

// sentence is 6–15 words with some inline markup, every span closed.
func (g *gen) sentence() string {
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
			if g.links {
				w = "[" + w + "](https://example.com/" + w + ")"
			}
		}
		parts = append(parts, w)
	}
	s := strings.Join(parts, " ")
	end := []string{".", ".", ".", "?", "!", ";"}
	if g.links {
		end[5] = ":"
	}
	return strings.ToUpper(s[:1]) + s[1:] + end[g.r.IntN(6)]
}

func (g *gen) table(rows int) string {
	var b strings.Builder
	b.WriteString("| # | service | region | p50 | p99 | note |\n|---:|---|:---:|---:|---:|---|\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "| %d | %s-%d | %s | %d ms | %d ms | %s |\n",
			i, g.word(), g.r.IntN(100), []string{"us-east-1", "eu-west-3", "ap-south-1"}[g.r.IntN(3)],
			20+g.r.IntN(200), 200+g.r.IntN(2000), g.words(1+g.r.IntN(4)))
	}
	return b.String()
}

func (g *gen) list(items int) string {
	var b strings.Builder
	for i := 1; i <= items; i++ {
		fmt.Fprintf(&b, "- **%s %d**: %s\n", g.word(), i, g.sentence())
		if i%10 == 0 {
			fmt.Fprintf(&b, "  - %s\n", g.sentence())
		}
	}
	return b.String()
}

// noBlank writes blocks one after another with no blank line between
// them, as some models do: each block interrupts the one before.
func (g *gen) noBlank(size int) string {
	var b strings.Builder
	for n := 1; b.Len() < size; n++ {
		fmt.Fprintf(&b, "## %d. %s\n", n, g.words(2+g.r.IntN(3)))
		fmt.Fprintf(&b, "%s %s\n", g.sentence(), g.sentence())
		switch n % 5 {
		case 0:
			for i := 0; i < 3+g.r.IntN(4); i++ {
				fmt.Fprintf(&b, "- %s\n", g.sentence())
			}
		case 1:
			fmt.Fprintf(&b, "```go\nfunc %s() error {\n\treturn nil\n}\n```\n", g.word())
		case 2:
			fmt.Fprintf(&b, "> %s\n", g.sentence())
		case 3:
			b.WriteString("---\n")
		case 4:
			fmt.Fprintf(&b, "### %s\n", g.words(3))
		}
		fmt.Fprintf(&b, "%s\n", g.sentence())
	}
	return b.String()
}

// paragraph is one paragraph on one line: not a newline in it until the
// end, the worst case for anything that splits text at lines.
func (g *gen) paragraph(size int) string {
	var b strings.Builder
	for b.Len() < size {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.sentence())
	}
	return b.String() + "\n"
}

// blockquote is a quote of several paragraphs (separated by ">" lines).
func (g *gen) blockquote(size int) string {
	var b strings.Builder
	for b.Len() < size {
		fmt.Fprintf(&b, "> %s %s\n", g.sentence(), g.sentence())
		if g.r.IntN(5) == 0 {
			b.WriteString(">\n")
		}
	}
	return b.String()
}

func (g *gen) prose(size int) string {
	var b strings.Builder
	for n := 1; b.Len() < size; n++ {
		fmt.Fprintf(&b, "## %d. %s\n\n", n, g.words(2+g.r.IntN(3)))
		for i := 0; i < 2+g.r.IntN(3); i++ {
			for j := 0; j < 2+g.r.IntN(4); j++ {
				if j > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(g.sentence())
			}
			b.WriteString("\n\n")
		}
	}
	return b.String()
}

// Tokens cuts text into word-ish tokens, roughly as a BPE tokenizer would:
// a word (at most eight runes) with one leading space, a run of up to three
// equal punctuation marks ("```", "**"), a newline, or a run of
// indentation. Concatenated, the tokens are the text.
func Tokens(s string) []string {
	var toks []string
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
	for i := 0; i < len(s); {
		start := i
		if s[i] == ' ' || s[i] == '\t' {
			j := i
			for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				j++
			}
			if j-i > 1 || j == len(s) || s[j] == '\n' {
				toks = append(toks, s[i:j]) // indentation
				i = j
				continue
			}
			i = j // one space: it leads the next token
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case isWord(r):
			for runes := 0; i < len(s) && runes < 8; runes++ {
				r, n := utf8.DecodeRuneInString(s[i:])
				if !isWord(r) {
					break
				}
				i += n
			}
		default:
			i += n
			for k := 1; k < 3 && r != '\n' && i < len(s) && s[i] == s[i-1]; k++ {
				i++
			}
		}
		toks = append(toks, s[start:i])
	}
	return toks
}

// Deltas groups the tokens of text into deltas of per tokens each (the
// last may be shorter), as a provider sending several tokens per chunk.
func Deltas(text string, per int) []string {
	toks := Tokens(text)
	var out []string
	for i := 0; i < len(toks); i += per {
		out = append(out, strings.Join(toks[i:min(i+per, len(toks))], ""))
	}
	return out
}
