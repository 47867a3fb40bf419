package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oatcli/oat/oauth"
)

// Rotation moves a profile from one secret to the next in steps that can each fail, or
// be cut off by a crash, without losing either secret:
//
//	Stage    new secret written under the staged key        active=old staged=new
//	Promote  previous:=old, active:=new, profile updated,  active=new previous=old
//	         staged deleted
//	DropPrevious  (after the old one is confirmed revoked)  active=new
//	RollBack previous becomes active again                  active=old
//
// The active key is only ever overwritten, never deleted, and only once the value it
// held is safe under another key, so it always holds one retrievable secret. Recover
// finishes or undoes whatever a crash interrupted, judged from what the store holds.

// ErrPreviousPending means an earlier rotation's old secret is still kept aside.
var ErrPreviousPending = errors.New("the previous secret is still kept aside")

// ErrNothingStaged means Promote was called with no staged secret.
var ErrNothingStaged = errors.New("no new secret is staged")

// ErrNoPrevious means there is no previous secret to check, drop or roll back to.
var ErrNoPrevious = errors.New("no previous secret is kept")

func (v *Vault) optional(ctx context.Context, key string) (string, bool, error) {
	s, err := v.Secrets.Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return s, true, nil
}

// StageSecret writes the new secret beside the active one. It refuses while the previous
// rotation's old secret is still kept, so that one is never overwritten unseen.
func (v *Vault) StageSecret(ctx context.Context, name, secret string) (Profile, error) {
	if pr, err := v.Get(name); err == nil && pr.AuthMethod == oauth.AuthPrivateKeyJWT {
		return Profile{}, fmt.Errorf("%q signs with a private key, not a secret: rotate it with oat rotate %s --keygen (a new key, shown once to register), or replace it outright with oat keygen %s", name, name, name)
	} else if err == nil && CredentialOf(pr.AuthMethod) == CredCert {
		return Profile{}, fmt.Errorf("%q authenticates with a client certificate, not a secret: rotate it with oat rotate %s < new.pem (the new certificate and its key)", name, name)
	}
	if err := CheckSecret(secret); err != nil {
		return Profile{}, err
	}
	p, err := v.Recover(ctx, name)
	if err != nil {
		return Profile{}, err
	}
	if _, ok, err := v.optional(ctx, previousKey(p.ID)); err != nil {
		return Profile{}, err
	} else if ok {
		return Profile{}, fmt.Errorf("%q: %w (fingerprint %s); check it is revoked (oat rotate %s --check-old) or drop it first", name, ErrPreviousPending, p.PreviousFingerprint, name)
	}
	active, err := v.Secret(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	if active == secret {
		return Profile{}, &FieldError{Field: "client_secret", Problem: "this secret is the one in use already: paste the new one the provider issued"}
	}
	if err := v.Secrets.Set(ctx, stagedKey(p.ID), secret); err != nil {
		return Profile{}, fmt.Errorf("stage the new secret of %q: %w", name, err)
	}
	return p, nil
}

// StagedSecret returns the staged secret, to try it before promoting it.
func (v *Vault) StagedSecret(ctx context.Context, p Profile) (string, error) {
	s, err := v.Secrets.Get(ctx, stagedKey(p.ID))
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("%q: %w", p.Name, ErrNothingStaged)
	}
	return s, err
}

// DiscardStaged forgets a staged secret that did not work. The active one is untouched.
func (v *Vault) DiscardStaged(ctx context.Context, p Profile) error {
	return v.Secrets.Delete(ctx, stagedKey(p.ID))
}

