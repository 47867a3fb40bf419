package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"
	"github.com/zalando/go-keyring"
)

// KeyringService is the service name oat's entries carry in the OS keyring.
const KeyringService = "oat"

// DefaultKeyringTimeout bounds each keyring call: go-keyring has no context and can block
// forever when no Secret Service agent answers on D-Bus.
const DefaultKeyringTimeout = 5 * time.Second

// keyringBackend is the part of go-keyring oat uses; tests swap in a slow or failing one.
type keyringBackend interface {
	Set(service, user, password string) error
	Get(service, user string) (string, error)
	Delete(service, user string) error
}

type osKeyring struct{}

func (osKeyring) Set(s, u, p string) error        { return keyring.Set(s, u, p) }
func (osKeyring) Get(s, u string) (string, error) { return keyring.Get(s, u) }
func (osKeyring) Delete(s, u string) error        { return keyring.Delete(s, u) }

// KeyringStore keeps values in the OS keyring (Secret Service on Linux, Keychain on
// macOS, Credential Manager on Windows) through go-keyring.
type KeyringStore struct {
	Service string
	Timeout time.Duration
	// MaxValue is the largest value accepted, in bytes. The defaults follow the platform
	// limits: Windows credentials hold 2560 bytes, a macOS keychain item about 3000 bytes
	// including service and account; the Secret Service has no hard limit, but values
	// beyond 64 KiB are refused to keep D-Bus round trips fast.
	MaxValue int
	// Cache, when set, keeps each value read from or written to the keyring for an idle
	// time, so that commands after the first need no D-Bus round trips: a Secret Service
	// read is a connection, its authentication and six method calls, about 7 ms of a
	// forced fetch's 15 (go run ./bench -store keyring). It is the file store's unlock
	// cache (the kernel user keyring on Linux, see unlock_cache.go): readable by the same
	// user only, which can read the unlocked Secret Service anyway; in kernel memory,
	// never on disk; gone after the idle time without use, or at once with oat lock.
	// Writes and deletes through oat update it; a change made to the keyring by another
	// program is seen when the cached value has expired or after oat lock.
	Cache UnlockCache
	// CacheNote says why there is no Cache.
	CacheNote string
	// SessionLock, when set, is a file oat locks (flock) around each keyring call, so
	// that the commands of one user talk to the Secret Service one at a time:
	// gnome-keyring-daemon aborts when several clients open sessions at once (upstream
	// gnome-keyring #190, #196), and D-Bus then starts a new daemon whose login
	// keyring is locked. Concurrent oat commands (a CI job's parallel steps, 8 adds at
	// once in TestConcurrentAdds) did that.
	SessionLock string
	backend     keyringBackend
}

// NewKeyringStore returns a store on the OS keyring with the platform's limits.
func NewKeyringStore() *KeyringStore {
	return &KeyringStore{Service: KeyringService, Timeout: DefaultKeyringTimeout, MaxValue: platformKeyringLimit(), backend: osKeyring{},
		SessionLock: sessionLockPath()}
}

// sessionLockPath is where the Secret Service lock lives: per user, in
// $XDG_RUNTIME_DIR when it is the user's own private directory, else in the user's
// cache directory. A runtime directory shared with others (XDG_RUNTIME_DIR=/tmp in a
// container or a sudo shell) is not used: oat would restrict it to 0700 (as root,
// /tmp itself), and another user could make the lock file first, hold it, or plant a
// symlink there. Only the Secret Service needs the lock; the macOS and Windows
// keyrings serialize their callers.
func sessionLockPath() string {
	if runtime.GOOS != "linux" {
		return ""
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" || !ownPrivateDir(dir) {
		c, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(c, "oat")
	}
	return filepath.Join(dir, "oat-secret-service")
}

func platformKeyringLimit() int {
	switch runtime.GOOS {
	case "windows":
		return 2560
	case "darwin":
		return 2800 // ~3000 bytes less the service and account names
	}
	return 64 << 10
}

// Name implements SecretStore.
func (k *KeyringStore) Name() string { return "keyring" }

const keyringHint = "Start a Secret Service for this session (gnome-keyring-daemon, or KeePassXC with Secret Service integration enabled) and unlock it, or use the encrypted file store: --store file (or OAT_STORE=file)."

