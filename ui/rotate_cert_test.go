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
	"github.com/oatcli/oat/vault"
)

// certRot is a mutual-TLS profile in the harness: a TLS oauthtest server checking
// client certificates at the harness's clock, and what the test issued (every key in
// keys, which no frame may hold).
type certRot struct {
	h    *harness
	srv  *oauthtest.Server
	ca   *oauthtest.CA
	keys []string
}

func newCertRot(t *testing.T, h *harness) *certRot {
	t.Helper()
	ca, err := oauthtest.NewCAValid("app client CA", h.clk.Now().Add(-time.Hour), h.clk.Now().Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := oauthtest.NewTLSForTest(t, "unused", ca.Pool())
	srv.SetClock(h.clk.Now)
	return &certRot{h: h, srv: srv, ca: ca}
}

// issue makes a certificate for cn (by nil: self-signed) valid from an hour ago for
// days, returning it with its key as one PEM text, and its thumbprint.
func (c *certRot) issue(by *oauthtest.CA, cn string, from time.Time, days int) (string, string) {
	c.h.t.Helper()
	chain, key, err := by.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: cn}, NotBefore: from.Add(-time.Hour), NotAfter: from.Add(time.Duration(days) * 24 * time.Hour)})
	if err != nil {
		c.h.t.Fatal(err)
	}
	c.keys = append(c.keys, oauthtest.KeyForms(key)...)
	return string(oauthtest.PEM(chain, key)), oauthtest.Thumbprint(chain[0])
}

func (c *certRot) add(name string, auth oauth.AuthMethod, cred string) vault.Profile {
	c.h.t.Helper()
	caFile := filepath.Join(c.h.t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, c.srv.CAPEM, 0o600); err != nil {
		c.h.t.Fatal(err)
	}
	p, err := c.h.v.Add(context.Background(), vault.Profile{Name: name, TokenURL: c.srv.TokenURL(oauthtest.Generic), ClientID: name, AuthMethod: auth,
		CAFile: caFile, APIBaseURL: c.srv.APIBaseURL(oauthtest.Generic), TestRequest: vault.TestRequest{Path: "/me"}}, cred)
	if err != nil {
		c.h.t.Fatal(err)
	}
	c.h.reloadSelect(name)
	return p
}

// flatContains checks that the view holds each text, wherever a line broke it (a
// thumbprint wraps at its hyphens).
func (c *certRot) flatContains(texts ...string) {
	c.h.t.Helper()
	flat := strings.Join(strings.Fields(c.h.view()), "")
	for _, s := range texts {
		if !strings.Contains(flat, strings.Join(strings.Fields(s), "")) {
			c.h.t.Fatalf("view lacks %q:\n%s", s, c.h.view())
		}
	}
}

func (c *certRot) paste(text string) {
	c.h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(text), Paste: true})
}

func (c *certRot) active(name string) string {
	c.h.t.Helper()
	p, err := c.h.v.Get(name)
	if err != nil {
		c.h.t.Fatal(err)
	}
	info, _, _ := p.CertInfo()
	return info.Thumbprint
}

