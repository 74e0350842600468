package markdown

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/fanout-dev/fanout/themes"
)

// stableBlocks streams text in one piece and returns the stable blocks and
// the tail.
func stableBlocks(text string) ([]string, string) {
	s := NewStream(nil)
	s.Append(text)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scan()
	return s.blocks, string(s.src[s.stableEnd:])
}

func TestBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name   string
		text   string
		blocks []string // stable blocks; the rest is the tail
	}{
		{"paragraphs and headings", "# H\n\npara\n\nmore",
			[]string{"# H\n\n", "para\n\n"}},
		{"blocks interrupting each other are cut without a blank line", "# H\ntext\n- a\n- b\n\nnext",
			[]string{"# H\n", "text\n", "- a\n- b\n\n"}},
		{"a partial line after a heading is not cut", "# H\n#", nil},
		{"a partial line after a paragraph is not cut", "text\n- a", nil},
		{"a line that may become a setext heading is cut from the heading before", "# H\ntext\n",
			[]string{"# H\n"}},
		{"a setext underline takes its paragraph along", "# H\ntext\n---\nmore\n",
			[]string{"# H\n", "text\n---\n"}},
		{"fence right after a paragraph", "intro:\n```go\nx\n```\nafter\n",
			[]string{"intro:\n", "```go\nx\n```\n"}},
		{"a delimiter row takes its header line from the paragraph", "# H\nintro\n| a |\n|---|\n| 1 |\n## next\n",
			[]string{"# H\n", "intro\n| a |\n|---|\n| 1 |\n"}},
		{"a quote continues lazily", "> a\nb\n# H\n", []string{"> a\nb\n"}},
		{"a list item continues lazily", "- a\nb\n# H\n", []string{"- a\nb\n"}},
		{"thematic break after a paragraph", "para\n***\nnext\n", []string{"para\n", "***\n"}},
		{"list continues across blank lines", "- a\n\n- b\n\n  more of b\n\nafter",
			[]string{"- a\n\n- b\n\n  more of b\n\n"}},
		{"partial marker may continue the list", "- a\n\n-", nil},
		{"partial number may continue the list", "1. a\n\n2", nil},
		{"marker after a paragraph starts a new block", "para\n\n- x",
			[]string{"para\n\n"}},
		{"partial indented line may continue", "- a\n\n  b", nil},
		{"closed fence with blank lines", "```go\na\n\nb\n```\n\nnext",
			[]string{"```go\na\n\nb\n```\n\n"}},
		{"open fence holds everything", "```\na\n\nb\n\nc", nil},
		{"tilde fence", "~~~sh\na\n\n```\n\nb\n~~~\n\nnext",
			[]string{"~~~sh\na\n\n```\n\nb\n~~~\n\n"}},
		{"closing fence line not yet complete", "```\na\n\n``", nil},
		{"html comment with blank lines", "<!--\na\n\nb\n-->\n\nc",
			[]string{"<!--\na\n\nb\n-->\n\n"}},
		{"indented code with blank lines", "    code\n\n    more\n\nx",
			[]string{"    code\n\n    more\n\n"}},
		{"table", "| a | b |\n|---|---|\n| 1 | 2 |\n\nx",
			[]string{"| a | b |\n|---|---|\n| 1 | 2 |\n\n"}},
		{"paragraph then table without blank", "Intro:\n| a |\n|---|\n| 1 |\n\nx",
			[]string{"Intro:\n| a |\n|---|\n| 1 |\n\n"}},
		{"setext heading", "Title\n===\n\nx", []string{"Title\n===\n\n"}},
		{"blockquotes", "> q\n\n> r\n\ns", []string{"> q\n\n", "> r\n\n"}},
		{"definition may follow its term", "Term\n\n:", nil},
		{"definition after a blank line joins", "Term\n\n: def\n\n# H",
			[]string{"Term\n\n: def\n\n"}},
		{"paragraph after a definition list may become a term", "T\n: d\n\nAnother\n\n: more\n\nnext", nil},
		{"paragraph after a definition list, then a heading", "T\n: d\n\nAnother\n\n# H",
			[]string{"T\n: d\n\nAnother\n\n"}},
		{"leading blank lines", "\n\npara\n\nnext", []string{"\n\npara\n\n"}},
		{"thematic break after a list", "- a\n\n---\n\nx", []string{"- a\n\n", "---\n\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			blocks, tail := stableBlocks(tc.text)
			if !reflect.DeepEqual(blocks, tc.blocks) && !(len(blocks) == 0 && len(tc.blocks) == 0) {
				t.Errorf("blocks = %q, want %q (tail %q)", blocks, tc.blocks, tail)
			}
			if got := strings.Join(blocks, "") + tail; got != tc.text {
				t.Errorf("blocks and tail do not add up to the text: %q", got)
			}
		})
	}
}

