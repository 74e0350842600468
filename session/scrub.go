package session

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	"github.com/fanout-dev/fanout/backends"
)

// MinSecretLen is the shortest value the recorder scrubs: shorter ones
// ("1", "true", a region name) would redact ordinary words of the answers,
// and no key or token is that short.
const MinSecretLen = 8

const redactedMark = "[redacted]"

// secret is a value to scrub, as it is and as it looks inside a JSON
// string (esc is nil when that is the same).
type secret struct {
	s        string
	raw, esc []byte
}

// newSecrets prepares values for scrubbing, longest first, so that a
// secret that contains another is replaced whole. Values shorter than
// MinSecretLen and repeats are left out.
func newSecrets(values []string) []secret {
	var out []secret
	for _, v := range values {
		if len(v) < MinSecretLen || slices.ContainsFunc(out, func(x secret) bool { return x.s == v }) {
			continue
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false) // as write encodes lines
		_ = enc.Encode(v)
		esc := bytes.TrimSuffix(b.Bytes(), []byte("\n"))
		esc = esc[1 : len(esc)-1]
		if string(esc) == v {
			esc = nil // most keys: nothing to escape, one search is enough
		}
		out = append(out, secret{s: v, raw: []byte(v), esc: esc})
	}
	slices.SortFunc(out, func(a, b secret) int { return len(b.s) - len(a.s) })
	return out
}

