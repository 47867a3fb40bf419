package ui

import (
	"os"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// restarted is a new app over the same config directory and state file as h (the same
// server, clock, secrets and clipboard): what a user sees after quitting and starting
// oat again.
func restarted(h *harness, w, hgt int) *harness {
	h.t.Helper()
	d := depsAfterRestart(h)
	n := &harness{t: h.t, srv: h.srv, v: d.Broker.Vault, b: d.Broker, clk: h.clk, clip: h.clip, demo: h.demo, width: w}
	n.m = New(d)
	n.run(n.m.Init())
	n.send(tea.WindowSizeMsg{Width: w, Height: hgt})
	return n
}

// depsAfterRestart are the app's dependencies over h's config directory, read afresh.
func depsAfterRestart(h *harness) Deps {
	v := vault.Open(h.v.Dir, h.v.Secrets)
	v.Now = h.clk.Now
	c := oauth.NewClient()
	c.Now = h.clk.Now
	b := &vault.Broker{Vault: v, Client: c, Margin: vault.DefaultMargin}
	return Deps{Broker: b, Clipboard: h.clip, Styles: theme.NewStyles(theme.Default, false), Now: h.clk.Now,
		After: func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }, Demo: true}
}

func (h *harness) call() *callScreen {
	h.t.Helper()
	c, ok := h.m.overlay.(*callScreen)
	if !ok {
		h.t.Fatalf("the test call is not open:\n%s", h.view())
	}
	return c
}

// The request editor: method, path, query, headers and body edited with keys, a body
// that is not JSON under a JSON content type warned about with its line and column and
// sent only on the second try, saved as the profile's test request, sent, and kept in
// the history (without the Authorization header the user typed, never with the token).
// After a restart the saved request is what x sends, and pgup walks the history.
func TestCallRequestEditorSaveRunAgainAfterRestart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK", "request    GET /v0/versions")
	if h.m.overlay.Capturing() {
		t.Fatal("the answer captures keys: q would not go back")
	}
	h.press("e")
	if !h.call().Capturing() || h.call().focus != reqTarget {
		t.Fatal("e should edit the path")
	}
	h.press("shift+tab", "right") // the method select: GET → POST
	h.mustContain("method")
	h.press("tab")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText("/orders")
	h.press("tab")
	h.typeText("limit=5")
	h.press("enter")
	h.typeText("owner={client_id}")
	h.mustContain("url        " + h.srv.URL + "/api/orders?limit=5&owner=ecoinvent-demo")
	h.press("tab")
	h.typeText("Content-Type: application/json")
	h.press("enter")
	h.typeText("Authorization: Bearer hand-typed")
	h.mustContain("Authorization is oat's: the profile's token replaces it")
	h.press("tab")
	h.typeText(`{"n": 1,`)
	h.press("enter")
	h.typeText(`"m" 2`)
	h.mustContain("! not valid JSON: line 2, column 5")
	before := h.srv.APIRequests()
	h.press("ctrl+r")
	h.mustContain("send again to send it as it is")
	if h.srv.APIRequests() != before || !h.call().editing {
		t.Fatal("a body that is not valid JSON was sent on the first try")
	}
	h.send(tea.KeyMsg{Type: tea.KeyBackspace})
	h.typeText(`: 2}`)
	h.mustNotContain("not valid JSON")
	// A credential is not saved to profiles.toml: the save names the header.
	h.press("ctrl+s")
	h.mustContain("✗ not saved: header Authorization looks like a credential")
	h.press("shift+tab")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.send(tea.KeyMsg{Type: tea.KeyBackspace})
	h.press("ctrl+s")
	h.mustContain("✓ saved as the test request of ecoinvent")
	h.mustNotContain("edited, not saved")
	p, _ := h.v.Get("ecoinvent")
	want := vault.TestRequest{Method: "POST", Path: "/orders?limit=5&owner={client_id}", Body: "{\"n\": 1,\n\"m\" : 2}",
		Headers: map[string]string{"Content-Type": "application/json"}}
	if !p.TestRequest.Equal(want) {
		t.Fatalf("saved %+v, want %+v", p.TestRequest, want)
	}
	h.press("ctrl+r")
	h.mustContain("✓ HTTP 200 OK", "request    POST /orders?limit=5&owner={client_id}", `"method": "POST"`, `"query": "limit=5\u0026owner=ecoinvent-demo"`)
	hist, err := h.v.RequestHistory(p)
	if err != nil || len(hist) != 2 || hist[0].Path != want.Path || hist[1].Path != "/v0/versions" {
		t.Fatalf("history %+v (%v)", hist, err)
	}
	state, _ := os.ReadFile(h.v.State.Path)
	if strings.Contains(string(state), "hand-typed") || strings.Contains(string(state), "Authorization") {
		t.Fatalf("the state file keeps the Authorization header:\n%s", state)
	}

	// A restart: a new app over the same files.
	h2 := restarted(h, 80, 24)
	h2.selectProfile("ecoinvent")
	h2.press("x")
	h2.mustContain("✓ HTTP 200 OK", "request    POST /orders?limit=5&owner={client_id}", `"query": "limit=5\u0026owner=ecoinvent-demo"`)
	h2.press("e", "pgup")
	h2.mustContain("history 1 of 2", "sent earlier")
	h2.mustNotContain("credential")
	h2.press("pgup")
	h2.mustContain("history 2 of 2", "GET", "/v0/versions")
	if c := h2.call(); c.request().Method != "GET" || c.request().Path != "/v0/versions" {
		t.Fatalf("history 2 loaded %+v", c.request())
	}
	h2.press("pgdown", "pgdown")
	h2.mustNotContain("· history")
	if c := h2.call(); c.request().Path != want.Path || !c.request().Equal(want) {
		t.Fatalf("back to the draft: %+v", c.request())
	}
}

