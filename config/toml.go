package config

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file parses the subset of TOML that fanout's config uses: comments,
// [tables] with bare or quoted (dotted) names, key = value with dotted keys,
// basic and literal strings, integers, floats, booleans, and arrays of those
// (across lines too). Every value keeps the line it was written on, so that a
// mistake in the config is reported with its line. Constructs outside the
// subset (inline tables, arrays of tables, multi-line strings, dates) are
// refused with a message that says so rather than misread.

// entry is one key = value, with its full dotted path and its line.
type entry struct {
	path []string
	val  value
	line int
}

// value is a parsed TOML value: string, int64, float64, bool or []value.
type value struct {
	v    any
	line int
}

// syntaxError is a parse error at a line.
type syntaxError struct {
	line int
	msg  string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

type parser struct {
	src  string
	pos  int
	line int
}

// parseTOML returns the entries of a document in order. Keys defined twice,
// and tables declared twice, are errors.
func parseTOML(src string) ([]entry, error) {
	if !utf8.ValidString(src) {
		return nil, &syntaxError{line: 1, msg: "the file is not valid UTF-8"}
	}
	p := &parser{src: strings.TrimPrefix(src, "\ufeff"), line: 1}
	var entries []entry
	seen := map[string]int{}
	tables := map[string]int{}
	var table []string
	for {
		p.skipBlank()
		if p.eof() {
			return entries, nil
		}
		switch p.peek() {
		case '[':
			if strings.HasPrefix(p.src[p.pos:], "[[") {
				return nil, p.errf("arrays of tables ([[…]]) are not supported here")
			}
			p.pos++
			p.skipSpace()
			path, err := p.keyPath()
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.eof() || p.peek() != ']' {
				return nil, p.errf("expected ] to close the table name")
			}
			p.pos++
			name := joinPath(path)
			if l, dup := tables[name]; dup {
				return nil, p.errf("table [%s] is already defined on line %d", name, l)
			}
			tables[name] = p.line
			table = path
		default:
			path, err := p.keyPath()
			if err != nil {
				return nil, err
			}
			p.skipSpace()
			if p.eof() || p.peek() != '=' {
				return nil, p.errf("expected = after key %q", joinPath(path))
			}
			p.pos++
			p.skipSpace()
			line := p.line
			v, err := p.value()
			if err != nil {
				return nil, err
			}
			full := append(append([]string{}, table...), path...)
			name := joinPath(full)
			if l, dup := seen[name]; dup {
				return nil, &syntaxError{line: line, msg: fmt.Sprintf("%s is already set on line %d", name, l)}
			}
			seen[name] = line
			entries = append(entries, entry{path: full, val: v, line: line})
		}
		if err := p.endOfLine(); err != nil {
			return nil, err
		}
	}
}

func joinPath(path []string) string {
	parts := make([]string, len(path))
	for i, k := range path {
		if isBareKey(k) {
			parts[i] = k
		} else {
			parts[i] = strconv.Quote(k)
		}
	}
	return strings.Join(parts, ".")
}

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if !isBareRune(r) {
			return false
		}
	}
	return true
}

func isBareRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-'
}

func (p *parser) eof() bool  { return p.pos >= len(p.src) }
func (p *parser) peek() byte { return p.src[p.pos] }

func (p *parser) errf(format string, args ...any) error {
	return &syntaxError{line: p.line, msg: fmt.Sprintf(format, args...)}
}

// skipSpace skips spaces and tabs on the current line.
func (p *parser) skipSpace() {
	for !p.eof() && (p.peek() == ' ' || p.peek() == '\t') {
		p.pos++
	}
}

// skipBlank skips whitespace, newlines and comments.
func (p *parser) skipBlank() {
	for !p.eof() {
		switch p.peek() {
		case ' ', '\t', '\r':
			p.pos++
		case '\n':
			p.pos++
			p.line++
		case '#':
			for !p.eof() && p.peek() != '\n' {
				p.pos++
			}
		default:
			return
		}
	}
}

// endOfLine accepts trailing spaces and a comment, then a newline or EOF.
func (p *parser) endOfLine() error {
	p.skipSpace()
	if !p.eof() && p.peek() == '#' {
		for !p.eof() && p.peek() != '\n' {
			p.pos++
		}
	}
	if !p.eof() && p.peek() == '\r' {
		p.pos++
	}
	if p.eof() {
		return nil
	}
	if p.peek() != '\n' {
		return p.errf("unexpected %q after the value; one key = value per line", p.rest(12))
	}
	return nil
}

