package vault

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// countingKeyring is an in-memory keyring backend that counts its calls and can be made
// to fail.
type countingKeyring struct {
	mu               sync.Mutex
	m                map[string]string
	gets, sets, dels int
	fail             error
}

func (k *countingKeyring) Set(s, u, p string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sets++
	if k.fail != nil {
		return k.fail
	}
	k.m[s+"\x00"+u] = p
	return nil
}

func (k *countingKeyring) Get(s, u string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.gets++
	if k.fail != nil {
		return "", k.fail
	}
	v, ok := k.m[s+"\x00"+u]
	if !ok {
		return "", errors.New("secret not found in keyring")
	}
	return v, nil
}

func (k *countingKeyring) Delete(s, u string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dels++
	delete(k.m, s+"\x00"+u)
	return nil
}

// The keyring store reads a value from the OS keyring once, then from its cache until
// the idle time runs out; writes and deletes through oat keep the cache true; a write
// that fails leaves no stale value behind; oat lock (Vault.Lock) forgets every copy.
func TestKeyringStoreReadsOnceThenFromItsCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	be := &countingKeyring{m: map[string]string{}}
	cache := newTestUnlockCache(15 * time.Minute)
	ks := &KeyringStore{Service: "oat-test", Timeout: time.Second, MaxValue: 1 << 16, backend: be, Cache: cache}
	v, _, _ := newTestVault(t)
	v.Secrets = ks
	p := mustAdd(t, v, "eds", "s1")
	cache.Forget(ks.cacheID(secretKey(p.ID))) // as a new login session would find it
	be.gets = 0

	for range 3 {
		if got, err := v.Secret(ctx, p); err != nil || got != "s1" {
			t.Fatalf("secret: %q %v", got, err)
		}
	}
	if be.gets != 1 {
		t.Fatalf("3 reads made %d keyring calls, want 1", be.gets)
	}
	if !ks.Cached(secretKey(p.ID)) || v.CachedSecrets() != 1 {
		t.Fatalf("the secret read is not reported cached (%d)", v.CachedSecrets())
	}

	// Idle: each read renews; no read for the idle time and the keyring is asked again.
	cache.advance(14 * time.Minute)
	_, _ = v.Secret(ctx, p)
	cache.advance(14 * time.Minute)
	_, _ = v.Secret(ctx, p)
	if be.gets != 1 {
		t.Fatalf("reads within the idle time went to the keyring: %d calls", be.gets)
	}
	cache.advance(16 * time.Minute)
	if ks.Cached(secretKey(p.ID)) {
		t.Fatal("cached past its idle time")
	}
	_, _ = v.Secret(ctx, p)
	if be.gets != 2 {
		t.Fatalf("after the idle time: %d keyring calls, want 2", be.gets)
	}

	// A write through oat is what the next read sees, without a keyring call.
	if _, err := v.ReplaceSecret(ctx, "eds", "s2"); err != nil {
		t.Fatal(err)
	}
	if got, _ := v.Secret(ctx, p); got != "s2" || be.gets != 2 {
		t.Fatalf("after a write: %q with %d keyring calls", got, be.gets)
	}
	// A write that fails leaves no copy that could differ from the keyring.
	be.fail = errors.New("org.freedesktop.DBus.Error.NoReply")
	if _, err := v.ReplaceSecret(ctx, "eds", "s3"); err == nil {
		t.Fatal("a failing keyring accepted a write")
	}
	if ks.Cached(secretKey(p.ID)) {
		t.Fatal("a failed write left the old value cached")
	}
	be.fail = nil

	// Lock forgets every copy.
	_, _ = v.Secret(ctx, p)
	if err := v.Lock(); err != nil {
		t.Fatal(err)
	}
	if ks.Cached(secretKey(p.ID)) || v.CachedSecrets() != 0 {
		t.Fatal("oat lock left a keyring secret cached")
	}
	// Delete forgets too.
	_, _ = v.Secret(ctx, p)
	if err := v.Remove(ctx, "eds"); err != nil {
		t.Fatal(err)
	}
	if ks.Cached(secretKey(p.ID)) {
		t.Fatal("a deleted profile's secret stays cached")
	}
}

// Asking whether the file store is unlocked (oat lock --status, oat doctor) does not
// count as a use: it does not keep the key unlocked for another idle time.
func TestStatusChecksDoNotRenewTheUnlock(t *testing.T) {
	t.Parallel()
	cache := newTestUnlockCache(15 * time.Minute)
	dir := t.TempDir()
	var asked int
	if err := process(dir, cache, "pw", &asked).Set(context.Background(), "a", "b"); err != nil {
		t.Fatal(err)
	}
	if _, err := process(dir, cache, "pw", &asked).Get(context.Background(), "a"); err != nil {
		t.Fatal(err)
	}
	fresh := process(dir, cache, "pw", &asked)
	id := unlockCacheID(fresh.Dir())
	for range 5 {
		cache.advance(10 * time.Minute)
		if fresh.Unlocked() != (cache.now.Sub(cache.used[id]) < cache.idle) {
			t.Fatal("Unlocked disagrees with the cache")
		}
	}
	if fresh.Unlocked() {
		t.Fatal("status checks kept the store unlocked past its idle time")
	}
}
