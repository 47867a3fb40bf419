package ui

import (
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// callMethods are the methods the editor offers (the ones a profile's test request
// may hold).
var callMethods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}

// The editor's fields, in tab order.
const (
	reqMethod = iota
	reqTarget
	reqQuery
	reqHeaders
	reqBody
	reqFieldCount
)

// requestEditor edits the test call's request: method (a select), path or full URL,
// query parameters (one name=value a line), headers (one "Name: value" a line), body.
// The query lives in the path of the saved test request (as in profiles.toml and `oat
// call NAME /x?y=1`): the editor splits it into lines and joins it back, so profiles
// stay as they were and the CLI and the app read the same request.
type requestEditor struct {
	st        *theme.Styles
	keys      callKeys
	focus     int
	methodIdx int
	target    textinput.Model
	query     textarea.Model
	headers   textarea.Model
	body      textarea.Model
	// saved is the request the profile holds (as the editor builds it): unsaved
	// changes are what differs from it.
	saved vault.TestRequest
	// history: the requests last sent, most recent first; histPos is the one shown
	// (-1: the draft, kept in draft while browsing).
	history []vault.HistoryEntry
	histPos int
	draft   vault.TestRequest
	// sendAnyway is the body the user chose to send although it is not valid JSON.
	sendAnyway *string
	// heldBody is a body loaded larger than the editor holds (maxEditBody): kept
	// aside, sent and saved as it is while the body field stays untouched.
	heldBody string
	// editNote is a one-line message under the fields (saved, a save that failed, a
	// send refused); editBad says it is a failure.
	editNote string
	editBad  bool
}

// newRequestEditor is the editor holding r; hasBase says whether the profile has an
// API URL to join a path to.
func newRequestEditor(st *theme.Styles, keys callKeys, r vault.TestRequest, hasBase bool) requestEditor {
	e := requestEditor{st: st, keys: keys, histPos: -1}
	e.target = newInput(st)
	e.target.Prompt, e.target.PromptStyle = "│ ", st.Subtle
	e.target.Placeholder = "path (joined to the API URL) or full URL"
	if !hasBase {
		e.target.Placeholder = "full URL (the profile has no API URL)"
	}
	e.target.TextStyle, e.target.PlaceholderStyle = st.Text, st.Subtle
	e.query = newArea(st, "name=value, one a line", 2000)
	e.headers = newArea(st, "Name: value, one a line", 8000)
	e.body = newArea(st, "request body", maxEditBody)
	e.load(r)
	if r.Path == "" && !hasBase {
		e.target.SetValue("https://")
	}
	e.saved = e.request()
	return e
}

// maxEditBody bounds the body the editor holds: a textarea redraws its whole value on
// every key (about 16 ms at 64 KiB, seconds at 1 MiB). A larger body goes in with
// `oat call NAME -d @FILE`, or stays as loaded (heldBody).
const maxEditBody = 64 << 10

// bodyNote says what the editor did with a body too large for it, "" when none is.
func (e *requestEditor) bodyNote() string {
	switch {
	case e.heldBody != "":
		return fmt.Sprintf("! the body (%s) is larger than the editor holds (%s): sent and saved as it is; typing here replaces it",
			approxSize(len(e.heldBody)), vault.SizeText(maxEditBody))
	case len(e.body.Value()) >= maxEditBody:
		return fmt.Sprintf("! the body is at the editor's limit (%s): a larger one goes with oat call NAME -d @FILE", vault.SizeText(maxEditBody))
	}
	return ""
}

// approxSize is n bytes to one decimal: 1.0 MiB, 70 KiB.
func approxSize(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", (n+1<<9)>>10)
}

// setWidth fits the fields to w cells (labels included).
func (e *requestEditor) setWidth(w int) {
	fw := max(10, w-labelWidth)
	e.target.Width = fw - 3
	for _, a := range []*textarea.Model{&e.query, &e.headers, &e.body} {
		a.SetWidth(fw)
	}
	e.query.SetHeight(2)
	e.headers.SetHeight(3)
}

// setHeight gives the body's box what h rows leave beside the other fields and the
// lines under them.
func (e *requestEditor) setHeight(h, w int) {
	fixed := 2 + e.query.Height() + e.headers.Height() // method, path and the two boxes
	if e.headerErr() != "" || e.typedAuthorization() {
		fixed++
	}
	if e.bodyJSONErr() != "" {
		fixed++
	} else if note := e.bodyNote(); note != "" {
		fixed += len(wrapLines(strings.Repeat(" ", labelWidth), e.st.Warn, note, w, 2))
	}
	if e.editNote != "" {
		fixed += len(wrapLines("", e.st.Warn, e.editNote, w, 2))
	}
	e.body.SetHeight(max(3, h-fixed))
}

