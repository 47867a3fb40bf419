package vault

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// overlapKeyring is a keyring backend that measures how many calls are in flight at
// once (each takes a moment, as a D-Bus session does).
type overlapKeyring struct {
	in, max atomic.Int32
}

func (k *overlapKeyring) enter() {
	n := k.in.Add(1)
	for {
		m := k.max.Load()
		if n <= m || k.max.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(2 * time.Millisecond)
	k.in.Add(-1)
}

func (k *overlapKeyring) Set(s, u, p string) error        { k.enter(); return nil }
func (k *overlapKeyring) Get(s, u string) (string, error) { k.enter(); return "v", nil }
func (k *overlapKeyring) Delete(s, u string) error        { k.enter(); return nil }

// Keyring stores of separate commands (separate stores, separate lock files opened)
// call the Secret Service one at a time when they share the session lock, which keeps
// gnome-keyring-daemon from aborting on concurrent sessions; without it they overlap
// (which shows the measure works).
func TestKeyringCallsAreSerializedAcrossStores(t *testing.T) {
	t.Parallel()
	run := func(lock string) int32 {
		be := &overlapKeyring{}
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ks := &KeyringStore{Service: "oat-test", Timeout: 10 * time.Second, backend: be, SessionLock: lock}
				for j := 0; j < 5; j++ {
					if err := ks.Set(context.Background(), fmt.Sprintf("k%d", j), "v"); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		return be.max.Load()
	}
	if got := run(filepath.Join(t.TempDir(), "run", "oat-secret-service")); got != 1 {
		t.Fatalf("with the session lock, %d keyring calls were in flight at once", got)
	}
	if got := run(""); got < 2 {
		t.Fatalf("without the lock the calls never overlapped (%d): the test measures nothing", got)
	}
}

// A lock held by another command past the call's deadline is a clear keyring error,
// not a wait without end, and nothing is called.
func TestKeyringLockHeldElsewhereTimesOut(t *testing.T) {
	t.Parallel()
	lock := filepath.Join(t.TempDir(), "oat-secret-service")
	be := &countingKeyring{m: map[string]string{}}
	holder := &KeyringStore{Service: "oat-test", Timeout: 5 * time.Second, SessionLock: lock,
		backend: blockingKeyring{release: make(chan struct{})}}
	release := holder.backend.(blockingKeyring).release
	go func() { _ = holder.Set(context.Background(), "x", "v") }()
	time.Sleep(50 * time.Millisecond) // the holder is inside its call, holding the lock
	ks := &KeyringStore{Service: "oat-test", Timeout: 100 * time.Millisecond, SessionLock: lock, backend: be}
	_, err := ks.Get(context.Background(), "k")
	close(release)
	if err == nil || !strings.Contains(err.Error(), "another oat command held the OS keyring") || be.gets != 0 {
		t.Fatalf("err %v, %d calls", err, be.gets)
	}
}

type blockingKeyring struct{ release chan struct{} }

func (b blockingKeyring) Set(s, u, p string) error        { <-b.release; return nil }
func (b blockingKeyring) Get(s, u string) (string, error) { <-b.release; return "", nil }
func (b blockingKeyring) Delete(s, u string) error        { <-b.release; return nil }
