package ui

import (
	"io"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/oatcli/oat/theme"
)

// newInput is a text input with a steady cursor: a blinking one redraws the screen
// twice a second for nothing and keeps a command pending forever.
func newInput(st *theme.Styles) textinput.Model {
	in := textinput.New()
	setCursor(&in.Cursor, st)
	return in
}

// setCursor makes c steady and visible: in reverse video, which needs no colour. Under
// NO_COLOR lipgloss renders for the plain-text profile and drops every attribute,
// reverse included, which left text fields without a cursor; this one style is
// rendered for the ANSI profile, with no colour in it.
func setCursor(c *cursor.Model, st *theme.Styles) {
	c.SetMode(cursor.CursorStatic)
	if st.NoColor {
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.ANSI)
		c.Style = r.NewStyle().Reverse(true)
	}
}

// globalKeys work on every screen; the root handles them.
type globalKeys struct {
	// Help toggles the full help (unless a field has focus); Quit (q) quits from the
	// list; Interrupt (ctrl+c) quits from anywhere.
	Help, Quit, Interrupt key.Binding
	// CloseHelp (esc) closes the full help, as q does.
	CloseHelp key.Binding
	// HelpUp, HelpDown, HelpPgUp and HelpPgDown scroll the full help (help_page.go).
	HelpUp, HelpDown, HelpPgUp, HelpPgDown key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Help:       key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:       key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Interrupt:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		CloseHelp:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "close help")),
		HelpUp:     key.NewBinding(key.WithKeys("k", "up")),
		HelpDown:   key.NewBinding(key.WithKeys("j", "down")),
		HelpPgUp:   key.NewBinding(key.WithKeys("pgup", "b")),
		HelpPgDown: key.NewBinding(key.WithKeys("pgdown", "f", " ")),
	}
}

// withGlobalKeys is the open screen's help with the global keys added: in the short
// bar on the list (where q quits), in the full help everywhere.
type withGlobalKeys struct {
	screen interface {
		ShortHelp() []key.Binding
		FullHelp() [][]key.Binding
	}
	global globalKeys
	onList bool
}

// ShortHelp implements help.KeyMap.
func (k withGlobalKeys) ShortHelp() []key.Binding {
	short := k.screen.ShortHelp()
	return append(short[:len(short):len(short)], k.globalShort()...)
}

// globalShort are the global keys of the short help: ? and q on the list (unless the
// filter is typed: they type into it).
func (k withGlobalKeys) globalShort() []key.Binding {
	if k.onList {
		return []key.Binding{k.global.Help, k.global.Quit}
	}
	return nil
}

// FullHelp implements help.KeyMap.
func (k withGlobalKeys) FullHelp() [][]key.Binding {
	quit := k.global.Interrupt
	if k.onList {
		quit = k.global.Quit
	}
	return append(k.screen.FullHelp(), []key.Binding{k.global.Help, quit})
}

// simpleKeys is a help.KeyMap from a list of bindings, for the smaller screens.
type simpleKeys []key.Binding

// ShortHelp implements help.KeyMap.
func (s simpleKeys) ShortHelp() []key.Binding { return s }

// FullHelp implements help.KeyMap.
func (s simpleKeys) FullHelp() [][]key.Binding { return [][]key.Binding{s} }

// Bindings shared by several screens: one binding per meaning.
var (
	// keyBack leaves a screen (or cancels what is in flight on it). q is back too:
	// it goes back one level, and quits only from the list.
	keyBack = key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc/q", "back"))
	// keyQ is q alone, for a screen that asks before q stops its work.
	keyQ = key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "back"))
	// keyCopy copies what the screen shows (the one-time secret).
	keyCopy = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy"))
	// keyScrollU / keyScrollD scroll a viewport.
	keyScrollU = key.NewBinding(key.WithKeys("up", "k", "pgup"), key.WithHelp("↑/pgup", "scroll"))
	keyScrollD = key.NewBinding(key.WithKeys("down", "j", "pgdown"), key.WithHelp("↓/pgdn", "scroll"))
)
