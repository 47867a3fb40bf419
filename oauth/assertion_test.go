package oauth

import (
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
)

const jwtSecret = "an-hs256-client-secret-of-32-bytes-or-more"

// jwtServer starts oauthtest with a Generic client "jwt-client" that has jwtSecret and
// the public JWK of key (when given) registered.
func jwtServer(t *testing.T, key crypto.Signer, alg string) *oauthtest.Server {
	t.Helper()
	srv := oauthtest.NewForTest(t, "s3cret")
	srv.AddClient(oauthtest.Client{ID: "jwt-client", Secrets: []string{jwtSecret}, Scopes: []string{"api/read"}})
	if key != nil {
		docs, err := PublicDocs(key, alg)
		if err != nil {
			t.Fatal(err)
		}
		if err := srv.RegisterKey("jwt-client", []byte(docs.JWK)); err != nil {
			t.Fatal(err)
		}
	}
	return srv
}

func jwtReq(srv *oauthtest.Server, auth AuthMethod, key crypto.Signer, alg string) TokenRequest {
	return TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "jwt-client", ClientSecret: jwtSecret,
		Auth: auth, ClientKey: key, SigningAlg: alg, Scopes: []string{"api/read"}}
}

// Each method and algorithm against oauthtest, which verifies the assertion strictly.
func TestClientAssertionMethodsAndAlgs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		auth AuthMethod
		alg  string
	}{
		{AuthPrivateKeyJWT, "RS256"}, {AuthPrivateKeyJWT, "PS256"}, {AuthPrivateKeyJWT, "ES256"},
		{AuthPrivateKeyJWT, "EdDSA"}, {AuthClientSecretJWT, "HS256"},
	} {
		t.Run(string(tc.auth)+"/"+tc.alg, func(t *testing.T) {
			t.Parallel()
			var key crypto.Signer
			if tc.auth == AuthPrivateKeyJWT {
				var err error
				if key, err = GenerateClientKey(tc.alg); err != nil {
					t.Fatal(err)
				}
			}
			srv := jwtServer(t, key, tc.alg)
			c := NewClient()
			r := jwtReq(srv, tc.auth, key, tc.alg)
			if tc.auth == AuthClientSecretJWT {
				r.SigningAlg = ""
			}
			tok, err := c.FetchToken(context.Background(), r)
			if err != nil {
				t.Fatalf("fetch: %v", err)
			}
			if tok.Auth != tc.auth || srv.AssertionsSeen() != 1 {
				t.Fatalf("auth %s, assertions %d", tok.Auth, srv.AssertionsSeen())
			}
			body := tok.Exchange.RequestBody
			for _, want := range []string{"client_assertion=%5Bredacted%5D", "client_id=jwt-client",
				"client_assertion_type=" + url.QueryEscape(ClientAssertionType)} {
				if !strings.Contains(body, want) {
					t.Errorf("request body %q lacks %q", body, want)
				}
			}
			if strings.Contains(body, "client_secret=") || strings.Contains(body, jwtSecret) {
				t.Errorf("request body %q carries the secret", body)
			}
			// The assertion's header: the algorithm asked for, the key's thumbprint as kid.
			a, err := c.clientAssertion(r, tc.auth)
			if err != nil {
				t.Fatal(err)
			}
			hdr, claims := decodeJWTParts(t, a)
			if hdr["alg"] != tc.alg {
				t.Errorf("alg %v, want %s", hdr["alg"], tc.alg)
			}
			if key != nil {
				tp, _ := Thumbprint(key.Public())
				if hdr["kid"] != tp {
					t.Errorf("kid %v, want thumbprint %s", hdr["kid"], tp)
				}
			}
			if claims["iss"] != "jwt-client" || claims["sub"] != "jwt-client" || claims["aud"] != r.TokenURL {
				t.Errorf("claims %v", claims)
			}
			if exp, iat := claims["exp"].(float64), claims["iat"].(float64); exp-iat != (AssertionLifetime+AssertionBackdate).Seconds() || claims["jti"] == "" {
				t.Errorf("exp %v iat %v jti %v", exp, iat, claims["jti"])
			}
		})
	}
}

