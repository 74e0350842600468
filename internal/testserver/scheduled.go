package testserver

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// NewOpenAIScheduled starts a server that answers its n-th chat request
// (0 for the first) with the script pick returns for it: a known schedule
// of delays and failures across many requests, as a bench sends them.
func NewOpenAIScheduled(t testing.TB, pick func(n int, req Request) []Step) *OpenAI {
	t.Helper()
	s := &OpenAI{pick: pick, quit: make(chan struct{}), gone: make(chan struct{}, 64)}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(func() {
		close(s.quit)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
	return s
}
