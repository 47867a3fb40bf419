package vault

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/oatcli/oat/oauth"
)

// A private_key_jwt profile keeps its private key where other profiles keep their
// client secret: in the secret store under <id>/secret, as PKCS#8 PEM. One credential
// slot per profile means adding, removing, the pending-ID bookkeeping, `oat check` and
// the secret's age apply to keys unchanged; the profile file holds only the public
// thumbprint (KeyThumbprint) and the algorithm.

// CheckCredential refuses a credential that cannot serve the auth method m: a private
// key for private_key_jwt (PEM or JWK, see oauth.ParseClientKey), a certificate and
// its key (PEM) for mutual TLS, a client secret for the others, long enough to key
// HS256 for client_secret_jwt.
func CheckCredential(m oauth.AuthMethod, cred string) error {
	if CredentialOf(m) == CredCert {
		_, err := ClientCertificate(cred)
		return err
	}
	if m == oauth.AuthPrivateKeyJWT {
		_, err := oauth.ParseClientKey([]byte(cred))
		if err != nil {
			return &FieldError{Field: "private_key", Problem: err.Error()}
		}
		return nil
	}
	if err := CheckSecret(cred); err != nil {
		return err
	}
	if m == oauth.AuthClientSecretJWT && len(cred) < oauth.MinHS256Secret {
		return &FieldError{Field: "client_secret", Problem: fmt.Sprintf(
			"client_secret_jwt signs with HS256, which needs a secret of at least %d bytes (RFC 7518 §3.2); this one has %d", oauth.MinHS256Secret, len(cred))}
	}
	return nil
}

// ClientKey is a parsed private key ready to store: its PKCS#8 PEM (with its own kid and
// its certificate, when it came with them), its thumbprint, its own kid, its
// certificate chain (PEM, public) and the algorithm it signs with.
type ClientKey struct {
	PEM        string
	Thumbprint string
	Alg        string
	KeyID      string
	Cert       string
}

// PrepareClientKey reads cred (PEM or JWK) as p's private key, chooses its algorithm
// (p.KeyAlg, else what the server's algorithms and the key allow) and returns it in the
// form the store keeps.
func PrepareClientKey(p Profile, cred string) (ClientKey, error) {
	m, err := oauth.ParseKeyMaterial([]byte(cred))
	if err != nil {
		return ClientKey{}, &FieldError{Field: "private_key", Problem: err.Error()}
	}
	alg, err := oauth.ChooseAlg(m.Key, p.KeyAlg, p.SigningAlgs)
	if err != nil {
		return ClientKey{}, &FieldError{Field: "key_alg", Problem: err.Error()}
	}
	pemText, err := m.Marshal()
	if err != nil {
		return ClientKey{}, err
	}
	tp, err := oauth.Thumbprint(m.Key.Public())
	if err != nil {
		return ClientKey{}, err
	}
	return ClientKey{PEM: pemText, Thumbprint: tp, Alg: alg, KeyID: m.KeyID, Cert: m.ChainPEM()}, nil
}

// GenerateKey makes a new private key for alg (ES256 when empty), in the form the store
// keeps, with the documents the provider registers.
func GenerateKey(alg string) (ClientKey, oauth.PublicKeyDocs, error) {
	return GenerateKeyCert(alg, nil)
}

// CertRequest asks for a self-signed certificate with a generated key: subject CN, valid
// from Now for Days days.
type CertRequest struct {
	Subject string
	Days    int
	Now     time.Time
}

// DefaultCertSubject is the subject CN of a certificate oat makes for the key of the
// profile called name when none is given: "oat NAME", cut to the length a CN holds.
func DefaultCertSubject(name string) string {
	cn := "oat " + name
	for len(cn) > oauth.MaxCertCN {
		_, size := utf8.DecodeLastRuneInString(cn)
		cn = cn[:len(cn)-size]
	}
	return cn
}

// GenerateKeyCert is GenerateKey with, when cert is not nil, a self-signed certificate
// for the key (for providers that register certificates, Entra ID), stored with it.
func GenerateKeyCert(alg string, cert *CertRequest) (ClientKey, oauth.PublicKeyDocs, error) {
	if alg == "" {
		alg = "ES256"
	}
	key, err := oauth.GenerateClientKey(alg)
	if err != nil {
		return ClientKey{}, oauth.PublicKeyDocs{}, err
	}
	m := oauth.KeyMaterial{Key: key}
	if cert != nil {
		der, err := oauth.SelfSignedCertificate(key, cert.Subject, cert.Now, cert.Days)
		if err != nil {
			return ClientKey{}, oauth.PublicKeyDocs{}, err
		}
		m.Chain = [][]byte{der}
	}
	pemText, err := m.Marshal()
	if err != nil {
		return ClientKey{}, oauth.PublicKeyDocs{}, err
	}
	docs, err := m.PublicDocs(alg)
	if err != nil {
		return ClientKey{}, oauth.PublicKeyDocs{}, err
	}
	return ClientKey{PEM: pemText, Thumbprint: docs.Thumbprint, Alg: alg, Cert: m.ChainPEM()}, docs, nil
}

// KeyGenAlgFor is the algorithm to generate a key for p with when none is asked: p's
// own, else the first the server lists that oat generates keys for, else ES256.
func KeyGenAlgFor(p Profile) string {
	if p.KeyAlg != "" {
		return p.KeyAlg
	}
	for _, a := range p.SigningAlgs {
		if slices.Contains(oauth.KeyGenAlgs, a) {
			return a
		}
	}
	return "ES256"
}

// KeyDocs are the public documents of a stored private key (PEM), for showing what to
// register again.
func KeyDocs(pemText, alg string) (oauth.PublicKeyDocs, error) {
	m, err := oauth.ParseKeyMaterial([]byte(pemText))
	if err != nil {
		return oauth.PublicKeyDocs{}, fmt.Errorf("the stored key: %w", err)
	}
	return m.PublicDocs(alg)
}

// CheckKeyAlg refuses alg for the private_key_jwt profile p when its stored key cannot
// sign with it (or the server's algorithms rule it out): the profile would then sign
// with another algorithm than it says, or not at all. It reads the key from the store.
func (v *Vault) CheckKeyAlg(ctx context.Context, p Profile, alg string) error {
	if p.AuthMethod != oauth.AuthPrivateKeyJWT || alg == "" {
		return nil
	}
	stored, err := v.Secret(ctx, p)
	if err != nil {
		return err
	}
	key, err := oauth.ParseClientKey([]byte(stored))
	if err != nil {
		return fmt.Errorf("the stored key of %q: %w", p.Name, err)
	}
	if got, err := oauth.ChooseAlg(key, alg, p.SigningAlgs); err != nil || got != alg {
		return &FieldError{Field: "key_alg", Problem: fmt.Sprintf("%s: the stored key signs with %s, not with it (or the server does not take it); a key for %s: oat rotate %s --keygen --key-alg %s",
			oauth.OneLine(alg), strings.Join(oauth.KeyAlgs(key), " or "), oauth.OneLine(alg), p.Name, oauth.OneLine(alg))}
	}
	return nil
}
