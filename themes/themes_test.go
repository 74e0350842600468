package themes

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"charm.land/glamour/v2"
	"charm.land/glamour/v2/styles"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
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
	r, err := glamour.NewTermRenderer(glamour.WithStyles(nc.Markdown), glamour.WithWordWrap(60), glamour.WithChromaFormatter("terminal16m"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := r.Render("# Title\n\n## Part\n\n**bold** and *italic* and `code` and a [link](https://example.com)\n\n```go\nx := 1\n```\n\n> quoted\n")
	if err != nil {
		t.Fatal(err)
	}
	if c := colourSGR(out); c != "" {
		t.Errorf("no-colour markdown sets a colour (%s):\n%q", c, out)
	}
	for _, want := range []struct{ what, seq string }{
		{"bold", "\x1b[1m"}, {"italic", "\x1b[3m"}, {"reverse (inline code)", "\x1b[7m"},
	} {
		if !strings.Contains(out, want.seq) {
			t.Errorf("no-colour markdown shows no %s:\n%q", want.what, out)
		}
	}
	plain := ansi.Strip(out)
	if strings.Contains(plain, "**") || strings.Contains(plain, "*italic*") {
		t.Errorf("no-colour markdown shows raw emphasis markers:\n%s", plain)
	}
	for _, want := range []string{"# Title", "## Part", "x := 1", "quoted"} {
		if !strings.Contains(plain, want) {
			t.Errorf("no-colour markdown lost %q:\n%s", want, plain)
		}
	}
}

// colourSGR returns the first SGR parameter of s that sets a colour
// (foreground or background, 16, 256 or true colour), or "". Resets to the
// default colour (39, 49) set none.
func colourSGR(s string) string {
	for {
		i := strings.Index(s, "\x1b[")
		if i < 0 {
			return ""
		}
		s = s[i+2:]
		j := strings.IndexFunc(s, func(r rune) bool { return r >= 0x40 && r <= 0x7e })
		if j < 0 {
			return ""
		}
		if s[j] == 'm' {
			for _, p := range strings.FieldsFunc(s[:j], func(r rune) bool { return r == ';' || r == ':' }) {
				n, err := strconv.Atoi(p)
				if err != nil {
					continue
				}
				if (n >= 30 && n <= 38) || (n >= 40 && n <= 48) || (n >= 90 && n <= 97) || (n >= 100 && n <= 107) {
					return s[:j]
				}
			}
		}
		s = s[j+1:]
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
