package ui

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestQuitClearsAPendingCopy: the 45 s clear dies with the app, so quitting while a copy
// waits for it clears the clipboard first (if it still holds the token), whichever key
// quits; with nothing pending, quitting leaves the clipboard alone.
func TestQuitClearsAPendingCopy(t *testing.T) {
	t.Parallel()
	for _, quitKey := range []string{"q", "ctrl+c"} {
		t.Run(quitKey, func(t *testing.T) {
			h := newHarness(t, 120, 40, true, "slow")
			h.selectProfile("eds")
			h.press("enter", "c")
			tok := h.clip.get()
			if !strings.HasPrefix(tok, "eyJ") {
				t.Fatalf("clipboard holds %q", tok)
			}
			h.press(quitKey)
			if !h.quit {
				t.Fatal("the app did not quit")
			}
			if got := h.clip.clearIfCalls(); !slices.Equal(got, []string{tok}) {
				t.Fatalf("ClearIf calls %q, want the copied token once", got)
			}
			if h.clip.get() != "" {
				t.Fatal("the token is still on the clipboard after quitting")
			}
			if h.m.clip.active {
				t.Fatal("the clear is still pending after it was done")
			}
		})
	}

	t.Run("something else copied since", func(t *testing.T) {
		h := newHarness(t, 120, 40, true, "slow")
		h.selectProfile("eds")
		h.press("enter", "c")
		h.clip.Copy("user's own text")
		h.press("q")
		if !h.quit || len(h.clip.clearIfCalls()) != 1 || h.clip.get() != "user's own text" {
			t.Fatalf("quit %v, ClearIf calls %d, clipboard %q", h.quit, len(h.clip.clearIfCalls()), h.clip.get())
		}
	})

	t.Run("nothing pending", func(t *testing.T) {
		h := newHarness(t, 120, 40, true, "slow")
		h.selectProfile("eds")
		h.press("enter", "c")
		h.tick(ClipboardClearAfter * time.Second) // the timer clears it
		h.clip.Copy("user's own text")
		before := len(h.clip.clearIfCalls())
		h.press("q")
		if !h.quit || len(h.clip.clearIfCalls()) != before || h.clip.get() != "user's own text" {
			t.Fatalf("quit %v, ClearIf calls %d (before %d), clipboard %q", h.quit, len(h.clip.clearIfCalls()), before, h.clip.get())
		}
	})
}

// TestClearOnExit: when the program ends without the app's quit (SIGTERM, the context, a
// second ctrl+c while the first clear runs), Run clears a copy that is still pending.
func TestClearOnExit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("enter", "c")
	tok := h.clip.get()
	if err := h.m.clearOnExit(); err != nil {
		t.Fatal(err)
	}
	if got := h.clip.clearIfCalls(); !slices.Equal(got, []string{tok}) || h.clip.get() != "" {
		t.Fatalf("ClearIf calls %q, clipboard %q", got, h.clip.get())
	}
	if err := h.m.clearOnExit(); err != nil || len(h.clip.clearIfCalls()) != 1 {
		t.Fatalf("a second clearOnExit: %v, %d calls", err, len(h.clip.clearIfCalls()))
	}
}
