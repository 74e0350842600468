package backends

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// StallError means a server sent no bytes for Timeout, before the headers or
// in the middle of a body.
type StallError struct{ Timeout time.Duration }

func (e *StallError) Error() string { return fmt.Sprintf("stream stalled: no data for %s", e.Timeout) }

// stallTransport ends a request whose server goes silent. A stall before the
// headers and a stall between two body reads are both caught; every byte
// received re-arms the timer, so a slow but live stream is never cut.
type stallTransport struct {
	base    http.RoundTripper
	timeout time.Duration
}

func (s *stallTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	stall := &StallError{Timeout: s.timeout}
	ctx, cancel := context.WithCancelCause(req.Context())
	timer := time.AfterFunc(s.timeout, func() { cancel(stall) })
	resp, err := s.base.RoundTrip(req.WithContext(ctx))
	if err != nil {
		timer.Stop()
		stalled := errors.Is(context.Cause(ctx), stall)
		cancel(nil)
		if stalled {
			return nil, stall
		}
		return nil, err
	}
	timer.Reset(s.timeout)
	resp.Body = &stallBody{ReadCloser: resp.Body, ctx: ctx, cancel: cancel, timer: timer, timeout: s.timeout, stall: stall}
	return resp, nil
}

type stallBody struct {
	io.ReadCloser
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer
	timeout time.Duration
	stall   *StallError
}

func (b *stallBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.timer.Reset(b.timeout)
	}
	if err != nil && err != io.EOF && errors.Is(context.Cause(b.ctx), b.stall) {
		return n, b.stall
	}
	return n, err
}

func (b *stallBody) Close() error {
	b.timer.Stop()
	b.cancel(nil)
	return b.ReadCloser.Close()
}
