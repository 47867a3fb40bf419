//go:build unix

package ui

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// The testers' findings on the profile form (issue #13, "The profile form").

// sendForm sends keys straight to the form, without running the commands they return:
// a test then holds a discovery's command and delivers its answer when it likes (a slow
// issuer answers after the user has moved on).
func sendForm(t *testing.T, f *formScreen, keys ...string) tea.Cmd {
	t.Helper()
	var cmd tea.Cmd
	for _, k := range keys {
		var s screen
		s, cmd = f.Update(keyMsg(k))
		if s != screen(f) {
			t.Fatalf("%q left the form", k)
		}
	}
	return cmd
}

func formType(t *testing.T, f *formScreen, text string) {
	t.Helper()
	for _, r := range text {
		if s, _ := f.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}); s != screen(f) {
			t.Fatalf("%q left the form", r)
		}
	}
}

// clearField empties the focused text field the way a user does (ctrl+u).
func clearField(t *testing.T, f *formScreen) {
	t.Helper()
	f.Update(tea.KeyMsg{Type: tea.KeyEnd})
	f.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
}

// TestFormSlowDiscoveryAnswerForAnOldIssuerIsDropped: discover a slow issuer, replace
// the issuer and discover again: the slow answer lands last and must not set the token
// URL (where the secret goes), the issuer or auth to the first issuer's.
func TestFormSlowDiscoveryAnswerForAnOldIssuerIsDropped(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 80, 24)
	slow, other := h.srv.Issuer(oauthtest.Keycloak, "slowok"), h.srv.Issuer(oauthtest.Keycloak, "other")
	f.moveTo(fDiscover)
	formType(t, f, slow)
	first := sendForm(t, f, "enter")
	if first == nil {
		t.Fatal("enter on the issuer started no discovery")
	}
	// Replaced in one go (a paste over a selection): the field changes, and enter again.
	for _, replace := range []bool{true, false} {
		if replace {
			clearField(t, f)
			formType(t, f, other)
		} else {
			f.set(fDiscover, other) // however the field came to hold it
		}
		second := sendForm(t, f, "enter")
		f.Update(second())
		f.Update(first()) // the slow answer, last
		if got, want := f.value(fTokenURL), h.srv.TokenURLRealm(oauthtest.Keycloak, "other"); got != want {
			t.Fatalf("replace=%v: token URL %q, want %q: the slow answer for %s won", replace, got, want, slow)
		}
		if f.issuer != other {
			t.Fatalf("replace=%v: issuer %q, want %q", replace, f.issuer, other)
		}
		if e, bad := f.errs[fDiscover]; bad {
			t.Fatalf("replace=%v: the dropped answer left an error: %s", replace, e)
		}
		f.moveTo(fDiscover) // the answer took the focus on to the name
		f.set(fDiscover, slow)
		first = sendForm(t, f, "enter")
	}
}

