package ui

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// relRE finds the relative time on the inspector's expires line and on its exp claim.
var (
	expiresRelRE = regexp.MustCompile(`expires\s.*\((in \S+|\S+ ago)\)`)
	expClaimRE   = regexp.MustCompile(`exp\s+\S+ \S+\s+(in \S+|\S+ ago)\s+\(`)
)

// TestInspectorExpiryLinesAgree: the expires line (from expires_in) and the exp claim
// name the same second; read from one clock reading, to the second, they say the same
// relative time even when the clock is mid-second.
func TestInspectorExpiryLinesAgree(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.clk.Advance(600 * time.Millisecond) // the token is fetched mid-second
	h.selectProfile("ecoinvent")
	h.press("enter")
	h.clk.Advance(110 * time.Second)
	h.press("i")
	v := h.view()
	a, b := expiresRelRE.FindStringSubmatch(v), expClaimRE.FindStringSubmatch(v)
	if a == nil || b == nil {
		t.Fatalf("no expires line or exp claim:\n%s", v)
	}
	if a[1] != b[1] {
		t.Fatalf("expires says %q, exp says %q:\n%s", a[1], b[1], v)
	}
}

// TestInspectorSaysExpired: an expired token says so in words, not only "3s ago".
func TestInspectorSaysExpired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("enter", "i")
	h.mustNotContain("expired")
	h.tick(2*time.Minute + 3*time.Second)
	h.mustContain("✗ expired", "3s ago")
}

// TestInspectorVerifyKeepsThePosition: V's outcome shows at the top; the view stays
// where the user scrolled it.
func TestInspectorVerifyKeepsThePosition(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("enter", "i")
	h.press("down", "down")
	s := h.m.overlay.(*inspectScreen)
	before := s.vp.YOffset
	if before != 2 {
		t.Fatalf("offset %d after two downs", before)
	}
	h.mustContain("alg")
	h.press("V")
	h.mustContain("signature", "✓ verified", "alg", "RS256")
	if s.vp.YOffset != before {
		t.Fatalf("V moved the view from %d to %d:\n%s", before, s.vp.YOffset, h.view())
	}
}

// TestInspectorRawJSON: r shows the header and claims as JSON, y copies it (never the
// token or its signature), r goes back; the keys are offered only where they work.
func TestInspectorRawJSON(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("enter", "i")
	h.mustContain("r raw JSON")
	h.mustNotContain("copy JSON")
	h.press("y") // not in the decoded view
	if h.clip.get() != "" {
		t.Fatal("y copied outside the raw view")
	}
	h.press("r")
	h.mustContain(`"header": {`, `"alg": "RS256"`, `"claims": {`, `"azp": "ecoinvent-demo"`, "y copy JSON", "r decoded view")
	h.press("y")
	got := h.clip.get()
	var doc struct {
		Header map[string]any `json:"header"`
		Claims map[string]any `json:"claims"`
	}
	if err := json.Unmarshal([]byte(got), &doc); err != nil || doc.Header["alg"] != "RS256" || doc.Claims["azp"] != "ecoinvent-demo" {
		t.Fatalf("copied %q: %v", got, err)
	}
	tok := h.m.overlay.(*inspectScreen).tok.AccessToken
	sig := tok[strings.LastIndex(tok, ".")+1:]
	if strings.Contains(got, tok) || strings.Contains(got, sig) {
		t.Fatal("the copy holds the token or its signature")
	}
	h.press("r")
	h.mustContain("Header", "Claims", "r raw JSON")

	// An opaque token has no JSON to show: neither key is offered, r does nothing.
	h.press("esc")
	h.selectProfile("opaque")
	h.press("enter", "i")
	h.mustNotContain("raw JSON", "copy JSON", "verify signature")
	h.press("r")
	h.mustContain("opaque token")
}

