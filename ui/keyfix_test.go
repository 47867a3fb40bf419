package ui

import (
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
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

// TestRotateKeyWithCertificateInTheApp: a key profile whose key has a certificate
// (Entra ID) rotates to a new key with a new certificate like it: the registration step
// shows the certificate first, with its x5t#S256 and x5t (v cycles cert / JWK / JWKS /
// PEM, c copies the certificate); registered by its certificate only, the new key gets
// a token and becomes active; the details pane shows the new certificate.
func TestRotateKeyWithCertificateInTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, false)
	h.srv.AddClient(oauthtest.Client{ID: "entra-id", Scopes: []string{"api/read"}})
	k, _, err := vault.GenerateKeyCert("RS256", &vault.CertRequest{Subject: "oat entra", Days: 90, Now: h.clk.Now()})
	if err != nil {
		t.Fatal(err)
	}
	oldCert, _ := pem.Decode([]byte(k.Cert))
	if err := h.srv.RegisterCertificate("entra-id", oldCert.Bytes); err != nil {
		t.Fatal(err)
	}
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: "entra", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "entra-id",
		AuthMethod: oauth.AuthPrivateKeyJWT}, k.PEM); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("entra")
	h.mustContain("cert", "CN=oat entra", "x5t#S256 "+oauth.CertThumbprint(oldCert.Bytes))
	h.press("R", "g")
	r := h.m.overlay.(*keyRotateScreen)
	docs := r.docs.Docs
	if docs.Cert == "" {
		t.Fatal("the rotation made no certificate for the new key")
	}
	h.mustContain("Register this certificate", "[certificate]", "BEGIN CERTIFICATE", "x5t#S256", docs.X5tS256, docs.X5t, "v cert / JWK / JWKS / PEM")
	h.press("c")
	if h.clip.get() != docs.Cert {
		t.Fatalf("c copied %q", h.clip.get())
	}
	h.press("v")
	h.mustContain("[public JWK]")
	newCert, _ := pem.Decode([]byte(docs.Cert))
	if err := h.srv.RegisterCertificate("entra-id", newCert.Bytes); err != nil {
		t.Fatal(err)
	}
	h.press("enter")
	h.mustContain("✓ make the new key active")
	h.press("esc")
	h.reloadSelect("entra")
	h.mustContain("CN=oat entra", "x5t#S256 "+oauth.CertThumbprint(newCert.Bytes))
}
