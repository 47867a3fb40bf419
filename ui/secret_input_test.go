package ui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/vault"
)

// pasteMsg is a bracketed paste as Bubble Tea delivers it: every rune as the terminal
// sent it, tabs and control characters included.
func pasted(s string) tea.KeyMsg {
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true}
}

// TestFormSecretPasteOutsideVSCHARIsRefused: a paste holding a tab, a BEL and an ESC
// into the form's secret is refused whole (the text input would have turned the tab
// into a space and dropped the rest, storing another secret than the one pasted); the
// field says what kind of character, never where or which secret. A good paste then
// goes in as pasted and the error goes.
func TestFormSecretPasteOutsideVSCHARIsRefused(t *testing.T) {
	t.Parallel()
	h, f := openAdd(t, 80, 24)
	f.moveTo(fSecret)
	h.send(pasted("ab\tcd\x07ef\x1bgh"))
	if v := f.value(fSecret); v != "" {
		t.Fatalf("the secret field took %q from a paste holding control characters", v)
	}
	h.mustContain("✗ client secret", "a tab")
	h.mustNotContain("at character", "••")
	h.send(pasted("Qz7é-new"))
	if v := f.value(fSecret); v != "" {
		t.Fatalf("the secret field took %q", v)
	}
	h.mustContain("holds a character outside")
	h.mustNotContain("U+00E9", "é")
	h.send(pasted("good Secret+/=1\r\n")) // a line copied from a page: its line break is not the secret's
	if v := f.value(fSecret); v != "good Secret+/=1" {
		t.Fatalf("the secret field holds %q, want the paste as it was", v)
	}
	h.mustNotContain("printable ASCII")
}

// TestRotationPasteWithATabIsRefused: the same check in the rotation's secret field:
// nothing inserted, the error under the field, and enter sends nothing.
func TestRotationPasteWithATabIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("R")
	r, ok := h.m.overlay.(*rotateScreen)
	if !ok {
		t.Fatalf("no rotation screen:\n%s", h.view())
	}
	h.send(pasted("eds-demo-\tsecret-2"))
	if v := r.input.Value(); v != "" {
		t.Fatalf("the rotation's field took %q", v)
	}
	h.mustContain("a tab")
	h.mustNotContain("at character")
	h.press("enter")
	if r.phase != rotInput {
		t.Fatalf("a rotation started from a refused paste:\n%s", h.view())
	}
	h.send(pasted("eds-demo-secret-2\n"))
	if v := r.input.Value(); v != "eds-demo-secret-2" {
		t.Fatalf("the field holds %q", v)
	}
	h.mustNotContain("a tab")
}

// TestRotationRefusedSecretSaysWhyOnceAndAsksAgain: a new secret the vault refuses at
// staging (a placeholder) is said once, not under the step and again below it, and the
// field comes back for another paste, the reason under it.
func TestRotationRefusedSecretSaysWhyOnceAndAsksAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("R")
	r := h.m.overlay.(*rotateScreen)
	h.send(pasted("changeme"))
	h.press("enter")
	if n := strings.Count(h.view(), "placeholder"); n != 1 {
		t.Fatalf("the reason shows %d times:\n%s", n, h.view())
	}
	if r.phase != rotInput || !r.input.Focused() {
		t.Fatalf("the field did not come back:\n%s", h.view())
	}
	h.mustContain("new secret", "enter send")
	h.send(pasted("x"))
	h.mustNotContain("placeholder")
}

// TestRotationSecondEscWhileCancellingLeaves: two escs at once during a step in flight:
// the first cancels, the second is kept and leaves the screen once the cancel lands.
func TestRotationSecondEscWhileCancellingLeaves(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("R")
	r := h.m.overlay.(*rotateScreen)
	_, cancel := context.WithCancel(context.Background())
	r.phase, r.cancel, r.running, r.secret = rotRunning, cancel, vault.StepToken, "new-secret"
	h.press("esc", "esc")
	if !r.cancelling {
		t.Fatal("the first esc did not cancel")
	}
	h.send(rotateDoneMsg{err: &vault.RotationError{Step: vault.StepToken, Err: context.Canceled, Cancelled: true}})
	if _, still := h.m.overlay.(*rotateScreen); still {
		t.Fatalf("the second esc was lost:\n%s", h.view())
	}
	if r.secret != "" {
		t.Fatal("the new secret is still held")
	}
	h.mustContain("stopped: the old secret is still active")
}

// TestRotationOneEscWhileCancellingStays: a single esc cancels and shows the outcome.
func TestRotationOneEscWhileCancellingStays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("R")
	r := h.m.overlay.(*rotateScreen)
	_, cancel := context.WithCancel(context.Background())
	r.phase, r.cancel, r.running, r.secret = rotRunning, cancel, vault.StepToken, "new-secret"
	h.press("esc")
	h.send(rotateDoneMsg{err: &vault.RotationError{Step: vault.StepToken, Err: context.Canceled, Cancelled: true}})
	if _, still := h.m.overlay.(*rotateScreen); !still {
		t.Fatal("one esc left the screen")
	}
	h.mustContain("Cancelled")
}