// update gives a key to the focused field.
func (e *requestEditor) update(msg tea.KeyMsg) tea.Cmd {
	var cmd tea.Cmd
	switch e.focus {
	case reqMethod:
		e.onMethodKey(msg)
	case reqTarget:
		e.target, cmd = e.target.Update(msg)
	case reqQuery:
		e.query, cmd = e.query.Update(msg)
	case reqHeaders:
		e.headers, cmd = e.headers.Update(msg)
	case reqBody:
		before := e.body.Value()
		e.body, cmd = e.body.Update(msg)
		if e.body.Value() != before {
			e.heldBody = "" // replaced by what is typed
		}
	}
	return cmd
}

// newArea is a multi-line field in the theme's styles, with a steady cursor.
func newArea(st *theme.Styles, placeholder string, limit int) textarea.Model {
	a := textarea.New()
	// The prompt draws the box's left edge on every line, empty ones too: the field's
	// extent shows without colour.
	a.Prompt, a.Placeholder, a.ShowLineNumbers = "│ ", placeholder, false
	a.CharLimit, a.MaxHeight = limit, 0
	style := textarea.Style{Text: st.Text, Placeholder: st.Subtle, CursorLine: st.Text, EndOfBuffer: st.Subtle, Prompt: st.Subtle}
	a.FocusedStyle, a.BlurredStyle = style, style
	a.FocusedStyle.Prompt = st.Accent
	setCursor(&a.Cursor, st)
	a.Blur()
	return a
}

// load puts a request into the editor's fields. It comes from profiles.toml or the
// state file, which a hand edit may have filled with control characters: the fields
// draw their text raw, so each is escaped (a line) or sanitized (the body) first.
func (e *requestEditor) load(r vault.TestRequest) {
	e.methodIdx = 0
	for i, m := range callMethods {
		if strings.EqualFold(m, strings.TrimSpace(r.Method)) {
			e.methodIdx = i
		}
	}
	target, query := vault.SplitQuery(r.Path)
	e.target.SetValue(oauth.OneLine(target))
	e.target.CursorEnd()
	e.query.SetValue(strings.Join(oauth.OneLineAll(query), "\n"))
	headers := map[string]string{}
	for k, v := range r.Headers {
		headers[oauth.OneLine(k)] = oauth.OneLine(v)
	}
	e.headers.SetValue(vault.HeaderLines(headers))
	e.heldBody = ""
	if len(r.Body) > maxEditBody {
		e.heldBody, r.Body = r.Body, ""
	}
	e.body.SetValue(oauth.Sanitize(r.Body))
	e.sendAnyway = nil
}

// request is the request the editor holds. Lines of headers that do not parse are left
// out (headerErr names them).
func (e *requestEditor) request() vault.TestRequest {
	var h map[string]string
	for _, line := range strings.Split(e.headers.Value(), "\n") {
		if k, v, err := vault.CheckHeaderLine(line); err == nil {
			if h == nil {
				h = map[string]string{}
			}
			h[k] = v
		}
	}
	body := e.body.Value()
	if body == "" {
		body = e.heldBody
	}
	return vault.TestRequest{Method: callMethods[e.methodIdx], Path: vault.JoinQuery(strings.TrimSpace(e.target.Value()), strings.Split(e.query.Value(), "\n")),
		Headers: h, Body: body}
}

func (e *requestEditor) blurAll() {
	e.target.Blur()
	e.query.Blur()
	e.headers.Blur()
	e.body.Blur()
}

// focusField moves the editor's focus to field f.
func (e *requestEditor) focusField(f int) tea.Cmd {
	e.blurAll()
	e.focus = f
	switch f {
	case reqTarget:
		return e.target.Focus()
	case reqQuery:
		return e.query.Focus()
	case reqHeaders:
		return e.headers.Focus()
	case reqBody:
		return e.body.Focus()
	}
	return nil
}

// onMethodKey moves the method select: ←/→ (or space) step through the methods, a
// letter picks the next method starting with it.
func (e *requestEditor) onMethodKey(msg tea.KeyMsg) {
	n := len(callMethods)
	switch {
	case key.Matches(msg, e.keys.MethodPrev):
		e.methodIdx = (e.methodIdx + n - 1) % n
	case key.Matches(msg, e.keys.MethodNext):
		e.methodIdx = (e.methodIdx + 1) % n
	case msg.Type == tea.KeyRunes:
		for _, r := range msg.Runes {
			for i := 1; i <= n; i++ {
				j := (e.methodIdx + i) % n
				if strings.EqualFold(callMethods[j][:1], string(r)) {
					e.methodIdx = j
					break
				}
			}
		}
	}
}

// browse shows an older (+1) or newer (-1) request of the history; past the newest is
// the draft being edited.
func (e *requestEditor) browse(step int) {
	next := e.histPos + step
	if next < -1 || next >= len(e.history) {
		return
	}
	if e.histPos == -1 {
		e.draft = e.request()
	}
	e.histPos = next
	e.editNote, e.editBad = "", false
	if next == -1 {
		e.load(e.draft)
		return
	}
	h := e.history[next]
	e.load(h.TestRequest)
	e.editNote = "sent earlier"
	if len(h.Dropped) > 0 {
		// What oat left out when it kept the request, named; the list comes from
		// state.toml, which a hand edit may have filled with anything.
		e.editNote = "sent earlier; the history did not keep " + oauth.OneLine(strings.Join(h.Dropped, ", ")) + ": type again what the API needs"
	}
}

