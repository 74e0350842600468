package backends

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The values the reasoning and serving settings take. They are fanout's own
// words, the same for every provider; each backend says them in its
// provider's field (see CheckSettings for who takes which).
var (
	ReasoningEfforts = []string{"low", "medium", "high"}
	ServiceTiers     = []string{"priority", "default", "flex"}
	LatencyModes     = []string{"standard", "optimized"}
)

// MinThinkingBudget is the smallest thinking budget Anthropic accepts, for
// its own API and for Claude on Bedrock alike.
const MinThinkingBudget = 1024

// SettingNames are the keys a spec's settings and a [models.NAME] entry
// share for reasoning and serving.
var SettingNames = []string{"reasoning_effort", "thinking_budget", "service_tier", "latency"}

// ProviderAnthropic is Anthropic's own Messages API.
const ProviderAnthropic = "anthropic"

// SetSetting sets one reasoning or serving setting from its text, as a spec
// writes it ("service_tier=flex"): the value is checked against the values
// the setting takes, not against the provider (CheckSettings does that).
func (t *Target) SetSetting(key, value string) error {
	oneOf := func(allowed []string) (string, error) {
		if !slices.Contains(allowed, value) {
			return "", fmt.Errorf("%s: want one of %s, not %q", key, strings.Join(allowed, ", "), value)
		}
		return value, nil
	}
	var err error
	switch key {
	case "reasoning_effort":
		t.ReasoningEffort, err = oneOf(ReasoningEfforts)
	case "service_tier":
		t.ServiceTier, err = oneOf(ServiceTiers)
	case "latency":
		t.Latency, err = oneOf(LatencyModes)
	case "thinking_budget":
		n, perr := strconv.Atoi(value)
		if perr != nil || n < MinThinkingBudget || n > maxThinkingBudget {
			return fmt.Errorf("thinking_budget: want a whole number of tokens from %d to %d, not %q", MinThinkingBudget, maxThinkingBudget, value)
		}
		t.ThinkingBudget = n
	default:
		return fmt.Errorf("unknown setting %q (known: %s)", key, strings.Join(SettingNames, ", "))
	}
	return err
}

// maxThinkingBudget bounds a thinking budget to what a max_tokens can hold
// (config.MaxMaxTokens): no model thinks longer than it may answer.
const maxThinkingBudget = 1_000_000

// CheckSettings refuses a reasoning or serving setting that t's provider has
// no field for, saying which settings it does take, so that a setting is
// never silently dropped. Which provider takes what:
//
//   - OpenAI and the OpenAI-compatible servers: reasoning_effort
//     (reasoning_effort) and service_tier (service_tier);
//   - Bedrock: service_tier (serviceTier) and latency (performanceConfig)
//     for every model; thinking_budget for Claude (thinking, in
//     additionalModelRequestFields); reasoning_effort for OpenAI's gpt-oss
//     (reasoning_effort) and Amazon Nova 2 (reasoningConfig), both in
//     additionalModelRequestFields;
//   - Anthropic: thinking_budget (thinking, type "enabled", for models
//     before Claude 4.6), reasoning_effort (output_config.effort, with
//     adaptive thinking, Claude 4.6 and later; which model takes which is
//     left to the API to say, as it changes with each release) and
//     service_tier ("priority" asks for "auto", which uses the priority
//     tier where the account has it, "default" for "standard_only"); no
//     temperature, which its API version 2026-10-21 removed;
//   - the demo models: none.
func CheckSettings(t Target) error {
	refuse := func(setting, takes string) error {
		key, _, _ := strings.Cut(setting, " ")
		return &SettingError{Key: key, msg: fmt.Sprintf("%s: %s has no such setting (%s)", setting, providerWords(t), takes)}
	}
	if t.ThinkingBudget > 0 && t.MaxTokens > 0 && t.ThinkingBudget >= t.MaxTokens {
		return &SettingError{Key: "thinking_budget", msg: fmt.Sprintf("thinking_budget %d: must be below max_tokens %d, which counts the thinking too", t.ThinkingBudget, t.MaxTokens)}
	}
	switch t.Provider {
	case ProviderDemo:
		for _, s := range []struct {
			name string
			set  bool
		}{{"reasoning_effort", t.ReasoningEffort != ""}, {"thinking_budget", t.ThinkingBudget > 0},
			{"service_tier", t.ServiceTier != ""}, {"latency", t.Latency != ""}} {
			if s.set {
				return refuse(s.name, "the demo models take none of reasoning_effort, thinking_budget, service_tier, latency")
			}
		}
	case ProviderBedrock:
		family := bedrockFamily(t.Model)
		switch {
		case t.ThinkingBudget > 0 && t.Temperature != nil && *t.Temperature != 1:
			return &SettingError{Key: "thinking_budget", msg: fmt.Sprintf("thinking_budget: Claude thinks only at temperature 1; remove temperature = %g or the thinking budget", *t.Temperature)}
		case t.ThinkingBudget > 0 && family != "anthropic" && family != "":
			return refuse("thinking_budget", "on Bedrock only Claude models take thinking_budget; gpt-oss and Nova 2 take reasoning_effort")
		case t.ReasoningEffort != "" && family != "openai" && family != "nova2" && family != "":
			hint := "on Bedrock only OpenAI's gpt-oss and Amazon Nova 2 take reasoning_effort"
			if family == "anthropic" {
				hint += "; Claude takes thinking_budget"
			}
			return refuse("reasoning_effort", hint)
		case t.ReasoningEffort != "" && t.ThinkingBudget > 0:
			return &SettingError{Key: "thinking_budget", msg: "reasoning_effort and thinking_budget: give one, not both"}
		}
	case ProviderAnthropic:
		switch {
		case t.ReasoningEffort != "" && t.ThinkingBudget > 0:
			return &SettingError{Key: "thinking_budget", msg: "reasoning_effort and thinking_budget: give one, not both"}
		case t.Temperature != nil:
			// API version 2026-10-21, the one anthropic-sdk-go v2 speaks,
			// refuses temperature (and top_p, top_k) at any value.
			return &SettingError{Key: "temperature", msg: fmt.Sprintf("temperature: %s takes none (the Messages API removed it in version 2026-10-21); remove it", providerWords(t))}
		case t.ServiceTier == "flex":
			return refuse("service_tier \"flex\"", "Anthropic's tiers are priority and default")
		case t.Latency != "":
			return refuse("latency", "latency-optimized inference is Bedrock's")
		}
	default:
		switch {
		case t.ThinkingBudget > 0:
			return refuse("thinking_budget", "OpenAI-compatible servers take reasoning_effort")
		case t.Latency != "":
			return refuse("latency", "latency-optimized inference is Bedrock's")
		}
	}
	return nil
}

