package vault

import (
	"fmt"
	"strings"
	"time"

	"github.com/oatcli/oat/oauth"
)

// A tls_client_auth or self_signed_tls_client_auth profile keeps its client
// certificate's private key where other profiles keep their client secret — in the
// secret store under <id>/secret, as PKCS#8 PEM — so adding, removing, `oat check`, the
// pending-ID bookkeeping and the credential's age apply unchanged. The certificate chain
// is public and lives in the profile itself (Profile.ClientCert, PEM, in profiles.toml):
// `oat ls`, the details pane and inspect show its subject, issuer, expiry and thumbprint
// without unlocking the store, and one file written atomically under the vault's lock
// holds the profile and its certificate together (a file beside it would need its own
// renames, removal and orphan checks).

// CredentialKind is what a profile stores as its credential for its auth method.
type CredentialKind int

// The credential kinds.
const (
	// CredSecret is a client secret (basic, post, auto, client_secret_jwt).
	CredSecret CredentialKind = iota
	// CredKey is a private key that signs client assertions (private_key_jwt).
	CredKey
	// CredCert is a client certificate's private key, the chain kept in the profile
	// (tls_client_auth, self_signed_tls_client_auth).
	CredCert
)

// CredentialOf is the kind of credential a profile with auth method m stores.
func CredentialOf(m oauth.AuthMethod) CredentialKind {
	switch {
	case m == oauth.AuthPrivateKeyJWT:
		return CredKey
	case m.IsTLSAuth():
		return CredCert
	}
	return CredSecret
}

// String names the kind for messages: "a client secret", "a private key", "a client
// certificate and its key".
func (k CredentialKind) String() string {
	switch k {
	case CredKey:
		return "a private key"
	case CredCert:
		return "a client certificate and its key"
	}
	return "a client secret"
}

// ClientCertificate reads cred — PEM certificates (leaf first) and the leaf's private key,
// in any order, as one text — and checks that the key belongs to the certificate.
// Errors never quote the key.
func ClientCertificate(cred string) (*oauth.ClientCertificate, error) {
	cc, err := oauth.ParseClientCertificatePEM([]byte(cred), nil)
	if err != nil {
		return nil, &FieldError{Field: "client_cert", Problem: err.Error()}
	}
	return cc, nil
}

// CertificatePEM is a client certificate as the one text ClientCertificate reads: the
// chain, then the private key as PKCS#8. It holds the key: it goes to Vault.Add or
// ReplaceCredential and nowhere else (a PKCS#12 file is read into it).
func CertificatePEM(cc *oauth.ClientCertificate) (string, error) {
	key, err := oauth.MarshalClientKey(cc.Key)
	if err != nil {
		return "", err
	}
	return cc.ChainPEM() + key, nil
}

// prepareCert reads cred as p's client certificate and key: the chain goes into the
// profile, the key (PKCS#8 PEM) is what the store keeps.
func prepareCert(p *Profile, cred string) (string, error) {
	cc, err := ClientCertificate(cred)
	if err != nil {
		return "", err
	}
	key, err := oauth.MarshalClientKey(cc.Key)
	if err != nil {
		return "", err
	}
	p.ClientCert = cc.ChainPEM()
	return key, nil
}

// Certificate is the profile's client certificate chain without its key (nil when
// it has none): enough to compare a token's binding with, or to describe.
func (p Profile) Certificate() (*oauth.ClientCertificate, error) {
	if p.ClientCert == "" {
		return nil, nil
	}
	chain, err := oauth.ParseChainPEM([]byte(p.ClientCert))
	if err != nil {
		return nil, fmt.Errorf("the client certificate of %q: %w", p.Name, err)
	}
	return &oauth.ClientCertificate{Chain: chain}, nil
}

// TokenBinding checks token's certificate binding (RFC 8705 §3, cnf x5t#S256) against
// p's client certificate: the one a mutual-TLS profile presents (a private_key_jwt
// profile's certificate is never presented, so its tokens have none to compare). Both
// front ends show it, and warn when the token is bound to another certificate.
func (p Profile) TokenBinding(token string) oauth.Binding {
	var cert *oauth.ClientCertificate
	if CredentialOf(p.AuthMethod) == CredCert {
		cert, _ = p.Certificate()
	}
	return oauth.CheckBinding(token, cert)
}

// certWithKey is the profile's client certificate with its stored private key.
func (p Profile) certWithKey(key string) (*oauth.ClientCertificate, error) {
	if p.ClientCert == "" {
		return nil, fmt.Errorf("%q authenticates with %s but has no client certificate: import one with oat edit %s --replace-secret", p.Name, p.AuthMethod, p.Name)
	}
	// crypto/tls checks that the stored key is the certificate's.
	cc, err := oauth.ParseClientCertificatePEM([]byte(p.ClientCert), []byte(key))
	if err != nil {
		return nil, fmt.Errorf("the client certificate of %q and its stored key are not usable (%v): import them again with oat edit %s --replace-secret", p.Name, err, p.Name)
	}
	return cc, nil
}

