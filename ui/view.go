package ui

import (
	"fmt"
	"image/color"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
)

// Smallest useful terminal; below it the cockpit says so instead of drawing.
const (
	minWidth  = 40
	minHeight = 12
	// minPaneWidth is the narrowest pane worth drawing side by side.
	minPaneWidth = 34
	// tallEditor is the height from which the composer gets three lines
	// instead of one.
	tallEditor = 30
)

// View draws the whole screen.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "fanout"
	v.SetContent(m.render())
	return v
}

func (m *Model) render() string {
	m.noteLegend()
	if m.width == 0 {
		return ""
	}
	if m.width < minWidth || m.height < minHeight {
		msg := fmt.Sprintf("Terminal too small: %d×%d.\nfanout needs at least %d×%d.", m.width, m.height, minWidth, minHeight)
		return lipgloss.Place(m.width, m.height, lipgloss.Center, lipgloss.Center, msg)
	}
	if m.showHelp {
		return m.renderHelp()
	}
	if m.board != nil {
		return m.renderBoard()
	}
	if m.diff != nil {
		return m.renderDiff()
	}
	if m.picker != nil {
		return m.renderPicker(m.width, m.height)
	}
	if m.browser != nil {
		return m.renderBrowser()
	}
	title := m.renderTitle()
	if m.legacyGrid != nil {
		bottom := m.legacyBottom()
		gridH := m.height - lipgloss.Height(title) - lipgloss.Height(bottom)
		return lipgloss.JoinVertical(lipgloss.Left, title, m.legacyGrid(m.width, gridH), bottom)
	}
	bottom := m.bottomBlock()
	gridH := m.height - lipgloss.Height(title) - len(bottom.block.lines)
	// The screen is what lipgloss.JoinVertical of the title, the grid and
	// the bottom gives, put together from the panes' measured boxes.
	blocks := append([]block{newBlock(title)}, m.gridBlocks(m.width, gridH)...)
	return stack(append(blocks, bottom.block)...)
}

// noteLegend ends the hint that points to the legend once it has done
// its work: the user opened the help, or a first run is over and its
// numbers have been read. It is noted while drawing, which every change
// of state is followed by, so no key or run handler needs to know of it.
func (m *Model) noteLegend() {
	if m.showHelp || (m.turns > 0 && !m.streaming()) {
		m.legendSeen = true
	}
}

// legendHint is the one-line pointer to the legend, shown while the first
// run streams, or "".
func (m *Model) legendHint() string {
	if m.legendSeen || !m.streaming() {
		return ""
	}
	return " ? explains the numbers (ttft, tok/s, ~, est, —, (sim))"
}

func (m *Model) fg(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }

func (m *Model) renderTitle() string {
	th := m.theme
	left := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render("fanout")
	info := fmt.Sprintf(" %d model", len(m.panes))
	if len(m.panes) != 1 {
		info += "s"
	}
	if m.replay != nil {
		info += " · replay " + m.replay.header.Created.Local().Format("Jan 02 15:04")
	}
	if m.turns > 1 {
		info += fmt.Sprintf(" · turn %d", m.turns)
	}
	switch {
	case m.hidden() && m.blind.mode == BlindFull:
		info += " · blind: names and figures hidden until you vote"
	case m.hidden():
		info += " · blind: names hidden until you vote"
	}
	if m.streaming() {
		info += " · " + m.spin.View() + " streaming"
	}
	// A notice may quote an error, whose text may be a server's.
	right := termsafe.Text(m.status)
	line := left + m.fg(th.Muted).Render(info)
	if right != "" {
		// A notice too long for the room left is cut, not dropped: on a
		// narrow terminal it is often the one thing worth reading.
		if room := m.width - lipgloss.Width(line) - 2; lipgloss.Width(right) > room && room >= 12 {
			right = truncate(right, room)
		}
		gap := m.width - lipgloss.Width(line) - lipgloss.Width(right) - 1
		if gap > 0 {
			line += strings.Repeat(" ", gap) + m.fg(th.Subtle).Render(right)
		}
	}
	return lipgloss.NewStyle().MaxWidth(m.width).Render(line)
}

