//go:build !unix

package research

import "os"

// lockFile does nothing where flock is missing: there, run one process
// per database.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
