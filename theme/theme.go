// Package theme holds oat's colours and the styles built from them. It is the only place
// colours are chosen: screens take a *Styles and never build style literals of their own.
// State is never shown by colour alone: every state also has a glyph or a word. It
// imports nothing of oat; only the front ends use it.
package theme

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
)

// Theme is a set of adaptive colours (light and dark background variants).
type Theme struct {
	Name    string
	Text    lipgloss.AdaptiveColor
	Muted   lipgloss.AdaptiveColor
	Accent  lipgloss.AdaptiveColor
	Border  lipgloss.AdaptiveColor
	OK      lipgloss.AdaptiveColor
	Warn    lipgloss.AdaptiveColor
	Bad     lipgloss.AdaptiveColor
	Info    lipgloss.AdaptiveColor
	SelectB lipgloss.AdaptiveColor // selected row background
	SelectF lipgloss.AdaptiveColor // selected row foreground
	// JSON syntax colours.
	JSONKey, JSONString, JSONNumber, JSONLiteral lipgloss.AdaptiveColor
}

// Default is oat's own theme: calm, readable on light and dark terminals.
var Default = Theme{
	Name:        "default",
	Text:        lipgloss.AdaptiveColor{Light: "#1f2328", Dark: "#e6edf3"},
	Muted:       lipgloss.AdaptiveColor{Light: "#656d76", Dark: "#8b949e"},
	Accent:      lipgloss.AdaptiveColor{Light: "#8250df", Dark: "#c297ff"},
	Border:      lipgloss.AdaptiveColor{Light: "#d0d7de", Dark: "#3d444d"},
	OK:          lipgloss.AdaptiveColor{Light: "#1a7f37", Dark: "#3fb950"},
	Warn:        lipgloss.AdaptiveColor{Light: "#9a6700", Dark: "#d29922"},
	Bad:         lipgloss.AdaptiveColor{Light: "#cf222e", Dark: "#f85149"},
	Info:        lipgloss.AdaptiveColor{Light: "#0969da", Dark: "#58a6ff"},
	SelectB:     lipgloss.AdaptiveColor{Light: "#ddf4ff", Dark: "#1f3a5f"},
	SelectF:     lipgloss.AdaptiveColor{Light: "#0a3069", Dark: "#ffffff"},
	JSONKey:     lipgloss.AdaptiveColor{Light: "#0550ae", Dark: "#79c0ff"},
	JSONString:  lipgloss.AdaptiveColor{Light: "#0a3069", Dark: "#a5d6ff"},
	JSONNumber:  lipgloss.AdaptiveColor{Light: "#953800", Dark: "#ffa657"},
	JSONLiteral: lipgloss.AdaptiveColor{Light: "#8250df", Dark: "#d2a8ff"},
}

// HighContrast uses pure colours at full strength, for low vision and washed-out screens.
var HighContrast = Theme{
	Name:        "high-contrast",
	Text:        lipgloss.AdaptiveColor{Light: "#000000", Dark: "#ffffff"},
	Muted:       lipgloss.AdaptiveColor{Light: "#000000", Dark: "#ffffff"},
	Accent:      lipgloss.AdaptiveColor{Light: "#0000ff", Dark: "#ffff00"},
	Border:      lipgloss.AdaptiveColor{Light: "#000000", Dark: "#ffffff"},
	OK:          lipgloss.AdaptiveColor{Light: "#006400", Dark: "#00ff00"},
	Warn:        lipgloss.AdaptiveColor{Light: "#8b4500", Dark: "#ffa500"},
	Bad:         lipgloss.AdaptiveColor{Light: "#b00000", Dark: "#ff4040"},
	Info:        lipgloss.AdaptiveColor{Light: "#00008b", Dark: "#00ffff"},
	SelectB:     lipgloss.AdaptiveColor{Light: "#000000", Dark: "#ffffff"},
	SelectF:     lipgloss.AdaptiveColor{Light: "#ffffff", Dark: "#000000"},
	JSONKey:     lipgloss.AdaptiveColor{Light: "#00008b", Dark: "#00ffff"},
	JSONString:  lipgloss.AdaptiveColor{Light: "#006400", Dark: "#00ff00"},
	JSONNumber:  lipgloss.AdaptiveColor{Light: "#8b4500", Dark: "#ffa500"},
	JSONLiteral: lipgloss.AdaptiveColor{Light: "#b00000", Dark: "#ff80ff"},
}

// Solarized is a softer theme after Ethan Schoonover's palette.
var Solarized = Theme{
	Name:        "solarized",
	Text:        lipgloss.AdaptiveColor{Light: "#586e75", Dark: "#93a1a1"},
	Muted:       lipgloss.AdaptiveColor{Light: "#93a1a1", Dark: "#586e75"},
	Accent:      lipgloss.AdaptiveColor{Light: "#6c71c4", Dark: "#6c71c4"},
	Border:      lipgloss.AdaptiveColor{Light: "#eee8d5", Dark: "#073642"},
	OK:          lipgloss.AdaptiveColor{Light: "#859900", Dark: "#859900"},
	Warn:        lipgloss.AdaptiveColor{Light: "#b58900", Dark: "#b58900"},
	Bad:         lipgloss.AdaptiveColor{Light: "#dc322f", Dark: "#dc322f"},
	Info:        lipgloss.AdaptiveColor{Light: "#268bd2", Dark: "#268bd2"},
	SelectB:     lipgloss.AdaptiveColor{Light: "#eee8d5", Dark: "#073642"},
	SelectF:     lipgloss.AdaptiveColor{Light: "#073642", Dark: "#eee8d5"},
	JSONKey:     lipgloss.AdaptiveColor{Light: "#268bd2", Dark: "#268bd2"},
	JSONString:  lipgloss.AdaptiveColor{Light: "#2aa198", Dark: "#2aa198"},
	JSONNumber:  lipgloss.AdaptiveColor{Light: "#cb4b16", Dark: "#cb4b16"},
	JSONLiteral: lipgloss.AdaptiveColor{Light: "#d33682", Dark: "#d33682"},
}

