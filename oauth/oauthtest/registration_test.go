package oauthtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// testKey is a private key and its public JWK (kid = its thumbprint).
type testKey struct {
	priv *ecdsa.PrivateKey
	kid  string
	jwk  []byte
}

func newTestKey(t *testing.T) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pub := jose.JSONWebKey{Key: &k.PublicKey, Algorithm: "ES256", Use: "sig"}
	tp, err := pub.Thumbprint(crypto256)
	if err != nil {
		t.Fatal(err)
	}
	pub.KeyID = b64(tp)
	j, err := pub.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return testKey{priv: k, kid: pub.KeyID, jwk: j}
}

// token asks s for a token of client id with an assertion signed by k: the HTTP status.
func (k testKey) token(t *testing.T, s *Server, id string) int {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.priv}, (&jose.SignerOptions{}).WithHeader("kid", k.kid))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	a, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: id, Subject: id, Audience: jwt.Audience{s.TokenURL(Generic)},
		ID: randHex(8), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	code, _, _ := post(t, s.TokenURL(Generic), url.Values{"grant_type": {"client_credentials"}, "client_id": {id},
		"client_assertion_type": {assertionType}, "client_assertion": {a}}, "")
	return code
}

// A client keeps several keys: ReplaceOnFirstUse drops only the old key of the pair,
// at the new one's first use; a dropped key registered again works again.
func TestReplaceOnFirstUse(t *testing.T) {
	t.Parallel()
	s := NewForTest(t, "x")
	s.AddClient(Client{ID: "k", Scopes: []string{"api/read"}})
	old, other, next := newTestKey(t), newTestKey(t), newTestKey(t)
	for _, k := range []testKey{old, other, next} {
		if err := s.RegisterKey("k", k.jwk); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.ReplaceOnFirstUse("k", old.kid, next.kid); err != nil {
		t.Fatal(err)
	}
	// Using another key, registered later, drops nothing.
	if other.token(t, s, "k") != 200 || old.token(t, s, "k") != 200 {
		t.Fatal("a key was dropped before the new one of its rotation was used")
	}
	if next.token(t, s, "k") != 200 {
		t.Fatal("the new key")
	}
	if old.token(t, s, "k") != 401 {
		t.Fatal("the rotation's old key still works after the new one's first use")
	}
	if other.token(t, s, "k") != 200 || next.token(t, s, "k") != 200 {
		t.Fatal("a key other than the old one was dropped")
	}
	if err := s.RegisterKey("k", old.jwk); err != nil || old.token(t, s, "k") != 200 {
		t.Fatalf("the old key registered again: %v", err)
	}
	if err := s.ReplaceOnFirstUse("k", old.kid, old.kid); err == nil {
		t.Fatal("a key replacing itself")
	}
}

func postBody(t *testing.T, u, body string) (int, map[string]string) {
	t.Helper()
	resp, err := http.Post(u, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]string
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// The registration endpoints are off unless turned on; on, they register a public JWK
// or a certificate, refuse private keys and bodies over the bound, and tell the hook.
func TestServeRegistration(t *testing.T) {
	t.Parallel()
	s := NewForTest(t, "x")
	s.AddClient(Client{ID: "k", Scopes: []string{"api/read"}})
	k := newTestKey(t)
	if code, _ := postBody(t, s.URL+"/demo/clients/k/keys", string(k.jwk)); code != 404 {
		t.Fatalf("registration is on by default: %d", code)
	}
	var told []string
	s.ServeRegistration(func(id, cred string) { told = append(told, id+" "+cred) })
	if code, m := postBody(t, s.URL+"/demo/clients/k/keys", string(k.jwk)); code != 201 || m["kid"] != k.kid {
		t.Fatalf("register a key: %d %v", code, m)
	}
	if k.token(t, s, "k") != 200 || len(told) != 1 || told[0] != "k "+k.kid {
		t.Fatalf("the registered key: told %v", told)
	}
	k2 := newTestKey(t)
	if code, m := postBody(t, s.URL+"/demo/clients/k/keys", `{"keys":[`+string(k2.jwk)+`]}`); code != 201 || m["kid"] != k2.kid || k2.token(t, s, "k") != 200 {
		t.Fatalf("register a JWKS of one key: %d %v", code, m)
	}
	told = told[:1]
	priv, _ := json.Marshal(jose.JSONWebKey{Key: k.priv, KeyID: "p", Algorithm: "ES256"})
	if code, m := postBody(t, s.URL+"/demo/clients/k/keys", string(priv)); code != 400 || !strings.Contains(m["error"], "private JWK") || strings.Contains(m["error"], `"d"`) {
		t.Fatalf("a private JWK: %d %v", code, m)
	}
	if code, _ := postBody(t, s.URL+"/demo/clients/k/keys", strings.Repeat(" ", MaxRegistrationBody+1)+string(k.jwk)); code != 413 {
		t.Fatalf("an oversized body: %d", code)
	}
	if code, _ := postBody(t, s.URL+"/demo/clients/nobody/keys", string(k.jwk)); code != 400 {
		t.Fatalf("an unknown client: %d", code)
	}
	ca, err := NewCA("c")
	if err != nil {
		t.Fatal(err)
	}
	chain, key, err := ca.Issue(CertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[0]}))
	if code, m := postBody(t, s.URL+"/demo/clients/k/certs", string(PEM(chain, key))); code != 400 || !strings.Contains(m["error"], "private key") {
		t.Fatalf("a certificate with its key: %d %v", code, m)
	}
	if code, m := postBody(t, s.URL+"/demo/clients/k/certs", certPEM); code != 201 || m["x5t#S256"] != Thumbprint(chain[0]) {
		t.Fatalf("register a certificate: %d %v", code, m)
	}
	s.mu.Lock()
	tps := s.clients["k"].TLSThumbprints
	s.mu.Unlock()
	if len(tps) != 1 || tps[0] != Thumbprint(chain[0]) || len(told) != 2 {
		t.Fatalf("registered thumbprints %v, told %v", tps, told)
	}
}