// TestInspectorRawJSONIsSafe: claims from a hostile server are escaped in the raw view
// (the JSON stays valid: the escapes are JSON's own).
func TestInspectorRawJSONIsSafe(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	tok, err := h.srv.Sign(map[string]any{"iss": h.srv.URL, "exp": h.clk.Now().Add(time.Hour).Unix(),
		"x": "a\n✓ verified", "y": "\x1b]52;c;SGVsbG8=\x07", "w": "a\u202eb\u009b"})
	if err != nil {
		t.Fatal(err)
	}
	h.srv.AddClient(oauthtest.Client{ID: "forge-id", Secrets: []string{"Forge-S3cret"},
		Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
		}}})
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: "forge", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "forge-id", AuthMethod: oauth.AuthBasic}, "Forge-S3cret"); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("forge")
	h.press("enter", "i", "r")
	requireFrameSafe(t, "raw inspector", h.view())
	h.mustContain(`"x": "a\n✓ verified"`, `\u001b]52`, `\u202e`)
	h.press("y")
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(h.clip.get()), &doc); err != nil || doc["claims"]["w"] != "a\u202eb\u009b" {
		t.Fatalf("the copy is not the claims as JSON: %v %q", err, h.clip.get())
	}
}

// TestRotateShowsTheSkippedTestCallAndTheNewToken: a profile with no API shows its test
// call as skipped; once the new secret is active, the list holds the token it earned.
func TestRotateShowsTheSkippedTestCallAndTheNewToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("opaque")
	h.press("R")
	h.mustContain("no API set: no test call")
	h.typeText("opaque-demo-secret-2")
	h.press("enter")
	h.mustContain("✓ get a token with the new secret", "– test call with the new token", "skipped: no API set", "✓ make the new secret active")
	p, _ := h.v.Get("opaque")
	cached, ok, err := h.v.CachedToken(context.Background(), p, 0)
	if err != nil {
		t.Fatal(err)
	}
	s := h.m.main.slots[p.ID]
	if s == nil || !s.has || s.tok.AccessToken == "" {
		t.Fatal("the list holds no token after the rotation")
	}
	if ok && s.tok.AccessToken != cached.AccessToken {
		t.Fatal("the list holds another token than the cached one")
	}
	h.press("esc")
	h.mustContain("no expiry given by the server") // the list shows the opaque token it earned
}

// TestRotateKeepsTheListTokenOfTheNewSecret: a token the list held from the old secret
// is replaced by the one the new secret earned.
func TestRotateKeepsTheListTokenOfTheNewSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("enter")
	p, _ := h.v.Get("ecoinvent")
	old := h.m.main.slots[p.ID].tok.AccessToken
	h.press("R")
	h.typeText("ecoinvent-demo-secret-2")
	h.press("enter")
	h.mustContain("✓ make the new secret active")
	now := h.m.main.slots[p.ID].tok.AccessToken
	cached, ok, _ := h.v.CachedToken(context.Background(), p, 0)
	if now == "" || now == old || !ok || now != cached.AccessToken {
		t.Fatalf("the list's token after the rotation: old=%v cached=%v", now == old, ok && now == cached.AccessToken)
	}
}

