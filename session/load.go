package session

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"time"

	"github.com/fanout-dev/fanout/backends"
)

// FileError says why a session file cannot be read, and where.
type FileError struct {
	Path string
	Line int // 0 when the problem is not on one line
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("session %s:%d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("session %s: %s", e.Path, e.Msg)
}

// EntryKind says what a line of a session file after its header is.
type EntryKind int

const (
	EntryEvent  EntryKind = iota // a stamped event of the current turn
	EntryPrompt                  // a follow-up prompt starts a new turn
	EntryFooter                  // the final stats of the current turn
	EntryVote                    // a blind vote on a turn so far
	EntryTrial                   // a bench's trial starts (format 2)
)

// Entry is one line of a session file after its header.
type Entry struct {
	Kind   EntryKind
	Line   int
	Turn   int // 1 for the header's prompt
	Event  Event
	Prompt string     // EntryPrompt
	Footer *Footer    // EntryFooter
	Vote   *VoteLine  // EntryVote
	Trial  *TrialLine // EntryTrial
}

// Reader reads a session file line by line, checking each as it goes, so
// that a large file can be shown before it has been read to the end.
type Reader struct {
	path   string
	r      *bufio.Reader
	closer io.Closer
	line   int
	header Header
	turn   int
	last   []time.Duration // per pane, the latest time of the current turn
	// ended is, per pane, the line of its Done or Error in the current
	// turn (0 while it streams): nothing of that answer may follow it.
	ended []int
	torn  bool
	// trials are a bench's trials so far, by id (see trial.go).
	trials map[int]*trialState
}

// Open opens a session file and reads its header.
func Open(path string) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open session: %w", err)
	}
	rd, err := NewReader(path, f)
	if err != nil {
		f.Close()
		return nil, err
	}
	rd.closer = f
	return rd, nil
}

