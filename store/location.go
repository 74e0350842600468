// Package store is where a team's sessions and votes add up: the local
// sessions folder (what fanout always had), or an S3-compatible bucket that
// every member's fanout uploads to and lists from. Recording never depends
// on the bucket: a session is written locally first and uploaded after.
package store

import (
	"fmt"
	"strings"
)

// Location is a shared store's address: s3://BUCKET/PREFIX.
type Location struct {
	Bucket string
	// Prefix is the folder inside the bucket, without slashes at either
	// end; "" for the bucket's root.
	Prefix string
}

// ParseLocation reads s3://BUCKET[/PREFIX], saying what is wrong with
// anything else.
func ParseLocation(s string) (Location, error) {
	const want = `want s3://BUCKET or s3://BUCKET/PREFIX, like s3://team-bucket/fanout`
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return Location{}, fmt.Errorf("store %q: %s", s, want)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return Location{}, fmt.Errorf("store %q names no bucket: %s", s, want)
	}
	// Credentials belong to the SDK's chain, never in the address, where
	// they would reach logs and error messages.
	if strings.ContainsAny(bucket, "@:?#") {
		return Location{}, fmt.Errorf("store %q: the bucket name holds one of @ : ? #; put credentials in AWS_PROFILE or AWS_ACCESS_KEY_ID, not in the address (%s)", redactLocation(s), want)
	}
	prefix = strings.Trim(prefix, "/")
	if strings.Contains(prefix, "//") {
		return Location{}, fmt.Errorf("store %q: empty folder in the prefix: %s", s, want)
	}
	return Location{Bucket: bucket, Prefix: prefix}, nil
}

func (l Location) String() string {
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// key is the object key of a path under the prefix.
func (l Location) key(parts ...string) string {
	k := strings.Join(parts, "/")
	if l.Prefix == "" {
		return k
	}
	return l.Prefix + "/" + k
}

// redactLocation keeps only the scheme and what follows the last @ of an
// address a user may have pasted credentials into.
func redactLocation(s string) string {
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		return "s3://…@" + s[i+1:]
	}
	return s
}
