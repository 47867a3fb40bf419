package ui

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// A URL's password never shows: the editor's url line and the answer's request and url
// lines show it masked. The history keeps the request without it and without the API
// key header, and its note names what was left out on that entry only: an entry from
// which nothing was dropped says no more than that it was sent earlier.
func TestCallHistoryNoteOnlyWhereSomethingWasDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 30, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	h.press("e")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	withPass := strings.Replace(h.srv.URL, "http://", "http://alice:Pa55w0rd@", 1) + "/api/orders"
	h.typeText(withPass)
	// The path field shows what is typed; the url line under the title masks it.
	if u := viewLine(h, "url "); !strings.Contains(u, "alice:•••••@") || strings.Contains(u, "Pa55w0rd") {
		t.Fatalf("url line %q", u)
	}
	h.press("tab", "tab")
	h.typeText("X-Api-Key: supersecret")
	h.press("ctrl+r")
	h.mustContain("✓ HTTP 200 OK", "alice:•••••@")
	h.mustNotContain("Pa55w0rd")
	state, _ := os.ReadFile(h.v.State.Path)
	if strings.Contains(string(state), "Pa55w0rd") || strings.Contains(string(state), "supersecret") {
		t.Fatalf("state.toml keeps a credential:\n%s", state)
	}
	h.press("e", "pgup")
	h.mustContain("history 1 of 2", "the history did not keep header X-Api-Key", "the user")
	h.press("pgup")
	h.mustContain("history 2 of 2", "sent earlier")
	h.mustNotContain("credential")
}

// viewLine is the first line of the view that starts (after spaces) with prefix.
func viewLine(h *harness, prefix string) string {
	for _, l := range strings.Split(h.view(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return l
		}
	}
	return ""
}

// ctrl+s refuses a request holding an API key or the profile's own bearer token, names
// the header, and profiles.toml stays without it.
func TestCallSaveRefusesCredentialHeaders(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	tok := h.call().token
	if tok == "" {
		t.Fatal("the screen does not know the token the call carried")
	}
	for _, line := range []string{"X-Api-Key: supersecret", "X-Trace: " + tok} {
		h.press("e")
		h.press("tab", "tab")
		h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
		h.typeText(line)
		h.press("ctrl+s")
		name, _, _ := strings.Cut(line, ":")
		h.mustContain("✗ not saved: header "+name+" looks like a credential", "remove it to save")
		raw, _ := os.ReadFile(h.v.Profiles.Path)
		if strings.Contains(string(raw), "supersecret") || strings.Contains(string(raw), tok) {
			t.Fatalf("profiles.toml holds a credential:\n%s", raw)
		}
		h.press("esc")
	}
}

// apiAt points the named profile's API at a server of the test's own (a hostile one),
// its test request at path, and reloads the list.
func apiAt(h *harness, name, path string, handler http.HandlerFunc) {
	h.t.Helper()
	ts := httptest.NewServer(handler)
	h.t.Cleanup(ts.Close)
	h.editOutside(name, func(p *vault.Profile) {
		p.APIBaseURL, p.TestRequest = ts.URL, vault.TestRequest{Path: path}
	})
	h.reloadSelect(name)
}

// y copies the body as the user sees it, without the escape sequences and control
// characters a server put in it (OSC 52, ESC[2J, C1 CSI, \r), and says so.
func TestCallCopyBodyWithoutControls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	apiAt(h, "ecoinvent", "/x", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "ok\x1b]52;c;ZXZpbA==\x07 then\x1b[2J \u009b31mred\r\nline two\n\tend")
	})
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	h.press("y")
	got := h.clip.get()
	if i, r := oauth.FirstUnsafe(got, true); i >= 0 {
		t.Fatalf("copied %q: %q at %d", got, r, i)
	}
	if got != "ok then red\nline two\n\tend" {
		t.Fatalf("copied %q", got)
	}
	h.mustContain("control characters removed")
}

