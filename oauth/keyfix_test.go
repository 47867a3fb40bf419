package oauth

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// A server whose clock is a second or two behind oat's must not see an assertion that
// is not valid yet: iat and nbf lie a few seconds back, exp stays within 5 minutes of
// now (and after now).
func TestAssertionTimesAllowForServerClockBehind(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := NewClient()
	c.Now = func() time.Time { return now }
	key, _ := GenerateClientKey("ES256")
	for _, auth := range []AuthMethod{AuthClientSecretJWT, AuthPrivateKeyJWT} {
		r := TokenRequest{TokenURL: "https://as.example/token", ClientID: "c", ClientSecret: jwtSecret, Auth: auth, ClientKey: key}
		a, err := c.clientAssertion(r, auth)
		if err != nil {
			t.Fatal(err)
		}
		_, claims := decodeJWTParts(t, a)
		iat, nbf, exp := int64(claims["iat"].(float64)), int64(claims["nbf"].(float64)), int64(claims["exp"].(float64))
		behind := now.Add(-2 * time.Second).Unix() // a server clock two seconds behind
		if iat > behind || nbf > behind {
			t.Errorf("%s: iat %d nbf %d are after %d: a server two seconds behind rejects the assertion", auth, iat, nbf, behind)
		}
		if now.Unix()-iat > 30 {
			t.Errorf("%s: iat %d is more than 30 s back", auth, iat)
		}
		if exp <= now.Unix() || exp > now.Add(5*time.Minute).Unix() {
			t.Errorf("%s: exp %d, want after now and within 5 minutes (now %d)", auth, exp, now.Unix())
		}
	}
}

// The stored form of a key keeps its own kid and its certificate; the assertion header
// carries the kid, and the certificate by x5t (SHA-1) and x5t#S256 (SHA-256); oauthtest,
// with only the certificate registered, accepts it; a certificate of another key is
// refused before any request, and one the server does not know is invalid_client.
func TestAssertionKidAndCertificateHeaders(t *testing.T) {
	t.Parallel()
	now := time.Now()
	key, _ := GenerateClientKey("RS256")
	der, err := SelfSignedCertificate(key, "oat test", now, 30)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := KeyMaterial{Key: key, KeyID: "abc", Chain: [][]byte{der}}.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseKeyMaterial([]byte(stored))
	if err != nil || m.KeyID != "abc" || len(m.Chain) != 1 || string(m.Chain[0]) != string(der) {
		t.Fatalf("round trip: kid %q, %d certificates, %v", m.KeyID, len(m.Chain), err)
	}
	srv := jwtServer(t, nil, "")
	if err := srv.RegisterCertificate("jwt-client", der); err != nil {
		t.Fatal(err)
	}
	c := NewClient()
	r := jwtReq(srv, AuthPrivateKeyJWT, m.Key, "PS256")
	r.KeyID, r.KeyCert = m.KeyID, m.Chain[0]
	a, err := c.clientAssertion(r, AuthPrivateKeyJWT)
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := decodeJWTParts(t, a)
	if hdr["kid"] != "abc" || hdr["x5t#S256"] != CertThumbprint(der) || hdr["x5t"] != CertThumbprintSHA1(der) || hdr["alg"] != "PS256" {
		t.Fatalf("header %v", hdr)
	}
	if _, err := c.FetchToken(context.Background(), r); err != nil {
		t.Fatalf("token by the registered certificate: %v", err)
	}
	// Without the certificate the kid "abc" is no key the server knows.
	noCert := r
	noCert.KeyCert = nil
	if _, err := c.FetchToken(context.Background(), noCert); !IsAuthRejected(err) {
		t.Fatalf("without the certificate: %v", err)
	}
	// Another certificate for the same key, not registered.
	other, _ := SelfSignedCertificate(key, "oat other", now, 30)
	unknown := r
	unknown.KeyCert = other
	if _, err := c.FetchToken(context.Background(), unknown); !IsAuthRejected(err) {
		t.Fatalf("an unregistered certificate: %v", err)
	}
	// A certificate of another key: refused here, nothing sent.
	key2, _ := GenerateClientKey("RS256")
	der2, _ := SelfSignedCertificate(key2, "someone else", now, 30)
	wrong := r
	wrong.KeyCert = der2
	before := srv.TokenRequests()
	if _, err := c.FetchToken(context.Background(), wrong); err == nil || !strings.Contains(err.Error(), "not for this private key") {
		t.Fatalf("a certificate of another key: %v", err)
	}
	if srv.TokenRequests() != before {
		t.Fatal("a request was sent with a certificate of another key")
	}
	// Given with another key's certificate only, the key is refused naming it; given
	// with its own certificate too, in any order, its own goes first (chain_order_test).
	keyOnly, err := MarshalClientKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseKeyMaterial(append(pemCert(der2), []byte(keyOnly)...)); err == nil || !strings.Contains(err.Error(), "someone else") {
		t.Fatalf("key with another key's certificate: %v", err)
	}
	if m, err := ParseKeyMaterial(append(pemCert(der2), []byte(stored)...)); err != nil || string(m.Chain[0]) != string(der) {
		t.Fatalf("key with another key's certificate before its own: %v", err)
	}
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// A kid that would reach the terminal or a header raw is refused at import.
func TestImportedKidIsPlainText(t *testing.T) {
	t.Parallel()
	key, _ := GenerateClientKey("ES256")
	for _, kid := range []string{"a\x1b[31mb", "a\nb", " abc", strings.Repeat("k", 201)} {
		j, _ := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid})
		if _, err := ParseKeyMaterial(j); err == nil {
			t.Errorf("kid %q accepted", kid)
		}
	}
	j, _ := json.Marshal(jose.JSONWebKey{Key: key, KeyID: "2f1c-ok.kid_9"})
	if m, err := ParseKeyMaterial(j); err != nil || m.KeyID != "2f1c-ok.kid_9" {
		t.Fatalf("a plain kid: %q %v", m.KeyID, err)
	}
}
