package ui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
)

// bodyView is the answer's body on the test call: sanitized, pretty-printed and
// coloured JSON in a viewport, long lines wrapped, where the view stands in it, and a
// search whose matches are marked (n/N step through them).
type bodyView struct {
	st *theme.Styles
	vp viewport.Model
	// lines is the body as shown (sanitized, pretty-printed, not coloured); json says
	// it is JSON to colour. The viewport holds it drawn for contentKey: long lines
	// wrapped, rowOf[i] the viewport row where line i starts.
	lines      []string
	json       bool
	rowOf      []int
	contentKey string

	searching bool
	search    textinput.Model
	matches   []bodyMatch
	cur       int
}

func newBodyView(st *theme.Styles) bodyView {
	b := bodyView{st: st, vp: viewport.New(80, 10), search: newInput(st)}
	b.search.Prompt = "/"
	b.search.PromptStyle, b.search.TextStyle = st.Accent, st.Text
	return b
}

// setBody shows the answer's body from its top, the search cleared.
func (b *bodyView) setBody(res *oauth.CallResult) {
	// Tabs as spaces: a tab's width depends on the column, which cutting and wrapping
	// cannot know.
	b.lines = strings.Split(strings.ReplaceAll(strings.TrimRight(res.Display(), "\n"), "\t", "    "), "\n")
	b.json = res.IsJSON && !res.Truncated
	b.contentKey = ""
	b.clearSearch()
	b.vp.GotoTop()
}

// size fits the viewport to w×h, drawing the body again only when what it shows changed.
func (b *bodyView) size(w, h int) {
	b.vp.Width, b.vp.Height = w, h
	ck := fmt.Sprintf("%d/%s/%d/%d", w, b.search.Value(), b.cur, len(b.matches))
	if ck == b.contentKey {
		return
	}
	b.contentKey = ck
	b.vp.SetContent(b.renderBody(w))
}

// bodyMatch is one search match: a line of the body and the byte range in it.
type bodyMatch struct{ line, start, end int }

// clearSearch ends the search and forgets its matches.
func (b *bodyView) clearSearch() {
	b.searching = false
	b.search.Blur()
	b.search.SetValue("")
	b.matches, b.cur = nil, 0
}

// find lists the matches of the search in the body (case-insensitive) and shows the
// first one at or below the top of the view.
func (b *bodyView) find() {
	b.matches, b.cur = nil, 0
	q := strings.ToLower(b.search.Value())
	if q == "" {
		return
	}
	for i, line := range b.lines {
		low := strings.ToLower(line)
		if len(low) != len(line) {
			continue // a case change altered the byte length: offsets would not map back
		}
		for from := 0; ; {
			j := strings.Index(low[from:], q)
			if j < 0 {
				break
			}
			b.matches = append(b.matches, bodyMatch{line: i, start: from + j, end: from + j + len(q)})
			from += j + len(q)
		}
	}
	for i, m := range b.matches {
		if b.row(m.line) >= b.vp.YOffset {
			b.cur = i
			break
		}
	}
	b.showMatch()
}

// showMatch scrolls the body so that the current match is in view.
func (b *bodyView) showMatch() {
	if len(b.matches) == 0 {
		return
	}
	row := b.row(b.matches[b.cur].line)
	if row < b.vp.YOffset || row >= b.vp.YOffset+b.vp.Height {
		b.vp.SetYOffset(max(0, row-b.vp.Height/3))
	}
}

