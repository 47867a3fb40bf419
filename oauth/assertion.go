package oauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// ClientAssertionType is the client_assertion_type of RFC 7523 §2.2.
const ClientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// AssertionLifetime is how long a client assertion is valid: short, since it is a
// credential in its own right (servers commonly accept at most 5 minutes).
const AssertionLifetime = 60 * time.Second

// AssertionBackdate is how far before now a client assertion's iat and nbf lie: a
// server whose clock runs a second or two behind this machine's compares nbf = now
// without leeway and rejects an assertion "not valid yet" (seen with client_secret_jwt).
// exp stays AssertionLifetime after now, so the assertion lives AssertionLifetime plus
// this, well within the 5 minutes servers accept.
const AssertionBackdate = 5 * time.Second

// The assertion audiences a profile may choose (RFC 7523 §3 allows either; the token
// endpoint is what most servers want, some want their issuer identifier).
const (
	AudienceTokenEndpoint = ""
	AudienceIssuer        = "issuer"
)

// MinHS256Secret is the shortest client secret that can key HS256 (RFC 7518 §3.2: a key
// as long as the hash output).
const MinHS256Secret = 32

// KeyAlgs are the JWS algorithms a key can sign with, in oat's order of preference.
func KeyAlgs(key crypto.Signer) []string {
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		return []string{"RS256", "PS256"}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return []string{"ES256"}
		}
	case ed25519.PublicKey:
		return []string{"EdDSA"}
	}
	return nil
}

// ChooseAlg picks the JWS algorithm to sign a client assertion with key: the first of
// the server's token_endpoint_auth_signing_alg_values_supported the key can do (when
// the server said), else preferred (when the key can do it), else the key's default.
// It fails, naming both sides, when no algorithm fits.
func ChooseAlg(key crypto.Signer, preferred string, supported []string) (string, error) {
	can := KeyAlgs(key)
	if len(can) == 0 {
		return "", errors.New("the client key is not RSA, EC P-256 or Ed25519: oat cannot sign a client assertion with it")
	}
	if len(supported) > 0 {
		if preferred != "" && slices.Contains(supported, preferred) && slices.Contains(can, preferred) {
			return preferred, nil
		}
		for _, s := range supported {
			if slices.Contains(can, s) {
				return s, nil
			}
		}
		return "", fmt.Errorf("the server accepts client assertions signed with %s only (token_endpoint_auth_signing_alg_values_supported), and this key can sign with %s: generate a key of a kind it accepts (oat keygen --alg); no request was sent",
			algList(supported), strings.Join(can, ", "))
	}
	if preferred != "" {
		if !slices.Contains(can, preferred) {
			return "", fmt.Errorf("the key cannot sign with %s (it can do %s)", Sanitize(preferred), strings.Join(can, ", "))
		}
		return preferred, nil
	}
	return can[0], nil
}

// algList is a server's list of algorithms for a message: sanitized, cut to a length a
// person reads (a server may list thousands).
func algList(algs []string) string { return Excerpt(strings.Join(algs, ", "), 200) }

// maxSigningAlgs bounds the algorithms oat keeps of a server's list (the JWS registry
// has some forty).
const maxSigningAlgs = 64