// providerWords names t's provider and model for a message.
func providerWords(t Target) string {
	return t.Provider + ":" + t.Model
}

// bedrockFamily is the maker of a Bedrock model, from its id: "anthropic",
// "openai", "nova2" (Amazon Nova 2, which reasons), another maker's prefix
// ("meta", "amazon", …), or "" when the id does not say (an ARN of an
// application inference profile, a custom model), which is let through:
// Bedrock itself refuses what the model cannot do.
func bedrockFamily(model string) string {
	if strings.HasPrefix(model, "arn:") && !strings.Contains(model, "inference-profile/") && !strings.Contains(model, "foundation-model/") {
		return ""
	}
	id, _ := bedrockCatalogID(model)
	maker, rest, ok := strings.Cut(id, ".")
	if !ok {
		return ""
	}
	if maker == "amazon" && strings.HasPrefix(rest, "nova-2") {
		return "nova2"
	}
	return maker
}

// SplitSpec cuts a spec's settings off it. They follow the model after
// plus signs, each as KEY=VALUE or as its value alone, since no two settings
// share a value: "bedrock:openai.gpt-oss-20b-1:0+flex+reasoning_effort=high"
// is the spec "bedrock:openai.gpt-oss-20b-1:0" with service_tier=flex and
// reasoning_effort=high, and a bare number is a thinking_budget. The plus
// sign is in no provider's model ids, needs no quoting in a shell, and is not
// the comma that separates the models of one -m.
func SplitSpec(spec string) (base string, settings [][2]string, err error) {
	base, rest, ok := strings.Cut(spec, "+")
	if !ok {
		return spec, nil, nil
	}
	for _, kv := range strings.Split(rest, "+") {
		kv = strings.TrimSpace(kv)
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			k, v = settingOf(kv), kv
		}
		if k == "" || v == "" {
			return "", nil, fmt.Errorf("model %q: %q is not a setting; write KEY=VALUE or a value after a +, e.g. %s+flex or %s+reasoning_effort=high (settings: %s)",
				spec, kv, base, base, strings.Join(SettingNames, ", "))
		}
		settings = append(settings, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
	}
	return base, settings, nil
}

// settingOf names the setting a bare value belongs to, "" when none.
func settingOf(v string) string {
	switch {
	case slices.Contains(ReasoningEfforts, v):
		return "reasoning_effort"
	case slices.Contains(ServiceTiers, v):
		return "service_tier"
	case slices.Contains(LatencyModes, v):
		return "latency"
	case v != "" && strings.Trim(v, "0123456789") == "":
		return "thinking_budget"
	}
	return ""
}

// SettingError is a setting CheckSettings refuses; Key names it, so that a
// config error can point at its line.
type SettingError struct {
	Key string
	msg string
}

func (e *SettingError) Error() string { return e.msg }

// servedWord keeps what a provider says served a request (a tier, a latency
// mode) to a short word of letters, digits, '-' and '_': it is shown in a
// pane header and written to --json, and a server's bytes must not become
// an escape sequence there. Anything else is dropped as unreported.
func servedWord(s string) string {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 32 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return ""
		}
	}
	return s
}
