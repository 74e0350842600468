package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
)

// MaxPanes is how many models fanout compares at once.
const MaxPanes = 8

// Choice is a model the picker offers.
type Choice struct {
	Target backends.Target
	// Note says where it comes from or what it needs ("OPENAI_API_KEY is
	// set", "simulated").
	Note string
	// Unavailable, when not empty, says why the model cannot run here and
	// what to set ("set OPENAI_API_KEY"); the picker shows it and refuses
	// to pick it.
	Unavailable string
}

// picker chooses the models on screen: a filter, a list, a selection.
// The selection is of rows, not of model names: the same model on screen
// twice (to compare two runs of it) is two rows, each toggled on its own.
type picker struct {
	filter  textinput.Model
	choices []Choice
	order   []int // the selected rows (indexes into choices), in selection order, so panes keep their places
	cursor  int   // index into the filtered list
	notice  string
	// resolve turns a typed provider:model into a target (nil: typing
	// only filters).
	resolve func(string) (backends.Target, error)
}

func newPicker(choices []Choice, current []*pane, resolve func(string) (backends.Target, error)) *picker {
	p := &picker{resolve: resolve}
	// Panes on screen are always offered first, in their order, even if
	// discovery missed them.
	onScreen := map[string]bool{}
	for i, pn := range current {
		p.choices = append(p.choices, Choice{Target: pn.target, Note: "on screen"})
		p.order = append(p.order, i)
		onScreen[pn.target.Name] = true
	}
	for _, c := range choices {
		if !onScreen[c.Target.Name] {
			p.choices = append(p.choices, c)
		}
	}
	p.filter = textinput.New()
	p.filter.Placeholder = "filter models"
	p.filter.Prompt = "/ "
	p.filter.Focus()
	return p
}

// visible is the rows matching the filter (indexes into choices): every
// word must appear in the name, label or note.
func (p *picker) visible() []int {
	words := strings.Fields(strings.ToLower(p.filter.Value()))
	var out []int
	for i, c := range p.choices {
		hay := strings.ToLower(c.Target.Name + " " + c.Target.Label + " " + c.Note)
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, i)
		}
	}
	return out
}

// typed is the provider:model written in the filter, when it names no
// model of the list: the picker offers it as a row of its own, first.
func (p *picker) typed() string {
	spec := strings.TrimSpace(p.filter.Value())
	if p.resolve == nil || strings.ContainsAny(spec, " \t") {
		return ""
	}
	provider, model, ok := strings.Cut(spec, ":")
	if !ok || provider == "" || model == "" {
		return ""
	}
	for _, c := range p.choices {
		if c.Target.Name == spec {
			return ""
		}
	}
	return spec
}

// rows is what the list shows: the typed model's row (-1) when there is
// one, then the visible choices.
func (p *picker) rows() []int {
	vis := p.visible()
	if p.typed() != "" {
		return append([]int{-1}, vis...)
	}
	return vis
}

// toggle adds or removes the row under the cursor.
func (p *picker) toggle() {
	rows := p.rows()
	if p.cursor >= len(rows) {
		return
	}
	row := rows[p.cursor]
	if row < 0 {
		t, err := p.resolve(p.typed())
		if err != nil {
			p.notice = err.Error()
			return
		}
		p.choices = append(p.choices, Choice{Target: t, Note: "typed"})
		row = len(p.choices) - 1
		p.filter.SetValue("")
		p.cursor = 0
	}
	if i := slices.Index(p.order, row); i >= 0 {
		p.order = slices.Delete(p.order, i, i+1)
		p.notice = ""
		return
	}
	if why := p.choices[row].Unavailable; why != "" {
		p.notice = p.choices[row].Target.Name + " cannot run here: " + why
		return
	}
	if len(p.order) >= MaxPanes {
		p.notice = fmt.Sprintf("at most %d models at once: remove one first", MaxPanes)
		return
	}
	p.order = append(p.order, row)
	p.notice = ""
}

// targets is the selection, in the order it was made.
func (p *picker) targets() []backends.Target {
	var out []backends.Target
	for _, row := range p.order {
		out = append(out, p.choices[row].Target)
	}
	return out
}

