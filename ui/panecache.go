package ui

import "github.com/fanout-dev/fanout/session"

// A frame draws again only the panes that changed. Each pane keeps its box
// as last drawn, measured (a block), with the key of everything the
// drawing read: a frame whose key for the pane is the same serves the box
// as it is, without styling, bordering or measuring anything.
//
// The key holds the inputs themselves where they are cheap to compare
// (size, focus, scroll, theme, spinner frame) and the pane's version for
// the rest, which pane.changed bumps on every change to the pane's
// content (an event applied, a new turn, a reset).

// paneBox is a pane's drawn box and what it was drawn from.
type paneBox struct {
	key   boxKey
	block block
	ok    bool
	// renders counts the boxes drawn, for the tests.
	renders int
}

// boxKey is everything a pane's box depends on.
type boxKey struct {
	ver           uint64
	index         int // the number in the header
	focused       bool
	w, h          int
	format        footerFormat
	theme         string
	themeGen      int
	spin          string // the spinner's frame, while the pane shows it
	scroll        int
	showReasoning bool
	asked         string
	label         string
	provider      string
	model         string
	tier, latency string // asked for, shown in the header
	hidden        bool   // a blind round's names hidden
	figures       bool   // its figures hidden too
	leaked        bool   // the header flags the answer as naming its maker
}

func (m *Model) boxKey(i, w, h int, f footerFormat) boxKey {
	p := m.panes[i]
	k := boxKey{
		ver: p.ver, index: i, focused: i == m.focus, w: w, h: h, format: f,
		theme: m.theme.Name, themeGen: m.themeGen,
		scroll: p.scroll, showReasoning: p.showReasoning, asked: p.asked,
		label: p.target.Label, provider: p.target.Provider, model: p.target.Model,
		tier: p.target.ServiceTier, latency: p.target.Latency,
		hidden: m.hidden(), figures: m.figuresHidden(), leaked: m.leaked(i),
	}
	switch p.result.Stats.Status {
	case "":
		if p.asked != "" {
			k.spin = m.spin.View()
		}
	case session.StatusWaiting, session.StatusStreaming:
		k.spin = m.spin.View()
	}
	return k
}

// paneBlock is pane i's box, w×h with its stats line in format f, drawn
// again only when something it shows changed.
func (m *Model) paneBlock(i, w, h int, f footerFormat) block {
	p := m.panes[i]
	if p.box.ok && p.box.key == m.boxKey(i, w, h, f) {
		return p.box.block
	}
	b := m.drawPane(i, w, h, f)
	// The key is taken after drawing, which may clamp the scroll or move
	// it to hold the view still: drawn again from that state, the box
	// would be the same.
	p.box = paneBox{key: m.boxKey(i, w, h, f), block: b, ok: true, renders: p.box.renders + 1}
	return b
}
