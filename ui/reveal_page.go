package ui

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"golang.org/x/term"

	"github.com/oatcli/oat/oauth"
)

// unwrappedPage shows a revealed token alone, written as one line that the terminal
// wraps itself, so that a mouse selection copies it without line breaks: Bubble Tea cuts
// every line of a frame at the width, so inside the app a long token must be broken
// into lines, and those breaks come along when it is selected. The page runs while the
// app has released the terminal (tea.Exec), on an alternate screen of its own, which
// keeps no scrollback: leaving it leaves nothing behind.
type unwrappedPage struct {
	title, token string
	in           io.Reader
	out          io.Writer
}

// SetStdin, SetStdout and SetStderr implement tea.ExecCommand.
func (u *unwrappedPage) SetStdin(r io.Reader)  { u.in = r }
func (u *unwrappedPage) SetStdout(w io.Writer) { u.out = w }
func (u *unwrappedPage) SetStderr(io.Writer)   {}

// Run implements tea.ExecCommand: the page, until enter, q or esc.
func (u *unwrappedPage) Run() error {
	// Raw mode before anything is shown: a key typed meanwhile is neither echoed nor
	// held back until enter.
	if f, ok := u.in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if old, err := term.MakeRaw(int(f.Fd())); err == nil {
			defer func() { _ = term.Restore(int(f.Fd()), old) }()
		}
	}
	// The token passed the character checks when it was received; OneLine is a second
	// guard, since this text goes to the terminal raw.
	hint := "select it with the mouse · enter, q or esc goes back (the page is cleared)"
	if f, ok := u.out.(*os.File); ok {
		// A window too small for the whole token would scroll its start away, unseen.
		if w, h, err := term.GetSize(int(f.Fd())); err == nil && w > 0 && 4+(len(u.token)+w-1)/w > h {
			fmt.Fprint(u.out, "\x1b[?1049h\x1b[H\x1b[2J"+fmt.Sprintf("the window is too small for the whole token (%d chars, %d rows at this width): make it larger, or use c to copy it\r\n\r\nenter, q or esc goes back\r\n", len(u.token), (len(u.token)+w-1)/w))
			defer fmt.Fprint(u.out, "\x1b[H\x1b[2J\x1b[?1049l")
			return u.waitKey()
		}
	}
	fmt.Fprint(u.out, "\x1b[?1049h\x1b[H\x1b[2J"+oauth.OneLine(u.title)+"\r\n\r\n"+oauth.OneLine(u.token)+"\r\n\r\n"+hint+"\r\n")
	defer fmt.Fprint(u.out, "\x1b[H\x1b[2J\x1b[?1049l")
	return u.waitKey()
}

// errInterrupted is ctrl+c pressed on the page.
var errInterrupted = errors.New("interrupted")

// waitKey waits for enter, q, esc or ctrl+c (Run put a terminal in raw mode: Bubble
// Tea gives it back in its cooked mode).
func (u *unwrappedPage) waitKey() error {
	if u.in == nil {
		return nil
	}
	buf := make([]byte, 64)
	for {
		n, err := u.in.Read(buf)
		for _, b := range buf[:n] {
			switch b {
			case 0x03:
				return errInterrupted
			case '\r', '\n', 'q', 'Q', 0x1b:
				return nil
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// unwrappedFor is the page for the token held in s, saying when it has expired.
func unwrappedFor(name string, s *tokenSlot, now time.Time) *unwrappedPage {
	title := fmt.Sprintf("%s: token, %d chars", name, len(s.tok.AccessToken))
	if exp := s.tok.ExpiresAt; !exp.IsZero() && !now.Before(exp) {
		title += ", EXPIRED " + oauth.ShortDuration(now.Sub(exp)) + " ago: an API refuses it"
	}
	return &unwrappedPage{title: title, token: s.tok.AccessToken}
}

// showUnwrapped opens the page for the token held in s.
func showUnwrapped(name string, s *tokenSlot, now time.Time) tea.Cmd {
	page := unwrappedFor(name, s, now)
	return tea.Exec(page, func(err error) tea.Msg {
		if errors.Is(err, errInterrupted) {
			return tea.KeyMsg{Type: tea.KeyCtrlC} // as everywhere: ctrl+c quits (asking first while work runs)
		}
		if err != nil {
			return statusMsg{text: "the token page failed: " + oauth.OneLine(err.Error()), bad: true}
		}
		return nil
	})
}
