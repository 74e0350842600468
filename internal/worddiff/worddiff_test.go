package worddiff

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want []Piece
	}{
		{"the cat sat", "the cat sat", []Piece{{Same, "the cat sat"}}},
		{"the cat sat", "the dog sat", []Piece{{Same, "the"}, {Removed, " cat"}, {Added, " dog"}, {Same, " sat"}}},
		{"Paris is the capital.", "Paris is the capital of France.", []Piece{{Same, "Paris is the capital"}, {Added, " of France"}, {Same, "."}}},
		{"a  b", "a b", []Piece{{Same, "a b"}}}, // spacing alone is no change
		{"", "new words", []Piece{{Added, "new words"}}},
		{"old words", "", []Piece{{Removed, "old words"}}},
		{"Café crème", "Café noir", []Piece{{Same, "Café"}, {Removed, " crème"}, {Added, " noir"}}},
	} {
		if got := Diff(tc.a, tc.b); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Diff(%q, %q) =\n%v\nwant\n%v", tc.a, tc.b, got, tc.want)
		}
	}
}

// On random edits of random texts the pieces always spell out both texts,
// and never more words change than were edited.
func TestDiffSpellsBothTexts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("a model answer streams tokens fast slow cheap costly the of and to")
	for range 300 {
		var a []string
		for range rng.IntN(60) {
			a = append(a, words[rng.IntN(len(words))])
		}
		b := append([]string(nil), a...)
		edits := rng.IntN(6)
		for range edits {
			switch i := rng.IntN(len(b) + 1); {
			case rng.IntN(2) == 0 || i == len(b):
				b = append(b[:i], append([]string{words[rng.IntN(len(words))]}, b[i:]...)...)
			default:
				b = append(b[:i], b[i+1:]...)
			}
		}
		sa, sb := strings.Join(a, " "), strings.Join(b, " ")
		var gotA, gotB strings.Builder
		changed := 0
		for i, p := range Diff(sa, sb) {
			if p.Text == "" {
				t.Fatalf("empty piece %d", i)
			}
			if p.Kind != Added {
				gotA.WriteString(p.Text)
			}
			if p.Kind != Removed {
				gotB.WriteString(p.Text)
			}
			if p.Kind != Same {
				changed += len(strings.Fields(p.Text))
			}
		}
		// The words, and the spaces between them, are all there: the
		// amount of space may come from the other text.
		if strings.Join(strings.Fields(gotA.String()), " ") != sa || strings.Join(strings.Fields(gotB.String()), " ") != sb {
			t.Fatalf("pieces spell\n%q / %q\nnot\n%q / %q", gotA.String(), gotB.String(), sa, sb)
		}
		if changed > edits {
			t.Fatalf("%d words changed for %d edits: %q → %q", changed, edits, sa, sb)
		}
	}
}

// Texts too different for a word diff within MaxEdits still get one, line
// by line, and spell out both texts.
func TestDiffOfVeryDifferentTexts(t *testing.T) {
	var a, b strings.Builder
	for i := range 3000 {
		a.WriteString("alpha beta ")
		b.WriteString("gamma delta ")
		if i%10 == 9 {
			a.WriteString("\n")
			b.WriteString("\n")
		}
	}
	pieces := Diff(a.String(), b.String())
	var gotA, gotB strings.Builder
	for _, p := range pieces {
		if p.Kind != Added {
			gotA.WriteString(p.Text)
		}
		if p.Kind != Removed {
			gotB.WriteString(p.Text)
		}
	}
	if gotA.String() != a.String() || gotB.String() != b.String() {
		t.Error("the pieces do not spell out the texts")
	}
}
