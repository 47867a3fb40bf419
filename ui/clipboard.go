package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/atotto/clipboard"
	"github.com/aymanbagabas/go-osc52/v2"
	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/term"
)

// ClipboardClearAfter is how long a copied token or secret stays on the clipboard.
const ClipboardClearAfter = 45

// Clipboard puts text on the user's clipboard and takes it off again.
type Clipboard interface {
	// Copy writes s and says where it went ("system clipboard", "terminal (OSC 52)", or both).
	Copy(s string) (via string, err error)
	// ClearIf empties the clipboard if it still holds s. When the clipboard cannot be
	// read (OSC 52 only) it is emptied anyway: better to lose an unrelated copy than to
	// leave a credential behind.
	ClearIf(s string) (cleared bool, err error)
}

// errNoTerminal says there is no terminal to send OSC 52 to.
var errNoTerminal = errors.New("no terminal for OSC 52")

// systemClipboard uses the OS clipboard (xclip, xsel, wl-copy, pbcopy, Windows) where
// one is available, and also OSC 52 on the terminal, which reaches the local clipboard
// over SSH and through tmux.
type systemClipboard struct {
	// terminal opens the terminal for one OSC 52 sequence, or returns errNoTerminal.
	terminal func() (io.WriteCloser, error)
	env      func(string) string
}

// NewSystemClipboard returns the real clipboard. OSC 52 goes to a terminal and nowhere
// else (the sequence carries the token): stderr when it is one, else the controlling
// terminal, /dev/tty, which is where the app draws; with neither, OSC 52 is skipped and
// Copy says so.
func NewSystemClipboard() Clipboard {
	return &systemClipboard{terminal: openTerminal, env: os.Getenv}
}

func openTerminal() (io.WriteCloser, error) {
	if term.IsTerminal(int(os.Stderr.Fd())) {
		return nopCloser{os.Stderr}, nil
	}
	f, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0)
	if err != nil {
		return nil, errNoTerminal
	}
	if !term.IsTerminal(int(f.Fd())) {
		f.Close()
		return nil, errNoTerminal
	}
	return f, nil
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func (c *systemClipboard) osc52(s string) (err error) {
	w, err := c.terminal()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, w.Close()) }()
	if s == "" {
		// OSC 52's own clear ("!") is not base64, and tmux ignores it: the token
		// stayed in tmux's buffer. A single space is base64 every terminal takes, and
		// it replaces what was copied.
		s = " "
	}
	seq := osc52.New(s)
	if c.env("TMUX") != "" {
		if _, err := seq.Tmux().WriteTo(w); err != nil {
			return err
		}
	}
	_, err = seq.WriteTo(w)
	return err
}

func (c *systemClipboard) Copy(s string) (string, error) {
	var via []string
	sysErr := clipboard.WriteAll(s)
	if sysErr == nil {
		via = append(via, "system clipboard")
	}
	switch err := c.osc52(s); {
	case err == nil:
		via = append(via, "terminal (OSC 52)")
	case sysErr != nil:
		return "", fmt.Errorf("no system clipboard (%w), and %w", sysErr, err)
	case errors.Is(err, errNoTerminal):
		via[0] += " (not OSC 52: stderr is not a terminal and there is no /dev/tty)"
	}
	return strings.Join(via, " + "), nil
}

func (c *systemClipboard) ClearIf(s string) (bool, error) {
	if cur, err := clipboard.ReadAll(); err == nil {
		if cur != s {
			return false, nil // the user copied something else since: leave it
		}
		if err := clipboard.WriteAll(""); err != nil {
			return false, err
		}
	}
	if err := c.osc52(""); err != nil && !errors.Is(err, errNoTerminal) {
		return false, err
	}
	if c.env("TMUX") != "" {
		dropTmuxBuffers(s)
	}
	return true, nil
}

// dropTmuxBuffers deletes the tmux paste buffers that hold s: OSC 52 adds a buffer in
// tmux for each copy, and a later one does not remove the earlier, so the token would
// stay in tmux's buffer list. Best effort, bounded in time; s never goes on a command
// line (buffers are read and compared here).
func dropTmuxBuffers(s string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	names, err := exec.CommandContext(ctx, "tmux", "list-buffers", "-F", "#{buffer_name}").Output()
	if err != nil {
		return
	}
	for _, name := range strings.Fields(string(names)) {
		content, err := exec.CommandContext(ctx, "tmux", "show-buffer", "-b", name).Output()
		if err == nil && string(content) == s {
			_ = exec.CommandContext(ctx, "tmux", "delete-buffer", "-b", name).Run()
		}
	}
}

// clipboardMsg reports a copy: where it went, or why it failed.
type clipboardMsg struct {
	what string // "token" or "secret"
	via  string
	err  error
}

// clipboardClearedMsg reports the timed clearing of the clipboard.
type clipboardClearedMsg struct {
	cleared bool
	err     error
}

// clearedBeforeQuitMsg reports the clearing of the clipboard that quitting waits for.
type clearedBeforeQuitMsg struct{ err error }

// copyCmd copies s to the clipboard.
func copyCmd(c Clipboard, what, s string) tea.Cmd {
	return func() tea.Msg {
		via, err := c.Copy(s)
		return clipboardMsg{what: what, via: via, err: err}
	}
}

// replaceCmd takes old off the clipboard (if it still holds it) and copies s: the
// credential copied before does not stay in a tmux buffer once something else is copied.
func replaceCmd(c Clipboard, old, what, s string) tea.Cmd {
	return func() tea.Msg {
		_, _ = c.ClearIf(old) // best effort: the copy below replaces it anyway
		via, err := c.Copy(s)
		return clipboardMsg{what: what, via: via, err: err}
	}
}

// clearClipboardCmd empties the clipboard if it still holds s.
func clearClipboardCmd(c Clipboard, s string) tea.Cmd {
	return func() tea.Msg {
		ok, err := c.ClearIf(s)
		return clipboardClearedMsg{cleared: ok, err: err}
	}
}

// clearBeforeQuitCmd empties the clipboard if it still holds s, on the way out.
func clearBeforeQuitCmd(c Clipboard, s string) tea.Cmd {
	return func() tea.Msg {
		_, err := c.ClearIf(s)
		return clearedBeforeQuitMsg{err: err}
	}
}
