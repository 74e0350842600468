package markdown

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"charm.land/lipgloss/v2/table"
	xansi "github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/themes"
)

// The tests of wrapfix.go, codewrap.go and tablewrap.go assert what a user
// sees (the output with escape sequences stripped), in every theme and at
// several widths. Each also renders with the fixes off (Renderer.unfixed)
// and requires the defect to show there, so that a test that could not
// catch the defect fails too.

func allThemes(t *testing.T) []themes.Theme {
	t.Helper()
	var out []themes.Theme
	for _, n := range themes.Names() {
		out = append(out, theme(t, n))
	}
	// high-contrast has a light variant
	th, err := themes.Get(themes.HighContrast, false)
	if err != nil {
		t.Fatal(err)
	}
	return append(out, th)
}

func renderers() (fixed, unfixed *Renderer) {
	fixed, unfixed = NewRenderer(), NewRenderer()
	unfixed.unfixed = true
	return fixed, unfixed
}

// visible returns the rendered lines as a user reads them.
func visible(s string) []string {
	return strings.Split(xansi.Strip(s), "\n")
}

// quotePrefix is what every line of a quote depth quotes deep starts
// with: the document margin, then the quotes' tokens.
func quotePrefix(th themes.Theme, depth int) string {
	m := 0
	if th.Markdown.Document.Margin != nil {
		m = int(*th.Markdown.Document.Margin)
	}
	q := th.Markdown.BlockQuote
	n := 0
	if q.Indent != nil {
		n += int(*q.Indent)
	}
	if q.Margin != nil {
		n += int(*q.Margin)
	}
	tok := " "
	if q.IndentToken != nil {
		tok = *q.IndentToken
	}
	return strings.Repeat(" ", m) + strings.Repeat(tok, n*depth)
}

var quoteCases = []struct {
	name, src string
	depth     int // every line of the output is inside this many quotes
}{
	{"prose", "> A quote line that is long enough to fill the quote width at one of these widths, and then some more words so that it wraps several times, with words of several lengths: a an the quote bar lost found again.\n", 1},
	{"long word", "> averyveryveryveryveryveryveryverylongwordthatcannotfit and then more words after it\n", 1},
	{"nested", "> > nested quote with a lot of words that will wrap more than once at this width and averyveryveryverylongwordhere too\n", 2},
	{"list", "> - a list item inside a quote that has enough words to wrap around twice\n> - second item, also with words enough to wrap at narrow widths\n", 1},
	{"code", "> ```\n> code inside a quote that is rather long and must wrap somewhere\n> ```\n", 1},
	{"emphasis", "> Some *emphasis* and **strong text** and `inline code` in a quote, long enough to wrap at the widths tried here.\n", 1},
}

var quoteWidths = []int{20, 24, 30, 33, 37, 40, 47, 52, 60, 71, 80}

// TestQuoteBarOnEveryLine: every line of a block quote keeps its bar (or,
// in a theme without one, its indent), however glamour wrapped it.
func TestQuoteBarOnEveryLine(t *testing.T) {
	fixed, unfixed := renderers()
	for _, c := range quoteCases {
		lostBefore := false
		for _, th := range allThemes(t) {
			prefix := quotePrefix(th, c.depth)
			bare := map[string]bool{} // the blank lines quotes have
			for d := 1; d <= c.depth; d++ {
				bare[strings.TrimRight(quotePrefix(th, d), " ")] = true
			}
			for _, w := range quoteWidths {
				check := func(out string) (bad string) {
					for _, l := range visible(out) {
						if strings.TrimSpace(l) != "" && !strings.HasPrefix(l, prefix) && !bare[strings.TrimRight(l, " ")] {
							return l
						}
					}
					return ""
				}
				if bad := check(fixed.Full(c.src, w, th)); bad != "" {
					t.Errorf("%s, theme %s, width %d: line without the quote's %q: %q\n%s",
						c.name, th.Name, w, prefix, bad, strings.Join(visible(fixed.Full(c.src, w, th)), "\n"))
				}
				if check(unfixed.Full(c.src, w, th)) != "" {
					lostBefore = true
				}
			}
		}
		if !lostBefore && c.name != "emphasis" && c.name != "list" {
			t.Errorf("%s: glamour alone kept the bar at every width: the case tests nothing", c.name)
		}
	}
}

