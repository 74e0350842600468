package prices

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

//go:generate go run ./gen -in ../../shared/data/prices/litellm-model-prices-2026-08-06.json -out .

// LiteLLM's catalog is one JSON object: model id → entry, prices in US$ per
// token. These are the providers fanout speaks to; the trimmed copy keeps
// only their chat models.
var litellmProviders = map[string]bool{
	"openai": true, "azure": true, "anthropic": true, "bedrock": true, "bedrock_converse": true,
	"gemini": true, "groq": true, "mistral": true, "deepseek": true, "xai": true,
	"cerebras": true, "openrouter": true, "together_ai": true,
}

// priceField matches the price fields fanout reads: a figure, then
// optionally a long-context threshold, then optionally a service tier
// ("input_cost_per_token_above_200k_tokens_priority").
var priceField = regexp.MustCompile(`^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|cache_creation_input_token_cost|output_cost_per_reasoning_token|input_cost_per_token_cache_hit)(?:_above_(\d+)k_tokens)?(?:_(priority|flex|batches))?$`)

// minModels is how many usable chat models a LiteLLM catalog must hold to
// be taken for one: the 2026-08-06 snapshot has over 700; a file with a
// handful is a wrong URL or a broken mirror, not a catalog.
const minModels = 50

// entry is one model of the catalog, as fanout reads it.
type entry map[string]any

func (e entry) provider() string { s, _ := e["litellm_provider"].(string); return s }

// usable reports a chat model of a provider fanout speaks to, with both an
// input and an output price.
func (e entry) usable() bool {
	if e["mode"] != nil && e["mode"] != "chat" {
		return false
	}
	if !litellmProviders[e.provider()] {
		return false
	}
	_, in := e["input_cost_per_token"].(float64)
	_, out := e["output_cost_per_token"].(float64)
	return in && out
}

