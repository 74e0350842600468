package markdown

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fanout-dev/fanout/themes"
)

// raceEnabled is set under -race (race_test.go).
var raceEnabled bool

// reduced reports whether the equivalence tests should use coarser cuts.
func reduced() bool { return testing.Short() || raceEnabled }

// corpus returns the realistic answers under testdata, by file name.
func corpus(t testing.TB) map[string]string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	docs := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = string(b)
	}
	return docs
}

func theme(t testing.TB, name string) themes.Theme {
	t.Helper()
	th, err := themes.Get(name, true)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// cuts returns the cut points every step bytes, moved forward to rune
// boundaries, ending with len(text).
func cuts(text string, step int) []int {
	var out []int
	for c := step; c < len(text); c += step {
		for c < len(text) && !utf8.RuneStart(text[c]) {
			c++
		}
		if len(out) == 0 || c > out[len(out)-1] {
			out = append(out, c)
		}
	}
	return append(out, len(text))
}

type combo struct {
	width int
	theme string
	step  int // cut step for this combination
}

// The 7-byte cut step runs at width 80 with the dark theme; the other
// combinations use coarser steps (co-prime, so their cuts fall elsewhere),
// which keeps the package's tests within budget on two cores while still
// crossing every kind of block boundary.
func combos() []combo {
	cs := []combo{
		{width: 80, theme: themes.Dark, step: 7},
		{width: 40, theme: themes.Light, step: 11},
		{width: 60, theme: themes.Dracula, step: 23},
	}
	if reduced() {
		for i := range cs {
			cs[i].step *= 4
		}
	}
	return cs
}

// streamAndCompare appends text to a fresh Stream piece by piece (cut
// points in cuts) and compares every render with Full of the same text:
// the whole render while the stream renders its tail whole, the rows
// above the open block while it renders one in pieces (see openBlock),
// and once finished, the whole render again. Every render is made (the
// stream's scan must see every intermediate state); one in compareEvery
// is checked against Full, and the last.
func streamAndCompare(t *testing.T, name, text string, cutAt []int, compareEvery, width int, th themes.Theme) {
	t.Helper()
	r := NewRenderer()
	s := NewStream(r)
	prev, bytesOnly := 0, 0
	check := func(c int, got, want string, whole bool) {
		t.Helper()
		if got == want {
			return // most renders are byte-identical: skip decoding them
		}
		if s.pieceCount() > 0 && !whole {
			n := s.stableRows()
			gl, wl := strings.Split(got, "\n"), strings.Split(want, "\n")
			if n > len(gl) || n > len(wl) {
				t.Fatalf("%s after %d bytes: %d stable rows, %d rendered, %d in Full", name, c, n, len(gl), len(wl))
			}
			got, want = strings.Join(gl[:n], "\n"), strings.Join(wl[:n], "\n")
		}
		d := screenDiff(got, want)
		if d == "" {
			// Same screen, different escape sequences: allowed (it is what
			// the user sees that must match), but worth knowing about.
			bytesOnly++
			return
		}
		tail := text[max(0, c-120):c]
		t.Fatalf("%s, width %d, theme %s, after %d of %d bytes (source ends …%q):\n%s",
			name, width, th.Name, c, len(text), tail, d)
	}
	for i, c := range cutAt {
		s.Append(text[prev:c])
		prev = c
		got := s.Render(width, th)
		if i%compareEvery != 0 && c != len(text) {
			continue
		}
		check(c, got, r.Full(text[:c], width, th), false)
	}
	s.Finish()
	check(len(text), s.Render(width, th), r.Full(text, width, th), true)
	if bytesOnly > 0 {
		t.Logf("%s, width %d, theme %s: %d renders showed the same screen as Full with different bytes",
			name, width, th.Name, bytesOnly)
	}
}

func TestStreamMatchesFull(t *testing.T) {
	docs := corpus(t)
	for name, text := range docs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, c := range combos() {
				streamAndCompare(t, name, text, cuts(text, c.step), 1, c.width, theme(t, c.theme))
			}
		})
	}
}

// Random delta sizes over the whole corpus joined into one long answer, so
// boundaries also fall between documents.
func TestStreamRandomDeltas(t *testing.T) {
	docs := corpus(t)
	var names []string
	for n := range docs {
		names = append(names, n)
	}
	var all strings.Builder
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	for _, n := range names {
		if n == "refs.md" {
			continue // link definitions: the whole answer falls back to Full
		}
		all.WriteString(docs[n])
		all.WriteString("\n")
	}
	text := all.String()
	maxDelta, every := 32, 3
	if reduced() {
		maxDelta, every = 64, 8
	}
	var at []int
	for c := 0; c < len(text); {
		c += 1 + rng.IntN(maxDelta)
		for c < len(text) && !utf8.RuneStart(text[c]) {
			c++
		}
		at = append(at, min(c, len(text)))
	}
	streamAndCompare(t, "corpus", text, at, every, 72, theme(t, themes.Catppuccin))
}
