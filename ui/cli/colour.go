package cli

import (
	"bytes"
	"io"
)

// stateColours colour the state words of ls and check on a terminal; the glyph and the
// word stay, so nothing depends on the colour. Applied after the table is aligned (the
// escape sequences would count as width in tabwriter).
var stateColours = []struct {
	word, sgr string
}{
	{"✓ valid", "32"}, {"✓ ok", "32"}, {"! expiring", "33"}, {"⚠", "33"},
	{"✗ expired", "31"}, {"✗ error", "31"}, {"✗ rejected by the API", "31"}, {"✗ FAIL", "31"},
	{"· none", "2"}, {"? no expiry given", "36"},
}

// colourWriter colours the state words in what passes through it.
type colourWriter struct{ w io.Writer }

func (c colourWriter) Write(p []byte) (int, error) {
	out := p
	for _, sc := range stateColours {
		out = bytes.ReplaceAll(out, []byte(sc.word), []byte("\x1b["+sc.sgr+"m"+sc.word+"\x1b[0m"))
	}
	if _, err := c.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// tableOut is where a table goes: coloured on a terminal unless NO_COLOR or --no-color.
func (a *App) tableOut() io.Writer {
	if a.IsTerminal(a.Out) && !a.noColorWanted() && a.Getenv("TERM") != "dumb" {
		return colourWriter{a.Out}
	}
	return a.Out
}