// oauthtest is strict: an assertion sent twice (same jti), one for another audience, one
// signed by an unregistered key and one with a wrong secret are all invalid_client.
func TestOauthtestRejectsBadAssertions(t *testing.T) {
	t.Parallel()
	key, _ := GenerateClientKey("ES256")
	srv := jwtServer(t, key, "ES256")
	c := NewClient()
	r := jwtReq(srv, AuthPrivateKeyJWT, key, "ES256")
	post := func(assertion string) (int, string) {
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {"jwt-client"},
			"client_assertion_type": {ClientAssertionType}, "client_assertion": {assertion}}
		resp, err := http.PostForm(r.TokenURL, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		n, _ := resp.Body.Read(buf)
		b.Write(buf[:n])
		return resp.StatusCode, b.String()
	}
	a, err := c.clientAssertion(r, AuthPrivateKeyJWT)
	if err != nil {
		t.Fatal(err)
	}
	if st, body := post(a); st != 200 {
		t.Fatalf("first use: %d %s", st, body)
	}
	if st, body := post(a); st != 401 || !strings.Contains(body, "replay") {
		t.Errorf("replayed jti: %d %s", st, body)
	}
	// aud: the issuer, where the server wants its token endpoint.
	ri := r
	ri.AssertionAudience, ri.Issuer = AudienceIssuer, srv.Issuer(oauthtest.Generic, "")
	a, _ = c.clientAssertion(ri, AuthPrivateKeyJWT)
	if st, body := post(a); st != 401 || !strings.Contains(body, "aud") {
		t.Errorf("wrong aud: %d %s", st, body)
	}
	_, err = c.FetchToken(context.Background(), ri)
	if !IsAuthRejected(err) {
		t.Errorf("FetchToken with the wrong aud: %v", err)
	}
	// A key the client never registered (its kid is unknown).
	other, _ := GenerateClientKey("ES256")
	ro := r
	ro.ClientKey = other
	a, _ = c.clientAssertion(ro, AuthPrivateKeyJWT)
	if st, body := post(a); st != 401 || !strings.Contains(body, "kid") {
		t.Errorf("unregistered key: %d %s", st, body)
	}
	// The right kid over another key's signature.
	a, _ = c.clientAssertion(r, AuthPrivateKeyJWT)
	b, _ := c.clientAssertion(ro, AuthPrivateKeyJWT)
	forged := a[:strings.LastIndexByte(a, '.')] + b[strings.LastIndexByte(b, '.'):]
	if st, body := post(forged); st != 401 || !strings.Contains(body, "signature") {
		t.Errorf("forged signature: %d %s", st, body)
	}
	// client_secret_jwt with another secret.
	rs := jwtReq(srv, AuthClientSecretJWT, nil, "")
	rs.ClientSecret = strings.Repeat("x", 40)
	a, _ = c.clientAssertion(rs, AuthClientSecretJWT)
	if st, body := post(a); st != 401 || !strings.Contains(body, "signature") {
		t.Errorf("wrong HS256 secret: %d %s", st, body)
	}
	// An assertion that expired: the server's clock moved past its exp.
	a, _ = c.clientAssertion(r, AuthPrivateKeyJWT)
	srv.SetClock(func() time.Time { return time.Now().Add(2 * AssertionLifetime) })
	if st, body := post(a); st != 401 || !strings.Contains(body, "expired") {
		t.Errorf("expired: %d %s", st, body)
	}
	srv.SetClock(time.Now)
	// A server that wants the issuer as aud accepts it.
	srv.AddClient(oauthtest.Client{ID: "jwt-client", Scopes: []string{"api/read"}, AssertionAudience: "issuer"})
	docs, _ := PublicDocs(key, "ES256")
	_ = srv.RegisterKey("jwt-client", []byte(docs.JWK))
	if _, err := c.FetchToken(context.Background(), ri); err != nil {
		t.Errorf("aud = issuer where the server wants it: %v", err)
	}
}

