package config

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// This file turns a TOML document into a flat list of key = value entries,
// each with the line of its key, on go-toml's parser. go-toml's own decoder
// validates the document as a whole; its position-keeping parser (unstable)
// gives the line of every key and value, so that every mistake in the
// config, down to a wrong type in an inline table, names its line.

// entry is one key = value, with its full dotted path (table and inline
// tables included) and the line of its key.
type entry struct {
	path []string
	val  value
	line int
}

// value is a TOML value: string, int64, float64, bool, []value, dateTime or
// inlineTable (the last two only ever as a wrong type).
type value struct {
	v    any
	line int
}

// dateTime is a TOML date or time, as written; the config takes none.
type dateTime string

// inlineTable is an inline table inside an array; the config takes none.
type inlineTable struct{}

// header is a [table] as written.
type header struct {
	path []string
	line int
}

// document is a parsed TOML file.
type document struct {
	entries []entry
	tables  []header
}

// lineError is a mistake at a line: in the TOML itself, or in what it says.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

// reader walks one document.
type reader struct {
	p     unstable.Parser
	data  []byte
	lines []int // offsets of the newlines, for lineAt
	doc   document
	// set maps each key path written to the line it was first written on,
	// and tables each [table] to its line: TOML allows neither twice.
	set    map[string]int
	tables map[string]int
}

// readTOML parses src. Keys and tables defined twice are errors.
func readTOML(src []byte) (*document, error) {
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	r := &reader{data: src, set: map[string]int{}, tables: map[string]int{}}
	for i, c := range src {
		if c == '\n' {
			r.lines = append(r.lines, i)
		}
	}
	r.p.Reset(src)
	var current []string
	prevEnd := 0
	for r.p.NextExpression() {
		e := r.p.Expression()
		switch e.Kind {
		case unstable.Table:
			path, line, end := r.key(e.Key())
			prevEnd = end
			name := joinPath(path)
			if l, dup := r.set[name]; dup {
				return nil, &lineError{line: line, msg: fmt.Sprintf("%s is already set on line %d; a table is written once", name, l)}
			}
			if l, dup := r.tables[name]; dup {
				return nil, &lineError{line: line, msg: fmt.Sprintf("table [%s] is already defined on line %d", name, l)}
			}
			r.tables[name] = line
			r.doc.tables = append(r.doc.tables, header{path: path, line: line})
			current = path
		case unstable.ArrayTable:
			_, line, _ := r.key(e.Key())
			return nil, &lineError{line: line, msg: "arrays of tables ([[…]]) have no use in fanout's config; write [models.NAME] or [prices.NAME]"}
		case unstable.KeyValue:
			path, line, _ := r.key(e.Key())
			full := append(append([]string{}, current...), path...)
			if err := r.keyValue(full, e.Value(), line); err != nil {
				return nil, err
			}
			prevEnd = int(e.Raw.Offset + e.Raw.Length)
		}
	}
	if err := r.p.Error(); err != nil {
		return nil, r.syntax(err, prevEnd)
	}
	// go-toml's decoder knows every rule of TOML (a key both a value and a
	// table, an inline table extended later, …); the walk above checks the
	// ones it words better.
	var whole map[string]any
	if err := toml.Unmarshal(src, &whole); err != nil {
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ := de.Position()
			msg := strings.TrimPrefix(de.Error(), "toml: ")
			if strings.Contains(msg, "out of range") {
				msg = "this number is too large"
			}
			return nil, &lineError{line: line, msg: msg}
		}
		return nil, &lineError{line: 1, msg: strings.TrimPrefix(err.Error(), "toml: ")}
	}
	return &r.doc, nil
}

// key reads a dotted key: its parts, the line it starts on and the offset
// where it ends.
func (r *reader) key(it unstable.Iterator) (path []string, line, end int) {
	for it.Next() {
		n := it.Node()
		if line == 0 {
			line = r.lineAt(int(n.Raw.Offset))
		}
		path = append(path, string(n.Data))
		end = int(n.Raw.Offset + n.Raw.Length)
	}
	return path, line, end
}

