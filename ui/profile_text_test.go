package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// requireFrameSafe fails if a frame holds a control character other than newline (the
// Ascii colour profile of the tests emits no escape sequence of its own), a C1 control,
// a bidi control or a byte that is not UTF-8.
func requireFrameSafe(t *testing.T, where, frame string) {
	t.Helper()
	if i, r := oauth.FirstUnsafe(frame, false); i >= 0 {
		t.Fatalf("%s: raw %U at byte %d:\n%q", where, r, i, frame)
	}
}

// TestHostileProfilesFileShownEscaped: a hand-edited profiles.toml whose fields hold an
// OSC 52 clipboard write, a bidi override and a C1 CSI is loaded, and the list rows, the
// detail pane (wide and narrow), the delete confirmation and the edit form show those
// fields escaped, never raw.
func TestHostileProfilesFileShownEscaped(t *testing.T) {
	t.Parallel()
	d, h := newDeps(t, false)
	const osc, rlo, csi = "\x1b]52;c;SGVsbG8=\x07", "\u202e", "\u009b2J"
	evil := vault.Profile{ID: "0123456789abcdef", Name: "evil", Environment: "prod" + osc + rlo,
		TokenURL: h.srv.TokenURL(oauthtest.Generic) + rlo, ClientID: "evil" + osc + "-id" + csi, Scopes: []string{"read" + osc, rlo + "x"},
		Audience: "aud" + csi, AuthMethod: oauth.AuthAuto, APIBaseURL: h.srv.URL + "/api" + rlo,
		TestRequest: vault.TestRequest{Path: "/v0" + osc}, Notes: "line one\nline two " + osc + rlo,
		CreatedAt: h.clk.Now(), SecretFingerprint: "abcd" + csi, SecretSetAt: h.clk.Now()}
	data, err := toml.Marshal(struct {
		Schema   int             `toml:"schema"`
		Profiles []vault.Profile `toml:"profile"`
	}{vault.ProfilesSchema, []vault.Profile{evil}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(h.v.Profiles.Path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	h.m = New(d)
	h.run(h.m.Init())
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		h.send(teaSize(size[0], size[1]))
		requireFrameSafe(t, "main view", h.view())
		h.mustContain(`evil\x1b]52;c;SGVsbG8=\x07-id\u009b2J`)
	}
	h.send(teaSize(120, 40))
	h.mustContain(`prod\x1b]52;c;SGVsbG8=\x07\u202e`, `read\x1b]52;c;SGVsbG8=\x07 \u202ex`, `aud\u009b2J`, `fp abcd\u009b2J`)
	h.press("d")
	requireFrameSafe(t, "delete confirmation", h.view())
	h.mustContain("Delete evil?", `evil\x1b]52;c;SGVsbG8=\x07-id\u009b2J`)
	h.press("esc")
	h.press("e")
	requireFrameSafe(t, "edit form", h.view())
	f := h.m.overlay.(*formScreen)
	// The form would save what it shows, the escaped text. An escaped scope is not a
	// valid scope (backslashes), so the form says to fix that field first.
	h.press("ctrl+s")
	if _, bad := f.errs[fScopes]; !bad {
		t.Fatalf("the escaped scopes were accepted: %v", f.errs)
	}
	h.mustContain("✗ scopes")
	requireFrameSafe(t, "edit form with errors", h.view())
	f.set(fScopes, "read x")
	// The fingerprint is not a field of the form, and it holds a C1 control: the save is
	// refused naming it, and nothing is written.
	h.press("ctrl+s")
	if !strings.Contains(f.formErr, "secret_fingerprint") {
		t.Fatalf("saving: %q %v", f.formErr, f.errs)
	}
	requireFrameSafe(t, "edit form after a refused save", h.view())
	if p, err := h.v.Get("evil"); err != nil || p.ClientID != evil.ClientID || p.Scopes[0] != evil.Scopes[0] {
		t.Fatalf("a refused save changed the profile: %v %+v", err, p)
	}
}

// TestInspectorClaimsOnOneLine: in the app's inspector a claim holding line breaks and
// escape sequences is one line with its controls escaped; it cannot add a line of its
// own, such as a fake signature verdict.
func TestInspectorClaimsOnOneLine(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	tok, err := h.srv.Sign(map[string]any{"iss": h.srv.URL, "sub": "s", "exp": h.clk.Now().Add(time.Hour).Unix(),
		"x": "a\n✓ verified: forged\nscope admin", "y": "\x1b]52;c;SGVsbG8=\x07", "z\n✓ verified": "n", "w": []any{"a\u202eb"}})
	if err != nil {
		t.Fatal(err)
	}
	h.srv.AddClient(oauthtest.Client{ID: "forge-id", Flavour: oauthtest.Generic, Secrets: []string{"Forge-S3cret"},
		Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
		}}})
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: "forge", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "forge-id", AuthMethod: oauth.AuthBasic}, "Forge-S3cret"); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("forge")
	h.press("enter", "i")
	h.press("pgdown") // nothing more to see, but the view must not have scrolled into a forged line
	v := h.view()
	requireFrameSafe(t, "inspector", v)
	h.mustContain(`a\n✓ verified: forged\nscope admin`, `\x1b]52;c;SGVsbG8=\x07`, `z\n✓ verified`, `["a\u202eb"]`)
	for _, l := range strings.Split(v, "\n") {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "✓ verified") || strings.HasPrefix(t, "scope admin") {
			h.t.Fatalf("a claim forged a line %q:\n%s", l, v)
		}
	}
}

