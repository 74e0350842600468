package session

import (
	"fmt"
	"strings"

	"github.com/fanout-dev/fanout/backends"
)

// Markdown is the session as a document to read or share: a title with the
// prompt, then for each turn a stats table and every model's answer under
// its own heading, its reasoning folded in a <details> block. A session of
// one turn has its models at level 2; a conversation has a level-2
// heading per turn and its models below it.
func (f *File) Markdown() string {
	var b strings.Builder
	h := f.Header
	fmt.Fprintf(&b, "# %s\n\n", backends.OneLine(f.Turns[0].Prompt, 100))
	fmt.Fprintf(&b, "Recorded by fanout %s on %s", h.App, h.Created.UTC().Format("2006-01-02 15:04 UTC"))
	if h.ID != "" {
		fmt.Fprintf(&b, " · session `%s`", h.ID)
	}
	b.WriteString(".\n\n")
	if h.System != "" {
		b.WriteString("**System prompt:**\n\n")
		quote(&b, h.System)
	}
	var params []string
	if h.Temperature != nil {
		params = append(params, fmt.Sprintf("temperature %g", *h.Temperature))
	}
	if h.MaxTokens > 0 {
		params = append(params, fmt.Sprintf("max tokens %d", h.MaxTokens))
	}
	if len(params) > 0 {
		fmt.Fprintf(&b, "Parameters: %s.\n\n", strings.Join(params, ", "))
	}
	continued(&b, h.Targets)
	level := "##"
	var total Cost
	for i, turn := range f.Turns {
		if len(f.Turns) > 1 {
			level = "###"
			fmt.Fprintf(&b, "## Turn %d\n\n", i+1)
		}
		if len(f.Turns) > 1 || strings.Contains(turn.Prompt, "\n") || backends.OneLine(turn.Prompt, 100) != turn.Prompt {
			quote(&b, turn.Prompt)
		}
		results := f.Results(i)
		statsTable(&b, results)
		for _, r := range results {
			total = AddCost(total, r.Cost())
			answer(&b, level, r)
		}
	}
	if len(f.Turns) > 1 {
		fmt.Fprintf(&b, "---\n\nTotal cost of the session: %s.\n", FormatCostShort(total))
	}
	if f.Torn || f.Turns[len(f.Turns)-1].Footer == nil {
		b.WriteString("\n*The recording was cut short: the figures are recomputed from the events it kept.*\n")
	}
	return b.String()
}

func statsTable(b *strings.Builder, results []*Result) {
	b.WriteString("| Model | Status | TTFT | Tok/s | Tokens in | Tokens out | Cost | Total |\n")
	b.WriteString("|---|---|--:|--:|--:|--:|--:|--:|\n")
	var total Cost
	for _, r := range results {
		f := r.Figures()
		status := string(r.Stats.Status)
		if !r.Stats.Ended() {
			status = "cut short" // the recording stops before its end
		}
		c := r.Cost()
		total = AddCost(total, c)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", cell(r.Target.Label), status, f.TTFT, f.TokensPerS,
			f.Input, f.Output, FormatCostShort(c), f.Total)
	}
	if len(results) > 1 {
		fmt.Fprintf(b, "| **Total** | | | | | | %s | |\n", FormatCostShort(total))
	}
	b.WriteString("\n")
}

func answer(b *strings.Builder, level string, r *Result) {
	depth := len(level)
	t := r.Target
	fmt.Fprintf(b, "%s %s (%s:%s)\n\n", level, backends.OneLine(t.Label, 200), t.Provider, t.Model)
	if reasoning := strings.TrimSpace(r.Reasoning()); reasoning != "" {
		b.WriteString("<details><summary>Reasoning</summary>\n\n")
		b.WriteString(nestAnswer(reasoning, depth))
		b.WriteString("\n\n</details>\n\n")
	}
	text := strings.TrimSpace(r.Text())
	if text != "" {
		b.WriteString(nestAnswer(text, depth))
		b.WriteString("\n\n")
	}
	// "The answer above" only when there is one: reasoning alone is no
	// answer.
	s := &r.Stats
	switch {
	case s.Status == StatusError && s.Err != nil:
		fmt.Fprintf(b, "> **Error:** %s\n\n", backends.OneLine(s.Err.Message, 1000))
	case s.Status == StatusCancelled && text == "":
		b.WriteString("> *Cancelled before any answer.*\n\n")
	case s.Status == StatusCancelled:
		b.WriteString("> *Cancelled: the answer above is partial.*\n\n")
	case !s.Ended() && text == "":
		b.WriteString("> *The recording stops here, before any answer.*\n\n")
	case !s.Ended():
		b.WriteString("> *The recording stops here: the answer above is partial.*\n\n")
	}
	if s.StopReason == backends.StopMaxTokens {
		b.WriteString("> *Cut at the token limit.*\n\n")
	}
}

// nestAnswer fits an answer under its model's heading: its own headings
// move down below that level (capped at 6), and a code fence it left open
// is closed, so that it does not swallow the rest of the document. Lines
// inside code blocks are left alone.
func nestAnswer(text string, level int) string {
	lines := strings.Split(text, "\n")
	open := ""
	for i, line := range lines {
		l := strings.TrimSpace(line)
		fence := ""
		for _, f := range []string{"```", "~~~"} {
			if strings.HasPrefix(l, f) {
				fence = f
			}
		}
		switch {
		case fence != "" && open == "":
			open = fence
		case fence != "" && open == fence && strings.Trim(l, fence[:1]) == "":
			open = ""
		case open == "" && strings.HasPrefix(line, "#"):
			n := len(line) - len(strings.TrimLeft(line, "#"))
			if n <= 6 && (n == len(line) || line[n] == ' ') {
				lines[i] = strings.Repeat("#", min(6, n+level)) + line[n:]
			}
		}
	}
	if open != "" {
		lines = append(lines, open)
	}
	return strings.Join(lines, "\n")
}

func quote(b *strings.Builder, text string) {
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(strings.TrimRight("> "+line, " ") + "\n")
	}
	b.WriteString("\n")
}

// cell makes text safe inside a table cell.
func cell(s string) string {
	return strings.ReplaceAll(backends.OneLine(s, 200), "|", `\|`)
}

// continued says which models carried an earlier conversation into the
// session: their answers depend on turns this document does not show.
func continued(b *strings.Builder, targets []TargetRecord) {
	intro := false
	for _, t := range targets {
		n := len(t.History)
		if n == 0 {
			continue
		}
		if !intro {
			b.WriteString("**Continued conversation:** the models were changed in the middle of a conversation; these carry earlier messages, not shown here, that a re-run sends again:\n\n")
			intro = true
		}
		fmt.Fprintf(b, "- %s: %d messages\n", t.Label, n)
	}
	if intro {
		b.WriteString("\n")
	}
}
