package store

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// progress is a cold sync's bar on stderr, redrawn in place at most once
// per percent; where stderr is no terminal (a log), one line at the start
// and one at the end instead.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	total int
	shown int // the last percent drawn
}

func newProgress(w io.Writer, tty bool, total int, from string) *progress {
	p := &progress{w: w, tty: tty, total: total, shown: -1}
	// A handful of downloads need no bar: it would only flicker.
	if total < 20 {
		p.w = nil
	}
	if p.w != nil && !tty {
		fmt.Fprintf(p.w, "syncing %d sessions from %s…\n", total, from)
	}
	return p
}

func (p *progress) set(done int) {
	if p.w == nil || !p.tty {
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

func (p *progress) end(done int) {
	switch {
	case p.w == nil:
	case !p.tty:
		fmt.Fprintf(p.w, "synced %d of %d sessions\n", done, p.total)
	case p.shown >= 0:
		fmt.Fprintln(p.w)
	}
}
