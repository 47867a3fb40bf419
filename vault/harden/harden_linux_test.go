package harden

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The protections are per process and cannot be undone, so they are applied in a child:
// this test binary run again with OAT_HARDEN_CHILD set, which reports what the kernel
// says about itself before and after Process.
func TestMain(m *testing.M) {
	if os.Getenv("OAT_HARDEN_CHILD") == "1" {
		os.Exit(child())
	}
	os.Exit(m.Run())
}

func child() int {
	report := func(when string) {
		d, err := dumpable()
		var lim unix.Rlimit
		if err == nil {
			err = unix.Getrlimit(unix.RLIMIT_CORE, &lim)
		}
		if err != nil {
			println("error", err.Error())
			return
		}
		println(when, "dumpable", d, "core", lim.Cur)
	}
	report("before")
	if err := Process(); err != nil {
		println("error", err.Error())
		return 1
	}
	report("after")
	return 0
}

func TestProcessMakesItNonDumpable(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "OAT_HARDEN_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	got := string(out)
	// A process started normally is dumpable: the check below would pass for nothing if not.
	if !strings.Contains(got, "before dumpable true") {
		t.Fatalf("the child was not dumpable to begin with:\n%s", got)
	}
	if !strings.Contains(got, "after dumpable false core 0\n") {
		t.Fatalf("after Process the child is still dumpable or may write a core file:\n%s", got)
	}
}
