// Package ui is fanout's cockpit: one prompt, streamed to several models in
// panes side by side, each with its own live stats. One root model owns all
// state; panes are plain structs that render. Nothing in Update does IO or
// renders markdown: streams run in goroutines (see pump) and rendering
// happens in View, incrementally.
package ui

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/fanout-dev/fanout/backends"
	"github.com/fanout-dev/fanout/session"
	"github.com/fanout-dev/fanout/themes"
	"github.com/fanout-dev/fanout/ui/markdown"
)

// Options configure a cockpit.
type Options struct {
	Targets []backends.Target
	// Open returns the backend of a target; Price its price (nil: unknown).
	Open  func(backends.Target) backends.Backend
	Price func(backends.Target) *backends.Price
	// System, Temperature and MaxTokens go with every prompt.
	System      string
	Temperature *float64
	MaxTokens   int
	// Theme is a theme name; "" or "auto" follows the terminal background.
	Theme string
	// NoColor draws without colour (NO_COLOR).
	NoColor bool
	// Choices are the models the picker (m, ctrl+p) offers.
	Choices []Choice
	// Resolve turns a provider:model typed in the picker's filter into a
	// target (nil: only Choices can be picked). Its error is shown as is.
	Resolve func(spec string) (backends.Target, error)
	// Sessions is where runs are recorded and where the browser (ctrl+o)
	// finds them; nil records nothing and browses nothing.
	Sessions *session.Store
	// ListSessions, when set, is what the browser lists instead of
	// Sessions' folder: a team's shared store (every member's sessions,
	// synced into a local cache). Author is then whose are "mine" (a, in
	// the browser, toggles between mine and everyone's).
	ListSessions func(ctx context.Context) ([]session.Summary, []error)
	Author       string
	// NoSave turns recording off; the browser still works.
	NoSave bool
	// Secrets are the values (keys, tokens) scrubbed from every event a
	// run delivers, recorded or not: no pane shows a key a model or a
	// proxy echoed, whole or split across deltas.
	Secrets []string
	// Replay, when set, opens the cockpit replaying that session.
	Replay *session.Reader
	// ReplaySpeed is the replay's starting speed (1 when zero).
	ReplaySpeed float64
	// Context bounds every run (nil: none); Budget limits what runs may
	// spend (nil: no limit); MaxPromptBytes caps a prompt (0: 64 KiB).
	// The SSH server sets all three per connection.
	Context        context.Context
	Budget         Budget
	MaxPromptBytes int
	// History keeps the composer's prompts across runs; nil keeps them
	// for this run only.
	History PromptHistory
	// Blind starts the cockpit in blind mode (BlindNames or BlindFull):
	// the models are shuffled into the panes at each conversation's first
	// prompt and named A, B, … until a vote reveals them. ctrl+b toggles
	// it for the next conversation.
	Blind string
	// Tags are recorded in each session's header, for a leaderboard per
	// task; they are never sent to a model.
	Tags []string
	// Voter is who votes, as recorded with each vote.
	Voter string
	// VoteOn, when set, shows a saved session's turn blind to be voted on
	// (fanout vote) instead of a live cockpit.
	VoteOn *VoteRound
}

// NoticeMsg shows a one-line notice in the title bar, sent from outside
// the program (the SSH server says it is stopping).
type NoticeMsg string

