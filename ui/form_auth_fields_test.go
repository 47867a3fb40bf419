package ui

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// chooseAuth moves the focus to the auth select and presses → until it shows m, as a
// user would.
func chooseAuth(t *testing.T, h *harness, f *formScreen, m oauth.AuthMethod) {
	t.Helper()
	f.moveTo(fAuth)
	for n := 0; n < 10 && f.auth != string(m); n++ {
		h.send(tea.KeyMsg{Type: tea.KeyRight})
	}
	if f.auth != string(m) {
		t.Fatalf("the auth select never showed %s", m)
	}
}

// focusWalk is every field the focus reaches from the first field with tab.
func focusWalk(h *harness, f *formScreen) []int {
	f.moveTo(f.firstField())
	seen := []int{f.focused()}
	for n := 0; n < 2*fieldCount; n++ {
		h.press("tab")
		if i := f.focused(); i != seen[len(seen)-1] {
			seen = append(seen, i)
		}
	}
	return seen
}

// The form shows, for each auth method, only the fields that method uses: the
// credential field under the name of what goes into it, the basic encoding only for
// basic and auto, the assertion audience only for the two client-assertion methods.
// What is not shown is neither drawn nor reached by tab.
func TestFormShowsOnlyTheMethodsFields(t *testing.T) {
	t.Parallel()
	common := []int{fImport, fDiscover, fName, fTokenURL, fClientID, fSecret, fScopes, fAuth, fAPI, fTestMethod, fTestPath,
		fTestHeaders, fMore, fAudience, fResource, fParams, fInsecure, fCAFile, fEnv, fNotes}
	for _, tc := range []struct {
		auth     oauth.AuthMethod
		cred     string
		extra    []int
		shown    []string
		notShown []string
	}{
		{oauth.AuthAuto, "client secret", []int{fEncoding}, []string{"basic encoding"}, []string{"assertion aud", "key alg"}},
		{oauth.AuthBasic, "client secret", []int{fEncoding}, []string{"basic encoding"}, []string{"assertion aud", "key alg"}},
		{oauth.AuthPost, "client secret", nil, nil, []string{"basic encoding", "assertion aud", "key alg"}},
		{oauth.AuthClientSecretJWT, "client secret", []int{fAssertAud}, []string{"assertion aud"}, []string{"basic encoding", "key alg"}},
		{oauth.AuthPrivateKeyJWT, "private key", []int{fAssertAud, fKeyAlg, fKeyCert}, []string{"assertion aud", "key alg", "key cert"}, []string{"basic encoding", "client secret"}},
		{oauth.AuthTLS, "cert and key", nil, nil, []string{"basic encoding", "assertion aud", "key alg", "client secret"}},
		{oauth.AuthSelfSignedTLS, "cert and key", nil, nil, []string{"basic encoding", "assertion aud", "key alg", "client secret"}},
	} {
		t.Run(string(tc.auth), func(t *testing.T) {
			t.Parallel()
			h, f := openAdd(t, 120, 80)
			f.set(fMore, "shown")
			chooseAuth(t, h, f, tc.auth)
			want := map[int]bool{}
			for _, i := range append(append([]int{}, common...), tc.extra...) {
				want[i] = true
			}
			for i := 0; i < fieldCount; i++ {
				if f.shown(i) != want[i] {
					t.Errorf("field %q shown %v", fieldLabels[i], f.shown(i))
				}
			}
			credLabel := tc.cred + " *"
			if tc.auth == oauth.AuthPrivateKeyJWT {
				credLabel = tc.cred + "     empty: a new" // may be left empty: not required
			}
			h.mustContain(append([]string{credLabel}, tc.shown...)...)
			h.mustNotContain(tc.notShown...)
			var walk []string
			for _, i := range focusWalk(h, f) {
				if !want[i] {
					t.Errorf("tab reaches the hidden field %q", fieldLabels[i])
				}
				walk = append(walk, fieldLabels[i])
				delete(want, i)
			}
			for i := range want {
				t.Errorf("tab never reaches %q (walk %v)", fieldLabels[i], walk)
			}
		})
	}
}