// jwsAlgName is what a JWS "alg" name can look like (RFC 7518 §7.1's registry: RS256,
// ES256K, EdDSA, PS512, HS256, ML-DSA-44, ...).
var jwsAlgName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9+._-]{0,31}$`)

// SigningAlgNames keeps of a server's token_endpoint_auth_signing_alg_values_supported
// the entries that can name a JWS algorithm, in order, at most maxSigningAlgs of them:
// the list is stored in the profile and quoted in messages, and a server may send
// thousands of names, or control characters.
func SigningAlgNames(algs []string) []string {
	var out []string
	for _, a := range algs {
		if jwsAlgName.MatchString(a) && len(out) < maxSigningAlgs {
			out = append(out, a)
		}
	}
	return out
}

// Thumbprint is the RFC 7638 SHA-256 thumbprint of key's public part, base64url: the
// key's kid and its fingerprint in oat.
func Thumbprint(key crypto.PublicKey) (string, error) {
	tp, err := (&jose.JSONWebKey{Key: key}).Thumbprint(crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("thumbprint of the key: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(tp), nil
}

// assertionClaims are the claims of RFC 7523 §3.
type assertionClaims struct {
	jwt.Claims
}

// clientAssertion signs the client assertion for req with its key (private_key_jwt) or
// its secret (client_secret_jwt, HS256), valid from AssertionBackdate ago until
// AssertionLifetime from now.
func (c *Client) clientAssertion(req TokenRequest, auth AuthMethod) (string, error) {
	now := c.now()
	aud := req.TokenURL
	if req.AssertionAudience == AudienceIssuer {
		if req.Issuer == "" {
			return "", errors.New("the assertion audience is the issuer, but the profile has no issuer: discover it from the issuer's URL (oat edit NAME --discover ISSUER_URL), or keep the token URL as the audience")
		}
		aud = req.Issuer
	}
	jti := make([]byte, 18)
	if _, err := rand.Read(jti); err != nil {
		return "", fmt.Errorf("random jti: %w", err)
	}
	var sk jose.SigningKey
	opts := (&jose.SignerOptions{}).WithType("JWT")
	switch auth {
	case AuthPrivateKeyJWT:
		if req.ClientKey == nil {
			return "", errors.New("private_key_jwt needs the profile's private key, and there is none")
		}
		alg, err := ChooseAlg(req.ClientKey, req.SigningAlg, req.SigningAlgs)
		if err != nil {
			return "", err
		}
		m := KeyMaterial{Key: req.ClientKey, KeyID: req.KeyID}
		if req.KeyCert != nil {
			m.Chain = [][]byte{req.KeyCert}
		}
		if err := checkKeyID(m.KeyID); err != nil {
			return "", err
		}
		if err := m.checkChain(); err != nil {
			return "", err
		}
		kid, err := m.AssertionKeyID()
		if err != nil {
			return "", err
		}
		sk = jose.SigningKey{Algorithm: jose.SignatureAlgorithm(alg), Key: jose.JSONWebKey{Key: req.ClientKey, KeyID: kid}}
		if req.KeyCert != nil {
			// The certificate the provider registered, by both thumbprints: Entra ID's
			// current docs name x5t#S256, its older ones (and other servers) x5t.
			opts = opts.WithHeader("x5t", CertThumbprintSHA1(req.KeyCert)).WithHeader("x5t#S256", CertThumbprint(req.KeyCert))
		}
	case AuthClientSecretJWT:
		if len(req.SigningAlgs) > 0 && !slices.Contains(req.SigningAlgs, "HS256") {
			return "", fmt.Errorf("the server accepts client assertions signed with %s only, and client_secret_jwt signs with HS256; no request was sent",
				algList(req.SigningAlgs))
		}
		// RFC 7518 §3.2: an HMAC key at least as long as the hash (go-jose enforces it).
		if len(req.ClientSecret) < MinHS256Secret {
			return "", fmt.Errorf("client_secret_jwt signs with HS256, which needs a client secret of at least %d bytes (RFC 7518 §3.2); this one has %d", MinHS256Secret, len(req.ClientSecret))
		}
		sk = jose.SigningKey{Algorithm: jose.HS256, Key: []byte(req.ClientSecret)}
	default:
		return "", fmt.Errorf("%s is not a client assertion method", auth)
	}
	signer, err := jose.NewSigner(sk, opts)
	if err != nil {
		return "", fmt.Errorf("client assertion signer: %w", err)
	}
	claims := jwt.Claims{
		Issuer: req.ClientID, Subject: req.ClientID, Audience: jwt.Audience{aud},
		ID: base64.RawURLEncoding.EncodeToString(jti), IssuedAt: jwt.NewNumericDate(now.Add(-AssertionBackdate)),
		NotBefore: jwt.NewNumericDate(now.Add(-AssertionBackdate)), Expiry: jwt.NewNumericDate(now.Add(AssertionLifetime)),
	}
	s, err := jwt.Signed(signer).Claims(assertionClaims{claims}).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign the client assertion: %w", err)
	}
	return s, nil
}

// IsAssertionAuth says whether m authenticates with a signed client assertion.
func IsAssertionAuth(m AuthMethod) bool { return m == AuthPrivateKeyJWT || m == AuthClientSecretJWT }
