package oauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// CanonicalKeyAlg is alg spelt as oat spells it (one of KeyGenAlgs), whatever its case
// ("es256" is ES256); anything else is given back as it is.
func CanonicalKeyAlg(alg string) string {
	for _, a := range KeyGenAlgs {
		if strings.EqualFold(a, strings.TrimSpace(alg)) {
			return a
		}
	}
	return alg
}

// KeyGenAlgs are the algorithms `oat keygen` makes keys for, the default first.
var KeyGenAlgs = []string{"ES256", "RS256", "PS256", "EdDSA"}

// GenerateClientKey makes a new private key for alg: P-256 for ES256, RSA-2048 for
// RS256 and PS256, Ed25519 for EdDSA.
func GenerateClientKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES256", "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256", "PS256":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("no key algorithm %q: use one of %s", Sanitize(alg), strings.Join(KeyGenAlgs, ", "))
}

// KeyMaterial is a private key with what came with it: the kid its JWK carried, kept
// for the assertion header because the provider registered the key under it (Okta,
// Auth0 match by kid), and a certificate for the key (chain, leaf first, DER), for
// providers that register certificates rather than keys (Entra ID), named in the
// assertion header by x5t and x5t#S256. The RFC 7638 thumbprint stays the key's
// fingerprint in oat either way.
type KeyMaterial struct {
	Key   crypto.Signer
	KeyID string
	Chain [][]byte
	// Alg is the algorithm a key staged for a rotation was made for, when the profile's
	// own would not do (PS256 on an RS256 profile): kept with it until it is promoted.
	Alg string
}

// algHeader is the PEM header under which oat keeps Alg beside the key.
const algHeader = "alg"

// keyIDHeader is the PEM header under which oat keeps a key's own kid beside the
// PKCS#8 key in the secret store (RFC 1421 headers, which x509 ignores).
const keyIDHeader = "kid"

// maxKeyID bounds a kid oat keeps (providers use UUIDs, thumbprints or short names).
const maxKeyID = 200

// ParseClientKey reads a private key given as PEM (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA
// PRIVATE KEY", SEC1 "EC PRIVATE KEY") or as a private JWK. A public key, a
// certificate alone or an encrypted key is refused with what to give instead. Only keys
// oat can sign a client assertion with are accepted: RSA of 2048 bits or more, EC
// P-256, Ed25519. No error quotes the input.
func ParseClientKey(data []byte) (crypto.Signer, error) {
	m, err := ParseKeyMaterial(data)
	return m.Key, err
}

// ParseKeyMaterial is ParseClientKey keeping what came with the key: a JWK's kid (and
// its x5c certificates), or the PEM certificates given beside the key (in any order)
// and the kid oat stored with it. A certificate that is not the key's is refused.
func ParseKeyMaterial(data []byte) (KeyMaterial, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return KeyMaterial{}, errors.New("no key given")
	}
	var m KeyMaterial
	if data[0] == '{' {
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(data, &set) == nil && set.Keys != nil {
			// A JWKS holding the one key (as some tools write a private key) is that key.
			if len(set.Keys) != 1 {
				return KeyMaterial{}, fmt.Errorf("this is a JWKS with %d keys: give the one private key (a JWK with its \"d\" member), not the set", len(set.Keys))
			}
			data = bytes.TrimSpace(set.Keys[0])
		}
		var k jose.JSONWebKey
		if err := json.Unmarshal(data, &k); err != nil {
			return KeyMaterial{}, errors.New("the JWK does not parse (give a private JWK with its \"d\" member, or a PEM private key)")
		}
		if k.IsPublic() {
			return KeyMaterial{}, errors.New("this JWK is a public key: give the private key (a JWK with its \"d\" member), or generate one with oat keygen")
		}
		key, err := checkClientKey(k.Key)
		if err != nil {
			return KeyMaterial{}, err
		}
		m = KeyMaterial{Key: key, KeyID: k.KeyID}
		for _, c := range k.Certificates {
			m.Chain = append(m.Chain, c.Raw)
		}
	} else {
		var err error
		if m, err = parsePEMKey(data); err != nil {
			return KeyMaterial{}, err
		}
	}
	if err := checkKeyID(m.KeyID); err != nil {
		return KeyMaterial{}, err
	}
	if err := m.checkChain(); err != nil {
		return KeyMaterial{}, err
	}
	return m, nil
}

