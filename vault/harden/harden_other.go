//go:build !unix

package harden

// process does nothing: Windows writes no core files by default (Windows Error Reporting
// keeps user-mode dumps only when configured to), and has no per-process switch as cheap.
func process() error { return nil }
