package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// A styled line cut to the screen keeps its escape sequences whole and
// ends its style: nothing bleeds into the next cell.
func TestTruncateKeepsStylesWhole(t *testing.T) {
	styled := "\x1b[38;2;255;0;0mhello world\x1b[m and more"
	got := truncate(styled, 8)
	if w := ansi.StringWidth(got); w != 8 {
		t.Errorf("width %d, want 8: %q", w, got)
	}
	if ansi.Strip(got) != "hello w…" {
		t.Errorf("text %q", ansi.Strip(got))
	}
	if !strings.HasSuffix(got, "…\x1b[m") {
		t.Errorf("the style is not closed after the cut: %q", got)
	}
	if got := truncate("界界界界", 5); ansi.StringWidth(got) > 5 {
		t.Errorf("wide characters: %q is %d cells", got, ansi.StringWidth(got))
	}
	if got := truncate("short", 10); got != "short" {
		t.Errorf("a line that fits was changed: %q", got)
	}
}
