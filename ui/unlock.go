package ui

import (
	"context"
	"errors"
	"fmt"

	"github.com/oatcli/oat/vault"
)

// lockable is a secret store that may have to ask for a passphrase before it can read
// a secret (the file store without a cached unlock).
type lockable interface {
	Exists() bool
	Unlocked() bool
}

// unlockFirst opens a locked store now, on the plain terminal, before the app takes the
// screen: the store's passphrase prompt would otherwise read from the terminal behind
// the alternate screen, unseen, while what the user types blind garbles the frame. It
// reads one secret and forgets it, which is what opening the store takes whatever its
// design; a store that is open already, or asks nothing, is left alone.
func unlockFirst(ctx context.Context, v *vault.Vault) error {
	ls, ok := v.Secrets.(lockable)
	if !ok || !ls.Exists() || ls.Unlocked() {
		return nil
	}
	ps, err := v.List()
	if err != nil || len(ps) == 0 {
		return nil // nothing to read yet; the app shows a load error itself
	}
	if _, err := v.Secret(ctx, ps[0]); err != nil && !errors.Is(err, vault.ErrNotFound) {
		return fmt.Errorf("the secret store did not open: %w", err)
	}
	return nil
}
