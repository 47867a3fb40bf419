package ui

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

func TestEmptyState(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, false)
	h.mustContain("No profiles yet", "a ", "oat import", "oat demo")
	h.press("q")
	if !h.quit {
		t.Fatal("q did not quit")
	}
}

func TestFetchCountdownExpired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("dash-production") // 45-second tokens
	h.mustContain("No token yet")
	h.press("enter")
	h.mustContain("✓ valid · expires in 45s", "100%", "✓ 45s")
	h.tick(10 * time.Second)
	h.mustContain("✓ valid · expires in 35s")
	h.tick(24 * time.Second)
	h.mustContain("! expiring · 11s left", "! 11s")
	h.tick(20 * time.Second)
	h.mustContain("✗ expired 9s ago", "✗ expired")
	before := h.srv.TokenRequests()
	h.press("r")
	if h.srv.TokenRequests() != before+1 {
		t.Fatal("r did not fetch")
	}
	h.mustContain("✓ valid · expires in 45s")
}

func TestCachedTokenIsReusedAndRefreshForces(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("enter")
	n := h.srv.TokenRequests()
	h.press("enter")
	if h.srv.TokenRequests() != n {
		t.Fatal("enter fetched again although the cached token is valid")
	}
	h.mustContain("using the cached token")
	h.press("r")
	if h.srv.TokenRequests() != n+1 {
		t.Fatal("r did not force a new token")
	}
}

func TestAutoRefresh(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("dash-production")
	h.press("enter", "A")
	n := h.srv.TokenRequests()
	h.tick(10 * time.Second)
	if h.srv.TokenRequests() != n {
		t.Fatal("refreshed too early")
	}
	h.tick(30 * time.Second) // 5 s left: inside the margin
	if h.srv.TokenRequests() != n+1 {
		t.Fatal("auto-refresh did not fetch before expiry")
	}
	h.mustContain("✓ valid · expires in 45s", "auto-refresh")
}

func TestTokenMaskedUntilRevealed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("enter")
	tok := h.m.main.slots[h.m.main.list.SelectedItem().(profileItem).p.ID].tok.AccessToken
	if strings.Contains(h.view(), tok[:40]) {
		t.Fatal("token shown before reveal")
	}
	h.mustContain("••••", "chars, JWT")
	h.press("v")
	if !strings.Contains(strings.ReplaceAll(h.view(), "\n", ""), tok[:60]) {
		t.Fatalf("token not revealed:\n%s", h.view())
	}
	h.press("v")
	if strings.Contains(h.view(), tok[:40]) {
		t.Fatal("token still shown after hiding")
	}
}

func TestCopyAndAutoClear(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("c") // disabled without a token: nothing is copied
	if h.clip.copies != 0 {
		t.Fatal("copied without a token")
	}
	h.press("enter", "c")
	tok := h.clip.get()
	if !strings.HasPrefix(tok, "eyJ") {
		t.Fatalf("clipboard holds %q", tok)
	}
	h.mustContain("token copied to the test clipboard", "cleared in 45s")
	h.tick(20 * time.Second)
	h.mustContain("cleared in 25s")
	h.tick(25 * time.Second)
	if h.clip.get() != "" {
		t.Fatal("clipboard not cleared after 45 s")
	}
	h.mustContain("clipboard cleared")
	h.mustNotContain("cleared in")

	// Something else copied meanwhile is left alone.
	h.press("c")
	h.clip.Copy("user's own text")
	h.tick(46 * time.Second)
	if h.clip.get() != "user's own text" {
		t.Fatal("cleared what the user copied afterwards")
	}
}

func TestDeleteCancelledAndConfirmed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("opaque")
	h.press("d")
	h.mustContain("Delete opaque?", "opaque-demo", "y deletes")
	h.press("n")
	h.mustContain("nothing deleted")
	if _, err := h.v.Get("opaque"); err != nil {
		t.Fatal("cancel deleted the profile")
	}
	h.selectProfile("opaque")
	h.press("d", "y")
	if _, err := h.v.Get("opaque"); err == nil {
		t.Fatal("profile not deleted")
	}
	h.mustContain("deleted opaque")
	for _, it := range h.m.main.list.Items() {
		if it.(profileItem).p.Name == "opaque" {
			t.Fatal("deleted profile still listed")
		}
	}
}

func TestFilter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.press("/")
	h.typeText("dash")
	h.press("enter")
	if n := len(h.m.main.list.VisibleItems()); n != 2 {
		t.Fatalf("%d visible after filtering for dash", n)
	}
	h.mustContain("dash-staging", "dash-production")
	h.mustNotContain("ecoinvent ")
	h.press("esc")
	if n := len(h.m.main.list.VisibleItems()); n != 8 {
		t.Fatalf("%d visible after clearing the filter", n)
	}
}

