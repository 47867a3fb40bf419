package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oatcli/oat/oauth"
)

// Certificate rotation is key rotation (key_rotation.go) for a mutual-TLS profile,
// whose credential has two halves: the certificate chain (public, in the profile) and
// its private key (in the store under <id>/secret). The staged and previous slots hold
// both halves as one text (CertificatePEM: the chain, then the key), so each slot is a
// whole credential on its own and a crash between the two writes of a promotion (the
// key in the store, the chain in the profile) is told apart from the store alone:
//
//	Stage    staged := new chain + new key                active=old staged=new
//	Promote  previous := old chain + old key; key := new  active=new previous=old
//	         key; the profile's chain := new; staged deleted
//
// Recover finishes a promotion cut off after the key was switched (the staged key is
// the active key, the old whole credential kept aside), and undoes one cut off before.
// PreviousFingerprint is the fingerprint of the previous slot's text, as for secrets;
// PreviousKeyThumbprint the old certificate's x5t#S256, what the provider knows it by.

// ErrNotACertProfile means a certificate rotation was asked for a profile that does not
// authenticate with a client certificate.
var ErrNotACertProfile = errors.New("does not authenticate with a client certificate (tls_client_auth or self_signed_tls_client_auth)")

// StagedCert is a client certificate staged for rotation: what describes it (public).
type StagedCert struct {
	Info CertInfo
}

// splitCert reads a whole credential (chain and key, one text) into the chain as the
// profile keeps it and the key as the store keeps it.
func splitCert(cred string) (chain, key string, err error) {
	cc, err := ClientCertificate(cred)
	if err != nil {
		return "", "", err
	}
	if key, err = oauth.MarshalClientKey(cc.Key); err != nil {
		return "", "", err
	}
	return cc.ChainPEM(), key, nil
}

// certThumbprint is the x5t#S256 of the leaf of a whole credential ("" if unreadable).
func certThumbprint(cred string) string {
	chain, err := oauth.ParseChainPEM([]byte(cred))
	if err != nil {
		return ""
	}
	return oauth.CertThumbprint(chain[0])
}

// describeCert describes the chain of cred (a chain, or a chain and key) for p.
func describeCert(p Profile, cred string) (CertInfo, error) {
	chain, err := oauth.ParseChainPEM([]byte(cred))
	if err != nil {
		return CertInfo{}, err
	}
	q := p
	q.ClientCert = (&oauth.ClientCertificate{Chain: chain}).ChainPEM()
	info, _, err := q.CertInfo()
	return info, err
}

// CheckNewCert says what makes info unfit to replace p's certificate at now: not valid
// yet, expired, or the very certificate p has. Each problem says what to do.
func CheckNewCert(p Profile, info CertInfo, now time.Time) error {
	const day = "2006-01-02 15:04 MST"
	switch {
	case now.Before(info.NotBefore):
		return &FieldError{Field: "client_cert", Problem: fmt.Sprintf("the new certificate %s is not valid until %s: check this machine's clock, or wait until then and rotate again", info.Subject, info.NotBefore.UTC().Format(day))}
	case !now.Before(info.NotAfter):
		return &FieldError{Field: "client_cert", Problem: fmt.Sprintf("the new certificate %s expired on %s: get a renewed one (from the CA, or make a new self-signed one) and rotate with that", info.Subject, info.NotAfter.UTC().Format(day))}
	}
	if cur, ok, err := p.CertInfo(); err == nil && ok && cur.Thumbprint == info.Thumbprint {
		return &FieldError{Field: "client_cert", Problem: fmt.Sprintf("this certificate (x5t#S256 %s) is the one in use already: give the renewed certificate and its key", info.Thumbprint)}
	}
	return nil
}

// StageCert stages a new client certificate and its key (cred: PEM, the chain and the
// key in one text, as ClientCertificate reads) for the mutual-TLS profile called name,
// beside the active one, and describes it. It refuses a key that is not the
// certificate's, a certificate not valid now, the certificate in use, and — like
// StageKey — a rotation while the previous one's old certificate is still kept aside.
// A certificate staged before and never promoted is replaced (the user still has it).
func (v *Vault) StageCert(ctx context.Context, name, cred string) (Profile, StagedCert, error) {
	p, err := v.Recover(ctx, name)
	if err != nil {
		return Profile{}, StagedCert{}, err
	}
	if CredentialOf(p.AuthMethod) != CredCert {
		return Profile{}, StagedCert{}, fmt.Errorf("%q %w", name, ErrNotACertProfile)
	}
	if _, ok, err := v.optional(ctx, previousKey(p.ID)); err != nil {
		return Profile{}, StagedCert{}, err
	} else if ok {
		return Profile{}, StagedCert{}, fmt.Errorf("%q: the previous certificate is still kept aside (x5t#S256 %s); check it is rejected (oat rotate %s --check-old) or drop it first (--drop-old)", name, p.PreviousKeyThumbprint, name)
	}
	chain, key, err := splitCert(cred)
	if err != nil {
		return Profile{}, StagedCert{}, err
	}
	info, err := describeCert(p, chain)
	if err != nil {
		return Profile{}, StagedCert{}, &FieldError{Field: "client_cert", Problem: err.Error()}
	}
	if err := CheckNewCert(p, info, v.Now()); err != nil {
		return Profile{}, StagedCert{}, err
	}
	if err := v.Secrets.Set(ctx, stagedKey(p.ID), chain+key); err != nil {
		return Profile{}, StagedCert{}, fmt.Errorf("stage the new certificate of %q: %w (the active one is unchanged)", name, err)
	}
	return p, StagedCert{Info: info}, nil
}