// R on a self-signed mutual-TLS profile: the certificate and key pasted (masked), a key
// not the certificate's, an expired certificate and the one in use refused under the
// field; the new one staged and shown (subject, self-signed, validity, x5t#S256, what
// to register); enter before it is registered fails, the old one active, nothing lost;
// registered, r runs the checklist to "active"; o checks the old one: still accepted,
// then (removed from the registration) rejected and deleted. No key on screen.
func TestRotateCertInTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	c := newCertRot(t, h)
	now := h.clk.Now()
	oldCred, oldTP := c.issue(nil, "self", now, 30)
	c.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP}, Scopes: []string{"api/read"}})
	c.add("ss", oauth.AuthSelfSignedTLS, oldCred)
	newCred, newTP := c.issue(nil, "self", now, 365)
	otherCred, _ := c.issue(nil, "self", now, 365)
	expired, _ := c.issue(nil, "self", now.Add(-60*24*time.Hour), 30)

	h.press("R")
	if _, ok := h.m.overlay.(*certRotateScreen); !ok {
		t.Fatalf("R on a mutual-TLS profile opened no certificate rotation:\n%s", h.view())
	}
	h.mustContain("Rotate the client certificate of ss", "current certificate: CN=self, self-signed, x5t#S256 "+oldTP, "esc cancel")
	// A self-signed certificate is one the user makes: the screen says how.
	h.mustContain("A new self-signed one: run", "openssl req -x509", "cat c.pem k.pem")
	c.flatContains(vault.SelfSignedCertCommand) // whole, on lines of its own
	// A key that is not the certificate's.
	chainOnly := newCred[:strings.Index(newCred, "-----BEGIN PRIVATE KEY-----")]
	c.paste(chainOnly + otherCred[strings.Index(otherCred, "-----BEGIN PRIVATE KEY-----"):])
	h.mustNotContain(c.keys...)
	h.press("enter")
	h.mustContain("does not belong to the certificate CN=self")
	c.paste(expired)
	h.press("enter")
	h.mustContain("expired on", "get a renewed one")
	c.paste(oldCred)
	h.press("enter")
	h.mustContain("is the one in use already")
	if p, _ := h.v.Get("ss"); c.active("ss") != oldTP || p.PreviousFingerprint != "" {
		t.Fatal("a refused certificate changed the profile")
	}
	c.paste(newCred)
	h.press("enter")
	h.mustContain("New certificate, staged", "subject", "CN=self", "self-signed", "valid", "x5t#S256", newTP,
		"register it (its x5t#S256", "enter")
	h.mustNotContain(c.keys...)
	h.press("c")
	if h.clip.get() != newTP {
		t.Fatalf("c copied %q, want the new thumbprint", h.clip.get())
	}
	// Not registered: refused; the old certificate is active, the new one staged.
	h.press("enter")
	h.mustContain("✗ get a token with the new certificate", "the old certificate ("+oldTP+") is still active", "r retry")
	if c.active("ss") != oldTP {
		t.Fatal("a refused certificate became active")
	}
	if _, err := h.b.Token(context.Background(), "ss", true, 0); err != nil {
		t.Fatalf("the old certificate no longer works: %v", err)
	}
	c.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP, newTP}, Scopes: []string{"api/read"}})
	h.press("r")
	h.mustContain("✓ get a token with the new certificate", "✓ test call with the new token", "✓ make the new certificate active",
		"Active certificate: CN=self, self-signed, x5t#S256 "+newTP, "old certificate (x5t#S256 "+oldTP+")", "o check old")
	p, _ := h.v.Get("ss")
	if c.active("ss") != newTP || p.PreviousKeyThumbprint != oldTP {
		t.Fatalf("after the rotation: %+v", p)
	}
	h.press("o")
	h.mustContain("still accepted: the provider still issues tokens for the old certificate", "remove the old certificate", "R, then o")
	c.flatContains(oldTP)
	h.press("esc")
	h.mustContain("old certificate " + oldTP + " kept aside")
	h.press("R") // still kept: the screen offers its check
	h.mustContain("o check old")
	c.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{newTP}, Scopes: []string{"api/read"}})
	h.press("o")
	c.flatContains("✓ rejected: the provider no longer accepts the old certificate "+oldTP, "not registered for the client any more")
	h.press("esc")
	h.mustNotContain("kept aside")
	if p, _ := h.v.Get("ss"); p.PreviousKeyThumbprint != "" || p.PreviousFingerprint != "" {
		t.Fatalf("the rejected certificate is still named: %+v", p)
	}
	h.mustNotContain(c.keys...)
}

