package backends

type demoModel struct{ label string }

// demoModels is a placeholder replaced by the simulated models.
var demoModels = map[string]demoModel{"swift": {label: "Swift (simulated)"}}

// DemoModelNames lists the demo models, sorted.
func DemoModelNames() []string { return []string{"swift"} }

func newDemo(t Target, opts Options) Backend {
	return failed{&Error{Message: "demo backend not built yet"}}
}
