package prices

import (
	_ "embed"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// The trimmed LiteLLM snapshot, written by `go generate` (see gen/).
//
//go:embed litellm_snapshot.json
var snapshotJSON []byte

// Catalog is a LiteLLM catalog arranged for lookup: namespace (a LiteLLM
// provider, Bedrock's two as one) → model id → price, once as written and
// once lower-cased.
type Catalog struct {
	// Source and AsOf are the provenance of every price in it.
	Source, AsOf string
	exact        map[string]map[string]Price
	fold         map[string]map[string]Price
	models       int
}

// NewCatalog reads a LiteLLM catalog (full or trimmed); its prices carry
// source and asOf.
func NewCatalog(data []byte, source, asOf string) (*Catalog, error) {
	entries, err := parseLiteLLM(data)
	if err != nil {
		return nil, err
	}
	c := &Catalog{Source: source, AsOf: asOf, exact: map[string]map[string]Price{}, fold: map[string]map[string]Price{}}
	// Ids in order, so that when two entries land on one key the choice is
	// the same every time: the id without a provider prefix first, and of
	// Bedrock's two the converse one (the API fanout calls).
	ids := slices.Sorted(maps.Keys(entries))
	slices.SortStableFunc(ids, func(a, b string) int { return rank(a, entries[a]) - rank(b, entries[b]) })
	for _, id := range ids {
		e := entries[id]
		ns, model, ok := namespace(id, e)
		if !ok {
			continue
		}
		p := priceOf(e)
		p.Source, p.AsOf = source, asOf
		if c.exact[ns] == nil {
			c.exact[ns], c.fold[ns] = map[string]Price{}, map[string]Price{}
		}
		if _, dup := c.exact[ns][model]; !dup {
			c.exact[ns][model] = p
			c.models++
		}
		if _, dup := c.fold[ns][strings.ToLower(model)]; !dup {
			c.fold[ns][strings.ToLower(model)] = p
		}
	}
	return c, nil
}

func rank(id string, e entry) int {
	r := 0
	if strings.Contains(id, "/") {
		r += 2
	}
	if e.provider() == "bedrock" {
		r++
	}
	return r
}

// Models counts the models the catalog prices.
func (c *Catalog) Models() int { return c.models }

// Lookup returns the price of a model id in a namespace ("openai", "azure",
// "anthropic", "bedrock", "gemini", "together_ai", …), its case ignored.
func (c *Catalog) Lookup(ns, model string) (Price, bool) {
	if c == nil {
		return Price{}, false
	}
	if p, ok := c.exact[ns][model]; ok {
		return p, true
	}
	p, ok := c.fold[ns][strings.ToLower(model)]
	return p, ok
}

// IDs lists a namespace's model ids, sorted.
func (c *Catalog) IDs(ns string) []string {
	if c == nil {
		return nil
	}
	return slices.Sorted(maps.Keys(c.exact[ns]))
}

// Stale reports a catalog dated more than 90 days before now: prices
// change, and an old catalog is shown as such.
func (c *Catalog) Stale(now time.Time) bool {
	d, err := time.Parse(time.DateOnly, c.AsOf)
	return err == nil && now.Sub(d) > StaleAfter
}

// StaleAfter is the age past which a catalog is flagged as old.
const StaleAfter = 90 * 24 * time.Hour

// Snapshot is the embedded LiteLLM snapshot, parsed once.
var Snapshot = sync.OnceValue(func() *Catalog {
	c, err := NewCatalog(snapshotJSON, SourceLiteLLM, SnapshotDate)
	if err != nil {
		// The file is generated and tested: failing here is a build
		// mistake, not a user's.
		panic(fmt.Sprintf("embedded LiteLLM snapshot: %v", err))
	}
	return c
})

// LiteLLM is the LiteLLM catalogs in the order they win: an updated one
// (nil when none was fetched), then the embedded snapshot.
type LiteLLM struct {
	Updated  *Catalog
	Snapshot *Catalog
}

// Lookup finds a model in the updated catalog, then in the snapshot.
func (l LiteLLM) Lookup(ns, model string) (Price, bool) {
	if p, ok := l.Updated.Lookup(ns, model); ok {
		return p, true
	}
	return l.Snapshot.Lookup(ns, model)
}

// IDs lists the model ids of a namespace in either catalog.
func (l LiteLLM) IDs(ns string) []string {
	ids := append(l.Updated.IDs(ns), l.Snapshot.IDs(ns)...)
	slices.Sort(ids)
	return slices.Compact(ids)
}

// dated is a date at the end of a model id: "-20250929", "-2024-08-06",
// "@20250929".
var dated = regexp.MustCompile(`[-@](\d{8}|\d{4}-\d{2}-\d{2})$`)

// version is a Bedrock id's version suffix: "-v1:0", "-v2".
var version = regexp.MustCompile(`-v\d+(:\d+)?$`)

// splitVersion cuts a Bedrock version suffix off an id.
func splitVersion(id string) (base, suffix string) {
	if loc := version.FindStringIndex(id); loc != nil && loc[0] > 0 {
		return id[:loc[0]], id[loc[0]:]
	}
	return id, ""
}

// DatedSiblings returns the ids of ids that are model with a date added, or
// model without its date: "claude-sonnet-4-5" ↔ "claude-sonnet-4-5-20250929".
// A Bedrock id's version suffix ("-v1:0") stays where it is.
func DatedSiblings(model string, ids []string) []string {
	base, suffix := splitVersion(model)
	var out []string
	undated := dated.ReplaceAllString(base, "")
	for _, id := range ids {
		if strings.EqualFold(id, model) {
			continue
		}
		idBase, idSuffix := splitVersion(id)
		if !strings.EqualFold(idSuffix, suffix) {
			continue
		}
		if strings.EqualFold(dated.ReplaceAllString(idBase, ""), undated) && (dated.MatchString(idBase) != dated.MatchString(base)) {
			out = append(out, id)
		}
	}
	return out
}

// BedrockGeoPrefixes are the geography prefixes of Bedrock cross-region
// inference profile ids ("us.anthropic.claude-…").
var BedrockGeoPrefixes = []string{"us", "eu", "apac", "jp", "global", "au", "ca", "us-gov", "sa", "in"}

// BedrockBaseID strips the cross-region prefix of a Bedrock model id and
// returns it apart ("" when there was none). An inference-profile ARN is
// reduced to the id after its last slash first.
func BedrockBaseID(id string) (model, geo string) {
	if strings.HasPrefix(id, "arn:") {
		if i := strings.LastIndexByte(id, '/'); i >= 0 {
			id = id[i+1:]
		}
	}
	if prefix, rest, ok := strings.Cut(id, "."); ok && slices.Contains(BedrockGeoPrefixes, strings.ToLower(prefix)) {
		return rest, strings.ToLower(prefix)
	}
	return id, ""
}
