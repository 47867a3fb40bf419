package ui

import (
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// blindClipboard is a clipboard oat cannot read back (OSC 52 only): ClearIf empties it
// whatever it holds, as the real one does then.
type blindClipboard struct {
	mu      sync.Mutex
	content string
	clears  []string
}

func (b *blindClipboard) Copy(s string) (string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.content = s
	return "terminal (OSC 52)", nil
}

func (b *blindClipboard) ClearIf(s string) (bool, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.clears = append(b.clears, s)
	b.content = ""
	return true, nil
}

func (b *blindClipboard) get() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.content
}

// TestANewCopyReplacesTheCountdown: the secret copied on the one-time screen, then the
// claims copied in the inspector: the countdown no longer speaks of the secret, the
// secret's clear does not wipe the claims copied since, and the secret was taken off
// (ClearIf) before the claims went on. A token copied after a secret has its own timer.
func TestANewCopyReplacesTheCountdown(t *testing.T) {
	t.Parallel()
	d, h := newDeps(t, true, "slow")
	clip := &blindClipboard{}
	d.Clipboard = clip
	h.m = New(d)
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: 100, Height: 40})

	h.selectProfile("ecoinvent")
	h.press("R")
	h.typeText("ecoinvent-demo-secret-2")
	h.press("enter", "c")
	h.mustContain("secret on the clipboard, cleared in 45s")
	h.tick(15 * time.Second)
	h.press("esc", "i", "r", "y")
	claims := clip.get()
	if !strings.Contains(claims, `"claims"`) {
		t.Fatalf("the claims were not copied: %q", claims)
	}
	if len(clip.clears) != 1 || clip.clears[0] != "ecoinvent-demo-secret-2" {
		t.Fatalf("the secret was not taken off before the claims went on: %q", clip.clears)
	}
	h.mustNotContain("secret on the clipboard")
	h.tick(40 * time.Second)
	if clip.get() != claims {
		t.Fatalf("the secret's clear wiped the claims copied since: %q", clip.get())
	}

	// A token after a secret: the countdown is the token's, from its own copy.
	h.press("esc", "esc")
	h.selectProfile("eds")
	h.press("R")
	h.typeText("eds-demo-secret-2")
	h.press("enter", "c")
	h.tick(20 * time.Second)
	h.press("esc", "enter", "c")
	h.mustContain("token on the clipboard, cleared in 45s")
	h.mustNotContain("secret on the clipboard")
}
