package ui

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
)

// Options are the app's settings from the command line.
type Options struct {
	Theme   string
	NoColor bool
	Demo    bool
}

// Run starts the app full-screen on the terminal and returns when the user quits.
func Run(ctx context.Context, b *oauth.Broker, opts Options) error {
	name := opts.Theme
	if name == "" {
		name = os.Getenv("OAT_THEME")
	}
	th, err := theme.Lookup(name)
	if err != nil {
		return err
	}
	noColor := opts.NoColor || os.Getenv("NO_COLOR") != ""
	setBackground(os.Getenv)
	m := New(Deps{Broker: b, Clipboard: NewSystemClipboard(os.Stderr), Styles: theme.NewStyles(th, noColor), Demo: opts.Demo})
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx))
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		fm.cancelAll()
	}
	if err != nil && err != tea.ErrProgramKilled {
		return fmt.Errorf("the terminal app stopped: %w", err)
	}
	return nil
}

// setBackground tells lipgloss whether the background is dark when the environment
// says so (OAT_BACKGROUND=light|dark, or the COLORFGBG that many terminals set), so it
// need not ask the terminal: a terminal that never answers that query (a serial
// console, script(1)) would otherwise hold the first frame for seconds.
func setBackground(getenv func(string) string) {
	switch strings.ToLower(getenv("OAT_BACKGROUND")) {
	case "light":
		lipgloss.SetHasDarkBackground(false)
		return
	case "dark":
		lipgloss.SetHasDarkBackground(true)
		return
	}
	if fgbg := getenv("COLORFGBG"); strings.Contains(fgbg, ";") {
		parts := strings.Split(fgbg, ";")
		if bg, err := strconv.Atoi(parts[len(parts)-1]); err == nil {
			lipgloss.SetHasDarkBackground(bg < 7 || bg == 8)
		}
	}
}