// NewReader reads a session from r; name is used in errors.
func NewReader(name string, r io.Reader) (*Reader, error) {
	rd := &Reader{path: name, r: bufio.NewReaderSize(r, 64<<10), turn: 1}
	raw, last, err := rd.readLine()
	if err == io.EOF {
		return nil, rd.errorf(1, "the file is empty: not a fanout session")
	}
	if err != nil {
		return nil, err
	}
	var probe struct {
		Type   string `json:"type"`
		Format *int   `json:"format"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, rd.errorf(1, "bad header: %s", jsonReason(err))
		}
		if last {
			return nil, rd.errorf(1, "the header is cut short: the run was stopped before anything was recorded")
		}
		return nil, rd.errorf(1, "not JSON (%s): not a fanout session", jsonReason(err))
	}
	if probe.Type != LineHeader || probe.Format == nil {
		return nil, rd.errorf(1, "the first line is not a session header: not a fanout session")
	}
	if *probe.Format < FormatV1 || *probe.Format > FormatVersion {
		return nil, rd.errorf(1, "format version %d is not supported: this fanout reads versions %d to %d; a newer fanout may read it", *probe.Format, FormatV1, FormatVersion)
	}
	if err := json.Unmarshal(raw, &rd.header); err != nil {
		return nil, rd.errorf(1, "bad header: %s", jsonReason(err))
	}
	if len(rd.header.Targets) == 0 {
		return nil, rd.errorf(1, "the header names no models")
	}
	rd.last = make([]time.Duration, len(rd.header.Targets))
	rd.ended = make([]int, len(rd.header.Targets))
	return rd, nil
}

// Header is the session's header.
func (rd *Reader) Header() Header { return rd.header }

// Path is the file's name, as given.
func (rd *Reader) Path() string { return rd.path }

// Torn reports whether the last line was cut short (the writer was killed
// mid-line) and so left out.
func (rd *Reader) Torn() bool { return rd.torn }

// Close closes the file.
func (rd *Reader) Close() error {
	if rd.closer != nil {
		return rd.closer.Close()
	}
	return nil
}

// Next reads the next entry; io.EOF at the end of the file. Any other error
// is a *FileError naming the line.
func (rd *Reader) Next() (Entry, error) {
	for {
		raw, last, err := rd.readLine()
		if err != nil {
			return Entry{}, err
		}
		if len(bytes.TrimSpace(raw)) == 0 {
			continue
		}
		e, err := rd.parse(raw)
		if errors.Is(err, errNotJSON) {
			if last {
				// A last line without its newline that does not parse was
				// being written when the writer stopped: leave it out.
				rd.torn = true
				return Entry{}, io.EOF
			}
			return Entry{}, rd.errorf(rd.line, "not JSON (%s)", jsonReason(json.Unmarshal(raw, new(any))))
		}
		if err != nil {
			return Entry{}, err
		}
		return e, nil
	}
}

// errNotJSON marks a line that is not JSON, for Next to decide whether it
// is a torn last line or a corrupt one.
var errNotJSON = errors.New("not JSON")

// lineJSON holds every field of an event line, so that an event, the bulk
// of a file, is decoded in one pass.
type lineJSON struct {
	Type  string  `json:"type"`
	TMs   float64 `json:"t_ms"`
	Pane  *int    `json:"pane"` // nil when missing: no pane is assumed
	Trial int     `json:"trial"`

	Delta *backends.Delta `json:"delta"`
	Usage *backends.Usage `json:"usage"`
	Done  *backends.Done  `json:"done"`
	Error *backends.Error `json:"error"`
}

func (rd *Reader) parse(raw []byte) (Entry, error) {
	var fast lineJSON
	if json.Unmarshal(raw, &fast) == nil && isEventType(fast.Type) && validMillis(fast.TMs) && fast.Pane != nil {
		ev := Event{Pane: *fast.Pane, T: backends.FromMillis(fast.TMs), Event: backends.Event{
			Type: backends.EventType(fast.Type), Delta: fast.Delta, Usage: fast.Usage, Done: fast.Done, Error: fast.Error}}
		if fast.Trial != 0 {
			ev.Trial = fast.Trial
			return rd.trialEvent(ev)
		}
		return rd.event(ev)
	}
	// Anything else, or a bad line, takes the slow path, which says what
	// is wrong with it.
	var probe struct {
		Type string          `json:"type"`
		Pane json.RawMessage `json:"pane"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return Entry{}, rd.errorf(rd.line, "a JSON %s where a JSON object belongs", te.Value)
		}
		return Entry{}, errNotJSON
	}
	e := Entry{Line: rd.line, Turn: rd.turn}
	switch probe.Type {
	case LineHeader:
		return e, rd.errorf(rd.line, "a second header: two sessions were joined into one file")
	case LinePrompt:
		var p PromptLine
		if err := json.Unmarshal(raw, &p); err != nil {
			return e, rd.errorf(rd.line, "bad prompt line: %s", jsonReason(err))
		}
		if p.Turn != rd.turn+1 {
			return e, rd.errorf(rd.line, "prompt of turn %d follows turn %d", p.Turn, rd.turn)
		}
		rd.turn++
		clear(rd.last)
		clear(rd.ended)
		e.Kind, e.Turn, e.Prompt = EntryPrompt, rd.turn, p.Prompt
		return e, nil
	case LineFooter:
		var f Footer
		if err := json.Unmarshal(raw, &f); err != nil {
			return e, rd.errorf(rd.line, "bad footer: %s", jsonReason(err))
		}
		if f.Turn != rd.turn {
			return e, rd.errorf(rd.line, "footer of turn %d in turn %d", f.Turn, rd.turn)
		}
		e.Kind, e.Footer = EntryFooter, &f
		return e, nil
	case LineVote:
		var v VoteLine
		if err := json.Unmarshal(raw, &v); err != nil {
			return e, rd.errorf(rd.line, "bad vote: %s", jsonReason(err))
		}
		if err := v.Check(len(rd.header.Targets), rd.turn); err != nil {
			return e, rd.errorf(rd.line, "bad vote: %s", err)
		}
		e.Kind, e.Vote = EntryVote, &v
		return e, nil
	case string(backends.EventDelta), string(backends.EventUsage), string(backends.EventDone), string(backends.EventError):
		var ev Event
		if err := json.Unmarshal(raw, &ev); err != nil {
			return e, rd.errorf(rd.line, "bad %s event: %s", probe.Type, jsonReason(err))
		}
		if len(probe.Pane) == 0 || string(probe.Pane) == "null" {
			// Read as pane 0, it would put one model's text in another's
			// answer.
			return e, rd.errorf(rd.line, "%s event without a pane: which model it belongs to is unknown", probe.Type)
		}
		if ev.Trial != 0 {
			return rd.trialEvent(ev)
		}
		return rd.event(ev)
	case LineTrial:
		return rd.trial(raw)
	case "":
		return e, rd.errorf(rd.line, "a line without a type")
	default:
		return e, rd.errorf(rd.line, "unknown line type %q", probe.Type)
	}
}

func isEventType(t string) bool {
	switch backends.EventType(t) {
	case backends.EventDelta, backends.EventUsage, backends.EventDone, backends.EventError:
		return true
	}
	return false
}

// event checks a decoded event line against the header and the lines
// before it.
func (rd *Reader) event(ev Event) (Entry, error) {
	e := Entry{Line: rd.line, Turn: rd.turn}
	if ev.Pane < 0 || ev.Pane >= len(rd.header.Targets) {
		return e, rd.errorf(rd.line, "event for pane %d, but the session has %s", ev.Pane, paneRange(len(rd.header.Targets)))
	}
	if !hasPayload(ev.Event) {
		return e, rd.errorf(rd.line, "%s event without its %s", ev.Type, ev.Type)
	}
	if prev := rd.last[ev.Pane]; ev.T < prev {
		return e, rd.errorf(rd.line, "time goes backwards for pane %d: %gms after %gms", ev.Pane, backends.Millis(ev.T), backends.Millis(prev))
	}
	if end := rd.ended[ev.Pane]; end > 0 {
		// A pane's answer ends with its done or error; a later event
		// would change a result already final (its footer, its replay).
		return e, rd.errorf(rd.line, "%s event for pane %d after its end on line %d", ev.Type, ev.Pane, end)
	}
	if ev.Type == backends.EventDone || ev.Type == backends.EventError {
		rd.ended[ev.Pane] = rd.line
	}
	rd.last[ev.Pane] = ev.T
	e.Kind, e.Event = EntryEvent, ev
	return e, nil
}

