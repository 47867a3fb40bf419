//go:build unix

package cli

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"syscall"
	"testing"
	"time"
)

// TestDemoServeCleansUpOnEachSignal: oat demo --serve deletes its directory (profiles
// and encrypted secrets) on SIGINT, SIGTERM and SIGHUP — the last is what a closed
// terminal or a killed tmux session sends, and it left the directory behind.
func TestDemoServeCleansUpOnEachSignal(t *testing.T) {
	t.Parallel()
	bin := oatBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		cmd := exec.Command(bin, "demo", "--serve")
		cmd.Env = append(os.Environ(), "OAT_CONFIG_DIR="+t.TempDir())
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		dirRE := regexp.MustCompile(`OAT_CONFIG_DIR='([^']+)'`)
		var dir string
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if m := dirRE.FindStringSubmatch(sc.Text()); m != nil {
				dir = m[1]
				break
			}
		}
		if dir == "" {
			_ = cmd.Process.Kill()
			t.Fatalf("%v: no directory printed", sig)
		}
		if _, err := os.Stat(dir); err != nil {
			t.Fatalf("%v: %v", sig, err)
		}
		_ = cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second): // a safety net, not a timing assertion
			_ = cmd.Process.Kill()
			t.Fatalf("%v: the demo server did not stop", sig)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			_ = os.RemoveAll(dir)
			t.Fatalf("%v: the demo directory %s is left behind (%v)", sig, dir, err)
		}
	}
}