// pickerKey handles a key while the picker is open: its keys, or typing
// in its filter.
func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p := m.picker
	k := m.keys.picker
	switch {
	case key.Matches(msg, k.Close):
		m.picker = nil
		return nil
	case key.Matches(msg, k.Apply):
		if p.typed() != "" && len(p.order) == 0 {
			p.toggle() // enter on a typed model picks it
		}
		if len(p.order) == 0 {
			p.notice = "pick at least one model (space), or esc to keep the ones on screen"
			return nil
		}
		cmd := m.applyPicker()
		m.picker = nil
		return cmd
	case key.Matches(msg, k.Move) && key.Matches(msg, m.keys.back):
		p.cursor = max(0, p.cursor-1)
		return nil
	case key.Matches(msg, k.Move):
		p.cursor = min(max(0, len(p.rows())-1), p.cursor+1)
		return nil
	case key.Matches(msg, k.Toggle):
		p.toggle()
		return nil
	}
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	p.cursor = min(p.cursor, max(0, len(p.rows())-1))
	return cmd
}

// render draws the picker as a box of at most w×h.
func (m *Model) renderPicker(w, h int) string {
	p := m.picker
	th := m.theme
	boxW := min(w-4, 90)
	hint := fmt.Sprintf("  %d selected · up to %d · space toggles · enter applies · esc closes", len(p.order), MaxPanes)
	if p.resolve != nil {
		hint += " · type provider:model to add one"
	}
	title := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("Models") + m.fg(th.Muted).Render(hint)
	lines := []string{wrap(title, boxW-4), p.filter.View(), ""}
	rows := p.rows()
	height := max(1, h-10-lipgloss.Height(lines[0]))
	start := max(0, min(p.cursor-height/2, len(rows)-height))
	for i := start; i < len(rows) && i < start+height; i++ {
		var line string
		dim := false
		if rows[i] < 0 {
			line = fmt.Sprintf("[+] %s  %s", p.typed(), m.fg(th.Subtle).Render("typed · space or enter adds it"))
		} else {
			c := p.choices[rows[i]]
			mark := "[ ]"
			if slices.Contains(p.order, rows[i]) {
				mark = "[x]"
			}
			note := c.Note
			if c.Unavailable != "" {
				mark, note, dim = " – ", "not ready: "+c.Unavailable, true
			} else {
				price := "price unknown"
				if pr := m.price(c.Target); pr != nil {
					price = priceLine(pr)
				}
				note += " · " + price
			}
			line = fmt.Sprintf("%s %s  %s", mark, c.Target.Name, m.fg(th.Subtle).Render(note))
		}
		style := lipgloss.NewStyle()
		switch {
		case i == p.cursor:
			style = style.Foreground(th.Accent).Bold(true)
			line = "› " + line
		case dim:
			style = style.Foreground(th.Subtle).Faint(th.Plain)
			line = "  " + line
		default:
			line = "  " + line
		}
		if dim {
			line = ansi.Strip(line) // one colour for the whole row
		}
		lines = append(lines, style.Render(truncate(line, boxW-4)))
	}
	if len(rows) == 0 {
		lines = append(lines, m.fg(th.Muted).Render("  nothing matches"))
	}
	if p.notice != "" {
		lines = append(lines, "", m.fg(th.Error).Render(termsafe.Text(p.notice)))
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(th.BorderFocused).
		Padding(0, 1).Width(boxW).Render(strings.Join(lines, "\n"))
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}

// openPickerIfIdle shows the model picker, unless answers are arriving.
func (m *Model) openPickerIfIdle() {
	if m.running {
		m.status = "esc cancels the run first; then the models can change"
		return
	}
	if m.hidden() && m.turns > 0 {
		// Its rows are the panes, in order, by name.
		m.status = "the picker would name the blind panes: vote first, or ctrl+n to start over"
		return
	}
	m.openPicker()
}

// openPicker shows the model picker.
func (m *Model) openPicker() {
	m.picker = newPicker(m.opts.Choices, m.panes, m.opts.Resolve)
	m.picker.filter.SetStyles(filterStyles(m.theme))
	// Without a width the filter shows one letter of its placeholder.
	m.picker.filter.SetWidth(max(10, min(m.width-4, 90)-8))
}

// applyPicker replaces the panes with the picker's selection. Panes that
// stay keep their conversation and their answer.
func (m *Model) applyPicker() tea.Cmd {
	if m.replay != nil {
		// In a replay, the picked models re-run the session.
		return m.rerun(m.picker.targets())
	}
	// The picker's first rows are the panes on screen, in order: a row
	// kept is its own pane (the same model may be on screen twice).
	var panes []*pane
	for _, row := range m.picker.order {
		if row < len(m.panes) {
			panes = append(panes, m.panes[row])
			continue
		}
		t := m.picker.choices[row].Target
		panes = append(panes, newPane(t, m.price(t), m.md))
	}
	cmd := m.setPanes(panes)
	m.focus = min(m.focus, len(m.panes)-1)
	m.zoomed = false
	m.status = fmt.Sprintf("%d models", len(m.panes))
	return cmd
}
