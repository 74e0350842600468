package backends

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Available is a model this machine could use, or could use once Enable is
// done.
type Available struct {
	Target Target
	// Ready is true when the model can be used as things stand.
	Ready bool
	// Why says what makes it ready ("OPENAI_API_KEY is set", "local server")
	// or, when it is not, what would ("set GROQ_API_KEY").
	Why string
	// Placeholder is true when Target.Model is not a real model id but a
	// blank to fill in (MODEL, DEPLOYMENT).
	Placeholder bool
}

// localProbeTimeout bounds the look for local servers, so that a machine
// without them starts at once.
const localProbeTimeout = 400 * time.Millisecond

// Discover lists what can be used here: presets and Anthropic whose keys are
// present (and those whose keys are missing, with the variable to set), Bedrock when AWS
// credentials and a region resolve, the models installed in a local Ollama,
// and the demo models. It reads only the environment and loopback servers.
func Discover(ctx context.Context, opts Options) []Available {
	var out []Available
	for _, name := range PresetNames() {
		p := presets[name]
		if p.Local || p.KeyEnv == "" || p.KeyOptional {
			continue // local servers are probed below, not assumed
		}
		// The catalog's suggested small model is kept current with each
		// catwalk release; the preset's own default covers the rest.
		model := catalogSmallModel(p.Catalog)
		if p.Catalog == "" || model == "" || (p.OwnDefault && p.DefaultModel != "") {
			model = p.DefaultModel
		}
		placeholder := model == "" || name == "azure"
		switch {
		case name == "azure":
			model = "DEPLOYMENT" // Azure serves deployments, named by their owner
		case model == "":
			model = "MODEL"
		}
		t := Target{Name: name + ":" + model, Provider: name, Model: model, Label: model, KeyEnv: p.KeyEnv}
		switch {
		case opts.getenv(p.KeyEnv) == "":
			out = append(out, Available{Target: t, Why: "set " + p.KeyEnv, Placeholder: placeholder})
		case p.URLEnv != "" && p.BaseURL == "" && opts.getenv(p.URLEnv) == "":
			out = append(out, Available{Target: t, Why: "set " + p.URLEnv, Placeholder: placeholder})
		case p.Regional && awsRegion(opts) == "" && opts.getenv(p.URLEnv) == "":
			out = append(out, Available{Target: t, Why: p.KeyEnv + " is set; set AWS_REGION too", Placeholder: placeholder})
		case placeholder:
			out = append(out, Available{Target: t, Why: p.KeyEnv + " is set; name a model: -m " + name + ":" + model, Placeholder: true})
		default:
			out = append(out, Available{Target: t, Ready: true, Why: p.KeyEnv + " is set"})
		}
	}

	out = append(out, discoverAnthropic(opts))

	var wg sync.WaitGroup
	var ollama []Available
	var bedrock Available
	wg.Go(func() { ollama = discoverOllama(ctx, opts) })
	wg.Go(func() { bedrock = discoverBedrock(ctx, opts) })
	wg.Wait()
	out = append(out, bedrock)
	out = append(out, ollama...)

	for _, t := range DemoTargets() {
		out = append(out, Available{Target: t, Ready: true, Why: "simulated, always available"})
	}
	return out
}

// DemoDefaults are the demo models a fresh machine compares: one fast, one
// slow and verbose, one slow to start.
func DemoDefaults() []string {
	var out []string
	for _, n := range []string{"swift", "sage", "ponder"} {
		if _, ok := demoModels[n]; ok {
			out = append(out, n)
		}
	}
	return out
}

// ollamaRoot is the Ollama server's root URL (not its /v1 OpenAI endpoint).
func ollamaRoot(opts Options) string {
	if u := opts.getenv("OLLAMA_BASE_URL"); u != "" {
		return strings.TrimSuffix(strings.TrimSuffix(u, "/"), "/v1")
	}
	if h := opts.getenv("OLLAMA_HOST"); h != "" {
		if !strings.Contains(h, "://") {
			h = "http://" + h
		}
		return strings.TrimSuffix(h, "/")
	}
	return "http://localhost:11434"
}

// discoverOllama lists the models installed in a local Ollama, if one
// answers quickly.
func discoverOllama(ctx context.Context, opts Options) []Available {
	root := ollamaRoot(opts)
	ctx, cancel := context.WithTimeout(ctx, localProbeTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, root+"/api/tags", nil)
	if err != nil {
		return nil
	}
	client := opts.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return []Available{{Target: Target{Name: "ollama:MODEL", Provider: "ollama", Model: "MODEL", Label: "ollama"},
			Why: fmt.Sprintf("start Ollama (nothing answers at %s)", root), Placeholder: true}}
	}
	defer resp.Body.Close()
	var tags struct {
		Models []struct {
			Name string `json:"name"`
		} `json:"models"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&tags) != nil {
		// Something answers, but not as Ollama does: say so rather than
		// leave the user wondering where Ollama went.
		return []Available{{Target: Target{Name: "ollama:MODEL", Provider: "ollama", Model: "MODEL", Label: "ollama"},
			Why: fmt.Sprintf("what answers at %s is not Ollama (HTTP %d to /api/tags); check OLLAMA_HOST", root, resp.StatusCode), Placeholder: true}}
	}
	var out []Available
	for _, m := range tags.Models {
		if m.Name == "" {
			continue
		}
		out = append(out, Available{Target: Target{Name: "ollama:" + m.Name, Provider: "ollama", Model: m.Name, Label: m.Name},
			Ready: true, Why: "installed in Ollama at " + root})
	}
	slices.SortFunc(out, func(a, b Available) int { return strings.Compare(a.Target.Model, b.Target.Model) })
	if len(out) == 0 {
		out = append(out, Available{Target: Target{Name: "ollama:MODEL", Provider: "ollama", Model: "MODEL", Label: "ollama"},
			Why: "Ollama runs but has no models: ollama pull llama3.2", Placeholder: true})
	}
	return out
}