const longCode = "func veryLongLineOfCodeThatDoesNotFitInFortyColumns(a, b, c int) error { return nil }"

// longWord is a code line whose first word is wider than the pane (glamour
// then moves the indent to a line of its own), wide characters included.
const longWord = "averyveryveryveryveryveryveryverylongidentifier中文代码行很长很长很长 = 1"

var codeCases = []struct{ name, src, line string }{
	{"top level", "```\n" + longCode + "\n```\n", longCode},
	{"go", "```go\n" + longCode + "\n\tx := \"a string literal that is long enough to wrap as well, with spaces\" // and a comment\n```\n", longCode},
	{"indented code", "Text.\n\n    " + longCode + "\n", longCode},
	{"in a quote", "> ```\n> " + longCode + "\n> ```\n", longCode},
	{"in a list", "- item\n\n  ```\n  " + longCode + "\n  ```\n", longCode},
	{"in a list in a quote", "> - item\n>\n>   ```\n>   " + longCode + "\n>   ```\n", longCode},
	{"long first word", "```\n" + longWord + "\n```\n", longWord},
	{"long first word in a quote", "> ```\n> " + longWord + "\n> ```\n", longWord},
	{"unclosed", "```\n" + longCode, longCode},
}

// codeRows finds the rows showing code line src in lines: the first row
// holds its start; the rows after it up to the whole line are its
// continuations. It returns the column the code starts at, and the rows.
func codeRows(lines []string, src string) (col int, rows []string, ok bool) {
	head := src[:12]
	for i, l := range lines {
		k := strings.Index(l, head)
		if k < 0 {
			continue
		}
		col = xansi.StringWidth(l[:k])
		got := strings.TrimRight(l[k:], " ")
		rows = append(rows, l)
		want := strings.ReplaceAll(src, " ", "")
		for j := i + 1; j < len(lines) && len(strings.ReplaceAll(got, " ", "")) < len(want); j++ {
			rows = append(rows, lines[j])
			got += xansi.Cut(lines[j], col, 1<<20)
		}
		return col, rows, strings.ReplaceAll(got, " ", "") == want
	}
	return 0, nil, false
}

// TestLongCodeLinesKeepTheIndent: a code line wider than the pane is shown
// on several rows, each continuation at the code's column with "↪" just
// before it, and nothing of the line lost.
func TestLongCodeLinesKeepTheIndent(t *testing.T) {
	fixed, unfixed := renderers()
	for _, c := range codeCases {
		for _, th := range allThemes(t) {
			for _, w := range []int{24, 30, 40, 57, 80} {
				check := func(out string) string {
					lines := visible(out)
					col, rows, ok := codeRows(lines, c.line)
					if !ok {
						return "the code line is not shown whole, in order"
					}
					if len(rows) < 2 {
						if xansi.StringWidth(rows[0]) <= w {
							return "" // it fits
						}
						return "the code line was not wrapped"
					}
					for _, r := range rows[1:] {
						if xansi.StringWidth(r) > w {
							return "a row is wider than the pane: " + r
						}
						if col < 2 || xansi.Cut(r, col-2, col) != "↪ " {
							return "a continuation row does not start at the code's column after \"↪ \": " + r
						}
						if rest := strings.TrimRight(xansi.Cut(r, col, 1<<20), " "); rest == "" ||
							strings.HasPrefix(rest, " ") && !strings.Contains(c.line, rest) {
							return "a continuation row does not continue at the code's column: " + r
						}
					}
					return ""
				}
				out := fixed.Full(c.src, w, th)
				if msg := check(out); msg != "" {
					t.Errorf("%s, theme %s, width %d: %s\n%s", c.name, th.Name, w, msg, strings.Join(visible(out), "\n"))
				}
				if w <= 40 && check(unfixed.Full(c.src, w, th)) == "" {
					t.Errorf("%s, theme %s, width %d: glamour alone passes: the case tests nothing", c.name, th.Name, w)
				}
			}
		}
	}
}

const wordTable = "| column one | column two has words |\n|---|---|\n| averyveryverylongword and more words here | text text text |\n| **bold words** and `a code span` | [a link](https://example.com) here |\n"

