package themes

import (
	"reflect"
	"strings"
	"testing"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"
	"charm.land/lipgloss/v2"
)

func TestEveryThemeResolvesAndRenders(t *testing.T) {
	for _, name := range Names() {
		for _, dark := range []bool{true, false} {
			th, err := Get(name, dark)
			if err != nil {
				t.Fatalf("Get(%q): %v", name, err)
			}
			if th.Name != name {
				t.Errorf("Get(%q).Name = %q", name, th.Name)
			}
			for field, c := range map[string]any{
				"Text": th.Text, "Muted": th.Muted, "Subtle": th.Subtle, "Accent": th.Accent,
				"BorderFocused": th.BorderFocused, "BorderUnfocused": th.BorderUnfocused,
				"Waiting": th.Waiting, "Streaming": th.Streaming, "Done": th.Done,
				"Cancelled": th.Cancelled, "Error": th.Error, "Best": th.Best,
			} {
				if c == nil {
					t.Errorf("%s: %s colour is nil", name, field)
				}
			}
			if th.Markdown.Document.Margin == nil {
				t.Errorf("%s: glamour style looks empty", name)
			}
			if th.Markdown.CodeBlock.Chroma != nil {
				t.Errorf("%s: chroma settings left inline; glamour would register them as the shared \"charm\" style", name)
			}
			r, err := glamour.NewTermRenderer(glamour.WithStyles(th.Markdown), glamour.WithWordWrap(60))
			if err != nil {
				t.Fatalf("%s: renderer: %v", name, err)
			}
			out, err := r.Render("# Title\n\nSome *text* with `code`.\n\n```go\nfunc main() {}\n```\n")
			if err != nil {
				t.Fatalf("%s: render: %v", name, err)
			}
			if !strings.Contains(out, "Title") || !strings.Contains(out, "main") {
				t.Errorf("%s: render lost content:\n%s", name, out)
			}
		}
	}
}

func TestAutoPicksByBackground(t *testing.T) {
	for _, name := range []string{"", "auto", " Auto "} {
		d, err := Get(name, true)
		if err != nil || d.Name != Dark || !d.Dark {
			t.Errorf("Get(%q, dark) = %q, %v; want dark", name, d.Name, err)
		}
		l, err := Get(name, false)
		if err != nil || l.Name != Light || l.Dark {
			t.Errorf("Get(%q, light) = %q, %v; want light", name, l.Name, err)
		}
	}
	hc, _ := Get(HighContrast, false)
	if hc.Dark {
		t.Error("high-contrast on a light background should be the light variant")
	}
}

func TestUnknownThemeListsKnownOnes(t *testing.T) {
	_, err := Get("solarized", true)
	if err == nil {
		t.Fatal("want an error for an unknown theme")
	}
	for _, n := range Names() {
		if !strings.Contains(err.Error(), n) {
			t.Errorf("error %q does not list %q", err, n)
		}
	}
}

func TestNoColor(t *testing.T) {
	nc := NoColor()
	if !nc.Plain {
		t.Error("NoColor().Plain is false")
	}
	if _, ok := nc.Accent.(lipgloss.NoColor); !ok {
		t.Errorf("NoColor accent is %T, want lipgloss.NoColor", nc.Accent)
	}
	if !reflect.DeepEqual(nc.Markdown, styles.NoTTYStyleConfig) {
		t.Error("NoColor markdown style is not glamour's notty style")
	}
	r, _ := glamour.NewTermRenderer(glamour.WithStyles(nc.Markdown), glamour.WithWordWrap(60))
	out, _ := r.Render("# Title\n\n**bold** and a [link](https://example.com)\n\n```go\nx := 1\n```\n")
	if strings.Contains(out, "\x1b[") {
		t.Errorf("no-colour render contains escape sequences: %q", out)
	}
}

// The base styles must be copied, not aliased: recolouring catppuccin must
// leave glamour's own dark style untouched.
func TestGlamourStylesNotMutated(t *testing.T) {
	if got := *styles.DarkStyleConfig.Document.Color; got != "252" {
		t.Errorf("glamour's dark document colour changed to %q", got)
	}
	if styles.DarkStyleConfig.CodeBlock.Chroma == nil {
		t.Error("glamour's dark style lost its chroma settings")
	}
	if !reflect.DeepEqual(deepCopy(styles.DarkStyleConfig), styles.DarkStyleConfig) {
		t.Error("deepCopy is lossy")
	}
	// A copy shares no pointer with the original: writing through one
	// (as recolouring may) cannot reach glamour's style.
	c := deepCopy(styles.DarkStyleConfig)
	if c.Document.Color == styles.DarkStyleConfig.Document.Color || c.CodeBlock.Chroma == styles.DarkStyleConfig.CodeBlock.Chroma ||
		c.CodeBlock.Chroma.Keyword.Color == styles.DarkStyleConfig.CodeBlock.Chroma.Keyword.Color {
		t.Error("deepCopy aliases the original's pointers")
	}
}

// Each theme highlights code with its own colours, whatever theme rendered
// code first in the process (glamour alone would register the first
// theme's chroma settings as "charm" and reuse them for every theme).
func TestCodeColoursPerTheme(t *testing.T) {
	render := func(name string) string {
		th, err := Get(name, true)
		if err != nil {
			t.Fatal(err)
		}
		r, err := glamour.NewTermRenderer(glamour.WithStyles(th.Markdown), glamour.WithWordWrap(60),
			glamour.WithChromaFormatter("terminal16m"))
		if err != nil {
			t.Fatal(err)
		}
		out, err := r.Render("```go\nfunc main() {}\n```\n")
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, tc := range []struct{ theme, keyword string }{
		{Dark, "\x1b[38;2;0;170;255m"},         // #00AAFF
		{Catppuccin, "\x1b[38;2;203;166;247m"}, // mauve #cba6f7
		{Dracula, "\x1b[38;2;255;121;198m"},    // pink #ff79c6
	} {
		if out := render(tc.theme); !strings.Contains(out, tc.keyword+"func") {
			t.Errorf("%s: keyword not in its colour %q:\n%q", tc.theme, tc.keyword, out)
		}
	}
}