// esc leaves an editor with unsaved changes only when pressed twice; the first says
// how to keep them.
func TestCallEditorEscWithUnsavedChanges(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.srv.AddClient(oauthtest.Client{ID: "bare", Secrets: []string{"b"}, Scopes: []string{"api/read"}})
	if _, err := h.v.Add(t.Context(), vault.Profile{Name: "bare", TokenURL: h.srv.TokenURL(oauthtest.Generic), ClientID: "bare",
		AuthMethod: oauth.AuthBasic}, "b"); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("bare")
	h.press("x") // no API URL: the editor first
	h.typeText(h.srv.URL[len("http://"):] + "/api/x")
	h.press("esc")
	h.mustContain("unsaved changes: ctrl+s saves them", "esc again leaves")
	if h.m.overlay == nil {
		t.Fatal("the first esc dropped the edits")
	}
	h.press("esc")
	if h.m.overlay != nil {
		t.Fatal("the second esc did not leave")
	}
}

// The answer: the scroll position, a search with n/N, y copying the raw body.
func TestCallBodySearchCopyPosition(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("body · lines 1–13 of 19")
	h.press("/")
	if !h.m.overlay.Capturing() {
		t.Fatal("the search field does not capture keys")
	}
	h.typeText("APOS") // case-insensitive
	h.mustContain("match 1 of 2")
	h.press("enter")
	if h.m.overlay.Capturing() {
		t.Fatal("the search still captures keys after enter")
	}
	h.press("n")
	h.mustContain("match 2 of 2", "lines 8–19 of 19")
	h.press("N")
	h.mustContain("match 1 of 2")
	h.press("y")
	got := h.clip.get()
	if !strings.HasPrefix(got, `{"versions":[`) || strings.Contains(got, "\n  ") {
		t.Fatalf("y copied %q, want the raw body", got)
	}
	h.mustContain("response body copied")
	h.press("/", "esc")
	h.mustNotContain("match")
	h.press("q")
	if h.m.overlay != nil {
		t.Fatal("q did not go back")
	}
}

// A 401 is explained in the app's words (its keys, not the CLI's flags), and a failed
// token fetch gives its hint once.
func TestCallRefusedInAppWordsHintOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("dash-staging")
	h.press("enter")
	h.srv.RevokeIssuedTokens()
	h.srv.SetMisbehaviour("dash-staging", oauthtest.Misbehaviour{Opaque: true})
	h.press("x")
	// The cached token was rejected, a fresh one fetched and rejected too: the advice
	// does not send the user for a third.
	h.mustContain("✗ HTTP 401 Unauthorized", "why: the token was rejected as invalid", "a new one was fetched and rejected too",
		"inspector (i on the list)")
	h.mustNotContain("--force", "oat inspect", "press f to send it again with a fresh token")
	h.press("esc")

	// A secret the provider no longer knows: auto auth tries both methods, and both
	// answers carry the same invalid_client hint.
	if _, err := h.v.ReplaceSecret(t.Context(), "eds", "not-the-secret"); err != nil {
		t.Fatal(err)
	}
	if err := h.v.ForgetToken(t.Context(), mustGet(t, h.v, "eds")); err != nil {
		t.Fatal(err)
	}
	h.reloadSelect("eds")
	h.press("x")
	h.mustContain("both client authentication methods failed", "hint: ")
	if n := strings.Count(h.view(), "hint: "); n != 1 {
		t.Fatalf("the hint is shown %d times:\n%s", n, h.view())
	}
}

