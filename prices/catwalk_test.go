package prices

import (
	"os"
	"strings"
	"testing"

	"charm.land/catwalk/pkg/catwalk"
)

func TestCatwalkPrice(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		in, inCached, outCached  float64
		wantRead, wantCacheWrite float64
	}{
		{"as documented (Anthropic)", 3, 3.75, 0.3, 0.3, 3.75},
		{"read only, as documented (OpenAI)", 0.15, 0, 0.075, 0.075, 0.15},
		{"read in the write field", 0.75, 0.075, 0, 0.075, 0.75},
		{"read and write swapped", 0.3, 0.03, 0.375, 0.03, 0.375},
		{"output price in the read field", 0.75, 0.075, 3.75, 0.075, 0.75},
		{"both the same read price", 1.75, 0.175, 0.175, 0.175, 1.75},
		{"no cache prices", 2, 0, 0, 2, 2},
		{"free", 0, 0, 0, 0, 0},
	} {
		p := catwalkPrice(catwalk.Model{CostPer1MIn: tc.in, CostPer1MOut: 9, CostPer1MInCached: tc.inCached, CostPer1MOutCached: tc.outCached})
		if !near(p.CachedInput, tc.wantRead) || !near(p.CacheWrite, tc.wantCacheWrite) || p.Input != tc.in || p.Output != 9 {
			t.Errorf("%s: %+v, want read %v, write %v", tc.name, p, tc.wantRead, tc.wantCacheWrite)
		}
		if p.Provenance() != "catwalk "+CatwalkVersion {
			t.Errorf("%s: provenance %q", tc.name, p.Provenance())
		}
	}
}

// CatwalkVersion is what every catwalk price says it comes from: it must
// be the version go.mod builds with.
func TestCatwalkVersionIsGoMod(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(mod), "charm.land/catwalk "+CatwalkVersion+"\n") {
		t.Errorf("go.mod does not require charm.land/catwalk %s: update CatwalkVersion", CatwalkVersion)
	}
}
