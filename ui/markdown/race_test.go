//go:build race

package markdown

// The race detector slows rendering about tenfold; the equivalence tests
// then use their short settings (the concurrency they check is the same).
func init() { raceEnabled = true }
