package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oatcli/oat/oauth/oauthtest"
)

func fetch(t testing.TB, srv *oauthtest.Server, f oauthtest.Flavour, scopes ...string) string {
	t.Helper()
	tok, err := NewClient().FetchToken(context.Background(), req(srv, f, AuthAuto, scopes...))
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestVerifyAgainstOauthtest(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := NewClient()
	ctx := context.Background()

	good := fetch(t, srv, oauthtest.Generic)
	v := c.Verify(ctx, good, "")
	if v.Status != Verified || v.KeyID == "" || !strings.Contains(v.Reason, v.KeyID) || v.JWKSURI != srv.URL+"/jwks" {
		t.Fatalf("good token: %+v", v)
	}
	kc := fetch(t, srv, oauthtest.Keycloak)
	if v := c.Verify(ctx, kc, srv.Issuer(oauthtest.Keycloak, "demo")); v.Status != Verified {
		t.Fatalf("keycloak realm token: %+v", v)
	}

	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	claims := map[string]any{"iss": srv.URL, "sub": "x", "exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
	parts := strings.Split(good, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	tampered := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"sub":"generic-client"`, `"sub":"admin"`, 1))) + "." + parts[2]
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	expiredClaims := map[string]any{"iss": srv.URL, "sub": "x", "exp": now.Add(-time.Hour).Unix()}
	expired, _ := srv.Sign(expiredClaims)

	cases := []struct {
		name, token, expect string
		status              VerifyStatus
	}{
		{"unknown kid", sign(t, jose.RS256, other, "k-stranger", claims), "unknown key id", VerifyFailed},
		{"known kid, other key", sign(t, jose.RS256, other, v.KeyID, claims), "bad signature", VerifyFailed},
		{"tampered payload", tampered, "bad signature", VerifyFailed},
		{"alg none", none, `alg "none"`, VerifyFailed},
		{"hmac", sign(t, jose.HS256, []byte("0123456789abcdef0123456789abcdef"), "", claims), "HMAC", VerifyFailed},
		{"expired", expired, "expired", VerifyFailed},
		{"no iss", sign(t, jose.RS256, other, "k", map[string]any{"sub": "x"}), "no iss", NotVerifiable},
		{"opaque", "opq_abcdef", "opaque", NotVerifiable},
		{"issuer without discovery", sign(t, jose.RS256, other, "k", map[string]any{"iss": srv.URL + "/nowhere"}), "could not find", NotVerifiable},
	}
	for _, tc := range cases {
		got := c.Verify(ctx, tc.token, "")
		if got.Status != tc.status || !strings.Contains(got.Reason, tc.expect) {
			t.Errorf("%s: %s: %s (want %s, %q)", tc.name, got.Status, got.Reason, tc.status, tc.expect)
		}
	}
	if v := c.Verify(ctx, good, "https://someone.else"); v.Status != VerifyFailed || !strings.Contains(v.Reason, "issuer mismatch") {
		t.Errorf("expected issuer: %+v", v)
	}
}

func TestVerifyRefetchesOnceForNewKid(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := NewClient()
	ctx := context.Background()
	if v := c.Verify(ctx, fetch(t, srv, oauthtest.Generic), ""); v.Status != Verified {
		t.Fatal(v.Reason)
	}
	if n := srv.JWKSFetches(); n != 1 {
		t.Fatalf("%d JWKS fetches", n)
	}
	if v := c.Verify(ctx, fetch(t, srv, oauthtest.Generic), ""); v.Status != Verified || srv.JWKSFetches() != 1 {
		t.Fatalf("cached JWKS not reused: %d fetches", srv.JWKSFetches())
	}
	newKid, err := srv.RotateSigningKey()
	if err != nil {
		t.Fatal(err)
	}
	v := c.Verify(ctx, fetch(t, srv, oauthtest.Generic), "")
	if v.Status != Verified || v.KeyID != newKid || srv.JWKSFetches() != 2 {
		t.Fatalf("after key rotation: %+v, %d fetches", v, srv.JWKSFetches())
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	c.Verify(ctx, sign(t, jose.RS256, other, "k-never", map[string]any{"iss": srv.URL}), "")
	if srv.JWKSFetches() != 3 {
		t.Fatalf("unknown kid must refetch exactly once: %d fetches", srv.JWKSFetches())
	}
}

// issuer serves discovery and a JWKS for arbitrary keys, for the algorithms oauthtest
// does not use, and can lie about its issuer.
func issuer(t *testing.T, keys []jose.JSONWebKey, claimedIssuer string) *httptest.Server {
	t.Helper()
	var ts *httptest.Server
	ts = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			iss := claimedIssuer
			if iss == "" {
				iss = ts.URL
			}
			json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "token_endpoint": ts.URL + "/token", "jwks_uri": ts.URL + "/keys"})
		case "/keys":
			json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: keys})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(ts.Close)
	return ts
}

func TestVerifyAlgorithms(t *testing.T) {
	t.Parallel()
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	keys := []jose.JSONWebKey{
		{Key: &rsaKey.PublicKey, KeyID: "rsa", Use: "sig"},
		{Key: &ecKey.PublicKey, KeyID: "ec", Use: "sig"},
		{Key: &ec384.PublicKey, KeyID: "ec384", Use: "sig"},
		{Key: edKey.Public(), KeyID: "ed", Use: "sig"},
	}
	ts := issuer(t, keys, "")
	claims := map[string]any{"iss": ts.URL, "exp": time.Now().Add(time.Hour).Unix()}
	c := NewClient()
	for _, tc := range []struct {
		alg jose.SignatureAlgorithm
		key any
		kid string
	}{
		{jose.RS256, rsaKey, "rsa"}, {jose.RS512, rsaKey, "rsa"}, {jose.PS256, rsaKey, "rsa"}, {jose.PS384, rsaKey, "rsa"},
		{jose.ES256, ecKey, "ec"}, {jose.ES384, ec384, "ec384"}, {jose.EdDSA, edKey, "ed"}, {jose.RS256, rsaKey, ""},
	} {
		v := c.Verify(context.Background(), sign(t, tc.alg, tc.key, tc.kid, claims), "")
		if v.Status != Verified {
			t.Errorf("%s kid %q: %s %s", tc.alg, tc.kid, v.Status, v.Reason)
		}
	}
}

func TestVerifyIssuerMismatchInDiscovery(t *testing.T) {
	t.Parallel()
	k, _ := rsa.GenerateKey(rand.Reader, 2048)
	ts := issuer(t, []jose.JSONWebKey{{Key: &k.PublicKey, KeyID: "a", Use: "sig"}}, "https://impostor.example")
	v := NewClient().Verify(context.Background(), sign(t, jose.RS256, k, "a", map[string]any{"iss": ts.URL}), "")
	if v.Status != VerifyFailed || !strings.Contains(v.Reason, "issuer mismatch") {
		t.Fatalf("%+v", v)
	}
}

func TestDiscovery(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := NewClient()
	ctx := context.Background()
	for _, tc := range []struct{ issuer, tokenURL, source string }{
		{srv.URL, srv.URL + "/token", srv.URL + "/.well-known/openid-configuration"},
		{srv.URL + "/realms/demo", srv.TokenURLRealm(oauthtest.Keycloak, "demo"), srv.URL + "/realms/demo/.well-known/openid-configuration"},
		{srv.URL + "/realms/rfc8414only/", srv.TokenURLRealm(oauthtest.Keycloak, "rfc8414only"), srv.URL + "/.well-known/oauth-authorization-server/realms/rfc8414only"},
		{srv.URL + "/realms/demo/.well-known/openid-configuration", srv.TokenURLRealm(oauthtest.Keycloak, "demo"), srv.URL + "/realms/demo/.well-known/openid-configuration"},
	} {
		m, err := c.Discover(ctx, tc.issuer)
		if err != nil {
			t.Errorf("%s: %v", tc.issuer, err)
			continue
		}
		if m.TokenEndpoint != tc.tokenURL || m.Source != tc.source || m.SuggestedAuth() != AuthAuto || len(m.Scopes) == 0 {
			t.Errorf("%s: %+v", tc.issuer, m)
		}
	}
	if _, err := c.Discover(ctx, srv.URL+"/nothing/here"); err == nil || !strings.Contains(err.Error(), "tried") {
		t.Errorf("missing discovery: %v", err)
	}
	if _, err := c.Discover(ctx, "http://auth.example.com/realms/x"); err == nil || !strings.Contains(err.Error(), "https") {
		t.Errorf("plain http to a remote host: %v", err)
	}
	urls, _ := DiscoveryURLs("https://sso.example.org/realms/ecoinvent")
	want := []string{
		"https://sso.example.org/realms/ecoinvent/.well-known/openid-configuration",
		"https://sso.example.org/.well-known/oauth-authorization-server/realms/ecoinvent",
		"https://sso.example.org/.well-known/openid-configuration/realms/ecoinvent",
		"https://sso.example.org/realms/ecoinvent/.well-known/oauth-authorization-server",
	}
	if strings.Join(urls, " ") != strings.Join(want, " ") {
		t.Errorf("discovery URLs: %v", urls)
	}
}

func TestSuggestedAuth(t *testing.T) {
	t.Parallel()
	for methods, want := range map[string]AuthMethod{
		"client_secret_basic": AuthBasic, "client_secret_post": AuthPost,
		"client_secret_basic client_secret_post": AuthAuto, "": AuthAuto,
	} {
		m := Metadata{TokenAuthMethods: strings.Fields(methods)}
		if got := m.SuggestedAuth(); got != want {
			t.Errorf("%q: %s", methods, got)
		}
	}
}

// A server that takes no client secret in the header or the body but lists another
// method oat supports gets that method suggested, with the reason; one that lists
// client_secret_basic or client_secret_post keeps today's choice whatever else it
// lists.
func TestSuggestAuthBeyondSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		methods string
		want    AuthMethod
		why     string
	}{
		{"private_key_jwt", AuthPrivateKeyJWT, "lists no client_secret_basic or client_secret_post"},
		{"private_key_jwt tls_client_auth client_secret_jwt", AuthPrivateKeyJWT, "private_key_jwt"},
		{"tls_client_auth", AuthTLS, "mutual TLS"},
		{"self_signed_tls_client_auth", AuthSelfSignedTLS, "self-signed"},
		{"tls_client_auth self_signed_tls_client_auth", AuthTLS, "tls_client_auth"},
		{"client_secret_jwt", AuthClientSecretJWT, "client_secret_jwt"},
		{"client_secret_jwt tls_client_auth", AuthClientSecretJWT, "client_secret_jwt"},
		{"none", AuthAuto, "none oat supports"},
		{"", AuthAuto, "lists no auth methods"},
		{"client_secret_basic private_key_jwt", AuthBasic, "client_secret_basic"},
		{"client_secret_post tls_client_auth", AuthPost, "client_secret_post"},
		{"client_secret_basic client_secret_post private_key_jwt", AuthAuto, "both"},
	} {
		m := Metadata{TokenAuthMethods: strings.Fields(tc.methods)}
		s := m.SuggestAuth()
		if s.Method != tc.want || !strings.Contains(s.Why, tc.why) {
			t.Errorf("%q: %s (%s), want %s (…%s…)", tc.methods, s.Method, s.Why, tc.want, tc.why)
		}
		if s.Beyond() != strings.Contains(s.Why, "lists no client_secret_basic") {
			t.Errorf("%q: Beyond %v (%s)", tc.methods, s.Beyond(), s.Why)
		}
		if m.SuggestedAuth() != s.Method {
			t.Errorf("%q: SuggestedAuth %s, SuggestAuth %s", tc.methods, m.SuggestedAuth(), s.Method)
		}
	}
	// What the server lists never reaches the reason (it is shown in a terminal).
	m := Metadata{TokenAuthMethods: []string{"\x1b]0;pwned\a", "private_key_jwt"}}
	if s := m.SuggestAuth(); strings.Contains(s.Why, "pwned") || s.Method != AuthPrivateKeyJWT {
		t.Errorf("hostile list: %s %q", s.Method, s.Why)
	}
}

func BenchmarkVerifyRS256Cached(b *testing.B) {
	srv, err := oauthtest.New()
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	srv.AddClient(oauthtest.Client{ID: "generic-client", Secrets: []string{"s3cret"}})
	tok := fetch(b, srv, oauthtest.Generic)
	c := NewClient()
	if v := c.Verify(context.Background(), tok, ""); v.Status != Verified {
		b.Fatal(v.Reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		if v := c.Verify(context.Background(), tok, ""); v.Status != Verified {
			b.Fatal(v.Reason)
		}
	}
}
