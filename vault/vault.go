package vault

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/oatcli/oat/oauth"
)

// DefaultRotationPolicy is how old a secret may get before oat flags it.
const DefaultRotationPolicy = 90 * 24 * time.Hour

// Vault ties the profiles file, the token state file and a secret store together. It is
// safe to use from several goroutines and several processes.
type Vault struct {
	Dir      string
	Profiles *ProfilesFile
	State    *StateFile
	Secrets  SecretStore
	// Tokens keeps cached tokens where reading is cheap (DefaultTokenCache: the kernel
	// keyring); nil (as Open leaves it): the secret store keeps them.
	Tokens TokenCache
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// RotationPolicy is the secret age after which a profile is overdue.
	RotationPolicy time.Duration
}

// Open returns a vault on the files in dir using store for secrets.
func Open(dir string, store SecretStore) *Vault {
	v := &Vault{
		Dir:            dir,
		Profiles:       &ProfilesFile{Path: filepath.Join(dir, "profiles.toml")},
		State:          &StateFile{Path: filepath.Join(dir, "state.toml")},
		Secrets:        store,
		Now:            time.Now,
		RotationPolicy: DefaultRotationPolicy,
	}
	v.State.now = func() time.Time { return v.Now() } // names a state file set aside
	return v
}

// The keys under which a profile's values live in the secret store.
func secretKey(id string) string   { return id + "/secret" }
func stagedKey(id string) string   { return id + "/secret.staged" }
func previousKey(id string) string { return id + "/secret.previous" }
func tokenKey(id string) string    { return id + "/token" }

// List returns every profile, reading no secret.
func (v *Vault) List() ([]Profile, error) { return v.Profiles.Load() }

// Get returns the profile called name.
func (v *Vault) Get(name string) (Profile, error) {
	ps, err := v.Profiles.Load()
	if err != nil {
		return Profile{}, err
	}
	i := Find(ps, name)
	if i < 0 {
		return Profile{}, fmt.Errorf("%w %q (see `oat ls`)", ErrProfileNotFound, name)
	}
	return ps[i], nil
}

// Add validates p, stores secret, then writes the profile. If the profile cannot be
// written the secret is removed again, so nothing is left half-added.
func (v *Vault) Add(ctx context.Context, p Profile, secret string) (Profile, error) {
	secret, err := prepareCredential(&p, secret)
	if err != nil {
		return Profile{}, err
	}
	now := v.Now().UTC().Truncate(time.Second)
	p.ID = NewID()
	if p.CreatedAt.IsZero() {
		p.CreatedAt = now
	}
	p.SecretFingerprint = Fingerprint(secret)
	p.SecretSetAt = now
	p.PreviousFingerprint = ""
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	if err := CheckCAFile(p.CAFile); err != nil {
		return Profile{}, invalid(p.Name, []error{err})
	}
	err = v.inflight(ctx, false, func() error {
		// The new ID is recorded as pending before its secret exists: if oat is killed
		// between storing the secret and writing the profile, `oat check` finds the orphan
		// under this ID (a keyring cannot list its entries).
		err := v.Profiles.updateDoc(ctx, func(d *profilesDoc) error {
			if Find(d.Profiles, p.Name) >= 0 {
				return fmt.Errorf("%w: %q", ErrProfileExists, p.Name)
			}
			d.Pending = append(d.Pending, p.ID)
			return nil
		})
		if err != nil {
			return err
		}
		bg := context.WithoutCancel(ctx)
		if err := v.Secrets.Set(ctx, secretKey(p.ID), secret); err != nil {
			_ = v.forgetPending(bg, p.ID)
			return fmt.Errorf("store the secret of %q: %w", p.Name, err)
		}
		// The profile, and the end of its pending state, in one write.
		err = v.Profiles.updateDoc(ctx, func(d *profilesDoc) error {
			if Find(d.Profiles, p.Name) >= 0 {
				return fmt.Errorf("%w: %q", ErrProfileExists, p.Name)
			}
			d.Profiles = append(d.Profiles, p)
			d.Pending = withoutID(d.Pending, p.ID)
			return nil
		})
		if err != nil {
			if v.Secrets.Delete(bg, secretKey(p.ID)) == nil {
				_ = v.forgetPending(bg, p.ID)
			}
			return err
		}
		return nil
	})
	if err != nil {
		return Profile{}, err
	}
	return p, nil
}

// Edit changes the profile called name through fn. The ID, the secret bookkeeping and
// the creation time cannot be changed this way.
func (v *Vault) Edit(ctx context.Context, name string, fn func(*Profile) error) (Profile, error) {
	return v.EditBefore(ctx, name, "", fn)
}

