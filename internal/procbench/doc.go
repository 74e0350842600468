// Package procbench measures fanout as a user runs it: the real binary in a
// pseudo-terminal, streaming from a loopback OpenAI-compatible server, its
// whole process's CPU time from start-up to exit. It holds benchmarks only
// (see procbench_test.go); nothing imports it.
package procbench