// A full URL on another origin than the API URL's is sent only after the editor said
// where the token goes, and saved only after it said so again; the saved request is
// then not sent at once when the test call opens, but asked about first.
func TestCallCrossOriginAsksBeforeSendingTheToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 30, true, "slow")
	var hits atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprint(w, `{"ok":true}`)
	}))
	t.Cleanup(collector.Close)
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	h.press("e")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText(collector.URL + "/collect")
	h.press("enter")
	h.mustContain("! the token goes to " + collector.URL + ", not " + h.srv.URL + ": enter again sends it")
	if hits.Load() != 0 {
		t.Fatal("the token went to another origin unasked")
	}
	h.press("enter")
	h.mustContain("✓ HTTP 200 OK")
	if hits.Load() != 1 {
		t.Fatalf("%d calls after the second enter", hits.Load())
	}
	h.press("e", "ctrl+s")
	h.mustContain("every test call of the profile sends the token to " + collector.URL)
	if p, _ := h.v.Get("ecoinvent"); p.TestRequest.Path != "/v0/versions" {
		t.Fatalf("saved unasked: %+v", p.TestRequest)
	}
	h.press("ctrl+s")
	h.mustContain("✓ saved as the test request of ecoinvent")
	h.press("esc", "esc")

	// Opened again: the saved request is not sent before the user says so.
	h2 := restarted(h, 100, 30)
	h2.selectProfile("ecoinvent")
	h2.press("x")
	h2.mustContain("! the saved request sends the token to " + collector.URL)
	if hits.Load() != 1 {
		t.Fatal("the saved cross-origin request was sent when the test call opened")
	}
	h2.press("enter")
	h2.mustContain("✓ HTTP 200 OK")
	if hits.Load() != 2 {
		t.Fatalf("%d calls", hits.Load())
	}
}

// The test call follows its profile by ID: renamed by another oat, and its name given
// to another profile, the next send still carries its own token to its own API. When
// what the call depends on changed (the API URL), the screen says so and sends nothing
// until the user sends again.
func TestCallFollowsItsProfileByID(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 30, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	h.press("e")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText("/orders")
	h.editOutside("ecoinvent", func(p *vault.Profile) { p.Name = "eco-old" })
	h.editOutside("eds", func(p *vault.Profile) { p.Name = "ecoinvent" })
	h.press("enter")
	h.mustContain("✓ HTTP 200 OK", `"client_id": "ecoinvent-demo"`, "Test call · eco-old")
	h.mustNotContain("eds-demo")

	h.editOutside("eco-old", func(p *vault.Profile) { p.APIBaseURL = h.srv.URL + "/api/v2" })
	before := h.srv.APIRequests()
	h.press("r")
	h.mustContain("! the profile changed since this screen opened", "(API URL "+h.srv.URL+"/api →", "/api/v2): nothing was sent")
	if h.srv.APIRequests() != before {
		t.Fatal("sent to a profile changed under the screen without asking")
	}
	h.press("enter")
	h.mustContain("✓ HTTP 200 OK", `"path": "/api/v2/orders"`)
}

