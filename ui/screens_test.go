package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

func TestInspectAndVerify(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("i") // disabled without a token
	if h.m.overlay != nil {
		t.Fatal("inspector opened without a token")
	}
	h.press("enter", "i")
	h.mustContain("Inspect ecoinvent", "JWT", "Header", "alg", "RS256", "Claims", "azp", "ecoinvent-demo", "exp", "in 2m00s", "Scopes", "granted", "api/read api/write",
		"not checked: V verifies")
	h.press("V")
	h.mustContain("✓ verified", "signed by key", "keys from http://127.0.0.1")
	h.press("esc")
	if h.m.overlay != nil {
		t.Fatal("esc did not close the inspector")
	}
	h.selectProfile("opaque")
	h.press("enter", "i")
	h.mustContain("opaque token", "unknown: no expires_in")
}

func TestCallOKAnd401(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x") // the profile has a test request: sent at once, with a fresh token
	h.mustContain("Test call · ecoinvent", "✓ HTTP 200 OK", "content-type", "application/json", "x-ratelimit-remaining", `"versions"`, `"3.10"`)
	// Scroll keys go to the viewport.
	h.press("pgdown", "pgup")
	h.press("esc")

	// The token the list holds expires: the call is sent with a new one, never the
	// expired one.
	h.selectProfile("dash-staging")
	h.press("enter")
	h.clk.Advance(3 * time.Minute)
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	h.press("esc")

	// The provider revokes every token before its expiry: the API's 401 drops the
	// cached token, a new one is fetched and the call sent once more.
	h.srv.RevokeIssuedTokens()
	h.press("x")
	h.mustContain("✓ HTTP 200 OK", "the API rejected the cached token (HTTP 401); fetched a new one")
	h.press("esc")

	// And when the new token is rejected too: one retry, then the 401, explained.
	h.srv.RevokeIssuedTokens()
	h.srv.SetMisbehaviour("dash-staging", oauthtest.Misbehaviour{Opaque: true})
	h.press("x")
	h.mustContain("✗ HTTP 401 Unauthorized", "why: the token was rejected as invalid", "rejected too")
	h.press("esc")
	h.mustContain("✗ rejected")
	h.press("x")
	h.press("e")
	if !h.m.overlay.Capturing() {
		t.Fatal("editing the request does not capture keys")
	}
	h.press("esc", "esc")
	if h.m.overlay != nil {
		t.Fatal("call screen still open")
	}
}

func TestCallEditedTarget403(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.srv.AddClient(oauthtest.Client{ID: "reader", Secrets: []string{"r"}, Scopes: []string{"api/read"}})
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: "reader", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "reader",
		AuthMethod: oauth.AuthBasic, Scopes: []string{"api/read"}}, "r"); err != nil {
		t.Fatal(err)
	}
	h.send(profilesLoadedMsg{})
	h.reloadSelect("reader")
	h.selectProfile("reader")
	h.press("x") // no API URL: the request line is edited first
	if !h.m.overlay.Capturing() {
		t.Fatal("call screen without a test request should start editing")
	}
	h.m.overlay.(*callScreen).target.SetValue(h.srv.URL + "/api/write/orders")
	h.press("enter")
	h.mustContain("✗ HTTP 403 Forbidden", "lacks the scope this call needs: api/write")
}

func TestRotateGoodSecretRevoked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	// The demo's notes name the new secret; the list shows notes in full now.
	if _, err := h.v.Edit(t.Context(), "eds", func(p *vault.Profile) error { p.Notes = ""; return nil }); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("eds")
	old, _ := h.v.Get("eds")
	h.press("R")
	h.mustContain("Rotate the secret of eds", "new secret")
	h.typeText("eds-demo-secret-2")
	h.mustNotContain("eds-demo-secret-2")
	h.press("enter")
	h.mustContain("✓ stage the new secret", "✓ get a token with the new secret", "✓ test call with the new token", "✓ make the new secret active",
		"shown this once", "17 characters, hidden", "kept aside", "press o")
	h.mustNotContain("eds-demo-secret-2") // masked until v
	h.press("v")
	h.mustContain("eds-demo-secret-2")
	h.press("c")
	if h.clip.get() != "eds-demo-secret-2" {
		t.Fatal("c did not copy the new secret")
	}
	h.press("o")
	h.mustContain("✓ revoked", "It is deleted")
	h.mustNotContain("eds-demo-secret-2")
	p, _ := h.v.Get("eds")
	if p.SecretFingerprint != vault.Fingerprint("eds-demo-secret-2") || p.PreviousFingerprint != "" || p.SecretFingerprint == old.SecretFingerprint {
		t.Fatalf("after rotation: %+v", p)
	}
	h.press("esc")
	h.mustNotContain("eds-demo-secret-2")
}

