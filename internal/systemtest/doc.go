// Package systemtest holds the system's fault-injection tests: the three binaries and
// their Redis servers run as real processes on loopback ports, and the tests kill,
// freeze (SIGSTOP) and restart them under load, checking what clients see and that no
// acknowledged write is lost. It has no code of its own; `go test ./internal/systemtest`
// builds the binaries once and needs redis-server on the PATH (.ci/run installs it).
package systemtest