// rest is up to n runes of what is left on the line, for messages.
func (p *parser) rest(n int) string {
	s := p.src[p.pos:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

// keyPath reads a dotted key: a.b."c.d".'e'.
func (p *parser) keyPath() ([]string, error) {
	var path []string
	for {
		p.skipSpace()
		if p.eof() {
			return nil, p.errf("expected a key")
		}
		var key string
		switch c := p.peek(); {
		case c == '"':
			s, err := p.basicString()
			if err != nil {
				return nil, err
			}
			key = s
		case c == '\'':
			s, err := p.literalString()
			if err != nil {
				return nil, err
			}
			key = s
		default:
			start := p.pos
			for !p.eof() && isBareRune(rune(p.peek())) {
				p.pos++
			}
			if start == p.pos {
				return nil, p.errf("expected a key, found %q", p.rest(12))
			}
			key = p.src[start:p.pos]
		}
		path = append(path, key)
		p.skipSpace()
		if p.eof() || p.peek() != '.' {
			return path, nil
		}
		p.pos++
	}
}

func (p *parser) value() (value, error) {
	if p.eof() {
		return value{}, p.errf("expected a value")
	}
	line := p.line
	switch c := p.peek(); {
	case strings.HasPrefix(p.src[p.pos:], `"""`) || strings.HasPrefix(p.src[p.pos:], `'''`):
		return value{}, p.errf("multi-line strings are not supported here; use \\n in a \"…\" string")
	case c == '"':
		s, err := p.basicString()
		return value{v: s, line: line}, err
	case c == '\'':
		s, err := p.literalString()
		return value{v: s, line: line}, err
	case c == '[':
		return p.array()
	case c == '{':
		return value{}, p.errf("inline tables ({…}) are not supported here; use a [table]")
	default:
		start := p.pos
		for !p.eof() && !strings.ContainsRune(" \t\r\n#,]", rune(p.peek())) {
			p.pos++
		}
		tok := p.src[start:p.pos]
		switch tok {
		case "true":
			return value{v: true, line: line}, nil
		case "false":
			return value{v: false, line: line}, nil
		case "":
			return value{}, p.errf("expected a value")
		}
		clean := strings.ReplaceAll(tok, "_", "")
		if i, err := strconv.ParseInt(clean, 10, 64); err == nil {
			return value{v: i, line: line}, nil
		}
		if f, err := strconv.ParseFloat(clean, 64); err == nil && !strings.ContainsAny(clean, "xXpP") && !strings.EqualFold(strings.TrimLeft(clean, "+-"), "infinity") {
			return value{v: f, line: line}, nil
		}
		// A short word is echoed to show the fix ("dracula" → "\"dracula\""); a
		// long one may be a key pasted without quotes, which must not reach
		// a terminal or a CI log.
		if len(tok) > 16 {
			return value{}, &syntaxError{line: line, msg: "cannot read this value: strings need quotes (the value is not repeated here, in case it is a key)"}
		}
		return value{}, &syntaxError{line: line, msg: fmt.Sprintf("cannot read value %q: strings need quotes, e.g. \"%s\"", tok, tok)}
	}
}

func (p *parser) array() (value, error) {
	line := p.line
	p.pos++ // [
	var items []value
	for {
		p.skipBlank()
		if p.eof() {
			return value{}, &syntaxError{line: line, msg: "array is not closed with ]"}
		}
		if p.peek() == ']' {
			p.pos++
			return value{v: items, line: line}, nil
		}
		v, err := p.value()
		if err != nil {
			return value{}, err
		}
		items = append(items, v)
		p.skipBlank()
		if p.eof() {
			return value{}, &syntaxError{line: line, msg: "array is not closed with ]"}
		}
		switch p.peek() {
		case ',':
			p.pos++
		case ']':
		default:
			return value{}, p.errf("expected , or ] in the array opened on line %d, found %q", line, p.rest(12))
		}
	}
}

func (p *parser) basicString() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for {
		if p.eof() || p.peek() == '\n' {
			return "", p.errf("string is not closed with \"")
		}
		c := p.peek()
		switch c {
		case '"':
			p.pos++
			return b.String(), nil
		case '\\':
			p.pos++
			if p.eof() {
				return "", p.errf("string ends in the middle of an escape")
			}
			e := p.peek()
			p.pos++
			switch e {
			case '"', '\\':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'e':
				b.WriteByte(0x1b)
			case 'u', 'U':
				n := 4
				if e == 'U' {
					n = 8
				}
				if p.pos+n > len(p.src) {
					return "", p.errf("short \\%c escape", e)
				}
				code, err := strconv.ParseUint(p.src[p.pos:p.pos+n], 16, 32)
				if err != nil || !utf8.ValidRune(rune(code)) {
					return "", p.errf("bad \\%c escape %q", e, p.src[p.pos:p.pos+n])
				}
				b.WriteRune(rune(code))
				p.pos += n
			default:
				return "", p.errf("unknown escape \\%c in a string; write \\\\ for a backslash", e)
			}
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

func (p *parser) literalString() (string, error) {
	p.pos++
	start := p.pos
	for {
		if p.eof() || p.peek() == '\n' {
			return "", p.errf("string is not closed with '")
		}
		if p.peek() == '\'' {
			s := p.src[start:p.pos]
			p.pos++
			return s, nil
		}
		p.pos++
	}
}
