package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// addKeyProfile adds a private_key_jwt profile for a client of the harness's server,
// its key registered there, and selects it.
func (h *harness) addKeyProfile(name, id string) vault.ClientKey {
	h.t.Helper()
	h.srv.AddClient(oauthtest.Client{ID: id, Scopes: []string{"api/read"}})
	k, docs, err := vault.GenerateKey("ES256")
	if err != nil {
		h.t.Fatal(err)
	}
	if err := h.srv.RegisterKey(id, []byte(docs.JWK)); err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: name, TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: id,
		AuthMethod: oauth.AuthPrivateKeyJWT, APIBaseURL: h.srv.APIBaseURL(oauthtest.Generic), TestRequest: vault.TestRequest{Path: "/v0/versions"}}, k.PEM); err != nil {
		h.t.Fatal(err)
	}
	h.reloadSelect(name)
	return k
}

// R on a key profile: g generates a new key and shows its public key once (v cycles
// JWK/JWKS/PEM, c copies); enter before it is registered fails with the old key still
// active and the new one staged; after the test registers the shown JWK, r runs the
// checklist to "active"; the row's age is fresh (no ⚠); o checks the old key: still
// accepted, then (revoked at the provider) deleted. No private key on screen.
func TestRotateKeyInTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	old := h.addKeyProfile("signer", "signer-id")
	h.clk.Advance(100 * 24 * time.Hour)
	h.reloadSelect("signer")
	h.mustContain("⚠")
	h.press("R")
	h.mustContain("Rotate the key of signer", "g generate a new key", "current key: ES256 "+old.Thumbprint)
	h.press("g")
	h.mustContain("Register this public key at the provider", "[public JWK]", `"kty":"EC"`, "then press enter")
	r := h.m.overlay.(*keyRotateScreen)
	jwk, newTP := r.docs.Docs.JWK, r.docs.Key.Thumbprint
	h.mustContain(newTP)
	h.press("v")
	h.mustContain("[JWKS]", `{"keys":[`)
	h.press("v")
	h.mustContain("BEGIN PUBLIC KEY")
	h.press("c")
	if !strings.Contains(h.clip.get(), "BEGIN PUBLIC KEY") {
		t.Fatalf("c copied %q", h.clip.get())
	}
	// Not registered yet: refused; the old key is active, the new one staged.
	h.press("enter")
	h.mustContain("✗ get a token with the new key", "the old key ("+old.Thumbprint+") is still active", "r retry")
	h.mustNotContain(`"kty":"EC"`) // shown once: gone
	if p, _ := h.v.Get("signer"); p.KeyThumbprint != old.Thumbprint {
		t.Fatal("a refused key became active")
	}
	if err := h.srv.RegisterKey("signer-id", []byte(jwk)); err != nil {
		t.Fatal(err)
	}
	h.press("r")
	h.mustContain("✓ get a token with the new key", "✓ test call with the new token", "✓ make the new key active", "Active key: ES256 "+newTP, "kid "+old.Thumbprint, "o check old")
	p, _ := h.v.Get("signer")
	if p.KeyThumbprint != newTP || p.PreviousKeyThumbprint != old.Thumbprint || h.v.Overdue(p) {
		t.Fatalf("after the rotation: %+v", p)
	}
	h.press("o")
	h.mustContain("still accepted: the provider still issues tokens for the old key " + old.Thumbprint)
	h.press("esc")
	h.mustContain("old key "+old.Thumbprint+" kept aside", "0d")
	h.press("R") // the old key is still kept: the screen offers its check
	h.mustContain("o check old")
	if err := h.srv.RevokeKey("signer-id", old.Thumbprint); err != nil {
		t.Fatal(err)
	}
	h.press("o")
	h.mustContain("✓ revoked: the provider rejects the old key " + old.Thumbprint)
	h.press("esc")
	h.mustNotContain("⚠")
	if p, _ := h.v.Get("signer"); p.PreviousKeyThumbprint != "" || p.PreviousFingerprint != "" {
		t.Fatalf("the revoked key is still named: %+v", p)
	}
	v := h.view()
	for _, k := range []string{old.PEM, "PRIVATE KEY"} {
		if strings.Contains(v, k) {
			t.Fatal("a private key on screen")
		}
	}
}

