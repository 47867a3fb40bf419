package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// openAdd opens the add form in a fresh harness.
// openAuthAdd is the add form with a name, the harness's token URL and a client ID
// filled in, auth set to m and the advanced fields shown.
func openAuthAdd(t *testing.T, w, hgt int, name, clientID string, m oauth.AuthMethod) (*harness, *formScreen) {
	t.Helper()
	h, f := openAdd(t, w, hgt)
	for i, v := range map[int]string{fName: name, fTokenURL: h.srv.TokenURL(oauthtest.Generic), fClientID: clientID} {
		f.set(i, v)
	}
	chooseAuth(t, h, f, m)
	f.set(fMore, "shown")
	return h, f
}

func openAdd(t *testing.T, w, hgt int) (*harness, *formScreen) {
	t.Helper()
	h := newHarness(t, w, hgt, true, "slow")
	h.press("a")
	f, ok := h.m.overlay.(*formScreen)
	if !ok {
		t.Fatalf("the add form did not open:\n%s", h.view())
	}
	return h, f
}

// TestFormSelectsTakeBurstsAsKeys: a select is not a text field: the root splits a
// burst for it (jj moves two options), while a text field takes the burst whole.
func TestFormSelectsTakeBurstsAsKeys(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 80, 24)
	if !f.Capturing() {
		t.Fatal("a text field has focus but the form does not capture keys")
	}
	if l := helpLine(h); !strings.Contains(l, "enter read .env") || strings.Contains(l, "change") {
		t.Fatalf("help on the .env field: %q", l)
	}
	f.moveTo(fAuth)
	h.send(sizeMsg{width: 80, height: 22}) // any message: the keys follow the focus
	if f.Capturing() {
		t.Fatal("a select has focus but the form captures keys as if typed")
	}
	if l := helpLine(h); !strings.Contains(l, "←/→ change") {
		t.Fatalf("help on a select: %q", l)
	}
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jj")})
	if f.value(fAuth) != "post" {
		t.Fatalf("jj on auth (auto) gave %q, want post", f.value(fAuth))
	}
	h.press("q") // not a text field, not the list: q does not quit, nor type
	if h.quit || h.m.overlay != f {
		t.Fatal("q on a select left the form")
	}
	h.press("h")
	if f.value(fAuth) != "basic" {
		t.Fatalf("h gave %q", f.value(fAuth))
	}
	f.moveTo(fName)
	h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("jjq")})
	if f.value(fName) != "jjq" {
		t.Fatalf("the name field holds %q", f.value(fName))
	}
}

// TestFormAddWithDiscoveryClearsStaleErrors: save first (every error shows), then
// discovery fills the token URL and auth: its error goes at once, what discovery found
// is shown, and the rest of the errors stay until fixed.
func TestFormAddWithDiscoveryClearsStaleErrors(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	h.press("ctrl+s")
	h.mustContain("✗ name is required", "✗ token URL is required", "✗ client ID is required", "✗ client secret is required")
	if f.focused() != fName {
		t.Fatalf("focus on %s, want the first field in error", fieldLabels[f.focused()])
	}
	h.press("shift+tab")
	iss := h.srv.Issuer(oauthtest.Keycloak, "demo")
	h.typeText(iss)
	h.press("enter")
	if got := f.value(fTokenURL); got != h.srv.TokenURLRealm(oauthtest.Keycloak, "demo") {
		t.Fatalf("token URL %q", got)
	}
	h.mustNotContain("token URL is required")
	h.mustContain("✓ issuer "+iss, "token endpoint "+h.srv.TokenURLRealm(oauthtest.Keycloak, "demo"),
		"auth methods client_secret_basic, client_secret_post → auth auto", "✗ client ID is required")
	// Editing the issuer forgets what was found for the old one.
	h.press("shift+tab")
	h.typeText("/")
	h.mustNotContain("✓ issuer", "auth methods")
	h.press("backspace", "tab")
	// The round trip: fix the rest, save.
	h.typeText("kc")
	h.press("tab", "tab")
	h.typeText("kc-id")
	h.press("tab", "tab") // past auth
	h.typeText("kc-S3cret")
	h.mustNotContain("✗ client ID", "✗ client secret", "kc-S3cret")
	h.press("tab")
	if got := f.form.GetString(""); strings.Contains(got, "S3cret") {
		t.Fatal("huh kept the secret among its results")
	}
	h.press("ctrl+s")
	p, err := h.v.Get("kc")
	if err != nil {
		t.Fatalf("not saved: %v\n%s", err, h.view())
	}
	if p.Issuer != iss || p.AuthMethod != oauth.AuthAuto {
		t.Fatalf("issuer %q auth %q", p.Issuer, p.AuthMethod)
	}
}