// CertInfo describes a profile's client certificate: what the details pane, oat ls
// --json and oat inspect show. Every text is sanitized to one line.
type CertInfo struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	Thumbprint string    `json:"x5t#S256"`
	// X5t is the leaf's base64url SHA-1 (x5t), what some providers show for a
	// registered certificate.
	X5t string `json:"x5t,omitempty"`
	// CommonName is the subject's CN, to make a certificate like it.
	CommonName string `json:"-"`
	// SelfSigned says the certificate is its own issuer.
	SelfSigned bool `json:"self_signed,omitempty"`
}

// CertExpiryWarning is how long before its expiry a client certificate is flagged.
const CertExpiryWarning = 30 * 24 * time.Hour

// CertInfo describes p's client certificate; ok is false when it has none.
func (p Profile) CertInfo() (info CertInfo, ok bool, err error) {
	cc, err := p.Certificate()
	if cc == nil || err != nil {
		return CertInfo{}, false, err
	}
	leaf, err := cc.Leaf()
	if err != nil {
		return CertInfo{}, false, fmt.Errorf("the client certificate of %q: %w", p.Name, err)
	}
	return CertInfo{Subject: oauth.DNText(leaf.Subject), Issuer: oauth.DNText(leaf.Issuer),
		NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(), Thumbprint: cc.Thumbprint(), X5t: oauth.CertThumbprintSHA1(cc.Chain[0]), CommonName: leaf.Subject.CommonName, SelfSigned: string(leaf.RawIssuer) == string(leaf.RawSubject)}, true, nil
}

// Expiry says, at now, when the certificate expires, and warns (warn true) when it has
// expired or expires within CertExpiryWarning: "expires 2027-01-02 (in 40 days)",
// "expires 2026-12-01 (in 6 days: renew it)", "expired 2026-11-01: renew it".
func (c CertInfo) Expiry(now time.Time) (text string, warn bool) {
	day := c.NotAfter.UTC().Format("2006-01-02")
	left := c.NotAfter.Sub(now)
	in := oauth.ShortDuration(left)
	if d := int(left.Hours() / 24); d == 1 {
		in = "1 day"
	} else if d > 1 {
		in = fmt.Sprintf("%d days", d)
	}
	switch {
	case now.Before(c.NotBefore):
		return "not valid until " + c.NotBefore.UTC().Format("2006-01-02 15:04 MST") + ": check the clock, or wait", true
	case left <= 0:
		return "expired " + day + ": renew it", true
	case left <= CertExpiryWarning:
		return fmt.Sprintf("expires %s (in %s: renew it)", day, in), true
	}
	return fmt.Sprintf("expires %s (in %s)", day, in), false
}

// Line is the certificate on one line: subject, issuer (or "self-signed") and
// thumbprint.
func (c CertInfo) Line() string {
	issuer := "issued by " + c.Issuer
	if c.SelfSigned {
		issuer = "self-signed"
	}
	return fmt.Sprintf("%s, %s, x5t#S256 %s", c.Subject, issuer, c.Thumbprint)
}

// checkClientCert is the rule for the client_cert field: only a TLS method has one,
// and it holds certificates only (never a key).
func (p *Profile) checkClientCert() error {
	if p.ClientCert == "" {
		if CredentialOf(p.AuthMethod) == CredCert && p.ID != "" {
			return &FieldError{Field: "client_cert", Problem: fmt.Sprintf("%s needs a client certificate (oat edit %s --replace-secret imports one)", p.AuthMethod, p.Name)}
		}
		return nil
	}
	if CredentialOf(p.AuthMethod) != CredCert && p.AuthMethod != oauth.AuthPrivateKeyJWT {
		return &FieldError{Field: "client_cert", Problem: "a certificate is set, but only tls_client_auth, self_signed_tls_client_auth and private_key_jwt (the key's certificate) use a certificate"}
	}
	if _, err := oauth.ParseChainPEM([]byte(p.ClientCert)); err != nil {
		return &FieldError{Field: "client_cert", Problem: err.Error()}
	}
	if strings.Contains(p.ClientCert, "PRIVATE KEY") {
		return &FieldError{Field: "client_cert", Problem: "the certificate text holds a private key: the key belongs in the secret store (oat edit --replace-secret imports it there)"}
	}
	return nil
}

// ClientAuthText says how the profile authenticates at the token endpoint, in one
// sentence for oat inspect and the app's inspector.
func (p Profile) ClientAuthText() string {
	m := p.EffectiveAuth()
	s := "authenticates with " + oauth.OneLine(string(m))
	switch m {
	case oauth.AuthPrivateKeyJWT:
		s += fmt.Sprintf(" (signed %s assertion, key thumbprint %s", oauth.OneLine(p.KeyAlg), oauth.OneLine(p.KeyThumbprint))
		if p.KeyID != "" {
			s += ", kid " + oauth.OneLine(p.KeyID)
		}
		if p.ClientCert != "" {
			s += ", naming its certificate by x5t#S256 and x5t"
		}
	case oauth.AuthClientSecretJWT:
		s += " (HS256 assertion over the client secret"
	case oauth.AuthTLS, oauth.AuthSelfSignedTLS:
		return s + " (mutual TLS: the profile's client certificate; its key stays in the store)"
	default:
		return s + ", secret fingerprint " + oauth.OneLine(p.SecretFingerprint)
	}
	aud := "the token URL"
	if p.AssertionAudience == oauth.AudienceIssuer {
		aud = "the issuer"
	}
	return s + ", aud " + aud + ")"
}