// What was typed into a field the chosen method does not use is not saved: a client
// secret typed before the method became private_key_jwt is not stored as its key (a
// new key is generated, as for an empty key field), and the basic encoding chosen
// for basic is not written into the private_key_jwt profile. Switching back to basic
// shows both again as typed: they would be used again.
func TestFormSavesNothingOfAHiddenField(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 60)
	h.srv.AddClient(oauthtest.Client{ID: "hid-id", Scopes: []string{"api/read"}})
	for i, v := range map[int]string{fName: "hid", fTokenURL: h.srv.TokenURL(oauthtest.Generic), fClientID: "hid-id"} {
		f.set(i, v)
	}
	const typed = "typed-Client-S3cret"
	chooseAuth(t, h, f, oauth.AuthBasic)
	f.set(fMore, "shown")
	f.moveTo(fEncoding)
	h.send(tea.KeyMsg{Type: tea.KeyRight})
	if f.encoding != string(oauth.BasicRaw) {
		t.Fatalf("encoding %q", f.encoding)
	}
	f.moveTo(fSecret)
	h.typeText(typed)

	chooseAuth(t, h, f, oauth.AuthPrivateKeyJWT)
	if v := f.value(fSecret); v != "" {
		t.Fatalf("the key field holds what was typed as a client secret (%d characters)", len(v))
	}
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{})
	h.mustContain("private key ", "empty: a new ES256 key on save")
	h.mustNotContain("basic encoding", "raw")

	// Back to basic: the secret and the encoding are there again, as typed.
	chooseAuth(t, h, f, oauth.AuthBasic)
	if v := f.value(fSecret); v != typed {
		t.Fatalf("back on basic the secret field holds %d characters, want the %d typed", len(v), len(typed))
	}
	h.mustContain("client secret *", "basic encoding", "raw")

	chooseAuth(t, h, f, oauth.AuthPrivateKeyJWT)
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	p, err := h.v.Get("hid")
	if err != nil {
		t.Fatal(err)
	}
	if p.AuthMethod != oauth.AuthPrivateKeyJWT || p.BasicEncoding != "" {
		t.Fatalf("saved auth %s, basic encoding %q", p.AuthMethod, p.BasicEncoding)
	}
	stored, err := h.v.Secret(context.Background(), p)
	if err != nil || stored == typed || !strings.Contains(stored, "PRIVATE KEY") {
		t.Fatalf("stored credential is not a generated key (%v)", err)
	}
	if f.stash != ([3]string{}) {
		t.Fatal("the form keeps a secret typed for another method after saving")
	}
}

// The assertion audience is saved only with a client-assertion method: issuer chosen
// for client_secret_jwt, then the method changed to post, saves none (and the issuer
// it would need is not asked for).
func TestFormAssertionAudienceOnlyForJWT(t *testing.T) {
	t.Parallel()
	h, f := openAuthAdd(t, 120, 60, "aud", "aud-id", oauth.AuthClientSecretJWT)
	f.moveTo(fAssertAud)
	h.send(tea.KeyMsg{Type: tea.KeyRight})
	if f.assertAud != oauth.AudienceIssuer {
		t.Fatalf("assertion audience %q", f.assertAud)
	}
	f.moveTo(fSecret)
	h.typeText("a-client-secret-of-32-bytes-or-more-S3cret")
	h.press("ctrl+s")
	h.mustContain("✗ assertion aud", "no issuer")
	if _, err := h.v.Get("aud"); err == nil {
		t.Fatal("saved with the issuer as audience and no issuer")
	}
	chooseAuth(t, h, f, oauth.AuthPost)
	h.mustNotContain("assertion aud")
	h.press("ctrl+s")
	p, err := h.v.Get("aud")
	if err != nil {
		t.Fatalf("not saved: %v\n%s", err, h.view())
	}
	if p.AuthMethod != oauth.AuthPost || p.AssertionAudience != "" {
		t.Fatalf("saved auth %s, assertion audience %q", p.AuthMethod, p.AssertionAudience)
	}
}