func mustGet(t *testing.T, v *vault.Vault, name string) vault.Profile {
	t.Helper()
	p, err := v.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Search matches are marked in reverse video under NO_COLOR too (lipgloss would drop
// the attribute with the colours), the current one also bold.
func TestCallSearchMarksWithoutColour(t *testing.T) {
	d, _ := newDeps(t, false)
	d.Styles = theme.NewStyles(theme.Default, true)
	c := newCallScreen(d, vault.Profile{Name: "p", APIBaseURL: "https://api.example"})
	c.res = &oauth.CallResult{Status: 200, IsJSON: true}
	c.lines = []string{"{", `  "a": "apos",`, `  "b": "APOS"`, "}"}
	c.search.SetValue("apos")
	c.find()
	if len(c.matches) != 2 {
		t.Fatalf("matches %v", c.matches)
	}
	out := c.renderBody(80)
	if !strings.Contains(out, "\x1b[1;7mapos\x1b[0m") {
		t.Fatalf("the current match is not marked: %q", out)
	}
	if !strings.Contains(out, "\x1b[7mAPOS\x1b[0m") {
		t.Fatalf("the other match is not marked: %q", out)
	}
}

// Back from the editor without sending, the answer is shown with the request it
// answers, not the one edited since; f sends it again with a fresh token.
func TestCallAnswerKeepsItsRequest(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("request    GET /v0/versions")
	h.press("e")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText("/elsewhere")
	h.press("esc")
	h.mustContain("✓ HTTP 200 OK", "request    GET /v0/versions", "edited, not saved")
	h.mustNotContain("elsewhere")
	tokens := h.srv.TokenRequests()
	h.press("f")
	h.mustContain("request    GET /elsewhere")
	if h.srv.TokenRequests() != tokens+1 {
		t.Fatalf("f fetched %d tokens, want one", h.srv.TokenRequests()-tokens)
	}
}

// A test request hand-edited with control characters into profiles.toml reaches the
// editor's fields escaped (visible), never raw.
func TestCallEditorEscapesStoredRequest(t *testing.T) {
	d, _ := newDeps(t, false)
	p := vault.Profile{Name: "p", APIBaseURL: "https://api.example", TestRequest: vault.TestRequest{Method: "POST",
		Path: "/x\x1b]52;c;ZXZpbA==\x07?q=%1b[2J", Headers: map[string]string{"X-A": "b\x1b[31m"}, Body: "{\x1b[2J}"}}
	c := newCallScreen(d, p)
	c.Update(sizeMsg{width: 80, height: 24})
	c.editing = true
	for _, bad := range []string{"\x1b]", "\x07", "\x1b[2J", "\x1b[31m"} {
		if strings.Contains(c.View(80, 24), bad) {
			t.Fatalf("%q reached the editor:\n%q", bad, c.View(80, 24))
		}
	}
	// The text inputs drop control characters themselves; escaped, they show what the
	// file holds rather than a silently different value.
	if !strings.Contains(c.View(80, 24), `path    │ /x\x1b]52;c;`) || !strings.Contains(c.View(80, 24), `X-A: b\x1b[31m`) {
		t.Fatalf("the escapes are not shown escaped:\n%s", c.View(80, 24))
	}
}

// Edits that were never sent nor saved are not lost to one stray esc from the answer.
func TestCallLeavingTheAnswerWithUnsentEdits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	h.press("e")
	h.typeText("/more")
	h.press("tab", "tab")
	h.typeText("X A: 1")
	h.mustContain(`headers line 1: "X A" is not a valid header name`)
	h.press("esc") // back to the answer
	h.press("q")
	h.mustContain("the edited request is not saved", "esc again leaves", "without saving")
	if h.m.overlay == nil {
		t.Fatal("one q dropped the unsent edits")
	}
	h.press("esc")
	if h.m.overlay != nil {
		t.Fatal("the second esc did not leave")
	}
}

// The answer, the search and the editor fit every size (a wrapped long line, a 403's
// challenge, the editor's boxes), down to a 40×12 terminal.
func TestCallFitsEverySize(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("dash-staging")
	h.press("x", "e")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText("/accounts/someone-else/orders")
	h.press("enter")
	h.mustContain("✗ HTTP 403 Forbidden")
	for _, state := range []string{"answer", "search", "editor"} {
		switch state {
		case "search":
			h.press("/")
			h.typeText("account")
		case "editor":
			h.press("enter", "e", "tab", "tab")
			h.typeText("Content-Type: application/json")
			h.press("tab")
			h.typeText(`{"a": "` + strings.Repeat("long ", 40) + `"`)
		}
		for _, size := range [][2]int{{80, 24}, {160, 48}, {60, 20}, {40, 12}} {
			h.send(teaSize(size[0], size[1]))
			checkFits(t, h.view(), size[0], size[1])
		}
		h.send(teaSize(80, 24))
	}
}
