package backends

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Provider names that are not OpenAI-compatible presets.
const (
	ProviderBedrock = "bedrock"
	ProviderDemo    = "demo"
)

// Preset is a named OpenAI-compatible server.
type Preset struct {
	Name    string
	BaseURL string
	// KeyEnv is the conventional variable holding the key; empty when the
	// server needs none (local servers).
	KeyEnv string
	// KeyOptional is true when the server works without a key but accepts one.
	KeyOptional bool
	// URLEnv, when set in the environment, overrides BaseURL.
	URLEnv string
	// Catalog is the catwalk provider id used to price its models.
	Catalog string
	// Local servers run on the user's machine: their price is zero.
	Local bool
	// DefaultModel is offered when the preset is detected with a key.
	DefaultModel string
	// Regional: BaseURL holds {region}, taken from AWS_REGION (else
	// AWS_DEFAULT_REGION).
	Regional bool
	// OwnDefault: DefaultModel is offered before the catalog's suggestion,
	// for a preset priced by another provider's catalog whose models it
	// does not all serve.
	OwnDefault bool
}

// regionPlaceholder is what a Regional preset's BaseURL holds.
const regionPlaceholder = "{region}"

var presets = map[string]Preset{
	"openai":     {Name: "openai", BaseURL: "https://api.openai.com/v1", KeyEnv: "OPENAI_API_KEY", URLEnv: "OPENAI_BASE_URL", Catalog: "openai", DefaultModel: "gpt-4o-mini"},
	"ollama":     {Name: "ollama", BaseURL: "http://localhost:11434/v1", URLEnv: "OLLAMA_BASE_URL", Local: true},
	"openrouter": {Name: "openrouter", BaseURL: "https://openrouter.ai/api/v1", KeyEnv: "OPENROUTER_API_KEY", Catalog: "openrouter", DefaultModel: "openai/gpt-4o-mini"},
	"groq":       {Name: "groq", BaseURL: "https://api.groq.com/openai/v1", KeyEnv: "GROQ_API_KEY", Catalog: "groq", DefaultModel: "qwen/qwen3-32b"},
	"deepseek":   {Name: "deepseek", BaseURL: "https://api.deepseek.com/v1", KeyEnv: "DEEPSEEK_API_KEY", Catalog: "deepseek", DefaultModel: "deepseek-v4-flash"},
	"mistral":    {Name: "mistral", BaseURL: "https://api.mistral.ai/v1", KeyEnv: "MISTRAL_API_KEY", DefaultModel: "mistral-small-latest"},
	"together":   {Name: "together", BaseURL: "https://api.together.xyz/v1", KeyEnv: "TOGETHER_API_KEY"},
	"gemini":     {Name: "gemini", BaseURL: "https://generativelanguage.googleapis.com/v1beta/openai", KeyEnv: "GEMINI_API_KEY", Catalog: "gemini"},
	"xai":        {Name: "xai", BaseURL: "https://api.x.ai/v1", KeyEnv: "XAI_API_KEY", Catalog: "xai"},
	"cerebras":   {Name: "cerebras", BaseURL: "https://api.cerebras.ai/v1", KeyEnv: "CEREBRAS_API_KEY", Catalog: "cerebras"},
	"lmstudio":   {Name: "lmstudio", BaseURL: "http://localhost:1234/v1", Local: true},
	"vllm":       {Name: "vllm", BaseURL: "http://localhost:8000/v1", KeyEnv: "VLLM_API_KEY", KeyOptional: true},
	// Bedrock's OpenAI-compatible endpoint, with a Bedrock API key: the same
	// models as bedrock: (ConverseStream) through Chat Completions.
	"bedrock-openai": {Name: "bedrock-openai", BaseURL: "https://bedrock-runtime." + regionPlaceholder + ".amazonaws.com/openai/v1",
		KeyEnv: bedrockTokenVar, URLEnv: "BEDROCK_OPENAI_BASE_URL", Regional: true, Catalog: "bedrock", DefaultModel: "openai.gpt-oss-20b-1:0",
		OwnDefault: true}, // Bedrock's Chat Completions serve OpenAI's models, not the catalog's Claude
	// Azure's base URL is the resource endpoint; the model is the deployment.
	"azure": {Name: "azure", URLEnv: "AZURE_OPENAI_ENDPOINT", KeyEnv: "AZURE_OPENAI_API_KEY", Catalog: "azure"},
}

// awsRegion is the region a Regional preset's URL is built with.
func awsRegion(opts Options) string {
	return strings.TrimSpace(cmp.Or(opts.getenv("AWS_REGION"), opts.getenv("AWS_DEFAULT_REGION")))
}

// LookupPreset returns the OpenAI-compatible preset called name.
func LookupPreset(name string) (Preset, bool) {
	p, ok := presets[name]
	return p, ok
}

// PresetNames lists the OpenAI-compatible presets, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ProviderNames lists everything that can stand before the colon of a spec.
func ProviderNames() []string {
	names := append(PresetNames(), ProviderBedrock, ProviderDemo, ProviderAnthropic)
	slices.Sort(names)
	return names
}

// ParseSpec resolves "provider:model". The model part may itself contain
// colons (bedrock ids end in ":0", ollama tags look like "llama3.2:3b").
func ParseSpec(spec string) (Target, error) {
	provider, model, ok := strings.Cut(strings.TrimSpace(spec), ":")
	if !ok || provider == "" || model == "" {
		return Target{}, fmt.Errorf("model %q: want provider:model, e.g. openai:gpt-4o-mini or demo:swift", spec)
	}
	t := Target{Name: spec, Provider: provider, Model: model, Label: model}
	switch provider {
	case ProviderDemo:
		d, ok := DemoTarget(model)
		if !ok {
			return Target{}, fmt.Errorf("model %q: no demo model %q (demo models: %s)", spec, model, strings.Join(DemoModelNames(), ", "))
		}
		d.Name = spec
		return d, nil
	case ProviderBedrock:
	case ProviderAnthropic:
		t.KeyEnv = anthropicKeyVar
	default:
		p, ok := presets[provider]
		if !ok {
			return Target{}, fmt.Errorf("model %q: unknown provider %q (known: %s)", spec, provider, strings.Join(ProviderNames(), ", "))
		}
		t.KeyEnv = p.KeyEnv
	}
	return t, nil
}
