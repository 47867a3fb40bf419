package ui

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// privateKeyForms are the forms of a stored private key no frame may hold.
func privateKeyForms(t *testing.T, h *harness, name string) []string {
	t.Helper()
	p, err := h.v.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := h.v.Secret(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode([]byte(s))
	b64 := base64.StdEncoding.EncodeToString(blk.Bytes)
	out := []string{b64[len(b64)-40:], b64[:60]}
	for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
		if !strings.HasPrefix(l, "-----") && len(l) > 30 {
			out = append(out, l[:30])
		}
	}
	return out
}

// The add form with private_key_jwt and no key pasted generates an ES256 key on save
// and shows, once, the public JWK, JWKS and PEM with the thumbprint; the JWK it shows,
// registered at oauthtest, gets a token. No frame holds the private key.
func TestFormPrivateKeyJWTGenerates(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	h.srv.AddClient(oauthtest.Client{ID: "kg-id", Scopes: []string{"api/read"}})
	for i, v := range map[int]string{fName: "kg", fTokenURL: h.srv.TokenURL(oauthtest.Generic), fClientID: "kg-id", fAuth: string(oauth.AuthPrivateKeyJWT)} {
		f.set(i, v)
	}
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{}) // a frame with the focus on the key field
	h.mustContain("private key ", "empty: a new ES256 key on save")
	h.mustNotContain("client secret *")
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	p, err := h.v.Get("kg")
	if err != nil || p.AuthMethod != oauth.AuthPrivateKeyJWT || p.KeyAlg != "ES256" || p.KeyThumbprint == "" {
		t.Fatalf("profile %+v %v", p, err)
	}
	h.mustContain("Key pair generated for kg", "shows it again", p.KeyThumbprint, `"kty":"EC"`, `"kid":"`+p.KeyThumbprint[:20])
	secretForms := privateKeyForms(t, h, "kg")
	h.mustNotContain(secretForms...)
	h.press("v")
	h.mustContain(`{"keys":[{`)
	h.press("v")
	h.mustContain("BEGIN PUBLIC KEY")
	h.mustNotContain(secretForms...)
	h.press("c")
	if got := h.clip.get(); !strings.Contains(got, "BEGIN PUBLIC KEY") {
		t.Fatalf("copied %q", got)
	}
	h.mustContain(strings.Split(strings.TrimSpace(h.clip.get()), "\n")...) // each PEM line whole, as shown
	blk, _ := pem.Decode([]byte(h.clip.get()))
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if tp, _ := oauth.Thumbprint(pub); tp != p.KeyThumbprint {
		t.Fatalf("the PEM shown is another key: %s", tp)
	}
	h.press("v") // back to the JWK: the test registers what it shows
	h.press("c")
	if err := h.srv.RegisterKey("kg-id", []byte(h.clip.get())); err != nil {
		t.Fatalf("register the copied JWK %q: %v", h.clip.get(), err)
	}
	h.press("enter")
	if _, ok := h.m.overlay.(*keyOnceScreen); ok {
		t.Fatal("the one-time screen stays")
	}
	h.mustNotContain(`"kty":"EC"`)
	if _, err := h.b.Token(context.Background(), "kg", true, 0); err != nil {
		t.Fatalf("token with the registered key: %v", err)
	}
}

// A PEM pasted into the key field (its line breaks arrive as spaces) is stored; the
// one-time screen shows its public key; a public key or a short client_secret_jwt
// secret is refused under the field.
func TestFormPrivateKeyJWTPaste(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	h.srv.AddClient(oauthtest.Client{ID: "paste-id", Scopes: []string{"api/read"}})
	for i, v := range map[int]string{fName: "pasted", fTokenURL: h.srv.TokenURL(oauthtest.Generic), fClientID: "paste-id", fAuth: string(oauth.AuthPrivateKeyJWT)} {
		f.set(i, v)
	}
	k, docs, err := vault.GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	f.moveTo(fSecret)
	pub := docs.PEM
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(pub), Paste: true})
	h.press("ctrl+s")
	h.mustContain("✗ private key", "public key")
	f.set(fSecret, "")
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k.PEM), Paste: true})
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	h.mustContain("Private key stored for pasted", docs.Thumbprint, "EdDSA")
	h.mustNotContain(privateKeyForms(t, h, "pasted")...)
	if err := h.srv.RegisterKey("paste-id", []byte(docs.JWK)); err != nil {
		t.Fatal(err)
	}
	h.press("enter")
	if _, err := h.b.Token(context.Background(), "pasted", true, 0); err != nil {
		t.Fatalf("token: %v", err)
	}

	h.press("a")
	g := h.m.overlay.(*formScreen)
	for i, v := range map[int]string{fName: "csjwt", fTokenURL: h.srv.TokenURL(oauthtest.Generic), fClientID: "c", fAuth: string(oauth.AuthClientSecretJWT), fSecret: "short-S3cret"} {
		g.set(i, v)
	}
	h.press("ctrl+s")
	h.mustContain("✗ client secret", "at least 32 bytes")
}