// Editing a basic profile with the raw encoding to private_key_jwt drops the encoding
// it no longer uses; the issuer as assertion audience, chosen in the form, is saved.
func TestFormEditDropsTheUnusedEncoding(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 60, true, "slow")
	iss := h.srv.Issuer(oauthtest.Generic, "")
	h.editOutside("ecoinvent", func(p *vault.Profile) {
		p.AuthMethod, p.BasicEncoding, p.Issuer = oauth.AuthBasic, oauth.BasicRaw, iss
	})
	h.reloadSelect("ecoinvent")
	f := h.editForm("ecoinvent")
	if !f.shown(fEncoding) || f.encoding != string(oauth.BasicRaw) {
		t.Fatalf("the raw encoding is not shown (%q)", f.encoding)
	}
	chooseAuth(t, h, f, oauth.AuthPrivateKeyJWT)
	if f.shown(fKeyAlg) {
		t.Fatal("the edit form offers the key algorithm (R rotates to a key of another)")
	}
	f.moveTo(fAssertAud)
	h.send(tea.KeyMsg{Type: tea.KeyRight})
	h.press("ctrl+s", "ctrl+s") // the second confirms replacing the secret with a key
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	p, _ := h.v.Get("ecoinvent")
	if p.AuthMethod != oauth.AuthPrivateKeyJWT || p.BasicEncoding != "" || p.AssertionAudience != oauth.AudienceIssuer {
		t.Fatalf("saved auth %s, basic encoding %q, assertion audience %q", p.AuthMethod, p.BasicEncoding, p.AssertionAudience)
	}
}

// Discovery from a server that takes no client secret in the header or the body
// picks the method it does list and says why under the issuer: private_key_jwt (the
// key field then offers a key of an algorithm the server lists), or mutual TLS. A
// server that lists client_secret_basic or client_secret_post as well keeps today's
// choice, said as before.
func TestFormDiscoverySuggestsBeyondSecrets(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		methods []string
		want    oauth.AuthMethod
		cred    string
		why     string
	}{
		{[]string{"private_key_jwt"}, oauth.AuthPrivateKeyJWT, "private key ", "lists no client_secret_basic or client_secret_post; it lists private_key_jwt"},
		{[]string{"tls_client_auth", "private_key_jwt"}, oauth.AuthPrivateKeyJWT, "private key ", "it lists private_key_jwt"},
		{[]string{"tls_client_auth"}, oauth.AuthTLS, "cert and key *", "it lists tls_client_auth: mutual TLS"},
		{[]string{"self_signed_tls_client_auth"}, oauth.AuthSelfSignedTLS, "cert and key *", "self-signed certificate"},
		{[]string{"client_secret_post", "private_key_jwt"}, oauth.AuthPost, "client secret *", ""},
		{[]string{"client_secret_basic", "client_secret_post", "private_key_jwt"}, oauth.AuthAuto, "client secret *", ""},
	} {
		t.Run(strings.Join(tc.methods, "+"), func(t *testing.T) {
			t.Parallel()
			h, f := openAdd(t, 160, 60)
			h.srv.SetAuthMethods(tc.methods)
			h.srv.SetAssertionAlgs([]string{"PS256", "ES256"})
			f.moveTo(fDiscover)
			f.set(fDiscover, h.srv.Issuer(oauthtest.Keycloak, "demo"))
			h.press("enter")
			if f.auth != string(tc.want) {
				t.Fatalf("discovery chose %s, want %s:\n%s", f.auth, tc.want, h.view())
			}
			h.mustContain("→ auth "+string(tc.want), tc.cred)
			if tc.why != "" {
				h.mustContain(tc.why)
			} else {
				h.mustNotContain("client_secret_basic or client_secret_post;")
			}
			if tc.want == oauth.AuthPrivateKeyJWT {
				f.moveTo(fSecret)
				h.send(tea.KeyMsg{})
				h.mustContain("empty: a new PS256 key on save")
			}
		})
	}
}