func TestFenceRewrites(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no language", "```\nx\n```\n", "```text\nx\n```\n"},
		{"known language", "```go\nx\n```\n", "```go\nx\n```\n"},
		{"attributes", "```rust {linenos=true}\nx\n```\n", "```rust {linenos=true}\nx\n```\n"},
		{"unknown language", "```mermaid\nx\n```\n", "```text\nx\n```\n"},
		{"open fence", "```go\nx\n", "```text\nx\n"},
		{"open fence, info still arriving", "```py", "```text"},
		{"tilde", "~~~\nx\n~~~\n", "~~~text\nx\n~~~\n"},
		{"in a quote", "> ```\n> x\n> ```\n", "> ```text\n> x\n> ```\n"},
		{"in a list", "- a\n\n  ```\n  x\n  ```\n", "- a\n\n  ```text\n  x\n  ```\n"},
		{"longer fence", "````md\n```\n````\n", "````md\n```\n````\n"},
		{"already text", "```text\nx\n```\n", "```text\nx\n```\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.in)
			a := analyze(src)
			if got := string(prepare(src, a.edits, 0, len(src))); got != tc.want {
				t.Errorf("prepared %q, want %q", got, tc.want)
			}
		})
	}
}

func TestLinkReferencesFallBackToFull(t *testing.T) {
	th := theme(t, themes.Dark)
	text := corpus(t)["refs.md"]
	s := NewStream(nil)
	s.Append(text)
	if got, want := s.Render(80, th), Full(text, 80, th); got != want {
		t.Errorf("render differs from Full:\n%s", screenDiff(got, want))
	}
	if !s.fallback {
		t.Error("a stream with link reference definitions should render with Full")
	}
}

// A long answer made of paragraphs, headings, code and lists must keep
// nearly all of its length in the cache while it streams.
func TestCacheCoverage(t *testing.T) {
	docs := corpus(t)
	var sb strings.Builder
	for _, n := range []string{"go_concurrency.md", "comparison.md", "nested_lists.md", "fences.md", "prose.md", "cjk_emoji.md", "edge_cases.md"} {
		sb.WriteString(docs[n])
		sb.WriteString("\n")
	}
	text := sb.String()
	th := theme(t, themes.Dark)
	s := NewStream(nil)
	maxTail := 0
	for _, c := range cuts(text, 16) {
		s.Append(text[s.Len():c])
		s.Lines(80, th)
		maxTail = max(maxTail, s.Len()-s.stableEnd)
	}
	if s.fallback {
		t.Fatal("fell back to full renders")
	}
	if frac := float64(s.stableEnd) / float64(len(text)); frac < 0.97 {
		t.Errorf("only %.0f%% of the finished answer is cached", 100*frac)
	}
	// The longest stretch kept in the tail is the longest block still
	// growing (here the nested list with its code blocks), not the answer.
	if maxTail > 1200 {
		t.Errorf("tail grew to %d bytes of %d", maxTail, len(text))
	}
	t.Logf("%d blocks, longest tail %d bytes of %d", len(s.blocks), maxTail, len(text))
}