// EditBefore is Edit ahead of ReplaceSecret with secret ("" for none): what the edit
// makes of the secret (client_secret_jwt keys HS256 with it) is checked on the one
// about to be stored, not the one it replaces.
func (v *Vault) EditBefore(ctx context.Context, name, secret string, fn func(*Profile) error) (Profile, error) {
	return v.editWhere(ctx, func(ps []Profile) int { return Find(ps, name) },
		fmt.Errorf("%w %q", ErrProfileNotFound, name), secret, fn)
}

// editWhere changes the profile at the index find gives (-1: notFound) through fn,
// keeping what fn may not change.
func (v *Vault) editWhere(ctx context.Context, find func([]Profile) int, notFound error, newSecret string, fn func(*Profile) error) (Profile, error) {
	var out Profile
	var requestChanged bool
	err := v.Profiles.Update(ctx, func(ps *[]Profile) error {
		i := find(*ps)
		if i < 0 {
			return notFound
		}
		p := (*ps)[i]
		keep := p
		if err := fn(&p); err != nil {
			return err
		}
		p.ID, p.CreatedAt = keep.ID, keep.CreatedAt
		p.SecretFingerprint, p.SecretSetAt, p.PreviousFingerprint = keep.SecretFingerprint, keep.SecretSetAt, keep.PreviousFingerprint
		p.KeyThumbprint, p.PreviousKeyThumbprint, p.ClientCert, p.KeyID = keep.KeyThumbprint, keep.PreviousKeyThumbprint, keep.ClientCert, keep.KeyID
		p.PreviousKeyID = keep.PreviousKeyID
		if from, to := CredentialOf(keep.AuthMethod), CredentialOf(p.AuthMethod); from != to {
			// The stored credential is a key, a certificate's key or a secret: the method
			// changes with it.
			orKeygen := ""
			if p.AuthMethod == oauth.AuthPrivateKeyJWT {
				orKeygen = fmt.Sprintf(" (or make a new key: oat keygen %s --replace)", keep.Name)
			}
			return fmt.Errorf("%w %q: auth_method %s → %s changes what is stored (%s, not %s): use oat edit %s --auth %s --replace-secret with the new one on stdin%s",
				ErrInvalidProfile, keep.Name, keep.AuthMethod, p.AuthMethod, to, from, keep.Name, p.AuthMethod, orKeygen)
		}
		if p.AuthMethod == oauth.AuthClientSecretJWT && keep.AuthMethod != oauth.AuthClientSecretJWT {
			// The secret stays, and now keys HS256: it must be long enough for that
			// (RFC 7518 §3.2), as it must when added so.
			sec, err := newSecret, error(nil)
			if sec == "" {
				sec, err = v.Secret(ctx, keep)
			}
			if err == nil {
				if err := CheckCredential(p.AuthMethod, sec); err != nil {
					return fmt.Errorf("%w %q: %w (give a longer secret with the change)", ErrInvalidProfile, keep.Name, err)
				}
			}
		}
		errs := p.settingErrors(&keep)
		if p.CAFile != keep.CAFile {
			if err := CheckCAFile(p.CAFile); err != nil {
				errs = append(errs, err)
			}
		}
		if err := invalid(p.Name, errs); err != nil {
			return err
		}
		requestChanged = !SameTokenRequest(keep, p)
		(*ps)[i] = p
		out = p
		return nil
	})
	if err == nil && requestChanged {
		// The last fetch error was about the request as it was (a CA file since fixed):
		// it says nothing of the profile now, and would stay on the main screen until
		// the next fetch. A cache: failing to clear it does not fail the edit.
		_ = v.State.Update(ctx, out.ID, func(s *TokenState) { s.LastError, s.LastErrorAt = "", time.Time{} })
	}
	return out, err
}

// SameTokenRequest says whether profiles a and b make the same token request (what a
// fetch error was about).
func SameTokenRequest(a, b Profile) bool {
	return a.TokenURL == b.TokenURL && a.ClientID == b.ClientID && sameStrings(a.Scopes, b.Scopes) && a.Audience == b.Audience &&
		a.Resource == b.Resource && sameMap(a.ExtraParams, b.ExtraParams) && a.AuthMethod == b.AuthMethod &&
		a.BasicEncoding == b.BasicEncoding && a.CAFile == b.CAFile && a.InsecureHTTP == b.InsecureHTTP &&
		a.KeyAlg == b.KeyAlg && a.AssertionAudience == b.AssertionAudience && a.ClientCert == b.ClientCert && a.KeyID == b.KeyID
}

