package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// pane is one model's column: its conversation, the current answer and its
// stats. It is a plain struct that renders; the root model owns it.
type pane struct {
	target  backends.Target
	price   *backends.Price
	md      *markdown.Renderer
	history []backends.Message // earlier turns, for follow-up prompts
	// historyTokens is the estimated input tokens of history, kept as it
	// grows so that the composer's estimate does not re-read whole
	// conversations on every key.
	historyTokens int
	// earlier are the turns before the current one, as shown above it;
	// asked is the prompt of the current answer ("" before the first).
	earlier []shownTurn
	asked   string

	result *session.Result
	answer *markdown.Stream
	// answerSafe and reasoningSafe make the deltas safe to show (see
	// apply); reasoning is the reasoning so made, as shown. result keeps
	// the raw text: it is what follow-ups send back and copy copies.
	answerSafe, reasoningSafe termsafe.Filter
	reasoning                 strings.Builder
	// showReasoning expands the reasoning block above the answer.
	showReasoning bool
	// reasoningTokens counts the reasoning as it arrives, for the folded
	// block's "~N tok".
	reasoningTokens backends.TokenEstimator
	// reasoningWrap is the shown reasoning, wrapped: its complete lines
	// are wrapped once, only the line still arriving on every frame.
	reasoningWrap wrappedLines

	// scroll is how many rows the view is scrolled up from the bottom;
	// zero follows new text as it arrives.
	scroll int
	// drawn is the body's length and width when last drawn: rows that
	// arrive under a view scrolled up add to scroll, so the text the user
	// is reading stays where it is.
	drawn struct{ lines, width int }

	// ver counts the changes to what the pane shows (its answer, reasoning,
	// stats, turns); with the other inputs of its box it keys box, the
	// box as last drawn (see panecache.go).
	ver uint64
	box paneBox
	// answerLines is the current answer's lines as last rendered, kept
	// while neither the answer nor the width or theme changes: scrolling
	// or a spinner frame does not render the answer again.
	answerLines memoLines
	// askedLines is the prompt of the current answer as shown above it.
	askedLines memoLines
	// baseline renders answers with markdown.NewBaselineStream, the path
	// of before issue 11; only benchmarks set it (useBaseline).
	baseline bool
}

// shownTurn is an earlier turn of a pane's conversation: the prompt, the
// answer (its rendering cached with it) and how it ended, when not well.
type shownTurn struct {
	prompt string
	answer *markdown.Stream
	note   string
	// lines is the turn as shown (prompt, answer, note, rule), kept for
	// a width and theme: an earlier turn no longer changes.
	lines memoLines
}

func newPane(t backends.Target, price *backends.Price, r *markdown.Renderer) *pane {
	// A label is shown everywhere (header, tabs, notices) and may come
	// from a session file; it is not sent anywhere, so the pane keeps it
	// in its safe form once.
	t.Label = termsafe.Text(t.Label)
	return &pane{target: t, price: price, md: r, result: &session.Result{Target: t, Price: price}, answer: markdown.NewStream(r)}
}

// newStream is an empty answer, rendered on the pane's markdown path.
func (p *pane) newStream() *markdown.Stream {
	if p.baseline {
		return markdown.NewBaselineStream(p.md)
	}
	return markdown.NewStream(p.md)
}

// useBaseline puts the pane on the markdown path of before issue 11, for
// the benchmarks' same-run baseline. The pane must not have answered yet.
func (p *pane) useBaseline() {
	p.baseline = true
	p.answer = p.newStream()
	p.changed()
}

// changed notes a change to what the pane shows: its box is drawn again.
func (p *pane) changed() { p.ver++ }

// nextTurn makes room for a new answer: the current one, if any, moves up
// among the earlier turns, where it stays visible.
func (p *pane) nextTurn() {
	if p.asked != "" || p.answer.Len() > 0 {
		t := shownTurn{prompt: p.asked, answer: p.answer}
		switch s := &p.result.Stats; s.Status {
		case session.StatusCancelled:
			t.note = "■ cancelled"
		case session.StatusError:
			if s.Err != nil {
				t.note = "✗ " + termsafe.Text(s.Err.Message)
			}
		}
		p.earlier = append(p.earlier, t)
		p.answer = p.newStream()
	}
	p.asked = ""
	p.reset()
}

// remember adds an exchange to the pane's history, which follow-ups send.
func (p *pane) remember(prompt, answer string) {
	p.history = append(p.history,
		backends.Message{Role: backends.RoleUser, Content: prompt},
		backends.Message{Role: backends.RoleAssistant, Content: answer})
	p.historyTokens += backends.EstimateInput(backends.Request{Messages: p.history[len(p.history)-2:]})
}