// TestFormDiscoveryPicksAuth: a provider that lists one method gets it; one that takes
// no client secret in the header or body but lists private_key_jwt gets that.
func TestFormDiscoveryPicksAuth(t *testing.T) {
	t.Parallel()
	for methods, want := range map[string]string{"client_secret_basic": "basic", "client_secret_post": "post",
		"client_secret_basic client_secret_post": "auto", "private_key_jwt \x1b[31mclient_secret_post": "private_key_jwt", "none \x1b[31mclient_secret_post": "auto"} {
		_, f := openAdd(t, 80, 24)
		f.startDiscovery("https://sso.example.com") // its answer is the one below
		f.onDiscovered(discoveredMsg{issuer: f.discovering, seq: f.discSeq, meta: &oauth.Metadata{Issuer: "https://sso.example.com", TokenEndpoint: "https://sso.example.com/token",
			TokenAuthMethods: strings.Fields(methods)}})
		if f.value(fAuth) != want {
			t.Errorf("%q: auth %q, want %s", methods, f.value(fAuth), want)
		}
		if v := f.View(80, 22); strings.Contains(v, "\x1b[31m") {
			t.Errorf("a method's escape sequence reached the screen: %q", v)
		}
	}
}

// TestFormValidatesAsItChanges: an error shows under a field as soon as it is wrong
// and goes as soon as it is right, without saving; untouched fields stay quiet.
func TestFormValidatesAsItChanges(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	f.moveTo(fTokenURL)
	h.typeText("http://evil.example/token")
	h.mustContain("✗ token URL", "plain http")
	h.mustNotContain("✗ client ID", "✗ client secret")
	h.send(tea.KeyMsg{Type: tea.KeyHome})
	for range "http" {
		h.send(tea.KeyMsg{Type: tea.KeyRight})
	}
	h.typeText("s")
	if f.value(fTokenURL) != "https://evil.example/token" {
		t.Fatalf("token URL %q", f.value(fTokenURL))
	}
	h.mustNotContain("✗ token URL")
}

// TestFormLongValueScrolls: at 80 columns the end of a long token URL and what is
// typed after it are in view.
func TestFormLongValueScrolls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	f := h.editForm("ecoinvent")
	long := "https://sso.example-company.internal/realms/production-eu/protocol/openid-connect/token"
	f.moveTo(fTokenURL)
	f.set(fTokenURL, long)
	h.send(tea.KeyMsg{Type: tea.KeyHome})
	h.send(tea.KeyMsg{Type: tea.KeyEnd})
	h.typeText("-v2")
	h.mustContain("openid-connect/token-v2")
}

