package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// VerifyStatus is the outcome of checking a token's signature.
type VerifyStatus string

// The verification outcomes.
const (
	Verified      VerifyStatus = "verified"
	NotVerifiable VerifyStatus = "not verifiable"
	VerifyFailed  VerifyStatus = "failed"
)

// Verification says whether a token's signature checks out, and in a plain sentence why.
type Verification struct {
	Status VerifyStatus
	Reason string
	KeyID  string
	Alg    string
	Issuer string
	// JWKSURI is where the keys came from.
	JWKSURI string
	// SignatureOK says the signature is the issuer's, whatever else failed (an expired
	// token fails with a good signature).
	SignatureOK bool
}

// SignedBy says which key of which issuer signed the token (when SignatureOK).
func (v *Verification) SignedBy() string {
	return fmt.Sprintf("signed by key %q of %s (%s)", v.KeyID, v.Issuer, v.Alg)
}

// asymmetricAlgs are the signature algorithms oat verifies. HMAC and "none" are refused:
// an HMAC token can only be checked with the shared secret, which a client never has,
// and "none" is no signature at all.
var asymmetricAlgs = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512, jose.EdDSA,
}

type jwksEntry struct {
	set     jose.JSONWebKeySet
	fetched time.Time
}

// Verify checks a JWT's signature against its issuer's published keys: discovery from
// the iss claim, whose metadata must name exactly that issuer (RFC 8414 §3.3), the JWKS
// that metadata points to (cached; a kid not in the cache triggers one refetch), then
// the signature and the time claims. expectedIssuer, when set (the issuer a profile was
// discovered from), must equal iss exactly: without it, any issuer that publishes keys
// can sign a token that verifies.
func (c *Client) Verify(ctx context.Context, token, expectedIssuer string) *Verification {
	return c.VerifyWithCA(ctx, token, expectedIssuer, "", nil)
}

// VerifyWithCA is Verify with discovery and the JWKS fetched trusting, beside the system
// roots, the profile's extra CA bundle caPEM read from caFile, as its token requests
// do.
func (c *Client) VerifyWithCA(ctx context.Context, token, expectedIssuer, caFile string, caPEM []byte) *Verification {
	j, err := DecodeJWT(token)
	if err != nil {
		if err == ErrNotJWT {
			return &Verification{Status: NotVerifiable, Reason: "the token is opaque, not a JWT: only its issuer can check it (token introspection)"}
		}
		return &Verification{Status: VerifyFailed, Reason: err.Error()}
	}
	v := &Verification{Alg: OneLine(j.Alg), KeyID: OneLine(j.Kid)}
	fail := func(format string, a ...any) *Verification {
		v.Status, v.Reason = VerifyFailed, fmt.Sprintf(format, a...)
		return v
	}
	switch {
	case strings.EqualFold(j.Alg, "none"):
		return fail(`the token says alg "none": it is not signed at all, so it proves nothing; refused`)
	case strings.HasPrefix(strings.ToUpper(j.Alg), "HS"):
		return fail("the token is signed with %s, an HMAC shared secret that only the server holds; oat refuses HMAC tokens rather than guess", v.Alg)
	case !algAllowed(j.Alg):
		return fail("signature algorithm %q is not one oat verifies (RS*, PS*, ES*, EdDSA)", v.Alg)
	}
	iss, _ := j.Claims["iss"].(string)
	v.Issuer = OneLine(iss)
	if iss == "" {
		v.Status, v.Reason = NotVerifiable, "the token has no iss claim, so there is no issuer to fetch keys from"
		return v
	}
	if expectedIssuer != "" && iss != expectedIssuer {
		return fail("issuer mismatch: the token says %q, the profile expects %q", iss, expectedIssuer)
	}
	hc, err := c.httpFor(caFile, caPEM, nil)
	if err != nil {
		v.Status, v.Reason = NotVerifiable, err.Error()
		return v
	}
	meta, err := c.discover(ctx, hc, iss, false)
	if err != nil {
		if errors.Is(err, ErrIssuerMismatch) {
			return fail("%v", err)
		}
		v.Status, v.Reason = NotVerifiable, fmt.Sprintf("could not find the issuer's keys: %v", err)
		return v
	}
	if meta.JWKSURI == "" {
		v.Status, v.Reason = NotVerifiable, "the issuer's discovery document has no jwks_uri"
		return v
	}
	v.JWKSURI = meta.JWKSURI
	jws, err := jose.ParseSignedCompact(token, asymmetricAlgs)
	if err != nil {
		return fail("the signature cannot be parsed: %v", err)
	}
	keys, err := c.keysFor(ctx, hc, meta.JWKSURI, j.Kid)
	if err != nil {
		v.Status, v.Reason = NotVerifiable, fmt.Sprintf("could not fetch the issuer's keys from %s: %v", meta.JWKSURI, err)
		return v
	}
	if len(keys) == 0 {
		if j.Kid != "" {
			return fail("unknown key id %q: the issuer does not publish it, even after refetching its keys", v.KeyID)
		}
		return fail("the token names no key id and no published key fits %s", v.Alg)
	}
	var verified *jose.JSONWebKey
	for i := range keys {
		if _, err := jws.Verify(keys[i].Key); err == nil {
			verified = &keys[i]
			break
		}
	}
	if verified == nil {
		return fail("bad signature: the token was not signed by the issuer's key %q (altered, or forged)", v.KeyID)
	}
	v.KeyID, v.SignatureOK = OneLine(verified.KeyID), true
	now := c.now()
	if exp, ok := numericDate(j.Claims["exp"]); ok && !now.Before(exp) {
		return fail("the signature is good but the token expired %s", Relative(exp, now))
	}
	if nbf, ok := numericDate(j.Claims["nbf"]); ok && now.Add(time.Minute).Before(nbf) {
		return fail("the signature is good but the token is not valid until %s", Relative(nbf, now))
	}
	v.Status, v.Reason = Verified, v.SignedBy()
	return v
}

