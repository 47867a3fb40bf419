package ui

import (
	"fmt"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"
)

// openCallOn filters the list down to name and opens its test call.
func openCallOn(t *testing.T, tm *teatest.TestModel, name string) {
	t.Helper()
	sendKeys(tm, "/")
	tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(name)}) // one event: see TestFlowFilter
	sendKeys(tm, "enter")
	waitText(t, tm, "1 of 8")
	sendKeys(tm, "x")
}

// The request editor → save → run again after a restart: the request is edited with
// keys, saved with ctrl+s and sent; a new app over the same config directory and state
// file sends the saved request on x, and pgup shows the history.
func TestFlowRequestEditorSaveAfterRestart(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) { requestEditorFlow(t, sz[0], sz[1]) })
	}
}

func requestEditorFlow(t *testing.T, w, hgt int) {
	tm, h := startFlow(t, w, hgt)
	{
		t.Run("saved and sent", func(t *testing.T) {
			openCallOn(t, tm, "ecoinvent")
			waitText(t, tm, "HTTP 200 OK")
			sendKeys(tm, "e")
			waitText(t, tm, "▸ path")
			sendKeys(tm, "shift+tab", "right", "tab")
			tm.Send(tea.KeyMsg{Type: tea.KeyCtrlU})
			sendKeys(tm, "/orders", "tab", "limit=5", "tab", "Content-Type: application/json", "tab", `{"n": 1`)
			waitText(t, tm, "not valid JSON: line 1, column 7")
			sendKeys(tm, "}", "ctrl+s")
			waitText(t, tm, "saved as the test request of ecoinvent")
			sendKeys(tm, "ctrl+r")
			waitText(t, tm, `"query": "limit=5"`)
			finish(t, tm)
		})
		t.Run("after a restart", func(t *testing.T) {
			tm2 := teatest.NewTestModel(t, New(depsAfterRestart(h)), teatest.WithInitialTermSize(w, hgt))
			t.Cleanup(func() { _ = tm2.Quit() })
			waitText(t, tm2, "dash-production")
			openCallOn(t, tm2, "ecoinvent")
			waitText(t, tm2, `"path": "/api/orders"`)
			sendKeys(tm2, "e", "pgup") // the saved request, the last sent
			waitText(t, tm2, "history 1 of 2")
			finish(t, tm2)
		})
	}
}
