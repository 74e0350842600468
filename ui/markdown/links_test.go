package markdown

import (
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/themes"
)

// glamour makes links OSC 8 hyperlinks to the address the model wrote; the
// render keeps the address as visible text and no hyperlink, in the full
// render and the incremental one alike.
func TestLinksShownAsTextNotHyperlinks(t *testing.T) {
	const src = "See [the docs](https://evil.example/docs), <https://auto.example/x> and ![a chart](https://img.example/c.png).\n\n" +
		"| site | link |\n|---|---|\n| docs | [here](https://table.example/t) |\n"
	for _, th := range []themes.Theme{mustTheme(t, "dark"), themes.NoColor()} {
		full := Full(src, 100, th)
		s := NewStream(NewRenderer())
		for _, piece := range strings.SplitAfter(src, " ") {
			s.Append(piece)
		}
		for name, out := range map[string]string{"full": full, "stream": s.Render(100, th)} {
			if strings.Contains(out, "\x1b]8;") || strings.Contains(out, "\x1b]") {
				t.Errorf("%s/%s: an OSC sequence in the render:\n%q", th.Name, name, out)
			}
			for _, want := range []string{"the docs", "https://evil.example/docs", "https://auto.example/x", "https://img.example/c.png"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s/%s: %q is not shown:\n%q", th.Name, name, want, out)
				}
			}
		}
	}
}

func mustTheme(t *testing.T, name string) themes.Theme {
	t.Helper()
	th, err := themes.Get(name, true)
	if err != nil {
		t.Fatal(err)
	}
	return th
}
