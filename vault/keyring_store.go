package vault

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

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
	backend  keyringBackend
}

// NewKeyringStore returns a store on the OS keyring with the platform's limits.
func NewKeyringStore() *KeyringStore {
	return &KeyringStore{Service: KeyringService, Timeout: DefaultKeyringTimeout, MaxValue: platformKeyringLimit(), backend: osKeyring{}}
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
	done := make(chan error, 1)
	go func() { done <- fn() }()
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

// Get implements SecretStore.
func (k *KeyringStore) Get(ctx context.Context, key string) (string, error) {
	var v string
	err := k.call(ctx, "read", key, func() error {
		var err error
		v, err = k.backend.Get(k.Service, key)
		return err
	})
	if err != nil {
		return "", err
	}
	return v, nil
}

// Set implements SecretStore.
func (k *KeyringStore) Set(ctx context.Context, key, value string) error {
	if k.MaxValue > 0 && len(value) > k.MaxValue {
		return &TooLargeError{Store: "keyring", Size: len(value), Limit: k.MaxValue}
	}
	return k.call(ctx, "write", key, func() error { return k.backend.Set(k.Service, key, value) })
}

// Delete implements SecretStore.
func (k *KeyringStore) Delete(ctx context.Context, key string) error {
	err := k.call(ctx, "delete", key, func() error { return k.backend.Delete(k.Service, key) })
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