// StagedCertOf describes the certificate staged for p's rotation, or ErrNothingStaged.
func (v *Vault) StagedCertOf(ctx context.Context, p Profile) (StagedCert, error) {
	s, err := v.StagedSecret(ctx, p)
	if err != nil {
		return StagedCert{}, err
	}
	info, err := describeCert(p, s)
	if err != nil {
		return StagedCert{}, fmt.Errorf("the staged certificate of %q: %w", p.Name, err)
	}
	return StagedCert{Info: info}, nil
}

// PreviousCertOf describes the certificate kept aside after p's rotation (public: its
// chain only), or ErrNoPrevious.
func (v *Vault) PreviousCertOf(ctx context.Context, p Profile) (CertInfo, error) {
	s, err := v.PreviousSecret(ctx, p)
	if err != nil {
		return CertInfo{}, err
	}
	info, err := describeCert(p, s)
	if err != nil {
		return CertInfo{}, fmt.Errorf("the kept certificate of %q: %w", p.Name, err)
	}
	return info, nil
}

// activeCert is p's whole active credential: its chain and the stored key.
func (v *Vault) activeCert(ctx context.Context, p Profile) (cred, key string, err error) {
	key, err = v.Secret(ctx, p)
	if err != nil {
		return "", "", err
	}
	return p.ClientCert + key, key, nil
}

