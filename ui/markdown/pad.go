package markdown

import "strings"

// glamour pads every line to the wrap width with spaces, each wrapped in the
// document's colours: "\x1b[38;5;252m \x1b[m", 15 bytes for one invisible
// cell. On an 80-column pane that is most of the output's bytes, and every
// consumer (the string copy, lipgloss measuring widths, the terminal diff)
// pays for them. trimPadding drops that padding from the end of each line,
// only where it cannot be seen: a space whose style changes nothing on a
// blank cell (colour, bold, italic, faint; no background, reverse,
// underline or strike-through), written right after a style reset, so no
// attribute from before it applies. Both the incremental render and Full
// trim the same way, which also removes the one place where they differed
// (a line split between two pieces is padded per piece).

// trimPadding returns s with invisible padding trimmed from every line
// that ends with a newline. An unterminated last line is left alone: glamour
// pads only at newlines, and in a piece of a document that line continues
// in the next piece, so its trailing spaces may not be trailing at all.
func trimPadding(s string) string {
	var b strings.Builder
	b.Grow(len(s) / 2)
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(trimLine(s[:i]))
		b.WriteByte('\n')
		s = s[i+1:]
	}
}

func trimLine(l string) string {
	for {
		var body string
		switch {
		case strings.HasSuffix(l, " \x1b[m"):
			body = l[:len(l)-len(" \x1b[m")]
		case strings.HasSuffix(l, " \x1b[0m"):
			body = l[:len(l)-len(" \x1b[0m")]
		default:
			return trimSpaces(l)
		}
		// body ends with the sequence that styled the space.
		j := strings.LastIndex(body, "\x1b[")
		if j < 0 || !strings.HasSuffix(body, "m") || !invisibleOnSpace(body[j+2:len(body)-1]) {
			return l
		}
		before := body[:j]
		if pen := strings.TrimRight(before, " "); pen != "" && !endsWithReset(pen) {
			return l // an attribute set earlier may still show on the space
		}
		l = before
	}
}

// trimSpaces drops plain trailing spaces from a line that sets no style at
// all (the no-colour theme pads with those); glamour closes every style
// before a newline, so such a line starts with a clear pen.
func trimSpaces(l string) string {
	if strings.IndexByte(l, '\x1b') >= 0 {
		return l
	}
	return strings.TrimRight(l, " ")
}

func endsWithReset(s string) bool {
	return strings.HasSuffix(s, "\x1b[m") || strings.HasSuffix(s, "\x1b[0m")
}

// invisibleOnSpace reports whether an SGR parameter list only sets
// attributes that do not show on a blank cell.
func invisibleOnSpace(params string) bool {
	ps := strings.FieldsFunc(params, func(r rune) bool { return r == ';' || r == ':' })
	for i := 0; i < len(ps); i++ {
		switch p := ps[i]; p {
		case "0", "1", "2", "3", "22", "23", "39":
		case "30", "31", "32", "33", "34", "35", "36", "37",
			"90", "91", "92", "93", "94", "95", "96", "97":
		case "38": // 38;5;n or 38;2;r;g;b
			if i+1 >= len(ps) {
				return false
			}
			switch ps[i+1] {
			case "5":
				i += 2
			case "2":
				i += 4
			default:
				return false
			}
		default:
			return false
		}
	}
	return true
}