func TestWidthAndThemeChanges(t *testing.T) {
	text := corpus(t)["go_concurrency.md"]
	s := NewStream(nil)
	s.Append(text[:1500])
	for _, step := range []struct {
		width int
		theme string
	}{{80, themes.Dark}, {40, themes.Dark}, {80, themes.Light}, {80, themes.Dark}, {80, themes.NoColorName}} {
		th := theme(t, step.theme)
		got, want := s.Render(step.width, th), Full(text[:1500], step.width, th)
		if got != want {
			t.Fatalf("width %d, theme %s:\n%s", step.width, step.theme, screenDiff(got, want))
		}
		if lines := strings.Join(s.Lines(step.width, th), "\n"); lines != got {
			t.Fatalf("Lines does not join to Render at width %d, theme %s", step.width, step.theme)
		}
	}
}

func TestEmptyAndReset(t *testing.T) {
	th := theme(t, themes.Dark)
	s := NewStream(nil)
	if got, want := s.Render(80, th), Full("", 80, th); got != want {
		t.Errorf("empty stream renders %q, want %q", got, want)
	}
	s.Append("# Title\n\nSome text.\n\nMore.")
	s.Render(80, th)
	s.Reset()
	s.Append("Fresh.")
	if got, want := s.Render(80, th), Full("Fresh.", 80, th); got != want {
		t.Errorf("after Reset:\n%s", screenDiff(got, want))
	}
}

// The equivalence tests are only meaningful if pieces are rendered apart:
// every theme must pass the separator check.
func TestEveryThemeRendersIncrementally(t *testing.T) {
	r := NewRenderer()
	for _, name := range themes.Names() {
		if !r.blockModeOK(80, theme(t, name)) {
			t.Errorf("theme %s falls back to full renders", name)
		}
	}
	if r.blockModeOK(4, theme(t, themes.Dark)) {
		t.Error("a pane narrower than the margins should fall back to full renders")
	}
}

// Streams sharing one Renderer from several goroutines (run with -race).
func TestConcurrentStreams(t *testing.T) {
	docs := corpus(t)
	r := NewRenderer()
	names := []string{"go_concurrency.md", "comparison.md", "fences.md", "cjk_emoji.md"}
	var wg sync.WaitGroup
	errs := make([]string, len(names))
	for i, n := range names {
		wg.Go(func() {
			th := theme(t, themes.Dark)
			s := NewStream(r)
			text := docs[n]
			for _, c := range cuts(text, 64) {
				s.Append(text[s.Len():c])
				s.Lines(60, th)
			}
			if got, want := s.Render(60, th), r.Full(text, 60, th); got != want {
				errs[i] = n + ":\n" + screenDiff(got, want)
			}
		})
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Error(e)
		}
	}
}

func TestTrimPadding(t *testing.T) {
	pad := "\x1b[38;5;252m \x1b[m"
	for _, tc := range []struct{ name, in, want string }{
		{"coloured padding after text", "  \x1b[38;5;252mHi\x1b[m" + pad + pad + "\n", "  \x1b[38;5;252mHi\x1b[m\n"},
		{"blank line", "  " + pad + pad + "\n", "\n"},
		{"background kept", "\x1b[48;5;63m \x1b[m\n", "\x1b[48;5;63m \x1b[m\n"},
		{"open style before padding kept", "\x1b[48;5;63mx" + pad + "\n", "\x1b[48;5;63mx" + pad + "\n"},
		{"plain spaces", "text   \n", "text\n"},
		{"unterminated line untouched", "x" + pad, "x" + pad},
		{"underlined space kept", "x\x1b[m\x1b[4m \x1b[m\n", "x\x1b[m\x1b[4m \x1b[m\n"},
	} {
		if got := trimPadding(tc.in); got != tc.want {
			t.Errorf("%s: trimPadding(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