// promoteCert is Promote for a mutual-TLS profile: the old chain and key go aside as
// one text, then the new key becomes active, then the profile takes the new chain.
func (v *Vault) promoteCert(ctx context.Context, p Profile) (Profile, error) {
	staged, err := v.StagedSecret(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	chain, key, err := splitCert(staged)
	if err != nil {
		return Profile{}, fmt.Errorf("the staged certificate of %q: %w", p.Name, err)
	}
	old, _, err := v.activeCert(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	if err := v.Secrets.Set(ctx, previousKey(p.ID), old); err != nil {
		return Profile{}, fmt.Errorf("keep the old certificate of %q aside: %w (nothing changed; the old certificate is still active)", p.Name, err)
	}
	if err := v.Secrets.Set(ctx, secretKey(p.ID), key); err != nil {
		return Profile{}, fmt.Errorf("activate the new certificate of %q: %w (the old certificate is still active)", p.Name, err)
	}
	return v.finishPromoteCert(ctx, p, chain, key, old)
}

// finishPromoteCert records a certificate promotion whose key is active already: the
// profile takes the new chain and names the one kept aside.
func (v *Vault) finishPromoteCert(ctx context.Context, p Profile, chain, key, previous string) (Profile, error) {
	now := v.Now().UTC().Truncate(time.Second)
	np, err := v.editByID(ctx, p.ID, func(q *Profile) {
		q.ClientCert = chain
		q.SecretFingerprint, q.SecretSetAt, q.PreviousFingerprint = Fingerprint(key), now, Fingerprint(previous)
		q.PreviousKeyThumbprint = certThumbprint(previous)
	})
	if err != nil {
		return Profile{}, fmt.Errorf("record the rotation of %q: %w (the new key is stored; run the command again to finish)", p.Name, err)
	}
	v.dropCachedToken(p.ID) // the token was issued for (and maybe bound to) the old certificate
	_ = v.Secrets.Delete(ctx, tokenKey(p.ID))
	_ = v.State.Update(ctx, p.ID, func(s *TokenState) { *s = TokenState{} })
	if err := v.Secrets.Delete(ctx, stagedKey(p.ID)); err != nil {
		return np, fmt.Errorf("clear the staged copy of %q: %w (the new certificate is active)", p.Name, err)
	}
	return np, nil
}

// rollBackCert is RollBack for a mutual-TLS profile.
func (v *Vault) rollBackCert(ctx context.Context, p Profile) (Profile, error) {
	prev, err := v.PreviousSecret(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	chain, key, err := splitCert(prev)
	if err != nil {
		return Profile{}, fmt.Errorf("the kept certificate of %q: %w", p.Name, err)
	}
	if err := v.Secrets.Set(ctx, secretKey(p.ID), key); err != nil {
		return Profile{}, fmt.Errorf("restore the old certificate of %q: %w (the new one is still active)", p.Name, err)
	}
	now := v.Now().UTC().Truncate(time.Second)
	np, err := v.editByID(ctx, p.ID, func(q *Profile) {
		q.ClientCert = chain
		q.SecretFingerprint, q.SecretSetAt, q.PreviousFingerprint, q.PreviousKeyThumbprint = Fingerprint(key), now, "", ""
	})
	if err != nil {
		return Profile{}, err
	}
	v.dropCachedToken(p.ID)
	_ = v.Secrets.Delete(ctx, tokenKey(p.ID))
	_ = v.State.Update(ctx, p.ID, func(s *TokenState) { *s = TokenState{} })
	if err := v.Secrets.Delete(ctx, previousKey(p.ID)); err != nil {
		return np, fmt.Errorf("clear the kept copy of %q: %w (the old certificate is active)", p.Name, err)
	}
	return np, nil
}

// recoverCert is Recover for a mutual-TLS profile, judged from the store and the
// profile's chain: a staged key that is the active key with the old credential kept
// aside is a promotion to finish; a kept credential that is the active one is a
// leftover (of a promotion cut off before the key switched) and goes.
func (v *Vault) recoverCert(ctx context.Context, p Profile) (Profile, error) {
	active, key, err := v.activeCert(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	staged, hasStaged, prev, hasPrev, err := v.rotationSlots(ctx, p)
	if err != nil {
		return Profile{}, err
	}
	if hasStaged && hasPrev && prev != active {
		if chain, skey, err := splitCert(staged); err == nil && skey == key {
			return v.finishPromoteCert(ctx, p, chain, key, prev)
		}
	}
	if hasPrev && prev == active {
		if err := v.Secrets.Delete(ctx, previousKey(p.ID)); err != nil {
			return Profile{}, err
		}
		hasPrev, prev = false, ""
	}
	if hasStaged && staged == active {
		if err := v.Secrets.Delete(ctx, stagedKey(p.ID)); err != nil {
			return Profile{}, err
		}
	}
	fp, pfp, ptp := Fingerprint(key), "", ""
	if hasPrev {
		pfp, ptp = Fingerprint(prev), certThumbprint(prev)
	}
	if p.SecretFingerprint != fp || p.PreviousFingerprint != pfp || p.PreviousKeyThumbprint != ptp {
		return v.editByID(ctx, p.ID, func(q *Profile) {
			if q.SecretFingerprint != fp {
				q.SecretFingerprint, q.SecretSetAt = fp, v.Now().UTC().Truncate(time.Second)
			}
			q.PreviousFingerprint, q.PreviousKeyThumbprint = pfp, ptp
		})
	}
	return p, nil
}

// certCredential is the profile to try a whole credential (chain and key) as, and the
// key it signs the handshake with.
func certCredential(p Profile, cred string) (Profile, string, error) {
	chain, key, err := splitCert(cred)
	if err != nil {
		return Profile{}, "", err
	}
	p.ClientCert = chain
	return p, key, nil
}

// CertRegistration says what the provider must know of a new certificate for a
// profile with method m to get a token with it (subject: the certificate's).
func CertRegistration(m oauth.AuthMethod, subject string) string {
	if m == oauth.AuthSelfSignedTLS {
		return "The provider must know this certificate for the client before it issues a token: register it (its x5t#S256, or the certificate itself) beside the old one."
	}
	return "The provider accepts it when its CA is one the provider trusts and its subject (" + subject + ") is the one registered for the client."
}

// OldCertRejected says what CheckOld's "revoked" means for a certificate of a profile
// with method m.
func OldCertRejected(m oauth.AuthMethod) string {
	if m == oauth.AuthSelfSignedTLS {
		return "it is not registered for the client any more (invalid_client)"
	}
	return "the TLS server refused it in the TLS handshake (revoked, expired or no longer trusted) or the token endpoint answered invalid_client"
}

// OldCertAccepted says why an old certificate of a profile with method m is still
// accepted and what retires it (the front ends add how to check again); old describes
// it (ok false: unknown).
func OldCertAccepted(m oauth.AuthMethod, old CertInfo, ok bool) string {
	if m == oauth.AuthSelfSignedTLS {
		return fmt.Sprintf("It is still registered (self_signed_tls_client_auth knows a client by its certificates): remove the old certificate (x5t#S256 %s) from the client's registration", old.Thumbprint)
	}
	subject, until := "", ""
	if ok {
		subject, until = " ("+old.Subject+")", " ("+old.NotAfter.UTC().Format("2006-01-02 15:04 MST")+")"
	}
	return fmt.Sprintf("tls_client_auth checks the subject%s of a certificate from a CA it trusts: the renewed certificate has the same subject, so the old one is accepted until it expires%s or the CA revokes it. Have the CA revoke it", subject, until)
}

// SelfSignedCertCommand makes a new self-signed client certificate and its key (c.pem,
// k.pem; a P-256 key, valid for 90 days: within CertExpiryWarning of its end every
// command would warn) for a self_signed_tls_client_auth profile; oat takes the output
// of cat c.pem k.pem.
const SelfSignedCertCommand = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem -days 90 -subj /CN=me"
