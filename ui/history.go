package ui

// PromptHistory keeps the prompts sent from the composer across runs of
// fanout, so that ↑ recalls yesterday's prompt too. The CLI gives one kept
// in the XDG state dir (scrubbed of secrets); fanout serve gives one per
// client key and none to anonymous clients, so that no client ever sees
// another's prompts.
type PromptHistory interface {
	// Prompts are the kept prompts, oldest first.
	Prompts() []string
	// Add keeps one more prompt. It must not block on slow storage for
	// long: it is called from Update.
	Add(prompt string)
}
