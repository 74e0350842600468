package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/session"
)

// With a team's store the browser lists everyone's sessions, says whose
// each is and which are not uploaded yet, and a toggles to mine only.
func TestBrowserTeamMineAndEveryones(t *testing.T) {
	m := newTestModel(t, 2, 120, 30, "")
	now := time.Now()
	m.opts.Sessions = &session.Store{Dir: t.TempDir()}
	m.opts.Author = "ana"
	m.opts.ListSessions = func(context.Context) ([]session.Summary, []error) {
		return []session.Summary{
			{ID: "s-ana", Author: "ana", Prompt: "ana's prompt", Created: now, Complete: true},
			{ID: "s-bo", Author: "bo", Prompt: "bo's prompt", Created: now.Add(-time.Minute), Complete: true},
			{ID: "s-old", Prompt: "before the store", Created: now.Add(-time.Hour), Complete: true, LocalOnly: true},
		}, nil
	}
	_, cmd := m.Update(pressKey("ctrl+o"))
	for _, msg := range runCmd(cmd) {
		m.Update(msg)
	}
	if m.browser == nil || !m.browser.team {
		t.Fatal("no team browser")
	}
	if got := len(m.browser.list.Items()); got != 3 {
		t.Fatalf("everyone's: %d sessions", got)
	}
	out := screen(m)
	for _, want := range []string{"everyone's", "by bo", "local only"} {
		if !strings.Contains(out, want) {
			t.Errorf("browser lacks %q:\n%s", want, out)
		}
	}
	m.Update(pressKey("a"))
	var ids []string
	for _, it := range m.browser.list.Items() {
		ids = append(ids, it.(sessionItem).s.ID)
	}
	if strings.Join(ids, ",") != "s-ana,s-old" {
		t.Errorf("mine: %v", ids)
	}
	if !strings.Contains(screen(m), "mine") {
		t.Errorf("the title does not say mine")
	}
	m.Update(pressKey("a"))
	if got := len(m.browser.list.Items()); got != 3 {
		t.Errorf("back to everyone's: %d", got)
	}
}

// Without a store the browser is as before: no author, no toggle.
func TestBrowserLocalHasNoToggle(t *testing.T) {
	m := keyScene(t, modeBrowser, "")
	n := len(m.browser.list.Items())
	m.Update(pressKey("a"))
	if m.browser.team || m.browser.mine || len(m.browser.list.Items()) != n {
		t.Errorf("a changed a local browser")
	}
}
