package cli

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/user"
	"strings"
	"time"

	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/store"
	"github.com/fanout-dev/fanout/ui"
)

// uploadWait is the longest a command waits for its sessions to reach the
// team's store before it exits; what is left stays local, marked, and the
// next fanout started here uploads it. (A variable for the tests only.)
var uploadWait = 10 * time.Second

func (c *common) flagStore(fs *flag.FlagSet) {
	fs.StringVar(&c.storeURI, "store", "", "the team's shared `store`, s3://BUCKET/PREFIX (default store from the config; none: this machine's folder only)")
}

// storeLocation is --store, else the config's store; "" for none.
func (c *common) storeLocation() string {
	if c.storeURI != "" {
		return c.storeURI
	}
	if c.cfg != nil {
		return c.cfg.Store
	}
	return ""
}

// author is who this machine's sessions and votes are recorded as: the
// config's author, else the OS user. A name shown to the team, so it is
// made safe for a terminal.
func (c *common) author(e env) string {
	if c.cfg != nil && c.cfg.Author != "" {
		return c.cfg.Author
	}
	for _, v := range []string{e.getenv("USER"), e.getenv("LOGNAME")} {
		if v = strings.TrimSpace(termsafe.Text(v)); v != "" {
			return v
		}
	}
	if u, err := user.Current(); err == nil {
		return termsafe.Text(u.Username)
	}
	return ""
}

// team opens the shared store the command reads and writes, or returns nil
// when there is none. local is the command's sessions folder. A store that
// cannot be opened is an error naming it: the user asked for it.
func (c *common) team(ctx context.Context, e env, local *session.Store) (*store.Team, error) {
	uri := c.storeLocation()
	if uri == "" {
		return nil, nil
	}
	t, err := store.Open(ctx, uri, store.Options{Getenv: e.getenv, Local: local, Progress: e.stderr, ProgressTTY: isTerminal(e.stderr)})
	if err != nil {
		if c.storeURI == "" {
			return nil, fmt.Errorf("%w (store in %s)", err, cmp.Or(c.configPath, "the config"))
		}
		return nil, fmt.Errorf("--store: %w", err)
	}
	return t, nil
}

// readTeam opens the store for a command that reads it (nil when there is
// none), after uploading what an earlier fanout here could not — sessions
// and votes — so that the command sees the store with them. That upload
// waits at most uploadWait; what is still refused is said and stays.
func (c *common) readTeam(ctx context.Context, e env, local *session.Store) (*store.Team, error) {
	t, err := c.team(ctx, e, local)
	if err != nil || t == nil {
		return t, err
	}
	upCtx, cancel := context.WithTimeout(ctx, uploadWait)
	defer cancel()
	if err := t.UploadPending(upCtx); err != nil {
		fmt.Fprintf(e.stderr, "fanout: %s; kept on this machine (listed as local only) for the next fanout\n", termsafe.Text(e.scrub(err.Error())))
	}
	return t, nil
}

// uploads is a command's background uploader: it runs until stop, which
// waits at most uploadWait for what it was given and says on stderr what
// stays local.
type uploads struct {
	up     *store.Uploader
	cancel context.CancelFunc
	done   chan struct{}
}

// startUploads opens the team's store (if any) for a command that records
// into local, hooks the uploader onto the recorder, and starts it; it also
// uploads what an earlier fanout here left behind. Nil when there is no
// store.
//
// A store that is set but cannot be opened (credentials expired, a profile
// missing) does not stop the run: it is recorded here as always, marked for
// upload, and the next fanout that can open the store uploads it. Only an
// address that is not one is refused.
func (c *common) startUploads(ctx context.Context, e env, local *session.Store) (*uploads, error) {
	t, err := c.teamForRecording(ctx, e, local)
	if err != nil || t == nil {
		return nil, err
	}
	return startUploader(ctx, t, local), nil
}

// teamForRecording opens the store for a command that records into local;
// nil when there is none, or when it cannot be opened, which is said on
// stderr (see startUploads).
func (c *common) teamForRecording(ctx context.Context, e env, local *session.Store) (*store.Team, error) {
	uri := c.storeLocation()
	if local == nil || uri == "" {
		return nil, nil
	}
	if _, err := store.ParseLocation(uri); err != nil {
		_, err = c.team(ctx, e, local) // the same error, said as for every command
		return nil, err
	}
	t, err := c.team(ctx, e, local)
	if err != nil {
		fmt.Fprintf(e.stderr, "fanout: %s; recording on this machine, the next fanout that reaches the store uploads it\n", termsafe.Text(e.scrub(err.Error())))
		marks := &store.Team{Local: local}
		local.Unique = store.UniqueFor(local.Author)
		local.Synced = func(path string) { _ = marks.MarkPending(path) }
		return nil, nil
	}
	return t, nil
}

// startUploader hooks an uploader for the team's store onto local's
// recorders and starts it.
func startUploader(ctx context.Context, t *store.Team, local *session.Store) *uploads {
	u := &uploads{up: t.NewUploader(), done: make(chan struct{})}
	local.Synced = u.up.Notify
	// The uploader outlives an interrupt of the run (ctx), so that what
	// was recorded still goes up; stop ends it.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	u.cancel = cancel
	go func() {
		defer close(u.done)
		u.up.Run(runCtx)
	}()
	return u
}

// stop waits for the uploads, at most uploadWait, then ends the uploader.
func (u *uploads) stop(e env) {
	if u == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), uploadWait)
	defer cancel()
	if err := u.up.Wait(ctx); err != nil {
		fmt.Fprintf(e.stderr, "fanout: %s\n", termsafe.Text(e.scrub(err.Error())))
	}
	u.cancel()
	<-u.done
}

// sessionsSource lists and resolves sessions: the team's store when one is
// set, else the local folder.
func (c *common) resolve(ctx context.Context, e env, ref string) (string, error) {
	local := c.sessions(e)
	t, err := c.readTeam(ctx, e, local)
	if err != nil {
		return "", err
	}
	if t == nil {
		return local.Resolve(ref)
	}
	return t.Resolve(ctx, ref)
}

// tempCopy copies a session into a temporary file, for a vote round on a
// copy whose new lines become vote objects.
func tempCopy(path string) (string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("vote: %w", err)
	}
	f, err := os.CreateTemp("", "fanout-vote-*"+session.Ext)
	if err != nil {
		return "", fmt.Errorf("vote: %w", err)
	}
	defer f.Close()
	if _, err := f.Write(raw); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("vote: %w", err)
	}
	return f.Name(), nil
}

// runCockpitUploading runs the cockpit with its recordings uploaded to the
// team's store as each turn ends (never in the way of the UI: the uploader
// is its own goroutine), and waits for the last upload after it closes.
// Its browser (ctrl+o) lists the team's sessions.
func (c *common) runCockpitUploading(ctx context.Context, e env, uo ui.Options) error {
	var t *store.Team
	var err error
	if uo.NoSave {
		t, err = c.team(ctx, e, uo.Sessions) // for the browser only
	} else {
		t, err = c.teamForRecording(ctx, e, uo.Sessions)
	}
	if err != nil {
		return err
	}
	var ups *uploads
	if t != nil {
		// The cockpit draws on the terminal: a cold sync's progress bar
		// must not write over it.
		t.Progress = nil
		uo.ListSessions, uo.Author = t.List, uo.Sessions.Author
		if !uo.NoSave {
			ups = startUploader(ctx, t, uo.Sessions)
		}
	}
	err = runCockpit(ctx, uo)
	ups.stop(e)
	return err
}
