package store

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/fanout-dev/fanout/session"
)

// sessionFiles are the session files in dir, by name.
func sessionFiles(dir string) []string { return sessionFilesExt(dir, session.Ext) }

// sessionFilesExt are the files in dir whose names end in ext, by name.
func sessionFilesExt(dir, ext string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ext) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

func baseName(p string) string { return filepath.Base(p) }
