package ui

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// These flows drive the whole program through teatest: real key events into a real
// Bubble Tea loop, with the clock injected so the countdown is stable. Each ends by
// comparing the final frame with a golden file (go test ./ui -update rewrites them).

var sizes = [][2]int{{80, 24}, {120, 40}}

// eachSize runs a flow at every size, each on a fresh app and server.
func eachSize(t *testing.T, flow func(t *testing.T, tm *teatest.TestModel, h *harness)) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			tm, h := startFlow(t, sz[0], sz[1])
			flow(t, tm, h)
		})
	}
}

func startFlow(t *testing.T, w, hgt int) (*teatest.TestModel, *harness) {
	t.Helper()
	d, h := newDeps(t, true, "slow")
	tm := teatest.NewTestModel(t, New(d), teatest.WithInitialTermSize(w, hgt))
	t.Cleanup(func() { _ = tm.Quit() })
	waitText(t, tm, "dash-production")
	return tm, h
}

func waitText(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(text)) },
		teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
}

func sendKeys(tm *teatest.TestModel, keys ...string) {
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
}

// finish quits and compares the last frame with the golden file.
func finish(t *testing.T, tm *teatest.TestModel) string {
	t.Helper()
	tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	view := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).View()
	golden.RequireEqual(t, []byte(normalize(view)))
	return view
}

func TestFlowAddOneTimeSecretList(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		const secret = "flow-S3cret/+="
		h.srv.AddClient(oauthtest.Client{ID: "flow-client", Secrets: []string{secret}})
		sendKeys(tm, "a", "tab", "tab")
		tm.Type("flow")
		sendKeys(tm, "tab")
		tm.Type(h.srv.TokenURL(oauthtest.Generic))
		sendKeys(tm, "tab")
		tm.Type("flow-client")
		sendKeys(tm, "tab", "tab") // past auth
		tm.Type(secret)
		sendKeys(tm, "ctrl+s")
		waitText(t, tm, "only time oat shows this secret")
		sendKeys(tm, "enter")
		waitText(t, tm, "9 profiles")
		// Everything drawn after the one-time screen: the list, then the new
		// profile's token.
		tm.Send(tea.KeyMsg{Type: tea.KeyEnd})
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		view := finish(t, tm)
		rest, _ := io.ReadAll(tm.Output())
		if strings.Contains(string(rest), secret) || strings.Contains(view, secret) {
			t.Fatal("the secret was drawn after the one-time screen")
		}
	})
}

// TestFlowImportEDSEnvWithoutSecret: EarthDaily's EDS.env as downloaded has
// EDS_SECRET as a placeholder; the form fills everything else, puts the cursor in the
// masked secret field and says why, and the secret typed there is the one stored.
func TestFlowImportEDSEnvWithoutSecret(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		const secret = "eds-flow-S3cret/+="
		h.srv.AddClient(oauthtest.Client{ID: "eds-flow", Flavour: oauthtest.EDS, Secrets: []string{secret}})
		env := filepath.Join(t.TempDir(), "EDS.env")
		content := "EDS_CLIENT_ID=eds-flow\nEDS_SECRET=<EDS_SECRET HERE>\nEDS_AUTH_URL=" + h.srv.TokenURL(oauthtest.EDS) + "\nEDS_API_URL=" + h.srv.APIBaseURL(oauthtest.EDS) + "\n"
		if err := os.WriteFile(env, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := h.v.Remove(context.Background(), "eds"); err != nil { // the demo's own eds
			t.Fatal(err)
		}
		sendKeys(tm, "a")
		tm.Type(env)
		sendKeys(tm, "enter")
		waitText(t, tm, "type or paste it here")
		tm.Type(secret)
		sendKeys(tm, "ctrl+s")
		waitText(t, tm, "only time oat shows this secret")
		sendKeys(tm, "enter")
		waitText(t, tm, "8 profiles")
		tm.Send(tea.KeyMsg{Type: tea.KeyEnd})
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		finish(t, tm)
		p, err := h.v.Get("eds")
		if err != nil {
			t.Fatal(err)
		}
		if got, err := h.v.Secret(context.Background(), p); err != nil || got != secret {
			t.Fatalf("stored secret %q, %v", got, err)
		}
	})
}