// layout returns the columns and rows of the grid for n panes in a w×h area.
func layout(n, w, h int) (cols, rows int) {
	switch {
	case n <= 1:
		cols, rows = 1, 1
	case n <= 3:
		cols, rows = n, 1
	case n == 4:
		cols, rows = 2, 2
	case n <= 6:
		cols, rows = 3, 2
	default:
		cols, rows = 4, 2
	}
	for cols > 1 && w/cols < minPaneWidth {
		cols--
	}
	// Short terminals stack fewer rows; the rest is paged.
	for rows > 1 && h/rows < 8 {
		rows--
	}
	return cols, rows
}

// visible returns the panes shown on the page that holds the focused pane.
func (m *Model) visible(w, h int) (first, count, cols, rows int) {
	cols, rows = layout(len(m.panes), w, h)
	per := cols * rows
	focus := max(0, m.focus)
	first = (focus / per) * per
	count = min(per, len(m.panes)-first)
	return first, count, cols, rows
}

// gridLayout is how the panes share the grid area: the page of panes on
// screen, in cols×rows cells, under a tab strip when not all of them fit.
// Drawing, the mouse and paging keys all read it, so they agree.
type gridLayout struct {
	first, count, cols, rows int
	tabs                     bool // the area's first row is the tab strip
	w, h                     int  // the cells' area, the tab strip left out
}

func (m *Model) gridLayout(w, h int) gridLayout {
	first, count, cols, rows := m.visible(w, h-1)
	g := gridLayout{first: first, count: count, cols: cols, rows: rows, w: w, h: h}
	if len(m.panes) > cols*rows {
		g.tabs, g.h = true, h-1
	}
	return g
}

// span is the offset and size of part i of n in total: equal parts, the
// last taking what the division leaves.
func span(i, n, total int) (off, size int) {
	size = total / n
	if i == n-1 {
		return size * i, total - size*(n-1)
	}
	return size * i, size
}

// gridBlocks draws the grid area as blocks, top to bottom: the tab strip
// when not every pane fits, then each row of panes. A pane is drawn again
// only when it changed (paneBlock); the rows are put together line by
// line from the panes' boxes.
func (m *Model) gridBlocks(w, h int) []block {
	if len(m.panes) == 0 {
		return []block{newBlock(lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, m.fg(m.theme.Muted).Render("No models. Start fanout with -m provider:model.")))}
	}
	if m.zoomed && m.focus >= 0 {
		return []block{m.paneBlock(m.focus, w, h, footerFor(w-2))}
	}
	g := m.gridLayout(w, h)
	// One stats format for the whole grid, from its narrowest cell.
	f := footerFor(g.w/g.cols - 2)
	var out []block
	if g.tabs {
		// Not every pane fits: a tab strip shows them all, with the ones on
		// screen highlighted.
		out = append(out, newBlock(m.renderTabs(g.first, g.count, w)))
	}
	cells := make([]block, g.cols)
	for r := 0; r < g.rows; r++ {
		_, rh := span(r, g.rows, g.h)
		for c := 0; c < g.cols; c++ {
			i := g.first + r*g.cols + c
			_, cw := span(c, g.cols, g.w)
			if i >= g.first+g.count {
				cells[c] = newBlock(lipgloss.NewStyle().Width(cw).Height(rh).Render(""))
				continue
			}
			cells[c] = m.paneBlock(i, cw, rh, f)
		}
		out = append(out, joinRow(cells))
	}
	return out
}

// renderTabs is one line naming every pane with its status; the panes on
// screen are highlighted.
func (m *Model) renderTabs(first, count, w int) string {
	th := m.theme
	var parts []string
	for i, p := range m.panes {
		icon := statusIcon(p.result.Stats.Status, m.spin.View())
		label := m.paneName(i)
		label = ansi.Truncate(label, 12, "…") // cells, not runes: wide characters count twice
		tab := fmt.Sprintf(" %d %s %s ", i+1, label, icon)
		style := lipgloss.NewStyle().Foreground(th.Subtle)
		if i >= first && i < first+count {
			style = style.Foreground(th.Text)
		}
		if i == m.focus {
			style = style.Bold(true).Foreground(th.Accent)
		}
		parts = append(parts, style.Render(tab))
	}
	return truncate(strings.Join(parts, m.fg(th.Subtle).Render("│")), w)
}

func statusIcon(s session.Status, spin string) string {
	switch s {
	case session.StatusWaiting, session.StatusStreaming:
		return spin
	case session.StatusDone:
		return "✓"
	case session.StatusCancelled:
		return "■"
	case session.StatusError:
		return "✗"
	}
	return "·"
}

