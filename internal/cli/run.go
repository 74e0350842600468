package cli

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"charm.land/lipgloss/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/internal/termsafe"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
)

const runHelp = `Usage: fanout run [-m MODEL]... [flags] [PROMPT]

Streams PROMPT (or standard input, up to 4 MiB) to every model at once.
Progress goes to stderr while the answers stream; then each answer is
printed with a table of its stats. Exit status: 0 when every model
answered, 1 when any did not, 2 for bad usage.

Flags:
`

// runOptions are the flags of `fanout run`.
type runOptions struct {
	common
	sampling
	jsonOut bool
	events  bool
	theme   string
	tags    multiFlag
}

func runCmd(ctx context.Context, e env, args []string) error {
	var o runOptions
	cmd := newCommand("run", runHelp)
	o.common.register(cmd.fs)
	o.sampling.register(cmd.fs)
	flagJSON(cmd.fs, &o.jsonOut, "print one JSON document with every result when all are done")
	cmd.fs.BoolVar(&o.events, "events", false, "print every event as it arrives, one JSON object per line")
	flagTheme(cmd.fs, &o.theme, "colour `theme` of the answers' markdown on a terminal: auto, "+strings.Join(themes.Names(), ", "))
	flagTags(cmd.fs, &o.tags)
	pos, err := cmd.parse(e, args)
	if err != nil {
		return err
	}
	if o.jsonOut && o.events {
		return cmd.bad(errors.New("--json and --events cannot be used together"))
	}
	if err := cmd.bad(o.common.check(), o.sampling.check()); err != nil {
		return err
	}
	if _, err := themes.Get(o.theme, true); err != nil {
		return cmd.bad(fmt.Errorf("--theme: %w", err))
	}
	prompt, err := readPrompt(e, pos)
	if err != nil {
		return err
	}
	if err := o.load(e); err != nil {
		return err
	}
	o.system = o.prompt(o.cfg)
	targets, err := o.targets(ctx, e)
	if err != nil {
		return err
	}

	req := backends.Request{System: o.system, Messages: []backends.Message{{Role: backends.RoleUser, Content: prompt}}, MaxTokens: o.maxTokens, Temperature: o.temp()}
	opts := o.options(e)
	panes := make([]session.Pane, len(targets))
	results := make([]*session.Result, len(targets))
	header := session.NewHeader(req)
	header.Tags = []string(o.tags)
	for i, t := range targets {
		panes[i] = session.Pane{Target: t, Backend: backends.Open(t, opts), Request: req}
		results[i] = &session.Result{Target: t, Price: o.price(t)}
		header.Targets = append(header.Targets, session.NewTargetRecord(t, results[i].Price))
	}
	secrets := session.NewSecrets(o.secrets(e, targets...))
	store := o.store(e, targets...)
	ups, err := o.startUploads(ctx, e, store)
	if err != nil {
		return err
	}
	var rec *session.Recorder
	if store != nil {
		rec = store.NewRecorder(header)
		rec.Turn(prompt)
	}

	runCtx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	// The first interrupt stops the streams and keeps what arrived; the
	// caller's context (signals) going away is that interrupt.
	stop := context.AfterFunc(ctx, func() { cancel(session.ErrCancelled) })
	defer stop()

	var mu sync.Mutex
	var progress *progress
	if !o.jsonOut && !o.events {
		progress = newProgress(e.stderr, results, isTerminal(e.stderr), &mu)
		progress.start(runCtx)
	}
	// --json and --events keep the models' raw text, escaped so that no
	// control a terminal acts on is in the bytes (encoding/json leaves
	// U+0080–U+009F raw; termsafe.JSONWriter escapes them).
	enc := json.NewEncoder(termsafe.JSONWriter(e.stdout))
	enc.SetEscapeHTML(false)
	if o.events {
		for i, t := range targets {
			_ = enc.Encode(startLine{Pane: i, Type: "start", Label: t.Label, Provider: t.Provider, Model: t.Model})
		}
	}
	session.Run(runCtx, panes, secrets, func(ev session.Event) {
		mu.Lock()
		defer mu.Unlock()
		results[ev.Pane].Apply(ev)
		if rec != nil {
			rec.Record(ev)
		}
		if o.events {
			_ = enc.Encode(ev)
		}
		if progress != nil {
			progress.event(ev)
		}
	})
	if progress != nil {
		progress.stop()
	}
	if rec != nil {
		rec.EndTurn()
		// Where the session went is news for a person at a terminal or
		// reading the progress lines, not for a script parsing stdout.
		endRecording(e, rec, isTerminal(e.stderr) || progress != nil)
	}
	ups.stop(e)

	switch {
	case o.jsonOut:
		// The prompt as the session file keeps it: a key typed into it
		// is shown no more than one a model echoed.
		if err := enc.Encode(session.NewReport(secrets.Scrub(prompt), results)); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	case !o.events:
		printResults(e.stdout, results, o.answerStyle(e))
	}
	for _, r := range results {
		if !r.Answered() {
			return failedError{}
		}
	}
	return nil
}

