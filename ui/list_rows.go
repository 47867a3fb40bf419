package ui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/list"

	"github.com/oatcli/oat/oauth"
)

// The rows are drawn here rather than by bubbles' list, which pages a screen at a time
// (a jump of a whole page loses the reader's place) and has no lines that are not
// items (the environment headings). The list still owns the items, the cursor and the
// filter.

// rowLine is one line of the rows: a profile (item, its index among the visible items)
// or, when the rows are grouped, an environment heading (item -1).
type rowLine struct {
	item    int
	heading string
}

func itemEnv(it list.Item) string { return it.(profileItem).p.Environment }

// grouped says whether the rows sit under environment headings: ordered by
// environment, with more than one environment among the rows shown.
func (l *listScreen) grouped(items []list.Item) bool {
	if l.order != byEnvironment || len(items) == 0 {
		return false
	}
	for _, it := range items[1:] {
		if itemEnv(it) != itemEnv(items[0]) {
			return true
		}
	}
	return false
}

// rowLines are the lines of the rows: each visible profile, under a heading where its
// environment starts when grouped.
func (l *listScreen) rowLines() []rowLine {
	items := l.list.VisibleItems()
	group := l.grouped(items)
	lines := make([]rowLine, 0, len(items)+4)
	for i, it := range items {
		if group && (i == 0 || itemEnv(it) != itemEnv(items[i-1])) {
			lines = append(lines, rowLine{item: -1, heading: itemEnv(it)})
		}
		lines = append(lines, rowLine{item: i})
	}
	return lines
}

// perPage is how many lines of rows the list shows at its size.
func (l *listScreen) perPage() int { return max(1, l.list.Paginator.PerPage) }

// follow scrolls the rows by as little as keeps the cursor in view, with its heading
// when it is the first of its environment.
func (l *listScreen) follow() {
	lines, per := l.rowLines(), l.perPage()
	cur := l.list.Index()
	at := 0
	for i, ln := range lines {
		if ln.item == cur {
			at = i
			break
		}
	}
	first := at
	if at > 0 && lines[at-1].item < 0 {
		first = at - 1
	}
	l.top = min(l.top, first)
	l.top = max(l.top, at-per+1)
	l.top = max(0, min(l.top, len(lines)-per))
}

// shownLines are the lines of rows on screen.
func (l *listScreen) shownLines(lines []rowLine) []rowLine {
	top := max(0, min(l.top, len(lines)-1))
	return lines[top:min(len(lines), top+l.perPage())]
}

// rowsView draws the rows from top, under the filter being typed.
func (l *listScreen) rowsView() string {
	items := l.list.VisibleItems()
	if len(items) == 0 && l.list.SettingFilter() {
		return l.list.FilterInput.View() + "\n" + l.st.Subtle.Render("  no profile matches: esc clears the filter")
	}
	if len(items) == 0 {
		return l.list.View() // its "no items" line
	}
	var b strings.Builder
	if l.list.SettingFilter() {
		b.WriteString(l.list.FilterInput.View() + "\n")
	}
	d := rowDelegate{rows: l.rows}
	for i, ln := range l.shownLines(l.rowLines()) {
		if i > 0 {
			b.WriteString("\n")
		}
		if ln.item < 0 {
			b.WriteString(l.headingView(ln.heading))
			continue
		}
		d.Render(&b, l.list, ln.item, items[ln.item])
	}
	return b.String()
}

// headingView is an environment's heading: production marked by a glyph and the word.
func (l *listScreen) headingView(env string) string {
	env = oauth.OneLine(env)
	style := l.st.Subtle
	switch {
	case env == "":
		env = "no environment"
	case isProduction(env):
		env, style = prodMark+env, l.st.Warn
	}
	return truncateLine(style.Render("── "+env+" ")+l.st.Subtle.Render(strings.Repeat("─", max(0, l.list.Width()-4-len([]rune(env))))), l.list.Width())
}

// scrollPos is "3–7 of 12" when the list shows only some of its rows, else "".
func (l *listScreen) scrollPos() string {
	n := len(l.list.VisibleItems())
	lines := l.rowLines()
	if len(lines) <= l.perPage() {
		return ""
	}
	first, last := -1, -1
	for _, ln := range l.shownLines(lines) {
		if ln.item >= 0 {
			if first < 0 {
				first = ln.item
			}
			last = ln.item
		}
	}
	if first < 0 {
		return ""
	}
	return fmt.Sprintf("%d–%d of %d", first+1, last+1, n)
}

// rowAt is the index of the visible row at the cell (x, y) of the terminal, if a row is
// there (not a heading): the rows start under the header (and the filter being
// typed), after the one-column margin.
func (l *listScreen) rowAt(x, y int) (int, bool) {
	top := 1
	if l.list.SettingFilter() {
		top++
	}
	row := y - top
	shown := l.shownLines(l.rowLines())
	if x < 1 || x > l.list.Width() || row < 0 || row >= len(shown) || shown[row].item < 0 {
		return 0, false
	}
	return shown[row].item, true
}
