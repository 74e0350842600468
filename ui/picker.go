package ui

import (
	"fmt"
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
}

// picker chooses the models on screen: a filter, a list, a selection.
type picker struct {
	filter   textinput.Model
	choices  []Choice
	selected map[string]bool // by target name
	order    []string        // selection order, so panes keep their places
	cursor   int             // index into the filtered list
	notice   string
}

func newPicker(choices []Choice, current []*pane) *picker {
	p := &picker{choices: choices, selected: map[string]bool{}}
	// Panes on screen are always offered first, in their order, even if
	// discovery missed them.
	var onScreen []Choice
	for _, pn := range current {
		onScreen = append(onScreen, Choice{Target: pn.target, Note: "on screen"})
		p.selected[pn.target.Name] = true
		p.order = append(p.order, pn.target.Name)
	}
	for _, c := range choices {
		if !p.selected[c.Target.Name] {
			onScreen = append(onScreen, c)
		}
	}
	p.choices = onScreen
	p.filter = textinput.New()
	p.filter.Placeholder = "filter models"
	p.filter.Prompt = "/ "
	p.filter.Focus()
	return p
}

// visible is the choices matching the filter: every word must appear in
// the name, label or note.
func (p *picker) visible() []Choice {
	words := strings.Fields(strings.ToLower(p.filter.Value()))
	var out []Choice
	for _, c := range p.choices {
		hay := strings.ToLower(c.Target.Name + " " + c.Target.Label + " " + c.Note)
		ok := true
		for _, w := range words {
			if !strings.Contains(hay, w) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, c)
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
	name := vis[p.cursor].Target.Name
	if p.selected[name] {
		delete(p.selected, name)
		for i, n := range p.order {
			if n == name {
				p.order = append(p.order[:i], p.order[i+1:]...)
				break
			}
		}
		p.notice = ""
		return
	}
	if len(p.order) >= MaxPanes {
		p.notice = fmt.Sprintf("at most %d models at once: remove one first", MaxPanes)
		return
	}
	p.selected[name] = true
	p.order = append(p.order, name)
	p.notice = ""
}

// targets is the selection, in the order it was made.
func (p *picker) targets() []backends.Target {
	byName := map[string]backends.Target{}
	for _, c := range p.choices {
		byName[c.Target.Name] = c.Target
	}
	var out []backends.Target
	for _, n := range p.order {
		out = append(out, byName[n])
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
		c := vis[i]
		mark := "[ ]"
		if p.selected[c.Target.Name] {
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
}

// applyPicker replaces the panes with the picker's selection. Panes that
// stay keep their conversation and their answer.
func (m *Model) applyPicker() tea.Cmd {
	if m.replay != nil {
		// In a replay, the picked models re-run the session.
		return m.rerun(m.picker.targets())
	}
	// The same model may be on screen twice (to compare runs of one
	// model): each stays matched to its own pane.
	old := map[string][]*pane{}
	for _, p := range m.panes {
		old[p.target.Name] = append(old[p.target.Name], p)
	}
	var panes []*pane
	for _, t := range m.picker.targets() {
		if ps := old[t.Name]; len(ps) > 0 {
			panes = append(panes, ps[0])
			old[t.Name] = ps[1:]
			continue
		}
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
