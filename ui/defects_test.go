package ui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// Tests for the defects of issue 12, one or more each, named after the defect.

func burst(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestBurstKeysAreSplitOutsideAField(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.m.main.list.Select(0)
	h.send(burst("jjj"))
	if got := h.m.main.list.Index(); got != 3 {
		t.Fatalf("jjj in one event moved the cursor to %d, want 3", got)
	}
	// / opens the filter; the rest of the burst is typed into it, whole.
	h.send(burst("/dash"))
	if got := h.m.main.list.FilterValue(); got != "dash" {
		t.Fatalf("filter holds %q after /dash in one event", got)
	}
	h.press("enter")
	if n := len(h.m.main.list.VisibleItems()); n != 2 {
		t.Fatalf("%d visible after filtering for dash", n)
	}
	// Inside a field the burst is typed as it is: q does not quit.
	h.press("esc", "a", "tab", "tab")
	h.send(burst("jq?"))
	if h.quit {
		t.Fatal("a burst with q in a field quit the app")
	}
	if got := h.m.overlay.(*formScreen).inputs[fName].Value(); got != "jq?" {
		t.Fatalf("name field holds %q", got)
	}
}
