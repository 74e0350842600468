package backends

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"mime"
	"net/http"
	"regexp"
)

// PageError means a server answered a stream request with a web page: a
// proxy, a captive portal or a login page stands where the API should.
// Read as a stream, the page would be "a connection closed before
// answering" (SSE finds no event in it) or "a checksum mismatch" (the
// event-stream decoder takes its first bytes for a frame length).
type PageError struct {
	// Title is the page's <title>, when it has one: it often names what
	// is in the way ("Sign in", "Access denied").
	Title string
}

func (e *PageError) Error() string {
	if e.Title != "" {
		return fmt.Sprintf("answered with an HTML page, not an event stream (%q)", e.Title)
	}
	return "answered with an HTML page, not an event stream"
}

// pageTransport turns a successful answer that is an HTML page into a
// PageError: one labelled text/html at once, one mislabelled when its
// first byte is read. No event stream starts with "<": an SSE stream
// starts with a field or a comment, an AWS event-stream frame with its
// length, which would be a gigabyte.
type pageTransport struct{ base http.RoundTripper }

func (t pageTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, err
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt == "text/html" || mt == "application/xhtml+xml" {
		head := make([]byte, 4<<10)
		n, _ := io.ReadFull(resp.Body, head)
		resp.Body.Close()
		return nil, &PageError{Title: pageTitle(head[:n])}
	}
	resp.Body = &pageBody{ReadCloser: resp.Body}
	return resp, nil
}

// pageBody fails on its first byte that is not white space when it is "<".
type pageBody struct {
	io.ReadCloser
	checked bool
	err     error
}

func (b *pageBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.ReadCloser.Read(p)
	if !b.checked {
		if rest := bytes.TrimLeft(p[:n], " \t\r\n"); len(rest) > 0 {
			b.checked = true
			if rest[0] == '<' {
				// A reader of frames asks for a few bytes at a time: one
				// more read, of what has arrived, finds the title.
				page := append([]byte(nil), rest...)
				if len(page) < 4<<10 && err == nil {
					more := make([]byte, 4<<10)
					m, _ := b.ReadCloser.Read(more)
					page = append(page, more[:m]...)
				}
				b.err = &PageError{Title: pageTitle(page)}
				return 0, b.err
			}
		}
	}
	return n, err
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// pageTitle is the page's title, on one line and short, or "".
func pageTitle(page []byte) string {
	m := titleRE.FindSubmatch(page)
	if m == nil {
		return ""
	}
	return OneLine(Redact(html.UnescapeString(string(m[1]))), 80)
}