func TestFlowCountdownToExpiry(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "down", "down", "down", "down", "enter") // dash-production: 45 s tokens
		waitText(t, tm, "expires in 45s")
		h.clk.Advance(15 * time.Second)
		tm.Send(tickMsg{gen: 0})
		waitText(t, tm, "expires in 30s")
		h.clk.Advance(22 * time.Second)
		tm.Send(tickMsg{gen: 0})
		waitText(t, tm, "8s left")
		h.clk.Advance(10 * time.Second)
		tm.Send(tickMsg{gen: 0})
		waitText(t, tm, "expired 2s ago")
		finish(t, tm)
	})
}

func TestFlowCopyAutoClear(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		sendKeys(tm, "c")
		waitText(t, tm, "cleared in 45s")
		h.clk.Advance(30 * time.Second)
		tm.Send(tickMsg{gen: 0})
		waitText(t, tm, "cleared in 15s")
		h.clk.Advance(16 * time.Second)
		tm.Send(tickMsg{gen: 0})
		waitText(t, tm, "clipboard cleared")
		if h.clip.get() != "" || h.clip.clears != 1 {
			t.Fatalf("clipboard %q after the timer", h.clip.get())
		}
		finish(t, tm)
	})
}

func TestFlowDeleteCancelThenConfirm(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "up", "d") // wraps? no: stays on the first profile
		waitText(t, tm, "Delete ecoinvent?")
		sendKeys(tm, "n")
		waitText(t, tm, "nothing deleted")
		sendKeys(tm, "d")
		waitText(t, tm, "Delete ecoinvent?")
		sendKeys(tm, "y")
		waitText(t, tm, "deleted ecoinvent")
		if _, err := h.v.Get("ecoinvent"); err == nil {
			t.Fatal("not deleted")
		}
		finish(t, tm)
	})
}

func TestFlowFilter(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, _ *harness) {
		sendKeys(tm, "/")
		// One key event for the whole word: the list filters asynchronously, and a
		// result for a prefix ("das") may land after the one for the word.
		tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("dash")})
		sendKeys(tm, "enter")
		waitText(t, tm, "2 of 8")
		finish(t, tm)
	})
}

func TestFlowInspector(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, _ *harness) {
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		sendKeys(tm, "i", "V")
		waitText(t, tm, "verified")
		finish(t, tm)
	})
}

func TestFlowTestCall(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "x")
		waitText(t, tm, "HTTP 200 OK")
		sendKeys(tm, "esc", "down", "down", "down", "enter")
		waitText(t, tm, "✓ valid")
		h.clk.Advance(3 * time.Minute) // the token expires: the call gets a new one first
		sendKeys(tm, "x")
		waitText(t, tm, "HTTP 200 OK")
		h.srv.RevokeIssuedTokens() // the provider revokes it early: one refetch, one retry
		sendKeys(tm, "r")
		waitText(t, tm, "fetched a new one")
		finish(t, tm)
	})
}

func TestFlowRotation(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, _ *harness) {
		sendKeys(tm, "down", "R")
		waitText(t, tm, "new secret")
		tm.Type("eds-demo-secret-2")
		sendKeys(tm, "enter")
		waitText(t, tm, "shown this once")
		sendKeys(tm, "o")
		waitText(t, tm, "revoked")
		view := finish(t, tm)
		if strings.Contains(view, "eds-demo-secret-2") {
			t.Fatal("new secret still on screen after the check")
		}
	})
}

func TestFlowCheckAll(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, _ *harness) {
		sendKeys(tm, "C")
		waitText(t, tm, "8 of 8 done")
		finish(t, tm)
	})
}

