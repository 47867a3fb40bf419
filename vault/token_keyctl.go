package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// TokenCache keeps cached access tokens outside the secret store, where reading one costs
// microseconds and nothing reaches disk. Values are forgotten at their time to live.
type TokenCache interface {
	// Name names the cache as TokenState.Cache, `oat ls --json` and `oat doctor` show it.
	Name() string
	// Get returns the value kept under id, or an error wrapping ErrNotFound when there is
	// none (never set, deleted, or past its time to live).
	Get(id string) ([]byte, error)
	// Put keeps value under id for ttl (rounded up to whole seconds), replacing any other.
	Put(id string, value []byte, ttl time.Duration) error
	// Delete forgets id at once. Deleting an absent id is not an error.
	Delete(id string) error
	// Available is nil when the cache works in this process, else why it does not.
	Available() error
}

// KeyctlCacheName is the Name of the kernel keyring token cache.
const KeyctlCacheName = "keyctl"

// KeyOps are the few calls of the Linux kernel key retention service the token cache
// makes (keyrings(7)), as an interface so tests can run the cache with keyctl refused
// (as Docker's default seccomp profile does) without a container. Every call works on
// "user" keys in the caller's user keyring.
type KeyOps interface {
	// UserKeyring returns the serial of the user keyring (a cheap probe of keyctl).
	UserKeyring() (int, error)
	Search(desc string) (int, error)
	Read(key int) ([]byte, error)
	// Add creates a key called desc with payload in the process keyring, where this
	// process alone possesses it, so that it can be given its timeout and permissions
	// before any other process can find it.
	Add(desc string, payload []byte) (int, error)
	SetPerm(key int, perm uint32) error
	SetTimeout(key int, seconds uint) error
	// Publish links the key into the user keyring (replacing one of the same
	// description) and unlinks it from the process keyring.
	Publish(key int) error
	Invalidate(key int) error
}

// ErrKeyctlUnsupported: no kernel keyring on this platform.
var ErrKeyctlUnsupported = errors.New("the kernel key retention service (keyctl) exists on Linux only")

// keyPerm lets the possessor do everything and other processes of the same user view,
// read, write, search and set attributes (keyrings(7): KEY_POS_ALL | KEY_USR_VIEW |
// KEY_USR_READ | KEY_USR_WRITE | KEY_USR_SEARCH | KEY_USR_SETATTR). Reading by serial
// only counts as possession when the user keyring is linked from the caller's session
// keyring, which is not so in every service or container; the user permissions let the
// next oat of the same user read the token either way. No other user, and no group, gets
// anything: the key belongs to one UID, as the Secret Service's entries do.
const keyPerm = 0x3f000000 | 0x00010000 | 0x00020000 | 0x00040000 | 0x00080000 | 0x00200000

// KeyctlCache keeps tokens as "user" keys in the user's kernel keyring (Linux).
//
// Why the kernel keyring, and not an agent process (ssh-agent style: a daemon holding
// the tokens behind a 0600 Unix socket that checks its peer with SO_PEERCRED):
//   - nothing to start, find, keep alive or stop: an agent needs a spawn-on-demand
//     protocol, a lifetime policy, a socket path per config dir and its clean-up, and a
//     CLI that races another CLI to start it; the kernel is always there;
//   - the expiry is enforced by the kernel (KEYCTL_SET_TIMEOUT at the token's expiry), so
//     a token never outlives its validity even if no oat runs again; an agent must reap;
//   - a read is three system calls (search, read, no I/O), cheaper than connecting to a
//     socket and a round trip; the key's memory is the kernel's, not a long-lived user
//     process that other processes of the user could ptrace or core-dump;
//   - per-user by construction (the user keyring belongs to one UID), where an agent
//     must check credentials itself, differently per OS (SO_PEERCRED, getpeereid, none
//     on Windows named pipes without more work).
//
// Its limits, and what oat does about them: Linux only, and refused by Docker's default
// seccomp profile (EPERM) — then the secret store is the cache, as before, and `oat
// doctor` and `oat ls --json` (token_cache) say so; the kernel's per-user quota
// (/proc/sys/kernel/keys/maxbytes, 20,000 bytes for users other than root by default)
// holds some ten large JWTs — a token that does not fit (EDQUOT) goes to the secret store
// instead. An agent would have been portable to macOS, but there the Keychain is
// already fast and never asks, and the extra process is not worth it for one platform.
type KeyctlCache struct {
	// ns tells config directories apart: the keys of two config dirs never collide.
	ns   string
	Keys KeyOps
}

