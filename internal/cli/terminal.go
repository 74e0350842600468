package cli

import (
	"os"

	"github.com/charmbracelet/x/term"
)

// isTerminal reports whether w is a file open on a terminal. It asks the
// terminal itself (x/term: an ioctl on the descriptor), so /dev/null and
// other character devices that are no terminal are not taken for one.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}

// defaultWidth is what output is wrapped to when the terminal does not
// say how wide it is.
const defaultWidth = 80

// terminalWidth is the width of the terminal w is open on, or
// defaultWidth.
func terminalWidth(w any) int {
	if f, ok := w.(*os.File); ok {
		if cols, _, err := term.GetSize(f.Fd()); err == nil && cols > 0 {
			return cols
		}
	}
	return defaultWidth
}