// Model is the cockpit's root model.
type Model struct {
	opts Options
	keys keyMaps
	help help.Model
	spin spinner.Model
	// spinning is set while a tick of spin is on its way.
	spinning bool
	editor   textarea.Model
	theme    themes.Theme
	// themeFixed is set when the user chose a theme: the terminal
	// background then does not change it.
	themeFixed bool
	// themeGen counts the themes applied; a pane drawn in another is
	// drawn again (see panecache.go).
	themeGen int
	md       *markdown.Renderer
	// secrets are scrubbed from every event a run delivers, whether or
	// not it is recorded: the panes never show a key a model echoed.
	secrets session.Secrets

	// conversation is the panes and what they are talking about; a
	// replay swaps it for its own while it shows.
	*conversation
	// runs numbers the runs of every conversation, so that a late batch
	// of any earlier run is told apart (nextRun).
	runs int

	// focus is the focused pane, or -1 for the composer.
	focus    int
	zoomed   bool
	showHelp bool
	picker   *picker // the model picker, while open
	browser  *browser
	// replay plays a session file in the panes, while one is open.
	replay    *replayer
	replayGen int
	initCmd   tea.Cmd
	// now is the clock replays and notices run on; tests replace it.
	now func() time.Time

	width, height int

	history    []string // earlier prompts, oldest first
	historyPos int      // index into history while recalling; len(history) when not
	status     string   // a one-line notice (copied, cancelled…)
	// legendSeen ends the "? explains the numbers" hint: set once the
	// help has been opened or a run has ended (see noteLegend).
	legendSeen bool
	// estimate is the composer's estimate line, cached for what it
	// depends on.
	estimate struct {
		key  estimateKey
		line string
	}
	// noticeGen tells the notice shown from those before it, whose
	// expiry must not end it.
	noticeGen int
	// helpPage is the mode whose keys the help shows.
	helpPage int
	// confirmNew is set by a ctrl+n while answers stream: a second one
	// discards them.
	confirmNew bool
	// legacyGrid and legacyBottom, when set, draw the grid and the bottom
	// as before the pane cache: only benchmarks and the equivalence tests
	// set them (todayspath_test.go).
	legacyGrid   func(w, h int) string
	legacyBottom func() string
	// frames keeps the borders of the pane boxes (see box.go).
	frames boxFrames
	// bottom is the bottom of the screen as last drawn (bottomBlock).
	bottom drawnBottom
	// blindNext is the blind mode of the next conversation (ctrl+b).
	blindNext string
	// rng shuffles blind rounds; nil draws a fresh seed (tests set one).
	rng *rand.Rand
	// board is the leaderboard (ctrl+l), diff the diff view (d), while
	// open.
	board *boardView
	diff  *diffView
}

// New builds a cockpit. Its theme follows the terminal background once the
// program reports it, unless opts names one.
func New(opts Options) (*Model, error) {
	m := &Model{opts: opts, keys: defaultKeys(), focus: -1, md: markdown.NewRenderer()}
	m.conversation = newConversation(nil, m.defaultParams())
	m.secrets = session.NewSecrets(opts.Secrets)
	m.now = time.Now
	name := opts.Theme
	switch {
	case opts.NoColor:
		m.theme, m.themeFixed = themes.NoColor(), true
	default:
		th, err := themes.Get(name, true)
		if err != nil {
			return nil, err
		}
		m.theme = th
		m.themeFixed = name != "" && name != themes.Auto
	}
	m.help = help.New()
	m.spin = spinner.New(spinner.WithSpinner(spinner.MiniDot))
	m.editor = textarea.New()
	m.editor.Placeholder = "Ask every model… (enter sends, ctrl+j for a new line)"
	m.editor.ShowLineNumbers = false
	m.editor.Prompt = "┃ "
	m.editor.SetHeight(3)
	m.editor.CharLimit = 64 << 10
	if opts.MaxPromptBytes > 0 {
		m.editor.CharLimit = opts.MaxPromptBytes
	}
	// Enter sends; ctrl+j and alt+enter insert a newline.
	m.editor.KeyMap.InsertNewline = key.NewBinding(key.WithKeys("ctrl+j", "alt+enter"))
	m.editor.Focus()
	for _, t := range opts.Targets {
		m.panes = append(m.panes, newPane(t, m.price(t), m.md))
	}
	if opts.History != nil {
		m.history = slices.Clone(opts.History.Prompts())
		m.historyPos = len(m.history)
	}
	m.applyTheme()
	m.blindNext = opts.Blind
	m.blind = blindRound{mode: opts.Blind}
	if opts.VoteOn != nil {
		m.startVoteRound(opts.VoteOn)
	}
	if opts.Replay != nil {
		m.initCmd = m.startReplay(opts.Replay, false)
	}
	return m, nil
}

func (m *Model) price(t backends.Target) *backends.Price {
	if m.opts.Price == nil {
		return nil
	}
	return m.opts.Price(t)
}

