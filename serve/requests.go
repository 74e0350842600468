package serve

import (
	"strings"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// agentRequest is OpenSSH's agent-forwarding request (ssh -A).
const agentRequest = "auth-agent-req@openssh.com"

// displayEnv says whether a variable a client sends (ssh SendEnv/SetEnv) is
// one the cockpit reads to draw for its terminal. Nothing else is taken:
// the rest could only reach code that never asked for it.
func displayEnv(name string) bool {
	switch name {
	case "NO_COLOR", "COLORTERM", "TERM", "LANG":
		return true
	}
	return strings.HasPrefix(name, "LC_")
}

// displayOnly keeps the display variables of env, in order.
func displayOnly(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if k, _, ok := strings.Cut(kv, "="); ok && displayEnv(k) {
			out = append(out, kv)
		}
	}
	return out
}

// sessionChannel is the "session" channel handler: ssh's own, behind a
// filter on the channel's requests.
func (s *Server) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	ssh.DefaultSessionHandler(srv, conn, filteredChannel{NewChannel: nc, s: s, remote: conn.RemoteAddr().String()}, ctx)
}

// filteredChannel refuses, on a session channel, what the server does not
// do, rather than let the session code answer "yes" and ignore it: agent
// forwarding (nothing here uses an agent, and a client should not be told
// its agent is reachable), and environment variables other than the
// display ones.
type filteredChannel struct {
	gossh.NewChannel
	s      *Server
	remote string
}

func (f filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := f.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	out := make(chan *gossh.Request)
	// Lives as long as the channel: reqs is closed when it closes, and the
	// session code reads out until then.
	go func() {
		defer close(out)
		for req := range reqs {
			if why := f.refuse(req); why != "" {
				f.s.log.Info("request refused", "remote", f.remote, "request", req.Type, "reason", why)
				_ = req.Reply(false, nil)
				continue
			}
			out <- req
		}
	}()
	return ch, out, nil
}

// refuse says why req is refused, or "".
func (f filteredChannel) refuse(req *gossh.Request) string {
	switch req.Type {
	case agentRequest:
		return "agent forwarding is not offered"
	case "env":
		var kv struct{ Key, Value string }
		if err := gossh.Unmarshal(req.Payload, &kv); err != nil {
			return "malformed env request"
		}
		if !displayEnv(kv.Key) {
			return "only display variables are taken: not " + kv.Key
		}
	}
	return ""
}

// displaySession shows the program only the display variables of the
// client's environment, whatever got past the filter.
type displaySession struct{ ssh.Session }

func (d displaySession) Environ() []string { return displayOnly(d.Session.Environ()) }