// TestFormSlowDiscoveryKeepsWhatTheUserTyped: while a slow discovery runs the form says
// so, with a spinner; the user moves on and types a token URL; the answer neither moves
// the focus nor replaces that token URL, but says what it found and that ctrl+o uses it.
func TestFormSlowDiscoveryKeepsWhatTheUserTyped(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 80, 24)
	iss := h.srv.Issuer(oauthtest.Keycloak, "slowok")
	found := h.srv.TokenURLRealm(oauthtest.Keycloak, "slowok")
	f.moveTo(fDiscover)
	formType(t, f, iss)
	cmd := sendForm(t, f, "enter")
	h.mustContain(h.m.deps.spinner()+" discovering "+iss+"…", "esc cancels")
	sendForm(t, f, "tab")
	formType(t, f, "mine")
	sendForm(t, f, "tab")
	formType(t, f, "https://mine.example/token")
	sendForm(t, f, "tab")
	formType(t, f, "cid")
	f.Update(cmd())
	if f.focused() != fClientID {
		t.Fatalf("the answer moved the focus to %s", fieldLabels[f.focused()])
	}
	formType(t, f, "2")
	if f.value(fClientID) != "cid2" || f.value(fName) != "mine" {
		t.Fatalf("keys landed elsewhere: client ID %q, name %q", f.value(fClientID), f.value(fName))
	}
	if f.value(fTokenURL) != "https://mine.example/token" || f.issuer != "" {
		t.Fatalf("the answer replaced the token URL typed: %q (issuer %q)", f.value(fTokenURL), f.issuer)
	}
	h.mustContain("discovered token endpoint", "ctrl+o uses it")
	h.mustNotContain("discovering")
	f.Update(tea.KeyMsg{Type: tea.KeyCtrlO})
	if f.value(fTokenURL) != found || f.issuer != iss || f.value(fAuth) != "auto" {
		t.Fatalf("ctrl+o: token URL %q issuer %q auth %q", f.value(fTokenURL), f.issuer, f.value(fAuth))
	}
	if f.focused() != fClientID {
		t.Fatalf("ctrl+o moved the focus to %s", fieldLabels[f.focused()])
	}
	h.mustNotContain("ctrl+o uses it")

	// Nothing typed meanwhile: the answer fills the form, as when it is quick; with the
	// focus still on the issuer it goes on to the name.
	_, f = openAdd(t, 80, 24)
	f.moveTo(fDiscover)
	formType(t, f, iss)
	cmd = sendForm(t, f, "enter")
	f.Update(cmd())
	if f.value(fTokenURL) != found || f.focused() != fName {
		t.Fatalf("token URL %q, focus on %s", f.value(fTokenURL), fieldLabels[f.focused()])
	}
}

// TestFormEscCancelsDiscovery: esc while discovery runs cancels the discovery, not the
// form; its late answer changes nothing; a second esc leaves.
func TestFormEscCancelsDiscovery(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 80, 24)
	f.moveTo(fName)
	formType(t, f, "kept")
	f.moveTo(fDiscover)
	formType(t, f, h.srv.Issuer(oauthtest.Keycloak, "slowok"))
	cmd := sendForm(t, f, "enter")
	h.press("esc")
	if h.m.overlay != screen(f) {
		t.Fatal("esc during discovery discarded the form")
	}
	h.mustNotContain("discovering")
	h.mustContain("discovery stopped: enter starts it again")
	f.Update(cmd())
	if f.value(fTokenURL) != "" || f.value(fName) != "kept" {
		t.Fatalf("a cancelled discovery filled the token URL %q", f.value(fTokenURL))
	}
	h.press("esc")
	if h.m.overlay != nil {
		t.Fatal("esc without discovery did not leave")
	}
}

