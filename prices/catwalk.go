package prices

import (
	"strings"
	"sync"

	"charm.land/catwalk/pkg/catwalk"
	"charm.land/catwalk/pkg/embedded"
)

// CatwalkVersion is the version of charm.land/catwalk in go.mod, whose
// embedded catalog prices the models LiteLLM's does not know. A test keeps
// it in step with go.mod.
const CatwalkVersion = "v0.52.1"

// catwalkIndex is the catwalk catalog arranged for lookup: provider id →
// model id → price, once as written and once lower-cased. Bedrock ids are
// stored without their region prefix.
type catwalkIndex struct {
	exact map[string]map[string]Price
	fold  map[string]map[string]Price
	// small is each provider's suggested small model.
	small map[string]string
}

// catwalkCatalog builds the index once: embedded.GetAll parses every
// provider's JSON on each call, which is too slow to repeat per lookup.
var catwalkCatalog = sync.OnceValue(func() *catwalkIndex {
	ix := &catwalkIndex{exact: map[string]map[string]Price{}, fold: map[string]map[string]Price{}, small: map[string]string{}}
	for _, p := range embedded.GetAll() {
		id := string(p.ID)
		ix.small[id] = p.DefaultSmallModelID
		exact, fold := map[string]Price{}, map[string]Price{}
		for _, m := range p.Models {
			key := m.ID
			if p.Type == catwalk.TypeBedrock {
				key, _ = BedrockBaseID(key)
			}
			price := catwalkPrice(m)
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

// Catwalk returns catwalk's price of a model of one of its providers
// ("openai", "bedrock", "bedrock-europe", "azure", …), case ignored. A
// Bedrock id is looked up without its cross-region prefix: catwalk has
// one price per geography, as a provider of its own.
func Catwalk(provider, model string) (Price, bool) {
	ix := catwalkCatalog()
	if p, ok := ix.exact[provider][model]; ok {
		return p, true
	}
	p, ok := ix.fold[provider][strings.ToLower(model)]
	return p, ok
}

// CatwalkSmallModel is catwalk's suggested small model of a provider, ""
// when it has none.
func CatwalkSmallModel(provider string) string { return catwalkCatalog().small[provider] }

// catwalkPrice reads a catwalk model's price.
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
func catwalkPrice(m catwalk.Model) Price {
	in := m.CostPer1MIn
	p := Price{Input: in, Output: m.CostPer1MOut, CachedInput: in, CacheWrite: in, Source: SourceCatwalk, AsOf: CatwalkVersion}
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
