package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// startWith builds the app on deps prepared by prepare (files written before the first
// load), sized w × hgt.
func startWith(t *testing.T, w, hgt int, prepare func(h *harness)) *harness {
	t.Helper()
	d, h := newDeps(t, true)
	prepare(h)
	h.m = New(d)
	h.width = w
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: w, Height: hgt})
	return h
}

// A broken state.toml (a cache) does not lock the app out: the profiles list, the file is
// set aside, the status line names it once, and a token can still be fetched.
func TestBrokenStateFileDoesNotLockOutTheApp(t *testing.T) {
	h := startWith(t, 120, 40, func(h *harness) {
		if err := os.WriteFile(h.v.State.Path, []byte("schema = 1\n[token\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	h.mustNotContain("cannot read the profiles")
	h.mustContain("eds", "state.toml cannot be read", "set aside as state.toml.broken-")
	if m, _ := filepath.Glob(h.v.State.Path + ".broken-*"); len(m) != 1 {
		t.Fatalf("set aside: %v", m)
	}
	h.selectProfile("eds")
	h.press("enter")
	h.mustNotContain("cannot read the profiles")
	if st, err := h.v.TokenStates(); err != nil || len(st) == 0 {
		t.Fatalf("no token state after a fetch: %v %v", st, err)
	}
	if n := strings.Count(h.view(), "cannot be read"); n != 1 {
		t.Fatalf("said %d times:\n%s", n, h.view())
	}
}
