package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	charmlog "charm.land/log/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/config"
	"github.com/fanout-dev/fanout/serve"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/store"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui"
)

const serveHelp = `Usage: fanout serve [flags]

Serves the cockpit over SSH: 'ssh -p 23234 HOST' opens it, nothing to
install. Demo models by default; real models only those named with
--allow-model, and then within a budget per connection.

Flags:
`

// shutdownGrace is how long running sessions may go on after SIGINT or
// SIGTERM before they are closed.
const shutdownGrace = 30 * time.Second

// serveCmd runs the SSH server until the first SIGINT/SIGTERM.
func serveCmd(ctx context.Context, e env, args []string) error {
	var c common
	var s sampling
	var (
		listen, hostKey, authKeys string
		theme                     string
		allow                     multiFlag
		proxyFrom                 multiFlag
		maxPrompt                 int
		logPrompts                bool
		limits                    serve.Limits
		cfg                       serve.Config
	)
	cmd := newCommand("serve", serveHelp)
	fs := cmd.fs
	c.flagConfig(fs, "config `file`, for model names in --allow-model (default $XDG_CONFIG_HOME/fanout/config.toml)")
	fs.StringVar(&listen, "listen", "127.0.0.1:23234", "`address` to listen on (0.0.0.0:23234 for everyone)")
	fs.StringVar(&hostKey, "host-key", "", "use the host key in this `file`, never creating or changing it: the one key every replica behind a balancer shares (default $XDG_DATA_HOME/fanout/ssh/host_ed25519, created on first start)")
	fs.StringVar(&authKeys, "authorized-keys", "", "let in only the public keys in this `file` (default: anyone)")
	fs.IntVar(&cfg.MaxSessions, "max-sessions", serve.DefaultMaxSessions, "sessions at once; more are told the server is full")
	fs.IntVar(&cfg.MaxSessionsPerIP, "max-sessions-per-ip", serve.DefaultMaxSessionsPerIP, "sessions at once from one address (IPv6: one /64); more are told why")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", serve.DefaultIdleTimeout, "end a session after this `long` without a key press")
	fs.DurationVar(&cfg.MaxSession, "max-session", serve.DefaultMaxSession, "end a session after this `long` in all")
	fs.Var(&allow, "allow-model", "a `model` clients may use, as provider:model or a config name; repeat for more (default: the demo models only)")
	fs.IntVar(&limits.OutputTokens, "budget-tokens", 20000, "output tokens each connection may use on real models (0: no limit)")
	fs.Float64Var(&limits.USD, "budget-usd", 0.10, "US$ each connection may spend on real models (0: no limit)")
	fs.IntVar(&limits.PromptsPerMinute, "prompts-per-minute", 6, "prompts each connection may send a minute, with real models (0: no limit)")
	s.flagMaxTokens(fs, 1024, "cap on output tokens per model and prompt, with real models, 1 to 10000000")
	fs.IntVar(&maxPrompt, "max-prompt-bytes", serve.DefaultMaxPromptBytes, "longest prompt accepted")
	c.flagSessionsDir(fs, "record sessions (and each client key's prompt history) under `dir`/serve/<client key> (default sessions_dir from the config, or $XDG_DATA_HOME/fanout/sessions)")
	c.flagNoSave(fs, "record nothing: no client's prompts or answers are kept")
	c.flagStore(fs)
	flagTheme(fs, &theme, "colour `theme` for every client (default: each client's background)")
	s.flagSystem(fs, "system `prompt` for every session")
	c.flagStallTimeout(fs)
	c.flagTimeout(fs)
	fs.BoolVar(&logPrompts, "log-prompts", false, "log the text of every prompt (off: only its size)")
	fs.BoolVar(&cfg.ProxyProtocol, "proxy-protocol", false, "behind a TCP balancer: read the PROXY protocol header (v1 or v2) that the balancer at --proxy-from sends, and take the client's address from it")
	fs.Var(&proxyFrom, "proxy-from", "with --proxy-protocol, the balancer's `addresses` (CIDR prefixes or addresses, comma-separated or repeated): only they may send the header, and every connection from them must")
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return cmd.bad(fmt.Errorf("takes no arguments (got %q)", pos[0]))
	}
	if err := cmd.bad(c.check(), s.check(), checkDuration("idle-timeout", cfg.IdleTimeout), checkDuration("max-session", cfg.MaxSession)); err != nil {
		return err
	}
	if cfg.ProxyProtocol != (len(proxyFrom) > 0) {
		// Trusting every address would let any client name any address;
		// a --proxy-from alone would do nothing.
		return usagef("--proxy-protocol and --proxy-from go together: --proxy-protocol --proxy-from ADDR, ADDR being your balancer's (127.0.0.1 when it runs on this machine)")
	}
	if cfg.ProxyProtocol {
		if cfg.ProxyFrom, err = serve.ParseProxyFrom(strings.Join(proxyFrom, ",")); err != nil {
			return usagef("--proxy-from: %s", err)
		}
	}
	if err := c.load(e); err != nil {
		return err
	}
	if theme != "" {
		// Found out now, not by every client that connects.
		if _, err := themes.Get(theme, true); err != nil {
			return usagef("--theme: %s", err)
		}
	}

	opts := c.options(e)
	targets, choices, real, err := servedModels(c.cfg, allow)
	if err != nil {
		return err
	}
	// Every key a served model could use, and every variable that looks
	// like one, is kept out of the session files and of the log (where an
	// upstream's error, logged whole, may repeat one).
	store := c.sessions(e, slices.Concat(targets, choiceTargets(choices))...)
	logOut := scrubbedWriter{w: e.stderr, secrets: session.NewSecrets(store.Secrets)}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	// wish and its Bubble Tea middleware log through charm's logger: give
	// it the same place and shape as ours.
	charmlog.SetDefault(charmlog.NewWithOptions(logOut, charmlog.Options{Formatter: charmlog.LogfmtFormatter, ReportTimestamp: true, Prefix: "wish"}))
	for _, ch := range markUnavailable(e, choices) {
		if ch.Unavailable != "" {
			log.Warn("an allowed model cannot run: "+ch.Unavailable, "model", ch.Target.Name)
		}
	}
	cfg.Targets, cfg.Choices = targets, choices
	cfg.Open = func(t backends.Target) backends.Backend { return backends.Open(t, opts) }
	cfg.Price = c.price
	cfg.System, cfg.Theme, cfg.MaxPromptBytes = s.prompt(c.cfg), theme, maxPrompt
	if real {
		cfg.Limits, cfg.MaxTokens = limits, s.maxTokens
		for _, t := range targets {
			if c.price(t) == nil {
				log.Warn("no price for an allowed model: only its tokens count against the budget", "model", t.Name)
			}
		}
	}
	cfg.Log, cfg.LogPrompts = log, logPrompts
	cfg.App = appVersion()
	cfg.Secrets = store.Secrets
	dataDir := filepath.Dir(session.DefaultDir(e.getenv))
	cfg.HostKeyPath = hostKey
	if cfg.HostKeyPath == "" {
		cfg.HostKeyPath = filepath.Join(dataDir, "ssh", "host_ed25519")
	} else if cfg.HostKeyPEM, err = serve.LoadHostKey(hostKey); err != nil {
		// Given, the key is the operator's: a replica that made its own
		// when the file is missing would look like a man in the middle.
		return err
	}
	if !c.noSave {
		// Each client key's prompt history is kept beside its sessions.
		cfg.SessionsDir, cfg.KeepHistory = store.Dir, true
	}
	var teamUploads *serveUploads
	if c.storeLocation() != "" && !c.noSave {
		// Replicas behind one balancer share the store: each records
		// here first, as always, and uploads every client key's sessions
		// under PREFIX/serve/<key>, apart from the team's and each other's.
		team, err := c.team(ctx, e, store)
		if err != nil {
			return err
		}
		teamUploads = &serveUploads{team: team, root: filepath.Join(store.Dir, "serve"), ctx: ctx, by: map[string]*uploads{}}
		cfg.Recording = teamUploads.hook
	}
	if authKeys != "" {
		if cfg.AuthorizedKeys, err = serve.LoadAuthorizedKeys(authKeys); err != nil {
			return usagef("%s", err)
		}
	}

	srv, err := serve.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", listen, err)
	}
	recording := "off (--no-save)"
	if cfg.SessionsDir != "" {
		recording = filepath.Join(cfg.SessionsDir, "serve")
	}
	log.Info("fanout serve", "version", cfg.App, "host_key", cfg.HostKeyPath, "sessions", recording,
		"access", access(authKeys), "real_models", real)
	if teamUploads != nil {
		log.Info("recordings are uploaded to the team's store, each client key's apart", "store", teamUploads.team.Loc.String()+"/serve")
	}
	if cfg.ProxyProtocol {
		log.Info("PROXY protocol on: client addresses come from the balancer's header", "proxy_from", strings.Join(proxyFrom, ","))
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(context.WithoutCancel(ctx), ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: no new connections; running sessions may finish", "grace", shutdownGrace.String(), "sessions", srv.Sessions())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-errc; err == nil {
		err = serr
	}
	teamUploads.stop(e)
	log.Info("stopped")
	return err
}

