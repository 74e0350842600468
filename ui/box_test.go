package ui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/internal/mdcorpus"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// A box put together from its edges is lipgloss's box, byte for byte,
// for rendered answers (styles, wide characters, links), cut lines, short
// and empty lines, in every theme and both borders; lines lipgloss would
// rewrite are left to it.
func TestBoxMatchesLipgloss(t *testing.T) {
	text := mdcorpus.Text(mdcorpus.NoBlank)[:4000] + "\n\nSee [the docs](https://example.com/docs) and 界界 wide.\n\n" + benchMarkdown(3, 3000)
	var f boxFrames
	fast, slow := 0, 0
	for _, name := range []string{themes.Dark, themes.Light, "nocolor"} {
		th, err := themes.Get(name, true)
		if name == "nocolor" {
			th, err = themes.NoColor(), nil
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{20, 49, 100} {
			innerW := w - 2
			lines := strings.Split(markdown.Full(text, innerW, th), "\n")
			lines = append(lines, "", "tab\tin it", "\x1b[1mopen style", strings.Repeat("界", w))
			for _, focused := range []bool{false, true} {
				style := lipgloss.NewStyle().Border(paneBorder(th, focused)).BorderForeground(th.BorderFocused).
					Width(w).Height(12).MaxHeight(12)
				for at := 0; at+8 <= len(lines); at += 5 {
					body := make([]string, 8)
					for i := range body {
						body[i] = clipLine(lines[at+i], innerW)
					}
					if at%15 == 0 {
						body[0] = lines[at] // not cut: may be too wide
					}
					header, footer := clipLine("header "+lines[at], innerW), "\x1b[2mfooter\x1b[m"
					want := style.Render(lipgloss.JoinVertical(lipgloss.Left, header, strings.Join(body, "\n"), footer))
					b, ok := f.box(style, w, 12, header, body, footer)
					if !ok {
						slow++
						continue
					}
					fast++
					if got := strings.Join(b.lines, "\n"); got != want {
						t.Fatalf("%s, width %d, lines %d…: got\n%q\nwant\n%q", name, w, at, got, want)
					}
				}
			}
		}
	}
	if fast < 3*slow {
		t.Errorf("only %d boxes of %d put together from their edges: the fast path is not taken", fast, fast+slow)
	}
}
