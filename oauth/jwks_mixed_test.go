package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// A JWKS is a set: an issuer publishes its signing keys beside others oat has no use
// for, some of a kind go-jose cannot read (a post-quantum "AKP" key, a symmetric key
// without its "k", an x5c certificate that is not the key's, junk). One such entry made
// the whole set "not a JWK set", and no token of that issuer verified. Entries that do
// not parse are skipped, and the token verifies against the key that signed it; a set
// with no usable key at all still says why.
func TestVerifyJWKSWithUnreadableEntries(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good, err := json.Marshal(jose.JSONWebKey{Key: &key.PublicKey, KeyID: "good", Use: "sig", Algorithm: "ES256"})
	if err != nil {
		t.Fatal(err)
	}
	junk := []string{
		`{"kty":"AKP","alg":"ML-DSA-44","kid":"pq","pub":"AAAA"}`,
		`{"kty":"oct","kid":"sym"}`,
		`{"kty":"EC","crv":"P-256","kid":"x","x":"\u001b[2J","y":"AA"}`,
		`"not an object"`,
	}
	var jwks string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iss := "http://" + r.Host
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/jwks" {
			_, _ = w.Write([]byte(jwks))
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "token_endpoint": iss + "/token", "jwks_uri": iss + "/jwks"})
	}))
	defer ts.Close()
	tok := sign(t, jose.ES256, key, "good", map[string]any{"iss": ts.URL})

	jwks = `{"keys":[` + strings.Join(junk, ",") + `,` + string(good) + `]}`
	if v := NewClient().Verify(context.Background(), tok, ""); v.Status != Verified {
		t.Errorf("a good key among unreadable ones: %s: %s", v.Status, v.Reason)
	}
	// Only unreadable entries: the key is not found, said on one line.
	jwks = `{"keys":[` + strings.Join(junk, ",") + `]}`
	v := NewClient().Verify(context.Background(), tok, "")
	if v.Status == Verified || !strings.Contains(v.Reason, "good") {
		t.Errorf("no readable key: %s: %s", v.Status, v.Reason)
	}
	if i, r := FirstUnsafe(v.Reason, false); i >= 0 {
		t.Errorf("unsafe %U in %q", r, v.Reason)
	}
	// Not a set at all: still refused.
	jwks = `{"keys":"nope"}`
	if v := NewClient().Verify(context.Background(), tok, ""); v.Status == Verified || !strings.Contains(v.Reason, "JWK set") {
		t.Errorf("not a set: %s: %s", v.Status, v.Reason)
	}
}