// A key staged by oat rotate --keygen (no --continue yet) is offered: enter tries it.
func TestRotateKeyOffersTheStagedKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 30, false)
	h.addKeyProfile("signer", "signer-id")
	_, sk, err := h.v.GenerateStagedKey(context.Background(), "signer", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.srv.RegisterKey("signer-id", []byte(sk.Docs.JWK)); err != nil {
		t.Fatal(err)
	}
	h.press("R")
	h.mustContain("A new key is staged already (thumbprint "+sk.Key.Thumbprint, "enter registered: try it")
	h.press("enter")
	h.mustContain("✓ make the new key active", "Active key: ES256 "+sk.Key.Thumbprint)
}

// A cancelled key rotation says so, and that the old key is active and the new one
// staged; r tries the staged key again.
func TestRotateKeyCancelled(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 30, false)
	old := h.addKeyProfile("signer", "signer-id")
	h.press("R", "g")
	r := h.m.overlay.(*keyRotateScreen)
	jwk := r.docs.Docs.JWK
	r.phase = krRunning
	h.send(rotateDoneMsg{err: &vault.RotationError{Step: vault.StepToken, Err: context.Canceled, Cancelled: true, KeptStaged: true}})
	h.mustContain("Cancelled.", "the old key ("+old.Thumbprint+") is still", "stays staged (r tries it)")
	if err := h.srv.RegisterKey("signer-id", []byte(jwk)); err != nil {
		t.Fatal(err)
	}
	h.press("r")
	h.mustContain("✓ make the new key active")
}

// p takes a key of one's own, pasted (its PEM line breaks lost in the one-line field),
// masked: it is staged, its public key shown, and once registered enter makes it
// active. The pasted key is never on screen.
func TestRotateKeyPasted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 30, false)
	h.addKeyProfile("signer", "signer-id")
	own, docs, _ := vault.GenerateKey("RS256")
	if err := h.srv.RegisterKey("signer-id", []byte(docs.JWK)); err != nil {
		t.Fatal(err)
	}
	h.press("R", "p")
	h.mustContain("new key", "paste the private key (PEM or JWK)")
	h.press("q") // typed into the field, not taken as quit
	h.press("backspace")
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(own.PEM), Paste: true})
	h.mustContain("•••")
	h.mustNotContain("PRIVATE KEY", own.PEM[40:80])
	h.press("enter")
	h.mustContain("Register this public key", docs.Thumbprint)
	h.press("enter")
	h.mustContain("✓ make the new key active", "Active key: RS256 "+own.Thumbprint)
	if r := h.m.overlay.(*keyRotateScreen); r.input.Value() != "" {
		t.Fatal("the pasted key is still held in the field")
	}
}