// parsePrivateKeyBlock parses a PEM block of a private key oat reads (PKCS#8, PKCS#1,
// SEC 1); isKey is false for any other block.
func parsePrivateKeyBlock(b *pem.Block) (key any, isKey bool, err error) {
	switch b.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(b.Bytes)
	default:
		return nil, false, nil
	}
	return key, true, err
}

func parsePEMKey(data []byte) (KeyMaterial, error) {
	var m KeyMaterial
	sawCert, badCert := false, false
	for rest := oneLinePEM(data); ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Headers["Proc-Type"] != "" || b.Type == "ENCRYPTED PRIVATE KEY" {
			return KeyMaterial{}, errors.New("the private key is encrypted with a passphrase: decrypt it first (e.g. openssl pkey -in key.pem | oat …); oat keeps it in the secret store instead")
		}
		key, isKey, err := parsePrivateKeyBlock(b)
		switch {
		case isKey:
		case b.Type == "EC PARAMETERS":
			continue // openssl ecparam writes it before the key
		case b.Type == "CERTIFICATE":
			// The key's certificate, for providers that register certificates (x5t).
			if _, err := x509.ParseCertificate(b.Bytes); err != nil {
				badCert = true // said below, once it is known whether a key came with it
			}
			m.Chain, sawCert = append(m.Chain, b.Bytes), true
			continue
		case b.Type == "PUBLIC KEY" || b.Type == "RSA PUBLIC KEY":
			return KeyMaterial{}, fmt.Errorf("this is a %s, not a private key: give the private key (the provider gets the public one)", strings.ToLower(b.Type))
		default:
			return KeyMaterial{}, fmt.Errorf("a PEM %q block is not a private key oat reads (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY)", Excerpt(b.Type, 40))
		}
		if err != nil {
			return KeyMaterial{}, fmt.Errorf("the PEM %s does not parse", strings.ToLower(b.Type))
		}
		if m.Key != nil {
			return KeyMaterial{}, errors.New("two private keys given: give one (with its certificate, if it has one)")
		}
		if m.Key, err = checkClientKey(key); err != nil {
			return KeyMaterial{}, err
		}
		m.KeyID = b.Headers[keyIDHeader]
		if a := b.Headers[algHeader]; slices.Contains(KeyAlgs(m.Key), a) {
			m.Alg = a // only one the key signs with
		}
	}
	switch {
	case m.Key == nil && sawCert:
		return KeyMaterial{}, errors.New("this is a certificate, not a private key: give the private key (with the certificate, in one text, if the provider registers the certificate)")
	case m.Key == nil:
		return KeyMaterial{}, errors.New("no PEM private key found (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY, or a private JWK)")
	case badCert:
		return KeyMaterial{}, errors.New("a PEM certificate given with the key does not parse")
	}
	m.Chain = keyCertFirst(m.Chain, m.Key.Public())
	return m, nil
}

// checkKeyID refuses a kid oat could not show or send as it is: control characters or
// an unreasonable length.
func checkKeyID(kid string) error {
	if len(kid) > maxKeyID {
		return fmt.Errorf("the key's kid has %d characters; oat keeps at most %d", len(kid), maxKeyID)
	}
	if kid != "" && (OneLine(kid) != kid || strings.TrimSpace(kid) != kid) {
		return errors.New("the key's kid holds control characters or surrounding spaces: fix it where the key was made")
	}
	return nil
}

// checkChain refuses a certificate that is not the key's: the provider would check the
// assertion against the certificate's key, and every token request would fail.
func (m KeyMaterial) checkChain() error {
	if len(m.Chain) == 0 {
		return nil
	}
	leaf, err := x509.ParseCertificate(m.Chain[0])
	if err != nil {
		return errors.New("the certificate given with the key does not parse")
	}
	pub, ok := m.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return fmt.Errorf("the certificate %s is not for this private key: give the certificate issued for it (or the key without a certificate)", DNText(leaf.Subject))
	}
	return nil
}