// TestTableWordsAreNotBroken: where the pane leaves every column room for
// its longest word, no word of the table's body is broken.
func TestTableWordsAreNotBroken(t *testing.T) {
	fixed, unfixed := renderers()
	words := strings.Fields("averyveryverylongword and more words here text text text bold words and")
	for _, th := range allThemes(t) {
		brokeBefore := false
		for _, w := range []int{40, 44, 50, 57, 64} {
			check := func(out string) string {
				s := " " + strings.Join(visible(out), " ") + " "
				s = strings.NewReplacer("│", " ", "┼", " ").Replace(s)
				for _, wd := range words {
					if !strings.Contains(s, " "+wd+" ") {
						return wd
					}
				}
				return ""
			}
			out := fixed.Full(wordTable, w, th)
			if bad := check(out); bad != "" {
				t.Errorf("theme %s, width %d: %q is broken\n%s", th.Name, w, bad, strings.Join(visible(out), "\n"))
			}
			if strings.Contains(out, "&#10;") || strings.Contains(out, "**") {
				t.Errorf("theme %s, width %d: markup shows\n%s", th.Name, w, strings.Join(visible(out), "\n"))
			}
			for _, l := range visible(out) {
				if xansi.StringWidth(l) > w {
					t.Errorf("theme %s, width %d: line wider than the pane: %q", th.Name, w, l)
				}
			}
			if check(unfixed.Full(wordTable, w, th)) != "" {
				brokeBefore = true
			}
		}
		if !brokeBefore {
			t.Errorf("theme %s: glamour alone broke no word: the test tests nothing", th.Name)
		}
	}
}

// TestTableTooNarrowBreaksOnlyLongWords: when a word cannot fit, it is the
// one broken; the other cells still wrap at spaces.
func TestTableTooNarrowBreaksOnlyLongWords(t *testing.T) {
	fixed, _ := renderers()
	th := theme(t, themes.Dark)
	out := fixed.Full(wordTable, 30, th)
	s := " " + strings.NewReplacer("│", " ").Replace(strings.Join(visible(out), " ")) + " "
	for _, wd := range strings.Fields("and more words here text") {
		if !strings.Contains(s, " "+wd+" ") {
			t.Errorf("%q is broken\n%s", wd, strings.Join(visible(out), "\n"))
		}
	}
}

// TestTableWidthsMatchLipgloss: lipglossWidths predicts the column widths
// lipgloss's table picks, read off its header rule.
func TestTableWidthsMatchLipgloss(t *testing.T) {
	cells := []string{"a", "bb", "some words here", "averyveryverylongword", "x y", "median", "twelve chars", "multi-document", "n/a", "3"}
	seed := uint32(7)
	next := func(n int) int {
		seed = seed*1664525 + 1013904223
		return int(seed>>8) % n
	}
	for iter := 0; iter < 300; iter++ {
		n := 1 + next(5)
		nr := 1 + next(6)
		tw := 10 + next(70)
		header := make([]string, n)
		var rows [][]string
		for j := range header {
			header[j] = cells[next(len(cells))]
		}
		for i := 0; i < nr; i++ {
			r := make([]string, n)
			for j := range r {
				r[j] = cells[next(len(cells))]
			}
			rows = append(rows, r)
		}
		tb := table.New().Width(tw).Wrap(true).Headers(header...).Rows(rows...).
			StyleFunc(func(_, _ int) lipgloss.Style { return lipgloss.NewStyle().Margin(0, 1) }).
			Border(lipgloss.NormalBorder()).BorderTop(false).BorderBottom(false).BorderLeft(false).BorderRight(false)
		lines := strings.Split(tb.String(), "\n")
		if len(lines) < 2 {
			t.Fatal("no header rule")
		}
		var got []int
		for _, part := range strings.Split(lines[1], "┼") {
			got = append(got, xansi.StringWidth(part))
		}
		runs := func(s string) cellRuns { return cellRuns{width: xansi.StringWidth(s)} }
		var hr []cellRuns
		for _, h := range header {
			hr = append(hr, runs(h))
		}
		var rr [][]cellRuns
		for _, r := range rows {
			var row []cellRuns
			for _, c := range r {
				row = append(row, runs(c))
			}
			rr = append(rr, row)
		}
		pads := make([]int, n)
		for j := range pads {
			pads[j] = 2
		}
		want := lipglossWidths(hr, rr, pads, tw)
		if sum(want)+n-1 > tw {
			continue // lipgloss itself overflows: its rule is cut, not comparable
		}
		if !equalInts(got, want) {
			t.Fatalf("width %d, header %q, rows %q: lipgloss %v, predicted %v", tw, header, rows, got, want)
		}
	}
}