// paneRange says how many panes n models make, and their numbers.
func paneRange(n int) string {
	if n == 1 {
		return "1 model (pane 0)"
	}
	return fmt.Sprintf("%d models (panes 0 to %d)", n, n-1)
}

func hasPayload(ev backends.Event) bool {
	switch ev.Type {
	case backends.EventDelta:
		return ev.Delta != nil
	case backends.EventUsage:
		return ev.Usage != nil
	case backends.EventDone:
		return ev.Done != nil
	case backends.EventError:
		return ev.Error != nil
	}
	return false
}

// readLine reads one line without its newline; last is set when the line
// ended at the end of the file instead of at a newline.
func (rd *Reader) readLine() (line []byte, last bool, err error) {
	line, err = rd.r.ReadBytes('\n')
	if err == io.EOF {
		if len(line) == 0 {
			return nil, false, io.EOF
		}
		rd.line++
		return line, true, nil
	}
	if err != nil {
		return nil, false, &FileError{Path: rd.path, Line: rd.line + 1, Msg: "read: " + err.Error()}
	}
	rd.line++
	return line[:len(line)-1], false, nil
}

func (rd *Reader) errorf(line int, format string, args ...any) *FileError {
	return &FileError{Path: rd.path, Line: line, Msg: fmt.Sprintf(format, args...)}
}

// jsonReason is a JSON error without the package's prefix.
func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s at byte %d", se.Error(), se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Sprintf("a JSON %s where an object belongs", te.Value)
		}
		return fmt.Sprintf("field %q should be %s, not %s", te.Field, jsonKind(te.Type.Kind()), te.Value)
	}
	if err == nil {
		return "unreadable"
	}
	return err.Error()
}

// jsonKind names a Go kind the way JSON calls it.
func jsonKind(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	}
	return k.String()
}

// Turn is one prompt of a session and what the models answered.
type Turn struct {
	Prompt string
	Events []Event
	Footer *Footer // nil when the run ended before writing it
}

// File is a whole session, read and checked.
type File struct {
	Path   string
	Header Header
	Turns  []Turn
	// Votes are the blind votes on the session's turns, in the order given.
	Votes []VoteLine
	// Torn is set when the last line was cut short and left out.
	Torn bool
	// Trials are a bench's trials, in the order they started.
	Trials []TrialRecord
}

// Load reads and checks a whole session file.
func Load(path string) (*File, error) {
	rd, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer rd.Close()
	return ReadAll(rd)
}

// ReadAll reads the rest of rd.
func ReadAll(rd *Reader) (*File, error) {
	f := &File{Path: rd.Path(), Header: rd.Header(), Turns: []Turn{{Prompt: rd.Header().Prompt}}}
	trialAt := map[int]int{} // trial id → index in f.Trials
	for {
		e, err := rd.Next()
		if err == io.EOF {
			f.Torn = rd.Torn()
			return f, nil
		}
		if err != nil {
			return nil, err
		}
		cur := &f.Turns[len(f.Turns)-1]
		switch e.Kind {
		case EntryTrial:
			trialAt[e.Trial.Trial] = len(f.Trials)
			f.Trials = append(f.Trials, TrialRecord{TrialLine: *e.Trial})
		case EntryEvent:
			if e.Event.Trial != 0 {
				t := &f.Trials[trialAt[e.Event.Trial]]
				t.Events = append(t.Events, e.Event)
				continue
			}
			cur.Events = append(cur.Events, e.Event)
		case EntryPrompt:
			f.Turns = append(f.Turns, Turn{Prompt: e.Prompt})
		case EntryFooter:
			cur.Footer = e.Footer
		case EntryVote:
			f.Votes = append(f.Votes, *e.Vote)
		}
	}
}

// Results folds the events of a turn (0-based) into each model's result.
// The stats come from the events, not the footer, so a file without its
// footer shows the same numbers.
func (f *File) Results(turn int) []*Result {
	out := make([]*Result, len(f.Header.Targets))
	for i, t := range f.Header.Targets {
		out[i] = &Result{Target: t.Target(), Price: t.Price}
	}
	for _, ev := range f.Turns[turn].Events {
		out[ev.Pane].Apply(ev)
	}
	return out
}

// Report is the final turn's results in the `fanout run --json` schema.
func (f *File) Report() Report {
	last := len(f.Turns) - 1
	return NewReport(f.Turns[last].Prompt, f.Results(last))
}

// Prompts are the prompts of every turn, in order.
func (f *File) Prompts() []string {
	out := make([]string, len(f.Turns))
	for i, t := range f.Turns {
		out[i] = t.Prompt
	}
	return out
}
