//go:build race

package cli

import "time"

// Under the race detector the client's side of a stream runs several times
// slower: measured times land further above the server's schedule.
func init() { slack = 60 * time.Millisecond }
