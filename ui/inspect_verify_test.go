package ui

import (
	"strings"
	"testing"
	"time"
)

// TestInspectorVerifyOfAnExpiredToken: the signature of an expired token is good: V says
// so, and that the token expired, counted from the clock at each frame.
func TestInspectorVerifyOfAnExpiredToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("enter", "i")
	h.tick(2*time.Minute + 4*time.Second)
	h.press("V")
	h.mustContain("signature", "✓ good · ✗ token expired 4s ago")
	h.mustNotContain("✗ failed", "the signature is good but")
	h.tick(3 * time.Second)
	h.mustContain("✓ good · ✗ token expired 7s ago")
}

// TestInspectorVerifiedTokenThatExpiresLater: verified while valid, then expired: the
// line says so once it has.
func TestInspectorVerifiedTokenThatExpiresLater(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 40, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("enter", "i", "V")
	h.mustContain("✓ verified")
	h.tick(2*time.Minute + 2*time.Second)
	h.mustContain("✓ good · ✗ token expired 2s ago")
}

// TestInspectorVerifyAgainAtTheBottomKeepsThePosition: scrolled to the bottom, V again
// leaves the view exactly where it was.
func TestInspectorVerifyAgainAtTheBottomKeepsThePosition(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("enter", "i", "V")
	for i := 0; i < 10; i++ {
		h.press("pgdown")
	}
	s := h.m.overlay.(*inspectScreen)
	before, last := s.vp.YOffset, lastLine(h.view())
	h.press("V")
	if s.vp.YOffset != before {
		t.Fatalf("V again moved the view from %d to %d", before, s.vp.YOffset)
	}
	_ = last
}

// TestInspectKeyWithACachedTokenSaysEnterLoadsIt: with a cached token the app does not
// hold yet (after a check-all), i says enter loads it first, as the details say.
func TestInspectKeyWithACachedTokenSaysEnterLoadsIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 100, 40, true, "slow")
	h.press("C")
	h.mustContain("done")
	h.press("esc")
	h.selectProfile("ecoinvent")
	h.mustContain("A cached token is valid")
	h.press("i")
	if _, ok := h.m.overlay.(*inspectScreen); ok {
		return // loaded and opened: fine too
	}
	h.mustContain("enter loads the cached token first")
	h.mustNotContain("enter gets one")
}

func lastLine(s string) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return ls[len(ls)-1]
}
