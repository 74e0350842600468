package session

import (
	"strings"
	"testing"

	"github.com/fanout-dev/fanout/backends"
)

func TestMarkdown(t *testing.T) {
	f := mustLoadString(t, validSession)
	md := f.Markdown()
	for _, want := range []string{
		"# hi\n",
		"| Model | Status | TTFT | Tok/s | Tokens in | Tokens out | Cost | Total |",
		"| A | done | 5ms | — | ~3 | ~2 | unknown | 9ms |", // two deltas under 50 ms apart: no rate yet
		"| B | error | 2ms | — | ~0 | ~1 | unknown | 3ms |",
		"| B | cut short | — | — | ~0 | ~0 | unknown | — |",
		"## Turn 1\n", "## Turn 2\n", "> and then?",
		"### A (demo:swift)\n\nHello\n",
		"### B (demo:sage)\n\n<details><summary>Reasoning</summary>\n\nhmm\n\n</details>\n",
		"> **Error:** overloaded",
		"### A (demo:swift)\n\nThen\n\n> *The recording stops here",
		"Total cost of the session: unknown.",
		"*The recording was cut short",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Index(md, "## Turn 1") > strings.Index(md, "## Turn 2") {
		t.Error("turns out of order")
	}
}

func TestNestAnswer(t *testing.T) {
	in := "# Title\n## Sub\n#hashtag\n```go\n# not a heading\n```\n###### deep\n```\nopen fence"
	want := "### Title\n#### Sub\n#hashtag\n```go\n# not a heading\n```\n###### deep\n```\nopen fence\n```"
	if got := nestAnswer(in, 2); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestFormatCostShort(t *testing.T) {
	v, zero := 0.0123, 0.0
	cases := []struct {
		c    Cost
		want string
	}{
		{Cost{Source: CostUnknown}, "unknown"},
		{Cost{}, "unknown"},
		{Cost{USD: &v, Source: CostEstimated}, "~$0.0123"},
		{Cost{USD: &zero, Source: CostEstimated}, "$0"},
		{Cost{USD: &v, Source: CostComputed, Simulated: true}, "$0.0123 simulated"},
		{Cost{USD: &v, Source: CostBilled}, "$0.0123"},
	}
	for _, tc := range cases {
		if got := FormatCostShort(tc.c); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.c, got, tc.want)
		}
	}
}

func TestMarkdownNamesAnEarlierConversation(t *testing.T) {
	f := mustLoadString(t, validSession)
	if md := f.Markdown(); strings.Contains(md, "Continued conversation") {
		t.Errorf("a session that starts a conversation says it continues one:\n%s", md)
	}
	f.Header.Targets[1].History = []backends.Message{{Role: backends.RoleUser, Content: "before"}, {Role: backends.RoleAssistant, Content: "reply"}}
	if md := f.Markdown(); !strings.Contains(md, "these carry earlier messages, not shown here, that a re-run sends again:\n\n- B: 2 messages\n\n") {
		t.Errorf("Markdown does not say B carried an earlier conversation:\n%s", md)
	}
}

// "The answer above is partial" only under an answer: a pane cancelled, or
// cut by the end of the recording, before any text says so instead.
func TestMarkdownPartialOnlyUnderAnAnswer(t *testing.T) {
	cancel0 := `{"t_ms":6,"pane":0,"type":"done","done":{"stop_reason":"cancelled"}}` + "\n"
	cancel1 := `{"t_ms":4,"pane":1,"type":"done","done":{"stop_reason":"cancelled"}}` + "\n"
	md := mustLoadString(t, hdr+delta0+delta1+cancel0+cancel1).Markdown()
	a, b, ok := strings.Cut(md, "## B (demo:sage)")
	if !ok {
		t.Fatalf("no heading for B:\n%s", md)
	}
	if !strings.Contains(a, "Hel\n\n> *Cancelled: the answer above is partial.*") {
		t.Errorf("A, cancelled after some text, is not marked partial:\n%s", a)
	}
	// B had only reasoning: no answer.
	if !strings.Contains(b, "> *Cancelled before any answer.*") || strings.Contains(b, "above is partial") {
		t.Errorf("B, cancelled before any answer:\n%s", b)
	}

	md = mustLoadString(t, hdr+delta0).Markdown()
	if !strings.Contains(md, "Hel\n\n> *The recording stops here: the answer above is partial.*") ||
		!strings.Contains(md, "## B (demo:sage)\n\n> *The recording stops here, before any answer.*") {
		t.Errorf("a torn recording:\n%s", md)
	}
}
