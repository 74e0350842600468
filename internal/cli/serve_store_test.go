package cli

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/store"
	"github.com/fanout-dev/fanout/store/storetest"
)

// fanout serve --store uploads every client's recording to the team's
// store, under serve/ and apart from the team's own sessions, so that a
// replica that goes away takes nothing with it.
func TestServeUploadsRecordingsToTheStore(t *testing.T) {
	fake := storetest.New(t, "team")
	base := testEnv(t, nil)
	fenv := fake.Env(base("HOME"))
	getenv := func(k string) string {
		if strings.HasPrefix(k, "AWS_") && k != "AWS_CONFIG_FILE" && k != "AWS_SHARED_CREDENTIALS_FILE" {
			if v := fenv(k); v != "" {
				return v
			}
		}
		return base(k)
	}
	srv := startServe(t, getenv, nil, "--store", "s3://team/fanout")
	cl := dialServe(t, srv.addr)
	cl.waitFor(t, "Ask every model")
	if _, err := io.WriteString(cl.stdin, "why queues\r"); err != nil {
		t.Fatal(err)
	}
	cl.waitFor(t, "(simulated answer)")
	if _, err := io.WriteString(cl.stdin, "\x03"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(srv.stderr.String(), "session end") {
		if time.Now().After(deadline) {
			t.Fatalf("the session did not end; log:\n%s", srv.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cl.conn.Close()
	srv.stop(t)
	if log := srv.stderr.String(); !strings.Contains(log, "recordings are uploaded to the team's store") {
		t.Errorf("the log does not say where recordings go:\n%s", log)
	}

	loc, _ := store.ParseLocation("s3://team/fanout")
	b, err := store.OpenS3(context.Background(), loc, store.S3Options{Getenv: getenv})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := b.List(context.Background(), "fanout/", func(o store.Object) error { keys = append(keys, o.Key); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "fanout/serve/anonymous/") || !strings.Contains(keys[0], "/sessions/") {
		t.Fatalf("objects %q, want one session under fanout/serve/anonymous/…/sessions/", keys)
	}
	body, _, err := b.Get(context.Background(), keys[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"prompt":"why queues"`) {
		t.Errorf("the uploaded session is not the client's:\n%.300s", body)
	}
	// The team's listing does not show the server's clients.
	if list := sessionsJSON(t, teamHome(t, fake, "ana")); len(list) != 0 {
		t.Errorf("the team lists the server's clients' sessions: %+v", list)
	}
}
