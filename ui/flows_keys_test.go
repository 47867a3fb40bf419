package ui

import (
	"context"
	"crypto/x509/pkix"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// Golden flows of the key screens (issue 15): a private_key_jwt profile added with
// its key generated, shown once; a key rotated in the app to the new key made active;
// a mutual-TLS profile added with its certificate and key pasted. Each flow runs once
// per step it stops at, so that each screen on the way has its golden file.

// maskValues masks in s each of values — a thumbprint, a JWK member, a PEM line of a
// key made for the run — also where the frame wrapped it onto the next line, with as
// many X, so that the layout stays what it was.
func maskValues(s string, values ...string) string {
	for _, v := range values {
		if len(v) < 8 {
			continue
		}
		parts := make([]string, 0, len(v))
		for _, r := range v {
			parts = append(parts, regexp.QuoteMeta(string(r)))
		}
		re := regexp.MustCompile(strings.Join(parts, `(?:\n ?)?`))
		s = re.ReplaceAllStringFunc(s, func(m string) string {
			return strings.Map(func(r rune) rune {
				if r == '\n' || r == ' ' {
					return r
				}
				return 'X'
			}, m)
		})
	}
	return s
}

// keyValues are what a frame may show of a public key made for the run: its
// thumbprint, its JWK's members and its PEM lines.
func keyValues(t *testing.T, docs oauth.PublicKeyDocs) []string {
	t.Helper()
	var jwk map[string]any
	if err := json.Unmarshal([]byte(docs.JWK), &jwk); err != nil {
		t.Fatal(err)
	}
	out := []string{docs.Thumbprint}
	for _, k := range []string{"x", "y", "n", "kid"} {
		if v, ok := jwk[k].(string); ok {
			out = append(out, v)
		}
	}
	for _, l := range strings.Split(docs.PEM, "\n") {
		if !strings.HasPrefix(l, "-----") {
			out = append(out, l)
		}
	}
	return out
}

// finishMasked is finish for frames that show key material made for the run: it
// returns the frame as drawn, and compares it with the golden file with values masked.
func finishMasked(t *testing.T, tm *teatest.TestModel, values ...string) string {
	t.Helper()
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	golden.RequireEqual(t, []byte(maskValues(normalize(view), values...)))
	return view
}

// eachStep runs flow at every size for every step, each on a fresh app and server;
// setup (if any) prepares the vault and server before the app starts.
func eachStep(t *testing.T, steps []string, setup func(t *testing.T, h *harness), flow func(t *testing.T, tm *teatest.TestModel, h *harness, step string)) {
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			for _, sz := range sizes {
				t.Run(sizeName(sz), func(t *testing.T) {
					d, h := newDeps(t, true, "slow")
					if setup != nil {
						setup(t, h)
					}
					tm := teatest.NewTestModel(t, New(d), teatest.WithInitialTermSize(sz[0], sz[1]))
					t.Cleanup(func() { _ = tm.Quit() })
					waitText(t, tm, "dash-production")
					flow(t, tm, h, step)
				})
			}
		})
	}
}

// pressRight presses → n times (the auth select's next option).
func pressRight(tm *teatest.TestModel, n int) {
	for range n {
		tm.Send(tea.KeyMsg{Type: tea.KeyRight})
	}
}

// storedKey is the private key stored for the named profile.
func storedKey(t *testing.T, h *harness, name string) (vault.Profile, string) {
	t.Helper()
	p, err := h.v.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.v.Secret(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return p, s
}

// noPrivateKey fails if view holds any line of the private key pemText.
func noPrivateKey(t *testing.T, view, pemText string) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSpace(pemText), "\n") {
		if !strings.HasPrefix(l, "-----") && len(l) > 20 && strings.Contains(view, l[:20]) {
			t.Fatal("a line of the private key is on screen")
		}
	}
	if strings.Contains(view, "PRIVATE KEY") {
		t.Fatal("a private key is on screen")
	}
}

// The add form with private_key_jwt chosen and the key left empty (form); saved, the
// one-time screen of the generated key (key); left, the list with the new profile,
// whose token comes with the key registered (left).
func TestFlowAddKeyProfile(t *testing.T) {
	eachStep(t, []string{"form", "key", "left"}, nil, func(t *testing.T, tm *teatest.TestModel, h *harness, step string) {
		h.srv.AddClient(oauthtest.Client{ID: "kg-id", Scopes: []string{"api/read"}})
		sendKeys(tm, "a", "tab", "tab")
		tm.Type("kg")
		sendKeys(tm, "tab")
		tm.Type(h.srv.TokenURL(oauthtest.Generic))
		sendKeys(tm, "tab")
		tm.Type("kg-id")
		sendKeys(tm, "tab")
		pressRight(tm, 3)
		waitText(t, tm, "a JWT signed with your private key")
		sendKeys(tm, "tab") // on to the key field, to see what empty means
		if step == "form" {
			waitText(t, tm, "empty: a new ES256 key on save")
			finishMasked(t, tm)
			return
		}
		sendKeys(tm, "ctrl+s")
		waitText(t, tm, "Key pair generated for kg")
		p, key := storedKey(t, h, "kg")
		docs, err := vault.KeyDocs(key, p.KeyAlg)
		if err != nil {
			t.Fatal(err)
		}
		if step == "key" {
			view := finishMasked(t, tm, keyValues(t, docs)...)
			if !strings.Contains(view, p.KeyThumbprint) {
				t.Fatalf("the thumbprint shown is not the stored key's %s:\n%s", p.KeyThumbprint, view)
			}
			noPrivateKey(t, view, key)
			return
		}
		if err := h.srv.RegisterKey("kg-id", []byte(docs.JWK)); err != nil {
			t.Fatal(err)
		}
		sendKeys(tm, "enter")
		waitText(t, tm, "9 profiles")
		tm.Send(burst("/kg"))
		sendKeys(tm, "enter")
		waitText(t, tm, "1 of 9")
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		view := finishMasked(t, tm, p.KeyThumbprint)
		noPrivateKey(t, view, key)
	})
}

