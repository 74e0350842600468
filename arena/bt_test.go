package arena

import (
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
)

// Two models, A winning three of four: without a prior the maximum
// likelihood has σ(θA−θB) = 3/4, so θA−θB = ln 3 and the ratings differ by
// 400·log10(3) ≈ 190.8 points, centred on 1000.
func TestFitTwoModelsByHand(t *testing.T) {
	outcomes := []Outcome{{"a", "b", 1}, {"a", "b", 1}, {"b", "a", 0}, {"a", "b", 0}}
	theta := Fit([]string{"a", "b"}, outcomes, FitOptions{PriorSD: -1})
	if d := theta["a"] - theta["b"]; math.Abs(d-math.Log(3)) > 1e-9 {
		t.Errorf("θa−θb = %v, want ln 3 = %v", d, math.Log(3))
	}
	if ea, eb := elo(theta["a"]), elo(theta["b"]); math.Abs(ea-eb-400*math.Log10(3)) > 1e-6 || math.Abs((ea+eb)/2-1000) > 1e-9 {
		t.Errorf("ratings %v and %v, want 190.8 apart around 1000", ea, eb)
	}
}

// Three models in a cycle of equal wins are equal; a tie counts half.
func TestFitHandCases(t *testing.T) {
	cycle := []Outcome{{"a", "b", 1}, {"b", "c", 1}, {"c", "a", 1}}
	for n, th := range Fit([]string{"a", "b", "c"}, cycle, FitOptions{PriorSD: -1}) {
		if math.Abs(th) > 1e-9 {
			t.Errorf("cycle: θ%s = %v, want 0", n, th)
		}
	}
	// One win and one tie of a over b: a's score is 1.5 of 2, so
	// σ(d) = 3/4 again.
	theta := Fit([]string{"a", "b"}, []Outcome{{"a", "b", 1}, {"a", "b", 0.5}}, FitOptions{PriorSD: -1})
	if d := theta["a"] - theta["b"]; math.Abs(d-math.Log(3)) > 1e-9 {
		t.Errorf("win and tie: θa−θb = %v, want ln 3", d)
	}
	// With the prior, ∂/∂θa of the log-posterior is 3(1−σ(d)) − σ(d) − θa/σ²
	// and the optimum is symmetric, θa = −θb = d/2: d solves
	// 3(1−σ(d)) − σ(d) = d/(2σ²). Checked against that equation rather
	// than a number copied from the code.
	sd := 1.5
	theta = Fit([]string{"a", "b"}, []Outcome{{"a", "b", 1}, {"a", "b", 1}, {"a", "b", 1}, {"a", "b", 0}}, FitOptions{PriorSD: sd})
	d := theta["a"] - theta["b"]
	if r := 3*(1-sigmoid(d)) - sigmoid(d) - d/(2*sd*sd); math.Abs(r) > 1e-9 || d <= 0 || d >= math.Log(3) {
		t.Errorf("with a prior: d = %v (residual %v), want the root of 3(1−σ(d)) − σ(d) = d/(2σ²), below ln 3", d, r)
	}
}

// One vote gives finite ratings, the winner above, with an interval.
func TestOneVoteIsFinite(t *testing.T) {
	board := Leaderboard([]Vote{{Models: []string{"x", "y", "z"}, Verdict: VerdictBest, Best: 1}}, BootstrapOptions{Seed: 1})
	if len(board) != 3 || board[0].Name != "y" {
		t.Fatalf("board %+v, want y first", board)
	}
	for _, r := range board {
		if math.IsInf(r.Rating, 0) || math.IsNaN(r.Rating) || r.CILow > r.Rating || r.CIHigh < r.Rating {
			t.Errorf("%s: rating %v in [%v, %v]", r.Name, r.Rating, r.CILow, r.CIHigh)
		}
	}
	if y := board[0]; y.Wins != 2 || y.Losses != 0 || y.Votes != 1 || board[1].Losses != 1 || board[1].Wins != 0 {
		t.Errorf("counts: %+v", board)
	}
	if board[0].Rating-board[1].Rating > 200 {
		t.Errorf("one vote moved the winner %v points above: the prior is not holding it", board[0].Rating-board[1].Rating)
	}
}

