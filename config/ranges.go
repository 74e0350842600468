package config

import (
	"fmt"
	"math"
	"time"
)

// The documented ranges of the numbers fanout takes, in the config and in
// flags alike. A value outside them (NaN and ±Inf included) is refused
// before anything is sent: a provider would refuse it too, later and less
// clearly, and a non-finite price cannot be written as JSON.
const (
	MinTemperature = 0.0
	MaxTemperature = 2.0
	MinMaxTokens   = 1
	MaxMaxTokens   = 10_000_000
	// MaxPrice is in US$ per million tokens.
	MaxPrice    = 10_000.0
	MaxDuration = 24 * time.Hour
)

// CheckTemperature refuses a sampling temperature outside 0–2.
func CheckTemperature(t float64) error {
	if math.IsNaN(t) || t < MinTemperature || t > MaxTemperature {
		return fmt.Errorf("temperature must be a number from %g to %g, not %v", MinTemperature, MaxTemperature, t)
	}
	return nil
}

// CheckMaxTokens refuses a cap on output tokens outside 1–10,000,000.
func CheckMaxTokens(n int64) error {
	if n < MinMaxTokens || n > MaxMaxTokens {
		return fmt.Errorf("max_tokens must be from %d to %d, not %d", MinMaxTokens, MaxMaxTokens, n)
	}
	return nil
}

// CheckPrice refuses a price per million tokens outside 0–10,000 US$.
func CheckPrice(p float64) error {
	if math.IsNaN(p) || p < 0 || p > MaxPrice {
		return fmt.Errorf("a price must be from 0 to %g US$ per million tokens, not %v", MaxPrice, p)
	}
	return nil
}

// CheckDuration refuses a timeout that is negative or longer than 24 h.
// Zero is allowed: it means the default.
func CheckDuration(d time.Duration) error {
	if d < 0 || d > MaxDuration {
		return fmt.Errorf("a duration must be from 0 to %s, not %s", "24h", d)
	}
	return nil
}