// gridArea is where renderGrid draws: below the title, above the composer
// or replay bar and the strips under the panes.
func (m *Model) gridArea() (top, h int) {
	top = lipgloss.Height(m.renderTitle())
	return top, m.height - top - lipgloss.Height(m.renderBottom())
}

// paneBodyHeight is the body height of the focused pane's row (the first
// row when none has focus), for paging keys: the box's border, header and
// stats line left out.
func (m *Model) paneBodyHeight() int {
	_, h := m.gridArea()
	if !m.zoomed {
		g := m.gridLayout(m.width, h)
		r := 0
		if m.focus >= g.first && m.focus < g.first+g.count {
			r = (m.focus - g.first) / g.cols
		}
		_, h = span(r, g.rows, g.h)
	}
	return max(1, h-4)
}

// paneAt finds the pane under a screen cell, or -1.
func (m *Model) paneAt(x, y int) int {
	if len(m.panes) == 0 {
		return -1
	}
	top, h := m.gridArea()
	if y < top || y >= top+h {
		return -1
	}
	if m.zoomed && m.focus >= 0 {
		return m.focus
	}
	g := m.gridLayout(m.width, h)
	y -= top
	if g.tabs {
		if y == 0 {
			return -1 // the tab strip
		}
		y--
	}
	c := min(g.cols-1, x/max(1, g.w/g.cols))
	r := min(g.rows-1, y/max(1, g.h/g.rows))
	i := g.first + r*g.cols + c
	if i >= g.first+g.count {
		return -1
	}
	return i
}

func (m *Model) statusColor(s session.Status) color.Color {
	switch s {
	case session.StatusStreaming:
		return m.theme.Streaming
	case session.StatusDone:
		return m.theme.Done
	case session.StatusCancelled:
		return m.theme.Cancelled
	case session.StatusError:
		return m.theme.Error
	}
	return m.theme.Waiting
}

// renderPane draws pane i in a w×h box: border, header, body, stats, its
// stats line in the format that fits its width.
func (m *Model) renderPane(i, w, h int) string {
	return m.renderPaneAs(i, w, h, footerFor(w-2))
}

// paneHeader is pane i's first row inside its border, innerW cells wide:
// its number, label and provider, and its status on the right.
func (m *Model) paneHeader(i, innerW int) string {
	p, th := m.panes[i], m.theme
	st := &p.result.Stats
	status := string(st.Status)
	switch st.Status {
	case "":
		status = "ready"
		if p.asked != "" {
			status = m.spin.View() + " waiting"
		}
	case session.StatusWaiting:
		status = m.spin.View() + " waiting"
	case session.StatusStreaming:
		status = m.spin.View() + " streaming"
	case session.StatusDone:
		status = "✓ done"
		if st.StopReason == backends.StopMaxTokens {
			status = "✓ cut at max tokens"
		}
	case session.StatusCancelled:
		status = "■ cancelled"
	case session.StatusError:
		status = "✗ error"
	}
	num := fmt.Sprintf("%d ", i+1)
	label := lipgloss.NewStyle().Bold(true).Foreground(th.Text).Render(m.paneName(i))
	prov := m.fg(th.Muted).Render(" · " + p.target.Provider)
	if m.hidden() {
		prov = ""
		if m.leaked(i) {
			prov = m.fg(th.Error).Render(" · ⚠ names its maker")
		}
	}
	right := m.fg(m.statusColor(st.Status)).Render(status)
	left := m.fg(th.Subtle).Render(num) + label + prov
	if serving := session.FormatServing(p.target, st); serving != "" && !m.hidden() {
		// How it was served comes after the name, and only when it fits
		// whole: a cut label would say less than no tier at all.
		more := m.fg(th.Muted).Render(" · " + serving)
		if lipgloss.Width(left)+lipgloss.Width(more)+lipgloss.Width(right)+1 <= innerW {
			left += more
		}
	}
	if lipgloss.Width(left)+lipgloss.Width(right)+1 > innerW {
		// Cut with an ellipsis, so a cut label does not pass for a
		// whole one.
		left = truncate(left, max(1, innerW-lipgloss.Width(right)-1))
	}
	header := left + strings.Repeat(" ", max(1, innerW-lipgloss.Width(left)-lipgloss.Width(right))) + right
	return header
}