// writePEM writes a PEM certificate (the test server's) to path.
func writePEM(t *testing.T, path string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestFormChecksTheCAFile: a CA file that is missing, a FIFO or not PEM is flagged under
// the field as it is typed, and not saved; a good one saves, and the fetch error the
// old CA file left on the main screen goes with it.
func TestFormChecksTheCAFile(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	h := newHarness(t, 120, 40, true, "slow")
	good := filepath.Join(home, "ca.pem")
	writePEM(t, good)
	h.editOutside("ecoinvent", func(p *vault.Profile) { p.CAFile = good })
	os.Remove(good) // the CA file goes: the next fetch fails
	h.reloadSelect("ecoinvent")
	h.press("enter")
	h.mustContain("✗ read the profile's CA file")

	f := h.editForm("ecoinvent")
	f.moveTo(fCAFile)
	clearField(t, f)
	h.typeText("~/nope.pem")
	h.mustContain("✗ CA file", filepath.Join(home, "nope.pem")+": no such file")
	fifo := filepath.Join(home, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	clearField(t, f)
	h.typeText(fifo)
	h.mustContain("✗ CA file", "not a regular file")
	h.press("ctrl+s")
	if h.m.overlay != screen(f) {
		t.Fatal("a FIFO as CA file was saved")
	}
	writePEM(t, filepath.Join(home, "ca2.pem"))
	clearField(t, f)
	h.typeText("~/ca2.pem")
	h.mustNotContain("✗ CA file")
	h.press("ctrl+s")
	if h.m.overlay != nil {
		t.Fatalf("not saved:\n%s", h.view())
	}
	h.mustNotContain("read the profile's CA file")
}

// TestFormIssuerWithCredentials: user:password@ in the issuer is flagged as typed, shown
// REDACTED, and discovery sends nothing.
func TestFormIssuerWithCredentials(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	f.moveTo(fDiscover)
	iss := strings.Replace(h.srv.Issuer(oauthtest.Keycloak, "demo"), "://", "://u:SECRETPW@", 1)
	h.typeText(iss)
	h.mustContain("✗ discover issuer", "REDACTED", "must not carry credentials")
	h.press("enter")
	h.mustNotContain("tried:", "discovering")
	if n := strings.Count(h.view(), "SECRETPW"); n != 1 {
		t.Fatalf("the password is on screen %d times, want once (in the field typed):\n%s", n, h.view())
	}
	if f.value(fTokenURL) != "" {
		t.Fatalf("discovered %q", f.value(fTokenURL))
	}
}

// TestFormScopesAndTestPath: commas in scopes and a test path without an API base URL
// are flagged under their fields.
func TestFormScopesAndTestPath(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 120, 40)
	f.moveTo(fScopes)
	h.typeText("api/read, api/write")
	h.mustContain("✗ scopes", "separated by spaces, not commas")
	f.moveTo(fTestPath)
	h.typeText("/v1/me")
	h.mustContain("✗ test path", "a test request needs an API base URL, or make the path a full URL")
	f.moveTo(fAPI)
	h.typeText("https://api.example.com")
	h.mustNotContain("needs an API base URL")
}

// TestFormSecretWithControlCharacters: a .env whose secret holds an escape sequence and
// a bidi override is refused under the secret field (RFC 6749: printable ASCII), and
// nothing is saved; the one-time screen never gets it.
func TestFormSecretWithControlCharacters(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	h, f := openAdd(t, 120, 40)
	env := "CLIENT_ID=cid\nCLIENT_SECRET=Qz7\x1b]52;c;QUFB\x07\u202eWk9\nTOKEN_URL=" + h.srv.TokenURL(oauthtest.Generic) + "\n"
	if err := os.WriteFile(filepath.Join(home, "x.env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	h.typeText("~/x.env")
	h.press("enter")
	if f.value(fClientID) != "cid" {
		t.Fatalf("not read:\n%s", h.view())
	}
	h.mustContain("✗ client secret", "printable ASCII", "the file's secret holds an escape character")
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*formScreen); !ok {
		t.Fatalf("saved:\n%s", h.view())
	}
	h.mustNotContain("Qz7", "\u202e")
}

// TestRotationRefusesABidiSecret: a new secret pasted with U+202E is refused as it is
// pasted (RFC 6749: printable ASCII), before anything is sent or shown once.
func TestRotationRefusesABidiSecret(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("R")
	h.send(pasted("Qz7\u202eWk9-new"))
	h.press("enter")
	h.mustContain("printable ASCII")
	h.mustNotContain("\u202e", "Qz7", "only time oat shows")
	if p, _ := h.v.Get("ecoinvent"); p.PreviousFingerprint != "" {
		t.Fatal("the secret was staged")
	}
}

// TestFormEnterOnAdvancedFolds: enter on the advanced row shows or hides the advanced
// fields (it used to save the form); the help bar says so.
func TestFormEnterOnAdvancedFolds(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 80, 24)
	f.moveTo(fMore)
	h.send(sizeMsg{width: 80, height: 22})
	if l := helpLine(h); !strings.Contains(l, "enter unfold") || strings.Contains(l, "enter save") {
		t.Fatalf("help on the folded advanced row: %q", l)
	}
	h.press("enter")
	if h.m.overlay != screen(f) || !f.advanced || f.tried {
		t.Fatalf("enter on advanced: advanced %v, save tried %v\n%s", f.advanced, f.tried, h.view())
	}
	h.mustNotContain("fix the fields")
	if f.focused() != fMore {
		t.Fatalf("focus on %s", fieldLabels[f.focused()])
	}
	if l := helpLine(h); !strings.Contains(l, "enter fold") {
		t.Fatalf("help on the open advanced row: %q", l)
	}
	h.press("enter")
	if f.advanced {
		t.Fatal("a second enter did not fold")
	}
}

// TestFormStaleMessages: in a clone, "fix the fields marked ✗" goes once no field is
// marked; the auth help describes the value selected.
func TestFormStaleMessages(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("n")
	f := h.m.overlay.(*formScreen)
	h.press("ctrl+s")
	h.mustContain("✗ fix the fields marked ✗")
	f.moveTo(fName)
	h.typeText("eco-prod")
	h.mustContain("✗ fix the fields marked ✗") // the secret is still missing
	f.moveTo(fSecret)
	h.typeText("prod-S3cret")
	h.mustNotContain("fix the fields marked")

	f.moveTo(fAuth)
	f.set(fAuth, "auto")
	h.send(sizeMsg{width: 120, height: 38}) // any message: the view follows the value
	h.mustContain("auto tries Basic")
	h.press("l")
	h.mustContain("Authorization header")
	h.mustNotContain("auto tries Basic")
	h.press("l")
	h.mustContain("in the form body")
	h.mustNotContain("auto tries Basic", "Authorization header")
}

// TestFormEditSecretSaysItReplacesWithoutACheck: typing a secret on edit says what it
// does (and what R does instead); after saving, the one-time screen says the old
// secret was replaced, with both fingerprints.
func TestFormEditSecretSaysItReplacesWithoutACheck(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	old, _ := h.v.Get("ecoinvent")
	f := h.editForm("ecoinvent")
	f.moveTo(fSecret)
	h.mustNotContain("replaces the secret without a check")
	h.typeText("typed-S3cret")
	h.mustContain("replaces the secret without a check; R rotates it with one (the old one kept until revoked)")
	f.moveTo(fNotes) // the warning stays while the field is filled
	h.mustContain("replaces the secret without a check")
	h.press("ctrl+s")
	h.mustContain("only time oat shows", "old secret", old.SecretFingerprint+" → "+vault.Fingerprint("typed-S3cret"))
	h.press("enter")
	if h.m.overlay != nil {
		t.Fatalf("the one-time screen did not close:\n%s", h.view())
	}
}

// TestFormCosmetics: the duplicate-name error reads as a sentence; a long value cut in
// a field it does not have the focus of ends with …; the "* required" legend stays at
// 60 columns.
func TestFormCosmetics(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, true, "slow")
	f := h.editForm("ecoinvent")
	f.moveTo(fName)
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, "Edit ecoinvent") && (!strings.Contains(l, "* required") || lipgloss.Width(l) > 60) {
			t.Fatalf("the head at 60 columns: %q", l)
		}
	}
	var line string
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.Contains(l, "token URL") {
			line = strings.TrimRight(l, " ")
		}
	}
	if !strings.HasSuffix(line, "…") {
		t.Fatalf("a cut token URL does not end with …: %q", line)
	}
	h.press("esc")
	h2, f2 := openAdd(t, 120, 40)
	f2.set(fName, "eds")
	f2.set(fTokenURL, h2.srv.TokenURL(oauthtest.Generic))
	f2.set(fClientID, "c")
	f2.set(fSecret, "some-S3cret")
	h2.press("ctrl+s")
	h2.mustContain(`✗ name: a profile named "eds" exists already`)
}