// TestFormExpandsHomeInPaths: ~ in the .env path reads the file in the home directory;
// ~ in the CA file is saved expanded.
func TestFormExpandsHomeInPaths(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	h, f := openAdd(t, 120, 40)
	env := "EDS_CLIENT_ID=eds-home\nEDS_SECRET=home-S3cret\nEDS_AUTH_URL=" + h.srv.TokenURL(oauthtest.EDS) + "\n"
	if err := os.WriteFile(filepath.Join(home, "EDS.env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	h.typeText("~/EDS.env")
	h.press("enter")
	if f.value(fClientID) != "eds-home" {
		t.Fatalf("~/EDS.env was not read:\n%s", h.view())
	}
	f.set(fName, "eds-home")
	f.set(fCAFile, "$HOME/ca.pem")
	p, _ := f.profile()
	if p.CAFile != filepath.Join(home, "ca.pem") {
		t.Fatalf("CA file %q", p.CAFile)
	}
}

// TestFormAdvancedFolding: the advanced group is folded on add, shown on edit when the
// profile uses it, and unfolds when an error is in it.
func TestFormAdvancedFolding(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	h.mustNotContain("audience", "CA file")
	h.mustContain("advanced")
	f.moveTo(fMore)
	h.press("l")
	h.mustContain("audience", "CA file", "environment")
	h.press("esc")
	f = h.editForm("ecoinvent") // has an environment and notes
	h.mustContain("environment", "production")
	f.set(fParams, "no-equals-sign")
	f.set(fMore, "folded")
	h.press("ctrl+s")
	if !f.advanced || f.focused() != fParams {
		t.Fatalf("the error in extra params was not shown:\n%s", h.view())
	}
	h.mustContain("✗ extra params")
}

// TestFormCtrlSSavesFromASelect: ctrl+s saves from any field, a select too; esc saves
// nothing.
func TestFormCtrlSSavesFromASelect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	f := h.editForm("ecoinvent")
	f.moveTo(fInsecure)
	h.press("l")
	h.press("esc")
	if p, _ := h.v.Get("ecoinvent"); p.InsecureHTTP {
		t.Fatal("esc saved")
	}
	f = h.editForm("ecoinvent")
	f.moveTo(fTestMethod)
	h.press("l") // GET → POST
	h.press("ctrl+s")
	if h.m.overlay != nil {
		t.Fatalf("ctrl+s on a select did not save:\n%s", h.view())
	}
	if p, _ := h.v.Get("ecoinvent"); p.TestRequest.Method != "POST" {
		t.Fatalf("method %q", p.TestRequest.Method)
	}
}

// TestCloneCopiesAllButNameAndSecret: n opens the add form filled from the selected
// profile, without its name and secret; saving adds a new profile (new ID), selected.
func TestCloneCopiesAllButNameAndSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	src, err := h.v.Get("ecoinvent")
	if err != nil {
		t.Fatal(err)
	}
	h.srv.AddClient(oauthtest.Client{ID: src.ClientID, Flavour: oauthtest.Keycloak, Realm: "ecoinvent", Secrets: []string{"prod-S3cret"}})
	h.selectProfile("ecoinvent")
	h.press("n")
	f, ok := h.m.overlay.(*formScreen)
	if !ok || f.editing != nil || f.from == nil {
		t.Fatalf("n did not open the clone form:\n%s", h.view())
	}
	h.mustContain("Clone ecoinvent")
	if f.value(fName) != "" || f.value(fSecret) != "" || f.value(fTokenURL) != src.TokenURL || f.value(fClientID) != src.ClientID ||
		f.value(fEnv) != src.Environment || f.value(fNotes) != src.Notes || f.value(fAuth) != string(src.AuthMethod) {
		t.Fatalf("clone form: name %q secret %q token %q env %q", f.value(fName), f.value(fSecret), f.value(fTokenURL), f.value(fEnv))
	}
	f.moveTo(fName)
	h.typeText("ecoinvent-prod")
	f.moveTo(fSecret)
	h.typeText("prod-S3cret")
	h.press("ctrl+s", "enter")
	p, err := h.v.Get("ecoinvent-prod")
	if err != nil {
		t.Fatalf("not saved: %v\n%s", err, h.view())
	}
	if p.ID == src.ID || p.TokenURL != src.TokenURL || p.APIBaseURL != src.APIBaseURL || p.TestRequest.Path != src.TestRequest.Path ||
		p.Environment != src.Environment || p.AuthMethod != src.AuthMethod || p.Notes != src.Notes {
		t.Fatalf("clone %+v\nof %+v", p, src)
	}
	if got := h.m.main.selectedName(); got != "ecoinvent-prod" {
		t.Fatalf("selected %s after clone", got)
	}
	if _, err := h.v.Get("ecoinvent"); err != nil {
		t.Fatal("the source went away")
	}
}

// The golden flows of the form, at 80×24 and 120×40.

func TestFlowFormAddDiscoverValidate(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "a", "ctrl+s")
		waitText(t, tm, "fix the fields marked")
		sendKeys(tm, "shift+tab")
		tm.Type(h.srv.Issuer(oauthtest.Keycloak, "demo"))
		sendKeys(tm, "enter")
		waitText(t, tm, "auth methods")
		tm.Type("kc")
		waitText(t, tm, "kc")
		finish(t, tm)
	})
}

func TestFlowFormEditLongURL(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "e", "tab")
		waitText(t, tm, "the provider's token endpoint")
		tm.Type("/x/" + strings.Repeat("long-segment/", 6))
		tm.Send(tea.KeyMsg{Type: tea.KeyHome})
		tm.Send(tea.KeyMsg{Type: tea.KeyEnd})
		tm.Type("END")
		waitText(t, tm, "segment/END")
		finish(t, tm)
	})
}

func TestFlowClone(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		h.srv.AddClient(oauthtest.Client{ID: "ecoinvent-demo", Flavour: oauthtest.Keycloak, Realm: "ecoinvent", Secrets: []string{"clone-S3cret"}})
		sendKeys(tm, "n")
		waitText(t, tm, "Clone ecoinvent")
		tm.Type("eco-prod") // the clone opens on the name

		sendKeys(tm, "tab", "tab", "tab", "tab") // past token URL, client ID and auth
		tm.Type("clone-S3cret")
		sendKeys(tm, "ctrl+s")
		waitText(t, tm, "only time oat shows this secret")
		sendKeys(tm, "enter")
		waitText(t, tm, "9 profiles")
		finish(t, tm)
	})
}