// renderPaneAs draws pane i with its stats line in format f. The grid
// picks one format for all its panes, so neighbours read alike.
func (m *Model) renderPaneAs(i, w, h int, f footerFormat) string {
	return strings.Join(m.drawPane(i, w, h, f).lines, "\n")
}

// drawPane draws pane i as renderPaneAs does, measured.
func (m *Model) drawPane(i, w, h int, f footerFormat) block {
	p := m.panes[i]
	th := m.theme
	focused := i == m.focus
	border := th.BorderUnfocused
	if focused {
		border = th.BorderFocused
	}
	innerW, innerH := max(1, w-2), max(1, h-2)

	header := m.paneHeader(i, innerW)
	footer := m.renderFooter(p, innerW, f)
	bodyH := max(0, innerH-2)
	body := m.paneBody(p, innerW, bodyH)

	box := lipgloss.NewStyle().
		Border(paneBorder(th, focused)).BorderForeground(border).
		Width(w).Height(h).MaxHeight(h)
	if b, ok := m.frames.box(box, w, h, header, body, footer); ok {
		return b
	}
	content := lipgloss.JoinVertical(lipgloss.Left, header, strings.Join(body, "\n"), footer)
	return newBlock(box.Render(content))
}

// paneBorder is the box of a pane. Without colour a border colour cannot
// mark the focused pane, so it gets a double line instead.
func paneBorder(th themes.Theme, focused bool) lipgloss.Border {
	if focused && th.Plain {
		return lipgloss.DoubleBorder()
	}
	return lipgloss.RoundedBorder()
}

// paneBody returns exactly h rows of the pane's body, scrolled. Only the
// visible rows are read out of the body's pieces and cut to the width.
func (m *Model) paneBody(p *pane, w, h int) []string {
	if h <= 0 {
		return nil
	}
	var body lineSegs
	if p.idle() {
		// In the answer's margins, where the answer will be.
		pad := strings.Repeat(" ", answerMargin(m.theme))
		price := "price unknown"
		if p.price != nil {
			price = priceLine(p.price)
		}
		about := []string{p.target.Provider + ":" + p.target.Model, price}
		if m.hidden() {
			about = []string{"blind: which model answers here is hidden until you vote"}
		}
		for _, text := range about {
			for _, l := range strings.Split(wrap(text, w-2*len(pad)), "\n") {
				body.add(m.fg(m.theme.Subtle).Render(pad + l))
			}
		}
	} else {
		body = p.body(w, m.theme, m.hidden())
	}
	n := body.len()
	if p.scroll > 0 && p.drawn.width == w && n > p.drawn.lines {
		p.scroll += n - p.drawn.lines // hold the view still
	}
	p.drawn.lines, p.drawn.width = n, w
	maxScroll := max(0, n-h)
	p.scroll = min(p.scroll, maxScroll)
	end := n - p.scroll
	start := max(0, end-h)
	out := make([]string, h)
	body.slice(out, start, end)
	for i := range end - start {
		out[i] = clipLine(out[i], w)
	}
	marker := m.fg(m.theme.Accent).Bold(m.theme.Plain)
	below := p.scroll > 0
	if below {
		out[h-1] = marker.Render(truncate(fmt.Sprintf("↓ %d more lines · end follows", p.scroll), w))
	}
	if start > 0 && (h > 1 || !below) {
		// The marker takes the top row, so that row is hidden too.
		out[0] = marker.Render(truncate(fmt.Sprintf("↑ %d more lines", start+1), w))
	}
	return out
}

// clipLine cuts a line to w cells, as lipgloss.NewStyle().MaxWidth(w)
// renders it: for a line without tabs or carriage returns (which that
// style rewrites) that is ansi.Truncate alone, without the style's
// allocations and second measurement of the line.
func clipLine(l string, w int) string {
	if strings.ContainsAny(l, "\t\r\n") {
		return lipgloss.NewStyle().MaxWidth(w).Render(l)
	}
	return ansi.Truncate(l, w, "")
}

// footerFormat is how much a pane's stats line says. A grid draws all its
// panes in one format, chosen from the width alone (footerFor), so that
// neighbouring panes read alike whatever their figures.
type footerFormat int

