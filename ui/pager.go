package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/theme"
)

// pager scrolls a screen whose lines may not all fit its height (a one-time key screen
// at 60×20 cut the public key off, with no way to see the rest): ↑/↓ (k/j) by a line,
// pgup/pgdn by a page. window clamps the position to what the lines allow.
type pager struct {
	top  int
	page int // the last window's height, for pgup/pgdn
	// cut says the last window did not hold every line: the help bar names the keys.
	cut bool
}

var (
	pagerUp     = key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "scroll"))
	pagerDown   = key.NewBinding(key.WithKeys("down", "j"))
	pagerPgUp   = key.NewBinding(key.WithKeys("pgup"))
	pagerPgDown = key.NewBinding(key.WithKeys("pgdown"))
)

// key moves the position for a scroll key and says whether msg was one.
func (p *pager) key(msg tea.KeyMsg) bool {
	switch {
	case key.Matches(msg, pagerUp):
		p.top--
	case key.Matches(msg, pagerDown):
		p.top++
	case key.Matches(msg, pagerPgUp):
		p.top -= max(1, p.page-1)
	case key.Matches(msg, pagerPgDown):
		p.top += max(1, p.page-1)
	default:
		return false
	}
	p.top = max(0, p.top)
	return true
}

// window is the lines that fit height from the position, the last row saying what is
// above and below when they do not all fit (height ≤ 0: all of them). width is the
// screen's: the last row fits its content (width-2, as the screens' lines), or the
// frame's margin made that row, and so the whole screen, a column wider than the
// terminal at narrow widths.
func (p *pager) window(st *theme.Styles, lines []string, width, height int) []string {
	lines = strings.Split(strings.Join(lines, "\n"), "\n") // an entry may hold several rows
	if height <= 0 || len(lines) <= height {
		p.top, p.page, p.cut = 0, height, false
		return lines
	}
	p.cut = true
	rows := max(1, height-1)
	p.page = rows
	p.top = min(max(0, p.top), len(lines)-rows)
	out := append([]string{}, lines[p.top:p.top+rows]...)
	below := len(lines) - p.top - rows
	marker := fmt.Sprintf("── lines %d–%d of %d", p.top+1, p.top+rows, len(lines))
	switch {
	case below > 0:
		marker += fmt.Sprintf(" · ↓/pgdn: %d more", below)
	case p.top > 0:
		marker += " · ↑/pgup: back"
	}
	return append(out, st.Subtle.Render(truncateLine(marker, width-2)))
}

// keys adds the scroll key to ks when the last window was cut.
func (p *pager) keys(ks simpleKeys) simpleKeys {
	if p.cut {
		return append(ks, pagerUp)
	}
	return ks
}

// windowUnder is window for the lines under a head that stays in sight (a screen's
// title: which profile the key is for), given the rows the head leaves.
func (p *pager) windowUnder(st *theme.Styles, head, lines []string, width, height int) []string {
	if height > 0 && len(head) >= height {
		return p.window(st, append(head, lines...), width, height) // too small: all of it pages
	}
	return append(append([]string{}, head...), p.window(st, lines, width, height-len(head))...)
}
