package arena

import "fmt"

// Verdict is what a voter said of a blind round.
type Verdict string

const (
	VerdictBest   Verdict = "best"    // one answer was the best (Vote.Best)
	VerdictTie    Verdict = "tie"     // they were as good as each other
	VerdictAllBad Verdict = "all_bad" // none was good: a tie, for the ratings
)

// Vote is one judgement of a blind round, as the leaderboard reads it.
type Vote struct {
	// Models are the models of the round in pane order (A first), by the
	// name the leaderboard rates them under (provider:model).
	Models []string
	// Verdict, and for VerdictBest the position of the best answer in
	// Models.
	Verdict Verdict
	Best    int
}

// Outcomes are the pairwise results a vote stands for: a vote for one of N
// answers is N−1 wins for it, one against each other answer (the others
// are not ranked among themselves); a tie, or "all bad", is a tie between
// every pair. Two panes of the same model face no one.
func (v Vote) Outcomes() []Outcome {
	var out []Outcome
	switch v.Verdict {
	case VerdictBest:
		if v.Best < 0 || v.Best >= len(v.Models) {
			return nil
		}
		for j, m := range v.Models {
			if j != v.Best && m != v.Models[v.Best] {
				out = append(out, Outcome{A: v.Models[v.Best], B: m, Score: 1})
			}
		}
	case VerdictTie, VerdictAllBad:
		for i := range v.Models {
			for j := i + 1; j < len(v.Models); j++ {
				if v.Models[i] != v.Models[j] {
					out = append(out, Outcome{A: v.Models[i], B: v.Models[j], Score: 0.5})
				}
			}
		}
	}
	return out
}

// Check says what is wrong with a vote, nil when nothing.
func (v Vote) Check() error {
	if len(v.Models) < 2 {
		return fmt.Errorf("a vote needs at least two answers, not %d", len(v.Models))
	}
	switch v.Verdict {
	case VerdictBest:
		if v.Best < 0 || v.Best >= len(v.Models) {
			return fmt.Errorf("best answer %d: there are %d", v.Best+1, len(v.Models))
		}
	case VerdictTie, VerdictAllBad:
	default:
		return fmt.Errorf("unknown verdict %q (best, tie, all_bad)", v.Verdict)
	}
	return nil
}

// PositionLabel is the letter a blind pane is shown under: A for the first.
func PositionLabel(i int) string {
	if i < 26 {
		return string(rune('A' + i))
	}
	return fmt.Sprintf("#%d", i+1)
}