// Leaf is the key's certificate (nil when it has none).
func (m KeyMaterial) Leaf() *x509.Certificate {
	if len(m.Chain) == 0 {
		return nil
	}
	c, err := x509.ParseCertificate(m.Chain[0])
	if err != nil {
		return nil
	}
	return c
}

// AssertionKeyID is the kid of the key's assertions: its own when it came with one,
// else its RFC 7638 thumbprint.
func (m KeyMaterial) AssertionKeyID() (string, error) {
	if m.KeyID != "" {
		return m.KeyID, nil
	}
	return Thumbprint(m.Key.Public())
}

// ChainPEM is the key's certificate chain as PEM ("" for none): public.
func (m KeyMaterial) ChainPEM() string {
	var b bytes.Buffer
	for _, der := range m.Chain {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return b.String()
}

// Marshal is how oat keeps the key material in the secret store: the certificates
// (PEM), then the key as PKCS#8 PEM carrying its own kid as a header. It holds the key.
func (m KeyMaterial) Marshal() (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(m.Key)
	if err != nil {
		return "", fmt.Errorf("encode the private key: %w", err)
	}
	b := &pem.Block{Type: "PRIVATE KEY", Bytes: der, Headers: map[string]string{}}
	if m.KeyID != "" {
		b.Headers[keyIDHeader] = m.KeyID
	}
	if m.Alg != "" {
		b.Headers[algHeader] = m.Alg
	}
	return m.ChainPEM() + string(pem.EncodeToMemory(b)), nil
}

// SelfSignedCertificate makes a certificate for key, its own issuer, with subject CN cn,
// valid from a few minutes before now for days days: what a provider that registers
// certificates for client assertions (Entra ID) takes when there is no CA to issue one.
func SelfSignedCertificate(key crypto.Signer, cn string, now time.Time, days int) ([]byte, error) {
	if days < 1 || days > 3650 {
		return nil, fmt.Errorf("a certificate valid for %d days: give 1 to 3650", days)
	}
	if err := CheckCertCN(cn); err != nil {
		return nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("certificate serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		// A few minutes back, for a server whose clock is behind this one's.
		NotBefore: now.Add(-5 * time.Minute).UTC(), NotAfter: now.Add(time.Duration(days) * 24 * time.Hour).UTC(),
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("make the certificate: %w", err)
	}
	return der, nil
}

// MaxCertCN is the longest subject CN oat puts in a certificate (RFC 5280's
// ub-common-name).
const MaxCertCN = 64

// CheckCertCN refuses a subject CN oat would not put in a certificate it makes: empty,
// longer than MaxCertCN bytes, or holding control characters.
func CheckCertCN(cn string) error {
	if strings.TrimSpace(cn) == "" || OneLine(cn) != cn || len(cn) > MaxCertCN {
		return errors.New("the certificate's subject CN must be 1 to 64 characters on one line")
	}
	return nil
}

// oneLinePEM gives back a PEM whose line breaks became spaces (a paste into a one-line
// field, an environment variable) with its line breaks: the header and footer on
// their own lines, the base64 in between without spaces. Any other text is returned
// as it is.
func oneLinePEM(data []byte) []byte {
	s := string(data)
	if strings.Contains(s, "\n") || !strings.HasPrefix(s, "-----BEGIN ") {
		return data
	}
	var out strings.Builder
	for s != "" {
		begin := strings.Index(s, "-----BEGIN ")
		if begin < 0 {
			break
		}
		hdrEnd := strings.Index(s[begin+11:], "-----")
		if hdrEnd < 0 {
			break
		}
		typ := s[begin+11 : begin+11+hdrEnd]
		rest := s[begin+11+hdrEnd+5:]
		footer := "-----END " + typ + "-----"
		end := strings.Index(rest, footer)
		if end < 0 {
			break
		}
		body := strings.Join(strings.Fields(rest[:end]), "")
		out.WriteString("-----BEGIN " + typ + "-----\n")
		if strings.Contains(body, "Proc-Type:") {
			// An encrypted PKCS#1 key: only the header matters, to refuse it by name.
			out.WriteString("Proc-Type: 4,ENCRYPTED\n\n")
			body = ""
		}
		for len(body) > 64 {
			out.WriteString(body[:64] + "\n")
			body = body[64:]
		}
		out.WriteString(body + "\n" + footer + "\n")
		s = rest[end+len(footer):]
	}
	if out.Len() == 0 {
		return data
	}
	return []byte(out.String())
}

func checkClientKey(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("the RSA key has %d bits; use 2048 or more", k.N.BitLen())
		}
		if k.N.BitLen() > 8192 {
			// Each assertion is signed with it: a 16384-bit key takes seconds a token.
			return nil, fmt.Errorf("the RSA key has %d bits; oat takes at most 8192 (2048–4096 is usual)", k.N.BitLen())
		}
		if k.Validate() != nil {
			return nil, errors.New("the RSA private key is inconsistent (its parts do not make one key): export it again")
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("the EC key is on %s; oat signs ES256, which needs P-256", k.Curve.Params().Name)
		}
		// A JWK carries the public point beside the private scalar: they must be one key,
		// or the thumbprint shown (of the public half) is not the key that signs.
		if x, y := k.Curve.ScalarBaseMult(k.D.Bytes()); x.Cmp(k.X) != 0 || y.Cmp(k.Y) != 0 {
			return nil, errors.New("the EC private key does not match its public key (\"d\" is not the private half of \"x\", \"y\"): export it again")
		}
		return k, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize || !bytes.Equal(ed25519.NewKeyFromSeed(k.Seed())[32:], k[32:]) {
			return nil, errors.New("the Ed25519 private key does not match its public key: export it again")
		}
		return k, nil
	}
	return nil, errors.New("not an RSA, EC P-256 or Ed25519 private key")
}

