package store

import (
	"context"
	"errors"
)

// Bucket is the little a shared store needs of an object store. Keys are
// full object keys; ETags are as the server gives them.
type Bucket interface {
	// Put writes an object whole. With onlyNew it must not replace one that
	// exists (If-None-Match: *): ErrExists then.
	Put(ctx context.Context, key string, body []byte, onlyNew bool) (etag string, err error)
	// Get reads an object whole.
	Get(ctx context.Context, key string) (body []byte, etag string, err error)
	// List calls fn for every object under prefix, page by page.
	List(ctx context.Context, prefix string, fn func(Object) error) error
}

// Object is one listed object.
type Object struct {
	Key  string
	ETag string
	Size int64
}

// ErrExists is Put's error for an object that already exists.
var ErrExists = errors.New("the object exists already")