// Editing a profile with a secret to private_key_jwt, with no key pasted, generates one
// and replaces the secret; the one-time screen shows the public key.
func TestFormEditMovesToAKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow") // the whole warning must show at 80×24
	f := h.editForm("ecoinvent")
	f.set(fAuth, string(oauth.AuthPrivateKeyJWT))
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{})
	h.mustContain("private key ")
	// The secret goes for good: said, saved only on a second ctrl+s.
	h.press("ctrl+s")
	h.mustContain("saving replaces the client secret of ecoinvent with a new ES256 key; the old", "one is not kept", "ctrl+s again saves")
	if p, _ := h.v.Get("ecoinvent"); p.AuthMethod == oauth.AuthPrivateKeyJWT {
		t.Fatal("the first ctrl+s replaced the secret")
	}
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	p, _ := h.v.Get("ecoinvent")
	if p.AuthMethod != oauth.AuthPrivateKeyJWT || p.KeyThumbprint == "" {
		t.Fatalf("profile %+v", p)
	}
	h.mustContain(p.KeyThumbprint)
}

// The detail pane names a key profile's key by algorithm and thumbprint.
func TestDetailShowsTheKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 160, 48, true, "slow")
	k, _, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.v.SetKey(context.Background(), "ecoinvent", k.PEM, "ES256")
	if err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("ecoinvent")
	h.mustContain("auth private_key_jwt", "ES256 "+p.KeyThumbprint[:20])
}

// At 60×20 an RSA key's public documents do not fit the one-time screen: what is cut
// is said, ↓/pgdn reach the rest (the PEM's last line), the help bar names the keys;
// nothing is out of reach on a screen shown once.
func TestKeyOnceScreenScrollsAtSixtyByTwenty(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, false)
	h.srv.AddClient(oauthtest.Client{ID: "rsa-id", Scopes: []string{"api/read"}})
	k, docs, err := vault.GenerateKey("RS256")
	if err != nil {
		t.Fatal(err)
	}
	p, err := h.v.Add(context.Background(), vault.Profile{Name: "rsa", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "rsa-id", AuthMethod: oauth.AuthPrivateKeyJWT}, k.PEM)
	if err != nil {
		t.Fatal(err)
	}
	h.m.overlay = newKeyOnce(h.m.deps, p, docs, true)
	h.press("v", "v") // the PEM public key
	h.mustContain("── lines 1–", "↓/pgdn:")
	last := strings.Split(strings.TrimSpace(docs.PEM), "\n")
	tail := last[len(last)-3] // a full base64 line near the PEM's end
	tail = tail[len(tail)-6:] // the part wrapped onto a row of its own at 60 columns
	h.mustNotContain(tail)
	for i := 0; i < 10; i++ {
		h.press("pgdown")
	}
	h.mustContain(tail, "↑/pgup: back", "Key pair generated for rsa") // the title stays in sight
}

// The app's edit to client_secret_jwt with a new, long enough secret typed in the same
// form saves: the new secret is the one checked, not the short one it replaces.
func TestFormEditToClientSecretJWTChecksTheNewSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	f := h.editForm("ecoinvent") // its secret is 27 bytes
	f.set(fAuth, string(oauth.AuthClientSecretJWT))
	f.set(fSecret, "a-new-secret-long-enough-for-HS256-keys")
	h.press("ctrl+s")
	if p, err := h.v.Get("ecoinvent"); err != nil || p.AuthMethod != oauth.AuthClientSecretJWT {
		t.Fatalf("not saved: %v\n%s", err, h.view())
	}
}