// MarshalClientKey is key as PKCS#8 PEM: how oat keeps it in the secret store.
func MarshalClientKey(key crypto.Signer) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encode the private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// PublicKeyDocs is what a provider registers for a client key: the public JWK (kid =
// the key's own kid or its thumbprint, alg, use sig, x5c when it has a certificate), a
// JWKS holding it, the PEM public key, the RFC 7638 thumbprint, and for a key with a
// certificate the certificate (PEM) with its x5t and x5t#S256.
type PublicKeyDocs struct {
	JWK, JWKS, PEM, Thumbprint, Alg string
	// KeyID is the key's own kid ("" when the thumbprint is the kid).
	KeyID string
	// Cert is the certificate chain (PEM, "" for none); X5t and X5tS256 are its leaf's
	// base64url SHA-1 and SHA-256, as the assertion header carries them.
	Cert, X5t, X5tS256 string
}

// PublicDocs builds the public documents of key for signing with alg.
func PublicDocs(key crypto.Signer, alg string) (PublicKeyDocs, error) {
	return KeyMaterial{Key: key}.PublicDocs(alg)
}

// PublicDocs builds the public documents of the key material for signing with alg.
func (m KeyMaterial) PublicDocs(alg string) (PublicKeyDocs, error) {
	key := m.Key
	tp, err := Thumbprint(key.Public())
	if err != nil {
		return PublicKeyDocs{}, err
	}
	kid, err := m.AssertionKeyID()
	if err != nil {
		return PublicKeyDocs{}, err
	}
	jwk := jose.JSONWebKey{Key: key.Public(), KeyID: kid, Algorithm: alg, Use: "sig"}
	docs := PublicKeyDocs{Thumbprint: tp, Alg: alg, KeyID: m.KeyID}
	if len(m.Chain) > 0 {
		for _, der := range m.Chain {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return PublicKeyDocs{}, errors.New("the key's certificate does not parse")
			}
			jwk.Certificates = append(jwk.Certificates, c)
		}
		docs.Cert, docs.X5t, docs.X5tS256 = m.ChainPEM(), CertThumbprintSHA1(m.Chain[0]), CertThumbprint(m.Chain[0])
	}
	one, err := json.Marshal(jwk)
	if err != nil {
		return PublicKeyDocs{}, fmt.Errorf("encode the public JWK: %w", err)
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	if err != nil {
		return PublicKeyDocs{}, fmt.Errorf("encode the JWKS: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return PublicKeyDocs{}, fmt.Errorf("encode the public key: %w", err)
	}
	docs.JWK, docs.JWKS = string(one), string(set)
	docs.PEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return docs, nil
}
