package ui

import (
	"errors"
	"io"
	"os"
	"strings"

	"github.com/atotto/clipboard"
	"github.com/aymanbagabas/go-osc52/v2"
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

// systemClipboard uses the OS clipboard (xclip, xsel, wl-copy, pbcopy, Windows) where
// one is available, and always also OSC 52 on the terminal, which reaches the local
// clipboard over SSH and through tmux.
type systemClipboard struct {
	tty io.Writer
	env func(string) string
}

// NewSystemClipboard returns the real clipboard; OSC 52 goes to tty (the terminal).
func NewSystemClipboard(tty io.Writer) Clipboard {
	return &systemClipboard{tty: tty, env: os.Getenv}
}

func (c *systemClipboard) osc52(s string) error {
	seq := osc52.New(s)
	if s == "" {
		seq = osc52.Clear()
	}
	if c.env("TMUX") != "" {
		if _, err := seq.Tmux().WriteTo(c.tty); err != nil {
			return err
		}
	}
	_, err := seq.WriteTo(c.tty)
	return err
}

func (c *systemClipboard) Copy(s string) (string, error) {
	var via []string
	sysErr := clipboard.WriteAll(s)
	if sysErr == nil {
		via = append(via, "system clipboard")
	}
	if err := c.osc52(s); err == nil {
		via = append(via, "terminal (OSC 52)")
	} else if sysErr != nil {
		return "", errors.Join(sysErr, err)
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
	return true, c.osc52("")
}