// The server's token_endpoint_auth_signing_alg_values_supported wins; a key that can do
// none of them fails before any request.
func TestAssertionAlgFromMetadata(t *testing.T) {
	t.Parallel()
	rsaKey, _ := GenerateClientKey("RS256")
	srv := jwtServer(t, rsaKey, "")
	srv.SetAssertionAlgs([]string{"PS256"})
	c := NewClient()
	m, err := c.Discover(context.Background(), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r := jwtReq(srv, AuthPrivateKeyJWT, rsaKey, "RS256")
	r.SigningAlgs = m.TokenAuthSigningAlgs
	tok, err := c.FetchToken(context.Background(), r)
	if err != nil {
		t.Fatalf("PS256 from the metadata: %v", err)
	}
	_ = tok
	ecKey, _ := GenerateClientKey("ES256")
	r.ClientKey = ecKey
	before := srv.TokenRequests()
	_, err = c.FetchToken(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "PS256") || !strings.Contains(err.Error(), "ES256") {
		t.Fatalf("EC key, PS256 only: %v", err)
	}
	if srv.TokenRequests() != before {
		t.Error("a request was sent although no algorithm fits")
	}
	r = jwtReq(srv, AuthClientSecretJWT, nil, "")
	r.SigningAlgs = m.TokenAuthSigningAlgs
	if _, err = c.FetchToken(context.Background(), r); err == nil || !strings.Contains(err.Error(), "HS256") {
		t.Fatalf("HS256 not offered: %v", err)
	}
	// A short secret cannot key HS256.
	r = jwtReq(srv, AuthClientSecretJWT, nil, "")
	r.ClientSecret = "short"
	if _, err = c.FetchToken(context.Background(), r); err == nil || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("short secret: %v", err)
	}
}

// A server that echoes the assertion in its error: the assertion never reaches the
// error text or the exchange.
func TestAssertionRedactedFromErrors(t *testing.T) {
	t.Parallel()
	key, _ := GenerateClientKey("ES256")
	srv := jwtServer(t, key, "ES256")
	srv.SetMisbehaviour("jwt-client", oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		a := r.PostForm.Get("client_assertion")
		sig := a[strings.LastIndexByte(a, '.')+1:]
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", a)
		w.WriteHeader(401)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad assertion ` + a + ` sig ` + sig + `"}`))
	}})
	c := NewClient()
	_, err := c.FetchToken(context.Background(), jwtReq(srv, AuthPrivateKeyJWT, key, "ES256"))
	var oe *OAuthError
	if !errors.As(err, &oe) {
		t.Fatalf("%v", err)
	}
	text := err.Error() + oe.Exchange.ResponseBody + oe.Exchange.RequestBody + strings.Join(oe.Exchange.ResponseHeaders.Values("X-Echo"), "")
	if strings.Contains(text, "eyJ") {
		t.Errorf("the assertion leaked: %s", text)
	}
	if !strings.Contains(oe.Description, Redacted) {
		t.Errorf("description %q", oe.Description)
	}
}

func decodeJWTParts(t *testing.T, s string) (hdr, claims map[string]any) {
	t.Helper()
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWS: %d parts", len(parts))
	}
	for i, dst := range []*map[string]any{&hdr, &claims} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			t.Fatal(err)
		}
	}
	return hdr, claims
}

// oauthtest refuses an algorithm it does not accept, and an algorithm other than the
// one the key was registered for.
func TestOauthtestRejectsWrongAlg(t *testing.T) {
	t.Parallel()
	key, _ := GenerateClientKey("RS256")
	srv := jwtServer(t, key, "RS256") // registered for RS256
	c := NewClient()
	r := jwtReq(srv, AuthPrivateKeyJWT, key, "PS256")
	_, err := c.FetchToken(context.Background(), r)
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "invalid_client" || !strings.Contains(oe.Description, "registered for RS256") {
		t.Fatalf("PS256 with a key registered for RS256: %v", err)
	}
	srv.SetAssertionAlgs([]string{"ES256"})
	r.SigningAlg = "RS256"
	_, err = c.FetchToken(context.Background(), r)
	if !errors.As(err, &oe) || oe.Code != "invalid_client" || !strings.Contains(oe.Description, "algorithm") {
		t.Fatalf("RS256 where only ES256 is accepted: %v", err)
	}
}

// invalid_client for a key says what to check for a key, not for a secret.
func TestInvalidClientHintForKeys(t *testing.T) {
	t.Parallel()
	key, _ := GenerateClientKey("ES256")
	srv := jwtServer(t, nil, "")
	_, err := NewClient().FetchToken(context.Background(), jwtReq(srv, AuthPrivateKeyJWT, key, ""))
	if h := HintOf(err); !strings.Contains(h, "public JWK registered") {
		t.Fatalf("hint %q (%v)", h, err)
	}
}
