package ui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/backends"
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
}

func newPicker(choices []Choice, current []*pane) *picker {
	p := &picker{}
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

// toggle adds or removes the choice under the cursor.
func (p *picker) toggle() {
	vis := p.visible()
	if p.cursor >= len(vis) {
		return
	}
	row := vis[p.cursor]
	if i := slices.Index(p.order, row); i >= 0 {
		p.order = slices.Delete(p.order, i, i+1)
		p.notice = ""
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

// pickerKey handles a key while the picker is open. done reports that it
// closed; apply that the selection should replace the panes.
func (p *picker) key(msg tea.KeyPressMsg) (cmd tea.Cmd, done, apply bool) {
	switch msg.String() {
	case "esc":
		return nil, true, false
	case "enter":
		return nil, true, true
	case "up", "ctrl+p":
		p.cursor = max(0, p.cursor-1)
		return nil, false, false
	case "down", "ctrl+n":
		p.cursor = min(max(0, len(p.visible())-1), p.cursor+1)
		return nil, false, false
	case "space", "tab":
		p.toggle()
		return nil, false, false
	}
	p.filter, cmd = p.filter.Update(msg)
	p.cursor = min(p.cursor, max(0, len(p.visible())-1))
	return cmd, false, false
}

// render draws the picker as a box of at most w×h.
func (m *Model) renderPicker(w, h int) string {
	p := m.picker
	th := m.theme
	boxW := min(w-4, 90)
	title := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("Models") +
		m.fg(th.Muted).Render(fmt.Sprintf("  %d of %d selected · space toggles · enter applies · esc closes", len(p.order), MaxPanes))
	lines := []string{truncate(title, boxW-4), p.filter.View(), ""}
	vis := p.visible()
	rows := max(1, h-10)
	start := max(0, min(p.cursor-rows/2, len(vis)-rows))
	for i := start; i < len(vis) && i < start+rows; i++ {
		c := p.choices[vis[i]]
		mark := "[ ]"
		if slices.Contains(p.order, vis[i]) {
			mark = "[x]"
		}
		price := "price unknown"
		if pr := m.price(c.Target); pr != nil {
			price = priceLine(pr)
		}
		line := fmt.Sprintf("%s %s  %s", mark, c.Target.Name, m.fg(th.Subtle).Render(c.Note+" · "+price))
		style := lipgloss.NewStyle()
		if i == p.cursor {
			style = style.Foreground(th.Accent).Bold(true)
			line = "› " + line
		} else {
			line = "  " + line
		}
		lines = append(lines, style.Render(truncate(line, boxW-4)))
	}
	if len(vis) == 0 {
		lines = append(lines, m.fg(th.Muted).Render("  nothing matches"))
	}
	if p.notice != "" {
		lines = append(lines, "", m.fg(th.Error).Render(p.notice))
	}
	box := lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(th.BorderFocused).
		Padding(0, 1).Width(boxW).Render(strings.Join(lines, "\n"))
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, box)
}

// openPicker shows the model picker.
func (m *Model) openPicker() {
	m.picker = newPicker(m.opts.Choices, m.panes)
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
	m.panes = panes
	// A session file records one set of models: the next prompt starts a
	// new one.
	cmd := m.endRecording()
	m.focus = min(m.focus, len(m.panes)-1)
	m.zoomed = false
	m.status = fmt.Sprintf("%d models", len(m.panes))
	return cmd
}