func algAllowed(alg string) bool {
	for _, a := range asymmetricAlgs {
		if string(a) == alg {
			return true
		}
	}
	return false
}

// keysFor returns the keys of the JWKS at uri that match kid (all signing keys when
// kid is empty). An unknown kid causes exactly one refetch: the issuer may have rotated.
func (c *Client) keysFor(ctx context.Context, hc *http.Client, uri, kid string) ([]jose.JSONWebKey, error) {
	if err := requireSafeURL(uri); err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%p %s", hc, uri) // per HTTP client, as discovery
	c.mu.Lock()
	entry := c.jwks[key]
	c.mu.Unlock()
	if entry != nil {
		if ks := matchKeys(&entry.set, kid); len(ks) > 0 {
			return ks, nil
		}
	}
	set, err := c.fetchJWKS(ctx, hc, uri)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.jwks == nil {
		c.jwks = map[string]*jwksEntry{}
	}
	c.jwks[key] = &jwksEntry{set: *set, fetched: c.now()}
	c.mu.Unlock()
	return matchKeys(set, kid), nil
}

func matchKeys(set *jose.JSONWebKeySet, kid string) []jose.JSONWebKey {
	var out []jose.JSONWebKey
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		if kid == "" || k.KeyID == kid {
			out = append(out, k)
		}
	}
	return out
}

func (c *Client) fetchJWKS(ctx context.Context, hc *http.Client, uri string) (*jose.JSONWebKeySet, error) {
	body, status, err := c.getJSON(ctx, hc, uri)
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("HTTP %d", status)
	}
	// Each key on its own: a set holds keys oat has no use for, some of a kind go-jose
	// cannot read (a post-quantum "AKP" key, say), and one of them must not make the
	// issuer's signing keys unreadable. Such entries are skipped.
	var raw struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("not a JWK set: %s", Excerpt(err.Error(), 120))
	}
	var set jose.JSONWebKeySet
	for _, k := range raw.Keys {
		var jwk jose.JSONWebKey
		if json.Unmarshal(k, &jwk) == nil && jwk.Valid() {
			set.Keys = append(set.Keys, jwk)
		}
	}
	return &set, nil
}
