package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
)

const exportHelp = `Usage: fanout export [--format md|json] [-o FILE] FILE|ID

Writes a recorded run as Markdown (the prompt, a stats table, every answer
with its reasoning folded) or as JSON in the 'fanout run --json' schema
(for a conversation, its last turn). To stdout, or to -o FILE.

Flags:
`

func exportCmd(ctx context.Context, e env, args []string) error {
	var c common
	var format, out string
	cmd := newCommand("export", exportHelp)
	c.registerSessions(cmd.fs)
	cmd.fs.StringVar(&format, "format", "md", "md (Markdown) or json")
	cmd.fs.StringVar(&out, "o", "", "write to this `file` instead of stdout")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	switch format {
	case "md", "markdown":
		format = "md"
	case "json":
	default:
		return cmd.bad(fmt.Errorf("--format %q: want md or json", format))
	}
	path, err := resolveSession(ctx, e, &c, "export", pos)
	if err != nil {
		return err
	}
	f, err := session.Load(path)
	if err != nil {
		return err
	}
	if f.Header.Bench != nil {
		return usagef("export: %s is a bench: its report is 'fanout bench --from %s --json' (or --csv, a row per trial); 'fanout replay --trial N' shows one trial", path, path)
	}
	var data []byte
	if format == "md" {
		// A document to read, on a terminal or anywhere: the answers'
		// controls are shown, not kept (the JSON export keeps them,
		// escaped, as the session file does).
		data = []byte(termsafe.Text(f.Markdown()))
	} else {
		var buf bytes.Buffer
		if err := encodeJSON(&buf, f.Report()); err != nil {
			return err
		}
		data = buf.Bytes()
	}
	if out == "" || out == "-" {
		if _, err := e.stdout.Write(data); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		return nil
	}
	return writeAtomic(out, data)
}

// writeAtomic replaces path with data in one step: a reader (or a crash)
// sees the old file or the new one, never half of it.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		// Name the folder, not the temporary file the user never asked for.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("folder %s: %w", filepath.Clean(dir), pe.Err)
		}
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename, there is nothing left to remove
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644) // an export is made to be shared
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