// headerErr is what is wrong with the headers, "" when they parse.
func (e *requestEditor) headerErr() string {
	for i, line := range strings.Split(e.headers.Value(), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		if _, _, err := vault.CheckHeaderLine(line); err != nil {
			problem := "want Name: value"
			var fe *vault.FieldError
			if errors.As(err, &fe) && !strings.Contains(fe.Problem, "'Key: Value'") {
				problem = fe.Problem
			}
			return fmt.Sprintf("headers line %d: %s", i+1, oauth.OneLine(problem))
		}
	}
	return ""
}

// bodyJSONErr says where the body stops being JSON when it should be JSON (the
// Content-Type header says so, or none is given and the body starts like JSON).
func (e *requestEditor) bodyJSONErr() string {
	body := e.body.Value()
	if strings.TrimSpace(body) == "" {
		return ""
	}
	ct := ""
	for k, v := range e.request().Headers {
		if strings.EqualFold(k, "Content-Type") {
			ct = v
		}
	}
	if !vault.IsJSONContentType(ct) && (ct != "" || !strings.ContainsAny(strings.TrimSpace(body)[:1], "{[")) {
		return ""
	}
	return vault.JSONError(body)
}

// labelWidth is the width of the editor's field labels.
const labelWidth = 10

// editor is the request editor: one row per field, the multi-line fields as tall as
// their box, each field's problem under it.
func (e *requestEditor) editor(w int) []string {
	st := e.st
	label := func(f int, name string) string {
		if e.focus == f {
			return st.Accent.Render(pad("▸ "+name, labelWidth))
		}
		return st.Subtle.Render(pad("  "+name, labelWidth))
	}
	var out []string
	var method strings.Builder
	for i, m := range callMethods {
		switch {
		// Brackets mark the method without colour (NO_COLOR drops reverse video).
		case i == e.methodIdx && e.focus == reqMethod:
			method.WriteString(st.RowSelected.Render("[" + m + "]"))
		case i == e.methodIdx:
			method.WriteString(st.Accent.Render("[" + m + "]"))
		default:
			method.WriteString(st.Subtle.Render(" " + m + " "))
		}
	}
	row := method.String()
	if ansi.StringWidth(row) > w-labelWidth-2 {
		// Too narrow for every method: the selected one, never cut, between arrows.
		sel := st.Accent.Render("[" + callMethods[e.methodIdx] + "]")
		if e.focus == reqMethod {
			sel = st.RowSelected.Render("[" + callMethods[e.methodIdx] + "]")
		}
		row = st.Subtle.Render("◂ ") + sel + st.Subtle.Render(" ▸")
	}
	out = append(out, truncateLine(label(reqMethod, "method")+st.Subtle.Render("│ ")+row, w))
	out = append(out, truncateLine(label(reqTarget, "path")+e.target.View(), w))
	area := func(f int, name string, a textarea.Model, problem string) {
		lines := strings.Split(a.View(), "\n")
		for i, l := range lines {
			lbl := strings.Repeat(" ", labelWidth)
			if i == 0 {
				lbl = label(f, name)
			}
			out = append(out, truncateLine(lbl+l, w))
		}
		if problem != "" {
			out = append(out, truncateLine(strings.Repeat(" ", labelWidth)+problem, w))
		}
	}
	area(reqQuery, "query", e.query, "")
	var hp string
	if msg := e.headerErr(); msg != "" {
		hp = st.Bad.Render("✗ " + msg)
	} else if e.typedAuthorization() {
		hp = st.Warn.Render("! Authorization is oat's: the profile's token replaces it")
	}
	area(reqHeaders, "headers", e.headers, hp)
	var bp string
	if msg := e.bodyJSONErr(); msg != "" {
		bp = st.Warn.Render("! not valid JSON: " + msg)
	}
	area(reqBody, "body", e.body, bp)
	if note := e.bodyNote(); bp == "" && note != "" {
		out = append(out, wrapLines(strings.Repeat(" ", labelWidth), st.Warn, note, w, 2)...)
	}
	if e.editNote != "" {
		style := st.Hint // information
		switch {
		case e.editBad:
			style = st.Warn
		case strings.HasPrefix(e.editNote, "✓"):
			style = st.OK
		}
		out = append(out, wrapLines("", style, e.editNote, w, 2)...)
	}
	return out
}

// typedAuthorization says whether the headers set Authorization (which oat overrides).
func (e *requestEditor) typedAuthorization() bool {
	for k := range e.request().Headers {
		if strings.EqualFold(k, "Authorization") {
			return true
		}
	}
	return false
}
