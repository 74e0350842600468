package config

import (
	"math"
	"testing"
	"time"
)

func TestRanges(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), -0.1, 2.01} {
		if CheckTemperature(v) == nil {
			t.Errorf("temperature %v accepted", v)
		}
		if v != 2.01 && CheckPrice(v) == nil {
			t.Errorf("price %v accepted", v)
		}
	}
	for _, v := range []float64{0, 1, 2} {
		if err := CheckTemperature(v); err != nil {
			t.Errorf("temperature %v: %v", v, err)
		}
	}
	if CheckPrice(10_000.01) == nil || CheckPrice(0) != nil || CheckPrice(10_000) != nil {
		t.Error("price bounds wrong")
	}
	if CheckMaxTokens(0) == nil || CheckMaxTokens(10_000_001) == nil || CheckMaxTokens(1) != nil || CheckMaxTokens(10_000_000) != nil {
		t.Error("max_tokens bounds wrong")
	}
	if CheckDuration(-time.Second) == nil || CheckDuration(25*time.Hour) == nil || CheckDuration(0) != nil || CheckDuration(24*time.Hour) != nil {
		t.Error("duration bounds wrong")
	}
}
