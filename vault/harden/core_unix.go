//go:build unix

package harden

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// noCoreFile sets the soft core-file size limit to 0. The hard limit stays as it was, so
// a command run by `oat exec`, which inherits the limit, may raise it again.
func noCoreFile() error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		return fmt.Errorf("read the core file size limit: %w", err)
	}
	lim.Cur = 0
	if err := unix.Setrlimit(unix.RLIMIT_CORE, &lim); err != nil {
		return fmt.Errorf("set the core file size limit to 0: %w", err)
	}
	return nil
}
