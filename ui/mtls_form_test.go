package ui

import (
	"context"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// The add form with tls_client_auth: the auth select offers both mutual-TLS methods;
// the secret's field takes the certificate and its key (PEM, masked); a key not the
// certificate's is refused under the field, by the certificate's subject; saved, a
// screen names the certificate (subject, issuer, expiry 20 days away flagged,
// thumbprint), never the key; the details pane shows the certificate; a token fetched
// with it is bound to it, which the inspector says; no frame holds the key.
func TestFormMutualTLS(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	// The server checks client certificates at the harness's clock: the CA is valid
	// then, whatever the day the test runs.
	ca, err := oauthtest.NewCAValid("form client CA", h.clk.Now().Add(-time.Hour), h.clk.Now().Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := oauthtest.NewTLSForTest(t, "unused", ca.Pool())
	srv.SetClock(h.clk.Now)
	srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"}})
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	now := h.clk.Now()
	opts := oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(20*24*time.Hour + time.Hour)}
	chain, key, err := ca.Issue(opts)
	if err != nil {
		t.Fatal(err)
	}
	_, otherKey, _ := ca.Issue(opts)
	secrets := append(oauthtest.KeyForms(key), oauthtest.KeyForms(otherKey)...)
	tp := oauthtest.Thumbprint(chain[0])

	// Both methods are options of the select.
	f.moveTo(fAuth)
	h.send(tea.KeyMsg{})
	var offered []string
	for i := 0; i < 8; i++ {
		offered = append(offered, f.auth)
		h.press("right")
	}
	for _, m := range []oauth.AuthMethod{oauth.AuthTLS, oauth.AuthSelfSignedTLS} {
		if !strings.Contains(strings.Join(offered, " "), string(m)) {
			t.Fatalf("the auth select does not offer %s: %v", m, offered)
		}
	}
	for i, v := range map[int]string{fName: "mt", fTokenURL: srv.TokenURL(oauthtest.Generic), fClientID: "m", fAuth: string(oauth.AuthTLS),
		fCAFile: caFile, fAPI: srv.APIBaseURL(oauthtest.Generic), fTestPath: "/me"} {
		f.set(i, v)
	}
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{})
	h.mustContain("cert and key *", "certificate and key (PEM), pasted")
	h.mustNotContain("client secret *")

	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(string(oauthtest.PEM(chain, otherKey))), Paste: true})
	h.mustNotContain(secrets...) // masked
	h.press("ctrl+s")
	h.mustContain("✗ cert and key", "does not belong to the certificate CN=svc")
	if _, err := h.v.Get("mt"); err == nil {
		t.Fatal("saved with a key not the certificate's")
	}
	f.set(fSecret, "")
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(string(oauthtest.PEM(chain, key))), Paste: true})
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*certOnceScreen); !ok {
		t.Fatalf("no certificate screen:\n%s", h.view())
	}
	h.mustContain("Client certificate stored for mt", "CN=svc", "CN=form client CA,O=oauthtest", tp,
		"⚠ expires "+opts.NotAfter.UTC().Format("2006-01-02")+" (in 20 days: renew it)", "oat never shows it")
	h.mustNotContain(secrets...)
	h.press("c")
	if got := h.clip.get(); got != tp {
		t.Fatalf("copied %q, want the thumbprint", got)
	}
	h.press("enter")
	if _, ok := h.m.overlay.(*certOnceScreen); ok {
		t.Fatal("the certificate screen stays")
	}
	p, err := h.v.Get("mt")
	if err != nil || p.AuthMethod != oauth.AuthTLS || !strings.Contains(p.ClientCert, "BEGIN CERTIFICATE") {
		t.Fatalf("profile %+v %v", p, err)
	}

	h.reloadSelect("mt")
	h.mustContain("cert       CN=svc", "issued by CN=form client CA,O=oauthtest", "⚠ expires ", "x5t#S256 "+tp[:20])
	if _, err := h.b.Token(context.Background(), "mt", true, 0); err != nil {
		t.Fatalf("token with the certificate: %v", err)
	}
	if c := curlCommand(p, "tok"); !strings.Contains(c, "--cert client.crt --key client.key") {
		t.Errorf("the curl command does not present a certificate: %s", c)
	}
	h.reloadSelect("mt")
	h.press("enter", "i")
	h.mustContain("Inspect mt", "binding    bound to the client certificate ✓")
	h.mustNotContain(secrets...)
}

// Editing a mutual-TLS profile moves it to self_signed_tls_client_auth without asking
// for the certificate again (the stored one serves both).
func TestFormEditBetweenTLSMethodsKeepsTheCertificate(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	chain, key, err := (*oauthtest.CA)(nil).Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "self"}})
	if err != nil {
		t.Fatal(err)
	}
	// https: mutual TLS over plain http is refused (this test fetches nothing).
	for i, v := range map[int]string{fName: "ss", fTokenURL: strings.Replace(h.srv.TokenURL(oauthtest.Generic), "http://", "https://", 1), fClientID: "ss", fAuth: string(oauth.AuthTLS)} {
		f.set(i, v)
	}
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(string(oauthtest.PEM(chain, key))), Paste: true})
	h.press("ctrl+s")
	h.mustContain("Client certificate stored for ss", "self-signed")
	h.press("enter")
	g := h.editForm("ss")
	g.set(fAuth, string(oauth.AuthSelfSignedTLS))
	g.moveTo(fSecret)
	h.send(tea.KeyMsg{})
	h.mustContain("cert and key", "unchanged (paste a new certificate and key to replace)")
	h.press("ctrl+s")
	p, err := h.v.Get("ss")
	if err != nil || p.AuthMethod != oauth.AuthSelfSignedTLS || p.ClientCert == "" {
		t.Fatalf("profile %+v %v", p, err)
	}
}