// parseLiteLLM reads a LiteLLM catalog, full or trimmed, and refuses what
// is not one with a message saying what was found instead. It returns the
// usable entries, trimmed to the fields fanout reads.
func parseLiteLLM(data []byte) (map[string]entry, error) {
	body := bytes.TrimSpace(data)
	switch {
	case len(body) == 0:
		return nil, errors.New("the file is empty")
	case body[0] == '<':
		return nil, errors.New("this is an HTML page, not LiteLLM's JSON catalog (an error or login page, or a URL that is not the raw file)")
	case body[0] != '{':
		return nil, fmt.Errorf("want a JSON object of models, found %q…", firstBytes(body, 20))
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		if strings.Contains(err.Error(), "unexpected end of JSON input") {
			return nil, errors.New("the JSON ends early: the file is truncated (an interrupted download?)")
		}
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	out := map[string]entry{}
	for _, id := range slices.Sorted(maps.Keys(raw)) {
		var e entry
		if err := json.Unmarshal(raw[id], &e); err != nil || e == nil {
			continue // not a model entry (LiteLLM's own file has none such, but a key may be added)
		}
		if id == "sample_spec" || !litellmProviders[e.provider()] {
			continue
		}
		trimmed := entry{"litellm_provider": e.provider()}
		for k, v := range e {
			if !priceField.MatchString(k) {
				continue
			}
			f, ok := v.(float64)
			if !ok || math.IsInf(f, 0) || math.IsNaN(f) || f < 0 {
				return nil, fmt.Errorf("model %q: %s is %s, not a price per token", id, k, firstBytes([]byte(fmt.Sprint(v)), 30))
			}
			trimmed[k] = f
		}
		if mode, ok := e["mode"].(string); ok {
			trimmed["mode"] = mode
		}
		if !trimmed.usable() {
			continue
		}
		delete(trimmed, "mode") // every kept entry is a chat model
		out[id] = trimmed
	}
	if len(out) < minModels {
		return nil, fmt.Errorf("only %d chat models with prices (want at least %d): this is not LiteLLM's model_prices_and_context_window.json", len(out), minModels)
	}
	return out, nil
}

func mapsKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

func firstBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// Trim reads a LiteLLM catalog and writes the part fanout reads: chat
// models of the providers it speaks to, with only their price fields, one
// model per line in id order, so that a regenerated file diffs by model.
func Trim(data []byte) ([]byte, int, error) {
	entries, err := parseLiteLLM(data)
	if err != nil {
		return nil, 0, err
	}
	for id, e := range entries {
		if _, _, ok := namespace(id, e); !ok {
			delete(entries, id) // a regional or commitment price, never looked up
		}
	}
	var b bytes.Buffer
	b.WriteString("{\n")
	ids := slices.Sorted(maps.Keys(entries))
	for i, id := range ids {
		k, _ := json.Marshal(id)
		v, err := json.Marshal(entries[id]) // map keys are sorted
		if err != nil {
			return nil, 0, fmt.Errorf("trim %s: %w", id, err)
		}
		b.Write(k)
		b.WriteString(": ")
		b.Write(v)
		if i < len(ids)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("}\n")
	return b.Bytes(), len(ids), nil
}

// namespace is where an entry is looked up: its provider, Bedrock's two
// (invoke and converse) as one, and its id without the provider's prefix
// ("azure/gpt-4o" → azure, "gpt-4o"). ok is false for an id that names a
// region or a commitment ("bedrock/us-east-1/…"), which fanout cannot
// tell it is using.
func namespace(id string, e entry) (ns, model string, ok bool) {
	ns = e.provider()
	if ns == "bedrock_converse" {
		ns = "bedrock"
	}
	model = id
	for _, prefix := range []string{ns + "/", e.provider() + "/"} {
		if rest, cut := strings.CutPrefix(model, prefix); cut {
			model = rest
			break
		}
	}
	switch ns {
	case "bedrock", "azure":
		if strings.Contains(model, "/") {
			return "", "", false
		}
	}
	return ns, model, model != ""
}

// priceOf reads an entry's figures into a Price.
func priceOf(e entry) Price {
	// figures[tier][threshold][figure]
	figures := map[string]map[int]map[string]float64{}
	for k, v := range e {
		m := priceField.FindStringSubmatch(k)
		if m == nil {
			continue
		}
		f, _ := v.(float64)
		tier := m[3]
		if tier == "batches" {
			tier = TierBatch
		}
		above := 0
		if m[2] != "" {
			n, _ := strconv.Atoi(m[2])
			above = n * 1000
		}
		if figures[tier] == nil {
			figures[tier] = map[int]map[string]float64{}
		}
		if figures[tier][above] == nil {
			figures[tier][above] = map[string]float64{}
		}
		figures[tier][above][m[1]] = f
	}
	standard := schedule(figures[""], Rates{})
	p := Price{Input: standard.Input, Output: standard.Output, CachedInput: standard.CachedInput,
		CacheWrite: standard.CacheWrite, Reasoning: standard.Reasoning, LongContext: standard.LongContext}
	for tier, byThreshold := range figures {
		if tier == "" {
			continue
		}
		if _, priced := byThreshold[0]; !priced {
			continue // a tier priced only for long prompts: not enough to cost one
		}
		if p.Tiers == nil {
			p.Tiers = map[string]Schedule{}
		}
		p.Tiers[tier] = schedule(byThreshold, standard.Rates)
	}
	return p
}

// schedule builds one tier's schedule from its figures per threshold. A
// figure the catalog leaves out comes from fallback (the standard tier's,
// for another tier; the tier's own base, for its long-context rates),
// except the cache figures: a cache token the catalog gives no price for
// is charged at the input price, which is what providers without a cache
// surcharge bill for writes, and overstates reads rather than hide a cost.
func schedule(byThreshold map[int]map[string]float64, fallback Rates) Schedule {
	rates := func(f map[string]float64, fb Rates) Rates {
		r := Rates{Input: fb.Input, Output: fb.Output, Reasoning: fb.Reasoning}
		if v, ok := f["input_cost_per_token"]; ok {
			r.Input = perMillion(v)
		}
		if v, ok := f["output_cost_per_token"]; ok {
			r.Output = perMillion(v)
		}
		r.CachedInput, r.CacheWrite = r.Input, r.Input
		if v, ok := f["input_cost_per_token_cache_hit"]; ok {
			r.CachedInput = perMillion(v)
		}
		if v, ok := f["cache_read_input_token_cost"]; ok {
			r.CachedInput = perMillion(v)
		}
		if v, ok := f["cache_creation_input_token_cost"]; ok {
			r.CacheWrite = perMillion(v)
		}
		if v, ok := f["output_cost_per_reasoning_token"]; ok {
			x := perMillion(v)
			r.Reasoning = &x
		}
		return r
	}
	s := Schedule{Rates: rates(byThreshold[0], fallback)}
	for _, above := range slices.Sorted(maps.Keys(byThreshold)) {
		if above == 0 {
			continue
		}
		s.LongContext = append(s.LongContext, Long{AboveTokens: above, Rates: rates(byThreshold[above], s.Rates)})
	}
	return s
}

func intKeys[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	return keys
}

// perMillion turns a price per token into one per million tokens, rounded
// to 12 significant digits: 3.5e-08 per token is $0.035, not
// $0.034999999999999996.
func perMillion(perToken float64) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(perToken*1e6, 'g', 12, 64), 64)
	return v
}
