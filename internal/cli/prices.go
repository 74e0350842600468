package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/prices"
)

const pricesHelp = `Usage: fanout prices [--json] [MODEL]...
       fanout prices update [--url URL]

Shows what each MODEL costs per million tokens (input, output, cache read,
cache write, reasoning where priced apart, above 200k prompt tokens, and
the priority, flex and batch tiers), where the price comes from and how
old it is; with no MODEL, every model usable here. A MODEL is
provider:model or a name from the config. Where LiteLLM's catalog and
catwalk's disagree by more than 1 %, both are shown, and which one is used.

'fanout prices update' downloads LiteLLM's current catalog (or --url's)
into $XDG_CACHE_HOME/fanout/prices; its prices then win over the embedded
snapshot's. A download that is not a price catalog is refused and the
prices in use stay as they were. fanout never fetches prices otherwise.

Flags:
`

// priceRow is one model in `fanout prices --json`. Its shape is a
// contract: add fields, never rename or remove them.
type priceRow struct {
	Name     string     `json:"name"` // the MODEL as given
	Provider string     `json:"provider"`
	Model    string     `json:"model"`
	Price    *priceJSON `json:"price"`
	// Source is the kind of source (litellm, updated, catwalk, config,
	// local, simulated), AsOf its date or version; PriceSource says both
	// in the words `fanout run --json` uses for price_source.
	Source      *string `json:"source"`
	AsOf        *string `json:"as_of"`
	PriceSource *string `json:"price_source"`
	// Stale marks a catalog more than 90 days old.
	Stale bool `json:"stale"`
	// Disagree lists the other catalog's price, not used, where it differs
	// from the one used by more than 1 %.
	Disagree []otherPrice `json:"disagree,omitempty"`
}

type otherPrice struct {
	Source      string     `json:"source"`
	AsOf        *string    `json:"as_of"`
	PriceSource string     `json:"price_source"`
	Price       *priceJSON `json:"price"`
}

// ratesJSON are the figures of one tier or context length, per million
// tokens; reasoning is null when reasoning tokens are billed as output.
type ratesJSON struct {
	Input       float64  `json:"input"`
	Output      float64  `json:"output"`
	CachedInput float64  `json:"cached_input"`
	CacheWrite  float64  `json:"cache_write"`
	Reasoning   *float64 `json:"reasoning"`
}

type priceJSON struct {
	ratesJSON
	// Above200K is the price once the prompt passes 200k tokens; null when
	// the model has none at that length. LongContext lists every
	// threshold (gpt-5.4's is 272k).
	Above200K   *ratesJSON           `json:"above_200k"`
	LongContext []longJSON           `json:"long_context"`
	Tiers       map[string]*tierJSON `json:"tiers"`
}

type longJSON struct {
	AboveTokens int `json:"above_tokens"`
	ratesJSON
}

type tierJSON struct {
	ratesJSON
	Above200K *ratesJSON `json:"above_200k"`
}

func toRates(r prices.Rates) ratesJSON {
	return ratesJSON{Input: r.Input, Output: r.Output, CachedInput: r.CachedInput, CacheWrite: r.CacheWrite, Reasoning: r.Reasoning}
}

func above200K(s prices.Schedule) *ratesJSON {
	for _, l := range s.LongContext {
		if l.AboveTokens == 200_000 {
			r := toRates(l.Rates)
			return &r
		}
	}
	return nil
}

func toPriceJSON(p backends.Price) *priceJSON {
	std := p.Standard()
	out := &priceJSON{ratesJSON: toRates(std.Rates), Above200K: above200K(std), LongContext: []longJSON{},
		Tiers: map[string]*tierJSON{prices.TierPriority: nil, prices.TierFlex: nil, prices.TierBatch: nil}}
	for _, l := range std.LongContext {
		out.LongContext = append(out.LongContext, longJSON{AboveTokens: l.AboveTokens, ratesJSON: toRates(l.Rates)})
	}
	for name, s := range p.Tiers {
		out.Tiers[name] = &tierJSON{ratesJSON: toRates(s.Rates), Above200K: above200K(s)}
	}
	return out
}

