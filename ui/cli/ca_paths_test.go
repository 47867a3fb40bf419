package cli

import (
	"context"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// TestProfileCAFileForDiscoveryAndVerify: a provider behind a private CA works with
// --ca-file for every request, not only the token request: add --discover reads its
// metadata, and inspect --verify its keys, trusting the profile's CA.
func TestProfileCAFileForDiscoveryAndVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv = oauthtest.NewTLSForTest(t, "unused", nil)
	e.srv.AddClient(oauthtest.Client{ID: "generic-id", Secrets: []string{"generic-Secret+/=1"}, Scopes: []string{"api/read"}})
	ca := filepath.Join(e.dir, "private-ca.pem")
	if err := os.WriteFile(ca, e.srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, "generic-Secret+/=1")

	// Without the CA file the private CA is not trusted.
	if r := e.run("generic-Secret+/=1\n", "add", "nocas", "--discover", e.srv.URL, "--client-id", "generic-id"); r.code == 0 {
		t.Fatalf("discovery trusted a private CA without --ca-file: %s", r.err)
	}
	r := e.run("generic-Secret+/=1\n", "add", "priv", "--discover", e.srv.URL, "--client-id", "generic-id", "--ca-file", ca)
	if r.code != 0 || !strings.Contains(r.err, "discovered token endpoint "+e.srv.URL+"/token") {
		t.Fatalf("add --discover --ca-file: %d %s", r.code, r.err)
	}
	r = e.run("", "inspect", "priv", "--verify")
	if r.code != 0 || !strings.Contains(r.out, "signature ✓ verified") {
		t.Fatalf("inspect --verify with the profile's CA: %d\n%s\n%s", r.code, r.out, r.err)
	}
}

// TestInspectBindingLine: oat inspect adds a binding line for a certificate-bound token
// (cnf x5t#S256) and none for another.
func TestInspectBindingLine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	for _, name := range []string{"bound", "plain"} {
		claims := map[string]any{"iss": e.srv.URL, "sub": "s", "exp": time.Now().Add(time.Hour).Unix()}
		if name == "bound" {
			claims["cnf"] = map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}
		}
		tok, err := e.srv.Sign(claims)
		if err != nil {
			t.Fatal(err)
		}
		e.srv.AddClient(oauthtest.Client{ID: name + "-id", Secrets: []string{"Bind-S3cret"}, Misbehave: oauthtest.Misbehaviour{Custom: tokenAnswer(tok)}})
		if r := e.run("Bind-S3cret\n", "add", name, "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", name+"-id"); r.code != 0 {
			t.Fatalf("add: %s", r.err)
		}
	}
	if r := e.run("", "inspect", "bound"); r.code != 0 || !strings.Contains(r.out, "binding   bound to a client certificate ? (the profile has none to compare)\n") {
		t.Errorf("bound: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "inspect", "bound", "--json"); r.code != 0 || !strings.Contains(r.out, `"binding":{"status":"bound to a client certificate","x5t#S256":"bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}`) {
		t.Errorf("bound --json: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "inspect", "plain"); r.code != 0 || strings.Contains(r.out, "binding") {
		t.Errorf("plain: %d\n%s%s", r.code, r.out, r.err)
	}
}

// TestRefusedClientCertificateExits3: a TLS handshake refused for the client
// certificate is refused credentials (exit 3), named by the certificate's subject.
func TestRefusedClientCertificateExits3(t *testing.T) {
	t.Parallel()
	trusted, err := oauthtest.NewCA("trusted CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := oauthtest.NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	srv := oauthtest.NewTLSForTest(t, "unused", trusted.Pool())
	srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc"})
	chain, key, err := other.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = oauth.NewClient().FetchToken(context.Background(), oauth.TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "m",
		Auth: oauth.AuthTLS, Cert: &oauth.ClientCertificate{Chain: chain, Key: key}, CAFile: "ca.pem", CAPEM: srv.CAPEM})
	if err == nil || !strings.Contains(err.Error(), "refused the client certificate CN=svc") {
		t.Fatalf("err = %v", err)
	}
	if code := exitCode(err); code != ExitAuth {
		t.Errorf("exit %d, want %d", code, ExitAuth)
	}
}
