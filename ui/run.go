package ui

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// Options are the app's settings from the command line.
type Options struct {
	Theme   string
	NoColor bool
	Demo    bool
}

// Run starts the app full-screen on the terminal and returns when the user quits.
func Run(ctx context.Context, b *vault.Broker, opts Options) error {
	name := opts.Theme
	if name == "" {
		name = os.Getenv("OAT_THEME")
	}
	th, err := theme.Lookup(name)
	if err != nil {
		return err
	}
	if err := unlockFirst(ctx, b.Vault); err != nil {
		return err
	}
	noColor := opts.NoColor || os.Getenv("NO_COLOR") != ""
	settleBackground(os.Getenv, noColor)
	m := New(Deps{Broker: b, Clipboard: NewSystemClipboard(), Styles: theme.NewStyles(th, noColor), Demo: opts.Demo})
	// A closed terminal (SIGHUP: a killed tmux session, a closed window) ends the app as
	// q does: Bubble Tea handles only SIGINT and SIGTERM, and without this the process
	// died at once, leaving a copied token in the clipboard and the demo's directory
	// (profiles and encrypted secrets) behind.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGHUP)
	defer stop()
	// 120 frames a second (Bubble Tea's most; 60 by default): a frame is drawn only on
	// the renderer's tick, so the first frame with the profiles, and each key's echo,
	// waits up to one tick less.
	p := tea.NewProgram(m, tea.WithAltScreen(), tea.WithMouseCellMotion(), tea.WithContext(ctx), tea.WithFPS(120))
	final, err := p.Run()
	if fm, ok := final.(Model); ok {
		fm.main.cancelAll()
		if cerr := fm.clearOnExit(); cerr != nil {
			fmt.Fprintln(os.Stderr, "oat:", cerr)
		}
	}
	if err != nil && err != tea.ErrProgramKilled {
		return fmt.Errorf("the terminal app stopped: %w", err)
	}
	return nil
}

// settleBackground decides, before the program takes the terminal, whether the
// background is dark. The environment first (OAT_BACKGROUND=light|dark, or the COLORFGBG
// that many terminals set), so that a terminal that never answers the query (a serial
// console, script(1)) does not hold the first frame for seconds. Otherwise lipgloss asks
// the terminal now: later, Bubble Tea would be reading the answer as keys. Without
// colours the answer would change nothing, so nothing is asked. Only the app asks; the
// commands never do (see ui/third_party/bubbletea/OAT.md).
func settleBackground(getenv func(string) string, noColor bool) {
	if dark, ok := backgroundFromEnv(getenv); ok || noColor {
		lipgloss.SetHasDarkBackground(dark)
		return
	}
	lipgloss.HasDarkBackground() // asks once and keeps the answer
}

// backgroundFromEnv says whether the environment tells a dark background from a light one.
func backgroundFromEnv(getenv func(string) string) (dark, ok bool) {
	switch strings.ToLower(getenv("OAT_BACKGROUND")) {
	case "light":
		return false, true
	case "dark":
		return true, true
	}
	if fgbg := getenv("COLORFGBG"); strings.Contains(fgbg, ";") {
		parts := strings.Split(fgbg, ";")
		if bg, err := strconv.Atoi(parts[len(parts)-1]); err == nil {
			return bg < 7 || bg == 8, true
		}
	}
	return false, false
}