func sum(a []int) int {
	n := 0
	for _, v := range a {
		n += v
	}
	return n
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestWrapFixesLeaveOtherOutputAlone: text with none of the three defects
// renders byte for byte as glamour renders it. Quotes are the exception
// in bytes only: their lines no longer carry the padding glamour's second
// wrap left at their ends, which shows nothing (same screen).
func TestWrapFixesLeaveOtherOutputAlone(t *testing.T) {
	fixed, unfixed := renderers()
	same := map[string]string{
		"short code":  "Some text.\n\n```go\nfunc f() error { return nil }\n```\n\n```\nplain  text   with spaces\n```\n",
		"fit table":   "| a | b |\n|---|---|\n| one | two words |\n",
		"narrowed ok": "| Criterion | PostgreSQL | MySQL |\n|---|---|---|\n| Transactions | full ACID, with a long explanation here | full ACID (InnoDB) |\n",
		"lists":       "- one\n- two with more words than fit on one line at the narrow widths\n  1. nested\n",
	}
	for _, f := range []string{"prose.md", "edge_cases.md", "refs.md"} {
		b, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		same[f] = string(b)
	}
	for name, src := range same {
		for _, th := range allThemes(t) {
			for _, w := range []int{20, 40, 60, 80, 120} {
				if name == "narrowed ok" && w < 60 || name == "short code" && w < 40 {
					continue // lipgloss breaks words there; the code is long there
				}
				if got, want := fixed.Full(src, w, th), unfixed.Full(src, w, th); got != want {
					t.Errorf("%s, theme %s, width %d: output changed\n%s", name, th.Name, w, screenDiff(got, want))
				}
			}
		}
	}
	quote := "> A short quote.\n>\n> With a second paragraph of a few words.\n"
	for _, th := range allThemes(t) {
		for _, w := range []int{40, 80, 120} {
			if d := screenDiff(fixed.Full(quote, w, th), unfixed.Full(quote, w, th)); d != "" {
				t.Errorf("quote, theme %s, width %d: screen changed\n%s", th.Name, w, d)
			}
		}
	}
}

// TestWrapFixesStreamMatchesFull: the fixed cases render incrementally
// exactly as Full renders them.
func TestWrapFixesStreamMatchesFull(t *testing.T) {
	var text strings.Builder
	text.WriteString("Intro paragraph.\n\n")
	for _, c := range quoteCases {
		text.WriteString(c.src + "\n")
	}
	for _, c := range codeCases[:len(codeCases)-1] {
		text.WriteString(c.src + "\n")
	}
	text.WriteString(wordTable + "\nAfter the table.\n\n" + codeCases[len(codeCases)-1].src)
	s := text.String()
	step, every := 37, 1
	if reduced() {
		step, every = 53, 3 // under -race: fewer cuts, each still rendered
	}
	for _, th := range allThemes(t) {
		for _, w := range []int{30, 40, 80} {
			streamAndCompare(t, "wrapfix", s, cuts(s, step), every, w, th)
		}
	}
}

// BenchmarkWrapFixes renders the corpus (all of it, as one answer) with
// and without the fixes, at a width where code lines and tables need them.
func BenchmarkWrapFixes(b *testing.B) {
	var sb strings.Builder
	for _, name := range []string{"comparison.md", "fences.md", "go_concurrency.md", "nested_lists.md", "prose.md", "cjk_emoji.md"} {
		t, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		sb.Write(t)
		sb.WriteString("\n")
	}
	text := sb.String()
	th := theme(b, themes.Dark)
	for _, w := range []int{40, 80} {
		for _, on := range []bool{false, true} {
			b.Run("width="+strconv.Itoa(w)+"/fixed="+strconv.FormatBool(on), func(b *testing.B) {
				r := NewRenderer()
				r.unfixed = !on
				for b.Loop() {
					_ = r.Full(text, w, th)
				}
			})
		}
	}
}
