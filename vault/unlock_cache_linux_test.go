//go:build linux

package vault

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func kernelCache(t *testing.T, idle time.Duration) *keyringUnlockCache {
	t.Helper()
	c, err := newPlatformUnlockCache(idle)
	if err != nil {
		t.Skipf("no kernel keyring here: %v", err)
	}
	return c.(*keyringUnlockCache)
}

// The kernel keyring cache: a value is there for the next process, renewed by reading,
// gone after the idle time (the kernel's own timeout), and gone at once when forgotten.
func TestKernelUnlockCache(t *testing.T) {
	t.Parallel()
	c := kernelCache(t, time.Second)
	id := unlockCacheID(t.TempDir())
	t.Cleanup(func() { _ = c.Forget(id) })
	if err := c.Put(id, "AGE-SECRET-KEY-1TEST"); err != nil {
		t.Fatal(err)
	}
	if v, ok := c.Get(id); !ok || v != "AGE-SECRET-KEY-1TEST" {
		t.Fatalf("get: %q %v", v, ok)
	}
	// Expiry: looked for without reading (a read would renew it). The bound only keeps a
	// broken kernel from hanging the test; nothing is asserted about speed.
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if _, ok := c.find(id); !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the key outlived its idle time")
		}
	}
	if _, ok := c.Get(id); ok {
		t.Fatal("expired key still read")
	}
	long := kernelCache(t, time.Hour)
	if err := long.Put(id, "x"); err != nil {
		t.Fatal(err)
	}
	if err := long.Forget(id); err != nil {
		t.Fatal(err)
	}
	if _, ok := long.Get(id); ok {
		t.Fatal("forgotten key still read")
	}
}

// The file store on the kernel keyring: a wrong passphrase caches nothing, the right one
// is cached for the next process, Lock forgets it.
func TestFileStoreOnKernelKeyring(t *testing.T) {
	t.Parallel()
	c := kernelCache(t, time.Hour)
	ctx := context.Background()
	dir := t.TempDir()
	t.Cleanup(func() { _ = c.Forget(unlockCacheID(filepath.Join(dir, "secrets"))) })
	asked := 0
	if err := process(dir, c, "pw", &asked).Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if err := process(dir, c, "pw", &asked).Lock(); err != nil {
		t.Fatal(err)
	}
	if _, err := process(dir, c, "wrong", &asked).Get(ctx, "k"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	if _, ok := c.find(unlockCacheID(filepath.Join(dir, "secrets"))); ok {
		t.Fatal("a wrong passphrase was cached")
	}
	asked = 0
	for range 3 {
		if v, err := process(dir, c, "pw", &asked).Get(ctx, "k"); err != nil || v != "v" {
			t.Fatalf("get: %q %v", v, err)
		}
	}
	if asked != 1 {
		t.Fatalf("asked %d times, want once", asked)
	}
	if !process(dir, c, "", &asked).Unlocked() {
		t.Fatal("not unlocked")
	}
	if err := process(dir, c, "", &asked).Lock(); err != nil {
		t.Fatal(err)
	}
	if process(dir, c, "", &asked).Unlocked() {
		t.Fatal("still unlocked after Lock")
	}
	// Lock in a process with the cache turned off still forgets what another cached.
	if _, err := process(dir, c, "pw", &asked).Get(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if err := process(dir, nil, "", &asked).Lock(); err != nil {
		t.Fatal(err)
	}
	if process(dir, c, "", &asked).Unlocked() {
		t.Fatal("still unlocked after Lock without a cache")
	}
}

func init() { platformHelpers["read-key"] = helperReadKey }

// helperReadKey tries to read the key OAT_TEST_KEY (a serial) and to find it by its
// description OAT_TEST_DESC; it prints what it got and exits 0 only if it got nothing.
func helperReadKey() int {
	serial, _ := strconv.Atoi(os.Getenv("OAT_TEST_KEY"))
	buf := make([]byte, 512)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, serial, buf, 0)
	if err == nil {
		fmt.Printf("read by serial as uid %d: %q\n", os.Getuid(), buf[:min(n, len(buf))])
		return 1
	}
	c := &keyringUnlockCache{idle: time.Minute}
	if v, ok := c.Get(os.Getenv("OAT_TEST_DESC")); ok {
		fmt.Printf("found by description as uid %d: %q\n", os.Getuid(), v)
		return 1
	}
	fmt.Printf("uid %d: refused (%v)\n", os.Getuid(), err)
	return 0
}

// Another user's process cannot read the cached key, by its serial or its name. Run as
// root (as CI does), the test starts this test binary again as user nobody.
func TestUnlockCacheRefusesOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to start a process as another user")
	}
	c := kernelCache(t, time.Minute)
	id := unlockCacheID(t.TempDir())
	t.Cleanup(func() { _ = c.Forget(id) })
	if err := c.Put(id, "AGE-SECRET-KEY-1OTHERUSERMUSTNOTREAD"); err != nil {
		t.Fatal(err)
	}
	serial, ok := c.find(id)
	if !ok {
		t.Fatal("key not found")
	}
	// A copy of this test binary that user nobody may run.
	binDir, err := os.MkdirTemp("", "oat-uid-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(binDir) })
	bin := filepath.Join(binDir, "vault.test")
	copyExecutable(t, os.Args[0], bin)
	if err := os.Chmod(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	run := func(cred *syscall.Credential) (string, int) {
		cmd := exec.Command(bin, "-test.run=^$")
		cmd.Dir = binDir
		cmd.Env = []string{"OAT_TEST_HELPER=read-key", "OAT_TEST_KEY=" + strconv.Itoa(serial), "OAT_TEST_DESC=" + id}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatalf("helper: %v %s", err, out)
		}
		return string(out), cmd.ProcessState.ExitCode()
	}
	// The same user reads it (the helper works)...
	if out, code := run(nil); code != 1 {
		t.Fatalf("the owner could not read its own key: %d %s", code, out)
	}
	// ...another user does not.
	out, code := run(&syscall.Credential{Uid: 65534, Gid: 65534})
	if code != 0 {
		t.Fatalf("user nobody: %d %s", code, out)
	}
	t.Log(out)
}

func copyExecutable(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
