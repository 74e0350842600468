// Package themes holds fanout's named colour themes: the lipgloss colours the
// cockpit draws its chrome with, and the matching glamour style its markdown
// panes are rendered with.
//
// It is a leaf package: it imports lipgloss, glamour's style types and chroma,
// nothing of ours and no Bubble Tea.
package themes

import (
	"encoding/json"
	"fmt"
	"image/color"
	"strings"

	"charm.land/glamour/v2/ansi"
	"charm.land/lipgloss/v2"
)

// Theme is everything the UI needs to colour itself.
//
// Colours are lipgloss v2 colours (image/color values); in the no-colour
// theme every one of them is lipgloss.NoColor{}, so styles built from a
// Theme need no special casing.
type Theme struct {
	// Name is the theme's name as accepted by Get ("dark", "dracula", …). The
	// markdown renderer caches by it, so two different themes never share a
	// name.
	Name string
	// Dark reports whether the theme is meant for a dark background.
	Dark bool
	// Plain is set on the no-colour theme (NO_COLOR).
	Plain bool

	Text   color.Color // body text
	Muted  color.Color // secondary text: labels, stats
	Subtle color.Color // tertiary text: hints, separators
	Accent color.Color // titles, the selected item

	BorderFocused   color.Color
	BorderUnfocused color.Color

	// Pane status colours.
	Waiting   color.Color // request sent, no token yet
	Streaming color.Color
	Done      color.Color
	Cancelled color.Color
	Error     color.Color

	// Best marks the best value of a category (fastest TTFT, cheapest, …).
	Best color.Color

	// Markdown is the glamour style for answers. Its code blocks use a chroma
	// style registered by this package under the theme's own name (see
	// chroma.go), never glamour's shared "charm" style. Treat it as
	// read-only: its pointers are shared by every copy of the theme.
	Markdown ansi.StyleConfig
}

// Auto is the theme name that picks Dark or Light from the terminal
// background. The empty name means the same.
const Auto = "auto"

// Names of the themes Get accepts, in the order a picker should show them.
const (
	Dark         = "dark"
	Light        = "light"
	Dracula      = "dracula"
	Catppuccin   = "catppuccin"
	TokyoNight   = "tokyo-night"
	HighContrast = "high-contrast"
	NoColorName  = "no-color"
)

var names = []string{Dark, Light, Dracula, Catppuccin, TokyoNight, HighContrast, NoColorName}

// Names returns the names Get accepts (besides "" and "auto").
func Names() []string {
	return append([]string(nil), names...)
}

// Get returns the named theme. Name "" or "auto" picks "dark" or "light" from
// darkBackground; so does high-contrast, which has a variant for each. The
// other named themes are dark-background themes whatever the terminal.
// Matching ignores case and surrounding space. An unknown name is an error
// that lists the known ones.
func Get(name string, darkBackground bool) (Theme, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch n {
	case "", Auto:
		if darkBackground {
			return darkTheme(), nil
		}
		return lightTheme(), nil
	case Dark:
		return darkTheme(), nil
	case Light:
		return lightTheme(), nil
	case Dracula:
		return draculaTheme(), nil
	case Catppuccin, "catppuccin-mocha":
		return catppuccinTheme(), nil
	case TokyoNight, "tokyonight", "tokyo_night":
		return tokyoNightTheme(), nil
	case HighContrast:
		return highContrastTheme(darkBackground), nil
	case NoColorName, "none", "plain":
		return NoColor(), nil
	}
	return Theme{}, fmt.Errorf("unknown theme %q (known: auto, %s)", name, strings.Join(names, ", "))
}

// NoColor returns the plain theme used when NO_COLOR is set: every colour is
// lipgloss.NoColor{} and markdown uses glamour's dark style stripped of its
// colours (see plainMarkdown), so emphasis still shows as bold and italic
// rather than as raw "**" markers.
func NoColor() Theme { return builtNoColor }

var builtNoColor = buildNoColor()

func buildNoColor() Theme {
	nc := lipgloss.NoColor{}
	return Theme{
		Name:            NoColorName,
		Dark:            true,
		Plain:           true,
		Text:            nc,
		Muted:           nc,
		Subtle:          nc,
		Accent:          nc,
		BorderFocused:   nc,
		BorderUnfocused: nc,
		Waiting:         nc,
		Streaming:       nc,
		Done:            nc,
		Cancelled:       nc,
		Error:           nc,
		Best:            nc,
		Markdown:        plainMarkdown(),
	}
}

// plainMarkdown is glamour's dark style with every colour taken out and
// the attributes kept: bold headings and strong text, italic emphasis,
// underlined links. glamour's own colourless style ("notty", the ASCII
// style) shows emphasis as the raw "*" and "**" markers, which is what a
// NO_COLOR user should not have to read. Code blocks lose their chroma
// style, so glamour writes them as plain text; inline code and the first
// heading, which the dark style marks with a background colour only, are
// shown in reverse video and with a "# " prefix instead.
func plainMarkdown() ansi.StyleConfig {
	cfg := stripColours(glamourBase(darkStyle))
	cfg.CodeBlock.Chroma = nil
	cfg.CodeBlock.Theme = ""
	cfg.H1.Prefix, cfg.H1.Suffix = "# ", ""
	cfg.Code.Inverse = boolp(true)
	return cfg
}

// stripColours removes every colour (foreground and background) from a
// glamour style, at any depth, through its JSON form: the style is a deep
// tree of structs and a new field in a later glamour is stripped too.
func stripColours(s ansi.StyleConfig) ansi.StyleConfig {
	b, err := json.Marshal(s)
	if err != nil {
		panic("themes: marshal glamour style: " + err.Error())
	}
	var tree map[string]any
	if err := json.Unmarshal(b, &tree); err != nil {
		panic("themes: unmarshal glamour style: " + err.Error())
	}
	var strip func(v any)
	strip = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			delete(v, "color")
			delete(v, "background_color")
			for _, c := range v {
				strip(c)
			}
		case []any:
			for _, c := range v {
				strip(c)
			}
		}
	}
	strip(tree)
	if b, err = json.Marshal(tree); err != nil {
		panic("themes: marshal glamour style: " + err.Error())
	}
	var out ansi.StyleConfig
	if err := json.Unmarshal(b, &out); err != nil {
		panic("themes: unmarshal glamour style: " + err.Error())
	}
	return out
}

// deepCopy copies a glamour style through JSON. StyleConfig is a tree of
// pointers (*string, *bool, *uint, *Chroma) shared with glamour's package
// variables; editing a shallow copy would recolour glamour's own styles for
// every other user in the process.
func deepCopy(s ansi.StyleConfig) ansi.StyleConfig {
	b, err := json.Marshal(s)
	if err != nil {
		panic("themes: marshal glamour style: " + err.Error())
	}
	var out ansi.StyleConfig
	if err := json.Unmarshal(b, &out); err != nil {
		panic("themes: unmarshal glamour style: " + err.Error())
	}
	return out
}

func strp(s string) *string { return &s }
func boolp(b bool) *bool    { return &b }
