package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/vault"
)

// rotateDashStagingAt403 points dash-staging's test call at another client's account
// (a 403) and rotates it with the secret the provider issued.
func rotateDashStagingAt403(t *testing.T, w, hgt int) *harness {
	t.Helper()
	h := newHarness(t, w, hgt, true, "slow")
	h.editOutside("dash-staging", func(p *vault.Profile) { p.TestRequest.Path = "/accounts/dash-production/orders" })
	h.reloadSelect("dash-staging")
	h.press("R")
	h.typeText("dash-staging-secret-2")
	h.press("enter")
	return h
}

// TestRotateOnlyTheTestCallFailed: the new secret got a token and only the test call
// was refused (403): the screen says the provider accepted the secret, names the call
// and explains the 403, each fact once, and a makes the new secret active anyway, the
// old one kept aside.
func TestRotateOnlyTheTestCallFailed(t *testing.T) {
	t.Parallel()
	h := rotateDashStagingAt403(t, 80, 24)
	h.mustContain("accepted the new secret", "GET /accounts/dash-production/orders", "A 403 means", "a make it active anyway", "r retry")
	v := h.view()
	flat := strings.Join(strings.Fields(v), " ")
	for _, once := range []string{"403 Forbidden", "is still active", "belongs to another account"} {
		if n := strings.Count(flat, once); n != 1 {
			t.Fatalf("%q shown %d times:\n%s", once, n, v)
		}
	}
	p, _ := h.v.Get("dash-staging")
	if s, _ := h.v.Secret(context.Background(), p); s != "dash-staging-secret-1" {
		t.Fatal("the failed rotation changed the active secret")
	}
	h.press("a")
	h.mustContain("✓ make the new secret active", "failed: made active anyway", "shown this once")
	p, _ = h.v.Get("dash-staging")
	if s, _ := h.v.Secret(context.Background(), p); s != "dash-staging-secret-2" || p.PreviousFingerprint != vault.Fingerprint("dash-staging-secret-1") {
		t.Fatalf("after a: active %q, previous %q", s, p.PreviousFingerprint)
	}
}

// TestRotateFailureSaysEachFactOnce: a refused new secret: the failed step is named,
// the reason given once (not on the step line and again below), and that the old secret
// is still active is said once; its wrapped lines keep their indent.
func TestRotateFailureSaysEachFactOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 30, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("R")
	h.typeText("not-what-the-provider-issued")
	h.press("enter")
	h.mustContain("✗ get a token with the new secret")
	v := h.view()
	flat := strings.Join(strings.Fields(v), " ")
	for _, once := range []string{"is still active", "invalid_client"} {
		if n := strings.Count(flat, once); n != 1 {
			t.Fatalf("%q shown %d times:\n%s", once, n, v)
		}
	}
	for _, l := range strings.Split(v, "\n") {
		if len(l) > 0 && l[0] != ' ' {
			t.Fatalf("a line at column 1 (lost its indent): %q\n%s", l, v)
		}
		if strings.Contains(l, "…") {
			t.Fatalf("a line cut instead of wrapped: %q\n%s", l, v)
		}
	}
	if strings.Contains(v, "r retry") || strings.Contains(v, "make it active anyway") {
		t.Fatalf("retry or activate offered for a refused secret:\n%s", v)
	}
}

