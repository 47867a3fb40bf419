package oauthtest

import (
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// assertionType is RFC 7523 §2.2's client_assertion_type.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// MaxAssertionLifetime is the longest exp - iat the server accepts in a client assertion.
const MaxAssertionLifetime = 5 * time.Minute

// allAssertionAlgs are the JWS algorithms the server verifies by default.
var allAssertionAlgs = []string{"RS256", "PS256", "ES256", "EdDSA", "HS256"}

// RegisterKey registers a public JWK (JSON, as `oat keygen` shows it) for the client's
// private_key_jwt assertions, beside any registered before; a key of the same kid is
// replaced (registering one again, after it was dropped, makes it work again). A
// private JWK is refused: a provider never needs one.
func (s *Server) RegisterKey(id string, jwkJSON []byte) error {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(jwkJSON); err != nil {
		return fmt.Errorf("not a JWK: %w", err)
	}
	if !k.IsPublic() {
		return errors.New("a private JWK: register the public key only")
	}
	if k.KeyID == "" {
		return errors.New("the JWK has no kid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("no client %q", id)
	}
	c.Keys = slices.DeleteFunc(c.Keys, func(x jose.JSONWebKey) bool { return x.KeyID == k.KeyID })
	c.Keys = append(c.Keys, k)
	return nil
}

// RegisterCertificate registers a certificate (DER) for the client's private_key_jwt
// assertions, as Entra ID does: an assertion whose header names it by x5t#S256 (or,
// without that, x5t) is verified with its public key, whatever its kid.
func (s *Server) RegisterCertificate(id string, der []byte) error {
	if _, err := x509.ParseCertificate(der); err != nil {
		return fmt.Errorf("not a certificate: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("no client %q", id)
	}
	c.Certs = append(c.Certs, der)
	return nil
}

// certByHeader is the registered certificate the assertion header names by x5t#S256
// or x5t; ok false when the header names none; an error when it names one that is not
// registered.
func certByHeader(cl *Client, h jose.Header) (crypto.PublicKey, bool, error) {
	s256, _ := h.ExtraHeaders["x5t#S256"].(string)
	s1, _ := h.ExtraHeaders["x5t"].(string)
	if s256 == "" && s1 == "" {
		return nil, false, nil
	}
	for _, der := range cl.Certs {
		sum256, sum1 := sha256.Sum256(der), sha1.Sum(der)
		if (s256 != "" && s256 == base64.RawURLEncoding.EncodeToString(sum256[:])) ||
			(s256 == "" && s1 == base64.RawURLEncoding.EncodeToString(sum1[:])) {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, true, err
			}
			if s256 != "" && s1 != "" && s1 != base64.RawURLEncoding.EncodeToString(sum1[:]) {
				return nil, true, errors.New("client assertion x5t and x5t#S256 name different certificates")
			}
			return c.PublicKey, true, nil
		}
	}
	return nil, true, fmt.Errorf("client assertion x5t#S256 %q / x5t %q is not a certificate registered for this client", s256, s1)
}

// RevokeKey stops accepting the client's key with that kid.
func (s *Server) RevokeKey(id, kid string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("no client %q", id)
	}
	c.Keys = slices.DeleteFunc(c.Keys, func(k jose.JSONWebKey) bool { return k.KeyID == kid })
	return nil
}

// SetAssertionAlgs sets the algorithms the server accepts in client assertions and
// publishes as token_endpoint_auth_signing_alg_values_supported (nil: all of RS256,
// PS256, ES256, EdDSA, HS256).
func (s *Server) SetAssertionAlgs(algs []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.assertionAlgs = slices.Clone(algs)
}

func (s *Server) acceptedAlgs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.assertionAlgs) == 0 {
		return allAssertionAlgs
	}
	return slices.Clone(s.assertionAlgs)
}

// SetAuthMethods sets what discovery publishes as
// token_endpoint_auth_methods_supported (nil: what the server takes). It changes only
// the document: a test of what a client makes of a server that lists, say, only
// private_key_jwt.
func (s *Server) SetAuthMethods(methods []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.authMethods = slices.Clone(methods)
}

// publishedAuthMethods is SetAuthMethods' list, nil when none was set.
func (s *Server) publishedAuthMethods() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.authMethods)
}

// AssertionsSeen counts the client assertions the server accepted (each jti once).
func (s *Server) AssertionsSeen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.jtis)
}