// Themes lists the themes by name.
var Themes = map[string]Theme{Default.Name: Default, HighContrast.Name: HighContrast, Solarized.Name: Solarized}

// Names lists the theme names, sorted.
func Names() []string {
	var n []string
	for k := range Themes {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Lookup returns the theme called name ("" is the default).
func Lookup(name string) (Theme, error) {
	if name == "" {
		return Default, nil
	}
	t, ok := Themes[strings.ToLower(name)]
	if !ok {
		return Theme{}, fmt.Errorf("unknown theme %q: choose one of %s", name, strings.Join(Names(), ", "))
	}
	return t, nil
}

// Styles are every style the app uses, built from one Theme.
type Styles struct {
	Theme Theme
	// NoColor is set when colours are off (NO_COLOR): styles keep bold and reverse only.
	NoColor bool

	App      lipgloss.Style
	Title    lipgloss.Style
	Subtle   lipgloss.Style
	Text     lipgloss.Style
	Label    lipgloss.Style
	Accent   lipgloss.Style
	Pane     lipgloss.Style
	PaneHead lipgloss.Style

	Row         lipgloss.Style
	RowSelected lipgloss.Style
	RowDim      lipgloss.Style

	OK   lipgloss.Style
	Warn lipgloss.Style
	Bad  lipgloss.Style
	Info lipgloss.Style

	Secret    lipgloss.Style // the one-time secret, framed
	Banner    lipgloss.Style // a warning banner
	ErrorLine lipgloss.Style
	Hint      lipgloss.Style
	Key       lipgloss.Style // a key in prose: "press c"

	FieldLabel   lipgloss.Style
	FieldFocused lipgloss.Style
	FieldError   lipgloss.Style

	// The lifetime bar's filled part in its three states, and its empty part.
	BarOK, BarWarn, BarBad, BarEmpty lipgloss.Style

	JSONKey, JSONString, JSONNumber, JSONLiteral lipgloss.Style
	// Match is a search match in a body; MatchCurrent the one the search stands on.
	Match, MatchCurrent lipgloss.Style
}

// NewStyles builds the styles of theme t. With noColor every colour is dropped and state
// relies on glyphs, words, bold and reverse video.
func NewStyles(t Theme, noColor bool) *Styles {
	c := func(col lipgloss.AdaptiveColor) lipgloss.TerminalColor {
		if noColor {
			return lipgloss.NoColor{}
		}
		return col
	}
	base := lipgloss.NewStyle()
	s := &Styles{Theme: t, NoColor: noColor}
	s.App = base.Padding(0, 1)
	s.Title = base.Bold(true).Foreground(c(t.Accent))
	s.Subtle = base.Foreground(c(t.Muted))
	s.Text = base.Foreground(c(t.Text))
	s.Label = base.Foreground(c(t.Muted)).Width(11)
	s.Accent = base.Foreground(c(t.Accent))
	s.Pane = base.Border(lipgloss.RoundedBorder()).BorderForeground(c(t.Border)).Padding(0, 1)
	s.PaneHead = base.Bold(true).Foreground(c(t.Accent))
	s.Row = base.Foreground(c(t.Text))
	s.RowSelected = base.Bold(true).Foreground(c(t.SelectF)).Background(c(t.SelectB))
	if noColor {
		s.RowSelected = base.Reverse(true)
	}
	s.RowDim = base.Foreground(c(t.Muted))
	s.OK = base.Foreground(c(t.OK))
	s.Warn = base.Foreground(c(t.Warn)).Bold(true)
	s.Bad = base.Foreground(c(t.Bad)).Bold(true)
	s.Info = base.Foreground(c(t.Info))
	s.Secret = base.Bold(true).Border(lipgloss.DoubleBorder()).BorderForeground(c(t.Warn)).Padding(0, 1)
	s.Banner = base.Bold(true).Foreground(c(t.Warn))
	s.ErrorLine = base.Foreground(c(t.Bad))
	s.Hint = base.Foreground(c(t.Muted)).Italic(true)
	s.Key = base.Bold(true).Foreground(c(t.Accent))
	s.FieldLabel = base.Foreground(c(t.Muted)).Width(16)
	s.FieldFocused = base.Bold(true).Foreground(c(t.Accent)).Width(16)
	s.FieldError = base.Foreground(c(t.Bad))
	s.BarOK, s.BarWarn, s.BarBad = base.Foreground(c(t.OK)), base.Foreground(c(t.Warn)), base.Foreground(c(t.Bad))
	s.BarEmpty = base.Foreground(c(t.Border))
	s.JSONKey, s.JSONString = base.Foreground(c(t.JSONKey)), base.Foreground(c(t.JSONString))
	s.JSONNumber, s.JSONLiteral = base.Foreground(c(t.JSONNumber)), base.Foreground(c(t.JSONLiteral))
	s.Match = base.Reverse(true)
	s.MatchCurrent = base.Reverse(true).Bold(true).Foreground(c(t.Warn))
	if noColor {
		// NO_COLOR bans colour, not attributes, but lipgloss then renders for plain
		// text and drops reverse video too: a search match would not show. These two
		// are rendered for the ANSI profile, with no colour in them.
		r := lipgloss.NewRenderer(io.Discard)
		r.SetColorProfile(termenv.ANSI)
		s.Match = r.NewStyle().Reverse(true)
		s.MatchCurrent = r.NewStyle().Reverse(true).Bold(true)
	}
	return s
}
