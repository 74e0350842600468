// Package worddiff compares two texts word by word, for showing where two
// models' answers part ways.
package worddiff

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind says whether a piece of text is in both texts or in one only.
type Kind int

const (
	Same    Kind = iota // in both
	Removed             // only in the first
	Added               // only in the second
)

// Piece is a run of text of one kind. Pieces of the same kind never follow
// each other, and the Same and Removed pieces spell out the first text
// whole, the Same and Added pieces the second.
type Piece struct {
	Kind Kind
	Text string
}

// MaxEdits bounds the work of a word diff: past this many words added or
// removed, the texts are compared line by line instead, and past it again
// the second replaces the first whole. Myers' algorithm keeps O(D²) of
// state for D edits; this keeps it to a few megabytes.
const MaxEdits = 1200

// Diff compares a and b word by word: a word is a run of letters, digits
// and connecting punctuation, any other character a token of its own, and
// the whitespace before a token goes with it but is not compared (a change
// of spacing alone is no change; the second text's spacing is shown).
func Diff(a, b string) []Piece {
	if ops, ok := diffTokens(tokens(a), tokens(b)); ok {
		return ops
	}
	if ops, ok := diffTokens(lines(a), lines(b)); ok {
		return ops
	}
	return merge(nil, []Piece{{Removed, a}, {Added, b}})
}

// token is a word, or another character, with the whitespace before it;
// key is the word alone, what tokens are compared by. Whitespace at the
// very end is a token of its own, keyed " ".
type token struct{ text, key string }

func tokens(s string) []token {
	var out []token
	for len(s) > 0 {
		pre := spaceEnd(s)
		if pre == len(s) {
			out = append(out, token{text: s, key: " "})
			break
		}
		r, n := utf8.DecodeRuneInString(s[pre:])
		if isWord(r) {
			if n = strings.IndexFunc(s[pre:], func(r rune) bool { return !isWord(r) }); n < 0 {
				n = len(s) - pre
			}
		}
		out = append(out, token{text: s[:pre+n], key: s[pre : pre+n]})
		s = s[pre+n:]
	}
	return out
}

func spaceEnd(s string) int {
	if i := strings.IndexFunc(s, func(r rune) bool { return !unicode.IsSpace(r) }); i >= 0 {
		return i
	}
	return len(s)
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '\'' || r == '’' || r == '-'
}

func lines(s string) []token {
	var out []token
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			out = append(out, token{text: l, key: strings.TrimSpace(l)})
		}
	}
	return out
}

// diffTokens is Myers' O(ND) diff of a and b on their keys; false when
// they differ by more than MaxEdits.
func diffTokens(a, b []token) ([]Piece, bool) {
	// The common ends cost nothing: take them off first.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre].key == b[pre].key {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf].key == b[len(b)-1-suf].key {
		suf++
	}
	var out []Piece
	for i := range pre {
		out = merge(out, []Piece{{Same, same(a[i], b[i])}})
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	mid, ok := myers(ma, mb)
	if !ok {
		return nil, false
	}
	out = merge(out, mid)
	for i := range suf {
		out = merge(out, []Piece{{Same, same(a[len(a)-suf+i], b[len(b)-suf+i])}})
	}
	return out, true
}

func myers(a, b []token) ([]Piece, bool) {
	n, m := len(a), len(b)
	maxD := min(n+m, MaxEdits)
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	var trace [][]int
	for d := 0; d <= maxD; d++ {
		trace = append(trace, append([]int(nil), v[off-d-1:off+d+2]...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1] // down: an insertion
			} else {
				x = v[off+k-1] + 1 // right: a deletion
			}
			y := x - k
			for x < n && y < m && a[x].key == b[y].key {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				return backtrack(a, b, trace, d), true
			}
		}
	}
	return nil, false
}

// backtrack walks the trace back from the end, collecting the pieces.
func backtrack(a, b []token, trace [][]int, d int) []Piece {
	var rev []Piece
	x, y := len(a), len(b)
	for ; d > 0; d-- {
		vd := trace[d] // v before step d, indices k+d+1
		at := func(k int) int { return vd[k+d+1] }
		k := x - y
		var prevK int
		if k == -d || (k != d && at(k-1) < at(k+1)) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := at(prevK)
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, Piece{Same, same(a[x], b[y])})
		}
		if x == prevX {
			y--
			rev = append(rev, Piece{Added, b[y].text})
		} else {
			x--
			rev = append(rev, Piece{Removed, a[x].text})
		}
	}
	for x > 0 && y > 0 {
		x, y = x-1, y-1
		rev = append(rev, Piece{Same, same(a[x], b[y])})
	}
	var out []Piece
	for i := len(rev) - 1; i >= 0; i-- {
		out = merge(out, rev[i:i+1])
	}
	return out
}

// same is the text shown for a token both texts have: the second's, with
// its spacing, unless only the first has space before it, which then keeps
// the word apart from a removed one before it.
func same(at, bt token) string {
	if len(bt.text) == len(bt.key) && len(at.text) > len(at.key) {
		return at.text
	}
	return bt.text
}

// merge appends ps to out, joining pieces of one kind and dropping empty
// ones.
func merge(out []Piece, ps []Piece) []Piece {
	for _, p := range ps {
		if p.Text == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Kind == p.Kind {
			out[n-1].Text += p.Text
			continue
		}
		out = append(out, p)
	}
	return out
}