// Replace puts a new profile (with its secret) in the place of the one called name, so
// that a failure loses neither: the new one is added under a temporary name first, the
// old one removed only then, and the new one renamed last.
func (v *Vault) Replace(ctx context.Context, name string, p Profile, secret string) (Profile, error) {
	if _, err := v.Get(name); err != nil {
		return Profile{}, err
	}
	p.Name = name
	if err := p.Validate(); err != nil {
		return Profile{}, err
	}
	tmp := p
	tmp.Name = "new-" + NewID() // 20 characters: a valid name whatever name is
	added, err := v.Add(ctx, tmp, secret)
	if err != nil {
		return Profile{}, err
	}
	if err := v.Remove(ctx, name); err != nil {
		_ = v.Remove(context.WithoutCancel(ctx), added.Name)
		return Profile{}, fmt.Errorf("replace %q: %w (nothing changed)", name, err)
	}
	out, err := v.Edit(ctx, added.Name, func(q *Profile) error { q.Name = name; return nil })
	if err != nil {
		return Profile{}, fmt.Errorf("replace %q: the new profile is saved as %q but could not take the name: %w", name, added.Name, err)
	}
	return out, nil
}

// Remove deletes the profile, then its secrets, cached token and token record, in an
// order where a kill at any point leaves nothing half-done that matters. The profile
// goes, and its ID is recorded as pending, in one write: a profile never outlives its
// secret. A kill after that leaves secrets with no profile, which `oat check` reports
// (found under the pending ID) and `oat check --prune` deletes. The store must answer
// before anything changes, so an unreachable keyring leaves the profile as it was.
func (v *Vault) Remove(ctx context.Context, name string) error {
	p, err := v.Get(name)
	if err != nil {
		return err
	}
	return v.inflight(ctx, false, func() error {
		if _, err := v.Secrets.Get(ctx, secretKey(p.ID)); err != nil && !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("remove %q: %w (nothing was removed)", name, err)
		}
		err := v.Profiles.updateDoc(ctx, func(d *profilesDoc) error {
			i := slices.IndexFunc(d.Profiles, func(q Profile) bool { return q.ID == p.ID })
			if i < 0 {
				return fmt.Errorf("%w %q", ErrProfileNotFound, name)
			}
			d.Profiles = slices.Delete(d.Profiles, i, i+1)
			d.Pending = append(withoutID(d.Pending, p.ID), p.ID)
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range profileKeys(p.ID) {
			if err := v.Secrets.Delete(ctx, k); err != nil {
				return fmt.Errorf("removed profile %q, but some of its secrets are still in the store (oat check lists them, oat check --prune deletes them): %w", name, err)
			}
		}
		v.dropCachedToken(p.ID)
		if err := v.State.Update(ctx, p.ID, func(s *TokenState) { *s = TokenState{} }); err != nil {
			return fmt.Errorf("removed profile %q and its secrets, but not its token record: %w", name, err)
		}
		_ = v.ForgetRequests(ctx, p.ID) // a cache: a failure here leaves only dead entries
		return v.forgetPending(ctx, p.ID)
	})
}

// Secret returns the active client secret of p.
func (v *Vault) Secret(ctx context.Context, p Profile) (string, error) {
	s, err := v.Secrets.Get(ctx, secretKey(p.ID))
	if err != nil {
		return "", fmt.Errorf("secret of %q: %w", p.Name, err)
	}
	return s, nil
}

// ReplaceSecret overwrites the active secret without keeping the old one (for fixing a
// mistyped secret; rotation keeps the old one aside instead).
func (v *Vault) ReplaceSecret(ctx context.Context, name, secret string) (Profile, error) {
	return v.ReplaceCredential(ctx, name, "", secret)
}

// ReplaceCredential is ReplaceSecret that may also change the auth method (auth ""
// keeps it), for moving between a client secret and a private key: the credential is
// checked for the method, stored, and only then the profile says the new method.
func (v *Vault) ReplaceCredential(ctx context.Context, name string, auth oauth.AuthMethod, secret string) (Profile, error) {
	return v.replaceCredential(ctx, name, auth, nil, secret)
}

// SetKey makes the profile called name sign client assertions (private_key_jwt) with
// the private key pemOrJWK, using alg ("" = the key's default, or what the server
// allows). Whatever credential it had is replaced; nothing is kept aside.
func (v *Vault) SetKey(ctx context.Context, name, pemOrJWK, alg string) (Profile, error) {
	return v.replaceCredential(ctx, name, oauth.AuthPrivateKeyJWT, &alg, pemOrJWK)
}

func (v *Vault) replaceCredential(ctx context.Context, name string, auth oauth.AuthMethod, alg *string, secret string) (Profile, error) {
	p, err := v.Get(name)
	if err != nil {
		return Profile{}, err
	}
	q := p
	if auth != "" {
		q.SetAuthMethod(auth)
	}
	if alg != nil {
		q.KeyAlg = *alg
	}
	if secret, err = prepareCredential(&q, secret); err != nil {
		return Profile{}, err
	}
	if err := q.Validate(); err != nil {
		return Profile{}, err
	}
	if err := v.Secrets.Set(ctx, secretKey(p.ID), secret); err != nil {
		return Profile{}, fmt.Errorf("store the secret of %q: %w", name, err)
	}
	_ = v.Secrets.Delete(ctx, tokenKey(p.ID)) // a token from another secret is stale
	v.dropCachedToken(p.ID)
	_ = v.State.Update(ctx, p.ID, func(s *TokenState) { *s = TokenState{} })
	now := v.Now().UTC().Truncate(time.Second)
	return v.editByID(ctx, p.ID, func(p *Profile) {
		p.SecretFingerprint, p.SecretSetAt = Fingerprint(secret), now
		p.AuthMethod, p.DetectedAuth, p.KeyAlg, p.KeyThumbprint = q.AuthMethod, q.DetectedAuth, q.KeyAlg, q.KeyThumbprint
		p.ClientCert, p.KeyID = q.ClientCert, q.KeyID
	})
}

// prepareCredential checks cred for p's auth method and returns what the store keeps:
// the secret as it is, the private key as PKCS#8 PEM with p's thumbprint and algorithm
// set from it, or a client certificate's key as PKCS#8 PEM with p's chain set from it.
func prepareCredential(p *Profile, cred string) (string, error) {
	if CredentialOf(p.AuthMethod) == CredCert {
		p.KeyThumbprint, p.KeyAlg, p.KeyID = "", "", ""
		key, err := prepareCert(p, cred)
		if err != nil {
			return "", invalid(p.Name, []error{err})
		}
		return key, nil
	}
	p.ClientCert, p.KeyID = "", ""
	if p.AuthMethod != oauth.AuthPrivateKeyJWT {
		p.KeyThumbprint, p.KeyAlg = "", ""
		if err := CheckCredential(p.AuthMethod, cred); err != nil {
			if p.AuthMethod == oauth.AuthClientSecretJWT && CheckSecret(cred) == nil {
				return "", invalid(p.Name, []error{err})
			}
			return "", err
		}
		return cred, nil
	}
	k, err := PrepareClientKey(*p, cred)
	if err != nil {
		return "", invalid(p.Name, []error{err})
	}
	p.KeyThumbprint, p.KeyAlg, p.KeyID, p.ClientCert = k.Thumbprint, k.Alg, k.KeyID, k.Cert
	return k.PEM, nil
}

// editByID changes the profile with the given ID under the file lock.
// EditByID is Edit for the profile with ID id, whatever it is called now: a screen that
// opened a profile keeps editing it after another oat renamed it.
func (v *Vault) EditByID(ctx context.Context, id string, fn func(*Profile) error) (Profile, error) {
	return v.EditByIDBefore(ctx, id, "", fn)
}

// EditByIDBefore is EditByID ahead of ReplaceSecret with secret (see EditBefore).
func (v *Vault) EditByIDBefore(ctx context.Context, id, secret string, fn func(*Profile) error) (Profile, error) {
	byID := func(ps []Profile) int {
		for i := range ps {
			if ps[i].ID == id {
				return i
			}
		}
		return -1
	}
	return v.editWhere(ctx, byID, fmt.Errorf("%w: it was removed since this screen opened it", ErrProfileNotFound), secret, fn)
}

func (v *Vault) editByID(ctx context.Context, id string, fn func(*Profile)) (Profile, error) {
	var out Profile
	err := v.Profiles.Update(ctx, func(ps *[]Profile) error {
		for i := range *ps {
			if (*ps)[i].ID == id {
				fn(&(*ps)[i])
				out = (*ps)[i]
				return nil
			}
		}
		return fmt.Errorf("%w (id %s)", ErrProfileNotFound, id)
	})
	return out, err
}

// SecretAge is how long ago the active secret was set or rotated.
func (v *Vault) SecretAge(p Profile) time.Duration {
	if p.SecretSetAt.IsZero() {
		return 0
	}
	return v.Now().Sub(p.SecretSetAt)
}

// Overdue says whether p's secret is older than the rotation policy.
func (v *Vault) Overdue(p Profile) bool {
	policy := v.RotationPolicy
	if policy <= 0 {
		policy = DefaultRotationPolicy
	}
	return !p.SecretSetAt.IsZero() && v.SecretAge(p) > policy
}

// IsNotFound reports whether err means a missing profile or store value.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, ErrProfileNotFound)
}
