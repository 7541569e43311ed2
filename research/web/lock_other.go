//go:build !unix

package web

// lockPath does nothing where flock is missing: there, run one process
// per database.
func lockPath(string) (func(), error) { return func() {}, nil }
