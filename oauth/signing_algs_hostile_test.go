package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// token_endpoint_auth_signing_alg_values_supported is the server's to fill: 20,000
// names with terminal escapes were kept whole in the metadata (oat add --discover
// stores them in the profile, signing_algs) and quoted whole in the error when none
// fitted the key: a 149 KB message. The names a JWS algorithm can have are kept (on one
// line, a bounded number of them), and the message names a bounded part of the list.
func TestHostileSigningAlgList(t *testing.T) {
	t.Parallel()
	var algs []string
	for i := range 20_000 {
		algs = append(algs, fmt.Sprintf("X%d\x1b]0;T\x07\u202e", i))
	}
	listed := append([]string{"ES256"}, algs...)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iss := "http://" + r.Host
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "token_endpoint": iss + "/token",
			"token_endpoint_auth_signing_alg_values_supported": listed})
	}))
	defer ts.Close()
	m, err := NewClient().Discover(context.Background(), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.TokenAuthSigningAlgs) > 64 || len(m.TokenAuthSigningAlgs) == 0 || m.TokenAuthSigningAlgs[0] != "ES256" {
		t.Errorf("kept %d algorithms, the first %q", len(m.TokenAuthSigningAlgs), m.TokenAuthSigningAlgs[:min(1, len(m.TokenAuthSigningAlgs))])
	}
	for _, a := range m.TokenAuthSigningAlgs {
		if OneLine(a) != a {
			t.Errorf("kept %q", a)
		}
	}
	// A profile holding such a list (hand-edited, or stored by an older oat): the error
	// when no algorithm fits stays short.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, err = ChooseAlg(key, "", algs)
	if err == nil || len(err.Error()) > 1000 || !strings.Contains(err.Error(), "X0") {
		t.Errorf("no algorithm fits: %d bytes: %.200q", len(fmt.Sprint(err)), fmt.Sprint(err))
	}
	if err != nil {
		if i, r := FirstUnsafe(err.Error(), false); i >= 0 {
			t.Errorf("unsafe %U in %q", r, err)
		}
	}
	_, err = (&Client{}).clientAssertion(TokenRequest{ClientID: "c", TokenURL: "https://a.example/token", ClientSecret: strings.Repeat("s", 40), SigningAlgs: algs}, AuthClientSecretJWT)
	if err == nil || len(err.Error()) > 1000 {
		t.Errorf("client_secret_jwt, no HS256: %d bytes", len(fmt.Sprint(err)))
	}
}
