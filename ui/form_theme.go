package ui

import (
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/huh"

	"github.com/oatcli/oat/theme"
)

// huhTheme dresses huh's fields in oat's styles: no frame (the form draws the label
// column and the focus mark), the selected option in the accent colour, and ‹ › that
// say a select changes with ←/→ (shown only on the focused select).
func huhTheme(st *theme.Styles) *huh.Theme {
	t := huh.ThemeBase()
	f := &t.Focused
	f.Base = st.Text.UnsetWidth()
	f.Title, f.Description = st.FieldFocused.UnsetWidth(), st.Hint
	f.ErrorIndicator, f.ErrorMessage = st.FieldError, st.FieldError
	f.SelectedOption = st.Accent.Bold(true)
	f.UnselectedOption = st.Text
	f.PrevIndicator = st.Accent.MarginRight(1).SetString("‹")
	f.NextIndicator = st.Accent.MarginLeft(1).SetString("›")
	f.TextInput.Text, f.TextInput.Placeholder = st.Text, st.Subtle
	f.TextInput.Cursor = st.Accent
	t.Blurred = t.Focused
	t.Blurred.Title = st.FieldLabel.UnsetWidth()
	t.Blurred.SelectedOption = st.Text
	// A blurred select is its value alone, aligned with the text fields' values.
	t.Blurred.PrevIndicator, t.Blurred.NextIndicator = st.Text, st.Text
	t.Group.Title, t.Group.Description = st.Title, st.Subtle
	t.Form.Base = st.Text.UnsetWidth()
	t.FieldSeparator = st.Text.SetString("\n")
	return t
}

// huhKeys are the form's field keys: tab, enter and ↓ go to the next field, shift+tab
// and ↑ to the previous, ←/→ (h/l, j/k) change a select. huh's own quit and submit keys
// are off: esc, ctrl+s and enter on the last field are the form screen's.
func huhKeys() *huh.KeyMap {
	k := huh.NewDefaultKeyMap()
	none := key.NewBinding()
	k.Quit = none
	k.Input.Next = key.NewBinding(key.WithKeys("tab", "enter", "down"), key.WithHelp("tab/↓", "next field"))
	k.Input.Prev = key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous"))
	k.Input.Submit, k.Input.AcceptSuggestion = none, none
	s := &k.Select
	s.Next, s.Prev = k.Input.Next, k.Input.Prev
	s.Submit, s.Filter, s.SetFilter, s.ClearFilter = none, none, none, none
	s.HalfPageUp, s.HalfPageDown, s.GotoTop, s.GotoBottom = none, none, none, none
	s.Left = key.NewBinding(key.WithKeys("left", "h", "k"), key.WithHelp("←/→", "change"))
	s.Right = key.NewBinding(key.WithKeys("right", "l", "j", " "), key.WithHelp("←/→", "change"))
	return k
}
