package markdown

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/internal/mdcorpus"
	"github.com/fanout-dev/fanout/themes"
)

// openCorpus is the start of each adversarial corpus, long enough for an
// open block to be rendered in many pieces, short enough for Full to be
// the reference at every cut.
func openCorpus(shape mdcorpus.Shape, n int) string {
	text := mdcorpus.Text(shape)
	if len(text) <= n {
		return text
	}
	cut := strings.LastIndexByte(text[:n], ' ')
	return text[:cut]
}

// stableRows is how many rows of the stream's render are the stable
// prefix's (everything above the tail).
func (s *Stream) stableRows() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines)
}

func (s *Stream) pieceCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open == nil {
		return 0
	}
	return len(s.open.pieces)
}

// TestOpenBlocksAboveMatchFull streams each adversarial corpus (one huge
// table, list, quote or paragraph; blocks with no blank line between
// them) and checks, at every cut, that everything above the open block is
// Full's render of the same text, and once the answer is finished, that
// the whole render is.
func TestOpenBlocksAboveMatchFull(t *testing.T) {
	size, step := 9000, 61
	if reduced() {
		size, step = 5000, 163
	}
	combos := []struct {
		width int
		theme string
	}{{80, themes.Dark}, {46, themes.Light}, {64, themes.Dracula}}
	for i, shape := range mdcorpus.Shapes {
		c := combos[i%len(combos)]
		t.Run(string(shape), func(t *testing.T) {
			t.Parallel()
			th := theme(t, c.theme)
			text := openCorpus(shape, size)
			r := NewRenderer()
			s := NewStream(r)
			prev, pieces := 0, 0
			for _, at := range cuts(text, step) {
				s.Append(text[prev:at])
				prev = at
				got := s.Lines(c.width, th)
				pieces = max(pieces, s.pieceCount())
				n := s.stableRows()
				want := strings.Split(r.Full(text[:at], c.width, th), "\n")
				if n > len(want) || n > len(got) {
					t.Fatalf("after %d bytes: %d stable rows, but Full has %d and the stream %d", at, n, len(want), len(got))
				}
				if d := screenDiff(strings.Join(got[:n], "\n"), strings.Join(want[:n], "\n")); d != "" {
					t.Fatalf("after %d of %d bytes, the rows above the open block differ from Full (source ends …%q):\n%s",
						at, len(text), text[max(0, at-80):at], d)
				}
			}
			s.Finish()
			if d := screenDiff(s.Render(c.width, th), r.Full(text, c.width, th)); d != "" {
				t.Fatalf("finished: the render differs from Full:\n%s", d)
			}
			t.Logf("%s at %d×%s: %d bytes, open block in up to %d pieces", shape, c.width, c.theme, len(text), pieces)
			switch shape {
			case mdcorpus.Table, mdcorpus.List, mdcorpus.Paragraph, mdcorpus.Blockquote:
				if pieces < 2 {
					t.Errorf("the open block was rendered in %d pieces, want it split as it grew", pieces)
				}
			}
		})
	}
}

// TestOpenBlockSeams checks the seams that should not show: a list cut
// between items and code cut between lines render as Full renders them,
// every row, while they stream.
func TestOpenBlockSeams(t *testing.T) {
	var list, ordered, code, quote strings.Builder
	for i := 1; i <= 60; i++ {
		fmt.Fprintf(&list, "- item %d with a few words to wrap around the narrow pane width\n", i)
		if i%7 == 0 {
			fmt.Fprintf(&list, "  - nested under %d\n", i)
		}
		fmt.Fprintf(&ordered, "%d. step %d: run `make test` and read the output\n", i, i)
		fmt.Fprintf(&code, "\tx%d := compute(%d) // line %d\n", i, i, i)
		if i%5 == 0 {
			code.WriteString("\n")
		}
		fmt.Fprintf(&quote, "> quoted sentence number %d goes on for a while.\n>\n", i)
	}
	th := theme(t, themes.Dark)
	for _, tc := range []struct{ name, text string }{
		{"bullets", "Intro:\n\n" + list.String()},
		{"ordered", ordered.String()},
		{"fence", "```go\n" + code.String()},
		{"quote paragraphs", quote.String()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRenderer()
			s := NewStream(r)
			prev, pieces := 0, 0
			for _, at := range cuts(tc.text, 97) {
				s.Append(tc.text[prev:at])
				prev = at
				got := s.Render(50, th)
				pieces = max(pieces, s.pieceCount())
				if d := screenDiff(got, r.Full(tc.text[:at], 50, th)); d != "" {
					t.Fatalf("after %d of %d bytes (%d pieces):\n%s", at, len(tc.text), s.pieceCount(), d)
				}
			}
			if pieces < 3 {
				t.Errorf("rendered in %d pieces, want several", pieces)
			}
		})
	}
}