// R on a private_key_jwt profile: g generates the new key and shows what to register
// (register); registered at the server, enter runs the checks to the new key made
// active (promoted).
func TestFlowRotateKey(t *testing.T) {
	var old vault.ClientKey
	setup := func(t *testing.T, h *harness) {
		h.srv.AddClient(oauthtest.Client{ID: "signer-id", Scopes: []string{"api/read"}})
		// The old key's thumbprint is in sentences that wrap, and a wrap may break at
		// a hyphen: one without, so that each run wraps alike.
		k, docs, err := vault.GenerateKey("ES256")
		for err == nil && strings.Contains(docs.Thumbprint, "-") {
			k, docs, err = vault.GenerateKey("ES256")
		}
		if err != nil {
			t.Fatal(err)
		}
		old = k
		if err := h.srv.RegisterKey("signer-id", []byte(docs.JWK)); err != nil {
			t.Fatal(err)
		}
		if _, err := h.v.Add(context.Background(), vault.Profile{Name: "signer", Environment: "staging", TokenURL: h.srv.TokenURL(oauthtest.Generic),
			ClientID: "signer-id", AuthMethod: oauth.AuthPrivateKeyJWT, APIBaseURL: h.srv.APIBaseURL(oauthtest.Generic),
			TestRequest: vault.TestRequest{Path: "/v0/versions"}}, k.PEM); err != nil {
			t.Fatal(err)
		}
	}
	eachStep(t, []string{"register", "promoted"}, setup, func(t *testing.T, tm *teatest.TestModel, h *harness, step string) {
		tm.Send(burst("/signer"))
		sendKeys(tm, "enter")
		waitText(t, tm, "1 of 9")
		sendKeys(tm, "R")
		waitText(t, tm, "Rotate the key of signer")
		sendKeys(tm, "g")
		waitText(t, tm, "Register this public key at the provider")
		p, _ := h.v.Get("signer")
		sk, err := h.v.StagedKeyOf(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		values := append(keyValues(t, sk.Docs), old.Thumbprint)
		if step == "register" {
			view := finishMasked(t, tm, values...)
			if !strings.Contains(view, sk.Key.Thumbprint) {
				t.Fatalf("the thumbprint shown is not the staged key's %s:\n%s", sk.Key.Thumbprint, view)
			}
			noPrivateKey(t, view, sk.Key.PEM)
			return
		}
		if err := h.srv.RegisterKey("signer-id", []byte(sk.Docs.JWK)); err != nil {
			t.Fatal(err)
		}
		sendKeys(tm, "enter")
		waitText(t, tm, "Active key")
		view := finishMasked(t, tm, values...)
		if p, _ := h.v.Get("signer"); p.KeyThumbprint != sk.Key.Thumbprint || p.PreviousKeyThumbprint != old.Thumbprint {
			t.Fatalf("after the rotation: %+v", p)
		}
		noPrivateKey(t, view, sk.Key.PEM)
		noPrivateKey(t, view, old.PEM)
	})
}

// The add form with tls_client_auth and the certificate and key pasted: saved, the
// one-time screen of the certificate (cert); left, the list with the profile and its
// certificate in the details (left). The key is never drawn.
func TestFlowAddCertProfile(t *testing.T) {
	eachStep(t, []string{"cert", "left"}, nil, func(t *testing.T, tm *teatest.TestModel, h *harness, step string) {
		now := h.clk.Now()
		ca, err := oauthtest.NewCAValid("flow client CA", now.Add(-time.Hour), now.Add(365*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		chain, key, err := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc", Organization: []string{"Example"}},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(90 * 24 * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		sendKeys(tm, "a", "tab", "tab")
		tm.Type("billing")
		sendKeys(tm, "tab")
		// https: mutual TLS over plain http is refused (this flow fetches nothing).
		tm.Type(strings.Replace(h.srv.TokenURL(oauthtest.Generic), "http://", "https://", 1))
		sendKeys(tm, "tab")
		tm.Type("billing")
		sendKeys(tm, "tab")
		pressRight(tm, 5)
		waitText(t, tm, "a certificate from a CA the provider trusts")
		sendKeys(tm, "tab")
		waitText(t, tm, "certificate and key (PEM), pasted")
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(string(oauthtest.PEM(chain, key))), Paste: true})
		sendKeys(tm, "ctrl+s")
		waitText(t, tm, "Client certificate stored for billing")
		tp := oauthtest.Thumbprint(chain[0])
		secrets := oauthtest.KeyForms(key)
		if step == "cert" {
			view := finishMasked(t, tm, tp)
			if !strings.Contains(view, tp) {
				t.Fatalf("the thumbprint shown is not the certificate's %s:\n%s", tp, view)
			}
			for _, s := range secrets {
				if strings.Contains(view, s) {
					t.Fatal("the certificate's key is on screen")
				}
			}
			return
		}
		sendKeys(tm, "enter")
		waitText(t, tm, "9 profiles")
		tm.Send(burst("/billing"))
		sendKeys(tm, "enter")
		waitText(t, tm, "1 of 9")
		view := finishMasked(t, tm, tp)
		for _, s := range secrets {
			if strings.Contains(view, s) {
				t.Fatal("the certificate's key is on screen")
			}
		}
	})
}