// keyValue records path = n; an inline table becomes one entry per key.
func (r *reader) keyValue(path []string, n *unstable.Node, line int) error {
	name := joinPath(path)
	if l, dup := r.set[name]; dup {
		return &lineError{line: line, msg: fmt.Sprintf("%s is already set on line %d", name, l)}
	}
	r.set[name] = line
	if n.Kind == unstable.InlineTable {
		for it := n.Children(); it.Next(); {
			kv := it.Node()
			if kv.Kind != unstable.KeyValue {
				continue // a comment
			}
			sub, subLine, _ := r.key(kv.Key())
			if err := r.keyValue(append(append([]string{}, path...), sub...), kv.Value(), subLine); err != nil {
				return err
			}
		}
		return nil
	}
	v, err := r.value(n, line)
	if err != nil {
		return err
	}
	r.doc.entries = append(r.doc.entries, entry{path: path, val: v, line: line})
	return nil
}

// value converts a value node; line is its key's, for nodes that carry no
// position of their own (arrays).
func (r *reader) value(n *unstable.Node, line int) (value, error) {
	if n.Raw.Length > 0 {
		line = r.lineAt(int(n.Raw.Offset))
	}
	switch n.Kind {
	case unstable.String:
		return value{v: string(n.Data), line: line}, nil
	case unstable.Bool:
		return value{v: string(n.Data) == "true", line: line}, nil
	case unstable.Integer:
		i, err := parseInteger(string(n.Data))
		if err != nil {
			return value{}, &lineError{line: line, msg: err.Error()}
		}
		return value{v: i, line: line}, nil
	case unstable.Float:
		return value{v: parseFloat(string(n.Data)), line: line}, nil
	case unstable.Array:
		items := []value{}
		for it := n.Children(); it.Next(); {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			if c.Kind == unstable.InlineTable {
				items = append(items, value{v: inlineTable{}, line: line})
				continue
			}
			v, err := r.value(c, line)
			if err != nil {
				return value{}, err
			}
			items = append(items, v)
		}
		return value{v: items, line: line}, nil
	case unstable.LocalDate, unstable.LocalTime, unstable.LocalDateTime, unstable.DateTime:
		return value{v: dateTime(n.Data), line: line}, nil
	}
	return value{}, &lineError{line: line, msg: fmt.Sprintf("cannot read a %s value here", n.Kind)}
}

// parseInteger reads a TOML integer the parser has already checked the
// shape of: decimal, 0x, 0o or 0b, with underscores between digits.
func parseInteger(s string) (int64, error) {
	s = strings.ReplaceAll(s, "_", "")
	base := 10
	if len(s) > 2 && s[0] == '0' {
		switch s[1] {
		case 'x':
			base = 16
		case 'o':
			base = 8
		case 'b':
			base = 2
		}
		if base != 10 {
			s = s[2:]
		}
	}
	i, err := strconv.ParseInt(s, base, 64)
	if err != nil {
		return 0, fmt.Errorf("this number is too large (the largest whole number is %d)", int64(math.MaxInt64))
	}
	return i, nil
}

// parseFloat reads a TOML float: decimal with a fraction or exponent, or
// inf and nan with an optional sign. A float too large becomes ±Inf, which
// the ranges then refuse like any other.
func parseFloat(s string) float64 {
	s = strings.ReplaceAll(s, "_", "")
	switch strings.TrimLeft(s, "+-") {
	case "inf":
		if s[0] == '-' {
			return math.Inf(-1)
		}
		return math.Inf(1)
	case "nan":
		return math.NaN()
	}
	f, _ := strconv.ParseFloat(s, 64) // shape checked by the parser; ErrRange gives ±Inf
	return f
}

// lineAt is the 1-based line of a byte offset.
func (r *reader) lineAt(offset int) int {
	return sort.SearchInts(r.lines, offset) + 1
}

// offsetOf finds where a parser highlight sits in the data: it is a
// subslice of it. A highlight that is not (it should not happen) gives -1.
func (r *reader) offsetOf(h []byte) int {
	off := cap(r.data) - cap(h)
	if h == nil || off < 0 || off > len(r.data) {
		return -1
	}
	return off
}