// A private_key_jwt profile added after discovery keeps the server's signing
// algorithms, and the key generated for it is of one of them.
func TestFormDiscoveredKeyUsesTheServersAlg(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 160, 60)
	h.srv.SetAuthMethods([]string{"private_key_jwt"})
	h.srv.SetAssertionAlgs([]string{"PS256"})
	f.moveTo(fDiscover)
	f.set(fDiscover, h.srv.Issuer(oauthtest.Keycloak, "demo"))
	h.press("enter")
	for i, v := range map[int]string{fName: "pss", fClientID: "pss-id"} {
		f.set(i, v)
	}
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	p, err := h.v.Get("pss")
	if err != nil || p.KeyAlg != "PS256" || strings.Join(p.SigningAlgs, " ") != "PS256" || p.AuthMethod != oauth.AuthPrivateKeyJWT {
		t.Fatalf("profile %+v %v", p, err)
	}
	h.mustContain("PS256")
}

// At 60 columns the one-time key screen wraps its warning rather than cutting it,
// and shows the whole thumbprint.
func TestKeyOnceScreenAt60Columns(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 60, 20)
	for i, v := range map[int]string{fName: "narrow", fTokenURL: h.srv.TokenURL(oauthtest.Generic), fClientID: "narrow-id"} {
		f.set(i, v)
	}
	chooseAuth(t, h, f, oauth.AuthPrivateKeyJWT)
	h.press("ctrl+s")
	p, err := h.v.Get("narrow")
	if err != nil {
		t.Fatalf("not saved: %v\n%s", err, h.view())
	}
	h.mustContain("thumbprint  "+p.KeyThumbprint, "oat keygen", "shows it again", "oat never shows")
	h.mustNotContain("…")
}

// The add form's key algorithm (private_key_jwt only): the key generated on save is of
// the one chosen, and a pasted key that cannot sign with it is refused under it.
func TestFormKeyAlgChoosesTheGeneratedKey(t *testing.T) {
	t.Parallel()
	h, f := openAuthAdd(t, 120, 60, "ed", "ed-id", oauth.AuthPrivateKeyJWT)
	f.moveTo(fKeyAlg)
	for n := 0; n < 6 && f.keyAlg != "EdDSA"; n++ {
		h.send(tea.KeyMsg{Type: tea.KeyRight})
	}
	h.mustContain("key alg", "EdDSA")
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{})
	h.mustContain("empty: a new EdDSA key on save")

	// A pasted EC key does not sign EdDSA: said under the key algorithm, nothing saved.
	k, _, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k.PEM), Paste: true})
	f.set(fMore, "folded")
	h.press("ctrl+s")
	if f.focused() != fKeyAlg {
		t.Fatalf("save left the focus on %q, not on the key algorithm in error", fieldLabels[f.focused()])
	}
	h.mustContain("✗ key alg")
	if _, err := h.v.Get("ed"); err == nil {
		t.Fatal("saved a key that cannot sign with the algorithm chosen")
	}
	f.set(fSecret, "")
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	h.mustContain("EdDSA", `"kty":"OKP"`)
	p, err := h.v.Get("ed")
	if err != nil || p.KeyAlg != "EdDSA" {
		t.Fatalf("profile %+v %v", p, err)
	}
}

