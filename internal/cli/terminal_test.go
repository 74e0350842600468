package cli

import (
	"os"
	"strings"
	"testing"
)

// /dev/null is a character device but no terminal: the cockpit must not
// start on it, and run must not draw progress lines into it.
func TestDevNullIsNotATerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Skipf("no %s: %v", os.DevNull, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice == 0 {
		t.Skipf("%s is not a character device here", os.DevNull)
	}
	if isTerminal(f) {
		t.Errorf("%s taken for a terminal", os.DevNull)
	}
	if w := terminalWidth(f); w != defaultWidth {
		t.Errorf("width of %s = %d, want the default %d", os.DevNull, w, defaultWidth)
	}
	if isTerminal(nil) || isTerminal(os.Stdout.Name()) {
		t.Error("a value that is no file taken for a terminal")
	}
}

// Without a terminal the cockpit does not start: it says what to use in
// scripts, and exits 2.
func TestCockpitNeedsATerminal(t *testing.T) {
	if isTerminal(os.Stdin) && isTerminal(os.Stdout) {
		t.Skip("the test runs on a terminal")
	}
	code, _, errOut := runCLI(t, testEnv(t, nil), "", "-m", "demo:swift")
	if code != exitUsage || !strings.Contains(errOut, "the cockpit needs a terminal") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
