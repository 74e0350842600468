package themes

import (
	"charm.land/glamour/v2/ansi"
	"charm.land/glamour/v2/styles"
	"charm.land/lipgloss/v2"
)

// Which of glamour's standard styles a theme starts from.
type glamourKind int

const (
	darkStyle glamourKind = iota
	lightStyle
	draculaStyle
	tokyoNightStyle
)

// glamourBase returns a private deep copy of one of glamour's standard
// styles (charm.land/glamour/v2/styles), ready to be adjusted.
func glamourBase(k glamourKind) ansi.StyleConfig {
	switch k {
	case lightStyle:
		return deepCopy(styles.LightStyleConfig)
	case draculaStyle:
		return deepCopy(styles.DraculaStyleConfig)
	case tokyoNightStyle:
		return deepCopy(styles.TokyoNightStyleConfig)
	default:
		return deepCopy(styles.DarkStyleConfig)
	}
}

// Prebuilt themes. Built once at init so that the chroma styles they
// register exist before any goroutine highlights code (see chroma.go).
var (
	builtDark         = build(darkPalette())
	builtLight        = build(lightPalette())
	builtDracula      = build(draculaPalette())
	builtCatppuccin   = build(catppuccinPalette())
	builtTokyoNight   = build(tokyoNightPalette())
	builtHighContrast = build(highContrastDarkPalette())
	builtHighLight    = build(highContrastLightPalette())
)

func darkTheme() Theme       { return builtDark }
func lightTheme() Theme      { return builtLight }
func draculaTheme() Theme    { return builtDracula }
func catppuccinTheme() Theme { return builtCatppuccin }
func tokyoNightTheme() Theme { return builtTokyoNight }
func highContrastTheme(dark bool) Theme {
	if dark {
		return builtHighContrast
	}
	return builtHighLight
}

// palette describes a theme in hex or ANSI-256 strings.
type palette struct {
	name   string // registry name of the chroma style; unique per variant
	theme  string // Theme.Name
	dark   bool
	base   glamourKind
	ui     uiColours
	recolo *mdColours // nil: keep the glamour base style's colours
}

type uiColours struct {
	text, muted, subtle, accent                  string
	borderFocused, borderUnfocused               string
	waiting, streaming, done, cancelled, failure string
	best                                         string
}

// mdColours recolours a glamour base style to a palette.
type mdColours struct {
	text, heading, h1Fg, h1Bg, h6 string
	link, linkText, image         string
	codeFg, codeBg, codeBlock     string
	quote, hr, muted              string
	chroma                        chromaColours
}

type chromaColours struct {
	text, comment, keyword, keywordType, operator, punctuation string
	name, builtin, tag, attribute, class, constant, decorator  string
	function, number, str, escape, deleted, inserted, sub      string
	errFg, errBg, background                                   string
}

func build(p palette) Theme {
	cfg := glamourBase(p.base)
	if p.recolo != nil {
		recolour(&cfg, *p.recolo)
	}
	registerChroma(&cfg, p.name)
	c := lipgloss.Color
	return Theme{
		Name:            p.theme,
		Dark:            p.dark,
		Text:            c(p.ui.text),
		Muted:           c(p.ui.muted),
		Subtle:          c(p.ui.subtle),
		Accent:          c(p.ui.accent),
		BorderFocused:   c(p.ui.borderFocused),
		BorderUnfocused: c(p.ui.borderUnfocused),
		Waiting:         c(p.ui.waiting),
		Streaming:       c(p.ui.streaming),
		Done:            c(p.ui.done),
		Cancelled:       c(p.ui.cancelled),
		Error:           c(p.ui.failure),
		Best:            c(p.ui.best),
		Markdown:        cfg,
	}
}