// call runs fn with a deadline; a call that does not return in time is abandoned (its
// goroutine finishes, or not, on its own: go-keyring offers no way to cancel it).
func (k *KeyringStore) call(ctx context.Context, op, key string, fn func() error) error {
	timeout := k.Timeout
	if timeout <= 0 {
		timeout = DefaultKeyringTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	unlock := func() {}
	if k.SessionLock != "" {
		path := k.SessionLock + ".lock"
		lk := flock.New(path, flock.SetPermissions(0o600), flock.SetFlag(lockOpenFlag))
		_ = ensureDir(filepath.Dir(k.SessionLock))
		var ok bool
		var err error
		if fi, lerr := os.Lstat(path); lerr == nil && fi.Mode()&os.ModeSymlink == 0 && !fi.Mode().IsRegular() {
			err = fmt.Errorf("the lock file %s is not a regular file (%s): oat never made it; remove it", path, fi.Mode().Type())
		} else if ok, err = lk.TryLockContext(ctx, 2*time.Millisecond); isSymlinkLoop(err) {
			err = fmt.Errorf("the lock file %s is a symlink, which oat does not follow: remove it", path)
		}
		if err != nil || !ok {
			// Waiting longer would only move the deadline: the other command's call is
			// bounded by the same timeout. Said, not worked around: calling now is what
			// aborts the daemon.
			if err == nil || errors.Is(err, context.DeadlineExceeded) {
				err = fmt.Errorf("another oat command held the OS keyring for %s", timeout)
			}
			return &StoreError{Store: "keyring", Op: op + " " + key, Err: err, Hint: keyringHint}
		}
		unlock = func() { _ = lk.Unlock() }
	}
	done := make(chan error, 1)
	// The lock is released when the call returns, even after the deadline: a call still
	// in flight is still a session open with the daemon.
	go func() { err := fn(); unlock(); done <- err }()
	select {
	case err := <-done:
		switch {
		case err == nil:
			return nil
		case errors.Is(err, keyring.ErrNotFound):
			return fmt.Errorf("%s: %w", key, ErrNotFound)
		case errors.Is(err, keyring.ErrSetDataTooBig):
			return &TooLargeError{Store: "keyring", Limit: k.MaxValue}
		}
		return &StoreError{Store: "keyring", Op: op + " " + key, Err: err, Hint: keyringHint}
	case <-ctx.Done():
		err := ctx.Err()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer from the OS keyring within %s", timeout)
		}
		return &StoreError{Store: "keyring", Op: op + " " + key, Err: err, Hint: keyringHint}
	}
}

// cacheID names key's entry in the Cache: hashed, so the cache's list of keys names
// no profile.
func (k *KeyringStore) cacheID(key string) string {
	sum := sha256.Sum256([]byte(k.Service + "\x00" + key))
	return "oat-keyring:" + hex.EncodeToString(sum[:8])
}

// CacheName says where values read from the keyring are kept between commands.
func (k *KeyringStore) CacheName() string {
	return cacheName(k.Cache, k.CacheNote, "every command reads the keyring")
}

// Cached reports whether key's value is in the Cache, without renewing its idle time.
func (k *KeyringStore) Cached(key string) bool {
	return k.Cache != nil && k.Cache.Has(k.cacheID(key))
}

// Forget drops the cached copies of keys (the keyring keeps them).
func (k *KeyringStore) Forget(keys ...string) error {
	var first error
	c := k.Cache
	if c == nil {
		// The cache may be turned off for this process (OAT_UNLOCK_IDLE=0) and still hold
		// values from an earlier one: forget them wherever the platform has a cache.
		var err error
		if c, err = newPlatformUnlockCache(time.Second); err != nil {
			return nil
		}
	}
	for _, key := range keys {
		if err := c.Forget(k.cacheID(key)); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// Get implements SecretStore.
func (k *KeyringStore) Get(ctx context.Context, key string) (string, error) {
	if k.Cache != nil {
		if v, ok := k.Cache.Get(k.cacheID(key)); ok {
			return v, nil
		}
	}
	var v string
	err := k.call(ctx, "read", key, func() error {
		var err error
		v, err = k.backend.Get(k.Service, key)
		return err
	})
	if err != nil {
		return "", err
	}
	if k.Cache != nil {
		_ = k.Cache.Put(k.cacheID(key), v) // a cache that refuses only costs speed
	}
	return v, nil
}

// Set implements SecretStore.
func (k *KeyringStore) Set(ctx context.Context, key, value string) error {
	if k.MaxValue > 0 && len(value) > k.MaxValue {
		return &TooLargeError{Store: "keyring", Size: len(value), Limit: k.MaxValue}
	}
	if k.Cache != nil {
		// Forgotten first: a write that fails half-way must not leave the old value
		// served from the cache while the keyring may hold the new one.
		if err := k.Cache.Forget(k.cacheID(key)); err != nil {
			return err
		}
	}
	if err := k.call(ctx, "write", key, func() error { return k.backend.Set(k.Service, key, value) }); err != nil {
		return err
	}
	if k.Cache != nil {
		_ = k.Cache.Put(k.cacheID(key), value)
	}
	return nil
}

// Delete implements SecretStore.
func (k *KeyringStore) Delete(ctx context.Context, key string) error {
	if k.Cache != nil {
		if err := k.Cache.Forget(k.cacheID(key)); err != nil {
			return err
		}
	}
	err := k.call(ctx, "delete", key, func() error { return k.backend.Delete(k.Service, key) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