// serveUploads uploads what fanout serve records to the team's store: one
// uploader per sessions folder (a client key's, or an anonymous session's),
// under PREFIX/serve/<that folder>.
type serveUploads struct {
	team *store.Team
	root string // the sessions folder's serve/, which the parts are relative to
	ctx  context.Context

	mu sync.Mutex
	by map[string]*uploads
}

// hook is serve.Config.Recording: it makes a session's recorder notify the
// uploader of its folder, started on first use.
func (s *serveUploads) hook(_ string, st *session.Store) {
	rel, err := filepath.Rel(s.root, st.Dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return // not a folder under serve/: nothing of the server's
	}
	st.Author, st.Unique = "serve", store.UniqueFor("serve")
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.by[st.Dir]; ok {
		st.Synced = u.up.Notify
		return
	}
	s.by[st.Dir] = startUploader(s.ctx, s.team.Sub("serve/"+filepath.ToSlash(rel), st), st)
}

// stop waits for every uploader (each at most uploadWait, all at once).
func (s *serveUploads) stop(e env) {
	if s == nil {
		return
	}
	s.mu.Lock()
	all := make([]*uploads, 0, len(s.by))
	for _, u := range s.by {
		all = append(all, u)
	}
	s.mu.Unlock()
	var wg sync.WaitGroup
	for _, u := range all {
		wg.Go(func() { u.stop(e) })
	}
	wg.Wait()
}