func TestTypingQInAFieldDoesNotQuit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.press("a", "tab", "tab")
	h.typeText("q?")
	if h.quit {
		t.Fatal("q in a field quit the app")
	}
	if got := h.m.overlay.(*formScreen).value(fName); got != "q?" {
		t.Fatalf("name field holds %q", got)
	}
	h.press("esc")
	if h.m.overlay != nil {
		t.Fatal("esc did not close the form")
	}
	if ps, _ := h.v.List(); len(ps) != 8 {
		t.Fatal("cancel saved something")
	}
}

func TestAddShowsSecretOnceThenNever(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.srv.AddClient(oauthtest.Client{ID: "new-client", Secrets: []string{"n3w-S3cret+/="}})
	const secret = "n3w-S3cret+/="
	h.press("a")
	h.mustContain("Add a profile", "import .env")
	h.press("ctrl+s")
	h.mustContain("fix the fields marked ✗", "✗ name")
	// The focus went to the first field in error: the name.
	h.typeText("mine")
	h.press("tab")
	h.typeText(h.srv.TokenURL(oauthtest.Generic))
	h.press("tab")
	h.typeText("new-client")
	h.press("tab", "tab") // past auth
	h.typeText(secret)
	if strings.Contains(h.view(), secret) {
		t.Fatalf("secret visible while typing:\n%s", h.view())
	}
	h.press("ctrl+s")
	// Masked until v (the screen may be shared); the fingerprint always shows.
	h.mustContain("Secret stored for mine", "only time oat shows this secret", "13 characters, hidden: v shows it", "fingerprint "+vault.Fingerprint(secret))
	h.mustNotContain(secret)
	h.press("v")
	h.mustContain(secret, "fingerprint "+vault.Fingerprint(secret), "v hide")
	h.press("v")
	h.mustNotContain(secret)
	h.press("c") // copies while masked too
	if h.clip.get() != secret {
		t.Fatal("c did not copy the secret")
	}
	h.press("enter")
	if h.m.overlay != nil {
		t.Fatal("one-time screen still open")
	}
	h.mustNotContain(secret)
	h.selectProfile("mine")
	h.press("enter", "i")
	h.mustNotContain(secret)
	h.press("esc", "e")
	h.mustNotContain(secret)
	h.press("esc")
	if _, err := h.v.Get("mine"); err != nil {
		t.Fatal(err)
	}
}

func TestFormInlineValidation(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.press("a", "tab", "tab")
	h.typeText("bad name")
	h.press("tab")
	h.typeText("http://evil.example/token")
	h.press("ctrl+s")
	h.mustContain("✗ name", "not a valid name", "✗ token URL", "plain http", "✗ client secret is required")
	if ps, _ := h.v.List(); len(ps) != 0 {
		t.Fatal("invalid profile saved")
	}
}

func TestEditKeepsSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("e")
	h.mustContain("Edit eds", "unchanged")
	f := h.m.overlay.(*formScreen)
	f.set(fEnv, "staging")
	h.press("ctrl+s")
	p, _ := h.v.Get("eds")
	if p.Environment != "staging" || p.SecretFingerprint != h.demo[1].Profile.SecretFingerprint && p.SecretFingerprint == "" {
		t.Fatalf("edit: %+v", p)
	}
	if s, _ := h.v.Secret(t.Context(), p); s != "eds-demo-secret-1" {
		t.Fatal("edit changed the secret")
	}
	h.mustContain("saved eds")
}

func TestErrorShownWithHint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("rotated-away")
	h.press("enter")
	h.mustContain("✗ both client authentication methods failed", "Basic:", "invalid_client", "hint:", "✗ error")
}

func TestHostileServerNeverReachesTheTerminal(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("hostile")
	h.press("enter")
	check := func() {
		v := h.view()
		for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\u009b", "\r"} {
			if strings.Contains(v, bad) {
				t.Fatalf("control sequence %q reached the frame", bad)
			}
		}
	}
	h.mustContain("invalid_client", "RED")
	check()
	// The hostile API body, through the test call.
	h.selectProfile("eds")
	h.press("enter", "x")
	h.press("e")
	h.m.overlay.(*callScreen).target.SetValue("/hostile")
	h.press("enter")
	h.mustContain("HTTP 200", `"message"`)
	check()
}

func TestResizeMidRequestAndEveryWidth(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	for _, size := range [][2]int{{80, 24}, {60, 20}, {160, 48}, {100, 30}, {40, 12}} {
		h.send(teaSize(size[0], size[1]))
		checkFits(t, h.view(), size[0], size[1])
	}
	h.press("enter")
	checkFits(t, h.view(), 40, 12)
}

func TestEveryThemeFits80x24(t *testing.T) {
	t.Parallel()
	for _, name := range theme.Names() {
		for _, noColor := range []bool{false, true} {
			d, h := newDeps(t, true, "slow")
			th, _ := theme.Lookup(name)
			d.Styles = theme.NewStyles(th, noColor)
			h.m = New(d)
			h.run(h.m.Init())
			h.send(teaSize(80, 24))
			h.selectProfile("eds")
			h.press("enter")
			checkFits(t, h.view(), 80, 24)
			h.mustContain("✓ valid", "eds")
		}
	}
}

