// Package arena judges answers blind: the votes of blind rounds, the
// detection of answers that name their maker, and the leaderboard that
// Bradley–Terry ratings with bootstrap intervals make of the votes.
//
// Nothing here knows about panes or the terminal; the session package
// records the votes and the ui package asks for them.
package arena

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// Outcome is one pairwise result drawn from a vote: A against B, with
// Score 1 when A won, 0 when B won and 0.5 for a tie.
type Outcome struct {
	A, B  string
	Score float64
}

// Rating is one model's line of a leaderboard.
type Rating struct {
	Name string `json:"name"`
	// Rating is on an Elo-like scale: 1000 for a model as strong as the
	// average of those rated, 400 points for odds of 10 to 1.
	Rating float64 `json:"rating"`
	// CILow and CIHigh bound the 95 % bootstrap interval of Rating.
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	// Wins, Losses and Ties count pairwise outcomes; Votes the votes the
	// model took part in.
	Wins   int `json:"wins"`
	Losses int `json:"losses"`
	Ties   int `json:"ties"`
	Votes  int `json:"votes"`
}

// The scale of a rating: as Chatbot Arena's and chess's, base 10 and 400
// points, around 1000.
const (
	ratingBase   = 1000.0
	ratingPoints = 400.0
)

// elo converts a Bradley–Terry log-strength to the rating scale.
func elo(theta float64) float64 { return ratingBase + ratingPoints/math.Ln10*theta }

// Fit options.
type FitOptions struct {
	// PriorSD is the standard deviation, in log-strength, of the Gaussian
	// prior every model's strength starts from (centred on the average).
	// It is what keeps a rating finite when a model has only won: one vote
	// moves a rating by tens of points, not to infinity. Zero means
	// DefaultPriorSD; a negative value fits without a prior (maximum
	// likelihood alone, for tests against hand computation).
	PriorSD float64
}

// DefaultPriorSD is a weak prior: two standard deviations span ±347 rating
// points, about the spread of a public arena's whole table, and a model's
// few dozen games carry ten times its weight (each game's information is
// at most 1/4, the prior's 1/σ² = 1). One vote moves a rating by about
// 100 points, not to infinity.
const DefaultPriorSD = 1.0

// Fit returns each model's Bradley–Terry log-strength, by maximum a
// posteriori estimation: the likelihood of the outcomes (a tie counts as
// half a win for each side, as in Chatbot Arena) times a Gaussian prior.
// Strengths are centred on zero. names lists every model, so that one
// without outcomes gets the prior's zero.
func Fit(names []string, outcomes []Outcome, opts FitOptions) map[string]float64 {
	theta, _ := fit(names, outcomes, opts, false)
	out := make(map[string]float64, len(names))
	for i, name := range names {
		out[name] = theta[i]
	}
	return out
}

// fit is Fit's work: the strengths in names' order and, when asked and
// there is a prior, each one's posterior standard deviation (from the
// curvature of the log-posterior at its peak, the Laplace approximation).
func fit(names []string, outcomes []Outcome, opts FitOptions, withSD bool) (theta, sd []float64) {
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	n := len(names)
	// wins[i][j]: the score i earned against j, summed.
	wins := make([][]float64, n)
	for i := range wins {
		wins[i] = make([]float64, n)
	}
	for _, o := range outcomes {
		a, okA := index[o.A]
		b, okB := index[o.B]
		if !okA || !okB || a == b {
			continue
		}
		wins[a][b] += o.Score
		wins[b][a] += 1 - o.Score
	}
	precision := 0.0 // 1/σ² of the prior; 0 is no prior
	if prior := cmp.Or(opts.PriorSD, DefaultPriorSD); prior > 0 {
		precision = 1 / (prior * prior)
	}
	theta = newton(wins, precision)
	if !withSD || precision == 0 {
		return theta, nil
	}
	_, hess := derivatives(wins, theta, precision, 0)
	// The ratings are centred, so what is uncertain is each strength
	// against the mean: Var(θi − θ̄) = Σii − 2/n·Σj Σij + 1/n²·Σjk Σjk,
	// from the inverse of the curvature, Σ.
	cov := make([][]float64, n)
	for k := range n {
		unit := make([]float64, n)
		unit[k] = 1
		x, ok := solve(hess, unit)
		if !ok {
			return theta, nil
		}
		cov[k] = x // a column of Σ, which is symmetric: a row too
	}
	rowMean := make([]float64, n)
	all := 0.0
	for i := range n {
		for j := range n {
			rowMean[i] += cov[i][j] / float64(n)
		}
		all += rowMean[i] / float64(n)
	}
	sd = make([]float64, n)
	for i := range n {
		if v := cov[i][i] - 2*rowMean[i] + all; v > 0 {
			sd[i] = math.Sqrt(v)
		}
	}
	return theta, sd
}

