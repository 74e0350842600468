// Package prices knows what models cost: the price types and the one cost
// formula, LiteLLM's catalog (a trimmed snapshot embedded, and the copy
// `fanout prices update` downloads) and Charm's catwalk catalog. It imports
// nothing of fanout's; backends maps its targets onto these catalogs.
package prices

import "strings"

// Rates are prices in US dollars per million tokens.
type Rates struct {
	Input       float64 `json:"input"`
	Output      float64 `json:"output"`
	CachedInput float64 `json:"cached_input"` // cache read
	CacheWrite  float64 `json:"cache_write"`
	// Reasoning is the price of a reasoning token where the catalog gives
	// one apart; nil means reasoning tokens are billed as output, which is
	// what they are counted in.
	Reasoning *float64 `json:"reasoning,omitempty"`
}

// Long is the price of a prompt longer than AboveTokens: every token of
// such a request is charged at these rates (Anthropic, Gemini and OpenAI
// all bill the whole request at the long-context price).
type Long struct {
	AboveTokens int `json:"above_tokens"`
	Rates
}

// Schedule is the price of one service tier: its rates, and those of long
// prompts, thresholds ascending.
type Schedule struct {
	Rates
	LongContext []Long `json:"long_context,omitempty"`
}

// Price is what a model costs, with where the figures come from. Its own
// figures are the standard tier's; they are fields of Price itself (not a
// Schedule inside it) so that a price is written as Price{Input: 1, …}.
type Price struct {
	Input       float64  `json:"input"`
	Output      float64  `json:"output"`
	CachedInput float64  `json:"cached_input"` // cache read
	CacheWrite  float64  `json:"cache_write"`
	Reasoning   *float64 `json:"reasoning,omitempty"`
	LongContext []Long   `json:"long_context,omitempty"`
	// Tiers are the prices of the service tiers other than the standard
	// one, by normalised name (TierPriority, TierFlex, TierBatch).
	Tiers map[string]Schedule `json:"tiers,omitempty"`
	// Source says where the price came from (the Source… constants) and
	// AsOf when: the catalog's date, or catwalk's version.
	Source string `json:"source"`
	AsOf   string `json:"as_of,omitempty"`
	// Via is the catalog entry the price was read from when it is not the
	// model's own id: a sibling (a dated id, another cross-region profile),
	// the model an Azure deployment is named after, or a price_as.
	Via string `json:"via,omitempty"`
	// Given says which figures a config override states; the others come
	// from the catalog. It lets a figure written as 0 (a free cache write)
	// differ from one not written. Zero means an override of the old kind:
	// a whole price. Lookups never return it set.
	Given Fields `json:"-"`
}

// Fields is a set of the figures of a Price.
type Fields uint8

// The figures of a Price, for Fields.
const (
	FieldInput Fields = 1 << iota
	FieldOutput
	FieldCachedInput
	FieldCacheWrite
)

// Price sources.
const (
	SourceLiteLLM   = "litellm"   // the embedded LiteLLM snapshot
	SourceUpdated   = "updated"   // a LiteLLM catalog `fanout prices update` fetched
	SourceCatwalk   = "catwalk"   // Charm's catwalk catalog, embedded
	SourceConfig    = "config"    // a [prices.NAME] table
	SourceLocal     = "local"     // a server on the user's machine: free
	SourceSimulated = "simulated" // the demo models' made-up prices
)

// Provenance is the price's source and date as one phrase: "catalog
// litellm 2026-08-06", "catwalk v0.52.1", "config", "updated 2026-12-03",
// followed by the entry it was read from when that is another id.
func (p Price) Provenance() string {
	s := p.Source
	switch p.Source {
	case SourceLiteLLM:
		s = "catalog litellm"
	case "":
		s = "unknown"
	}
	if p.AsOf != "" {
		s += " " + p.AsOf
	}
	if p.Via != "" {
		s += " (as " + p.Via + ")"
	}
	return s
}

// Normalised service tiers. The standard tier is "".
const (
	TierStandard = ""
	TierPriority = "priority"
	TierFlex     = "flex"
	TierBatch    = "batch"
)

// NormalizeTier maps the tier a provider reports it served to the names
// Tiers uses: Bedrock says "default", Anthropic "standard", OpenAI "default"
// (and "auto" where the request's own setting is echoed, which is served at
// the default tier unless the account has scale-tier credit, which fanout
// cannot see). Any other name is returned lower-cased: a tier the
// catalogs price under no name, whose cost is unknown.
func NormalizeTier(served string) string {
	switch t := strings.ToLower(strings.TrimSpace(served)); t {
	case "", "default", "standard", "auto", "on_demand", "on-demand":
		return TierStandard
	case "batch", "batches":
		return TierBatch
	default:
		return t
	}
}

// Tokens are the counts a cost is computed from. Input counts every prompt
// token, cached ones included; Output counts reasoning tokens too.
type Tokens struct {
	Input, Output, CachedInput, CacheWrite, Reasoning int
}

// Standard is the standard tier's schedule.
func (p Price) Standard() Schedule {
	return Schedule{Rates: Rates{Input: p.Input, Output: p.Output, CachedInput: p.CachedInput,
		CacheWrite: p.CacheWrite, Reasoning: p.Reasoning}, LongContext: p.LongContext}
}

// ScheduleFor returns the schedule of a tier as the provider names it;
// false when the price has none for it.
func (p Price) ScheduleFor(tier string) (Schedule, bool) {
	t := NormalizeTier(tier)
	if t == TierStandard {
		return p.Standard(), true
	}
	s, ok := p.Tiers[t]
	return s, ok
}

// RatesFor are the rates a request with prompt input tokens is charged
// at: the highest long-context threshold it passes, else the base rates.
func (s Schedule) RatesFor(input int) Rates {
	r := s.Rates
	for _, l := range s.LongContext {
		if input > l.AboveTokens {
			r = l.Rates
		}
	}
	return r
}

// Cost prices t served at tier (as the provider reports it; "" is the
// standard tier). It is false when the tier has no price: the cost is then
// unknown, not the standard price passed off as the tier's.
func (p Price) Cost(t Tokens, tier string) (float64, bool) {
	s, ok := p.ScheduleFor(tier)
	if !ok {
		return 0, false
	}
	r := s.RatesFor(t.Input)
	uncached := max(0, t.Input-t.CachedInput-t.CacheWrite)
	output, reasoning := t.Output, 0.0
	if r.Reasoning != nil {
		// Reasoning tokens are counted in Output; charged apart, they
		// leave it, so that none is charged twice.
		n := min(max(0, t.Reasoning), output)
		output -= n
		reasoning = float64(n) * *r.Reasoning
	}
	return (float64(uncached)*r.Input + float64(t.CachedInput)*r.CachedInput +
		float64(t.CacheWrite)*r.CacheWrite + float64(output)*r.Output + reasoning) / 1e6, true
}

// Differs reports whether two prices disagree by more than 1 % on a figure
// of their standard rates.
func Differs(a, b Price) bool {
	far := func(x, y float64) bool {
		if x == y {
			return false
		}
		return abs(x-y) > 0.01*max(abs(x), abs(y))
	}
	return far(a.Input, b.Input) || far(a.Output, b.Output) ||
		far(a.CachedInput, b.CachedInput) || far(a.CacheWrite, b.CacheWrite)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
