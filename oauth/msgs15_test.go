package oauth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// The invalid_client hint of private_key_jwt names the kid the provider must know (the
// key's thumbprint, or its own kid) and where to see the key again: not oat inspect,
// which shows nothing without a token.
func TestKeyInvalidClientHintSaysWhereTheKeyIs(t *testing.T) {
	t.Parallel()
	key, err := GenerateClientKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	tp, err := Thumbprint(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	h := hintFor("invalid_client", &TokenRequest{Auth: AuthPrivateKeyJWT, ClientKey: key})
	for _, want := range []string{"kid " + tp, "oat ls", "oat keygen NAME --show"} {
		if !strings.Contains(h, want) {
			t.Errorf("hint lacks %q: %s", want, h)
		}
	}
	if strings.Contains(h, "oat inspect") {
		t.Errorf("hint sends to oat inspect: %s", h)
	}
	if h := hintFor("invalid_client", &TokenRequest{Auth: AuthPrivateKeyJWT, ClientKey: key, KeyID: "my-kid"}); !strings.Contains(h, "kid my-kid") {
		t.Errorf("a key with its own kid: %s", h)
	}
}

// A JWKS holding the one private key is that key; a set of several is refused saying
// so, not "the JWK does not parse".
func TestJWKSOfOneKeyIsTheKey(t *testing.T) {
	t.Parallel()
	key, err := GenerateClientKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(jose.JSONWebKey{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	jwk := string(b)
	set := `{"keys":[` + jwk + `]}`
	m, err := ParseKeyMaterial([]byte(set))
	if err != nil {
		t.Fatalf("a JWKS of one key: %v", err)
	}
	want, _ := Thumbprint(key.Public())
	if got, _ := Thumbprint(m.Key.Public()); got != want {
		t.Errorf("the JWKS gave another key")
	}
	two := `{"keys":[` + jwk + `,` + jwk + `]}`
	if _, err := ParseKeyMaterial([]byte(two)); err == nil || !strings.Contains(err.Error(), "JWKS with 2 keys") {
		t.Errorf("a JWKS of two keys: %v", err)
	}
	if !json.Valid([]byte(set)) {
		t.Fatal("test JWKS is not JSON")
	}
}

// A PKCS#12 holding certificates and no key (openssl pkcs12 -export -nokeys) says so,
// not that it does not parse.
func TestPKCS12WithoutKeySaysSo(t *testing.T) {
	t.Parallel()
	ca, err := oauthtest.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	chain, _, err := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "client"}})
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{leaf}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	_, err = ParseClientCertificatePKCS12(p12, "pw")
	if err == nil || !strings.Contains(err.Error(), "no private key") || strings.Contains(err.Error(), "does not parse") {
		t.Errorf("a PKCS#12 without a key: %v", err)
	}
}