const (
	// footerFull: ttft 651ms · ~135 tok/s · in ~12 out ~254 · ~$0.00383 est (sim) … total 6.87s
	footerFull footerFormat = iota
	// footerMid: ttft 651ms · ~135 tok/s · ~254 tok · ~$0.00383 … 6.87s
	footerMid
	// footerCompact: 651ms · ~135t/s · ~$0.00383 … 6.87s
	footerCompact
	// footerTiny: 651ms · ~$0.00383 … 6.87s
	footerTiny
)

// footerFigures are the pieces of a stats line, formatted.
type footerFigures struct {
	ttft, rate, in, out string
	cache               string // "900 cached", "" when the cache played no part
	cost                string // "—" when the price is unknown
	source, sim         string // " est", " billed"; " (sim)"
	total               string // "" until the pane has ended
}

// footerSample is what footerFor measures a format with: figures as wide
// as a typical run's, estimated and simulated.
var footerSample = footerFigures{ttft: "651ms", rate: "~135", in: "~12", out: "~254", cost: "~$0.00383", source: " est", sim: " (sim)", total: "16.9s"}

// footerFor is the fullest format whose sample line fits in w cells.
func footerFor(w int) footerFormat {
	for f := footerFull; f < footerTiny; f++ {
		left, right := footerSample.line(f)
		if ansi.StringWidth(left)+1+ansi.StringWidth(right) <= w {
			return f
		}
	}
	return footerTiny
}

func figuresOf(p *pane) footerFigures {
	s := &p.result.Stats
	exact := s.Usage != nil
	u := s.Tokens()
	f := footerFigures{ttft: "—", in: session.FormatTokens(u.Input, exact), out: session.FormatTokens(u.Output, exact), cost: "—"}
	if exact {
		f.cache = session.FormatCache(u)
	}
	if d, ok := s.TTFT(); ok {
		f.ttft = session.FormatDuration(d)
	}
	if v, ok := s.TokensPerSecond(); ok {
		f.rate = session.FormatRate(v, exact, 0)
	}
	c := p.result.Cost()
	if amount, ok := session.CostAmount(c); ok {
		f.cost = amount
		switch {
		case c.Source == session.CostEstimated && *c.USD != 0: // a certain $0 is no estimate
			f.source = " est"
		case c.Source == session.CostBilled:
			f.source = " billed"
		}
		if c.Simulated {
			f.sim = " (sim)"
		}
	}
	if s.Ended() {
		f.total = session.FormatDuration(s.Total)
	}
	return f
}

// line is the stats line in format f: the figures on the left, the total
// time on the right.
func (x footerFigures) line(f footerFormat) (left, right string) {
	var parts []string
	add := func(s string) { parts = append(parts, s) }
	cost := x.cost
	if cost == "—" && f <= footerMid {
		cost = "cost —"
	}
	switch f {
	case footerFull:
		add("ttft " + x.ttft)
		if x.rate != "" {
			add(x.rate + " tok/s")
		}
		in := "in " + x.in
		if x.cache != "" {
			in += " (" + x.cache + ")"
		}
		add(in + " out " + x.out)
		add(cost + x.source + x.sim)
	case footerMid:
		add("ttft " + x.ttft)
		if x.rate != "" {
			add(x.rate + " tok/s")
		}
		add(x.out + " tok")
		add(cost)
	case footerCompact:
		add(x.ttft)
		if x.rate != "" {
			add(x.rate + "t/s")
		}
		add(cost)
	default:
		add(x.ttft)
		add(cost)
	}
	right = x.total
	if right != "" && f == footerFull {
		right = "total " + right
	}
	return strings.Join(parts, " · "), right
}

// renderFooter is a pane's stats line, w cells wide. Figures wider than
// the format planned for are cut on the left; the total is never cut.
func (m *Model) renderFooter(p *pane, w int, f footerFormat) string {
	if p.idle() {
		return ""
	}
	x := figuresOf(p)
	if m.hidden() {
		x.cost, x.source, x.sim = "cost hidden", "", ""
	}
	left, right := x.line(f)
	if m.figuresHidden() {
		left, right = "figures hidden until you vote", ""
		if p.result.Stats.Ended() {
			right = "ended"
		}
	}
	rw := ansi.StringWidth(right)
	if right != "" && ansi.StringWidth(left)+1+rw > w {
		left = truncate(left, max(0, w-rw-1))
	}
	gap := max(1, w-ansi.StringWidth(left)-rw)
	if right == "" {
		gap = 0
	}
	return m.fg(m.theme.Muted).Render(truncate(left+strings.Repeat(" ", gap)+right, w))
}