// TestOpenTableKeepsItsColumns streams a table whose first rows hold a
// wide cell and whose later rows do not: while it streams in pieces, every
// row keeps the column borders of the first piece (the pieces are sized
// with a template of the widest cells seen), and once finished the table
// is Full's.
func TestOpenTableKeepsItsColumns(t *testing.T) {
	var b strings.Builder
	b.WriteString("| id | name | note |\n|---|---|---|\n")
	for i := 1; i <= 120; i++ {
		name := "short"
		if i <= 3 {
			name = "a considerably longer name"
		}
		fmt.Fprintf(&b, "| %d | %s | n%d |\n", i, name, i%7)
	}
	text := b.String()
	th := theme(t, themes.Dark)
	r := NewRenderer()
	s := NewStream(r)
	for _, d := range cuts(text, 53) {
		s.Append(text[s.Len():d])
		_ = s.Lines(80, th)
	}
	if s.pieceCount() < 3 {
		t.Fatalf("the table was rendered in %d pieces, want several", s.pieceCount())
	}
	var want []int
	for _, l := range s.Lines(80, th) {
		plain := ansi.Strip(l)
		if !strings.Contains(plain, "│") || strings.Contains(plain, "─") {
			continue
		}
		var at []int
		for i, r := range []rune(plain) {
			if r == '│' {
				at = append(at, i)
			}
		}
		if want == nil {
			want = at
		} else if !slices.Equal(at, want) {
			t.Fatalf("row %q has its column borders at %v, the first row at %v", plain, at, want)
		}
	}
	s.Finish()
	if d := screenDiff(s.Render(80, th), r.Full(text, 80, th)); d != "" {
		t.Fatalf("finished: differs from Full:\n%s", d)
	}
}

// TestFinishKeepsExactPieces: a long list ends the answer; Finish does not
// render it again (its pieces are already Full's render), and the render
// is Full's. A paragraph cut in pieces is rendered whole.
func TestFinishKeepsExactPieces(t *testing.T) {
	th := theme(t, themes.Dark)
	for _, tc := range []struct {
		shape mdcorpus.Shape
		keeps bool
	}{{mdcorpus.List, true}, {mdcorpus.Paragraph, false}, {mdcorpus.Table, false}} {
		t.Run(string(tc.shape), func(t *testing.T) {
			text := openCorpus(tc.shape, 6000)
			r := NewRenderer()
			s := NewStream(r)
			for _, d := range mdcorpus.Deltas(text, 8) {
				s.Append(d)
				_ = s.Lines(70, th)
			}
			if s.pieceCount() < 2 {
				t.Fatalf("%d pieces, want several", s.pieceCount())
			}
			s.Finish()
			got := s.Render(70, th)
			if kept := s.pieceCount() > 0; kept != tc.keeps {
				t.Errorf("pieces kept at Finish: %v, want %v", kept, tc.keeps)
			}
			if d := screenDiff(got, r.Full(text, 70, th)); d != "" {
				t.Fatalf("finished render differs from Full:\n%s", d)
			}
		})
	}
}