// newton maximises the log-posterior by Newton's method. With a prior the
// objective is strictly concave, so it converges from zero in a handful of
// steps; without one, the first strength is held at zero (the likelihood
// only knows differences) and the data must connect every model.
func newton(wins [][]float64, precision float64) []float64 {
	n := len(wins)
	theta := make([]float64, n)
	if n < 2 {
		return theta
	}
	first := 0
	if precision == 0 {
		first = 1 // theta[0] = 0 anchors the scale
	}
	for iter := 0; iter < 100; iter++ {
		grad, hess := derivatives(wins, theta, precision, first)
		step, ok := solve(hess, grad)
		if !ok {
			break // a model without games and no prior: leave it at zero
		}
		biggest := 0.0
		for k, s := range step {
			// Damped: a model that won every game runs away without a
			// prior, and a full step would overshoot.
			s = math.Max(-2, math.Min(2, s))
			theta[k+first] += s
			biggest = math.Max(biggest, math.Abs(s))
		}
		if biggest < 1e-10 {
			break
		}
	}
	center(theta)
	return theta
}

// derivatives are the gradient and the negated Hessian of the
// log-posterior at theta, over the strengths from first on (first is 1
// when theta[0] anchors the scale, without a prior).
func derivatives(wins [][]float64, theta []float64, precision float64, first int) (grad []float64, hess [][]float64) {
	n := len(wins)
	free := n - first
	grad = make([]float64, free)
	hess = make([][]float64, free)
	for i := range hess {
		hess[i] = make([]float64, free)
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			games := wins[i][j] + wins[j][i]
			if games == 0 {
				continue
			}
			p := sigmoid(theta[i] - theta[j])
			g := wins[i][j] - games*p // d/dθi; d/dθj is -g
			h := games * p * (1 - p)  // -d²/dθi²
			fi, fj := i-first, j-first
			if fi >= 0 {
				grad[fi] += g
				hess[fi][fi] += h
			}
			if fj >= 0 {
				grad[fj] -= g
				hess[fj][fj] += h
			}
			if fi >= 0 && fj >= 0 {
				hess[fi][fj] -= h
				hess[fj][fi] -= h
			}
		}
	}
	for k := 0; k < free; k++ {
		grad[k] -= precision * theta[k+first]
		hess[k][k] += precision
	}
	return grad, hess
}

// center moves strengths to a mean of zero: the likelihood knows only
// their differences.
func center(theta []float64) {
	mean := 0.0
	for _, t := range theta {
		mean += t
	}
	mean /= float64(len(theta))
	for i := range theta {
		theta[i] -= mean
	}
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// solve solves a·x = b for a symmetric positive-definite a by Gaussian
// elimination with partial pivoting, on copies; false when a is singular.
func solve(a [][]float64, b []float64) ([]float64, bool) {
	n := len(b)
	m := make([][]float64, n)
	for i := range a {
		m[i] = append(slices.Clone(a[i]), b[i])
	}
	for col := 0; col < n; col++ {
		pivot := col
		for r := col + 1; r < n; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[pivot][col]) {
				pivot = r
			}
		}
		if math.Abs(m[pivot][col]) < 1e-12 {
			return nil, false
		}
		m[col], m[pivot] = m[pivot], m[col]
		for r := col + 1; r < n; r++ {
			f := m[r][col] / m[col][col]
			for c := col; c <= n; c++ {
				m[r][c] -= f * m[col][c]
			}
		}
	}
	x := make([]float64, n)
	for r := n - 1; r >= 0; r-- {
		s := m[r][n]
		for c := r + 1; c < n; c++ {
			s -= m[r][c] * x[c]
		}
		x[r] = s / m[r][r]
	}
	return x, true
}

