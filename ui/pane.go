package ui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// pane is one model's column: its conversation, the current answer and its
// stats. It is a plain struct that renders; the root model owns it.
type pane struct {
	target  backends.Target
	price   *backends.Price
	history []backends.Message // earlier turns, for follow-up prompts

	result    *session.Result
	answer    *markdown.Stream
	reasoning strings.Builder
	// showReasoning expands the reasoning block above the answer.
	showReasoning bool
	// reasoningLines caches the wrapped reasoning for reasoningKey, so a
	// frame does not re-wrap text that has not changed.
	reasoningLines []string
	reasoningKey   reasoningKey

	// scroll is how many rows the view is scrolled up from the bottom;
	// zero follows new text as it arrives.
	scroll int
	// drawn is the body's length and width when last drawn: rows that
	// arrive under a view scrolled up add to scroll, so the text the user
	// is reading stays where it is.
	drawn struct{ lines, width int }
}

func newPane(t backends.Target, price *backends.Price, r *markdown.Renderer) *pane {
	return &pane{target: t, price: price, result: &session.Result{Target: t, Price: price}, answer: markdown.NewStream(r)}
}

// reset starts a new answer, keeping the conversation.
func (p *pane) reset() {
	p.result = &session.Result{Target: p.target, Price: p.price}
	p.answer.Reset()
	p.reasoning.Reset()
	p.reasoningLines = nil
	p.scroll = 0
	p.drawn.lines = 0
}

// apply folds one event into the pane. It does no rendering.
func (p *pane) apply(ev session.Event) {
	p.result.Apply(ev)
	if ev.Type == backends.EventDelta && ev.Delta != nil && ev.Delta.Text != "" {
		if ev.Delta.Kind == backends.KindReasoning {
			p.reasoning.WriteString(ev.Delta.Text)
		} else {
			p.answer.Append(ev.Delta.Text)
		}
	}
}

// idle reports a pane that has not been asked anything yet.
func (p *pane) idle() bool { return p.result.Stats.Status == "" }

// bodyLines renders what the pane shows under its header: the reasoning
// block, then the answer or the error.
func (p *pane) bodyLines(width int, th themes.Theme) []string {
	var lines []string
	muted := lipgloss.NewStyle().Foreground(th.Muted)
	if r := p.reasoning.String(); r != "" {
		if p.showReasoning {
			if key := (reasoningKey{len(r), width, th.Name}); key != p.reasoningKey || p.reasoningLines == nil {
				p.reasoningLines = p.reasoningLines[:0]
				for _, l := range strings.Split(wrap(strings.TrimSpace(r), width-2), "\n") {
					p.reasoningLines = append(p.reasoningLines, muted.Render("│ "+l))
				}
				p.reasoningKey = key
			}
			lines = append(lines, muted.Render("▾ thinking"))
			lines = append(lines, p.reasoningLines...)
		} else {
			lines = append(lines, muted.Render(fmt.Sprintf("▸ thinking · %s (r to show)", session.FormatTokens(backends.EstimateTokens(r), false)+" tok")))
		}
	}
	if p.answer.Len() > 0 {
		lines = append(lines, p.answer.Lines(width, th)...)
	}
	if s := &p.result.Stats; s.Status == session.StatusError && s.Err != nil {
		errStyle := lipgloss.NewStyle().Foreground(th.Error)
		lines = append(lines, "")
		for _, l := range strings.Split(wrap("✗ "+s.Err.Message, width-2), "\n") {
			lines = append(lines, errStyle.Render(" "+l))
		}
	}
	if p.result.Stats.Status == session.StatusCancelled {
		lines = append(lines, "", lipgloss.NewStyle().Foreground(th.Cancelled).Render(" ■ cancelled: the answer above is partial"))
	}
	return lines
}

// reasoningKey says what the wrapped reasoning was built for.
type reasoningKey struct {
	length, width int
	theme         string
}

// wrap breaks s into lines no wider than width, at spaces where it can.
func wrap(s string, width int) string {
	if width < 8 {
		width = 8
	}
	return lipgloss.NewStyle().Width(width).Render(s)
}
