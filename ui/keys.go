package ui

import (
	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
)

// newInput is a text input with a steady cursor: a blinking one redraws the screen
// twice a second for nothing and keeps a command pending forever.
func newInput() textinput.Model {
	in := textinput.New()
	in.Cursor.SetMode(cursor.CursorStatic)
	return in
}

// mainKeys are the keys of the main screen. Bindings are enabled and disabled by state
// (updateKeys) so the help bar shows only keys that work now.
type mainKeys struct {
	Up, Down, Filter, Fetch, Refresh, Cancel, Reveal, Copy, Auto   key.Binding
	Add, Edit, Delete, Inspect, Call, Rotate, CheckAll, Help, Quit key.Binding
}

func newMainKeys() mainKeys {
	return mainKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Fetch:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "token")),
		Refresh:  key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Cancel:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Reveal:   key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal")),
		Copy:     key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Auto:     key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "auto-refresh")),
		Add:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add")),
		Edit:     key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Delete:   key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		Inspect:  key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inspect")),
		Call:     key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "test call")),
		Rotate:   key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "rotate")),
		CheckAll: key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "check all")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp implements help.KeyMap.
func (k mainKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Fetch, k.Refresh, k.Cancel, k.Reveal, k.Copy, k.Add, k.Filter, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k mainKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Filter, k.Help, k.Quit},
		{k.Fetch, k.Refresh, k.Cancel, k.Auto},
		{k.Reveal, k.Copy, k.Inspect, k.Call},
		{k.Add, k.Edit, k.Delete, k.Rotate, k.CheckAll},
	}
}

// simpleKeys is a help.KeyMap from a list of bindings, for the smaller screens.
type simpleKeys []key.Binding

// ShortHelp implements help.KeyMap.
func (s simpleKeys) ShortHelp() []key.Binding { return s }

// FullHelp implements help.KeyMap.
func (s simpleKeys) FullHelp() [][]key.Binding { return [][]key.Binding{s} }

var (
	keyBack     = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back"))
	keyCopy     = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy"))
	keyYes      = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes"))
	keyNo       = key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "no"))
	keyNext     = key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next field"))
	keyPrev     = key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous"))
	keySave     = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save"))
	keyCancel   = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel"))
	keyScrollU  = key.NewBinding(key.WithKeys("up", "k", "pgup"), key.WithHelp("↑/pgup", "scroll"))
	keyScrollD  = key.NewBinding(key.WithKeys("down", "j", "pgdown"), key.WithHelp("↓/pgdn", "scroll"))
	keyVerify   = key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "verify signature"))
	keySend     = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send"))
	keyEditReq  = key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit request"))
	keyCheckOld = key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "check old secret"))
	keyRerun    = key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again"))
	keyCtrlC    = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))
)
