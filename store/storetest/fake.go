// Package storetest runs an S3-compatible server on loopback for tests:
// gofakes3, in memory, behind a handler that counts requests and can fail
// PUTs on purpose.
package storetest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Fake is an S3-compatible server on loopback (gofakes3, in memory) with
// one bucket. FailPuts, while above zero, makes that many PUTs fail with a
// 500 before they reach it.
type Fake struct {
	URL      string
	FailPuts atomic.Int64
	Puts     atomic.Int64
	Lists    atomic.Int64
	Gets     atomic.Int64
	Hosts    atomic.Value // the last Host header seen
	Paths    atomic.Value // the last request path seen

	bucket  string
	backend *s3mem.Backend
}

// Seed writes an object straight into the server's memory, not over HTTP:
// filling a bucket with thousands of sessions for a benchmark in no time.
func (f *Fake) Seed(key string, body []byte) error {
	_, err := f.backend.PutObject(f.bucket, key, nil, bytes.NewReader(body), int64(len(body)), nil)
	return err
}

// New starts a server with one bucket; it stops when the test ends.
func New(t testing.TB, bucket string) *Fake {
	t.Helper()
	be := s3mem.New()
	if err := be.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	fake := &Fake{bucket: bucket, backend: be}
	h := gofakes3.New(be).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fake.Hosts.Store(r.Host)
		fake.Paths.Store(r.URL.Path)
		switch {
		case r.Method == http.MethodPut:
			fake.Puts.Add(1)
			if fake.FailPuts.Add(-1) >= 0 {
				http.Error(w, "<Error><Code>InternalError</Code><Message>injected</Message></Error>", http.StatusInternalServerError)
				return
			}
		case r.Method == http.MethodGet && r.URL.Query().Has("list-type"):
			fake.Lists.Add(1)
		case r.Method == http.MethodGet:
			fake.Gets.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	fake.URL = srv.URL
	return fake
}

// Env is a member's environment pointed at the fake store.
func (f *Fake) Env(home string) func(string) string {
	vars := map[string]string{
		"HOME":                        home,
		"AWS_ACCESS_KEY_ID":           "AKIAFANOUTTEST",
		"AWS_SECRET_ACCESS_KEY":       "sekrit-store-key-0123456789",
		"AWS_ENDPOINT_URL_S3":         f.URL,
		"AWS_CONFIG_FILE":             home + "/.aws/config",
		"AWS_SHARED_CREDENTIALS_FILE": home + "/.aws/credentials",
	}
	return func(k string) string { return vars[k] }
}