func checkFits(t *testing.T, view string, w, hgt int) {
	t.Helper()
	lines := strings.Split(view, "\n")
	if len(lines) > hgt {
		t.Fatalf("%d lines in a %dx%d terminal:\n%s", len(lines), w, hgt, view)
	}
	for i, l := range lines {
		if lw := lipgloss.Width(l); lw > w {
			t.Fatalf("line %d is %d wide in a %dx%d terminal: %q", i, lw, w, hgt, l)
		}
	}
}

func TestFormEveryFieldRoundTrips(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.press("a")
	f := h.m.overlay.(*formScreen)
	set := map[int]string{fName: "full", fEnv: "staging", fTokenURL: h.srv.TokenURL(oauthtest.Generic), fClientID: "c", fSecret: "s3cret",
		fScopes: "api/read api/write", fAudience: "aud", fResource: "https://res.example", fParams: "tenant=t1 x=y", fAuth: "basic",
		fEncoding: "raw", fAPI: h.srv.URL + "/api", fTestMethod: "post", fTestPath: "/v0/x", fTestHeaders: "Accept: application/json; X-A: b",
		fCAFile: "", fInsecure: "no", fNotes: "some notes"}
	for i, v := range set {
		f.set(i, v)
	}
	h.press("ctrl+s", "enter")
	p, err := h.v.Get("full")
	if err != nil {
		t.Fatal(err)
	}
	if p.Environment != "staging" || len(p.Scopes) != 2 || p.Audience != "aud" || p.Resource != "https://res.example" ||
		p.ExtraParams["tenant"] != "t1" || p.AuthMethod != "basic" || p.BasicEncoding != "raw" || p.TestRequest.Method != "POST" ||
		p.TestRequest.Headers["X-A"] != "b" || p.TestRequest.Headers["Accept"] != "application/json" || p.Notes != "some notes" {
		t.Fatalf("profile: %+v", p)
	}
	h.selectProfile("full")
	h.press("e")
	g := h.m.overlay.(*formScreen)
	if g.value(fTestHeaders) != "Accept: application/json; X-A: b" || g.value(fParams) != "tenant=t1 x=y" {
		t.Fatalf("edit form: %q %q", g.value(fTestHeaders), g.value(fParams))
	}
	g.set(fTestHeaders, "broken")
	h.press("ctrl+s")
	h.mustContain("✗ test headers")
}

func TestFormImportAndDiscover(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	env := t.TempDir() + "/EDS.env"
	if err := os.WriteFile(env, []byte("EDS_CLIENT_ID=eds-id\nEDS_SECRET=from-file-secret\nEDS_AUTH_URL="+h.srv.TokenURL(oauthtest.EDS)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h.press("a")
	h.typeText(env)
	h.press("enter")
	f := h.m.overlay.(*formScreen)
	if f.value(fName) != "eds" || f.value(fClientID) != "eds-id" || f.value(fSecret) != "from-file-secret" || f.value(fTokenURL) != h.srv.TokenURL(oauthtest.EDS) {
		t.Fatalf("import did not fill the form")
	}
	h.mustNotContain("from-file-secret")
	// Discovery from a Keycloak realm URL replaces the token URL.
	f.moveTo(fDiscover)
	f.set(fDiscover, h.srv.Issuer(oauthtest.Keycloak, "demo"))
	h.press("enter")
	if f.value(fTokenURL) != h.srv.TokenURLRealm(oauthtest.Keycloak, "demo") || f.value(fAuth) != "auto" {
		t.Fatalf("discovery: %q", f.value(fTokenURL))
	}
	// A bad path is reported under the field.
	f.moveTo(fImport)
	f.set(fImport, t.TempDir()+"/missing.env")
	h.press("enter")
	h.mustContain("✗ import .env")
}

func TestPasteIntoSecretField(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, false)
	h.press("a")
	f := h.m.overlay.(*formScreen)
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("pasted+Secret/=="), Paste: true})
	if got := f.value(fSecret); got != "pasted+Secret/==" {
		t.Fatalf("paste gave %q", got)
	}
	h.mustNotContain("pasted+Secret")
}

// TestPastedSecretWithALineBreakIsStoredWithoutIt: a paste from a web page brings a
// line break, which the text field turns into a space; the secret is stored without it.
func TestPastedSecretWithALineBreakIsStoredWithoutIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.srv.AddClient(oauthtest.Client{ID: "paste-id", Secrets: []string{"pasted-S3cret"}})
	h.press("a")
	f := h.m.overlay.(*formScreen)
	f.set(fName, "pasted")
	f.set(fTokenURL, h.srv.TokenURL(oauthtest.Generic))
	f.set(fClientID, "paste-id")
	f.moveTo(fSecret)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("pasted-S3cret\n"), Paste: true})
	h.press("ctrl+s")
	p, err := h.v.Get("pasted")
	if err != nil {
		t.Fatalf("not saved: %v\n%s", err, h.view())
	}
	if s, err := h.v.Secret(context.Background(), p); err != nil || s != "pasted-S3cret" {
		t.Fatalf("stored %q, %v", s, err)
	}
}
