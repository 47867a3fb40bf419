//go:build unix

package vault

import (
	"errors"
	"os"
	"syscall"
)

// lockOpenFlag opens the Secret Service lock file without following a symlink (the
// lock creates its file, and a symlink planted in its place would have it created
// wherever the link points) and without blocking (a FIFO in its place would wait for
// a writer, before the call's deadline is armed).
const lockOpenFlag = os.O_CREATE | os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK

// isSymlinkLoop reports whether err is the refusal of O_NOFOLLOW to open a symlink.
func isSymlinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }

// ownPrivateDir reports whether dir is a directory of the current user that no one
// else may write into or read (as $XDG_RUNTIME_DIR is meant to be: 0700, the user's).
func ownPrivateDir(dir string) bool {
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() || fi.Mode().Perm()&0o077 != 0 {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