// A .env file holds a client secret: imported into a form set to private_key_jwt, the
// auth goes back to auto and the secret into the client secret's field, not into the
// key's (where it would be refused as a key).
func TestFormImportEnvIntoKeyFormTakesTheSecret(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	env := filepath.Join(t.TempDir(), "EDS.env")
	if err := os.WriteFile(env, []byte("EDS_CLIENT_ID=eds-id\nEDS_SECRET=from-file-S3cret\nEDS_AUTH_URL="+h.srv.TokenURL(oauthtest.EDS)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	chooseAuth(t, h, f, oauth.AuthPrivateKeyJWT)
	f.moveTo(fImport)
	h.typeText(env)
	h.press("enter")
	if f.auth != string(oauth.AuthAuto) || f.value(fSecret) != "from-file-S3cret" {
		t.Fatalf("auth %s, secret field holds %d characters", f.auth, len(f.value(fSecret)))
	}
	h.mustContain("client secret *")
	h.mustNotContain("✗")
	h.press("ctrl+s")
	if p, err := h.v.Get("eds"); err != nil || p.AuthMethod != oauth.AuthAuto {
		t.Fatalf("profile %+v %v\n%s", p, err, h.view())
	}
}

// editKeyProfileSecret is the edit form of ecoinvent turned into a private_key_jwt
// profile (a key set with oat keygen), on its key field.
func editKeyProfileSecret(t *testing.T) (*harness, *formScreen) {
	t.Helper()
	h := newHarness(t, 120, 40, true, "slow")
	k, _, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.v.SetKey(context.Background(), "ecoinvent", k.PEM, "ES256"); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("ecoinvent")
	f := h.editForm("ecoinvent")
	f.moveTo(fSecret)
	return h, f
}

// The edit form of a private_key_jwt profile names what its empty key field means and
// what goes into it: a new key, pasted.
func TestFormEditKeyProfileSaysKey(t *testing.T) {
	t.Parallel()
	h, _ := editKeyProfileSecret(t)
	h.send(tea.KeyMsg{})
	h.mustContain("private key", "unchanged (paste a new key to replace; R rotates with a check)")
	h.mustNotContain("type to replace")
}

// A key pasted into the edit form of a key profile is said to replace the key, not a
// secret.
func TestFormEditKeyProfileWarnsOfTheKey(t *testing.T) {
	t.Parallel()
	h, _ := editKeyProfileSecret(t)
	k2, _, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k2.PEM), Paste: true})
	h.mustContain("⚠ replaces the key without a check")
	h.mustNotContain("replaces the secret")
}

// Discovery that suggests mutual TLS from a server with an mTLS alias of its token
// endpoint (RFC 8705 §5) fills the alias; the alias on another origin than the issuer
// is confirmed as any such endpoint is, by a second enter.
func TestFormDiscoveryTakesTheMTLSAlias(t *testing.T) {
	t.Parallel()
	_, f := openAdd(t, 120, 40)
	meta := &oauth.Metadata{Issuer: "https://sso.example.com", TokenEndpoint: "https://sso.example.com/token",
		TokenAuthMethods: []string{"tls_client_auth"}}
	meta.MTLSEndpointAliases.TokenEndpoint = "https://sso.example.com/mtls/token"
	f.startDiscovery("https://sso.example.com")
	f.onDiscovered(discoveredMsg{issuer: f.discovering, seq: f.discSeq, meta: meta})
	if f.auth != string(oauth.AuthTLS) || f.value(fTokenURL) != "https://sso.example.com/mtls/token" {
		t.Fatalf("auth %s, token URL %s", f.auth, f.value(fTokenURL))
	}
	if v := f.View(120, 40); !strings.Contains(v, "token endpoint https://sso.example.com/mtls/token") {
		t.Fatalf("the form does not say the alias is the endpoint:\n%s", v)
	}

	_, g := openAdd(t, 120, 40)
	meta.MTLSEndpointAliases.TokenEndpoint = "https://mtls.example.com/token"
	g.startDiscovery("https://sso.example.com")
	g.onDiscovered(discoveredMsg{issuer: g.discovering, seq: g.discSeq, meta: meta})
	if g.pending == nil || g.value(fTokenURL) != "" {
		t.Fatalf("an alias on another origin was taken without a second enter: %q", g.value(fTokenURL))
	}
	if v := g.View(120, 40); !strings.Contains(v, "https://mtls.example.com") {
		t.Fatalf("the confirmation does not name the alias's origin:\n%s", v)
	}
}

