package ui

import (
	"context"
	"fmt"
	"os"

	tea "github.com/charmbracelet/bubbletea"
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