// servedModels are the models sessions start with and may pick from: the
// allowed ones, or the demo models when none is. real reports that some
// cost money.
func servedModels(cfg *config.Config, allow []string) (targets []backends.Target, choices []ui.Choice, real bool, err error) {
	if len(allow) == 0 {
		for _, t := range backends.DemoTargets() {
			choices = append(choices, ui.Choice{Target: t, Note: "simulated"})
		}
		return backends.DefaultDemoTargets(), choices, false, nil
	}
	for _, spec := range allow {
		t, err := cfg.Resolve(spec)
		if err != nil {
			return nil, nil, false, usagef("--allow-model: %s", err)
		}
		if t.Provider != backends.ProviderDemo {
			real = true
		}
		choices = append(choices, ui.Choice{Target: t, Note: "allowed by this server"})
		if len(targets) < ui.MaxPanes {
			targets = append(targets, t)
		}
	}
	return targets, choices, real, nil
}

// markUnavailable sets Unavailable on the choices whose key variable is
// unset in the server's environment, so that the picker says so rather
// than let a client pick a model that can only fail; it returns choices.
// What to set is the owner's business: a client is told the server lacks it.
func markUnavailable(e env, choices []ui.Choice) []ui.Choice {
	for i, ch := range choices {
		if k := ch.Target.KeyEnv; k != "" && e.getenv(k) == "" {
			choices[i].Unavailable = "not on this server: " + k + " is not set where it runs"
		}
	}
	return choices
}

func access(authKeys string) string {
	if authKeys == "" {
		return "anyone (public demo)"
	}
	return "keys in " + authKeys
}