// After discovery, choosing another auth by hand moves a discovered token URL to the
// endpoint that method uses: to the server's mTLS alias for mutual TLS, back to its
// token endpoint for a secret; a URL the user typed is left as it is.
func TestFormAuthChangeFollowsTheMTLSAlias(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	meta := &oauth.Metadata{Issuer: "https://sso.example.com", TokenEndpoint: "https://sso.example.com/token",
		TokenAuthMethods: []string{"client_secret_basic", "tls_client_auth"}}
	meta.MTLSEndpointAliases.TokenEndpoint = "https://sso.example.com/mtls/token"
	f.startDiscovery("https://sso.example.com")
	f.onDiscovered(discoveredMsg{issuer: f.discovering, seq: f.discSeq, meta: meta})
	if f.auth != string(oauth.AuthBasic) || f.value(fTokenURL) != "https://sso.example.com/token" {
		t.Fatalf("auth %s, token URL %s", f.auth, f.value(fTokenURL))
	}
	chooseAuth(t, h, f, oauth.AuthTLS)
	if f.value(fTokenURL) != "https://sso.example.com/mtls/token" {
		t.Fatalf("tls_client_auth chosen: token URL %s, want the alias", f.value(fTokenURL))
	}
	chooseAuth(t, h, f, oauth.AuthPost)
	if f.value(fTokenURL) != "https://sso.example.com/token" {
		t.Fatalf("post chosen: token URL %s, want the token endpoint", f.value(fTokenURL))
	}
	f.set(fTokenURL, "https://elsewhere.example.com/token")
	chooseAuth(t, h, f, oauth.AuthSelfSignedTLS)
	if f.value(fTokenURL) != "https://elsewhere.example.com/token" {
		t.Fatalf("a typed token URL was replaced: %s", f.value(fTokenURL))
	}
}

// The add form makes a key with a self-signed certificate when asked (for providers
// that register certificates, Entra ID): the choice shows only while the key is to be
// generated, the one-time screen shows the certificate with the key's documents, and
// the profile keeps it.
func TestFormGeneratesAKeyWithACertificate(t *testing.T) {
	t.Parallel()
	h, f := openAuthAdd(t, 120, 60, "entra", "entra-id", oauth.AuthPrivateKeyJWT)
	if !f.shown(fKeyCert) {
		t.Fatal("no key certificate choice while the key is to be generated")
	}
	k, _, _ := vault.GenerateKey("ES256")
	f.set(fSecret, k.PEM)
	if f.shown(fKeyCert) {
		t.Fatal("the key certificate choice shows with a pasted key")
	}
	f.set(fSecret, "")
	f.moveTo(fKeyCert)
	h.send(tea.KeyMsg{Type: tea.KeyRight})
	h.mustContain("key cert", "self-signed, 365 days")
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	h.mustContain("Register this certificate (or key)", "x5t#S256")
	p, err := h.v.Get("entra")
	if err != nil {
		t.Fatal(err)
	}
	info, ok, err := p.CertInfo()
	if err != nil || !ok || info.Subject != "CN=oat entra" {
		t.Fatalf("the profile's certificate: %+v %v %v", info, ok, err)
	}
}

// A private key pasted into the client secret's field (auth still auto) is refused by
// what it is, with the auth that takes it; the field keeps nothing, nothing is saved.
func TestFormSecretPasteOfAKeySaysWhatItIs(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	k, _, _ := vault.GenerateKey("ES256")
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k.PEM), Paste: true})
	h.mustContain("the paste is a private key (PEM), not a client secret; it goes with auth", "private_key_jwt")
	if f.value(fSecret) != "" {
		t.Fatal("the key went into the secret's field")
	}
	h.mustNotContain("BEGIN PRIVATE KEY")
}

// A key wrapped by a copy (base64 of the whole PEM, as a Kubernetes secret holds it;
// the PEM's body without its lines) pasted into the secret's field is refused like the
// PEM itself: it is one printable line, and went in as the secret.
func TestFormSecretPasteOfAWrappedKeySaysWhatItIs(t *testing.T) {
	t.Parallel()
	k, _, _ := vault.GenerateKey("ES256")
	blk, _ := pem.Decode([]byte(k.PEM))
	for _, c := range []struct{ paste, want string }{
		{base64.StdEncoding.EncodeToString([]byte(k.PEM)), "the paste is a private key (PEM), base64-encoded, not a client secret"},
		{base64.StdEncoding.EncodeToString(blk.Bytes), "the paste is a private key in base64"},
	} {
		h, f := openAdd(t, 160, 40)
		f.moveTo(fSecret)
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(c.paste), Paste: true})
		h.mustContain(c.want)
		if f.value(fSecret) != "" {
			t.Fatalf("the key went into the secret's field: %s", c.want)
		}
	}
}
