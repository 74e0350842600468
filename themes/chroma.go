package themes

import (
	"strings"

	"charm.land/glamour/v2/ansi"
	"github.com/alecthomas/chroma/v2"
	"github.com/alecthomas/chroma/v2/styles"
)

// Why this file exists: when a glamour style carries chroma settings
// (CodeBlock.Chroma), glamour registers them in chroma's global style
// registry under the single name "charm", once per process. The first theme
// to highlight a code block would therefore colour every later theme's code,
// and that first registration writes chroma's registry map while other
// goroutines may be reading it. Instead, each theme's chroma settings are
// registered here, at package init (before any goroutine renders), under a
// name of the theme's own, and the style refers to it by name with Chroma
// left nil.

// chromaStyleName is the chroma registry name of a theme's code style.
func chromaStyleName(theme string) string { return "fanout-" + theme }

// registerChroma moves cfg's chroma settings into a registered chroma style
// named after the theme and points the code block at it.
func registerChroma(cfg *ansi.StyleConfig, theme string) {
	c := cfg.CodeBlock.Chroma
	if c == nil {
		return
	}
	name := chromaStyleName(theme)
	entries := chroma.StyleEntries{}
	for tt, p := range map[chroma.TokenType]ansi.StylePrimitive{
		chroma.Text:                c.Text,
		chroma.Error:               c.Error,
		chroma.Comment:             c.Comment,
		chroma.CommentPreproc:      c.CommentPreproc,
		chroma.Keyword:             c.Keyword,
		chroma.KeywordReserved:     c.KeywordReserved,
		chroma.KeywordNamespace:    c.KeywordNamespace,
		chroma.KeywordType:         c.KeywordType,
		chroma.Operator:            c.Operator,
		chroma.Punctuation:         c.Punctuation,
		chroma.Name:                c.Name,
		chroma.NameBuiltin:         c.NameBuiltin,
		chroma.NameTag:             c.NameTag,
		chroma.NameAttribute:       c.NameAttribute,
		chroma.NameClass:           c.NameClass,
		chroma.NameConstant:        c.NameConstant,
		chroma.NameDecorator:       c.NameDecorator,
		chroma.NameException:       c.NameException,
		chroma.NameFunction:        c.NameFunction,
		chroma.NameOther:           c.NameOther,
		chroma.Literal:             c.Literal,
		chroma.LiteralNumber:       c.LiteralNumber,
		chroma.LiteralDate:         c.LiteralDate,
		chroma.LiteralString:       c.LiteralString,
		chroma.LiteralStringEscape: c.LiteralStringEscape,
		chroma.GenericDeleted:      c.GenericDeleted,
		chroma.GenericEmph:         c.GenericEmph,
		chroma.GenericInserted:     c.GenericInserted,
		chroma.GenericStrong:       c.GenericStrong,
		chroma.GenericSubheading:   c.GenericSubheading,
		chroma.Background:          c.Background,
	} {
		if e := chromaEntry(p); e != "" {
			entries[tt] = e
		}
	}
	styles.Register(chroma.MustNewStyle(name, entries))
	cfg.CodeBlock.Chroma = nil
	cfg.CodeBlock.Theme = name
}

// chromaEntry turns a glamour primitive into chroma's style-entry syntax
// ("#ff0000 bg:#000000 bold").
func chromaEntry(p ansi.StylePrimitive) string {
	var parts []string
	if p.Color != nil {
		parts = append(parts, *p.Color)
	}
	if p.BackgroundColor != nil {
		parts = append(parts, "bg:"+*p.BackgroundColor)
	}
	if p.Italic != nil && *p.Italic {
		parts = append(parts, "italic")
	}
	if p.Bold != nil && *p.Bold {
		parts = append(parts, "bold")
	}
	if p.Underline != nil && *p.Underline {
		parts = append(parts, "underline")
	}
	return strings.Join(parts, " ")
}