// R on a key profile whose key another profile of the same client holds too (a copy for
// another scope): the screen warns before and after, u gives the copy the new key (its
// token from the old key dropped), and a profile with a key of its own is never named.
func TestRotateKeyUpdatesSharedProfilesInTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	old := h.addKeyProfile("signer", "shared-signer")
	ctx := context.Background()
	url := h.srv.TokenURL(oauthtest.Generic)
	if _, err := h.v.Add(ctx, vault.Profile{Name: "signer-copy", TokenURL: url, ClientID: "shared-signer", AuthMethod: oauth.AuthPrivateKeyJWT}, old.PEM); err != nil {
		t.Fatal(err)
	}
	own, ownDocs, _ := vault.GenerateKey("ES256")
	if err := h.srv.RegisterKey("shared-signer", []byte(ownDocs.JWK)); err != nil {
		t.Fatal(err)
	}
	if _, err := h.v.Add(ctx, vault.Profile{Name: "signer-own", TokenURL: url, ClientID: "shared-signer", AuthMethod: oauth.AuthPrivateKeyJWT}, own.PEM); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("signer")
	h.press("R")
	h.mustContain("signer-copy uses the same client ID and token URL: it keeps the old key", "Once the new key works, u gives it the new key too.")
	h.mustNotContain("signer-own")
	h.press("g")
	r := h.m.overlay.(*keyRotateScreen)
	if err := h.srv.RegisterKey("shared-signer", []byte(r.docs.Docs.JWK)); err != nil {
		t.Fatal(err)
	}
	newTP := r.docs.Key.Thumbprint
	h.press("enter")
	h.mustContain("✓ make the new key active", "signer-copy uses the same client ID and token URL", "u gives it the new key too, the old one kept aside.", "u update shared")
	h.press("u")
	h.mustContain("✓ signer-copy now has the new key", "kid "+newTP+", its old one kept aside")
	h.mustNotContain("u update shared", "signer-own")
	c, _ := h.v.Get("signer-copy")
	if c.KeyThumbprint != newTP || c.PreviousKeyThumbprint != old.Thumbprint {
		t.Fatalf("signer-copy: %+v", c)
	}
	if _, err := h.b.Token(ctx, "signer-copy", true, 0); err != nil {
		t.Fatalf("signer-copy with the new key: %v", err)
	}
	if o, _ := h.v.Get("signer-own"); o.KeyThumbprint != own.Thumbprint {
		t.Fatal("the profile with a key of its own changed")
	}
}

// The details say how a fresh token was fetched in words: "with basic auth", but
// "with private_key_jwt" (not "private_key_jwt auth").
func TestDetailsNameTheAuthMethodOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.addKeyProfile("signed", "signed-id")
	h.press("enter")
	h.mustContain("with private_key_jwt")
	h.mustNotContain("private_key_jwt auth")
}

// A key staged by another oat after the screen opened is not replaced by g without a
// word: the screen offers it (enter tries it, g makes another).
func TestRotateKeyGenerateKeepsAKeyStagedElsewhere(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.addKeyProfile("raced", "raced-id")
	h.press("R")
	h.mustContain("g generate a new key")
	_, other, err := h.v.GenerateStagedKey(context.Background(), "raced", "") // another shell's oat rotate --keygen
	if err != nil {
		t.Fatal(err)
	}
	h.press("g")
	h.mustContain("A new key is staged already (thumbprint " + other.Key.Thumbprint)
	p, _ := h.v.Get("raced")
	if sk, err := h.v.StagedKeyOf(context.Background(), p); err != nil || sk.Key.Thumbprint != other.Key.Thumbprint {
		t.Fatalf("the other shell's staged key was replaced: %v", err)
	}
	h.press("g") // now seen: g makes another
	h.mustContain("Register this public key")
}

// A key staged earlier (the screen left before it was tried) can be shown again to
// register: v on the first step shows its public documents, the same key.
func TestRotateKeyShowsAStagedKeyAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.addKeyProfile("again", "again-id")
	h.press("R", "g")
	r := h.m.overlay.(*keyRotateScreen)
	tp := r.docs.Key.Thumbprint
	h.press("esc") // staged, not tried
	h.press("R")
	h.mustContain("A new key is staged already (thumbprint "+tp, "v shows its public key again")
	h.press("v")
	h.mustContain("Register this public key", tp, `"kty":"EC"`)
}

// The status line says what is true now: "using the cached token" goes when r fetches
// a fresh one, and a copy's status from one screen does not stay on the next.
func TestStatusLineDropsWhatNoLongerHolds(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.addKeyProfile("st", "st-id")
	h.press("enter") // a fresh token
	h.press("enter") // served from the cache
	h.mustContain("using the cached token")
	h.press("r")
	h.mustNotContain("using the cached token")
	h.press("R", "g", "c")
	h.mustContain("copied")
	h.press("esc", "R") // the key staged, the screen opened again
	h.mustNotContain("copied")
}

// At 60 columns the details show the key's thumbprint whole, on a line of its own (it
// was cut with …, and it is what is compared with the provider's).
func TestDetailsShowTheThumbprintWholeWhenNarrow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 24, false)
	k := h.addKeyProfile("narrow", "narrow-id")
	h.mustContain(k.Thumbprint, "ES256  set")
}
