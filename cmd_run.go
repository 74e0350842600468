package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
)

const runHelp = `Usage: fanout run [-m MODEL]... [flags] [PROMPT]

Streams PROMPT (or standard input) to every model at once. Progress goes to
stderr while the answers stream; then each answer is printed with a table of
its stats. Exit status: 0 when every model answered, 1 when any did not,
2 for bad usage.

Flags:
`

// runOptions are the flags of `fanout run`.
type runOptions struct {
	common
	sampling
	timeout time.Duration
	jsonOut bool
	events  bool
}

func runCmd(ctx context.Context, e env, args []string) error {
	var o runOptions
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	o.common.register(fs)
	o.sampling.register(fs)
	fs.DurationVar(&o.timeout, "timeout", 0, "give up on models that have not finished after this `long`")
	fs.BoolVar(&o.jsonOut, "json", false, "print one JSON document with every result when all are done")
	fs.BoolVar(&o.events, "events", false, "print every event as it arrives, one JSON object per line")
	fs.Usage = func() { fmt.Fprint(fs.Output(), runHelp); fs.PrintDefaults() }
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if o.jsonOut && o.events {
		return usagef("run: --json and --events cannot be used together")
	}
	if err := o.check("run: "); err != nil {
		return err
	}
	prompt, err := readPrompt(e, pos)
	if err != nil {
		return err
	}
	if err := o.load(e); err != nil {
		return err
	}
	o.system = o.prompt(o.cfg)
	if o.timeout == 0 {
		o.timeout = o.cfg.Timeout
	}
	targets, err := o.targets(ctx, e)
	if err != nil {
		return err
	}

	req := backends.Request{System: o.system, Messages: []backends.Message{{Role: backends.RoleUser, Content: prompt}}, MaxTokens: o.maxTokens, Temperature: o.temp()}
	opts := o.options(e)
	panes := make([]session.Pane, len(targets))
	results := make([]*session.Result, len(targets))
	header := session.NewHeader(req)
	for i, t := range targets {
		panes[i] = session.Pane{Target: t, Backend: backends.Open(t, opts), Request: req}
		results[i] = &session.Result{Target: t, Price: o.price(t)}
		header.Targets = append(header.Targets, session.NewTargetRecord(t, results[i].Price))
	}
	store := o.store(e, targets...)
	var rec *session.Recorder
	if store != nil {
		rec = store.NewRecorder(header)
		rec.Turn(prompt)
	}

	runCtx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	if o.timeout > 0 {
		var cancelT context.CancelFunc
		runCtx, cancelT = context.WithTimeout(runCtx, o.timeout)
		defer cancelT()
	}
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
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	if o.events {
		for i, t := range targets {
			_ = enc.Encode(startLine{Pane: i, Type: "start", Label: t.Label, Provider: t.Provider, Model: t.Model})
		}
	}
	session.Run(runCtx, panes, func(ev session.Event) {
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

	switch {
	case o.jsonOut:
		if err := enc.Encode(session.NewReport(prompt, results)); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
	case !o.events:
		printResults(e.stdout, results)
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
	b, err := io.ReadAll(io.LimitReader(e.stdin, 4<<20))
	if err != nil {
		return "", fmt.Errorf("read prompt from stdin: %w", err)
	}
	p := strings.TrimRight(string(b), "\r\n")
	if strings.TrimSpace(p) == "" {
		return "", usagef("run: no prompt: give it as an argument (fanout run \"…\") or on standard input")
	}
	return p, nil
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
