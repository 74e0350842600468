package store

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fanout-dev/fanout/store/storetest"
)

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestS3PathStyleAndRoundTrip(t *testing.T) {
	fake := storetest.New(t, "team")
	ctx := testCtx(t)
	b, err := OpenS3(ctx, Location{Bucket: "team"}, S3Options{Getenv: fake.Env(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	etag, err := b.Put(ctx, "p/a.json", []byte(`{"a":1}`), true)
	if err != nil || etag == "" {
		t.Fatalf("put: %q %v", etag, err)
	}
	// A custom endpoint is addressed path-style: the bucket in the path,
	// not in the host name.
	if host := fake.Hosts.Load().(string); strings.HasPrefix(host, "team.") {
		t.Errorf("virtual-hosted request to %s", host)
	}
	if p := fake.Paths.Load().(string); p != "/team/p/a.json" {
		t.Errorf("request path %q, want /team/p/a.json", p)
	}
	if _, err := b.Put(ctx, "p/a.json", []byte(`{"a":2}`), true); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second put with If-None-Match: %v", err)
	}
	body, etag2, err := b.Get(ctx, "p/a.json")
	if err != nil || string(body) != `{"a":1}` || etag2 != etag {
		t.Errorf("get: %q %q %v (put's etag %q)", body, etag2, err, etag)
	}
	_, _, err = b.Get(ctx, "p/missing.json")
	if !NotFound(err) {
		t.Errorf("missing object: %v", err)
	}
}

func TestS3ErrorsNameTheStoreAndHideTheKey(t *testing.T) {
	fake := storetest.New(t, "team")
	ctx := testCtx(t)
	env := fake.Env(t.TempDir())
	b, err := OpenS3(ctx, Location{Bucket: "nobucket"}, S3Options{Getenv: env})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Put(ctx, "x.json", []byte("{}"), false)
	if err == nil {
		t.Fatal("put into a missing bucket succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, "s3://nobucket/x.json") || !strings.Contains(msg, "bucket does not exist") {
		t.Errorf("error %q does not say which bucket and what to do", msg)
	}
	if strings.Contains(msg, env("AWS_SECRET_ACCESS_KEY")) {
		t.Errorf("error %q holds the secret key", msg)
	}
}

func TestOpenS3NeedsCredentialsAndRegion(t *testing.T) {
	home := t.TempDir()
	vars := map[string]string{"HOME": home, "AWS_CONFIG_FILE": home + "/none", "AWS_SHARED_CREDENTIALS_FILE": home + "/none",
		"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"}
	_, err := OpenS3(testCtx(t), Location{Bucket: "b"}, S3Options{Getenv: func(k string) string { return vars[k] }})
	if err == nil || !strings.Contains(err.Error(), "AWS_REGION") {
		t.Errorf("no region, no endpoint: %v", err)
	}
}

func TestParseLocation(t *testing.T) {
	for in, want := range map[string]Location{
		"s3://b":         {Bucket: "b"},
		"s3://b/":        {Bucket: "b"},
		"s3://b/team/x/": {Bucket: "b", Prefix: "team/x"},
	} {
		got, err := ParseLocation(in)
		if err != nil || got != want {
			t.Errorf("%s: %+v %v", in, got, err)
		}
	}
	for in, msg := range map[string]string{
		"b/x":                  "want s3://BUCKET",
		"s3://":                "names no bucket",
		"s3://AKIA:secret@b/x": "credentials",
		"s3://b/x//y":          "empty folder",
	} {
		_, err := ParseLocation(in)
		if err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: %v, want %q", in, err, msg)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: error shows the credential: %v", in, err)
		}
	}
}

// A body of more than two parts goes up by multipart upload and reads back
// whole; a multipart upload that fails half way leaves no object.
func TestS3MultipartUpload(t *testing.T) {
	fake := storetest.New(t, "team")
	ctx := testCtx(t)
	b, err := OpenS3(ctx, Location{Bucket: "team"}, S3Options{Getenv: fake.Env(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	sb := b.(*s3Bucket)
	sb.partSize = 5 << 20 // S3's smallest part
	body := bytes.Repeat([]byte("0123456789abcdef\n"), (16<<20)/17)
	puts := fake.Puts.Load()
	if _, err := b.Put(ctx, "big.jsonl", body, false); err != nil {
		t.Fatal(err)
	}
	if n := fake.Puts.Load() - puts; n != 4 {
		t.Errorf("%d PUTs for a 16 MiB body in 5 MiB parts, want 4 parts", n)
	}
	got, _, err := b.Get(ctx, "big.jsonl")
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes of %d: %v", len(got), len(body), err)
	}
	fake.FailPuts.Store(1 << 30)
	if _, err := b.Put(ctx, "half.jsonl", body, false); err == nil || !strings.Contains(err.Error(), "part 1") {
		t.Errorf("failing multipart upload: %v", err)
	}
	fake.FailPuts.Store(0)
	if _, _, err := b.Get(ctx, "half.jsonl"); !NotFound(err) {
		t.Errorf("a failed multipart upload left an object: %v", err)
	}
}

func TestShownEndpointDropsUserinfo(t *testing.T) {
	if got := shownEndpoint("http://admin:hunter22@127.0.0.1:9000"); got != "http://127.0.0.1:9000" {
		t.Errorf("shown %q", got)
	}
}
