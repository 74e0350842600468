package cli

import (
	"testing"

	"github.com/fanout-dev/fanout/session"
)

// The same model twice gets numbered labels, in the output and in the
// session file alike.
func TestDuplicateModelsGetNumberedLabels(t *testing.T) {
	getenv, dir := dataEnv(t, nil)
	code, out, errOut := runCLI(t, getenv, "", "run", "--json", "-m", "demo:swift", "-m", "demo:sage", "-m", "demo:swift", "--max-tokens", "5", "hi")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	rep := decodeReport(t, out)
	var labels []string
	for _, r := range rep.Results {
		labels = append(labels, r.Label)
	}
	want := []string{"Swift (simulated) #1", "Sage (simulated)", "Swift (simulated) #2"}
	if len(labels) != 3 || labels[0] != want[0] || labels[1] != want[1] || labels[2] != want[2] {
		t.Errorf("labels %q, want %q", labels, want)
	}
	f, err := session.Load(onlySession(t, dir))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Header.Targets[2].Label; got != want[2] {
		t.Errorf("session file label %q, want %q", got, want[2])
	}
}
