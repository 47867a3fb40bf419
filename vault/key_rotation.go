package vault

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"path/filepath"
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
			if m.Alg != "" {
				if a, err := oauth.ChooseAlg(m.Key, m.Alg, q.SigningAlgs); err == nil {
					q.KeyAlg = a // the algorithm the key was staged for
				}
			}
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
	q.KeyAlg = got
	ck, err := PrepareClientKey(q, cred)
	if err != nil {
		return Profile{}, StagedKey{}, err
	}
	if keyAlgFor(p, key) != got {
		// An algorithm the key allows but the profile does not use (PS256 on an RS256
		// profile): kept with the staged key, the profile takes it when it is promoted.
		m.Alg = got
		if ck.PEM, err = m.Marshal(); err != nil {
			return Profile{}, StagedKey{}, err
		}
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
		// A CN oat cannot put in a certificate (none: the name in a SAN; too long; control
		// characters) gives the default subject: the provider registers the certificate by
		// its thumbprint, not its subject, and the rotation must not stop on it.
		cn := info.CommonName
		if oauth.CheckCertCN(cn) != nil {
			cn = DefaultCertSubject(p.Name)
		}
		cert = &CertRequest{Subject: cn, Days: max(1, min(days, 3650)), Now: v.Now()}
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

// StagedAlreadyError refuses to stage a key over one staged earlier: that one was shown
// once and may be registered at the provider by now.
type StagedAlreadyError struct {
	Name       string
	Thumbprint string
}

func (e *StagedAlreadyError) Error() string {
	return fmt.Sprintf("a new key is staged for %s already (thumbprint %s)", oauth.OneLine(e.Name), oauth.OneLine(e.Thumbprint))
}

// StageKeyIfNone is StageKey refusing with *StagedAlreadyError when a key is staged
// (see ifNoneStaged).
func (v *Vault) StageKeyIfNone(ctx context.Context, name, cred, alg string) (Profile, StagedKey, error) {
	return v.ifNoneStaged(ctx, name, func() (Profile, StagedKey, error) { return v.StageKey(ctx, name, cred, alg) })
}

// GenerateStagedKeyIfNone is GenerateStagedKey refusing with *StagedAlreadyError when
// a key is staged.
func (v *Vault) GenerateStagedKeyIfNone(ctx context.Context, name, alg string) (Profile, StagedKey, error) {
	return v.GenerateStagedKeyCertIfNone(ctx, name, alg, nil)
}

// GenerateStagedKeyCertIfNone is GenerateStagedKeyCert refusing with
// *StagedAlreadyError when a key is staged.
func (v *Vault) GenerateStagedKeyCertIfNone(ctx context.Context, name, alg string, cert *CertRequest) (Profile, StagedKey, error) {
	return v.ifNoneStaged(ctx, name, func() (Profile, StagedKey, error) { return v.GenerateStagedKeyCert(ctx, name, alg, cert) })
}

// ifNoneStaged runs stage unless a key is staged for the profile called name, the check
// and the staging under one cross-process lock: two oat processes rotating the same
// profile at once each checked, found nothing staged, and staged a key of their own,
// both shown once as "staged" while the store kept one of them.
func (v *Vault) ifNoneStaged(ctx context.Context, name string, stage func() (Profile, StagedKey, error)) (p Profile, sk StagedKey, err error) {
	lerr := withLock(ctx, filepath.Join(v.Dir, "staging"), func() error {
		cur, err := v.Get(name)
		if err != nil {
			return err
		}
		if staged, err := v.StagedKeyOf(ctx, cur); err == nil {
			return &StagedAlreadyError{Name: cur.Name, Thumbprint: staged.Key.Thumbprint}
		}
		p, sk, err = stage()
		return err
	})
	if lerr != nil {
		return Profile{}, StagedKey{}, lerr
	}
	return p, sk, nil
}

// StagedPendingError is the refusal of a profile's active key or certificate while a
// new one is staged: a rotation cut off after the new one got its token and before it
// became active leaves the provider retiring the old one (some do on the new one's
// first use) and the one that works staged. It is Err with that said, and what to run.
type StagedPendingError struct {
	Err error
	// Name is the profile's; Kind "key" or "certificate"; Thumbprint the staged one's.
	Name, Kind, Thumbprint string
}

func (e *StagedPendingError) Error() string { return fmt.Sprintf("%v\n  hint: %s", e.Err, e.Hint()) }

// Hint is what to do: the advice that matters most here, before the refusal's own.
func (e *StagedPendingError) Hint() string {
	n := oauth.OneLine(e.Name)
	return fmt.Sprintf("a new %s is staged for %s (%s), from a rotation that did not finish: if the provider accepts it, oat rotate %s --continue makes it active",
		e.Kind, n, oauth.OneLine(e.Thumbprint), n)
}

func (e *StagedPendingError) Unwrap() error { return e.Err }

// stagedPending is err as a *StagedPendingError when it is the provider refusing p's
// credentials (invalid_client, or its client certificate in the handshake) and p, a key
// or certificate profile, has a new one staged; else err.
func (v *Vault) stagedPending(ctx context.Context, p Profile, err error) error {
	var oe *oauth.OAuthError
	var ce *oauth.CertificateRejectedError
	if !(errors.As(err, &oe) && oe.Code == "invalid_client") && !errors.As(err, &ce) {
		return err
	}
	switch CredentialOf(p.AuthMethod) {
	case CredKey:
		if sk, serr := v.StagedKeyOf(ctx, p); serr == nil {
			return &StagedPendingError{Err: err, Name: p.Name, Kind: "key", Thumbprint: "thumbprint " + sk.Key.Thumbprint}
		}
	case CredCert:
		if sc, serr := v.StagedCertOf(ctx, p); serr == nil {
			return &StagedPendingError{Err: err, Name: p.Name, Kind: "certificate", Thumbprint: "x5t#S256 " + sc.Info.Thumbprint}
		}
	}
	return err
}
