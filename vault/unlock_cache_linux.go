//go:build linux

package vault

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// keyringUnlockCache keeps values as "user" keys in the caller's user keyring (the kernel
// key retention service), each with a timeout renewed on every read. golang.org/x/sys
// has the system calls; what is written here is only their sequence.
type keyringUnlockCache struct {
	idle time.Duration
}

func newPlatformUnlockCache(idle time.Duration) (UnlockCache, error) {
	// One cheap call says whether keyctl is allowed here (Docker's default seccomp
	// profile refuses it with EPERM; old kernels with ENOSYS).
	if _, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_USER_KEYRING, true); err != nil {
		return nil, fmt.Errorf("kernel keyring unavailable: %w", err)
	}
	return &keyringUnlockCache{idle: idle}, nil
}

func (c *keyringUnlockCache) Name() string {
	return fmt.Sprintf("Linux kernel keyring (user keyring, idle time %s)", c.idle)
}

func (c *keyringUnlockCache) timeout() int {
	return max(1, int((c.idle+time.Second-1)/time.Second))
}

func (c *keyringUnlockCache) find(id string) (int, bool) {
	k, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", id, 0)
	return k, err == nil
}

func (c *keyringUnlockCache) Get(id string) (string, bool) {
	k, ok := c.find(id)
	if !ok {
		return "", false
	}
	buf, err := sysKeyOps{}.Read(k)
	if err != nil {
		return "", false
	}
	_, _ = unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, k, c.timeout(), 0, 0)
	v := string(buf)
	clear(buf)
	return v, true
}

func (c *keyringUnlockCache) Has(id string) bool {
	_, ok := c.find(id)
	return ok
}

// Put adds (or updates) the key, allows it to the same user only, and sets its timeout.
func (c *keyringUnlockCache) Put(id, value string) error {
	payload := []byte(value)
	defer clear(payload)
	k, err := unix.AddKey("user", id, payload, unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		return fmt.Errorf("kernel keyring: add key: %w", err)
	}
	// Possessor: everything; same UID: view, read, write, search, setattr (so any process
	// of the user reads it, whichever session keyring it has); group and others: nothing.
	const perm = 0x3f<<24 | 0x2f<<16
	if err := unix.KeyctlSetperm(k, perm); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, k, 0, 0, 0)
		return fmt.Errorf("kernel keyring: set permissions: %w", err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, k, c.timeout(), 0, 0); err != nil {
		_, _ = unix.KeyctlInt(unix.KEYCTL_INVALIDATE, k, 0, 0, 0)
		return fmt.Errorf("kernel keyring: set timeout: %w", err)
	}
	return nil
}

func (c *keyringUnlockCache) Forget(id string) error {
	for range 16 { // one key per id; a few more rounds only if another process adds one
		k, ok := c.find(id)
		if !ok {
			return nil
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, k, 0, 0, 0); err != nil {
			if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, k, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
				return fmt.Errorf("kernel keyring: forget: %w", err)
			}
		}
	}
	return nil
}
