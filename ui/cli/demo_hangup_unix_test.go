//go:build linux || darwin

package cli

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A closed terminal (SIGHUP) ends the demo app as q does: its directory (profiles and
// encrypted secrets) is removed, not left behind.
func TestDemoAppCleansUpOnHangup(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	tmp := t.TempDir()
	s := startPty(t, ptyEnv(e, "TMPDIR="+tmp), nil, "demo")
	s.waitFor("11 profiles")
	if ds, _ := filepath.Glob(filepath.Join(tmp, "oat-demo-*")); len(ds) != 1 {
		t.Fatalf("the demo's directory: %v", ds)
	}
	if err := s.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	<-s.done
	if ds, _ := filepath.Glob(filepath.Join(tmp, "oat-demo-*")); len(ds) != 0 {
		t.Fatalf("the demo's directory was left after SIGHUP: %v", ds)
	}
}
