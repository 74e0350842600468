package store

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fanout-dev/fanout/session"
)

// sessionFiles are the session files in dir, by name.
func sessionFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), session.Ext) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

func baseName(p string) string { return filepath.Base(p) }
