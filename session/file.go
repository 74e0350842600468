package session

import (
	"net/url"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// FormatVersion is the newest session file format this fanout writes and
// reads. Version 2 adds benches: a bench field in the header, trial lines,
// and a trial id on every event of a trial. A session without a bench is
// still written as version 1, which every fanout reads.
const FormatVersion = 2

// FormatV1 is the format of a session without trials.
const FormatV1 = 1

// Line types of a session file besides the event types of backends.
const (
	LineHeader = "header"
	LinePrompt = "prompt"
	LineFooter = "footer"
)

// Header is the first line of a session file: what was asked of which
// models. It never holds a key, a token or a header value.
type Header struct {
	Type        string         `json:"type"` // always "header"
	Format      int            `json:"format"`
	ID          string         `json:"id"`
	Created     time.Time      `json:"created"`
	App         string         `json:"app"`
	Prompt      string         `json:"prompt"`
	System      string         `json:"system,omitempty"`
	Temperature *float64       `json:"temperature,omitempty"`
	MaxTokens   int            `json:"max_tokens,omitempty"`
	Targets     []TargetRecord `json:"targets"`
	RerunOf     string         `json:"rerun_of,omitempty"`
	// Blind is "names" for a conversation whose models were hidden until a
	// vote, "full" when their figures were hidden too; "" for an open one.
	Blind string `json:"blind,omitempty"`
	// Tags name the task the session is evidence for ("coding"), for a
	// leaderboard per task. They are never sent to a model.
	Tags []string `json:"tags,omitempty"`
	// Bench, in a version 2 file, says the session is a bench and how it
	// was planned; its trials follow as trial lines.
	Bench *BenchHeader `json:"bench,omitempty"`
	// Author is who recorded the session (a configured name, else the OS
	// user), so that a team's shared store can say whose it is. A name,
	// never a credential.
	Author string `json:"author,omitempty"`
}

// NewHeader is the header of a session that asks req's system prompt and
// parameters of targets. It is the one place a header is built, so every
// command records the same fields; the recorder adds the format, id, time
// and app version, and the first turn's prompt. req's messages are not
// kept here: the prompt lines hold them.
func NewHeader(req backends.Request, targets ...TargetRecord) Header {
	h := Header{System: req.System, MaxTokens: req.MaxTokens, Targets: targets}
	if req.Temperature != nil {
		t := *req.Temperature // the header must not change with the caller's value
		h.Temperature = &t
	}
	return h
}

// TargetRecord is a model as a session file keeps it: enough to show it and
// to run it again, and the price its cost was computed with.
type TargetRecord struct {
	Name     string          `json:"name,omitempty"`
	Label    string          `json:"label"`
	Provider string          `json:"provider"`
	Model    string          `json:"model"`
	BaseURL  string          `json:"base_url,omitempty"`
	KeyEnv   string          `json:"api_key_env,omitempty"` // the variable's name, never its value
	Price    *backends.Price `json:"price,omitempty"`
	// The reasoning and serving settings asked for (see backends.Target):
	// what was asked is part of what the answers depend on, and a re-run
	// asks it again.
	ReasoningEffort string `json:"reasoning_effort,omitempty"`
	ThinkingBudget  int    `json:"thinking_budget,omitempty"`
	ServiceTier     string `json:"service_tier,omitempty"`
	Latency         string `json:"latency,omitempty"`
	// PriceAs is the target's price_as, so that a re-run is priced as
	// the run was.
	PriceAs string `json:"price_as,omitempty"`
	// History is what the model had been asked and had answered before the
	// session's first prompt, when the models of a conversation were
	// changed in its middle and this one stayed: its answers depend on it,
	// and a re-run sends it again.
	History []backends.Message `json:"history,omitempty"`
}

// NewTargetRecord keeps what may be written of t. A base URL loses any
// user info and query, where servers sometimes take a key.
func NewTargetRecord(t backends.Target, price *backends.Price) TargetRecord {
	return TargetRecord{Name: t.Name, Label: t.Label, Provider: t.Provider, Model: t.Model,
		BaseURL: cleanURL(t.BaseURL), KeyEnv: t.KeyEnv, Price: price, PriceAs: t.PriceAs,
		ReasoningEffort: t.ReasoningEffort, ThinkingBudget: t.ThinkingBudget, ServiceTier: t.ServiceTier, Latency: t.Latency}
}

// Target is the record as a target to run again.
func (r TargetRecord) Target() backends.Target {
	return backends.Target{Name: r.Name, Label: r.Label, Provider: r.Provider, Model: r.Model, BaseURL: r.BaseURL, KeyEnv: r.KeyEnv, PriceAs: r.PriceAs,
		ReasoningEffort: r.ReasoningEffort, ThinkingBudget: r.ThinkingBudget, ServiceTier: r.ServiceTier, Latency: r.Latency}
}

func cleanURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}

// PromptLine starts a follow-up turn of a conversation: the events after it
// answer Prompt, and their times start again from zero.
type PromptLine struct {
	Type   string `json:"type"` // always "prompt"
	Turn   int    `json:"turn"` // 2 for the first follow-up
	Prompt string `json:"prompt"`
}

// Footer closes a turn with its final stats, in the `fanout run --json`
// schema, and the totals of the session so far.
type Footer struct {
	Type    string         `json:"type"` // always "footer"
	Turn    int            `json:"turn"`
	Ended   time.Time      `json:"ended"`
	Results []ReportResult `json:"results"`
	Total   Cost           `json:"total_cost"`
}