func (m *Model) applyTheme() {
	m.themeGen++
	m.help.Styles = helpStyles(m.theme)
	m.editor.SetStyles(editorStyles(m.theme))
	m.md.Clear()
}

// Init asks the terminal for its background colour, to pick a dark or light
// theme.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, textarea.Blink, m.initCmd, m.spinCmd())
}

// Update handles one message. The spinner runs only while answers stream:
// an idle cockpit (or an idle SSH client of fanout serve) is not redrawn
// twelve times a second for nothing.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	before := m.status
	model, cmd := m.update(msg)
	if spin := m.spinCmd(); spin != nil {
		cmd = tea.Batch(cmd, spin)
	}
	if m.status != before && m.status != "" {
		cmd = tea.Batch(cmd, m.expireNotice())
	}
	return model, cmd
}

// noticeTTL is how long a notice stays in the title bar; one that says a
// session was not saved stays until another takes its place.
const noticeTTL = 4 * time.Second

// noticeExpiredMsg ends the notice it was started for.
type noticeExpiredMsg struct{ gen int }

// expireNotice starts the clock of the notice just shown.
func (m *Model) expireNotice() tea.Cmd {
	m.noticeGen++
	if strings.HasPrefix(m.status, "session not saved") {
		return nil
	}
	gen := m.noticeGen
	return tea.Tick(noticeTTL, func(time.Time) tea.Msg { return noticeExpiredMsg{gen} })
}

// spinCmd starts the spinner's ticks when answers stream and it is still.
func (m *Model) spinCmd() tea.Cmd {
	if m.spinning || !m.streaming() {
		return nil
	}
	m.spinning = true
	return m.spin.Tick
}

func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layoutEditor()
		m.layoutBrowser()
		return m, nil
	case replayChunkMsg:
		return m, m.replayChunk(msg)
	case replayTickMsg:
		return m, m.replayTick(msg)
	case sessionsListedMsg:
		return m, m.sessionsListed(msg)
	case sessionOpenedMsg:
		return m, m.sessionOpened(msg)
	case tea.BackgroundColorMsg:
		if !m.themeFixed {
			if th, err := themes.Get(themes.Auto, msg.IsDark()); err == nil && th.Name != m.theme.Name {
				m.theme = th
				m.applyTheme()
			}
		}
		return m, nil
	case eventsMsg:
		if msg.run != m.run {
			return m, nil // a late batch of a run that was replaced
		}
		for _, ev := range msg.events {
			if ev.Pane >= 0 && ev.Pane < len(m.panes) {
				m.panes[ev.Pane].apply(ev)
			}
		}
		return m, m.current.next
	case runEndedMsg:
		if msg.run == m.run {
			return m, m.endRun(msg.recordErr)
		}
		return m, nil
	case noticeExpiredMsg:
		if msg.gen == m.noticeGen {
			m.status = ""
		}
		return m, nil
	case NoticeMsg:
		m.status = string(msg)
		return m, nil
	case recordErrMsg:
		m.status = "session not saved: " + msg.err.Error()
		return m, nil
	case voteErrMsg:
		m.status = "vote not saved: " + msg.err.Error()
		return m, nil
	case voteSavedMsg:
		m.status = "vote saved: " + m.blind.verdict + " · names revealed"
		return m, nil
	case boardLoadedMsg:
		if m.board != nil {
			m.board.loaded(msg)
		}
		return m, nil
	case list.FilterMatchesMsg:
		if m.browser != nil {
			return m, m.browserMsg(msg)
		}
		return m, nil
	case spinner.TickMsg:
		if m.browser != nil && msg.ID != m.spin.ID() {
			return m, m.browserMsg(msg)
		}
		if !m.streaming() {
			m.spinning = false // the next stream starts it again
			return m, nil
		}
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		return m, cmd
	case tea.MouseWheelMsg:
		m.wheel(msg)
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	}
	if m.picker != nil {
		var cmd tea.Cmd
		m.picker.filter, cmd = m.picker.filter.Update(msg) // a paste
		return m, cmd
	}
	if m.mode() == modeComposer {
		return m, m.typeInEditor(msg) // a paste, the cursor's blink
	}
	var cmd tea.Cmd
	m.editor, cmd = m.editor.Update(msg)
	return m, cmd
}