// scrubLine replaces every secret inside the JSON strings of line. It
// works on the decoded strings, not on the bytes of the line: a secret that
// happens to match a piece of the JSON around the strings ("true1234" in
// `"exact":true1234`… or a key made of digits next to a number) must not
// break the line, and one split by escaping ("\u0026") must still be found.
// Lines without a secret, nearly all of them, are only searched.
func (r *Recorder) scrubLine(line []byte) []byte {
	if !slices.ContainsFunc(r.scrub, func(s secret) bool {
		return bytes.Contains(line, s.raw) || s.esc != nil && bytes.Contains(line, s.esc)
	}) {
		return line
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber() // numbers come back exactly as written
	var v any
	if err := dec.Decode(&v); err != nil {
		return line // not possible: write has just encoded it
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.scrubValue(v)); err != nil {
		return line
	}
	return b.Bytes()
}

func (r *Recorder) scrubValue(v any) any {
	switch v := v.(type) {
	case string:
		for _, s := range r.scrub {
			v = strings.ReplaceAll(v, s.s, redactedMark)
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[r.scrubValue(k).(string)] = r.scrubValue(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = r.scrubValue(x)
		}
		return v
	}
	return v
}

// Secrets is a prepared set of values that must never be shown or kept:
// every output of a run scrubs them, through Scrub for whole texts and a
// Scrubber for streamed deltas. The zero value scrubs nothing.
type Secrets struct{ list []secret }

// NewSecrets prepares values for scrubbing. Values shorter than
// MinSecretLen are left out (see MinSecretLen).
func NewSecrets(values []string) Secrets { return Secrets{list: newSecrets(values)} }

// Scrub replaces every secret in text by the redaction mark.
func (s Secrets) Scrub(text string) string {
	for _, x := range s.list {
		if strings.Contains(text, x.s) {
			text = strings.ReplaceAll(text, x.s, redactedMark)
		}
	}
	return text
}

// Scrubber scrubs the events of one pane's stream, in order.
//
// A model that repeats a key streams it as many small deltas ("sk", "-pro",
// "j-Ab", …), and no single delta then holds the whole key. So the
// scrubber holds back the last deltas while their text, read as one string,
// ends with the beginning of a secret: the next delta either completes the
// secret, which is then cut from the held deltas, or shows it was not one,
// and the held deltas are passed on. Held deltas keep their own times; only
// their text changes. When the stream ends (its Done or Error) with held
// text that is at least MinSecretLen bytes of a secret's beginning, that
// text is cut too: a key cut short by a cancel is still most of a key. A
// secret split by anything other than deltas of one kind (a reasoning delta
// between two answer deltas) is not joined up.
type Scrubber struct {
	secrets []secret
	held    []Event
	one     [1]Event // what Push returns when there is nothing to scrub
}

// Scrubber starts the scrubbing of one stream.
func (s Secrets) Scrubber() *Scrubber { return &Scrubber{secrets: s.list} }

// Push takes the stream's next event and returns those that may be passed
// on now, scrubbed, in order; the slice is only good until the next call.
// ev is never changed (others may read it): what is scrubbed is a copy.
func (z *Scrubber) Push(ev Event) []Event {
	if len(z.secrets) == 0 {
		// The common case, on every event of every pane: no allocation.
		z.one[0] = ev
		return z.one[:]
	}
	switch {
	case ev.Type == backends.EventDelta && ev.Delta != nil:
		var out []Event
		if len(z.held) > 0 && z.held[0].Delta.Kind != ev.Delta.Kind {
			out = z.release(false)
		}
		return append(out, z.hold(ev)...)
	case ev.Type == backends.EventError && ev.Error != nil:
		ev.Error = ev.Error.Rewritten(Secrets{z.secrets}.Scrub)
		return append(z.release(true), ev)
	case ev.Type == backends.EventDone:
		return append(z.release(true), ev)
	}
	return append(z.release(false), ev)
}

// End returns what is still held when the stream stops with no Done or
// Error of its own, cut as at an end.
func (z *Scrubber) End() []Event { return z.release(true) }

// hold adds a delta to those held and returns those that no longer need
// to be.
func (z *Scrubber) hold(ev Event) []Event {
	d := *ev.Delta
	ev.Delta = &d
	held := append(z.held, ev)
	text := cutSecrets(held, z.secrets)
	keep := len(held)
	if tail := secretTail(text, z.secrets); tail < len(text) {
		// Hold the delta the tail starts in and every one after it.
		keep = 0
		for off := 0; off+len(held[keep].Delta.Text) <= tail; keep++ {
			off += len(held[keep].Delta.Text)
		}
	}
	out := slices.Clone(held[:keep])
	z.held = slices.Delete(held, 0, keep)
	return out
}

// release returns the held deltas and holds none. At the end of the
// stream a long enough beginning of a secret is cut from them.
func (z *Scrubber) release(end bool) []Event {
	out := z.held
	z.held = nil
	if end && len(out) > 0 {
		text := joinText(out)
		if tail := secretTail(text, z.secrets); len(text)-tail >= MinSecretLen {
			cutSpan(out, tail, len(text))
		}
	}
	return out
}

// cutSecrets replaces each secret found in the text of deltas, read as one
// string, by the redaction mark: the delta where the secret starts gets the
// mark, the others lose their part of it. It returns the text after the
// cuts.
func cutSecrets(deltas []Event, secrets []secret) string {
	text := joinText(deltas)
	for _, s := range secrets {
		for from := 0; ; {
			i := strings.Index(text[from:], s.s)
			if i < 0 {
				break
			}
			start := from + i
			cutSpan(deltas, start, start+len(s.s))
			text = joinText(deltas)
			from = start + len(redactedMark) // the mark itself is never searched
		}
	}
	return text
}

// cutSpan removes bytes [start, end) of the joined text of deltas and puts
// the redaction mark where they started.
func cutSpan(deltas []Event, start, end int) {
	off, marked := 0, false
	for _, e := range deltas {
		t := e.Delta.Text
		lo, hi := off, off+len(t)
		off = hi
		if hi <= start || lo >= end {
			continue
		}
		from, to := max(start, lo)-lo, min(end, hi)-lo
		mark := ""
		if !marked {
			mark, marked = redactedMark, true
		}
		e.Delta.Text = t[:from] + mark + t[to:]
	}
}

func joinText(deltas []Event) string {
	if len(deltas) == 1 {
		return deltas[0].Delta.Text
	}
	var b strings.Builder
	for _, e := range deltas {
		b.WriteString(e.Delta.Text)
	}
	return b.String()
}

// secretTail is where the longest end of text that is the beginning of a
// secret starts, or len(text) when text ends with no secret's beginning.
func secretTail(text string, secrets []secret) int {
	tail := len(text)
	for _, s := range secrets {
		for n := min(len(text), len(s.s)-1); n > 0 && len(text)-n < tail; n-- {
			if text[len(text)-n] == s.s[0] && strings.HasSuffix(text, s.s[:n]) {
				tail = len(text) - n
				break
			}
		}
	}
	return tail
}
