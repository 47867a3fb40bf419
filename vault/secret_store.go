package vault

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// SecretStore holds secrets and tokens under string keys. Implementations never put a
// value into an error message.
type SecretStore interface {
	// Name is the store's kind: keyring, file or memory.
	Name() string
	// Get returns the value, or an error wrapping ErrNotFound when the key is absent.
	Get(ctx context.Context, key string) (string, error)
	// Set stores value under key, replacing any earlier value. A value the store cannot
	// hold whole is refused with a *TooLargeError, never truncated.
	Set(ctx context.Context, key, value string) error
	// Delete removes the key. Deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
}

// ErrNotFound means the store answered and has no value for the key.
var ErrNotFound = errors.New("not found in the secret store")

// ErrValueTooLarge is wrapped by TooLargeError.
var ErrValueTooLarge = errors.New("value too large for the secret store")

// ErrStoreUnavailable is wrapped by StoreError: the store could not be reached or used.
var ErrStoreUnavailable = errors.New("secret store unavailable")

// TooLargeError says a value exceeds what a store can hold.
type TooLargeError struct {
	Store string
	Size  int
	Limit int
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s store holds at most %d bytes per value; this one is %d bytes (not stored, not truncated)", e.Store, e.Limit, e.Size)
}

// Unwrap makes errors.Is(err, ErrValueTooLarge) true.
func (e *TooLargeError) Unwrap() error { return ErrValueTooLarge }

// StoreError is a failure of the store itself, with what to do about it.
type StoreError struct {
	Store string
	Op    string
	Err   error
	Hint  string
}

func (e *StoreError) Error() string {
	s := fmt.Sprintf("%s store: %s: %v", e.Store, e.Op, e.Err)
	if e.Hint != "" {
		s += "\n  " + e.Hint
	}
	return s
}

// Unwrap returns both the cause and ErrStoreUnavailable.
func (e *StoreError) Unwrap() []error { return []error{e.Err, ErrStoreUnavailable} }

// Fingerprint is the first 8 hex digits of the SHA-256 of a secret: enough to tell two
// secrets apart, far too little to recover one.
func Fingerprint(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:4])
}

// StoreOptions configures OpenStore.
type StoreOptions struct {
	// ConfigDir is where the file store keeps its "secrets" directory (and where an old
	// secrets.age is looked for, to migrate it).
	ConfigDir string
	// Passphrase returns the file store's passphrase (from OAT_PASSPHRASE or a prompt).
	Passphrase func() (string, error)
	// UnlockIdle is how long the file store's unlocked key stays cached without use: 0
	// means DefaultUnlockIdle, a negative value turns the cache off (see ParseUnlockIdle).
	UnlockIdle time.Duration
}

// unlockCache is the session's unlock cache for the options' idle time, or why there is
// none.
func (opt StoreOptions) unlockCache() (UnlockCache, string) {
	idle := opt.UnlockIdle
	if idle == 0 {
		idle = DefaultUnlockIdle
	}
	c, err := NewSessionUnlockCache(idle)
	if err != nil {
		return nil, err.Error()
	}
	return c, ""
}

// StoreKinds lists the names accepted by OpenStore.
var StoreKinds = []string{"keyring", "file", "memory"}

// OpenStore builds the store called kind ("" means $OAT_STORE, else keyring).
func OpenStore(kind string, opt StoreOptions) (SecretStore, error) {
	if kind == "" {
		kind = os.Getenv("OAT_STORE")
	}
	switch strings.ToLower(kind) {
	case "", "keyring":
		ks := NewKeyringStore()
		ks.Cache, ks.CacheNote = opt.unlockCache()
		return ks, nil
	case "file":
		pass := opt.Passphrase
		if pass == nil {
			pass = PassphraseFromEnv
		}
		fs := &FileStore{Path: filepath.Join(opt.ConfigDir, "secrets.age"), Passphrase: pass}
		fs.Cache, fs.CacheNote = opt.unlockCache()
		return fs, nil
	case "memory":
		return NewMemoryStore(), nil
	}
	return nil, fmt.Errorf("unknown secret store %q: use one of %s", kind, strings.Join(StoreKinds, ", "))
}

// ErrNeedPassphrase means the file store is locked and no passphrase could be had
// (no OAT_PASSPHRASE, no terminal to ask on).
var ErrNeedPassphrase = errors.New("the file store needs a passphrase: set OAT_PASSPHRASE or run oat in a terminal to be asked")

// PassphraseFromEnv reads OAT_PASSPHRASE.
func PassphraseFromEnv() (string, error) {
	if p, ok := os.LookupEnv("OAT_PASSPHRASE"); ok && p != "" {
		return p, nil
	}
	return "", ErrNeedPassphrase
}

// MemoryStore keeps values in process memory: for the demo and tests.
type MemoryStore struct {
	mu sync.Mutex
	m  map[string]string
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore { return &MemoryStore{m: map[string]string{}} }

// Name implements SecretStore.
func (s *MemoryStore) Name() string { return "memory" }

// Get implements SecretStore.
func (s *MemoryStore) Get(ctx context.Context, key string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return "", fmt.Errorf("%s: %w", key, ErrNotFound)
	}
	return v, nil
}

// Set implements SecretStore.
func (s *MemoryStore) Set(ctx context.Context, key, value string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}

// Delete implements SecretStore.
func (s *MemoryStore) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// Keys lists the stored keys (tests use it to prove what was removed).
func (s *MemoryStore) Keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ks []string
	for k := range s.m {
		ks = append(ks, k)
	}
	return ks
}