// TestRotateFailureGivesEachHintOnce: auto auth tries Basic then the form body; both are
// refused with invalid_client, whose hint is shown once.
func TestRotateFailureGivesEachHintOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.srv.AddClient(oauthtest.Client{ID: "refused", Secrets: []string{"Old-S3cret"},
		Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"client authentication failed"}`))
		}}})
	if _, err := h.v.Add(context.Background(), vault.Profile{Name: "refused", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "refused", AuthMethod: oauth.AuthAuto}, "Old-S3cret"); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("refused")
	h.press("R")
	h.typeText("not-what-the-provider-issued")
	h.press("enter")
	h.mustContain("with HTTP Basic", "with form body", "hint: check the client id and secret")
	if n := strings.Count(h.view(), "check the client id and secret"); n != 1 {
		t.Fatalf("the hint is shown %d times:\n%s", n, h.view())
	}
}

// addShared adds a profile with eds's client ID and token URL (written a little
// differently) and its secret.
func addShared(t *testing.T, h *harness, name string) vault.Profile {
	t.Helper()
	eds, _ := h.v.Get("eds")
	p, err := h.v.Add(context.Background(), vault.Profile{Name: name, TokenURL: strings.ToUpper(eds.TokenURL[:4]) + eds.TokenURL[4:] + "/", ClientID: eds.ClientID,
		AuthMethod: oauth.AuthBasic}, "eds-demo-secret-1")
	if err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("eds")
	return p
}

// TestRotateWarnsAboutASharedClientAndUpdatesIt: another profile with the same client
// ID and token URL is named before and after the rotation; u gives it the new secret,
// its old one kept aside, and the list drops its old token.
func TestRotateWarnsAboutASharedClientAndUpdatesIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	addShared(t, h, "eds-copy")
	h.selectProfile("eds")
	h.press("R")
	h.mustContain("⚠ eds-copy uses the same client ID and token URL", "u gives it the new secret too")
	h.mustNotContain("u update shared") // not before the new secret works
	h.typeText("eds-demo-secret-2")
	h.press("enter")
	h.mustContain("✓ make the new secret active", "⚠ eds-copy uses the same client ID", "u gives it the new secret too", "u update shared")
	h.press("u")
	h.mustContain("✓ eds-copy now has the new secret")
	h.mustNotContain("⚠ eds-copy", "u update shared")
	cp, _ := h.v.Get("eds-copy")
	if s, _ := h.v.Secret(context.Background(), cp); s != "eds-demo-secret-2" || cp.PreviousFingerprint != vault.Fingerprint("eds-demo-secret-1") {
		t.Fatalf("eds-copy after u: %+v", cp)
	}
	// The old secret is revoked (eds's server revokes on use): check old drops it on both.
	h.press("o")
	h.mustContain("✓ revoked")
	if cp, _ := h.v.Get("eds-copy"); cp.PreviousFingerprint != "" {
		t.Fatal("eds-copy still keeps the revoked secret aside")
	}
}

// TestRotateSharedUpdateThatFailsLosesNothing: a profile of the same client whose
// earlier rotation is unfinished cannot take the new secret: it says so, keeps its old
// secret, and u is still offered.
func TestRotateSharedUpdateThatFailsLosesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	addShared(t, h, "eds-copy")
	ctx := context.Background()
	// eds-copy holds a secret kept aside from an earlier rotation of its own.
	if _, err := h.v.StageSecret(ctx, "eds-copy", "eds-demo-secret-0"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.v.Promote(ctx, "eds-copy"); err != nil {
		t.Fatal(err)
	}
	before, _ := h.v.Get("eds-copy")
	h.selectProfile("eds")
	h.press("R")
	h.typeText("eds-demo-secret-2")
	h.press("enter", "u")
	h.mustContain("✗ eds-copy not updated", "check it first", "It keeps its old secret: nothing was lost", "u update shared")
	after, _ := h.v.Get("eds-copy")
	if s, _ := h.v.Secret(ctx, after); s != "eds-demo-secret-0" || after.SecretFingerprint != before.SecretFingerprint || after.PreviousFingerprint != before.PreviousFingerprint {
		t.Fatalf("a failed update changed eds-copy: %+v", after)
	}
}

// TestCheckAllShowsTheSkippedTestCall: a profile with no API says its test call was
// skipped rather than saying nothing.
func TestCheckAllShowsTheSkippedTestCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.press("C")
	h.mustContain("8 of 8 done")
	c := h.m.overlay.(*checkAllScreen)
	for i, n := range c.order {
		if n == "opaque" {
			c.sel = i
		}
	}
	h.press("down", "up") // redraw with the selection
	v := h.view()
	if !strings.Contains(v, "call skipped (no API)") {
		t.Fatalf("the skipped call is not shown:\n%s", v)
	}
}

// TestRotateWaitsForTheSharedUpdate: while u runs, o and esc wait; quitting asks first.
func TestRotateWaitsForTheSharedUpdate(t *testing.T) {
	t.Parallel()
	d, _ := newDeps(t, true, "slow")
	p, _ := d.Broker.Vault.Get("eds")
	r := newRotate(d, p)
	r.phase, r.updating = rotDone, true
	for _, k := range []string{"o", "esc", "u"} {
		next, cmd := r.Update(keyMsg(k))
		if next != screen(r) || cmd != nil || r.phase != rotDone {
			t.Fatalf("%s acted while the shared update runs", k)
		}
	}
	if r.InFlight() == "" {
		t.Fatal("quitting during the shared update does not ask first")
	}
}
