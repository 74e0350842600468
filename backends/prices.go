package backends

import (
	"strings"
	"sync"

	"charm.land/catwalk/pkg/catwalk"
	"charm.land/catwalk/pkg/embedded"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input       float64 `json:"input"`
	Output      float64 `json:"output"`
	CachedInput float64 `json:"cached_input"` // cache read
	CacheWrite  float64 `json:"cache_write"`
	// Source says where the price came from: "catwalk", "config", "local"
	// (a server on the user's machine, free) or "simulated" (demo models).
	Source string `json:"source"`
	// Given says which figures an override passed to NewPriceBook states;
	// the others come from the catalog. It lets a figure written as 0 (a free
	// cache write) differ from one not written. Zero means an override of
	// the old kind: a whole price. Lookup never returns it set.
	Given PriceFields `json:"-"`
}

// PriceFields is a set of the figures of a Price.
type PriceFields uint8

// The figures of a Price, for PriceFields.
const (
	PriceInput PriceFields = 1 << iota
	PriceOutput
	PriceCachedInput
	PriceCacheWrite
)

// Price sources.
const (
	PriceSourceCatwalk   = "catwalk"
	PriceSourceConfig    = "config"
	PriceSourceLocal     = "local"
	PriceSourceSimulated = "simulated"
)

// Cost prices u. See Usage for how cached tokens are counted.
func (p Price) Cost(u Usage) float64 {
	uncached := max(0, u.Input-u.CachedInput-u.CacheWrite)
	return (float64(uncached)*p.Input + float64(u.CachedInput)*p.CachedInput +
		float64(u.CacheWrite)*p.CacheWrite + float64(u.Output)*p.Output) / 1e6
}

// PriceBook finds the price of a target: config overrides first, then the
// demo and local models, then the embedded catwalk catalog.
type PriceBook struct{ overrides map[string]Price }

// NewPriceBook builds a price book; overrides are keyed by "provider:model"
// or by a config model name. An override without a Source is marked
// "config". An override with Given set states exactly those figures, zero
// included; each other figure is the catalog's for the model looked up, and
// a cache figure the catalog does not know either is charged at the input
// price. An override without Given is a whole price in which a zero cache
// price means "not given" and is charged at the input price.
func NewPriceBook(overrides map[string]Price) *PriceBook {
	b := &PriceBook{overrides: make(map[string]Price, len(overrides))}
	for k, p := range overrides {
		if p.Source == "" {
			p.Source = PriceSourceConfig
		}
		if p.Given == 0 {
			if p.CachedInput == 0 {
				p.CachedInput = p.Input
			}
			if p.CacheWrite == 0 {
				p.CacheWrite = p.Input
			}
		}
		b.overrides[k] = p
	}
	return b
}

// merge fills the figures p does not state from the catalog price of t.
func (p Price) merge(t Target) Price {
	if p.Given == 0 {
		return p
	}
	base, ok := catalogLookup(t)
	if !ok {
		// Nothing to fall back on: a cache token costs what an input one does.
		base = Price{}
	}
	out := Price{Source: p.Source}
	pick := func(f PriceFields, mine, theirs float64) float64 {
		if p.Given&f != 0 {
			return mine
		}
		return theirs
	}
	out.Input = pick(PriceInput, p.Input, base.Input)
	out.Output = pick(PriceOutput, p.Output, base.Output)
	if !ok {
		base.CachedInput, base.CacheWrite = out.Input, out.Input
	}
	out.CachedInput = pick(PriceCachedInput, p.CachedInput, base.CachedInput)
	out.CacheWrite = pick(PriceCacheWrite, p.CacheWrite, base.CacheWrite)
	return out
}

// Lookup returns the price of t, or false when it is unknown. An unknown
// price is never reported as zero: the caller shows it as unknown. A nil
// PriceBook has no overrides.
func (b *PriceBook) Lookup(t Target) (Price, bool) {
	if b != nil {
		if p, ok := b.overrides[t.Name]; ok && t.Name != "" {
			return p.merge(t), true
		}
		if p, ok := b.overrides[t.Provider+":"+t.Model]; ok {
			return p.merge(t), true
		}
	}
	return catalogLookup(t)
}

// catalogLookup is Lookup without overrides: the demo and local models, then
// the embedded catwalk catalog.
func catalogLookup(t Target) (Price, bool) {
	switch t.Provider {
	case ProviderDemo:
		m, ok := demoModels[t.Model]
		return m.price, ok
	case ProviderBedrock:
		id, region := bedrockCatalogID(t.Model)
		// Cross-region profiles are priced by their geography; the EU one
		// costs more. Anything but eu. is priced as the US catalog.
		order := []string{"bedrock", "bedrock-europe"}
		if region == "eu" {
			order[0], order[1] = order[1], order[0]
		}
		for _, provider := range order {
			if p, ok := priceCatalog().lookup(provider, id); ok {
				return p, true
			}
		}
		return Price{}, false
	case ProviderAnthropic:
		return priceCatalog().lookup(anthropicCatalog, anthropicCatalogID(t.Model))
	}
	preset, ok := presets[t.Provider]
	if !ok {
		return Price{}, false
	}
	if preset.Local {
		// A model on the user's machine is free: a known price, not an
		// unknown one.
		return Price{Source: PriceSourceLocal}, true
	}
	if preset.Catalog == "" {
		return Price{}, false
	}
	return priceCatalog().lookup(preset.Catalog, t.Model)
}

