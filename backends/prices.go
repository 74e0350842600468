package backends

import (
	"strings"

	"github.com/fanout-dev/fanout/prices"
)

// Price is what a model costs, in US dollars per million tokens, with its
// tiers, long-context rates and provenance (see package prices).
type Price = prices.Price

// PriceFields is a set of the figures of a Price.
type PriceFields = prices.Fields

// The figures of a Price, for PriceFields.
const (
	PriceInput       = prices.FieldInput
	PriceOutput      = prices.FieldOutput
	PriceCachedInput = prices.FieldCachedInput
	PriceCacheWrite  = prices.FieldCacheWrite
)

// Price sources.
const (
	PriceSourceLiteLLM   = prices.SourceLiteLLM
	PriceSourceUpdated   = prices.SourceUpdated
	PriceSourceCatwalk   = prices.SourceCatwalk
	PriceSourceConfig    = prices.SourceConfig
	PriceSourceLocal     = prices.SourceLocal
	PriceSourceSimulated = prices.SourceSimulated
)

// PriceBook finds the price of a target. The order, first found wins:
//
//  1. a config override ([prices.NAME], by config name or provider:model);
//  2. (the provider's billed cost, which session.Stats.Cost prefers to any
//     catalog price);
//  3. the demo models' made-up prices and local servers (free);
//  4. LiteLLM's entry for the exact id (an updated catalog first, then the
//     embedded snapshot) — it has Bedrock's regional premiums, the tiers
//     and the long-context rates;
//  5. catwalk's entry for the exact id;
//  6. a sibling: the model an Azure deployment is named after, another
//     cross-region profile of a Bedrock model, the dated or undated id;
//
// else unknown. A target with PriceAs is priced as that model, steps 3–6.
type PriceBook struct {
	overrides map[string]Price
	litellm   prices.LiteLLM
}