func TestFlowRotationStillAccepted(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		h.srv.AddClient(oauthtest.Client{ID: "ecoinvent-demo", Flavour: oauthtest.Keycloak, Realm: "ecoinvent",
			Secrets: []string{"ecoinvent-demo-secret-1", "ecoinvent-demo-secret-2"}}) // no revoke on use
		sendKeys(tm, "R")
		waitText(t, tm, "new secret")
		tm.Type("ecoinvent-demo-secret-2")
		sendKeys(tm, "enter")
		waitText(t, tm, "shown this once")
		sendKeys(tm, "o")
		waitText(t, tm, "still accepted")
		finish(t, tm)
	})
}

func TestFlowRotationBadSecret(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "R")
		waitText(t, tm, "new secret")
		tm.Type("not-issued")
		sendKeys(tm, "enter")
		waitText(t, tm, "Nothing was lost")
		view := finish(t, tm)
		if strings.Contains(view, "not-issued") {
			t.Fatal("the rejected secret is on screen")
		}
		if p, _ := h.v.Get("ecoinvent"); p.PreviousFingerprint != "" {
			t.Fatal("a failed rotation kept something aside")
		}
	})
}

func TestFlowBurstKeys(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, _ *harness) {
		tm.Send(burst("jjj")) // one event, as key repeat over SSH delivers it
		tm.Send(burst("/dash"))
		sendKeys(tm, "enter")
		waitText(t, tm, "2 of 8")
		finish(t, tm)
	})
}

func TestFlowProfileAddedFromOutside(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		addOutside(t, h, "added-outside")
		h.clk.Advance(time.Second)
		tm.Send(tickMsg{at: h.clk.Now()}) // the once-a-second clock polls the files
		waitText(t, tm, "9 profiles")
		finish(t, tm)
	})
}

func TestFlowQGoesBackFromEachSubScreen(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, _ *harness) {
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		for _, sub := range [][2]string{{"i", "verify signature"}, {"x", "HTTP 200 OK"}, {"C", "8 of 8 done"}, {"d", "y deletes"}} {
			sendKeys(tm, sub[0])
			waitText(t, tm, sub[1])
			sendKeys(tm, "q") // back to the list, not out of the app
			waitText(t, tm, "profiles · memory store")
		}
		finish(t, tm)
	})
}

func TestFlowResizeMidFlow(t *testing.T) {
	tm, h := startFlow(t, 60, 20)
	sendKeys(tm, "enter")
	waitText(t, tm, "✓ valid")
	sendKeys(tm, "x")
	waitText(t, tm, "HTTP 200 OK")
	tm.Send(teaSize(200, 50))
	sendKeys(tm, "esc")
	waitText(t, tm, "profiles · memory store")
	view := finish(t, tm)
	checkFits(t, view, 200, 50)
	if _, err := h.v.Get("ecoinvent"); err != nil {
		t.Fatal(err)
	}
}

// Sorting cycles through the orders; by environment the rows sit under headings.
func TestFlowSortAndGroup(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "s")
		waitText(t, tm, "by name")
		sendKeys(tm, "s", "s", "s")
		waitText(t, tm, "── staging") // by environment
		sendKeys(tm, "j", "j", "j")   // over the staging heading to its first row
		waitText(t, tm, "▸ cognito-api")
		finish(t, tm)
	})
}

// The copy menu: each item copies its text; those holding the token are cleared after
// the countdown, the client ID is not.
func TestFlowCopyMenuEachItem(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		for _, item := range []struct {
			key, want string
			clears    bool
		}{{"t", "eyJ", true}, {"h", "Authorization: Bearer eyJ", true}, {"u", "curl -X GET -H 'Authorization: Bearer eyJ", true}, {"i", "ecoinvent-demo", false}, {"l", "http://127.0.0.1:", false}} {
			sendKeys(tm, "y", item.key) // the menu, then its item

			teatest.WaitFor(t, tm.Output(), func([]byte) bool { return strings.HasPrefix(h.clip.get(), item.want) },
				teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
			if !item.clears {
				continue
			}
			h.clk.Advance(46 * time.Second)
			tm.Send(tickMsg{gen: 0})
			teatest.WaitFor(t, tm.Output(), func([]byte) bool { return h.clip.get() == "" },
				teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
		}
		finish(t, tm)
	})
}
