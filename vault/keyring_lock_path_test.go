//go:build linux

package vault

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// $XDG_RUNTIME_DIR is taken for the Secret Service lock only when it is the user's own
// private directory: one shared with others (XDG_RUNTIME_DIR=/tmp in a container or a
// sudo shell) was chmod-ed to 0700 by oat (as root: /tmp itself) and received a lock
// file that another user could pre-create, hold, or plant as a symlink. Then the
// user's cache directory is used.
func TestSessionLockShunsASharedRuntimeDir(t *testing.T) {
	shared := t.TempDir()
	if err := os.Chmod(shared, 0o1777); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	t.Setenv("XDG_RUNTIME_DIR", shared)
	t.Setenv("XDG_CACHE_HOME", cache)
	ks := NewKeyringStore()
	ks.backend = &countingKeyring{m: map[string]string{}}
	if err := ks.Set(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(shared)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o777 {
		t.Errorf("the shared runtime directory was changed to %v", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(shared); len(ents) != 0 {
		t.Errorf("oat wrote %s into the shared runtime directory", ents[0].Name())
	}
	if !strings.HasPrefix(ks.SessionLock, filepath.Join(cache, "oat")+string(filepath.Separator)) {
		t.Errorf("lock at %s, not in the cache directory", ks.SessionLock)
	}

	// The user's own runtime directory is used.
	own := t.TempDir()
	if err := os.Chmod(own, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_RUNTIME_DIR", own)
	if got := NewKeyringStore().SessionLock; filepath.Dir(got) != own {
		t.Errorf("lock at %s, not in the user's runtime directory", got)
	}
}

// A lock file that is a symlink is not followed: oat creates nothing where it points,
// and says what is wrong instead of calling the keyring unlocked.
func TestSessionLockDoesNotFollowASymlink(t *testing.T) {
	t.Parallel()
	dir, elsewhere := t.TempDir(), t.TempDir()
	target := filepath.Join(elsewhere, "victim")
	lock := filepath.Join(dir, "oat-secret-service")
	if err := os.Symlink(target, lock+".lock"); err != nil {
		t.Fatal(err)
	}
	be := &countingKeyring{m: map[string]string{}}
	ks := &KeyringStore{Service: "oat-test", Timeout: time.Second, SessionLock: lock, backend: be}
	err := ks.Set(context.Background(), "k", "v")
	if _, serr := os.Lstat(target); serr == nil {
		t.Fatal("oat created the file the lock's symlink points to")
	}
	if err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Fatalf("err %v", err)
	}
}

// A FIFO in place of the lock file does not hang oat: opening one for reading waits
// for a writer, before the call's deadline is armed.
func TestSessionLockDoesNotHangOnAFIFO(t *testing.T) {
	t.Parallel()
	lock := filepath.Join(t.TempDir(), "oat-secret-service")
	if err := syscall.Mkfifo(lock+".lock", 0o600); err != nil {
		t.Fatal(err)
	}
	ks := &KeyringStore{Service: "oat-test", Timeout: time.Second, SessionLock: lock, backend: &countingKeyring{m: map[string]string{}}}
	done := make(chan error, 1)
	go func() { done <- ks.Set(context.Background(), "k", "v") }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("err %v", err)
		}
	case <-time.After(30 * time.Second): // a safety net for a hang, not a timing assertion
		t.Fatal("the keyring call hangs on a FIFO lock file")
	}
}