// recolour adjusts a deep-copied base style to m. Only colours change; the
// layout (prefixes, margins, indents) stays glamour's.
func recolour(cfg *ansi.StyleConfig, m mdColours) {
	cfg.Document.Color = strp(m.text)
	cfg.Heading.Color = strp(m.heading)
	cfg.H1.Color = strp(m.h1Fg)
	cfg.H1.BackgroundColor = strp(m.h1Bg)
	cfg.H6.Color = strp(m.h6)
	cfg.Link.Color = strp(m.link)
	cfg.LinkText.Color = strp(m.linkText)
	cfg.Image.Color = strp(m.image)
	cfg.ImageText.Color = strp(m.muted)
	cfg.Code.Color = strp(m.codeFg)
	cfg.Code.BackgroundColor = strp(m.codeBg)
	cfg.CodeBlock.Color = strp(m.codeBlock)
	cfg.BlockQuote.Color = strp(m.quote)
	cfg.HorizontalRule.Color = strp(m.hr)
	k := m.chroma
	e := func(fg string) ansi.StylePrimitive { return ansi.StylePrimitive{Color: strp(fg)} }
	cfg.CodeBlock.Chroma = &ansi.Chroma{
		Text:                e(k.text),
		Error:               ansi.StylePrimitive{Color: strp(k.errFg), BackgroundColor: strp(k.errBg)},
		Comment:             ansi.StylePrimitive{Color: strp(k.comment), Italic: boolp(true)},
		CommentPreproc:      e(k.keyword),
		Keyword:             e(k.keyword),
		KeywordReserved:     e(k.keyword),
		KeywordNamespace:    e(k.keyword),
		KeywordType:         e(k.keywordType),
		Operator:            e(k.operator),
		Punctuation:         e(k.punctuation),
		Name:                e(k.name),
		NameBuiltin:         e(k.builtin),
		NameTag:             e(k.tag),
		NameAttribute:       e(k.attribute),
		NameClass:           ansi.StylePrimitive{Color: strp(k.class), Bold: boolp(true)},
		NameConstant:        e(k.constant),
		NameDecorator:       e(k.decorator),
		NameFunction:        e(k.function),
		LiteralNumber:       e(k.number),
		LiteralString:       e(k.str),
		LiteralStringEscape: e(k.escape),
		GenericDeleted:      e(k.deleted),
		GenericEmph:         ansi.StylePrimitive{Italic: boolp(true)},
		GenericInserted:     e(k.inserted),
		GenericStrong:       ansi.StylePrimitive{Bold: boolp(true)},
		GenericSubheading:   e(k.sub),
		Background:          ansi.StylePrimitive{BackgroundColor: strp(k.background)},
	}
}

func darkPalette() palette {
	return palette{
		name: Dark, theme: Dark, dark: true, base: darkStyle,
		ui: uiColours{
			text: "252", muted: "245", subtle: "240", accent: "63",
			borderFocused: "63", borderUnfocused: "238",
			waiting: "245", streaming: "39", done: "42", cancelled: "214", failure: "203",
			best: "220",
		},
	}
}

func lightPalette() palette {
	return palette{
		name: Light, theme: Light, dark: false, base: lightStyle,
		ui: uiColours{
			text: "234", muted: "242", subtle: "248", accent: "63",
			borderFocused: "63", borderUnfocused: "250",
			waiting: "244", streaming: "27", done: "28", cancelled: "166", failure: "160",
			best: "136",
		},
	}
}

// Dracula: https://draculatheme.com/contribute (palette); glamour ships a
// matching markdown style.
func draculaPalette() palette {
	return palette{
		name: Dracula, theme: Dracula, dark: true, base: draculaStyle,
		ui: uiColours{
			text: "#f8f8f2", muted: "#6272a4", subtle: "#44475a", accent: "#bd93f9",
			borderFocused: "#ff79c6", borderUnfocused: "#44475a",
			waiting: "#6272a4", streaming: "#8be9fd", done: "#50fa7b", cancelled: "#ffb86c", failure: "#ff5555",
			best: "#f1fa8c",
		},
	}
}

// Tokyo Night (night variant); glamour ships a matching markdown style.
func tokyoNightPalette() palette {
	return palette{
		name: TokyoNight, theme: TokyoNight, dark: true, base: tokyoNightStyle,
		ui: uiColours{
			text: "#c0caf5", muted: "#565f89", subtle: "#414868", accent: "#7aa2f7",
			borderFocused: "#7aa2f7", borderUnfocused: "#414868",
			waiting: "#565f89", streaming: "#7dcfff", done: "#9ece6a", cancelled: "#ff9e64", failure: "#f7768e",
			best: "#e0af68",
		},
	}
}