// TestFormDiscoveryOtherOriginNeedsConfirmation: discovery in the form that finds a token
// endpoint on another origin than the issuer shows both origins and fills nothing until
// a second enter confirms it; the issuer is then pinned in the saved profile. A change of
// the issuer field forgets the pending confirmation.
func TestFormDiscoveryOtherOriginNeedsConfirmation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	var iss string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "token_endpoint": h.srv.TokenURL(oauthtest.Generic), "jwks_uri": h.srv.URL + "/jwks"})
	}))
	t.Cleanup(ts.Close)
	iss = ts.URL
	h.press("a")
	f := h.m.overlay.(*formScreen)
	f.moveTo(fDiscover)
	f.set(fDiscover, iss)
	h.press("enter")
	if got := f.value(fTokenURL); got != "" {
		t.Fatalf("a token endpoint on another origin was filled in without a confirmation: %q", got)
	}
	h.mustContain(h.srv.URL, ts.URL, "enter again")
	// Editing the issuer forgets it: the next enter discovers again, and asks again.
	h.typeText("/")
	h.press("backspace", "enter")
	if got := f.value(fTokenURL); got != "" {
		t.Fatalf("the confirmation survived an edit of the issuer: %q", got)
	}
	h.press("enter")
	if got := f.value(fTokenURL); got != h.srv.TokenURL(oauthtest.Generic) {
		t.Fatalf("confirmed: token URL %q", got)
	}
	for i, v := range map[int]string{fName: "far", fClientID: "generic-id", fSecret: "Far-S3cret"} {
		f.set(i, v)
	}
	h.press("ctrl+s", "enter")
	p, err := h.v.Get("far")
	if err != nil || p.Issuer != iss || p.TokenURL != h.srv.TokenURL(oauthtest.Generic) {
		t.Fatalf("saved: %v %+v", err, p)
	}
}

// TestInspectorVerifiesOnlyThePinnedIssuer: V in the inspector of a profile discovered
// from one issuer fails a token of another issuer, although that issuer's own keys
// verify its signature.
func TestInspectorVerifiesOnlyThePinnedIssuer(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.srv.AddClient(oauthtest.Client{ID: "pin-id", Flavour: oauthtest.Generic, Secrets: []string{"Pin-S3cret"}, Scopes: []string{"api/read"}})
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: "pinned", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "pin-id",
		AuthMethod: oauth.AuthBasic, Issuer: h.srv.Issuer(oauthtest.Keycloak, "demo")}, "Pin-S3cret"); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("pinned")
	h.press("enter", "i", "V")
	h.mustContain("✗ failed", "issuer mismatch")
	h.mustNotContain("✓ verified")
}
