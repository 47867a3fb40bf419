package cli

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinaryNotDumpable checks, from outside, that a running oat cannot be dumped: the
// kernel hands the /proc/PID files of a non-dumpable process to root (task_dump_owner),
// so their owner tells the dumpable flag apart as long as oat runs as a user other than
// root. As root, the test runs oat as nobody (65534) to keep the check meaningful.
// /proc/PID/limits shows the core file limit.
func TestBinaryNotDumpable(t *testing.T) {
	bin := oatBinary(t)
	// A copy anyone may run: the build directory is private to the test's user.
	dir, err := os.MkdirTemp("", "oat-dump-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "oat")
	copyFile(t, bin, exe)

	// `oat demo --serve` runs until stopped; it holds demo secrets, not real ones, but
	// the protection is applied at process start, the same for every command.
	cmd := exec.Command(exe, "demo", "--serve")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TMPDIR=" + os.TempDir(), "TERM=dumb"}
	cmd.Dir = dir
	uid := os.Getuid()
	if uid == 0 {
		uid = 65534
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	// oat inherits the core limit: raise ours for the start, so that a core limit of 0
	// seen below is oat's doing, not the machine's default.
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
		t.Fatal(err)
	}
	raised := lim
	raised.Cur = lim.Max
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &raised); err != nil {
		t.Fatal(err)
	}
	err = cmd.Start()
	if err := syscall.Setrlimit(syscall.RLIMIT_CORE, &lim); err != nil {
		t.Fatal(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM, as a user stops it: the demo then removes its directory (a kill
		// left one in the shared temporary directory at every run).
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second): // a bound on a hang, not a timing assertion
			_ = cmd.Process.Kill()
			<-done
		}
	})
	ready := make(chan error, 1)
	go func() {
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && !strings.HasPrefix(line, "oat demo server on") {
			err = io.ErrUnexpectedEOF
		}
		ready <- err
		io.Copy(io.Discard, out)
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("oat demo --serve did not start: %v", err)
		}
	case <-time.After(60 * time.Second): // a bound on a hang, not a timing assertion
		t.Fatal("oat demo --serve did not start")
	}

	proc := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid))
	fi, err := os.Stat(filepath.Join(proc, "status"))
	if err != nil {
		t.Fatal(err)
	}
	if owner := fi.Sys().(*syscall.Stat_t).Uid; owner != 0 {
		t.Errorf("/proc/%d/status belongs to uid %d (oat runs as %d): the process is dumpable", cmd.Process.Pid, owner, uid)
	}
	limits, err := os.ReadFile(filepath.Join(proc, "limits"))
	if err != nil {
		t.Fatal(err)
	}
	core := ""
	for _, l := range strings.Split(string(limits), "\n") {
		if strings.HasPrefix(l, "Max core file size") {
			core = strings.Fields(strings.TrimPrefix(l, "Max core file size"))[0]
		}
	}
	if raised.Cur == 0 {
		t.Logf("the hard core limit is 0 here: the core limit proves nothing")
	} else if core != "0" {
		t.Errorf("soft core file size limit is %q, want 0:\n%s", core, limits)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}
