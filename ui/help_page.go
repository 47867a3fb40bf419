package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
)

// The full help (?) is a page of its own in place of the screen: its groups of keys flow
// into as many columns as fit the width, then the page scrolls (j/k, pgup/pgdn) with its
// position shown, so every key can be read even at 40×10. bubbles' FullHelpView puts
// every group side by side on one row and cuts what does not fit with "…".

// helpColGap is the space between two columns of the full help.
const helpColGap = 3

// fullHelpLines are the groups of km laid out in columns within w cells.
func (m Model) fullHelpLines(km help.KeyMap, w int) []string {
	var cols [][]string
	var widths []int
	for _, group := range km.FullHelp() {
		var bs []key.Binding
		keyW := 0
		for _, b := range group {
			// Every key, also those that do nothing right now (the full help is where
			// a key is looked up); those are drawn dim.
			if b.Help().Key != "" {
				bs = append(bs, b)
				keyW = max(keyW, ansi.StringWidth(b.Help().Key))
			}
		}
		if len(bs) == 0 {
			continue
		}
		col, cw := make([]string, 0, len(bs)), 0
		for _, b := range bs {
			k := b.Help().Key
			keyStyle := m.st.Key
			if !b.Enabled() {
				keyStyle = m.st.Subtle
			}
			line := keyStyle.Render(k) + strings.Repeat(" ", keyW-ansi.StringWidth(k)+1) + m.st.Subtle.Render(b.Help().Desc)
			line = truncateLine(line, w)
			cw = max(cw, ansi.StringWidth(line))
			col = append(col, line)
		}
		cols, widths = append(cols, col), append(widths, cw)
	}
	var out []string
	for i := 0; i < len(cols); {
		// A band: as many columns as fit side by side (at least one).
		j, used := i+1, widths[i]
		for j < len(cols) && used+helpColGap+widths[j] <= w {
			used += helpColGap + widths[j]
			j++
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		rows := 0
		for _, c := range cols[i:j] {
			rows = max(rows, len(c))
		}
		for r := 0; r < rows; r++ {
			var b strings.Builder
			for c := i; c < j; c++ {
				cell := ""
				if r < len(cols[c]) {
					cell = cols[c][r]
				}
				if c < j-1 {
					cell += strings.Repeat(" ", widths[c]-ansi.StringWidth(cell)+helpColGap)
				}
				b.WriteString(cell)
			}
			out = append(out, strings.TrimRight(b.String(), " "))
		}
		i = j
	}
	return out
}

// helpPageHeight is how many lines of the full help the page shows: the terminal less
// the status line (up to three for a failure) and the page's own bottom line.
func (m Model) helpPageHeight() int { return max(1, m.height-1-lipgloss.Height(m.statusLine())) }

// helpMaxTop is the last scroll offset of the full help.
func (m Model) helpMaxTop() int {
	return max(0, len(m.fullHelpLines(m.keyMap(), m.width-2))-m.helpPageHeight())
}

// helpKey handles a key while the full help is open: the scroll keys move it (true);
// any other key closes it (false: the key then acts on the screen, which is back).
func (m *Model) helpKey(msg tea.KeyMsg) bool {
	page := m.helpPageHeight()
	switch {
	case key.Matches(msg, m.keys.HelpUp):
		m.helpTop--
	case key.Matches(msg, m.keys.HelpDown):
		m.helpTop++
	case key.Matches(msg, m.keys.HelpPgUp):
		m.helpTop -= page
	case key.Matches(msg, m.keys.HelpPgDown):
		m.helpTop += page
	default:
		m.fullHelp = false
		return false
	}
	m.helpTop = max(0, min(m.helpTop, m.helpMaxTop()))
	return true
}

// helpPage is the full help at the current scroll offset, and its bottom line: the
// position when it does not all fit, and how to leave.
func (m Model) helpPage(km help.KeyMap) (body, bottom string) {
	lines := m.fullHelpLines(km, m.width-2)
	h := m.helpPageHeight()
	top := max(0, min(m.helpTop, len(lines)-h))
	shown := lines[top:min(len(lines), top+h)]
	forms := []string{"? or esc closes the help"}
	if len(lines) > h {
		pos := fmt.Sprintf("%d–%d of %d", top+1, top+len(shown), len(lines))
		forms = []string{"keys " + pos + " · j/k pgup/pgdn scroll · ? or esc closes", pos + " · j/k scroll · ? closes", pos + " · j/k · ?"}
	}
	bottom = forms[len(forms)-1]
	for _, f := range forms {
		if ansi.StringWidth(f) <= m.width-2 {
			bottom = f
			break
		}
	}
	return strings.Join(shown, "\n"), truncateLine(m.st.Subtle.Render(bottom), m.width-2)
}
