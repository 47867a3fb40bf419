package vault

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"

	"github.com/oatcli/oat/oauth"
)

// Key rotation is secret rotation (see rotation.go) with a private key in the slots:
// the new key is staged under <id>/staged, the old one kept under <id>/previous, the
// active one under <id>/secret, so the same crash recovery, rollback and checks apply.
// What differs: the provider must learn the new public key before a token can be
// fetched with it, so staging and trying are two steps (StageKey, then
// Broker.RotateStagedKey once the user registered it), and a staged key that fails to
// get a token is kept staged, not discarded — the user registered it and retries.
//
// The profile names the old key twice: PreviousFingerprint is the fingerprint of its
// stored PEM, as for secrets (Recover, DropPrevious and the shared-client checks
// compare it with the store), and PreviousKeyThumbprint its RFC 7638 thumbprint, the
// kid the user finds at the provider to revoke.

// ErrNotAKeyProfile means a key rotation was asked for a profile that does not sign
// with a private key.
var ErrNotAKeyProfile = errors.New("does not sign with a private key (private_key_jwt)")

// keyAlgFor is the algorithm p signs with when key is its key: p's own when the key
// can sign with it, else what the key and the server allow.
func keyAlgFor(p Profile, key crypto.Signer) string {
	pref := p.KeyAlg
	if !slices.Contains(oauth.KeyAlgs(key), pref) {
		pref = ""
	}
	alg, err := oauth.ChooseAlg(key, pref, p.SigningAlgs)
	if err != nil {
		return p.KeyAlg
	}
	return alg
}

// describeKeys sets a key profile's thumbprints and algorithm from its active key
// and the key kept aside (prev, "" for none). Other profiles are left alone.
func describeKeys(q *Profile, active, prev string) {
	if q.AuthMethod != oauth.AuthPrivateKeyJWT {
		return
	}
	if m, err := oauth.ParseKeyMaterial([]byte(active)); err == nil {
		if tp, err := oauth.Thumbprint(m.Key.Public()); err == nil {
			q.KeyThumbprint, q.KeyAlg = tp, keyAlgFor(*q, m.Key)
			q.KeyID, q.ClientCert = m.KeyID, m.ChainPEM()
		}
	}
	q.PreviousKeyThumbprint, q.PreviousKeyID = "", ""
	if prev == "" {
		return
	}
	if m, err := oauth.ParseKeyMaterial([]byte(prev)); err == nil {
		if tp, err := oauth.Thumbprint(m.Key.Public()); err == nil {
			q.PreviousKeyThumbprint, q.PreviousKeyID = tp, m.KeyID
		}
	}
}

// KidOf is the kid the provider knows a key by: its own (kid) when it has one, else its
// thumbprint.
func KidOf(thumbprint, kid string) string {
	if kid != "" {
		return kid
	}
	return thumbprint
}

// StagedKey is a key staged for rotation, with what to register at the provider.
type StagedKey struct {
	Key  ClientKey
	Docs oauth.PublicKeyDocs
}

