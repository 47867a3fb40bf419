//go:build unix && !linux

package harden

// process lowers the core-file limit: these systems have no cheap equivalent of Linux's
// PR_SET_DUMPABLE (macOS's PT_DENY_ATTACH is a ptrace request that debuggers work around).
func process() error { return noCoreFile() }
