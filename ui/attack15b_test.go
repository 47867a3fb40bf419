package ui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
)

// The one-time key screen of a key with its certificate (the longest documents oat
// shows) pages at any size, through resizes and scrolling past both ends: no row is
// wider than the terminal (at 20 columns the pager's last row and a thumbprint made
// the frame 21 wide), no more rows than it has, and no private key appears.
func TestKeyOnceScreenPagesAtAnySize(t *testing.T) {
	t.Parallel()
	h, f := openAuthAdd(t, 120, 60, "entra", "entra-id", oauth.AuthPrivateKeyJWT)
	f.moveTo(fKeyCert)
	h.send(tea.KeyMsg{Type: tea.KeyRight})
	h.press("ctrl+s")
	if _, ok := h.m.overlay.(*keyOnceScreen); !ok {
		t.Fatalf("no one-time key screen:\n%s", h.view())
	}
	pagesAtAnySize(t, h)
}

// The key rotation's registration step (the same documents, with the rotation's
// checklist) pages as the one-time key screen does.
func TestKeyRotationPagesAtAnySize(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, false)
	h.addKeyProfile("signer", "signer-id")
	h.press("R")
	h.press("g")
	h.mustContain("Register this public key at the provider")
	pagesAtAnySize(t, h)
}

// pagesAtAnySize resizes h through narrow and wide sizes, scrolling and cycling the
// documents at each, and checks that the frame fits and that no private key shows.
func pagesAtAnySize(t *testing.T, h *harness) {
	t.Helper()
	// Below 20×8 the app draws an 80×24 frame (app.go resize): the sizes start there.
	sizes := [][2]int{{80, 24}, {20, 8}, {21, 9}, {160, 48}, {40, 8}, {200, 8}, {20, 60}, {80, 24}}
	for _, sz := range sizes {
		h.send(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		for _, k := range []string{"pgdown", "pgdown", "down", "v", "pgdown", "end", "up", "pgup", "pgup", "pgup", "v", "v", "v"} {
			h.press(k)
			v := h.view()
			rows := strings.Split(v, "\n")
			if len(rows) > sz[1] {
				t.Fatalf("%dx%d after %s: %d rows\n%s", sz[0], sz[1], k, len(rows), v)
			}
			for _, r := range rows {
				if lipgloss.Width(r) > sz[0] {
					t.Fatalf("%dx%d after %s: a row of %d cells: %q\n%s", sz[0], sz[1], k, lipgloss.Width(r), r, v)
				}
			}
			if strings.Contains(v, "PRIVATE") {
				t.Fatalf("a private key on screen:\n%s", v)
			}
		}
	}
}