// NewKeyctlCache returns the kernel keyring cache for the config directory dir, on ops
// (nil means the system calls of this platform).
func NewKeyctlCache(dir string, ops KeyOps) *KeyctlCache {
	if ops == nil {
		ops = systemKeyOps()
	}
	dir = canonicalDir(dir)
	sum := sha256.Sum256([]byte(dir))
	return &KeyctlCache{ns: hex.EncodeToString(sum[:8]), Keys: ops}
}

// DefaultTokenCache is the token cache for dir: the kernel keyring where it can be used,
// else nil (tokens go to the secret store).
func DefaultTokenCache(dir string) TokenCache { return NewTokenCache(dir, nil) }

// NewTokenCache is the kernel keyring cache on ops for dir, or nil when ops refuses
// keyctl (nil ops: this platform's system calls).
func NewTokenCache(dir string, ops KeyOps) TokenCache {
	c := NewKeyctlCache(dir, ops)
	if c.Available() != nil {
		return nil
	}
	return c
}

// TokenCacheName names where new tokens are cached: "keyctl", or "store" (the secret
// store, when there is no token cache).
func (v *Vault) TokenCacheName() string {
	if v.Tokens == nil {
		return "store"
	}
	return v.Tokens.Name()
}

// Name implements TokenCache.
func (c *KeyctlCache) Name() string { return KeyctlCacheName }

// desc is the key's description: oat, the config dir's hash and the profile ID.
func (c *KeyctlCache) desc(id string) string { return "oat:token:" + c.ns + ":" + id }

// Available implements TokenCache.
func (c *KeyctlCache) Available() error {
	if _, err := c.Keys.UserKeyring(); err != nil {
		return fmt.Errorf("kernel keyring unavailable: %w", err)
	}
	return nil
}

// Get implements TokenCache.
func (c *KeyctlCache) Get(id string) ([]byte, error) {
	k, err := c.Keys.Search(c.desc(id))
	if err != nil {
		return nil, fmt.Errorf("kernel keyring: %w (%v)", ErrNotFound, err)
	}
	b, err := c.Keys.Read(k)
	if err != nil {
		return nil, fmt.Errorf("kernel keyring: %w (%v)", ErrNotFound, err)
	}
	return b, nil
}

// Put implements TokenCache. The key is made in the process keyring, given its timeout
// and permissions there, and only then linked into the user keyring: a key that could
// not get its timeout is never visible to another process, and dies with this one (a
// process keyring goes with its process), so no token stays in the kernel past its life.
func (c *KeyctlCache) Put(id string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return errors.New("kernel keyring: no time to live")
	}
	k, err := c.Keys.Add(c.desc(id), value)
	if err != nil {
		return fmt.Errorf("kernel keyring: add: %w", err)
	}
	secs := uint((ttl + time.Second - 1) / time.Second)
	if err := c.Keys.SetTimeout(k, secs); err != nil {
		_ = c.Keys.Invalidate(k)
		return fmt.Errorf("kernel keyring: timeout: %w", err)
	}
	if err := c.Keys.SetPerm(k, keyPerm); err != nil {
		_ = c.Keys.Invalidate(k)
		return fmt.Errorf("kernel keyring: permissions: %w", err)
	}
	if err := c.Keys.Publish(k); err != nil {
		_ = c.Keys.Invalidate(k)
		return fmt.Errorf("kernel keyring: link: %w", err)
	}
	return nil
}

// Delete implements TokenCache.
func (c *KeyctlCache) Delete(id string) error {
	k, err := c.Keys.Search(c.desc(id))
	if err != nil {
		return nil // absent, expired, or no keyctl: nothing to forget
	}
	return c.Keys.Invalidate(k)
}
