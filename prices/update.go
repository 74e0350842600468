package prices

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultURL is where `fanout prices update` fetches LiteLLM's catalog: the
// raw file in LiteLLM's repository.
const DefaultURL = "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"

// maxDownload caps what an update reads: the whole catalog is about 1.5 MB;
// anything past 64 MB is not it.
const maxDownload = 64 << 20

// updatedName is an updated catalog's file name: the day it was fetched.
var updatedName = regexp.MustCompile(`^litellm-(\d{4}-\d{2}-\d{2})\.json$`)

// CacheDir is where updated catalogs are kept: $XDG_CACHE_HOME/fanout/prices,
// else ~/.cache/fanout/prices; "" when neither variable is set (never a
// folder relative to wherever fanout happens to run).
func CacheDir(getenv func(string) string) string {
	base := getenv("XDG_CACHE_HOME")
	if base == "" {
		home := getenv("HOME")
		if home == "" {
			return ""
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "fanout", "prices")
}

// LoadUpdated reads the newest catalog in dir that `fanout prices update`
// wrote; nil and no error when there is none.
func LoadUpdated(dir string) (*Catalog, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read updated prices %s: %w", dir, err)
	}
	var newest, date string
	for _, e := range entries {
		if m := updatedName.FindStringSubmatch(e.Name()); m != nil && m[1] > date {
			newest, date = e.Name(), m[1]
		}
	}
	if newest == "" {
		return nil, nil
	}
	path := filepath.Join(dir, newest)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read updated prices %s: %w", path, err)
	}
	c, err := NewCatalog(data, SourceUpdated, date)
	if err != nil {
		return nil, fmt.Errorf("updated prices %s: %w (run 'fanout prices update' again, or delete the file to use the embedded snapshot)", path, err)
	}
	return c, nil
}

// Update downloads a LiteLLM catalog from url, refuses it unless it is
// one, and keeps its trimmed copy in dir, dated today, in place of the
// previous update. On any error nothing in dir has changed.
//
// The URL is shown in messages without credentials, query or fragment,
// where a token may hide.
func Update(ctx context.Context, client *http.Client, rawURL, dir string, now time.Time) (*Catalog, error) {
	if dir == "" {
		return nil, errors.New("no folder to keep prices in: set XDG_CACHE_HOME or HOME")
	}
	shown := Redact(rawURL)
	if !strings.HasPrefix(rawURL, "https://") && !strings.HasPrefix(rawURL, "http://") {
		return nil, fmt.Errorf("download prices %s: want an http:// or https:// URL", shown)
	}
	client = cmp.Or(client, http.DefaultClient)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, fmt.Errorf("download prices %s: not a URL", shown)
	}
	resp, err := client.Do(req)
	if err != nil {
		// The error names the URL with its query, where a token may be.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("download prices %s: %w", shown, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download prices %s: the server answered %s", shown, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxDownload+1))
	if err != nil {
		return nil, fmt.Errorf("download prices %s: the download broke off: %w", shown, err)
	}
	if len(data) > maxDownload {
		return nil, fmt.Errorf("download prices %s: more than %d MB, far more than LiteLLM's catalog", shown, maxDownload>>20)
	}
	trimmed, _, err := Trim(data)
	if err != nil {
		return nil, fmt.Errorf("%s is not LiteLLM's price catalog: %w", shown, err)
	}
	date := now.UTC().Format(time.DateOnly)
	c, err := NewCatalog(trimmed, SourceUpdated, date)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", shown, err)
	}
	if err := replace(dir, "litellm-"+date+".json", trimmed); err != nil {
		return nil, err
	}
	return c, nil
}

// replace writes name in dir through a temporary file renamed into place,
// so that a reader never sees half a catalog, then removes the older
// catalogs.
func replace(dir, name string, data []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save prices: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".litellm-*.tmp")
	if err != nil {
		return fmt.Errorf("save prices: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, there is nothing to remove
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save prices %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save prices %s: %w", tmp.Name(), err)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save prices %s: %w", path, err)
	}
	entries, _ := os.ReadDir(dir)
	old := slices.DeleteFunc(entries, func(e os.DirEntry) bool { return e.Name() == name || !updatedName.MatchString(e.Name()) })
	for _, e := range old {
		os.Remove(filepath.Join(dir, e.Name())) // a stale copy left is harmless: the newest wins
	}
	return nil
}

// Redact is a URL as it may be shown: without user info, query or
// fragment, where credentials and tokens go.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(a URL that does not parse)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment = nil, "", false, ""
	return u.String()
}