// TestRotateEscCancelsTheStepInFlight: while a rotation runs, the spinner names the
// step; esc cancels it and says so, and the old secret stays active with nothing staged.
func TestRotateEscCancelsTheStepInFlight(t *testing.T) {
	t.Parallel()
	d, h := newDeps(t, true, "slow")
	h.editOutside("ecoinvent", func(p *vault.Profile) { p.APIBaseURL = h.srv.URL + "/api"; p.TestRequest.Path = "/hang" })
	p, _ := h.v.Get("ecoinvent")
	var r screen = newRotate(d, p)
	r.Init()
	for _, c := range "ecoinvent-demo-secret-2" {
		r, _ = r.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{c}})
	}
	r, cmd := r.Update(keyMsg("enter"))
	if !strings.Contains(r.View(80, 24), "esc cancel") && !strings.Contains(helpText(r), "esc") {
		t.Fatal("esc is not offered while the rotation runs")
	}
	for cmd != nil {
		msg := cmd()
		r, cmd = r.Update(msg)
		if s, ok := msg.(rotateStartMsg); ok && s.step == vault.StepCall {
			v := r.View(80, 24)
			if !strings.Contains(v, "test call with the new token GET /hang") {
				t.Fatalf("the spinner does not name the step:\n%s", v)
			}
			r, _ = r.Update(keyMsg("esc"))
			if !strings.Contains(r.View(80, 24), "cancelling") {
				t.Fatalf("esc does not say it cancels:\n%s", r.View(80, 24))
			}
		}
		if _, ok := msg.(rotateDoneMsg); ok {
			break
		}
	}
	v := r.View(80, 24)
	if !strings.Contains(v, "✗ test call with the new token  cancelled") || !strings.Contains(v, "Cancelled: the new secret was not stored") {
		t.Fatalf("after esc:\n%s", v)
	}
	p, _ = h.v.Get("ecoinvent")
	if s, _ := h.v.Secret(context.Background(), p); s != "ecoinvent-demo-secret-1" || p.PreviousFingerprint != "" {
		t.Fatalf("after the cancel: active %q previous %q", s, p.PreviousFingerprint)
	}
	if _, err := h.v.StagedSecret(context.Background(), p); err == nil {
		t.Fatal("a staged secret is left behind")
	}
}

// helpText is a screen's short help as text.
func helpText(s screen) string {
	var out []string
	for _, b := range s.Keys().ShortHelp() {
		out = append(out, b.Help().Key+" "+b.Help().Desc)
	}
	return strings.Join(out, " · ")
}

// TestRotateSharedUpdateAfterTheOldIsRevoked: o confirmed the old secret revoked, then
// u gives the sibling the new secret: its copy of the revoked secret is not kept aside.
func TestRotateSharedUpdateAfterTheOldIsRevoked(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	addShared(t, h, "eds-copy")
	h.selectProfile("eds")
	h.press("R")
	h.typeText("eds-demo-secret-2")
	h.press("enter", "o")
	h.mustContain("✓ revoked")
	h.press("u")
	h.mustContain("✓ eds-copy now has the new secret", "revoked")
	h.mustNotContain("its old one kept aside")
	cp, _ := h.v.Get("eds-copy")
	if s, _ := h.v.Secret(context.Background(), cp); s != "eds-demo-secret-2" || cp.PreviousFingerprint != "" {
		t.Fatalf("eds-copy after o then u: previous %q", cp.PreviousFingerprint)
	}
	if _, err := h.v.PreviousSecret(context.Background(), cp); err == nil {
		t.Fatal("the revoked secret is still kept aside for eds-copy")
	}
}

// TestSharedUpdateErrorsUseAppWords: a sibling removed meanwhile is reported without
// CLI advice.
func TestSharedUpdateErrorsUseAppWords(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	addShared(t, h, "eds-copy")
	h.selectProfile("eds")
	h.press("R")
	h.typeText("eds-demo-secret-2")
	h.press("enter")
	if err := h.v.Remove(context.Background(), "eds-copy"); err != nil {
		t.Fatal(err)
	}
	h.press("u")
	h.mustContain("eds-copy not updated")
	h.mustNotContain("oat ls")
}

// TestCheckAllDetailAtSixtyColumns: at 60 columns a failed row's detail is readable
// (on a line of its own under the row), not cut to a few characters.
func TestCheckAllDetailAtSixtyColumns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 30, true, "slow")
	h.press("C")
	h.mustContain("8 of 8 done")
	v := h.view()
	lines := strings.Split(v, "\n")
	found := false
	for i, l := range lines {
		if strings.Contains(l, "rotated-away") && i+1 < len(lines) {
			found = strings.Contains(l+lines[i+1], "both client authentication")
		}
	}
	if !found {
		t.Fatalf("rotated-away's detail is cut to nothing:\n%s", v)
	}
	c := h.m.overlay.(*checkAllScreen)
	for i := range c.order {
		c.sel = i
		h.press("down", "up")
	}
	c.sel = len(c.order) - 1
	h.press("down")
	if !strings.Contains(h.view(), "▸ ") {
		t.Fatalf("the selected row is out of sight:\n%s", h.view())
	}
}