// Promote makes the staged secret active and keeps the old one aside.
func (v *Vault) Promote(ctx context.Context, name string) (Profile, error) {
	p, err := v.Get(name)
	if err != nil {
		return Profile{}, err
	}
	if CredentialOf(p.AuthMethod) == CredCert {
		return v.promoteCert(ctx, p)
	}
	staged, err := v.StagedSecret(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	old, err := v.Secret(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	if err := v.Secrets.Set(ctx, previousKey(p.ID), old); err != nil {
		return Profile{}, fmt.Errorf("keep the old secret of %q aside: %w (nothing changed; the old secret is still active)", name, err)
	}
	if err := v.Secrets.Set(ctx, secretKey(p.ID), staged); err != nil {
		return Profile{}, fmt.Errorf("activate the new secret of %q: %w (the old secret is still active)", name, err)
	}
	return v.finishPromote(ctx, p, staged, old)
}

func (v *Vault) finishPromote(ctx context.Context, p Profile, active, previous string) (Profile, error) {
	now := v.Now().UTC().Truncate(time.Second)
	np, err := v.editByID(ctx, p.ID, func(q *Profile) {
		q.SecretFingerprint, q.SecretSetAt, q.PreviousFingerprint = Fingerprint(active), now, Fingerprint(previous)
		describeKeys(q, active, previous)
	})
	if err != nil {
		return Profile{}, fmt.Errorf("record the rotation of %q: %w (the new secret is active; run the command again to finish)", p.Name, err)
	}
	_ = v.Secrets.Delete(ctx, tokenKey(p.ID)) // the token was issued for the old secret
	_ = v.State.Update(ctx, p.ID, func(s *TokenState) { *s = TokenState{} })
	if err := v.Secrets.Delete(ctx, stagedKey(p.ID)); err != nil {
		return np, fmt.Errorf("clear the staged copy of %q: %w (the new secret is active)", p.Name, err)
	}
	return np, nil
}

// PreviousSecret returns the old secret kept aside after a promotion, for checking that
// the provider has revoked it. It is never meant for display.
func (v *Vault) PreviousSecret(ctx context.Context, p Profile) (string, error) {
	s, err := v.Secrets.Get(ctx, previousKey(p.ID))
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("%q: %w", p.Name, ErrNoPrevious)
	}
	return s, err
}

// DropPrevious deletes the old secret (once the provider rejects it).
func (v *Vault) DropPrevious(ctx context.Context, name string) (Profile, error) {
	p, err := v.Get(name)
	if err != nil {
		return Profile{}, err
	}
	if _, kept, err := v.optional(ctx, previousKey(p.ID)); err != nil {
		return Profile{}, err
	} else if !kept && p.PreviousFingerprint == "" {
		return Profile{}, fmt.Errorf("%q: %w: there is nothing to drop", name, ErrNoPrevious)
	}
	if err := v.Secrets.Delete(ctx, previousKey(p.ID)); err != nil {
		return Profile{}, fmt.Errorf("drop the old secret of %q: %w", name, err)
	}
	return v.editByID(ctx, p.ID, func(q *Profile) { q.PreviousFingerprint, q.PreviousKeyThumbprint, q.PreviousKeyID = "", "", "" })
}

// RollBack makes the previous secret active again and forgets the newer one.
func (v *Vault) RollBack(ctx context.Context, name string) (Profile, error) {
	p, err := v.Get(name)
	if err != nil {
		return Profile{}, err
	}
	if CredentialOf(p.AuthMethod) == CredCert {
		return v.rollBackCert(ctx, p)
	}
	prev, err := v.PreviousSecret(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	if err := v.Secrets.Set(ctx, secretKey(p.ID), prev); err != nil {
		return Profile{}, fmt.Errorf("restore the old secret of %q: %w (the new secret is still active)", name, err)
	}
	now := v.Now().UTC().Truncate(time.Second)
	np, err := v.editByID(ctx, p.ID, func(q *Profile) {
		q.SecretFingerprint, q.SecretSetAt, q.PreviousFingerprint = Fingerprint(prev), now, ""
		describeKeys(q, prev, "")
	})
	if err != nil {
		return Profile{}, err
	}
	_ = v.Secrets.Delete(ctx, tokenKey(p.ID))
	_ = v.State.Update(ctx, p.ID, func(s *TokenState) { *s = TokenState{} })
	if err := v.Secrets.Delete(ctx, previousKey(p.ID)); err != nil {
		return np, fmt.Errorf("clear the kept copy of %q: %w (the old secret is active)", name, err)
	}
	return np, nil
}

// Recover reconciles a profile's secret keys after an interrupted step, using only what
// the store holds: a staged copy equal to the active secret means the promotion got that
// far and is finished; a previous copy equal to the active secret is a leftover (of an
// early-interrupted promotion or a rollback) and is removed; the profile's fingerprint is
// made to describe the active secret.
func (v *Vault) Recover(ctx context.Context, name string) (Profile, error) {
	p, err := v.Get(name)
	if err != nil {
		return Profile{}, err
	}
	if CredentialOf(p.AuthMethod) == CredCert {
		return v.recoverCert(ctx, p)
	}
	active, err := v.Secret(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	staged, hasStaged, prev, hasPrev, err := v.rotationSlots(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	if hasStaged && staged == active && hasPrev && prev != active {
		return v.finishPromote(ctx, p, active, prev)
	}
	if hasPrev && prev == active {
		if err := v.Secrets.Delete(ctx, previousKey(p.ID)); err != nil {
			return Profile{}, err
		}
		hasPrev = false
	}
	if hasStaged && staged == active {
		if err := v.Secrets.Delete(ctx, stagedKey(p.ID)); err != nil {
			return Profile{}, err
		}
	}
	fp, pfp := Fingerprint(active), ""
	if !hasPrev {
		prev = ""
	} else {
		pfp = Fingerprint(prev)
	}
	described := p
	describeKeys(&described, active, prev)
	if p.SecretFingerprint != fp || p.PreviousFingerprint != pfp || described.KeyThumbprint != p.KeyThumbprint || described.PreviousKeyThumbprint != p.PreviousKeyThumbprint ||
		described.KeyID != p.KeyID || described.ClientCert != p.ClientCert || described.PreviousKeyID != p.PreviousKeyID {
		return v.editByID(ctx, p.ID, func(q *Profile) {
			if q.SecretFingerprint != fp {
				q.SecretFingerprint, q.SecretSetAt = fp, v.Now().UTC().Truncate(time.Second)
			}
			q.PreviousFingerprint = pfp
			describeKeys(q, active, prev)
		})
	}
	return p, nil
}

// rotationSlots reads p's staged credential and the previous one kept aside, each
// with whether it is there.
func (v *Vault) rotationSlots(ctx context.Context, p Profile) (staged string, hasStaged bool, prev string, hasPrev bool, err error) {
	if staged, hasStaged, err = v.optional(ctx, stagedKey(p.ID)); err != nil {
		return "", false, "", false, err
	}
	if prev, hasPrev, err = v.optional(ctx, previousKey(p.ID)); err != nil {
		return "", false, "", false, err
	}
	return staged, hasStaged, prev, hasPrev, nil
}
