// Package cluster holds the multi-host test (issue 19): PostgreSQL, Redis and MinIO in one
// network namespace, two `aomas serve` and two `aomas worker` processes in four more, joined
// by a bridge, with a worker taken off the network and Redis cut from one server mid-run.
//
// The test needs root (it makes namespaces and links) and carries the build tag cluster, so
// that `go test ./...` leaves it out: `make test` runs a short form and `make test-cluster`
// the long one (AOMAS_CLUSTER_RUNS runs, 200 there).
package cluster
