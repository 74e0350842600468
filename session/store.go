package session

import (
	"path/filepath"
)

// Store is a folder of session files.
type Store struct {
	// Dir holds the session files; it is created on the first write.
	Dir string
	// App is the version of fanout written into every header.
	App string
	// Secrets are values that must never reach a session file (API keys,
	// tokens): any line that contains one has it replaced before writing.
	Secrets []string
}

// DefaultDir is where sessions live: $XDG_DATA_HOME/fanout/sessions, or
// ~/.local/share/fanout/sessions.
func DefaultDir(getenv func(string) string) string {
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "fanout", "sessions")
	}
	home := getenv("HOME")
	if home == "" {
		home = "."
	}
	return filepath.Join(home, ".local", "share", "fanout", "sessions")
}