// syntax turns a parser error into a lineError with the line, reworded
// where go-toml's words are not enough for a config file: a bare word where
// a string belongs, an array left open, two expressions on a line.
func (r *reader) syntax(err error, prevEnd int) error {
	var pe *unstable.ParserError
	if !errors.As(err, &pe) {
		return &lineError{line: 1, msg: err.Error()}
	}
	off := r.offsetOf(pe.Highlight)
	if off < 0 {
		off = len(r.data)
	}
	line := r.lineAt(off)
	msg := pe.Message
	switch {
	case strings.HasPrefix(msg, "unexpected character") && strings.Contains(msg, "start of value"),
		strings.HasPrefix(msg, "expected keyword"),
		msg == "strings must be quoted",
		strings.HasPrefix(msg, "expected digit but got"),
		strings.HasPrefix(msg, `expected "inf"`), strings.HasPrefix(msg, `expected "nan"`):
		tok := r.bareWord(off)
		// A short word is echoed to show the fix ("dracula" → "\"dracula\"");
		// a long one may be a key pasted without quotes, which must not reach
		// a terminal or a CI log.
		if len(tok) > 16 || looksLikeKey(tok) || strings.ContainsAny(tok, `"\`) {
			return &lineError{line: line, msg: "cannot read this value: strings need quotes (the value is not repeated here, in case it is a key)"}
		}
		return &lineError{line: line, msg: fmt.Sprintf("cannot read value %q: strings need quotes, e.g. \"%s\"", tok, tok)}
	case msg == "array is incomplete":
		if l, ok := r.arrayLine(prevEnd); ok {
			line = l
		}
		return &lineError{line: line, msg: "array is not closed with ]"}
	case msg == "expected ',' or ']' after array value":
		if l, ok := r.arrayLine(prevEnd); ok {
			return &lineError{line: line, msg: fmt.Sprintf("expected , or ] in the array opened on line %d", l)}
		}
		return &lineError{line: line, msg: "expected , or ] after a value in the array"}
	case strings.Contains(msg, "not terminated") || strings.HasPrefix(msg, "unterminated") || msg == "inline table is incomplete":
		// The end of the file is where it was found missing; where it was
		// opened is where to look.
		what := "string"
		switch {
		case strings.HasPrefix(msg, "multiline basic"):
			what = `multi-line string (""" … """)`
		case strings.HasPrefix(msg, "multiline literal"):
			what = "multi-line string (''' … ''')"
		case strings.HasPrefix(msg, "inline table"):
			what = "inline table ({ … })"
		}
		return &lineError{line: r.exprLine(prevEnd, line), msg: what + " is not closed"}
	case strings.HasPrefix(msg, "basic strings cannot have new lines"), strings.HasPrefix(msg, "literal strings cannot have new lines"):
		return &lineError{line: line, msg: `string is not closed on its line; use """ … """ for a string of several lines`}
	case strings.HasPrefix(msg, "expected newline but got"):
		return &lineError{line: line, msg: "something follows the value on this line; write one key = value per line"}
	}
	return &lineError{line: line, msg: msg}
}

// bareWord is the unquoted word around offset off: what the user wrote as a
// value without quotes.
func (r *reader) bareWord(off int) string {
	const stops = " \t\r\n=#,[]{}"
	start, end := off, off
	for start > 0 && !strings.ContainsRune(stops, rune(r.data[start-1])) {
		start--
	}
	for end < len(r.data) && !strings.ContainsRune(stops, rune(r.data[end])) {
		end++
	}
	return string(r.data[start:end])
}

// exprLine is the line of the expression that failed to parse, the first
// after prevEnd; or, when there is none, fallback.
func (r *reader) exprLine(prevEnd, fallback int) int {
	if i, ok := r.exprStart(prevEnd); ok {
		return r.lineAt(i)
	}
	return fallback
}

// exprStart skips what follows the last good expression (the ] of a table
// header, a comment) and blank lines, up to the start of the next one.
func (r *reader) exprStart(prevEnd int) (int, bool) {
	d := r.data
	for i := prevEnd; i < len(d); {
		switch d[i] {
		case ' ', '\t', '\r', '\n', ']':
			i++
		case '#':
			for i < len(d) && d[i] != '\n' {
				i++
			}
		default:
			return i, true
		}
	}
	return 0, false
}

// arrayLine finds the line of the [ that opens the value of the key = value
// that failed to parse, which starts at the first expression after prevEnd.
func (r *reader) arrayLine(prevEnd int) (int, bool) {
	d := r.data
	i, ok := r.exprStart(prevEnd)
	if !ok {
		return 0, false
	}
	// The key, quoted parts included, up to its =.
	for i < len(d) && d[i] != '=' {
		switch d[i] {
		case '"', '\'':
			q := d[i]
			i++
			for i < len(d) && d[i] != q && d[i] != '\n' {
				if d[i] == '\\' && q == '"' {
					i++
				}
				i++
			}
		case '\n':
			return 0, false
		}
		i++
	}
	i++
	for i < len(d) && (d[i] == ' ' || d[i] == '\t') {
		i++
	}
	if i >= len(d) || d[i] != '[' {
		return 0, false
	}
	return r.lineAt(i), true
}

// joinPath writes a key path as TOML would: bare parts as they are, others
// quoted.
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
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
