package backends

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input       float64 `json:"input"`
	Output      float64 `json:"output"`
	CachedInput float64 `json:"cached_input"` // cache read
	CacheWrite  float64 `json:"cache_write"`
	// Source says where the price came from: "catwalk", "config", "local"
	// (a server on the user's machine, free) or "simulated" (demo models).
	Source string `json:"source"`
}

// Cost prices u. See Usage for how cached tokens are counted.
func (p Price) Cost(u Usage) float64 {
	uncached := max(0, u.Input-u.CachedInput-u.CacheWrite)
	return (float64(uncached)*p.Input + float64(u.CachedInput)*p.CachedInput +
		float64(u.CacheWrite)*p.CacheWrite + float64(u.Output)*p.Output) / 1e6
}

// PriceBook finds the price of a target: config overrides first, then the
// embedded catwalk catalog.
type PriceBook struct{ overrides map[string]Price }

// NewPriceBook builds a price book; overrides are keyed by "provider:model"
// or by a config model name.
func NewPriceBook(overrides map[string]Price) *PriceBook {
	return &PriceBook{overrides: overrides}
}

// Lookup returns the price of t, or false when it is unknown.
func (b *PriceBook) Lookup(t Target) (Price, bool) {
	if p, ok := b.overrides[t.Name]; ok {
		return p, true
	}
	if p, ok := b.overrides[t.Provider+":"+t.Model]; ok {
		return p, true
	}
	return Price{}, false
}
