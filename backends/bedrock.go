package backends

// newBedrock is a placeholder replaced by the Bedrock backend.
func newBedrock(t Target, opts Options) Backend {
	return failed{&Error{Message: "bedrock backend not built yet"}}
}
