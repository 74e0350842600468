package arena

import (
	"math"
	"strings"
)

// Scale is the range every interval of board fits in, for IntervalBar.
func Scale(board []Rating) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, r := range board {
		lo, hi = math.Min(lo, r.CILow), math.Max(hi, r.CIHigh)
	}
	return lo, hi
}

// IntervalBar draws r's interval on a scale from lo to hi, width cells
// wide: the interval as a bar, the rating as a dot on it. Drawn for every
// model on one scale, two bars that overlap are two models the votes do
// not tell apart.
func IntervalBar(r Rating, lo, hi float64, width int) string {
	width = max(1, width)
	cells := []rune(strings.Repeat("·", width))
	at := func(x float64) int {
		if hi <= lo {
			return width / 2
		}
		return min(width-1, max(0, int(math.Round((x-lo)/(hi-lo)*float64(width-1)))))
	}
	for i := at(r.CILow); i <= at(r.CIHigh); i++ {
		cells[i] = '━'
	}
	cells[at(r.Rating)] = '●'
	return string(cells)
}