// costShort is a cost for a pane footer: "$0.0012", "~$0.0012 est", "—";
// compact leaves the source and "(sim)" out, the ~ in.
func costShort(c session.Cost, compact bool) string {
	s, ok := session.CostAmount(c)
	if !ok {
		return "cost —"
	}
	if compact {
		return s
	}
	switch {
	case c.Source == session.CostEstimated && *c.USD != 0: // a certain $0 is no estimate
		s += " est"
	case c.Source == session.CostBilled:
		s += " billed"
	}
	if c.Simulated {
		s += " (sim)"
	}
	return s
}

func priceLine(p *backends.Price) string {
	switch p.Source {
	case backends.PriceSourceLocal:
		return "free (local model)"
	case backends.PriceSourceSimulated:
		return fmt.Sprintf("$%g in / $%g out per 1M (simulated)", p.Input, p.Output)
	}
	// Where the price comes from and how old it is: a catalog's figure
	// may be months out of date.
	return fmt.Sprintf("$%g in / $%g out per 1M tokens · %s", p.Input, p.Output, p.Provenance())
}

// truncate cuts s, which may be styled, to w cells, ending with "…" when
// it cut: ansi.Truncate keeps escape sequences whole and the closing reset,
// so a cut style never bleeds into what follows.
func truncate(s string, w int) string {
	return ansi.Truncate(s, w, "…")
}

// helpStyles colours the help bar and the ? view from the theme: keys in
// the text colour, what they do in the muted one, separators subtle.
// bubbles' default styles are fixed greys, which wash out on a
// high-contrast theme and are colours still under no-color.
func helpStyles(th themes.Theme) help.Styles {
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	return help.Styles{
		Ellipsis:       fg(th.Subtle),
		ShortKey:       fg(th.Text).Bold(th.Plain),
		ShortDesc:      fg(th.Muted),
		ShortSeparator: fg(th.Subtle),
		FullKey:        fg(th.Text).Bold(th.Plain),
		FullDesc:       fg(th.Muted),
		FullSeparator:  fg(th.Subtle),
	}
}

// editorStyles colours the composer from the theme. bubbles' defaults
// give the cursor's line a black background (white on a light terminal),
// which shows on every theme as a bar across the composer; here the
// cursor's line is the plain text colour, and the prompt bar is the
// accent while the composer has focus.
func editorStyles(th themes.Theme) textarea.Styles {
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	focused := textarea.StyleState{
		Base:             lipgloss.NewStyle(),
		Text:             fg(th.Text),
		LineNumber:       fg(th.Subtle),
		CursorLineNumber: fg(th.Muted),
		CursorLine:       fg(th.Text),
		EndOfBuffer:      fg(th.Subtle),
		Placeholder:      fg(th.Muted),
		Prompt:           fg(th.Accent).Bold(th.Plain),
		Selection:        lipgloss.NewStyle().Reverse(true),
	}
	blurred := focused
	blurred.Text = fg(th.Muted)
	blurred.CursorLine = fg(th.Muted)
	blurred.Placeholder = fg(th.Subtle)
	blurred.Prompt = fg(th.Subtle)
	s := textarea.DefaultStyles(th.Dark)
	s.Focused, s.Blurred = focused, blurred
	s.Cursor.Color = th.Accent
	return s
}

// legendEntry explains one mark or figure of the pane footers and the
// summary strip.
//
// short is the meaning in a word or two, for the compact legend.
type legendEntry struct{ term, meaning, short string }

var legend = []legendEntry{
	{"ttft", "time to first token", "first token"},
	{"tok/s", "output tokens a second (t/s)", "speed"},
	{"in/out", "input/output tokens", "tokens"},
	{"total", "time to the end (last)", "time to the end"},
	{"~", "estimated, not yet reported", "estimated"},
	{"est", "cost of estimated tokens", "estimated cost"},
	{"billed", "the provider's own cost", "provider's cost"},
	{"—", "unknown price (never $0)", "unknown price"},
	{"(sim)", "simulated demo price", "simulated"},
	{"★", "best of each, when all done", "best"},
}

// legendTitle heads the legend in the ? view.
const legendTitle = "what the numbers mean"