// A body larger than the editor holds (64 KiB) is not loaded into the field: it is
// kept aside, said so, and sent as it is, whole. A history entry hand-edited to a huge
// body comes without it, and says so.
func TestCallLargeBodyStaysOutOfTheEditor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	big := `{"data":"` + strings.Repeat("x", 1<<20) + `"}`
	var got atomic.Int64
	apiAt(h, "ecoinvent", "/x", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store(int64(len(b)))
		fmt.Fprint(w, `{"ok":true}`)
	})
	h.editOutside("ecoinvent", func(p *vault.Profile) { p.TestRequest.Method, p.TestRequest.Body = "POST", big })
	h.reloadSelect("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	h.press("e")
	c := h.call()
	if n := len(c.body.Value()); n > maxEditBody {
		t.Fatalf("the body field holds %d bytes", n)
	}
	h.mustContain("the body (1.0 MiB) is larger than the editor holds (64 KiB)", "saved as it is")
	h.mustNotContain("edited, not saved")
	h.press("ctrl+r")
	h.mustContain("✓ HTTP 200 OK")
	if got.Load() != int64(len(big)) {
		t.Fatalf("the server got %d bytes, want %d", got.Load(), len(big))
	}

	// A history entry of 5 MB, hand-edited into state.toml.
	p, _ := h.v.Get("ecoinvent")
	state := fmt.Sprintf("schema = 1\n[[requests.%s]]\nmethod = 'POST'\npath = '/huge'\nbody = '%s'\n", p.ID, strings.Repeat("y", 5<<20))
	if err := os.WriteFile(h.v.State.Path, []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	h.press("esc", "esc")
	h.press("x")
	h.press("e", "pgup")
	h.mustContain("history 1 of 1", "the history did not keep the body (larger", "than 16 KiB)")
	if c := h.call(); c.body.Value() != "" || c.request().Path != "/huge" {
		t.Fatalf("loaded %d bytes of body, path %q", len(c.body.Value()), c.request().Path)
	}
}

// A server's error_description of 3,000 characters takes a few wrapped lines ending in
// …, not the screen; the advice says nothing of a fresh token when the call carried
// one fresh from the token endpoint.
func TestCallLongChallengeCappedAndAdviceFitsWhatHappened(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	long := strings.Repeat("blah ", 600)
	apiAt(h, "ecoinvent", "/x", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+long+`"`)
		w.WriteHeader(http.StatusUnauthorized)
	})
	h.press("x")
	h.mustContain("✗ HTTP 401", "why: the token was rejected as invalid", "…", "check its audience")
	if n := strings.Count(h.view(), "blah"); n > 7*16 {
		t.Fatalf("the description fills the screen: %d words shown\n%s", n, h.view())
	}
	h.mustNotContain("press f to send it again with a fresh token")
}

// After a timeout the app's hint speaks of the --timeout oat was started with.
func TestCallTimeoutHintForTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.b.Client.Timeout = 50 * time.Millisecond
	h.selectProfile("ecoinvent")
	h.press("x")
	h.press("e")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText("/hang")
	h.press("enter")
	h.mustContain("timed out", "run oat with a longer --timeout")
	h.mustNotContain("raise --timeout")
}

// In the answer: esc clears a committed search before it leaves; home and end go to
// the start and the end of the body; leaving with edits not saved asks first, even when
// they were sent; the title drops "history n of m" once back from the editor.
func TestCallAnswerViewKeys(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	lines := strings.Repeat("line\n", 200)
	apiAt(h, "ecoinvent", "/x", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "first\n"+lines+"last")
	})
	h.press("x")
	h.mustContain("✓ HTTP 200 OK", "first")
	h.send(tea.KeyMsg{Type: tea.KeyEnd})
	h.mustContain("last")
	h.mustNotContain("first")
	h.send(tea.KeyMsg{Type: tea.KeyHome})
	h.mustContain("first")

	h.press("/")
	h.typeText("last")
	h.press("enter")
	h.mustContain("match 1 of 1")
	h.press("esc")
	h.call() // still open
	h.mustNotContain("match 1 of 1")

	// Edited and sent, not saved: esc asks.
	h.press("e")
	h.send(tea.KeyMsg{Type: tea.KeyCtrlU})
	h.typeText("/y")
	h.press("enter")
	h.mustContain("✓ HTTP 200 OK", "edited, not saved")
	h.press("esc")
	h.call()
	h.mustContain("the edited request is not saved")
	// Browse the history in the editor, then back: the answer's title has no marker.
	h.press("e", "pgup")
	h.mustContain("· history 1 of 2")
	h.press("esc")
	h.mustNotContain("· history")
	h.press("esc")
	h.mustContain("the edited request is not saved")
	h.press("esc")
	if _, ok := h.m.overlay.(*callScreen); ok {
		t.Fatal("a second esc did not leave")
	}
}

// At 40 columns the method select still shows the selected method.
func TestCallMethodSelectNarrow(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 40, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.press("e", "shift+tab")
	for range 4 {
		h.send(tea.KeyMsg{Type: tea.KeyRight})
	}
	if m := viewLine(h, "▸ method"); !strings.Contains(m, "[DELETE]") {
		t.Fatalf("method row %q", m)
	}
}