const crypto256 = crypto.SHA256

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// The registration endpoints serve only the clients they are turned on for (the demo's
// key and certificate clients): a key posted for another client (one with a secret)
// gave anyone on the machine a way in as that client. And a client holds a bounded
// number of keys and certificates through them: each post of a new kid was kept.
func TestServeRegistrationOnlyForItsClients(t *testing.T) {
	t.Parallel()
	s := NewForTest(t, "x")
	s.AddClient(Client{ID: "k", Scopes: []string{"api/read"}})
	s.AddClient(Client{ID: "secret-client", Secrets: []string{"s3cret"}, Scopes: []string{"api/read"}})
	var told []string
	s.ServeRegistration(func(id, cred string) { told = append(told, id+" "+cred) }, "k")
	k := newTestKey(t)
	if code, m := postBody(t, s.URL+"/demo/clients/secret-client/keys", string(k.jwk)); code != 403 || !strings.Contains(m["error"], "k") {
		t.Fatalf("a key for another client: %d %v", code, m)
	}
	if k.token(t, s, "secret-client") == 200 || len(told) != 0 {
		t.Fatalf("the key registered for another client works; told %v", told)
	}
	k2 := newTestKey(t)
	for _, set := range []string{`{"keys":[` + string(k.jwk) + `,` + string(k2.jwk) + `]}`, `{"keys":[]}`} {
		if code, m := postBody(t, s.URL+"/demo/clients/k/keys", set); code != 400 || !strings.Contains(m["error"], "one key at a time") {
			t.Fatalf("a JWKS of other than one key: %d %v", code, m)
		}
	}
	for i := 0; i < MaxRegistered; i++ {
		ki := newTestKey(t)
		if code, m := postBody(t, s.URL+"/demo/clients/k/keys", string(ki.jwk)); code != 201 {
			t.Fatalf("key %d: %d %v", i, code, m)
		}
	}
	if code, m := postBody(t, s.URL+"/demo/clients/k/keys", string(k.jwk)); code != 409 || !strings.Contains(m["error"], "keys") {
		t.Fatalf("a key over the bound: %d %v", code, m)
	}
	ca, err := NewCA("c")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i <= MaxRegistered; i++ {
		chain, _, err := ca.Issue(CertOptions{})
		if err != nil {
			t.Fatal(err)
		}
		code, m := postBody(t, s.URL+"/demo/clients/k/certs", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[0]})))
		if want := map[bool]int{true: 201, false: 409}[i < MaxRegistered]; code != want {
			t.Fatalf("certificate %d: %d %v", i, code, m)
		}
	}
}