// setHistory gives the pane a conversation that happened elsewhere (a
// session re-run, a model that joined mid-conversation), shown as its
// earlier turns.
func (p *pane) setHistory(h []backends.Message) {
	p.forget()
	p.history = slices.Clone(h)
	p.historyTokens = backends.EstimateInput(backends.Request{Messages: p.history})
	for i := 0; i < len(h); i++ {
		t := shownTurn{answer: p.newStream()}
		if h[i].Role == backends.RoleUser {
			t.prompt = h[i].Content
			if i+1 < len(h) && h[i+1].Role == backends.RoleAssistant {
				i++
				t.answer.Append(termsafe.Text(h[i].Content))
			}
		} else {
			t.answer.Append(termsafe.Text(h[i].Content))
		}
		t.answer.Finish()
		p.earlier = append(p.earlier, t)
	}
}

// forget starts the pane's conversation over.
func (p *pane) forget() {
	p.history, p.historyTokens, p.earlier, p.asked = nil, 0, nil, ""
	p.reset() // counts as a change
}

// reset starts a new answer, keeping the conversation.
func (p *pane) reset() {
	p.result = &session.Result{Target: p.target, Price: p.price}
	p.answer.Reset()
	p.answerSafe.Reset()
	p.reasoningSafe.Reset()
	p.reasoning.Reset()
	p.reasoningTokens = backends.TokenEstimator{}
	p.reasoningWrap = wrappedLines{}
	p.scroll = 0
	p.drawn.lines = 0
	// The answer's length no longer tells its text from the last one's.
	p.answerLines = memoLines{}
	p.changed()
}

// apply folds one event into the pane. It does no rendering.
//
// A model's text reaches the terminal through glamour and the pane's
// wrapping, which pass escape sequences on: every delta goes through a
// termsafe.Filter first, which shows controls as visible pictures and
// holds back the end of a delta that may continue in the next one (a rune
// cut in two, a CR before its LF) until that one arrives or the answer
// ends.
func (p *pane) apply(ev session.Event) {
	p.changed()
	p.result.Apply(ev)
	switch {
	case ev.Type == backends.EventDelta && ev.Delta != nil && ev.Delta.Text != "":
		if ev.Delta.Kind == backends.KindReasoning {
			p.reasoningTokens.Add(ev.Delta.Text)
			p.reasoning.WriteString(p.reasoningSafe.Write(ev.Delta.Text))
		} else if s := p.answerSafe.Write(ev.Delta.Text); s != "" {
			p.answer.Append(s)
		}
	case ev.Type == backends.EventDone || ev.Type == backends.EventError:
		p.reasoning.WriteString(p.reasoningSafe.Flush())
		if s := p.answerSafe.Flush(); s != "" {
			p.answer.Append(s)
		}
		// The answer is complete: a block still open is rendered whole,
		// with no new byte, so the kept lines are dropped too.
		p.answer.Finish()
		p.answerLines = memoLines{}
	}
}

// idle reports a pane that has not been asked anything yet.
func (p *pane) idle() bool {
	return p.result.Stats.Status == "" && p.asked == "" && len(p.earlier) == 0
}

// body is what the pane shows under its header: the earlier turns, the
// prompt, the reasoning block, then the answer or the error. It is built
// from the pieces' own line slices, not copied into one: a frame copies
// only the rows it shows (see lineSegs).
//
// hidden hides what an error says (it names the provider, often the
// model) while a blind round's names are: only that it failed shows.
func (p *pane) body(width int, th themes.Theme, hidden bool) lineSegs {
	var body lineSegs
	muted := lipgloss.NewStyle().Foreground(th.Muted)
	for k := range p.earlier {
		t := &p.earlier[k]
		body.addAll(t.lines.get(memoKey{width: width, theme: th.Name, size: t.answer.Len(), hidden: hidden}, func() []string {
			lines := appendPrompt(nil, t.prompt, width, th)
			lines = append(lines, t.answer.Lines(width, th)...)
			if note := t.note; note != "" {
				if hidden && strings.HasPrefix(note, "✗") {
					note = "✗ this model failed (what it said is shown after the vote)"
				}
				pad := strings.Repeat(" ", answerMargin(th))
				lines = append(lines, muted.Render(truncate(pad+note, width)))
			}
			return append(lines, muted.Render(strings.Repeat("┄", max(1, width))), "")
		}))
	}
	body.addAll(p.askedLines.get(memoKey{width: width, theme: th.Name, text: p.asked}, func() []string {
		return appendPrompt(nil, p.asked, width, th)
	}))
	if r := p.reasoning.String(); r != "" {
		// The block sits inside the same margins as the answer under it,
		// not against the pane's borders.
		pad := strings.Repeat(" ", answerMargin(th))
		if p.showReasoning {
			body.add(muted.Render(pad + "▾ thinking"))
			done, tail := p.reasoningWrap.wrapped(strings.TrimLeft(r, " \t\n"), width-2-2*len(pad), th.Name,
				func(l string) string { return muted.Render(pad + "│ " + l) })
			body.addAll(done)
			body.addAll(tail)
		} else {
			body.add(muted.Render(fmt.Sprintf("%s▸ thinking · %s tok (r to show)", pad, p.reasoningCount())))
		}
	}
	if n := p.answer.Len(); n > 0 {
		body.addAll(p.answerLines.get(memoKey{width: width, theme: th.Name, size: n, stream: p.answer}, func() []string {
			return p.answer.Lines(width, th)
		}))
	}
	if s := &p.result.Stats; s.Status == session.StatusError && s.Err != nil {
		errStyle := lipgloss.NewStyle().Foreground(th.Error)
		body.add("")
		pad := strings.Repeat(" ", answerMargin(th))
		msg := termsafe.Text(s.Err.Message)
		if hidden {
			msg = blindError(s.Err)
		}
		for _, l := range strings.Split(wrap("✗ "+msg, width-2*len(pad)), "\n") {
			body.add(errStyle.Render(pad + l))
		}
	}
	if p.result.Stats.Status == session.StatusCancelled {
		pad := strings.Repeat(" ", answerMargin(th))
		note := "■ cancelled before any answer"
		if p.answer.Len() > 0 {
			note = "■ cancelled: the answer above is partial"
		}
		body.add("", lipgloss.NewStyle().Foreground(th.Cancelled).Render(pad+note))
	}
	return body
}

