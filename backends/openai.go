package backends

// newOpenAI is a placeholder replaced by the OpenAI-compatible backend.
func newOpenAI(t Target, opts Options) Backend {
	return failed{&Error{Message: "openai backend not built yet"}}
}