// StageKey stages a new private key (PEM or JWK) for the private_key_jwt profile called
// name, beside the active one, and returns what the provider must register. alg ("")
// keeps the profile's algorithm when the key can sign with it. Like StageSecret it
// refuses while the previous rotation's old key is still kept aside. A key staged
// before and never promoted is replaced.
func (v *Vault) StageKey(ctx context.Context, name, cred, alg string) (Profile, StagedKey, error) {
	p, err := v.Recover(ctx, name)
	if err != nil {
		return Profile{}, StagedKey{}, err
	}
	if p.AuthMethod != oauth.AuthPrivateKeyJWT {
		return Profile{}, StagedKey{}, fmt.Errorf("%q %w: rotate its secret with oat rotate %s", name, ErrNotAKeyProfile, name)
	}
	if _, ok, err := v.optional(ctx, previousKey(p.ID)); err != nil {
		return Profile{}, StagedKey{}, err
	} else if ok {
		return Profile{}, StagedKey{}, fmt.Errorf("%q: the previous key is still kept aside (thumbprint %s); check it is revoked (oat rotate %s --check-old) or drop it first", name, p.PreviousKeyThumbprint, name)
	}
	m, err := oauth.ParseKeyMaterial([]byte(cred))
	if err != nil {
		return Profile{}, StagedKey{}, &FieldError{Field: "private_key", Problem: err.Error()}
	}
	key := m.Key
	q := p
	if alg != "" {
		q.KeyAlg = alg
	}
	got := keyAlgFor(q, key)
	if alg != "" && got != alg {
		return Profile{}, StagedKey{}, &FieldError{Field: "key_alg", Problem: fmt.Sprintf("the new key cannot sign with %s here (it would sign with %s)", oauth.OneLine(alg), got)}
	}
	if alg != "" && alg != p.KeyAlg && keyAlgFor(p, key) != alg {
		// Only the key is staged: its algorithm follows from it and the profile when it
		// is promoted, so an algorithm the key allows but the profile does not use (PS256
		// on an RS256 profile) cannot be carried across the two steps.
		return Profile{}, StagedKey{}, &FieldError{Field: "key_alg", Problem: fmt.Sprintf("a rotated key signs with what the profile's algorithm (%s) and the key allow, here %s; rotate with --key-alg %s, then change it with oat edit %s --key-alg %s", p.KeyAlg, keyAlgFor(p, key), keyAlgFor(p, key), name, oauth.OneLine(alg))}
	}
	q.KeyAlg = got
	ck, err := PrepareClientKey(q, cred)
	if err != nil {
		return Profile{}, StagedKey{}, err
	}
	if ck.Thumbprint == p.KeyThumbprint {
		return Profile{}, StagedKey{}, &FieldError{Field: "private_key", Problem: "this key is the one in use already: give a new one (or generate one with --keygen)"}
	}
	docs, err := m.PublicDocs(ck.Alg)
	if err != nil {
		return Profile{}, StagedKey{}, err
	}
	if err := v.Secrets.Set(ctx, stagedKey(p.ID), ck.PEM); err != nil {
		return Profile{}, StagedKey{}, fmt.Errorf("stage the new key of %q: %w (the active key is unchanged)", name, err)
	}
	return p, StagedKey{Key: ck, Docs: docs}, nil
}

// GenerateStagedKey generates a new key (alg "" = the profile's algorithm, see
// KeyGenAlgFor) and stages it (see StageKey).
func (v *Vault) GenerateStagedKey(ctx context.Context, name, alg string) (Profile, StagedKey, error) {
	return v.GenerateStagedKeyCert(ctx, name, alg, nil)
}

// GenerateStagedKeyCert is GenerateStagedKey with a self-signed certificate for the new
// key as cert asks (nil: one like the active key's certificate, if it has one): how a
// key profile comes to register a certificate (Entra ID) with a check.
func (v *Vault) GenerateStagedKeyCert(ctx context.Context, name, alg string, cert *CertRequest) (Profile, StagedKey, error) {
	p, err := v.Get(name)
	if err != nil {
		return Profile{}, StagedKey{}, err
	}
	gen := alg
	if gen == "" {
		gen = KeyGenAlgFor(p)
	}
	// A profile whose key has a certificate (registered at the provider instead of the
	// key) gets a new self-signed one for the new key, with the old one's subject and
	// validity length: the provider registers the new certificate.
	if info, ok, err := p.CertInfo(); err == nil && ok && cert == nil {
		days := int(info.NotAfter.Sub(info.NotBefore).Hours()/24 + 0.5)
		cert = &CertRequest{Subject: info.CommonName, Days: max(1, min(days, 3650)), Now: v.Now()}
	}
	k, _, err := GenerateKeyCert(gen, cert)
	if err != nil {
		return Profile{}, StagedKey{}, err
	}
	return v.StageKey(ctx, name, k.PEM, alg)
}

// StagedKeyOf returns the key staged for p's rotation, with its public documents (to
// show again what to register), or ErrNothingStaged.
func (v *Vault) StagedKeyOf(ctx context.Context, p Profile) (StagedKey, error) {
	s, err := v.StagedSecret(ctx, p)
	if err != nil {
		return StagedKey{}, err
	}
	m, err := oauth.ParseKeyMaterial([]byte(s))
	if err != nil {
		return StagedKey{}, fmt.Errorf("the staged key of %q: %w", p.Name, err)
	}
	alg := keyAlgFor(p, m.Key)
	docs, err := m.PublicDocs(alg)
	if err != nil {
		return StagedKey{}, err
	}
	return StagedKey{Key: ClientKey{PEM: s, Thumbprint: docs.Thumbprint, Alg: alg, KeyID: m.KeyID, Cert: m.ChainPEM()}, Docs: docs}, nil
}

// withKey is p signing with the key pemText (its thumbprint and algorithm), to try a
// staged or previous key.
func withKey(p Profile, pemText string) Profile {
	describeKeys(&p, pemText, "")
	return p
}