// A tie and "all bad" are ties between every pair; a vote for one answer
// beats each other once.
func TestOutcomes(t *testing.T) {
	best := Vote{Models: []string{"a", "b", "c"}, Verdict: VerdictBest, Best: 2}.Outcomes()
	if want := []Outcome{{"c", "a", 1}, {"c", "b", 1}}; !reflect.DeepEqual(best, want) {
		t.Errorf("best: %v, want %v", best, want)
	}
	for _, v := range []Verdict{VerdictTie, VerdictAllBad} {
		got := Vote{Models: []string{"a", "b", "c"}, Verdict: v}.Outcomes()
		if want := []Outcome{{"a", "b", 0.5}, {"a", "c", 0.5}, {"b", "c", 0.5}}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", v, got, want)
		}
	}
	if got := (Vote{Models: []string{"a", "a"}, Verdict: VerdictBest, Best: 0}).Outcomes(); len(got) != 0 {
		t.Errorf("a model against itself: %v", got)
	}
}

// Votes drawn from known strengths recover their order, and the intervals
// of models far apart do not overlap.
func TestSimulatedVotesRecoverTheOrder(t *testing.T) {
	strength := map[string]float64{"weak": -1, "fair": 0, "good": 0.8, "best": 1.6}
	names := []string{"weak", "fair", "good", "best"}
	rng := rand.New(rand.NewPCG(7, 7))
	var votes []Vote
	for range 600 {
		perm := rng.Perm(len(names))
		a, b := names[perm[0]], names[perm[1]]
		v := Vote{Models: []string{a, b}, Verdict: VerdictBest, Best: 1}
		if rng.Float64() < sigmoid(strength[a]-strength[b]) {
			v.Best = 0
		}
		votes = append(votes, v)
	}
	board := Leaderboard(votes, BootstrapOptions{Seed: 3})
	var order []string
	for _, r := range board {
		order = append(order, r.Name)
	}
	if want := []string{"best", "good", "fair", "weak"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v: %+v", order, want, board)
	}
	if board[0].CILow <= board[3].CIHigh {
		t.Errorf("best [%v, %v] overlaps weak [%v, %v]", board[0].CILow, board[0].CIHigh, board[3].CILow, board[3].CIHigh)
	}
	// The fitted gaps track the true ones: best−weak is 2.6 in log-strength,
	// 452 rating points; 600 votes get within 100.
	if gap := board[0].Rating - board[3].Rating; math.Abs(gap-elo(2.6)+1000) > 100 {
		t.Errorf("best−weak = %v points, want about %v", gap, elo(2.6)-1000)
	}
}

// The same votes and seed give the same table; another seed other intervals.
func TestBootstrapIsSeeded(t *testing.T) {
	votes := []Vote{
		{Models: []string{"a", "b"}, Verdict: VerdictBest, Best: 0},
		{Models: []string{"a", "b", "c"}, Verdict: VerdictTie},
		{Models: []string{"b", "c"}, Verdict: VerdictBest, Best: 1},
		{Models: []string{"c", "a"}, Verdict: VerdictAllBad},
		{Models: []string{"a", "c"}, Verdict: VerdictBest, Best: 0},
	}
	one := Leaderboard(votes, BootstrapOptions{Seed: 42})
	two := Leaderboard(votes, BootstrapOptions{Seed: 42})
	if !reflect.DeepEqual(one, two) {
		t.Errorf("same seed, different tables:\n%+v\n%+v", one, two)
	}
	// The resamples themselves follow the seed: the same seed draws the
	// same ones, another seed others.
	names := []string{"a", "b", "c"}
	same := bootstrap(names, votes, BootstrapOptions{Seed: 42})
	if !reflect.DeepEqual(same, bootstrap(names, votes, BootstrapOptions{Seed: 42})) {
		t.Error("the same seed drew other resamples")
	}
	if reflect.DeepEqual(same, bootstrap(names, votes, BootstrapOptions{Seed: 43})) {
		t.Error("another seed drew the very same resamples")
	}
	if n := len(same["a"]); n != MinResamples {
		t.Errorf("%d resamples, want at least %d", n, MinResamples)
	}
}

// One vote resampled is that vote again: the interval still says how
// little one vote knows, from the posterior's own width.
func TestOneVoteHasAWideInterval(t *testing.T) {
	board := Leaderboard([]Vote{{Models: []string{"x", "y"}, Verdict: VerdictBest, Best: 0}}, BootstrapOptions{Seed: 1})
	for _, r := range board {
		if r.CIHigh-r.CILow < 200 {
			t.Errorf("%s: one vote gives the interval [%v, %v]", r.Name, r.CILow, r.CIHigh)
		}
	}
	if board[0].CILow > board[1].CIHigh {
		t.Errorf("one vote tells the models apart: %+v", board)
	}
}