func pricesCmd(ctx context.Context, e env, args []string) error {
	if len(args) > 0 && args[0] == "update" {
		return pricesUpdateCmd(ctx, e, args[1:])
	}
	var c common
	var jsonOut bool
	cmd := newCommand("prices", pricesHelp)
	c.flagConfig(cmd.fs, "")
	flagJSON(cmd.fs, &jsonOut, "")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if err := c.load(e); err != nil {
		return err
	}
	type named struct {
		name   string
		target backends.Target
	}
	var models []named
	if len(pos) == 0 {
		for _, l := range c.catalog(ctx, e) {
			if l.Ready && !l.Placeholder {
				models = append(models, named{l.Name, l.target})
			}
		}
	}
	for _, spec := range pos {
		t, err := c.cfg.Resolve(spec)
		if err != nil {
			return cmd.bad(err)
		}
		models = append(models, named{spec, t})
	}
	now := time.Now()
	rows := make([]priceRow, 0, len(models))
	for _, m := range models {
		rows = append(rows, c.priceRow(m.name, m.target, now))
	}
	if jsonOut {
		enc := json.NewEncoder(termsafe.JSONWriter(e.stdout)) // no raw C1 control in the bytes
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	writePrices(e.stdout, rows)
	return nil
}

// priceRow prices one model for the command.
func (c *common) priceRow(name string, t backends.Target, now time.Time) priceRow {
	row := priceRow{Name: name, Provider: t.Provider, Model: t.Model}
	q := c.prices.Quote(t)
	p, ok := q.Price()
	if !ok {
		return row
	}
	row.Price = toPriceJSON(p)
	row.Source, row.PriceSource = ptr(p.Source), ptr(p.Provenance())
	if p.AsOf != "" {
		row.AsOf = ptr(p.AsOf)
	}
	row.Stale = stale(p, now)
	for _, o := range q.Others {
		other := otherPrice{Source: o.Source, PriceSource: o.Provenance(), Price: toPriceJSON(o)}
		if o.AsOf != "" {
			other.AsOf = ptr(o.AsOf)
		}
		row.Disagree = append(row.Disagree, other)
	}
	return row
}

func ptr[T any](v T) *T { return &v }

// stale reports a price from a LiteLLM catalog more than 90 days old.
func stale(p backends.Price, now time.Time) bool {
	if p.Source != prices.SourceLiteLLM && p.Source != prices.SourceUpdated {
		return false
	}
	c := prices.Catalog{AsOf: p.AsOf}
	return c.Stale(now)
}

// writePrices prints one block per model.
func writePrices(w io.Writer, rows []priceRow) {
	anyStale := ""
	for i, r := range rows {
		if i > 0 {
			fmt.Fprintln(w)
		}
		name := termsafe.Text(r.Name)
		if r.Name != r.Provider+":"+r.Model {
			name += " (" + termsafe.Text(r.Provider+":"+r.Model) + ")"
		}
		if r.Price == nil {
			fmt.Fprintf(w, "%s\n  unknown: no catalog prices it; price_as = \"PROVIDER:MODEL\" on its [models.NAME], or a [prices.NAME] table, gives it one\n", name)
			continue
		}
		src := termsafe.Text(*r.PriceSource)
		if r.Stale {
			src += " (over 90 days old)"
			anyStale = *r.PriceSource
		}
		fmt.Fprintf(w, "%s  %s\n", name, src)
		switch *r.Source {
		case prices.SourceLocal:
			fmt.Fprintln(w, "  free: a server on this machine")
			continue
		case prices.SourceSimulated:
			fmt.Fprintln(w, "  simulated: a demo model's made-up price")
		}
		p := r.Price
		fmt.Fprintf(w, "  %-14s %s\n", "per 1M tokens", rateLine(p.ratesJSON))
		for _, l := range p.LongContext {
			fmt.Fprintf(w, "  %-14s %s\n", fmt.Sprintf("above %dk", l.AboveTokens/1000), rateLine(l.ratesJSON))
		}
		for _, tier := range []string{prices.TierPriority, prices.TierFlex, prices.TierBatch} {
			if t := p.Tiers[tier]; t != nil {
				line := rateLine(t.ratesJSON)
				if t.Above200K != nil {
					line += "; above 200k " + rateLine(*t.Above200K)
				}
				fmt.Fprintf(w, "  %-14s %s\n", tier, line)
			}
		}
		for _, o := range r.Disagree {
			fmt.Fprintf(w, "  %s says %s — not used: %s wins\n", termsafe.Text(o.PriceSource), rateLine(o.Price.ratesJSON), termsafe.Text(*r.PriceSource))
		}
	}
	if anyStale != "" {
		fmt.Fprintf(w, "\nPrices change: %s is over 90 days old; 'fanout prices update' fetches LiteLLM's current catalog.\n", anyStale)
	}
}

// rateLine is one schedule's figures per million tokens.
func rateLine(r ratesJSON) string {
	parts := []string{
		"input " + perMillion(r.Input), "output " + perMillion(r.Output),
		"cache read " + perMillion(r.CachedInput), "cache write " + perMillion(r.CacheWrite),
	}
	if r.Reasoning != nil {
		parts = append(parts, "reasoning "+perMillion(*r.Reasoning))
	}
	return strings.Join(parts, " · ")
}

const pricesUpdateHelp = `Usage: fanout prices update [--url URL]

Downloads LiteLLM's price catalog and keeps the part fanout reads in
$XDG_CACHE_HOME/fanout/prices, dated today. Its prices then win over the
embedded snapshot's for the models it lists. A download that is not a
catalog (an HTML page, a truncated file, an error status, prices that are
not numbers) is refused, and the prices in use stay as they were.

Flags:
`

// updateTimeout bounds a download of the catalog (about 1.5 MB).
const updateTimeout = 2 * time.Minute

func pricesUpdateCmd(ctx context.Context, e env, args []string) error {
	url := prices.DefaultURL
	cmd := newCommand("prices update", pricesUpdateHelp)
	cmd.fs.StringVar(&url, "url", url, "where to download the catalog from")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmd.bad(fmt.Errorf("unexpected argument %q", pos[0]))
	}
	dir := prices.CacheDir(e.getenv)
	inUse := "the embedded snapshot of " + prices.SnapshotDate
	if old, err := prices.LoadUpdated(dir); err == nil && old != nil {
		inUse = "the catalog updated " + old.AsOf
	}
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	c, err := prices.Update(ctx, nil, url, dir, time.Now())
	if err != nil {
		return fmt.Errorf("prices update: %w; the prices in use are unchanged (%s)", err, inUse)
	}
	fmt.Fprintf(e.stdout, "Prices of %d models from %s, dated %s, saved in %s.\nThey now win over the embedded snapshot of %s; it still prices the models they do not list.\n",
		c.Models(), termsafe.Text(prices.Redact(url)), c.AsOf, termsafe.Text(dir), prices.SnapshotDate)
	return nil
}
