package store

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/fanout-dev/fanout/arena"
	"github.com/fanout-dev/fanout/session"
)

// TestRealStore runs the team's scenario against a real S3-compatible
// server (SeaweedFS, MinIO, …) when FANOUT_TEST_S3_ENDPOINT names one; see
// .ci/seaweedfs. The bucket (FANOUT_TEST_S3_BUCKET) is created when
// missing; each run works under a prefix of its own.
func TestRealStore(t *testing.T) {
	endpoint := os.Getenv("FANOUT_TEST_S3_ENDPOINT")
	if endpoint == "" {
		t.Skip("FANOUT_TEST_S3_ENDPOINT not set: no real S3 server to test against (.ci/seaweedfs starts one)")
	}
	if !strings.HasPrefix(endpoint, "http://127.0.0.1:") && !strings.HasPrefix(endpoint, "http://localhost:") {
		t.Fatalf("FANOUT_TEST_S3_ENDPOINT=%s: the tests talk to loopback only", endpoint)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	uri := "s3://" + os.Getenv("FANOUT_TEST_S3_BUCKET") + "/run-" + hex.EncodeToString(b[:])
	join := func(name string) *member {
		home := t.TempDir()
		vars := map[string]string{
			"HOME": home, "AWS_ENDPOINT_URL_S3": endpoint,
			"AWS_ACCESS_KEY_ID": os.Getenv("FANOUT_TEST_S3_KEY_ID"), "AWS_SECRET_ACCESS_KEY": os.Getenv("FANOUT_TEST_S3_SECRET"),
			"AWS_CONFIG_FILE": filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "none"),
		}
		return newMemberAt(t, uri, home, func(k string) string { return vars[k] }, name)
	}
	ana, bo := join("ana"), join("bo")
	// A fresh server has no bucket yet: make it (an existing one is fine).
	sb := ana.team.Bucket.(*s3Bucket)
	if _, err := sb.client.CreateBucket(testCtx(t), &s3.CreateBucketInput{Bucket: aws.String(sb.name)}); err != nil {
		var apiErr smithy.APIError
		if !errors.As(err, &apiErr) || (apiErr.ErrorCode() != "BucketAlreadyOwnedByYou" && apiErr.ErrorCode() != "BucketAlreadyExists") {
			t.Fatalf("create the test bucket: %v", err)
		}
	}
	anaPath := ana.record(t, "real store, ana", &session.VoteLine{Order: []int{0, 1}, Verdict: session.VerdictBest, Voter: "ana"})
	bo.record(t, "real store, bo", nil)
	ana.wait(t)
	bo.wait(t)
	anaID := strings.TrimSuffix(filepath.Base(anaPath), session.Ext)
	for _, m := range []*member{ana, bo} {
		if got := listIDs(t, m); len(got) != 2 || got[anaID].Author != "ana" {
			t.Fatalf("%s lists %+v", m.team.Local.Author, got)
		}
	}
	if _, err := bo.team.PutVote(testCtx(t), anaID, session.VoteLine{Turn: 1, Order: []int{1, 0}, Verdict: session.VerdictBest, Voter: "bo"}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []*member{ana, bo} {
		tally := arena.CollectFiles(m.team.Files(), mustVotes(t, m), arena.Filter{})
		if len(tally.Votes) != 2 || len(tally.Errors) > 0 {
			t.Errorf("%s: %d votes, %v", m.team.Local.Author, len(tally.Votes), tally.Errors)
		}
	}
	// A warm listing on a real server downloads nothing either.
	before := ana.team.loadIndex()
	listIDs(t, ana)
	if after := ana.team.loadIndex(); len(after.Sessions) != len(before.Sessions) {
		t.Errorf("index changed on a warm list")
	}
}
