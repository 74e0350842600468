package store

import (
	"context"
	"io"
	"net/http"

	"github.com/fanout-dev/fanout/session"
)

// Options say how to open a team's store.
type Options struct {
	// Getenv is fanout's environment reader (see S3Options).
	Getenv func(string) string
	// Local is this machine's sessions folder; Open sets its Unique field
	// so new sessions get ids no other member makes.
	Local *session.Store
	// Progress hears how a cold sync goes (stderr); nil for none.
	// ProgressTTY: it is a terminal, for a bar redrawn in place.
	Progress    io.Writer
	ProgressTTY bool
	// HTTPClient, when set, sends the requests (tests).
	HTTPClient *http.Client
}

// Open opens the store at uri (s3://BUCKET/PREFIX) for a command, with its
// cache under the XDG cache folder.
func Open(ctx context.Context, uri string, o Options) (*Team, error) {
	loc, err := ParseLocation(uri)
	if err != nil {
		return nil, err
	}
	b, err := OpenS3(ctx, loc, S3Options{Getenv: o.Getenv, HTTPClient: o.HTTPClient})
	if err != nil {
		return nil, err
	}
	o.Local.Unique = UniqueFor(o.Local.Author)
	return &Team{Bucket: b, Loc: loc, Local: o.Local, Cache: DefaultCacheDir(o.Getenv, loc), Progress: o.Progress, ProgressTTY: o.ProgressTTY}, nil
}

// UniqueFor is what ends a new session's id for a store: the author, or
// "anon" (a random suffix follows either).
func UniqueFor(author string) string { return cmpOr(author, "anon") }