func TestRotateStillAccepted(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.srv.AddClient(oauthtest.Client{ID: "overlap", Secrets: []string{"one", "two"}})
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: "overlap", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "overlap", AuthMethod: oauth.AuthPost}, "one"); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("overlap")
	h.selectProfile("overlap")
	h.press("R")
	h.typeText("two")
	h.press("enter", "o")
	h.mustContain("⚠ still accepted", "Revoke it at the provider")
	if p, _ := h.v.Get("overlap"); p.PreviousFingerprint != vault.Fingerprint("one") {
		t.Fatal("old secret not kept after still-accepted")
	}
	// Later, after revoking: R opens straight on the check.
	h.srv.RevokeSecret("overlap", "one")
	h.press("esc")
	h.selectProfile("overlap")
	h.press("R")
	h.mustContain("kept aside", "press o")
	h.press("o")
	h.mustContain("✓ revoked")
}

func TestRotateBadSecretKeepsOld(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	before, _ := h.v.Get("ecoinvent")
	h.press("R")
	h.typeText("not-what-the-provider-issued")
	h.press("enter")
	h.mustContain("✓ stage the new secret", "✗ get a token with the new secret", "Nothing was lost: the old secret")
	p, _ := h.v.Get("ecoinvent")
	if p.SecretFingerprint != before.SecretFingerprint {
		t.Fatal("a failed rotation changed the active secret")
	}
	if s, _ := h.v.Secret(context.Background(), p); s != "ecoinvent-demo-secret-1" {
		t.Fatal("the old secret is not the active one")
	}
	h.mustNotContain("not-what-the-provider-issued")
}

func TestCheckAllMixed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.press("C")
	h.mustContain("Check all profiles", "8 of 8 done · 6 ok · 2 failed")
	v := h.view()
	fail1, fail2 := strings.Index(v, "rotated-away"), strings.Index(v, "hostile")
	ok1 := strings.Index(v, "ecoinvent")
	if fail1 < 0 || fail2 < 0 || ok1 < 0 || fail1 > ok1 || fail2 > ok1 {
		t.Fatalf("failures are not listed first:\n%s", v)
	}
	h.mustContain("✗ FAIL", "✓ ok", "call HTTP 200", "invalid_client")
	n := h.srv.TokenRequests()
	h.press("r")
	if h.srv.TokenRequests() <= n {
		t.Fatal("r did not run the checks again")
	}
	h.press("esc")
	if h.m.overlay != nil {
		t.Fatal("esc did not close check-all")
	}
}

func TestHelpToggle(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.mustNotContain("↑/k") // the short bar has the keys that act; moving is obvious
	h.press("?")
	h.mustContain("↑/k", "check all", "rotate", "auto-refresh", "filter", "delete")
	h.press("?")
	h.mustNotContain("↑/k")
}

// TestCallScreenShowsTheExpandedURL: {CLIENT_ID} in the test path is shown expanded,
// live while the request is edited, and an unknown name is flagged before sending.
func TestCallScreenShowsTheExpandedURL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	if _, err := h.v.Edit(context.Background(), "dash-staging", func(p *vault.Profile) error {
		p.TestRequest.Path = "/accounts/{CLIENT_ID}/orders"
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("dash-staging")
	h.selectProfile("dash-staging")
	h.press("x")
	h.mustContain("url", "/dash/accounts/dash-staging/orders", "✓ HTTP 200 OK")
	h.press("e")
	h.typeText("/x/{tenant}")
	h.mustContain("{tenant} is not a name oat knows")
}
