package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// Golden flows of the inspector and the rotation (issue 13): an expired token, a
// rotation with a skipped step, and one with a profile sharing the client.

func TestFlowInspectorExpired(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		sendKeys(tm, "enter")
		waitText(t, tm, "✓ valid")
		sendKeys(tm, "i")
		waitText(t, tm, "Inspect ecoinvent")
		h.clk.Advance(2*time.Minute + 3*time.Second)
		tm.Send(tickMsg{at: h.clk.Now()})
		waitText(t, tm, "✗ expired")
		finish(t, tm)
	})
}

func TestFlowRotationSkippedStep(t *testing.T) {
	eachSize(t, func(t *testing.T, tm *teatest.TestModel, h *harness) {
		tm.Send(burst("/opaque"))
		sendKeys(tm, "enter")
		waitText(t, tm, "1 of 8")
		sendKeys(tm, "R")
		waitText(t, tm, "no test call")
		tm.Type("opaque-demo-secret-2")
		sendKeys(tm, "enter")
		waitText(t, tm, "shown this once")
		view := finish(t, tm)
		if !strings.Contains(view, "– test call with the new token") || strings.Contains(view, "opaque-demo-secret-2") {
			t.Fatalf("the skipped step is missing, or the secret shows unmasked:\n%s", view)
		}
	})
}

func TestFlowRotationSharedClient(t *testing.T) {
	for _, sz := range sizes {
		t.Run(sizeName(sz), func(t *testing.T) {
			d, h := newDeps(t, true, "slow")
			eds, _ := h.v.Get("eds")
			if _, err := h.v.Add(context.Background(), vault.Profile{Name: "eds-copy", Environment: "staging", TokenURL: eds.TokenURL + "/",
				ClientID: eds.ClientID, AuthMethod: oauth.AuthBasic}, "eds-demo-secret-1"); err != nil {
				t.Fatal(err)
			}
			tm := teatest.NewTestModel(t, New(d), teatest.WithInitialTermSize(sz[0], sz[1]))
			t.Cleanup(func() { _ = tm.Quit() })
			waitText(t, tm, "dash-production")
			sendKeys(tm, "down", "R")
			waitText(t, tm, "uses the same client ID")
			tm.Type("eds-demo-secret-2")
			sendKeys(tm, "enter")
			waitText(t, tm, "the new secret too, the old one kept aside")
			sendKeys(tm, "u")
			waitText(t, tm, "now has the new secret")
			view := finish(t, tm)
			if strings.Contains(view, "eds-demo-secret-2") {
				t.Fatal("the new secret shows unmasked")
			}
		})
	}
}

func sizeName(sz [2]int) string { return fmt.Sprintf("%dx%d", sz[0], sz[1]) }