// renderBody draws the body's lines: JSON coloured, search matches marked (a line with
// a match loses its JSON colours, so that the mark shows without colour too).
func (b *bodyView) renderBody(w int) string {
	st := b.st
	if len(b.lines) == 1 && strings.TrimSpace(b.lines[0]) == "" {
		return st.Subtle.Render("(empty body)")
	}
	byLine := map[int][]int{}
	for i, m := range b.matches {
		byLine[m.line] = append(byLine[m.line], i)
	}
	out := make([]string, len(b.lines))
	for i, line := range b.lines {
		ms, ok := byLine[i]
		switch {
		case ok:
			var sb strings.Builder
			at := 0
			for _, mi := range ms {
				m := b.matches[mi]
				sb.WriteString(line[at:m.start])
				style := st.Match
				if mi == b.cur {
					style = st.MatchCurrent
				}
				sb.WriteString(style.Render(line[m.start:m.end]))
				at = m.end
			}
			sb.WriteString(line[at:])
			out[i] = sb.String()
		case b.json:
			out[i] = highlightJSON(line, st)
		default:
			out[i] = line
		}
	}
	// Long lines are wrapped, not cut: a long string value, a minified or truncated
	// body is read in full.
	b.rowOf = make([]int, len(out))
	rows := 0
	for i, l := range out {
		b.rowOf[i] = rows
		if ansi.StringWidth(l) > w {
			out[i] = ansi.Hardwrap(l, w, true)
			rows += strings.Count(out[i], "\n")
		}
		rows++
	}
	return strings.Join(out, "\n")
}

// row is the viewport row where the body's line i starts.
func (b *bodyView) row(i int) int {
	if i < len(b.rowOf) {
		return b.rowOf[i]
	}
	return i
}

// lineAt is the body line shown on viewport row r.
func (b *bodyView) lineAt(r int) int {
	i, _ := slices.BinarySearch(b.rowOf, r+1)
	return max(0, i-1)
}

// rule is the line above the body: where the view is in it.
func (b *bodyView) rule(w int) string {
	total, rows := len(b.lines), b.vp.TotalLineCount()
	unit := "lines"
	if total == 1 {
		unit = "line"
	}
	pos := fmt.Sprintf(" body · %d %s ", total, unit)
	if rows > b.vp.Height {
		first := b.lineAt(b.vp.YOffset) + 1
		last := b.lineAt(min(rows, b.vp.YOffset+b.vp.Height)-1) + 1
		pos = fmt.Sprintf(" body · lines %d–%d of %d ", first, last, total)
		if first == last && rows > 0 {
			pos = fmt.Sprintf(" body · line %d of %d · %d%% ", first, total, (100*min(rows, b.vp.YOffset+b.vp.Height)+rows-1)/rows)
		}
	}
	return truncateLine(b.st.Subtle.Render("──"+pos+strings.Repeat("─", max(0, w-2-ansi.StringWidth(pos)))), w)
}

// searchLine is the search field, or the search's result once entered.
func (b *bodyView) searchLine(w int) string {
	st := b.st
	count := st.Subtle.Render("  no match")
	if n := len(b.matches); n > 0 {
		count = st.Subtle.Render(fmt.Sprintf("  match %d of %d", b.cur+1, n))
	}
	if b.searching {
		return truncateLine(b.search.View()+count, w)
	}
	return truncateLine(st.Accent.Render("/")+st.Text.Render(oauth.OneLine(b.search.Value()))+count+st.Subtle.Render(" · n/N next/previous · / new search"), w)
}

// highlightJSON colours pretty-printed, already sanitized JSON: keys, strings, numbers
// and literals. A small scanner rather than a syntax-highlighting library: the input is
// json.Indent's own output, so four token kinds are all there is to tell apart.
func highlightJSON(s string, st *theme.Styles) string {
	if st.NoColor {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			j := i + 1
			for j < len(s) && s[j] != '"' {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			if j >= len(s) {
				j = len(s) - 1
			}
			tok := s[i : j+1]
			rest := strings.TrimLeft(s[j+1:], " ")
			if strings.HasPrefix(rest, ":") {
				b.WriteString(st.JSONKey.Render(tok))
			} else {
				b.WriteString(st.JSONString.Render(tok))
			}
			i = j + 1
		case c == '-' || (c >= '0' && c <= '9'):
			j := i
			for j < len(s) && strings.IndexByte("+-0123456789.eE", s[j]) >= 0 {
				j++
			}
			b.WriteString(st.JSONNumber.Render(s[i:j]))
			i = j
		case strings.HasPrefix(s[i:], "true"), strings.HasPrefix(s[i:], "null"):
			b.WriteString(st.JSONLiteral.Render(s[i : i+4]))
			i += 4
		case strings.HasPrefix(s[i:], "false"):
			b.WriteString(st.JSONLiteral.Render(s[i : i+5]))
			i += 5
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String()
}
