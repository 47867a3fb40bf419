package oauth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// lyingIssuer serves discovery at every well-known location and a JWKS with key; the
// document's issuer is claimed(base URL).
func lyingIssuer(t *testing.T, key *rsa.PrivateKey, claimed func(base string) string) *httptest.Server {
	t.Helper()
	var ts *httptest.Server
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.Contains(r.URL.Path, "/.well-known/"):
			json.NewEncoder(w).Encode(map[string]any{"issuer": claimed(ts.URL), "token_endpoint": ts.URL + "/token", "jwks_uri": ts.URL + "/keys"})
		case r.URL.Path == "/keys":
			json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "a", Use: "sig"}}})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

// TestVerifyRequiresTheExactIssuer: the keys that verify a token come from metadata
// whose issuer is exactly the token's iss (RFC 8414 §3.3; OpenID Connect Discovery §4.3):
// not equal after trimming a slash, not equal after stripping control characters, and
// never from a metadata URL given as iss. A pinned issuer is compared exactly too.
func TestVerifyRequiresTheExactIssuer(t *testing.T) {
	t.Parallel()
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	exp := time.Now().Add(time.Hour).Unix()
	ctx := context.Background()

	honest := lyingIssuer(t, k, func(base string) string { return base })
	tok := sign(t, jose.RS256, k, "a", map[string]any{"iss": honest.URL, "exp": exp})
	if v := NewClient().Verify(ctx, tok, honest.URL); v.Status != Verified {
		t.Fatalf("honest issuer: %+v", v)
	}
	for _, c := range []struct {
		name    string
		claimed func(string) string
		iss     func(string) string
		pinned  func(string) string
	}{
		{"metadata adds a slash", func(b string) string { return b + "/" }, nil, nil},
		{"metadata drops the token's slash", nil, func(b string) string { return b + "/" }, nil},
		{"metadata hides a bidi override", func(b string) string { return b + "\u202e" }, nil, nil},
		{"metadata hides an escape", func(b string) string { return b + "\x1b[0m" }, nil, nil},
		{"iss is a metadata URL", nil, func(b string) string { return b + "/.well-known/openid-configuration" }, nil},
		{"pinned issuer differs by a slash", nil, nil, func(b string) string { return b + "/" }},
	} {
		claimed, iss, pinned := c.claimed, c.iss, c.pinned
		same := func(b string) string { return b }
		if claimed == nil {
			claimed = same
		}
		if iss == nil {
			iss = same
		}
		ts := lyingIssuer(t, k, claimed)
		want := ""
		if pinned != nil {
			want = pinned(ts.URL)
		}
		v := NewClient().Verify(ctx, sign(t, jose.RS256, k, "a", map[string]any{"iss": iss(ts.URL), "exp": exp}), want)
		if v.Status == Verified {
			t.Errorf("%s: verified: %s", c.name, v.Reason)
		}
		if strings.ContainsAny(v.Reason, "\x1b\u202e") {
			t.Errorf("%s: raw control in the reason: %q", c.name, v.Reason)
		}
	}
}

// TestDiscoverMetadataURLMustBelongToItsIssuer: a metadata URL given to --discover is
// accepted only when it is where the document's own issuer publishes its metadata.
func TestDiscoverMetadataURLMustBelongToItsIssuer(t *testing.T) {
	t.Parallel()
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	ctx := context.Background()
	honest := lyingIssuer(t, k, func(base string) string { return base + "/realms/x" })
	if m, err := NewClient().Discover(ctx, honest.URL+"/realms/x/.well-known/openid-configuration"); err != nil || m.Issuer != honest.URL+"/realms/x" {
		t.Fatalf("metadata URL of its issuer: %v", err)
	}
	if m, err := NewClient().Discover(ctx, honest.URL+"/.well-known/oauth-authorization-server/realms/x"); err != nil || m.Issuer != honest.URL+"/realms/x" {
		t.Fatalf("RFC 8414 path-inserted metadata URL of its issuer: %v", err)
	}
	liar := lyingIssuer(t, k, func(string) string { return "https://sso.example.com/realms/x" })
	if _, err := NewClient().Discover(ctx, liar.URL+"/realms/x/.well-known/openid-configuration"); err == nil || !strings.Contains(err.Error(), "sso.example.com") {
		t.Fatalf("metadata URL naming another issuer: %v", err)
	}
	// A document whose URLs hold control characters is refused, not cleaned up.
	var ts *httptest.Server
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": ts.URL, "token_endpoint": ts.URL + "/tok\u202een", "jwks_uri": ts.URL + "/keys"})
	}))
	t.Cleanup(ts.Close)
	if _, err := NewClient().Discover(ctx, ts.URL); err == nil || !strings.Contains(err.Error(), "token_endpoint") {
		t.Fatalf("token_endpoint with a bidi override: %v", err)
	} else if strings.Contains(err.Error(), "\u202e") {
		t.Fatalf("raw bidi override in the error: %q", err)
	}
}

