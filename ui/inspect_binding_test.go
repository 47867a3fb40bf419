package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// TestInspectorBindingLine: the inspector shows a binding line only for a token with a
// cnf claim (RFC 8705 §3), and says what it is bound to.
func TestInspectorBindingLine(t *testing.T) {
	t.Parallel()
	testInspectorBindingLine(t, 120, 40)
	testInspectorBindingLine(t, 80, 24)
}

func testInspectorBindingLine(t *testing.T, w, ht int) {
	h := newHarness(t, w, ht, false)
	for _, tc := range []struct {
		name string
		cnf  any
	}{{"bound", map[string]any{"x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2"}}, {"plain", nil}} {
		claims := map[string]any{"iss": h.srv.URL, "sub": "s", "exp": h.clk.Now().Add(time.Hour).Unix()}
		if tc.cnf != nil {
			claims["cnf"] = tc.cnf
		}
		tok, err := h.srv.Sign(claims)
		if err != nil {
			t.Fatal(err)
		}
		id := tc.name + "-id"
		h.srv.AddClient(oauthtest.Client{ID: id, Secrets: []string{"Bind-S3cret"},
			Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
			}}})
		if _, err := h.v.Add(context.Background(), vault.Profile{Name: tc.name, TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: id, AuthMethod: oauth.AuthBasic}, "Bind-S3cret"); err != nil {
			t.Fatal(err)
		}
	}
	h.reloadSelect("bound")
	h.press("enter", "i")
	h.mustContain("binding    bound to a client certificate ? (the profile has none to compare)")
	h.press("esc")
	h.reloadSelect("plain")
	h.press("enter", "i")
	h.mustContain("Inspect plain")
	h.mustNotContain("binding", "bound to")
}

// TestFormDiscoveryAndVerifyTrustTheProfileCA: behind a private CA, the form's
// discovery trusts the CA file typed in the form, and the inspector's V the profile's,
// as the profile's token requests do.
func TestFormDiscoveryAndVerifyTrustTheProfileCA(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	srv := oauthtest.NewTLSForTest(t, "Priv-S3cret", nil)
	srv.SetClock(h.clk.Now)
	ca := filepath.Join(t.TempDir(), "private-ca.pem")
	if err := os.WriteFile(ca, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	h.press("a")
	f := h.m.overlay.(*formScreen)
	f.moveTo(fDiscover)
	f.set(fDiscover, srv.URL)
	h.press("enter")
	if got := f.value(fTokenURL); got != "" {
		t.Fatalf("discovery trusted a private CA without a CA file: %q", got)
	}
	f.set(fCAFile, ca)
	f.moveTo(fDiscover)
	h.press("enter")
	if got := f.value(fTokenURL); got != srv.TokenURL(oauthtest.Generic) {
		t.Fatalf("discovery with the form's CA file: token URL %q\n%s", got, h.view())
	}
	for i, v := range map[int]string{fName: "priv", fClientID: "generic-client", fSecret: "Priv-S3cret"} {
		f.set(i, v)
	}
	h.press("ctrl+s", "enter")
	if p, err := h.v.Get("priv"); err != nil || p.CAFile != ca {
		t.Fatalf("saved: %v %+v", err, p)
	}
	h.reloadSelect("priv")
	h.press("enter", "i", "V")
	h.mustContain("✓ verified")
}

// The inspector says how the client authenticated, in the words of oat inspect: for a
// key, the algorithm and the thumbprint.
func TestInspectorSaysHowTheClientAuthenticated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	k := h.addKeyProfile("signed-in", "signed-in-id")
	h.press("enter", "i")
	h.mustContain("client", "authenticates with private_key_jwt (signed ES256 assertion, key thumbprint", k.Thumbprint)
}

// Wrapping keeps a thumbprint (base64url, with hyphens) whole on a line when it fits:
// one broken at a hyphen was compared with the provider's in two pieces.
func TestWrapKeepsHyphenatedWordsWhole(t *testing.T) {
	t.Parallel()
	st := theme.NewStyles(theme.Default, true)
	tp := "aBcD-eFgH-iJkL-mNoP-qRsT-uVwX-yZ01-2345-678"
	for _, lines := range [][]string{
		wrapLines("", st.Text, "the old key "+tp+" is kept aside", 50, 4),
		hanging(st.Text, "✓ ", "revoked: the provider rejects the old key "+tp+" (invalid_client)", 50),
		wrapText(st.Text, "Remove the old key (kid "+tp+") at the provider", 50),
	} {
		if !strings.Contains(strings.Join(lines, "\n"), tp) {
			t.Errorf("the thumbprint was broken:\n%s", strings.Join(lines, "\n"))
		}
	}
}