// esc on the staged certificate cancels: it is discarded and the old one stays active,
// untouched; esc on the paste field leaves too.
func TestRotateCertEscCancels(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 30, false)
	c := newCertRot(t, h)
	c.srv.AddClient(oauthtest.Client{ID: "mt", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"}})
	oldCred, oldTP := c.issue(c.ca, "svc", h.clk.Now(), 30)
	p := c.add("mt", oauth.AuthTLS, oldCred)
	newCred, _ := c.issue(c.ca, "svc", h.clk.Now(), 90)
	h.press("R")
	c.paste(newCred)
	h.press("enter")
	h.mustContain("New certificate, staged", "its subject (CN=svc) is the one")
	h.press("esc")
	if _, ok := h.m.overlay.(*certRotateScreen); ok {
		t.Fatal("esc did not leave")
	}
	h.mustContain("nothing changed")
	if _, err := h.v.StagedCertOf(context.Background(), p); err == nil {
		t.Fatal("the cancelled certificate is still staged")
	}
	if c.active("mt") != oldTP {
		t.Fatal("the old certificate is not active")
	}
	h.press("R", "esc")
	if _, ok := h.m.overlay.(*certRotateScreen); ok {
		t.Fatal("esc on the paste field did not leave")
	}
	// A CA-issued renewal goes through at once, and check-old explains the subject.
	h.press("R")
	c.paste(newCred)
	h.press("enter", "enter")
	h.mustContain("✓ make the new certificate active")
	h.press("o")
	h.mustContain("still accepted", "tls_client_auth checks the subject (CN=svc)")
}

// R on a mutual-TLS profile whose certificate another profile of the same client
// presents too: the screen warns, u gives that one the new certificate and key after
// the rotation, and a profile with a certificate of its own is never named.
func TestRotateCertUpdatesSharedProfilesInTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	c := newCertRot(t, h)
	now := h.clk.Now()
	oldCred, oldTP := c.issue(nil, "self", now, 30)
	ownCred, ownTP := c.issue(nil, "own", now, 30)
	newCred, newTP := c.issue(nil, "self", now, 365)
	c.srv.AddClient(oauthtest.Client{ID: "shc", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP, ownTP, newTP}, Scopes: []string{"api/read"}})
	first := c.add("shc", oauth.AuthSelfSignedTLS, oldCred)
	for name, cred := range map[string]string{"shc-copy": oldCred, "shc-own": ownCred} {
		if _, err := h.v.Add(context.Background(), vault.Profile{Name: name, TokenURL: first.TokenURL, ClientID: "shc",
			AuthMethod: oauth.AuthSelfSignedTLS, CAFile: first.CAFile}, cred); err != nil {
			t.Fatal(err)
		}
	}
	h.reloadSelect("shc")
	h.press("R")
	h.mustContain("shc-copy uses the same client ID and token URL: it keeps the old certificate", "Once the new certificate works, u gives it")
	h.mustNotContain("shc-own")
	c.paste(newCred)
	h.press("enter")
	h.press("enter")
	h.mustContain("Active certificate", "u gives it the new certificate too, the old one kept aside.", "u update shared")
	h.press("u")
	c.flatContains("✓ shc-copy now has the new certificate", "x5t#S256 "+newTP+", its old one kept aside")
	h.mustNotContain(c.keys...)
	h.mustNotContain("shc-own", "u update shared")
	if c.active("shc-copy") != newTP || c.active("shc-own") != ownTP {
		t.Fatalf("after u: shc-copy %s, shc-own %s", c.active("shc-copy"), c.active("shc-own"))
	}
	if _, err := h.b.Token(context.Background(), "shc-copy", true, 0); err != nil {
		t.Fatalf("shc-copy with the new certificate: %v", err)
	}
}

// In narrow details a certificate's thumbprint comes before its name, so that where
// the pane has room for one line of it, the thumbprint is what shows (a dangling
// "x5t#S256" showed at 60×20).
func TestNarrowDetailsShowTheCertificateThumbprintFirst(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 40, false)
	c := newCertRot(t, h)
	cred, tp := c.issue(nil, "narrow", h.clk.Now(), 90)
	c.srv.AddClient(oauthtest.Client{ID: "nw", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{tp}, Scopes: []string{"api/read"}})
	c.add("nw", oauth.AuthSelfSignedTLS, cred)
	h.mustContain(tp)
	h.mustNotContain("x5t#S256 \n", "x5t#S256\n")
}
