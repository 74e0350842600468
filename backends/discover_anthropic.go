package backends

// anthropicFallbackModel is offered when the catalog names no small model.
const anthropicFallbackModel = "claude-haiku-4-5"

// discoverAnthropic lists Anthropic's API, ready when its key is set, with
// the catalog's suggested small model; otherwise it says what to set.
func discoverAnthropic(opts Options) Available {
	model := catalogSmallModel(anthropicCatalog)
	if model == "" {
		model = anthropicFallbackModel
	}
	t := Target{Name: ProviderAnthropic + ":" + model, Provider: ProviderAnthropic, Model: model, Label: model, KeyEnv: anthropicKeyVar}
	if opts.getenv(anthropicKeyVar) == "" {
		return Available{Target: t, Why: "set " + anthropicKeyVar}
	}
	why := anthropicKeyVar + " is set"
	if u := opts.getenv(anthropicURLVar); u != "" {
		why += "; " + anthropicURLVar + " is set"
	}
	return Available{Target: t, Ready: true, Why: why}
}