// Catppuccin Mocha: https://catppuccin.com/palette. Glamour has no
// Catppuccin style, so its dark style is recoloured.
func catppuccinPalette() palette {
	const (
		rosewater = "#f5e0dc"
		pink      = "#f5c2e7"
		mauve     = "#cba6f7"
		red       = "#f38ba8"
		maroon    = "#eba0ac"
		peach     = "#fab387"
		yellow    = "#f9e2af"
		green     = "#a6e3a1"
		teal      = "#94e2d5"
		sky       = "#89dceb"
		sapphire  = "#74c7ec"
		blue      = "#89b4fa"
		lavender  = "#b4befe"
		text      = "#cdd6f4"
		subtext0  = "#a6adc8"
		overlay2  = "#9399b2"
		overlay0  = "#6c7086"
		surface2  = "#585b70"
		surface1  = "#45475a"
		surface0  = "#313244"
		base      = "#1e1e2e"
		crust     = "#11111b"
	)
	return palette{
		name: Catppuccin, theme: Catppuccin, dark: true, base: darkStyle,
		ui: uiColours{
			text: text, muted: subtext0, subtle: overlay0, accent: mauve,
			borderFocused: mauve, borderUnfocused: surface1,
			waiting: overlay2, streaming: sapphire, done: green, cancelled: peach, failure: red,
			best: yellow,
		},
		recolo: &mdColours{
			text: text, heading: blue, h1Fg: crust, h1Bg: mauve, h6: teal,
			link: sapphire, linkText: lavender, image: pink,
			codeFg: peach, codeBg: surface0, codeBlock: subtext0,
			quote: subtext0, hr: surface2, muted: overlay2,
			chroma: chromaColours{
				text: text, comment: overlay0, keyword: mauve, keywordType: yellow,
				operator: sky, punctuation: overlay2, name: text, builtin: red,
				tag: mauve, attribute: yellow, class: yellow, constant: peach,
				decorator: pink, function: blue, number: peach, str: green,
				escape: pink, deleted: red, inserted: green, sub: rosewater,
				errFg: base, errBg: maroon, background: base,
			},
		},
	}
}

// High contrast: pure foreground on the terminal's own background, bright
// saturated accents, no mid-greys for body text. One variant per background.
func highContrastDarkPalette() palette {
	return palette{
		name: HighContrast + "-dark", theme: HighContrast, dark: true, base: darkStyle,
		ui: uiColours{
			text: "#ffffff", muted: "#e4e4e4", subtle: "#bcbcbc", accent: "#00ffff",
			borderFocused: "#ffff00", borderUnfocused: "#a8a8a8",
			waiting: "#e4e4e4", streaming: "#00ffff", done: "#00ff00", cancelled: "#ffaf00", failure: "#ff5f5f",
			best: "#ffff00",
		},
		recolo: &mdColours{
			text: "#ffffff", heading: "#ffff00", h1Fg: "#000000", h1Bg: "#ffff00", h6: "#00ffff",
			link: "#00ffff", linkText: "#ffffff", image: "#ff87ff",
			codeFg: "#ffffff", codeBg: "#303030", codeBlock: "#ffffff",
			quote: "#e4e4e4", hr: "#bcbcbc", muted: "#e4e4e4",
			chroma: chromaColours{
				text: "#ffffff", comment: "#bcbcbc", keyword: "#5fd7ff", keywordType: "#ffff5f",
				operator: "#ffffff", punctuation: "#ffffff", name: "#ffffff", builtin: "#ff87ff",
				tag: "#5fd7ff", attribute: "#ffff5f", class: "#ffff5f", constant: "#ffaf5f",
				decorator: "#ff87ff", function: "#87ff87", number: "#ffaf5f", str: "#87ff87",
				escape: "#ff87ff", deleted: "#ff5f5f", inserted: "#87ff87", sub: "#ffffff",
				errFg: "#ffffff", errBg: "#d70000", background: "#000000",
			},
		},
	}
}

func highContrastLightPalette() palette {
	return palette{
		name: HighContrast + "-light", theme: HighContrast, dark: false, base: lightStyle,
		ui: uiColours{
			text: "#000000", muted: "#262626", subtle: "#4e4e4e", accent: "#0000d7",
			borderFocused: "#000000", borderUnfocused: "#6c6c6c",
			waiting: "#262626", streaming: "#0000d7", done: "#005f00", cancelled: "#875f00", failure: "#af0000",
			best: "#870087",
		},
		recolo: &mdColours{
			text: "#000000", heading: "#00005f", h1Fg: "#ffffff", h1Bg: "#00005f", h6: "#005f5f",
			link: "#0000d7", linkText: "#000000", image: "#870087",
			codeFg: "#000000", codeBg: "#dadada", codeBlock: "#000000",
			quote: "#262626", hr: "#4e4e4e", muted: "#262626",
			chroma: chromaColours{
				text: "#000000", comment: "#4e4e4e", keyword: "#00005f", keywordType: "#5f0087",
				operator: "#000000", punctuation: "#000000", name: "#000000", builtin: "#870087",
				tag: "#00005f", attribute: "#5f0087", class: "#5f0087", constant: "#875f00",
				decorator: "#870087", function: "#005f00", number: "#875f00", str: "#005f00",
				escape: "#870087", deleted: "#af0000", inserted: "#005f00", sub: "#000000",
				errFg: "#ffffff", errBg: "#af0000", background: "#ffffff",
			},
		},
	}
}