// startLine opens each pane in --events output, so that a reader knows which
// model a pane index is before its first event.
type startLine struct {
	TMs      float64 `json:"t_ms"`
	Pane     int     `json:"pane"`
	Type     string  `json:"type"`
	Label    string  `json:"label"`
	Provider string  `json:"provider"`
	Model    string  `json:"model"`
}

// readPrompt takes the prompt from the arguments, or from stdin when there
// are none and stdin is not a terminal.
func readPrompt(e env, pos []string) (string, error) {
	if len(pos) > 0 {
		p := strings.Join(pos, " ")
		if strings.TrimSpace(p) == "" {
			return "", usagef("run: the prompt is empty")
		}
		return p, nil
	}
	if f, ok := e.stdin.(*os.File); ok && isTerminal(f) {
		return "", usagef("run: no prompt: give it as an argument (fanout run \"…\") or on standard input")
	}
	if e.stdin == nil {
		return "", usagef("run: no prompt")
	}
	b, err := io.ReadAll(io.LimitReader(e.stdin, maxPromptBytes+1))
	if err != nil {
		return "", fmt.Errorf("read prompt from stdin: %w", err)
	}
	if len(b) > maxPromptBytes {
		return "", tooLong(e.stdin, len(b))
	}
	p := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(p) == "" {
		return "", usagef("run: no prompt: give it as an argument (fanout run \"…\") or on standard input")
	}
	return p, nil
}

// maxPromptBytes is the longest prompt `fanout run` sends: 4 MiB, about a
// million tokens, more than any model's context window.
const maxPromptBytes = 4 << 20

// tooLong refuses a prompt on stdin over maxPromptBytes, of which read
// bytes were read, saying how long it is: the rest is counted, up to a
// bound, since a prompt cut without a word would be answered as if whole.
func tooLong(stdin io.Reader, read int) error {
	const countUpTo = 1 << 30
	rest, _ := io.Copy(io.Discard, io.LimitReader(stdin, countUpTo))
	n := int64(read) + rest
	given := fmt.Sprintf("%.1f MiB (%d bytes)", float64(n)/(1<<20), n)
	if rest == countUpTo {
		given = fmt.Sprintf("more than %d MiB", n>>20)
	}
	return usagef("run: the prompt on standard input is %s; the limit is 4 MiB (%d bytes): shorten it", given, maxPromptBytes)
}

// answerStyle is how the answers are printed: rendered markdown when
// stdout is a terminal (as the cockpit shows them, in the theme of
// --theme, else the config's, else one for the terminal's background),
// plain text otherwise. The config must be loaded.
func (o *runOptions) answerStyle(e env) answerStyle {
	if !e.stdoutTerminal && !isTerminal(e.stdout) {
		return answerStyle{}
	}
	name := cmp.Or(o.theme, o.cfg.Theme)
	var th themes.Theme
	if e.getenv("NO_COLOR") != "" {
		th = themes.NoColor()
	} else {
		var err error
		if th, err = themes.Get(name, o.darkBackground(e, name)); err != nil {
			// The config's theme is unknown: it is checked where the
			// cockpit starts; here the answers are shown in the default.
			th, _ = themes.Get(themes.Auto, true)
		}
	}
	return answerStyle{markdown: true, width: terminalWidth(e.stdout), theme: th}
}

// darkBackground asks the terminal for its background when the theme
// depends on it; anything that cannot be asked is taken for dark.
func (o *runOptions) darkBackground(e env, theme string) bool {
	if t := strings.ToLower(strings.TrimSpace(theme)); t != "" && t != themes.Auto && t != themes.HighContrast {
		return true
	}
	in, okIn := e.stdin.(*os.File)
	out, okOut := e.stdout.(*os.File)
	if !okIn || !okOut || !isTerminal(in) || !isTerminal(out) {
		return true
	}
	return lipgloss.HasDarkBackground(in, out)
}
