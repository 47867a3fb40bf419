package ui

import (
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// TestInspectorShowsBothThumbprintsOfAMismatchedBinding: a mutual-TLS profile's token
// bound (cnf x5t#S256) to another certificate says so with both thumbprints, the
// token's and the profile certificate's, at 80 and 120 columns.
func TestInspectorShowsBothThumbprintsOfAMismatchedBinding(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		h := newHarness(t, size[0], size[1], false)
		ca, err := oauthtest.NewCA("oat test client CA")
		if err != nil {
			t.Fatal(err)
		}
		srv := oauthtest.NewTLSForTest(t, "unused", ca.Pool())
		caFile := filepath.Join(t.TempDir(), "server-ca.pem")
		if err := os.WriteFile(caFile, srv.CAPEM, 0o600); err != nil {
			t.Fatal(err)
		}
		chain, key, _ := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc"}})
		other, _, _ := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "other"}})
		profileTP, tokenTP := oauthtest.Thumbprint(chain[0]), oauthtest.Thumbprint(other[0])
		tok, err := srv.Sign(map[string]any{"iss": srv.URL, "sub": "m", "exp": h.clk.Now().Add(time.Hour).Unix(), "cnf": map[string]any{"x5t#S256": tokenTP}})
		if err != nil {
			t.Fatal(err)
		}
		srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc",
			Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
			}}})
		if _, err := h.v.Add(context.Background(), vault.Profile{Name: "mt", TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "m",
			AuthMethod: oauth.AuthTLS, CAFile: caFile}, string(oauthtest.PEM(chain, key))); err != nil {
			t.Fatal(err)
		}
		h.reloadSelect("mt")
		h.press("enter", "i")
		h.mustContain("bound to another certificate ✗", "token's cnf", tokenTP, "profile's cert", profileTP)
	}
}