// NewPriceBook builds a price book on the embedded catalogs; overrides are
// keyed by "provider:model" or by a config model name. An override without
// a Source is marked "config". An override with Given set states exactly
// those figures, zero included; each other figure is the catalog's for the
// model looked up, and a cache figure the catalog does not know either is
// charged at the input price. An override without Given is a whole price in
// which a zero cache price means "not given" and is charged at the input
// price.
func NewPriceBook(overrides map[string]Price) *PriceBook {
	b := &PriceBook{overrides: make(map[string]Price, len(overrides)), litellm: prices.LiteLLM{Snapshot: prices.Snapshot()}}
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

// WithUpdate is the book with an updated LiteLLM catalog (from `fanout
// prices update`) whose entries win over the snapshot's; nil changes
// nothing.
func (b *PriceBook) WithUpdate(c *prices.Catalog) *PriceBook {
	out := *b.orEmpty()
	out.litellm.Updated = c
	return &out
}

func (b *PriceBook) orEmpty() *PriceBook {
	if b == nil {
		return NewPriceBook(nil)
	}
	return b
}

// merge fills the figures p does not state from the catalog price of t.
func (b *PriceBook) merge(p Price, t Target) Price {
	if p.Given == 0 {
		return p
	}
	base, ok := b.catalog(pricedAs(t)).Price()
	if !ok {
		// Nothing to fall back on: a cache token costs what an input one does.
		base = Price{}
	}
	out := Price{Source: p.Source}
	if ok {
		// The figures not written keep their tiers and long-context
		// rates only when none of the written ones would contradict them.
		if p.Given&(PriceInput|PriceOutput) == 0 {
			out.Tiers, out.LongContext = base.Tiers, base.LongContext
		}
		out.Reasoning = base.Reasoning
	}
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
	return b.Quote(t).Price()
}

// Quote is a target's price with the catalogs' other opinions of it.
type Quote struct {
	// Used is the price Lookup returns; nil when unknown.
	Used *Price
	// Others are the other catalogs' prices for the same id, when they
	// differ from Used by more than 1 %.
	Others []Price
}

// Price is the quote's price, false when unknown.
func (q Quote) Price() (Price, bool) {
	if q.Used == nil {
		return Price{}, false
	}
	return *q.Used, true
}

// Quote prices t as Lookup does and keeps the catalogs it did not use
// where they disagree.
func (b *PriceBook) Quote(t Target) Quote {
	b = b.orEmpty()
	for _, key := range []string{t.Name, t.Provider + ":" + t.Model} {
		if p, ok := b.overrides[key]; ok && key != "" && key != ":" {
			p = b.merge(p, t)
			return Quote{Used: &p}
		}
	}
	if t.PriceAs != "" {
		if p, ok := b.overrides[t.PriceAs]; ok {
			p = b.merge(p, pricedAs(t))
			return Quote{Used: &p}
		}
	}
	q := b.catalog(pricedAs(t))
	if q.Used != nil && t.PriceAs != "" && q.Used.Via == "" {
		used := *q.Used
		used.Via = t.PriceAs
		q.Used = &used
	}
	return q
}

// pricedAs is the target whose price t pays: its price_as, else itself.
func pricedAs(t Target) Target {
	if t.PriceAs == "" {
		return t
	}
	provider, model, _ := strings.Cut(t.PriceAs, ":")
	return Target{Provider: provider, Model: model}
}

// litellmNamespace is the LiteLLM provider each of fanout's providers is
// priced under.
var litellmNamespace = map[string]string{
	"openai": "openai", "azure": "azure", "anthropic": "anthropic",
	ProviderBedrock: "bedrock", "bedrock-openai": "bedrock",
	"gemini": "gemini", "groq": "groq", "mistral": "mistral", "deepseek": "deepseek",
	"xai": "xai", "cerebras": "cerebras", "openrouter": "openrouter", "together": "together_ai",
}

// catalog prices t from the catalogs alone: steps 3–6 of PriceBook.
func (b *PriceBook) catalog(t Target) Quote {
	switch t.Provider {
	case ProviderDemo:
		if m, ok := demoModels[t.Model]; ok {
			p := m.price
			return Quote{Used: &p}
		}
		return Quote{}
	}
	if preset, ok := presets[t.Provider]; ok && preset.Local {
		// A model on the user's machine is free: a known price, not an
		// unknown one.
		return Quote{Used: &Price{Source: PriceSourceLocal}}
	}
	ns := litellmNamespace[t.Provider]
	model := t.Model
	if ns == "bedrock" && strings.HasPrefix(model, "arn:") {
		if i := strings.LastIndexByte(model, '/'); i >= 0 {
			model = model[i+1:]
		}
	}
	var found []Price
	if p, ok := b.litellm.Lookup(ns, model); ok {
		found = append(found, p)
	}
	if p, ok := catwalkExact(t.Provider, model); ok {
		found = append(found, p)
	}
	if len(found) > 0 {
		q := Quote{Used: &found[0]}
		for _, p := range found[1:] {
			if prices.Differs(found[0], p) {
				q.Others = append(q.Others, p)
			}
		}
		return q
	}
	if p, ok := b.sibling(t.Provider, ns, model); ok {
		return Quote{Used: &p}
	}
	return Quote{}
}

// catwalkExact is catwalk's price for the exact id. Catwalk has one
// Bedrock price list per geography: the EU's (which costs more) for eu.
// profiles, the US one for the rest.
func catwalkExact(provider, model string) (Price, bool) {
	if provider == ProviderBedrock || provider == "bedrock-openai" {
		id, geo := prices.BedrockBaseID(model)
		order := []string{"bedrock", "bedrock-europe"}
		if geo == "eu" {
			order[0], order[1] = order[1], order[0]
		}
		for _, c := range order {
			if p, ok := prices.Catwalk(c, id); ok {
				return p, true
			}
		}
		return Price{}, false
	}
	c := ""
	if preset, ok := presets[provider]; ok {
		c = preset.Catalog
	} else if provider == ProviderAnthropic {
		c = anthropicCatalog // an undated alias is a sibling: see sibling
	}
	if c == "" {
		return Price{}, false
	}
	return prices.Catwalk(c, model)
}

// sibling prices a model the catalogs do not list under its own id by one
// they do, named in Via: an Azure deployment by the OpenAI model it is
// named after; a Bedrock profile by the same model in-region or in another
// geography (each at its own regional price, as the catalog gives it); a
// dated id by the undated one and the other way round, when every dated
// sibling costs the same.
func (b *PriceBook) sibling(provider, ns, model string) (Price, bool) {
	via := func(p Price, ok bool, name string) (Price, bool) {
		if ok {
			p.Via = name
		}
		return p, ok
	}
	switch ns {
	case "azure":
		// Azure's own entries were tried first; an OpenAI model of the
		// same name is the same model, sold at the same list price.
		if p, ok := b.litellm.Lookup("openai", model); ok {
			return via(p, true, "openai:"+model)
		}
		if p, ok := prices.Catwalk("openai", model); ok {
			return via(p, true, "openai:"+model)
		}
	case "bedrock":
		base, geo := prices.BedrockBaseID(model)
		candidates := []string{base}
		if geo == "" {
			candidates = nil
		}
		for _, g := range []string{"global", "us", "eu", "apac", "jp"} {
			if g != geo {
				candidates = append(candidates, g+"."+base)
			}
		}
		for _, id := range candidates {
			if p, ok := b.litellm.Lookup(ns, id); ok {
				return via(p, true, id)
			}
		}
	}
	if ns == "" {
		return Price{}, false
	}
	// A dated or undated twin, the same figures whichever is picked.
	var found []Price
	var name string
	for _, id := range prices.DatedSiblings(model, b.litellm.IDs(ns)) {
		p, _ := b.litellm.Lookup(ns, id)
		if len(found) > 0 && prices.Differs(found[0], p) {
			return Price{}, false // two dated versions at two prices: which one is served is unknown
		}
		if len(found) == 0 {
			name = id
		}
		found = append(found, p)
	}
	if len(found) == 0 {
		return Price{}, false
	}
	return via(found[0], true, name)
}

// bedrockCatalogID strips the cross-region prefix of a Bedrock model id and
// returns it apart ("" when there was none).
func bedrockCatalogID(id string) (model, region string) { return prices.BedrockBaseID(id) }

// catalogSmallModel is the catalog's suggested small model of a provider, ""
// when it has none.
func catalogSmallModel(provider string) string { return prices.CatwalkSmallModel(provider) }

// Tokens are the counts of u that a price is charged on.
func (u Usage) Tokens() prices.Tokens {
	return prices.Tokens{Input: u.Input, Output: u.Output, CachedInput: u.CachedInput, CacheWrite: u.CacheWrite, Reasoning: u.Reasoning}
}