// bedrockGeoPrefixes are the geography prefixes of Bedrock cross-region
// inference profile ids ("us.anthropic.claude-…").
var bedrockGeoPrefixes = map[string]bool{
	"us": true, "eu": true, "apac": true, "global": true, "jp": true,
	"au": true, "ca": true, "us-gov": true, "sa": true, "in": true,
}

// bedrockCatalogID strips the cross-region prefix of a Bedrock model id and
// returns it apart ("" when there was none). An inference-profile ARN is
// reduced to the id after its last slash first.
func bedrockCatalogID(id string) (model, region string) {
	if strings.HasPrefix(id, "arn:") {
		if i := strings.LastIndexByte(id, '/'); i >= 0 {
			id = id[i+1:]
		}
	}
	if prefix, rest, ok := strings.Cut(id, "."); ok && bedrockGeoPrefixes[strings.ToLower(prefix)] {
		return rest, strings.ToLower(prefix)
	}
	return id, ""
}

// priceIndex is the catwalk catalog arranged for lookup: provider id → model
// id → price, once as written and once lower-cased. Bedrock ids are stored
// without their region prefix.
type priceIndex struct {
	exact map[string]map[string]Price
	fold  map[string]map[string]Price
	// small is each provider's suggested small model, offered as the
	// default when the provider is detected.
	small map[string]string
}

// priceCatalog builds the index once: embedded.GetAll parses every provider's JSON
// on each call, which is too slow to repeat per lookup.
var priceCatalog = sync.OnceValue(func() *priceIndex {
	ix := &priceIndex{exact: map[string]map[string]Price{}, fold: map[string]map[string]Price{}, small: map[string]string{}}
	for _, p := range embedded.GetAll() {
		id := string(p.ID)
		ix.small[id] = p.DefaultSmallModelID
		exact, fold := map[string]Price{}, map[string]Price{}
		for _, m := range p.Models {
			key := m.ID
			if p.Type == catwalk.TypeBedrock {
				key, _ = bedrockCatalogID(key)
			}
			price := catalogPrice(m)
			if _, dup := exact[key]; !dup {
				exact[key] = price
			}
			if _, dup := fold[strings.ToLower(key)]; !dup {
				fold[strings.ToLower(key)] = price
			}
		}
		ix.exact[id], ix.fold[id] = exact, fold
	}
	return ix
})

func (ix *priceIndex) lookup(provider, model string) (Price, bool) {
	if p, ok := ix.exact[provider][model]; ok {
		return p, true
	}
	p, ok := ix.fold[provider][strings.ToLower(model)]
	return p, ok
}

// catalogPrice reads a catwalk model's price.
//
// Catwalk's own naming is CostPer1MInCached = cache write and
// CostPer1MOutCached = cache read, but its data does not always follow it:
// many entries (OpenAI gpt-5.4-mini, DeepSeek, several Gemini and MiniMax
// models) hold the read price in the "in" field, some the write price in the
// "out" field, some repeat the output price there, and a zero means "not
// listed". So each figure is placed by what it can be rather than by the
// field it sits in:
//
//   - a cache read is always cheaper than ordinary input (that is the point
//     of a cache): the read price is the cache figure below the input price,
//     the documented field first;
//   - a cache write is never cheaper than input, and no provider charges more
//     than twice the input price for one (Anthropic: 1.25× for five minutes,
//     2× for an hour): the write price is the cache figure in that range.
//
// When no figure fits, the token is charged at the input price. For writes
// that is exactly what providers without a write surcharge (OpenAI, DeepSeek,
// Gemini) bill; for reads it may overstate the cost, which is the
// conservative error: a shown cost may be high, never silently low.
func catalogPrice(m catwalk.Model) Price {
	in := m.CostPer1MIn
	p := Price{Input: in, Output: m.CostPer1MOut, CachedInput: in, CacheWrite: in, Source: PriceSourceCatwalk}
	write, read := m.CostPer1MInCached, m.CostPer1MOutCached
	switch {
	case read > 0 && read < in:
		p.CachedInput = read
	case write > 0 && write < in:
		p.CachedInput = write
	}
	switch {
	case write >= in && write <= 2*in:
		p.CacheWrite = write
	case read >= in && read <= 2*in:
		p.CacheWrite = read
	}
	return p
}

// catalogSmallModel is the catalog's suggested small model of a provider, ""
// when it has none.
func catalogSmallModel(provider string) string { return priceCatalog().small[provider] }
