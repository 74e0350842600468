package session

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
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

// A model that repeats a key streams it as many small deltas ("sk", "-pro",
// "j-Ab", …), and no single line then holds the whole key. So the recorder
// holds back a pane's last deltas while their text, read as one string,
// ends with the beginning of a secret: the next delta either completes the
// secret, which is then cut from the held deltas, or shows it was not one,
// and the held deltas are written. Held deltas keep their own times; only
// their text changes. A secret split by anything other than deltas of one
// kind (a reasoning delta between two answer deltas, the end of the stream)
// is not joined up.

// holdDelta takes a delta of pane: it is written now, or held with those
// before it. ev's Delta is copied, never changed: the UI reads it too.
func (r *Recorder) holdDelta(ev Event) {
	held := r.held[ev.Pane]
	if len(held) > 0 && held[0].Delta.Kind != ev.Delta.Kind {
		r.release(ev.Pane)
		held = nil
	}
	d := *ev.Delta
	ev.Delta = &d
	held = append(held, ev)
	text := cutSecrets(held, r.scrub)
	keep := len(held)
	if tail := secretTail(text, r.scrub); tail < len(text) {
		// Hold the delta the tail starts in and every one after it.
		keep = 0
		for off := 0; off+len(held[keep].Delta.Text) <= tail; keep++ {
			off += len(held[keep].Delta.Text)
		}
	}
	for _, e := range held[:keep] {
		r.writeEvent(e)
	}
	r.held[ev.Pane] = slices.Delete(held, 0, keep)
}

// release writes the deltas held for pane, as they are.
func (r *Recorder) release(pane int) {
	if pane < 0 || pane >= len(r.held) {
		return
	}
	for _, e := range r.held[pane] {
		r.writeEvent(e)
	}
	r.held[pane] = r.held[pane][:0]
}

// releaseAll writes every held delta, pane by pane.
func (r *Recorder) releaseAll() {
	for pane := range r.held {
		r.release(pane)
	}
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