// BootstrapOptions control the confidence intervals.
type BootstrapOptions struct {
	FitOptions
	// Resamples is how many times the votes are drawn again; below
	// MinResamples, MinResamples.
	Resamples int
	// Seed makes the intervals reproducible: the same votes and seed give
	// the same table.
	Seed uint64
}

// MinResamples is the fewest bootstrap resamples an interval is made of.
const MinResamples = 200

// Leaderboard rates every model that took part in a vote: ratings fitted on
// all the votes, 95 % intervals from resampling the votes (not the
// pairwise outcomes: one vote's outcomes stand or fall together), and the
// pairwise counts. Ordered by rating, best first; ties by name.
func Leaderboard(votes []Vote, opts BootstrapOptions) []Rating {
	var names []string
	seen := map[string]bool{}
	counts := map[string]*Rating{}
	var all []Outcome
	for _, v := range votes {
		for _, n := range v.Models {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
				counts[n] = &Rating{Name: n}
			}
		}
		for _, n := range uniq(v.Models) {
			counts[n].Votes++
		}
		for _, o := range v.Outcomes() {
			all = append(all, o)
			switch o.Score {
			case 1:
				counts[o.A].Wins++
				counts[o.B].Losses++
			case 0:
				counts[o.A].Losses++
				counts[o.B].Wins++
			default:
				counts[o.A].Ties++
				counts[o.B].Ties++
			}
		}
	}
	slices.Sort(names)
	point, sd := fit(names, all, opts.FitOptions, true)

	samples := bootstrap(names, votes, opts)
	out := make([]Rating, 0, len(names))
	for i, n := range names {
		r := *counts[n]
		r.Rating = round1(elo(point[i]))
		s := samples[n]
		slices.Sort(s)
		lo, hi := quantile(s, 0.025), quantile(s, 0.975)
		if sd != nil {
			// A handful of votes resample into themselves (one vote, drawn
			// again, is the same vote), which would make the interval
			// look certain: it is never narrower than the posterior's own.
			lo, hi = math.Min(lo, point[i]-1.96*sd[i]), math.Max(hi, point[i]+1.96*sd[i])
		}
		r.CILow, r.CIHigh = round1(elo(lo)), round1(elo(hi))
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Rating) int {
		return cmp.Or(cmp.Compare(b.Rating, a.Rating), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// bootstrap fits the votes drawn again with replacement, as many times as
// opts says, its generator seeded by opts.Seed: each model's strengths, one
// a resample.
func bootstrap(names []string, votes []Vote, opts BootstrapOptions) map[string][]float64 {
	resamples := max(opts.Resamples, MinResamples)
	rng := rand.New(rand.NewPCG(opts.Seed, 0x6172656e61)) // "arena"
	samples := make(map[string][]float64, len(names))
	var drawn []Outcome
	for range resamples {
		drawn = drawn[:0]
		for range votes {
			drawn = append(drawn, votes[rng.IntN(len(votes))].Outcomes()...)
		}
		fit := Fit(names, drawn, opts.FitOptions)
		for _, n := range names {
			samples[n] = append(samples[n], fit[n])
		}
	}
	return samples
}

// quantile of sorted s at q by linear interpolation between closest ranks.
func quantile(s []float64, q float64) float64 {
	if len(s) == 0 {
		return math.NaN()
	}
	pos := q * float64(len(s)-1)
	lo := int(math.Floor(pos))
	hi := min(lo+1, len(s)-1)
	return s[lo] + (pos-float64(lo))*(s[hi]-s[lo])
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

func uniq(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return slices.Compact(c)
}