// promptLines is how many lines of a long prompt a pane shows above its
// answer; the rest is cut with an ellipsis.
const promptLines = 3

// appendPrompt shows the prompt an answer is to, above it ("" shows
// nothing).
func appendPrompt(lines []string, prompt string, width int, th themes.Theme) []string {
	// A prompt may come from a session file.
	if prompt = strings.TrimSpace(termsafe.Text(prompt)); prompt == "" {
		return lines
	}
	pad := strings.Repeat(" ", answerMargin(th))
	style := lipgloss.NewStyle().Foreground(th.Accent)
	wrapped := strings.Split(wrap(prompt, max(8, width-2*len(pad)-2)), "\n")
	for i, l := range wrapped {
		if i == promptLines {
			break
		}
		if i == promptLines-1 && len(wrapped) > promptLines {
			l = strings.TrimRight(l, " ") + " …"
		}
		lead := "  "
		if i == 0 {
			lead = "❯ "
		}
		lines = append(lines, style.Render(truncate(pad+lead+strings.TrimRight(l, " "), width)))
	}
	return append(lines, "")
}

// reasoningCount is the reasoning's token count for the folded block:
// the provider's own figure once its exact usage reports one, the running
// estimate (marked ~) before that or when the provider does not break
// reasoning tokens out.
func (p *pane) reasoningCount() string {
	if u := p.result.Stats.Usage; u != nil && u.Exact && u.Reasoning > 0 {
		return session.FormatTokens(u.Reasoning, true)
	}
	return session.FormatTokens(p.reasoningTokens.Tokens(), false)
}

// answerMargin is the left margin glamour gives the answer with th, which
// the blocks drawn around the answer (the thinking block) share.
func answerMargin(th themes.Theme) int {
	if m := th.Markdown.Document.Margin; m != nil {
		return int(*m)
	}
	return 0
}

// wrappedLines wraps a growing text for display, one frame after another,
// without wrapping again what it has wrapped: lines wrap independently of
// each other, so the complete lines (up to done bytes) are wrapped and
// styled once for a width and theme; only the last, still growing line is
// wrapped on every frame. Blank lines at the end are left out, as they are
// when the whole text is trimmed.
type wrappedLines struct {
	width int
	theme string
	done  int      // bytes of the text in lines
	lines []string // styled
	blank int      // how many of lines, at the end, are blank
}

func (w *wrappedLines) appendTo(out []string, text string, width int, theme string, style func(string) string) []string {
	done, tail := w.wrapped(text, width, theme, style)
	return append(append(out, done...), tail...)
}

// wrapped is appendTo without the copy: the complete lines, wrapped and
// kept (the caller must not change them), and the last line's rows.
func (w *wrappedLines) wrapped(text string, width int, theme string, style func(string) string) (done, tail []string) {
	if w.width != width || w.theme != theme || len(text) < w.done {
		*w = wrappedLines{width: width, theme: theme}
	}
	// add wraps s onto dst, saying how many lines it added and how many of
	// them, at the end, are blank.
	add := func(dst []string, s string) (_ []string, n, trailing int) {
		for _, l := range strings.Split(wrap(s, width), "\n") {
			n++
			if trailing++; strings.TrimSpace(l) != "" {
				trailing = 0
			}
			dst = append(dst, style(l))
		}
		return dst, n, trailing
	}
	if cut := strings.LastIndexByte(text, '\n'); cut >= w.done {
		var n, trailing int
		w.lines, n, trailing = add(w.lines, text[w.done:cut])
		if trailing == n {
			w.blank += n
		} else {
			w.blank = trailing
		}
		w.done = cut + 1
	}
	last := strings.TrimRight(text[w.done:], " \t")
	if last == "" {
		return w.lines[: len(w.lines)-w.blank : len(w.lines)-w.blank], nil
	}
	tail, _, _ = add(nil, last)
	return w.lines[:len(w.lines):len(w.lines)], tail
}

// wrap breaks s into lines no wider than width, at spaces where it can.
func wrap(s string, width int) string {
	if width < 8 {
		width = 8
	}
	return lipgloss.NewStyle().Width(width).Render(s)
}
