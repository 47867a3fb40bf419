package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// The list screen's panes are sized from their content: the list gets the width its
// names and columns need and, below wideAt, the rows it has; the details take the rest.
// Nothing is padded to fill the screen, and a scroll position ("3–7 of 12") replaces the
// list's page dots when not every row fits.

// Fixed columns of a row: the token state and the secret's age.
const (
	stateColW = 11
	ageColW   = 6
	// minDetailsW is the narrowest details pane beside the list.
	minDetailsW = 44
)

// rowWidth is the width of a row with a name column of nameW and an environment column
// of envW (0: none): the cursor mark, the columns and the spaces between them.
func rowWidth(nameW, envW int) int {
	w := 2 + nameW + 1 + stateColW + 1 + ageColW
	if envW > 0 {
		w += envW + 1
	}
	return w
}

// contentColumns are the widths the names and environments need (names at most 40, the
// environment at most 14 cells).
func contentColumns(ps []vault.Profile) (nameW, envW int) {
	nameW = 8
	for _, p := range ps {
		nameW = max(nameW, min(40, ansi.StringWidth(widthSafe(oauth.OneLine(p.Name)))))
		if p.Environment != "" {
			envW = max(envW, min(14, ansi.StringWidth(widthSafe(oauth.OneLine(p.Environment)))))
		}
		if isProduction(p.Environment) {
			envW = max(envW, min(14, 2+ansi.StringWidth(p.Environment)))
		}
	}
	return nameW, envW
}

// layout sizes the list (and the columns of its rows) for the terminal and the content.
func (l *listScreen) layout() {
	w := max(20, l.width-2)
	bodyH := max(3, l.height-3) // less the status and help lines, and the header
	// The list's own title line shows only the filter being typed.
	l.list.SetShowFilter(l.list.SettingFilter())
	filterH := 0
	if l.list.SettingFilter() {
		filterH = 1
	}
	n := len(l.rowLines()) // the rows and, grouped, their headings
	nameW, envW := contentColumns(l.profiles)
	if l.width >= wideAt {
		if over := rowWidth(nameW, envW) - (w - 2 - minDetailsW); over > 0 {
			nameW = max(12, nameW-over)
		}
		l.rows.nameW, l.rows.envW = nameW, envW
		lh := bodyH
		if n+filterH > lh {
			lh-- // the scroll position
		}
		l.list.SetSize(rowWidth(nameW, envW), lh)
		l.follow()
		return
	}
	if w < 56 { // the name needs the room more than the environment
		envW = 0
	}
	l.rows.nameW, l.rows.envW = max(6, w-rowWidth(0, envW)), envW
	if size := l.width<<16 | l.height; l.reserveFor != size {
		// Another size (or new profiles): measure again, over every profile when there
		// are few, so the height does not change when the cursor first meets a taller one.
		l.reserve, l.reserveFor = 0, size
		if len(l.profiles) <= 100 {
			for _, p := range l.profiles {
				l.reserve = max(l.reserve, detailsReserve(l.detailLines(p, w, 0), p))
			}
		}
	}
	if p, ok := l.selected(); ok {
		l.reserve = max(l.reserve, detailsReserve(l.detailLines(p, w, 0), p))
	}
	rows := min(n, max(bodyH-1-l.reserve, min(n, 3)))
	l.list.SetSize(w, max(1, rows)+filterH)
	l.follow()
}

// detailsReserve is the height the details of p need at least: their lines without the
// notes, and one line of notes (ending in … when they go on) so that notes never vanish.
func detailsReserve(lines []string, p vault.Profile) int {
	n := len(splitLines(lines))
	if p.Notes != "" {
		n++
	}
	return n
}

// splitLines makes each line its own element (a wrapped block holds several).
func splitLines(lines []string) []string { return strings.Split(strings.Join(lines, "\n"), "\n") }

