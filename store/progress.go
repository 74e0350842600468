package store

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// progress is a cold sync's bar on stderr, redrawn in place at most once
// per percent, so a sync of 10k sessions writes a hundred lines at most.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	total int
	shown int // the last percent drawn
}

func newProgress(w io.Writer, total int) *progress {
	p := &progress{w: w, total: total, shown: -1}
	// A handful of downloads need no bar: it would only flicker.
	if total < 20 {
		p.w = nil
	}
	return p
}

func (p *progress) set(done int) {
	if p.w == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	pct := done * 100 / p.total
	if pct == p.shown {
		return
	}
	p.shown = pct
	const width = 30
	fill := pct * width / 100
	fmt.Fprintf(p.w, "\rsyncing the team's store [%s%s] %d/%d sessions", strings.Repeat("█", fill), strings.Repeat("·", width-fill), done, p.total)
}

func (p *progress) end() {
	if p.w != nil && p.shown >= 0 {
		fmt.Fprintln(p.w)
	}
}
