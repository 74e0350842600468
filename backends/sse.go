package backends

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// maxSSEEvent bounds one line and one event's data. A chat chunk is a few
// hundred bytes; anything near this size is a broken or hostile server, and
// the bound keeps it from growing our memory without limit.
const maxSSEEvent = 8 << 20

// errSSETooLarge reports a line or an event larger than the reader's limit.
var errSSETooLarge = errors.New("server-sent event too large")

// sseEvent is one dispatched server-sent event.
type sseEvent struct {
	// Name is the event's "event:" field; empty for the default "message".
	Name string
	// Data is the event's data lines joined by "\n". It aliases the reader's
	// buffer and is valid only until the next call to Next.
	Data []byte
}

// sseReader reads a text/event-stream body incrementally, as the WHATWG
// server-sent events spec describes it: lines end in LF, CRLF or a lone CR;
// lines starting with ':' are comments (keep-alives such as OpenRouter's
// ": OPENROUTER PROCESSING"); "data:" lines accumulate and are joined by "\n";
// a blank line dispatches the event; a leading byte-order mark is dropped;
// fields other than data and event are ignored.
//
// One deliberate leniency: at a clean end of the body, a last line that lacks
// its newline is still read, and an event that lacks its closing blank line is
// still dispatched. A server that closes right after its last data line meant
// it; a connection that breaks instead surfaces as a read error, never as EOF,
// and then nothing pending is dispatched.
//
// Every byte is examined a bounded number of times and buffers are reused, so
// the cost of an event does not depend on how much of the stream came before.
type sseReader struct {
	r        io.Reader
	buf      []byte // read buffer; buf[pos:end] is not yet consumed
	pos, end int
	err      error // sticky read error, reported once buf is drained

	line    []byte // the line being assembled
	afterCR bool   // the last line ended in CR: a following LF belongs to it
	started bool   // the byte-order mark check is done

	data    []byte // data of the event being assembled
	hasData bool   // a data field was seen (data may still be empty)
	name    []byte // event field of the event being assembled
	reset   bool   // the last event was dispatched: clear before reuse
	limit   int
	empty   int // consecutive reads returning nothing
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{r: r, buf: make([]byte, 32<<10), limit: maxSSEEvent}
}

// Next returns the next event. It returns io.EOF at a clean end of the body,
// errSSETooLarge for an oversize line or event, and any other read error as
// is (a dropped connection, a stall, a cancelled context), after every event
// complete before the error has been returned.
func (s *sseReader) Next() (sseEvent, error) {
	if s.reset {
		s.data, s.name, s.hasData, s.reset = s.data[:0], s.name[:0], false, false
	}
	for {
		line, err := s.readLine()
		if err == io.EOF && s.hasData {
			return s.dispatch(), nil
		}
		if err != nil {
			return sseEvent{}, err
		}
		if !s.started {
			s.started = true
			line = bytes.TrimPrefix(line, []byte("\uFEFF"))
		}
		if len(line) == 0 {
			if s.hasData {
				return s.dispatch(), nil
			}
			s.name = s.name[:0] // an event without data is dropped whole
			continue
		}
		if line[0] == ':' {
			continue // a comment
		}
		field, value, found := bytes.Cut(line, []byte(":"))
		if found && len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
		switch string(field) {
		case "data":
			if s.hasData {
				s.data = append(s.data, '\n')
			}
			s.data = append(s.data, value...)
			s.hasData = true
			if len(s.data) > s.limit {
				return sseEvent{}, fmt.Errorf("%w: over %d bytes of data", errSSETooLarge, s.limit)
			}
		case "event":
			s.name = append(s.name[:0], value...)
		}
	}
}

func (s *sseReader) dispatch() sseEvent {
	s.reset = true
	return sseEvent{Name: string(s.name), Data: s.data}
}

// readLine returns the next line without its terminator. At a clean EOF it
// first returns a pending unterminated line, then io.EOF.
func (s *sseReader) readLine() ([]byte, error) {
	s.line = s.line[:0]
	for {
		if s.pos == s.end {
			if s.err != nil {
				if s.err == io.EOF && len(s.line) > 0 {
					return s.line, nil
				}
				return nil, s.err
			}
			n, err := s.r.Read(s.buf)
			s.pos, s.end = 0, n
			if err != nil {
				s.err = err // bytes read alongside the error are used first
			}
			if n == 0 && err == nil {
				if s.empty++; s.empty > 100 {
					s.err = io.ErrNoProgress
				}
			} else {
				s.empty = 0
			}
			continue
		}
		chunk := s.buf[s.pos:s.end]
		if s.afterCR {
			s.afterCR = false
			if chunk[0] == '\n' {
				s.pos++
				continue
			}
		}
		i := bytes.IndexAny(chunk, "\r\n")
		if i < 0 {
			s.line = append(s.line, chunk...)
			s.pos = s.end
			if len(s.line) > s.limit {
				return nil, fmt.Errorf("%w: a line over %d bytes", errSSETooLarge, s.limit)
			}
			continue
		}
		s.line = append(s.line, chunk[:i]...)
		s.pos += i + 1
		s.afterCR = chunk[i] == '\r'
		if len(s.line) > s.limit {
			return nil, fmt.Errorf("%w: a line over %d bytes", errSSETooLarge, s.limit)
		}
		return s.line, nil
	}
}