// narrowBody is the list above the details, with the scroll position in the rule
// between them.
func (l *listScreen) narrowBody(p vault.Profile, w, h int) string {
	listView := l.rowsView()
	rule := strings.Repeat("─", w)
	if pos := l.scrollPos(); pos != "" {
		rule = "── " + pos + " " + strings.Repeat("─", max(0, w-4-ansi.StringWidth(pos)))
	}
	rest := h - lipgloss.Height(listView) - 1
	// The notes get the lines the rest leaves (the last ends in … when they go on), and
	// go first when there are none.
	lines := splitLines(l.detailLines(p, w, 0))
	if room := rest - len(lines); room > 0 {
		lines = splitLines(l.detailLines(p, w, room))
	}
	if len(lines) > rest {
		// Then the profile's fields: the token's state and what to do about it
		// (an error's hint, "enter tries again") matter more in a small window.
		// The lines the panel leaves over show as many of the fields as fit (the
		// panel is short before a token arrives), so none stands blank.
		panel := splitLines(l.tokenPanel(p, w))
		fields := lines[1:max(1, len(lines)-1-len(panel))] // title, fields, "", panel
		fields = fields[:min(len(fields), max(0, rest-1-len(panel)))]
		lines = append(append([]string{lines[0]}, fields...), panel...)
	}
	if len(lines) > rest {
		lines = lines[:max(0, rest)]
	}
	return listView + "\n" + l.st.Subtle.Render(rule) + "\n" + strings.Join(lines, "\n")
}

// wideBody is the list with the details beside it in a pane as tall as its content.
func (l *listScreen) wideBody(p vault.Profile, w, h int) string {
	left := l.rowsView()
	if pos := l.scrollPos(); pos != "" {
		left += "\n" + l.st.Subtle.Render("  "+pos)
	}
	dw := w - l.list.Width() - 2
	lines := splitLines(l.detailLines(p, dw-4, 0))
	if room := h - 2 - len(lines); room > 0 {
		lines = splitLines(l.detailLines(p, dw-4, room)) // as many lines of notes as fit
	}
	if len(lines) > h-2 {
		lines = lines[:max(0, h-2)]
	}
	pane := l.st.Pane.Width(dw - 2).Render(strings.Join(lines, "\n"))
	return lipgloss.JoinHorizontal(lipgloss.Top, left, "  ", pane)
}

// revealView is the revealed token alone, wrapped to the whole width: the list and the
// pane borders would otherwise sit on its lines and come along when it is selected
// with the mouse (mouse reporting is off meanwhile, so the terminal selects).
func (l *listScreen) revealView(p vault.Profile, s *tokenSlot, w, h int) string {
	st := l.st
	head := st.PaneHead.Render(oauth.OneLine(p.Name)) + st.Warn.Render(fmt.Sprintf("  token revealed, %d chars", len(s.tok.AccessToken)))
	if exp := s.tok.ExpiresAt; !exp.IsZero() && !l.now().Before(exp) {
		head += st.Bad.Render("  ✗ expired " + oauth.ShortDuration(l.now().Sub(exp)) + " ago")
	}
	lines := []string{
		truncateLine(head, w),
		truncateLine(st.Subtle.Render("o: on one line to select with the mouse · c copies it · v hides it"), w),
	}
	body := wrapHard(s.tok.AccessToken, w)
	if len(lines)+1+len(body) <= h {
		lines = append(lines, "")
	}
	var more string
	if len(lines)+len(body) > h {
		// A window too small for the whole token says how much is missing and where
		// to see it, rather than ending as if that were all.
		keep := max(1, h-len(lines)-1)
		more = truncateLine(st.Warn.Render(fmt.Sprintf("… %d more lines · o shows it all", len(body)-keep)), w)
		body = body[:keep]
	}
	for _, line := range body {
		lines = append(lines, st.Text.Render(line))
	}
	if more != "" {
		lines = append(lines, more)
	}
	return strings.Join(lines, "\n")
}

// clickRow selects the row at the cell (x, y) of the terminal, if there is one.
func (l *listScreen) clickRow(x, y int) {
	if i, ok := l.rowAt(x, y); ok {
		l.list.Select(i)
	}
}

// overRows says whether the pointer at (x, y) is over the rows (a row or the blank
// below the last): the wheel moves them there, and nothing over the details.
func (l *listScreen) overRows(x, y int) bool {
	_, ok := l.rowAt(x, y)
	return ok || (x >= 1 && x <= l.list.Width() && y >= 1 && y <= l.perPage()+1)
}