// renderLegend is the ? view's block that explains the numbers, at most
// width cells wide: a table in two columns, or one when two do not fit.
// compact gives a wrapped paragraph instead, for short terminals.
func (m *Model) renderLegend(width int, compact bool) string {
	th := m.theme
	term := lipgloss.NewStyle().Foreground(th.Text).Bold(true)
	meaning := m.fg(th.Muted)
	title := lipgloss.NewStyle().Bold(true).Foreground(th.Accent).Render(legendTitle)
	if compact {
		var items []string
		for _, e := range legend {
			items = append(items, e.term+" "+e.short)
		}
		text := wrap("numbers: "+strings.Join(items, " · "), max(8, width))
		return meaning.Render(text)
	}
	termW := 0
	for _, e := range legend {
		termW = max(termW, ansi.StringWidth(e.term))
	}
	cells := make([]string, len(legend))
	cellW := 0
	for i, e := range legend {
		cells[i] = term.Render(e.term+strings.Repeat(" ", termW-ansi.StringWidth(e.term)+1)) + meaning.Render(e.meaning)
		cellW = max(cellW, lipgloss.Width(cells[i]))
	}
	const gap = 4
	var rows []string
	if 2*cellW+gap <= width {
		half := (len(cells) + 1) / 2
		for i := range half {
			row := cells[i] + strings.Repeat(" ", cellW-lipgloss.Width(cells[i])+gap)
			if i+half < len(cells) {
				row += cells[i+half]
			}
			rows = append(rows, row)
		}
	} else {
		rows = cells
	}
	return title + "\n" + strings.Join(rows, "\n")
}

// filterStyles colours a one-line filter (the picker's, the browser's)
// from the theme instead of bubbles' fixed greys.
func filterStyles(th themes.Theme) textinput.Styles {
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	s := textinput.DefaultStyles(th.Dark)
	s.Focused = textinput.StyleState{Text: fg(th.Text), Placeholder: fg(th.Muted), Suggestion: fg(th.Subtle), Prompt: fg(th.Accent).Bold(th.Plain)}
	s.Blurred = textinput.StyleState{Text: fg(th.Muted), Placeholder: fg(th.Subtle), Suggestion: fg(th.Subtle), Prompt: fg(th.Subtle)}
	s.Cursor.Color = th.Accent
	return s
}

// listStyles are the session browser's list styles in the theme's
// colours: bubbles' layout (paddings, borders), not its fixed colours. The
// title, a coloured badge, is reverse video without colour.
func listStyles(th themes.Theme) list.Styles {
	fg := func(c color.Color) lipgloss.Style { return lipgloss.NewStyle().Foreground(c) }
	s := list.DefaultStyles(th.Dark)
	s.Title = lipgloss.NewStyle().Padding(0, 1).Bold(true)
	if th.Plain {
		s.Title = s.Title.Reverse(true)
	} else {
		s.Title = s.Title.Background(th.Accent).Foreground(th.Text)
	}
	s.Spinner = fg(th.Muted)
	s.Filter = filterStyles(th)
	s.StatusBar = s.StatusBar.Foreground(th.Muted)
	s.StatusEmpty = fg(th.Subtle)
	s.StatusBarActiveFilter = fg(th.Text)
	s.StatusBarFilterCount = fg(th.Subtle)
	s.NoItems = fg(th.Muted)
	s.ArabicPagination = fg(th.Subtle)
	s.ActivePaginationDot = s.ActivePaginationDot.Foreground(th.Muted)
	s.InactivePaginationDot = s.InactivePaginationDot.Foreground(th.Subtle)
	s.DividerDot = s.DividerDot.Foreground(th.Subtle)
	return s
}

// listItemStyles are the browser's rows in the theme's colours; the
// selected row is bold too, which shows without colour.
func listItemStyles(th themes.Theme) list.DefaultItemStyles {
	s := list.NewDefaultItemStyles(th.Dark)
	s.NormalTitle = s.NormalTitle.Foreground(th.Text)
	s.NormalDesc = s.NormalDesc.Foreground(th.Muted)
	s.SelectedTitle = s.SelectedTitle.Foreground(th.Accent).BorderForeground(th.Accent).Bold(true)
	s.SelectedDesc = s.SelectedDesc.Foreground(th.Muted).BorderForeground(th.Accent)
	s.DimmedTitle = s.DimmedTitle.Foreground(th.Muted)
	s.DimmedDesc = s.DimmedDesc.Foreground(th.Subtle)
	return s
}
