package mdcorpus

import (
	"strings"
	"testing"
)

func TestCorporaHaveTheirShape(t *testing.T) {
	for _, s := range Shapes {
		text := Text(s)
		if text != Text(s) {
			t.Errorf("%s: not deterministic", s)
		}
		if got := strings.Join(Deltas(text, 8), ""); got != text {
			t.Errorf("%s: deltas do not add up to the text", s)
		}
		toks := len(Tokens(text))
		blank := strings.Contains(text, "\n\n")
		t.Logf("%-10s %7d bytes %6d tokens", s, len(text), toks)
		switch s {
		case Table, List, NoBlank, Paragraph, Blockquote:
			if blank {
				t.Errorf("%s: has a blank line", s)
			}
		case Prose:
			if !blank {
				t.Errorf("prose: no blank line")
			}
		}
	}
	if n := strings.Count(Text(Paragraph), "\n"); n != 1 {
		t.Errorf("paragraph: %d newlines, want 1 (at the end)", n)
	}
	if n := strings.Count(Text(Table), "\n"); n != 1002 {
		t.Errorf("table: %d lines, want 1,002", n)
	}
}

func TestMixedIsAModelAnswer(t *testing.T) {
	text := Mixed(2, 20_000)
	if text != Mixed(2, 20_000) || text == Mixed(3, 20_000) {
		t.Error("Mixed is not a function of its seed")
	}
	if len(text) < 20_000 {
		t.Errorf("%d bytes, want at least 20,000", len(text))
	}
	for _, want := range []string{"\n\n#", "](https://example.com/", "\n```", "\n| ", "\n> ", "\n- **"} {
		if !strings.Contains(text, want) {
			t.Errorf("no %q in a mixed answer", want)
		}
	}
}