// verifyAssertion checks a client assertion strictly (RFC 7523 §3): its signature with
// one of the client's registered keys (by kid) or, for HS256, with one of its secrets;
// iss = sub = the client ID; aud exactly the token endpoint (the issuer when the client
// says so); exp in the future and at most MaxAssertionLifetime after iat; a jti never
// seen before. It returns the method used, or why the client is not authenticated.
func (s *Server) verifyAssertion(cl *Client, assertion, tokenURL, issuer string) (string, error) {
	var algs []jose.SignatureAlgorithm
	for _, a := range s.acceptedAlgs() {
		algs = append(algs, jose.SignatureAlgorithm(a))
	}
	tok, err := jwt.ParseSigned(assertion, algs)
	if err != nil {
		return "", fmt.Errorf("client assertion does not parse or uses an algorithm not accepted here: %v", err)
	}
	if len(tok.Headers) != 1 {
		return "", errors.New("client assertion must have exactly one signature")
	}
	h := tok.Headers[0]
	var claims jwt.Claims
	method := "private_key_jwt"
	if h.Algorithm == "HS256" {
		method = "client_secret_jwt"
		ok := false
		for _, sec := range cl.Secrets {
			if tok.Claims([]byte(sec), &claims) == nil {
				ok = true
				break
			}
		}
		if !ok {
			return "", errors.New("client assertion signature does not verify with the client's secret")
		}
	} else if pub, ok, err := certByHeader(cl, h); ok && (err == nil || !hasKeyID(cl, h.KeyID)) {
		// A certificate named by x5t#S256 / x5t is the key's registration (Entra ID);
		// one not registered falls back to the kid, as a provider that registered the
		// key (Okta, Keycloak) reads an assertion that names both.
		if err != nil {
			return "", err
		}
		if err := tok.Claims(pub, &claims); err != nil {
			return "", errors.New("client assertion signature does not verify with the registered certificate's key")
		}
	} else {
		i := slices.IndexFunc(cl.Keys, func(k jose.JSONWebKey) bool { return k.KeyID == h.KeyID })
		if h.KeyID == "" || i < 0 {
			return "", fmt.Errorf("client assertion kid %q is not a key registered for this client", h.KeyID)
		}
		k := cl.Keys[i]
		if k.Algorithm != "" && k.Algorithm != h.Algorithm {
			return "", fmt.Errorf("client assertion alg %s, but the key %s is registered for %s", h.Algorithm, h.KeyID, k.Algorithm)
		}
		if err := tok.Claims(k.Key, &claims); err != nil {
			return "", errors.New("client assertion signature does not verify with the registered key")
		}
	}
	now := s.clock()
	switch {
	case claims.Issuer != cl.ID || claims.Subject != cl.ID:
		return "", fmt.Errorf("client assertion iss %q / sub %q must both be the client ID", claims.Issuer, claims.Subject)
	case len(claims.Audience) != 1:
		return "", fmt.Errorf("client assertion aud must be exactly one value, %q", tokenURL)
	}
	want := tokenURL
	if cl.AssertionAudience == "issuer" {
		want = issuer
	}
	if claims.Audience[0] != want {
		return "", fmt.Errorf("client assertion aud %q is not %q", claims.Audience[0], want)
	}
	if claims.Expiry == nil || claims.IssuedAt == nil {
		return "", errors.New("client assertion needs exp and iat")
	}
	exp, iat := claims.Expiry.Time(), claims.IssuedAt.Time()
	switch {
	case !exp.After(now):
		return "", errors.New("client assertion has expired")
	case exp.Sub(iat) > MaxAssertionLifetime:
		return "", fmt.Errorf("client assertion lives %s, more than %s", exp.Sub(iat), MaxAssertionLifetime)
	case iat.After(now.Add(time.Minute)):
		return "", errors.New("client assertion is issued in the future")
	case claims.NotBefore != nil && claims.NotBefore.Time().After(now.Add(time.Minute)):
		return "", errors.New("client assertion is not valid yet (nbf)")
	case claims.ID == "":
		return "", errors.New("client assertion needs a jti")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.jtis == nil {
		s.jtis = map[string]time.Time{}
	}
	if _, seen := s.jtis[claims.ID]; seen {
		return "", errors.New("client assertion jti was used before (replay)")
	}
	s.jtis[claims.ID] = exp
	return method, nil
}

// hasKeyID says whether a key with kid is registered for the client.
func hasKeyID(cl *Client, kid string) bool {
	return kid != "" && slices.ContainsFunc(cl.Keys, func(k jose.JSONWebKey) bool { return k.KeyID == kid })
}