// TestTokenEndpointOrigin: the origin check behind --yes compares scheme, host and port.
func TestTokenEndpointOrigin(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		issuer, token string
		cross         bool
	}{
		{"https://sso.example.com/realms/x", "https://sso.example.com/realms/x/protocol/openid-connect/token", false},
		{"https://SSO.example.com", "https://sso.example.com:443/token", false},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8081/token", true},
		{"https://sso.example.com", "http://sso.example.com/token", true},
		{"https://cognito-idp.eu-west-1.amazonaws.com/pool", "https://x.auth.eu-west-1.amazoncognito.com/oauth2/token", true},
		{"https://sso.example.com", "https://sso.example.com.evil.test/token", true},
	} {
		m := &Metadata{Issuer: c.issuer, TokenEndpoint: c.token}
		io, to, cross := m.TokenEndpointOrigin()
		if cross != c.cross || io == "" || to == "" {
			t.Errorf("%s → %s: %s %s %v", c.issuer, c.token, io, to, cross)
		}
	}
}

// TestDiscoverRefusesCredentialsInTheIssuer: an issuer URL with user:password is refused
// before any request (Go would send them as Basic auth to the discovery server), and the
// error shows the URL with the credentials REDACTED, not echoed once per location tried.
func TestDiscoverRefusesCredentialsInTheIssuer(t *testing.T) {
	t.Parallel()
	hits := 0
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++; http.NotFound(w, r) }))
	defer ts.Close()
	for _, iss := range []string{strings.Replace(ts.URL, "://", "://u:SECRETPW@", 1) + "/realms/x", strings.Replace(ts.URL, "://", "://SECRETPW@", 1),
		"ftp://u:SECRETPW@example.com/x"} {
		_, err := NewClient().Discover(context.Background(), iss)
		if err == nil || strings.Contains(err.Error(), "SECRETPW") || !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("%s: %v", iss, err)
		}
		if err := CheckIssuerURL(iss); err == nil || strings.Contains(err.Error(), "SECRETPW") {
			t.Errorf("CheckIssuerURL(%s): %v", iss, err)
		}
	}
	if hits != 0 {
		t.Fatalf("%d requests went to the discovery server", hits)
	}
	if err := CheckIssuerURL(ts.URL + "/realms/x"); err != nil {
		t.Fatal(err)
	}
}

// A discovery document whose token_endpoint (or jwks_uri) carries user:password@ is
// refused, and the credentials never appear in the error: the app showed it as found
// and the CLI printed it.
func TestDiscoveredEndpointWithCredentialsIsRefused(t *testing.T) {
	t.Parallel()
	for _, field := range []string{"token_endpoint", "jwks_uri"} {
		var ts *httptest.Server
		ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			doc := map[string]string{"issuer": ts.URL, "token_endpoint": ts.URL + "/tok", "jwks_uri": ts.URL + "/jwks"}
			doc[field] = strings.Replace(ts.URL, "://", "://bob:TEPASS@", 1) + "/x"
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(doc)
		}))
		_, err := NewClient().Discover(context.Background(), ts.URL)
		ts.Close()
		if err == nil || strings.Contains(err.Error(), "TEPASS") || !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("%s with credentials: %v", field, err)
		}
	}
}

// A server that publishes mtls_endpoint_aliases (RFC 8705 §5) takes mutual TLS at the
// alias: the token endpoint for tls_client_auth and self_signed_tls_client_auth is
// the alias, for every other method token_endpoint; the origin checked is that of the
// endpoint the suggested method uses. An alias with credentials or control characters
// in it is refused, as token_endpoint is.
func TestMTLSEndpointAlias(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	var ts *httptest.Server
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	}))
	defer ts.Close()
	doc = map[string]any{"issuer": ts.URL, "token_endpoint": ts.URL + "/token",
		"token_endpoint_auth_methods_supported": []string{"tls_client_auth"},
		"mtls_endpoint_aliases":                 map[string]string{"token_endpoint": "https://mtls.example.com/token"}}
	m, err := NewClient().Discover(context.Background(), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.TokenEndpointFor(AuthTLS); got != "https://mtls.example.com/token" {
		t.Errorf("tls_client_auth: %s", got)
	}
	if got := m.TokenEndpointFor(AuthSelfSignedTLS); got != "https://mtls.example.com/token" {
		t.Errorf("self_signed_tls_client_auth: %s", got)
	}
	if got := m.TokenEndpointFor(AuthBasic); got != ts.URL+"/token" {
		t.Errorf("basic: %s", got)
	}
	if _, tok, cross := m.TokenEndpointOrigin(); !cross || tok != "https://mtls.example.com" {
		t.Errorf("origin of the suggested method's endpoint: %s %v", tok, cross)
	}
	// Without an alias, every method uses token_endpoint.
	if (&Metadata{TokenEndpoint: "https://a/t"}).TokenEndpointFor(AuthTLS) != "https://a/t" {
		t.Error("no alias: not token_endpoint")
	}
	for _, bad := range []string{strings.Replace(ts.URL, "://", "://bob:TEPASS@", 1) + "/x", ts.URL + "/x\x1b[31m"} {
		doc["mtls_endpoint_aliases"] = map[string]string{"token_endpoint": bad}
		_, err := NewClient().Discover(context.Background(), ts.URL)
		if err == nil || strings.Contains(err.Error(), "TEPASS") || strings.Contains(err.Error(), "\x1b") {
			t.Errorf("alias %q: %v", bad, err)
		}
	}
}
