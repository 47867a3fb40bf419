package vault

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Where the file store's unlocked key lives between commands.
//
// The file store's secrets are encrypted to an age X25519 key; only that key (the
// identity) is protected by the passphrase, through scrypt, which is slow on purpose
// (about a second and 256 MiB at age's default work factor). To pay for scrypt once per
// login session and not once per command, the identity, once unlocked, is kept in an
// UnlockCache for an idle time (DefaultUnlockIdle, OAT_UNLOCK_IDLE), renewed on each use;
// `oat lock` forgets it at once.
//
// The cache chosen on Linux is the kernel key retention service: a "user" key in the
// per-UID user keyring, readable only by processes of the same user (the kernel checks
// the UID on every read), held in kernel memory and never written to a file, and expired
// by the kernel
// itself after the idle time (KEYCTL_SET_TIMEOUT, set again on every read). The user
// keyring rather than the session keyring: a process started without a login session
// keyring (cron, systemd services, docker exec, many SSH set-ups without pam_keyinit)
// gets a new anonymous session keyring that dies with it, so the cache would silently
// never work there; the user keyring is the same for every process of the user. It needs no
// process of oat's own to stay alive. The alternative, an agent process (ssh-agent style,
// a 0600 Unix socket checked with SO_PEERCRED), would work on macOS too, but means a
// daemon to start, find, keep alive and stop, a socket path to secure, and one more
// process holding the key in ordinary (swappable, ptrace-able by the same user) memory;
// it is left for later. Where no cache is available (keyctl blocked by a seccomp profile,
// as in Docker's default; macOS; Windows) the identity is kept for the running process
// only, and each command needs the passphrase again (OAT_PASSPHRASE or a prompt);
// FileStore.CacheName says which is in use.

// DefaultUnlockIdle is how long the unlocked key stays cached without use, as sudo's and
// gpg-agent's defaults.
const DefaultUnlockIdle = 15 * time.Minute

// UnlockCache keeps an unlocked key for a while, shared by the user's processes.
type UnlockCache interface {
	// Name says what the cache is, for people.
	Name() string
	// Get returns the value stored under id and renews its idle time.
	Get(id string) (string, bool)
	// Has reports whether id is stored, without renewing its idle time (a status check
	// is not a use).
	Has(id string) bool
	// Put stores value under id for the idle time.
	Put(id, value string) error
	// Forget removes id. Forgetting an absent id is not an error.
	Forget(id string) error
}

// ParseUnlockIdle reads OAT_UNLOCK_IDLE: a Go duration ("15m", "1h30m") or a number of
// seconds; "0" or "off" turns the cache off (returned as a negative duration). Empty
// means the default.
func ParseUnlockIdle(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "":
		return DefaultUnlockIdle, nil
	case "0", "off", "no", "never":
		return -1, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		var secs int
		if _, serr := fmt.Sscanf(s, "%d", &secs); serr == nil && fmt.Sprint(secs) == s {
			d, err = time.Duration(secs)*time.Second, nil
		}
	}
	if err != nil || d < 0 {
		return 0, fmt.Errorf("OAT_UNLOCK_IDLE=%q: give a duration such as 15m, or 0 to turn the unlock cache off", s)
	}
	if d == 0 {
		return -1, nil
	}
	return d, nil
}

// NewSessionUnlockCache returns the platform's unlock cache with the given idle time, or
// an error saying why there is none here.
func NewSessionUnlockCache(idle time.Duration) (UnlockCache, error) {
	if idle <= 0 {
		return nil, fmt.Errorf("turned off (OAT_UNLOCK_IDLE=0)")
	}
	return newPlatformUnlockCache(idle)
}

// cacheName names a store's unlock cache for people, or says why there is none (note)
// and what that means (without).
func cacheName(c UnlockCache, note, without string) string {
	if c != nil {
		return c.Name()
	}
	if note == "" {
		note = "none configured"
	}
	return "none (" + note + "): " + without
}

// unlockCacheID names one store's entry in the cache: its directory, hashed.
func unlockCacheID(dir string) string {
	dir = canonicalDir(dir)
	sum := sha256.Sum256([]byte(dir))
	return "oat-unlock:" + hex.EncodeToString(sum[:8])
}

// canonicalDir is dir absolute and with its symlinks resolved: the same directory
// reached by two paths must name the same cache entries (or oat lock through one path
// would leave the other unlocked).
func canonicalDir(dir string) string {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return dir
}
