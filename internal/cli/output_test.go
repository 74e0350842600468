package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

// runAsTerminal runs fanout with stdout taken for a terminal.
func runAsTerminal(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errOut, getenv: getenv, stdoutTerminal: true}
	return dispatch(context.Background(), e, args), out.String(), errOut.String()
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// Into a pipe, the answers are the models' text as it came, no escape
// codes; the table ends with what they cost together.
func TestRunPlainAnswersAndTotalRow(t *testing.T) {
	args := []string{"run", "--no-save", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "30", "Explain backpressure"}
	code, out, errOut := runCLI(t, testEnv(t, nil), "", args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "\x1b[") {
		t.Errorf("escape codes in output to a pipe:\n%q", out)
	}
	_, js, _ := runCLI(t, testEnv(t, nil), "", append([]string{"run", "--json"}, args[1:]...)...)
	for _, r := range decodeReport(t, js).Results {
		if first := strings.SplitN(strings.TrimSpace(r.Text), "\n", 2)[0]; !strings.Contains(out, first) {
			t.Errorf("the plain output lacks the raw line %q", first)
		}
	}
	total := lastLine(out)
	if !strings.HasPrefix(total, "TOTAL") || !strings.HasSuffix(total, "computed, simulated") || !strings.Contains(total, "$") {
		t.Errorf("last line %q, want the total cost row", total)
	}
}

// On a terminal, the answers' markdown is rendered (glamour, the theme's
// colours) and the table still ends with the total.
func TestRunRendersMarkdownOnATerminal(t *testing.T) {
	args := []string{"run", "--no-save", "-m", "demo:swift", "-m", "demo:sage", "--max-tokens", "30", "Explain backpressure"}
	code, out, errOut := runAsTerminal(t, testEnv(t, nil), args...)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "\x1b[") {
		t.Errorf("no styling in the terminal output:\n%s", out)
	}
	if !strings.HasPrefix(lastLine(out), "TOTAL") {
		t.Errorf("last line %q, want the total row", lastLine(out))
	}
	_, js, _ := runCLI(t, testEnv(t, nil), "", append([]string{"run", "--json"}, args[1:]...)...)
	for _, r := range decodeReport(t, js).Results {
		if strings.Contains(r.Text, "**") && strings.Count(out, "**") >= strings.Count(r.Text, "**") {
			t.Errorf("%s: the ** markers of its answer are still shown raw", r.Label)
		}
	}
	// NO_COLOR: rendered, without colour.
	_, plain, _ := runAsTerminal(t, testEnv(t, map[string]string{"NO_COLOR": "1"}), args...)
	if strings.Contains(plain, "\x1b[3") || strings.Contains(plain, "\x1b[38") {
		t.Errorf("NO_COLOR output has colours:\n%q", plain)
	}
	if code, _, errOut := runAsTerminal(t, testEnv(t, nil), "run", "--theme", "nope", "hi"); code != exitUsage || !strings.Contains(errOut, "unknown theme") {
		t.Errorf("--theme nope: exit %d, %q", code, errOut)
	}
}

func TestTotalCost(t *testing.T) {
	price := &backends.Price{Input: 1, Output: 2, Source: "catwalk"}
	result := func(p *backends.Price, exact bool) *session.Result {
		r := &session.Result{Target: backends.Target{Label: "m"}, Price: p}
		r.Stats.Status = session.StatusDone
		if exact {
			r.Stats.Usage = &backends.Usage{Input: 1000, Output: 500, Exact: true}
		}
		return r
	}
	cases := []struct {
		name    string
		results []*session.Result
		want    string
	}{
		{"all known", []*session.Result{result(price, true), result(price, true)}, "$0.004 computed"},
		{"one unknown", []*session.Result{result(price, true), result(nil, true), result(price, true)}, "≥ $0.004 (1 unknown)"},
		{"all unknown", []*session.Result{result(nil, true), result(nil, true)}, "— (unknown price)"},
	}
	for _, tc := range cases {
		if got := totalCost(tc.results); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
