package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// callDoneMsg is the answer of a test call (req numbers it, so a cancelled call's
// answer is dropped).
type callDoneMsg struct {
	req int
	res *oauth.CallResult
	err error
	// out is what the broker did around the call (a rejected token, a retry).
	out *vault.CallOutcome
	// history is the profile's request history after this call was recorded; kept
	// says why it was not (nil: it was, or nothing was sent).
	history []vault.TestRequest
	kept    error
}

// requestSavedMsg answers ctrl+s: the request saved as the profile's test request.
type requestSavedMsg struct {
	profile vault.Profile
	req     vault.TestRequest
	err     error
}

// historyMsg carries the profile's request history, read when the screen opens.
type historyMsg struct {
	id      string
	history []vault.TestRequest
}

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

// callScreen edits and sends a test call with the profile's token, then shows status,
// latency, the telling headers and the body (JSON pretty-printed and coloured) in a
// scrollable, searchable viewport. 401 / 403 are explained from WWW-Authenticate.
//
// The request editor: method (a select), path or full URL, query parameters (one
// name=value a line), headers (one "Name: value" a line), body. The query lives in the
// path of the saved test request (as in profiles.toml and `oat call NAME /x?y=1`): the
// editor splits it into lines and joins it back, so profiles stay as they were and the
// CLI and the app read the same request.
type callScreen struct {
	deps    Deps
	st      *theme.Styles
	keys    callKeys
	profile vault.Profile

	// the editor
	editing   bool
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
	history []vault.TestRequest
	histPos int
	draft   vault.TestRequest
	// leaving is set by an esc with unsaved changes: a second esc leaves.
	leaving bool
	// sendAnyway is the body the user chose to send although it is not valid JSON.
	sendAnyway *string
	// editNote is a one-line message in the editor (saved, a save that failed, a
	// send refused); editBad says it is a failure.
	editNote string
	editBad  bool

	// the call and its answer
	vp      viewport.Model
	sending bool
	req     int
	cancel  context.CancelFunc
	res     *oauth.CallResult
	err     error
	// note says what happened beyond the call (the cached token was rejected).
	note string
	// notKept says why the request was not kept in the history.
	notKept string
	// sent is the request last sent: the answer shown is its.
	sent vault.TestRequest

	// the search in the body
	searching bool
	search    textinput.Model
	matches   []bodyMatch
	cur       int
	// lines is the body as shown (sanitized, pretty-printed, not coloured); content is
	// what the viewport holds, drawn for contentKey: long lines wrapped, rowOf[i]
	// the viewport row where line i starts.
	lines      []string
	rowOf      []int
	contentKey string

	width, height int
}

// bodyMatch is one search match: a line of the body and the byte range in it.
type bodyMatch struct{ line, start, end int }

// callKeys are the test call's keys.
type callKeys struct {
	// the editor
	Send, SendAny, Save, Next, Prev, MethodPrev, MethodNext, History, HistoryNewer, EditBack key.Binding
	// the answer
	Cancel, Rerun, Fresh, EditReq, Search, NextMatch, PrevMatch, CopyBody, ScrollU, ScrollD, Back key.Binding
	// the search field
	SearchDone, SearchCancel key.Binding
}

func newCallKeys() callKeys {
	return callKeys{
		Send:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		SendAny:      key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "send")),
		Save:         key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Next:         key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "field")),
		Prev:         key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous")),
		MethodPrev:   key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "method")),
		MethodNext:   key.NewBinding(key.WithKeys("right", " "), key.WithHelp("→", "method")),
		History:      key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "history")),
		HistoryNewer: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "newer")),
		EditBack:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Rerun:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rerun")),
		Fresh:        key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "fresh token")),
		EditReq:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Search:       key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		NextMatch:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n/N", "match")),
		PrevMatch:    key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous match")),
		CopyBody:     key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy body")),
		ScrollU:      keyScrollU, ScrollD: keyScrollD, Back: keyBack,
		SearchDone:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "find")),
		SearchCancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
	}
}

func newCallScreen(d Deps, p vault.Profile) *callScreen {
	st := d.Styles
	c := &callScreen{deps: d, st: st, keys: newCallKeys(), profile: p, vp: viewport.New(80, 10), histPos: -1}
	c.target = newInput(st)
	c.target.Prompt, c.target.PromptStyle = "│ ", st.Subtle
	c.target.Placeholder = "path (joined to the API URL) or full URL"
	if p.APIBaseURL == "" {
		c.target.Placeholder = "full URL (the profile has no API URL)"
	}
	c.target.TextStyle, c.target.PlaceholderStyle = st.Text, st.Subtle
	c.query = newArea(st, "name=value, one a line", 2000)
	c.headers = newArea(st, "Name: value, one a line", 8000)
	c.body = newArea(st, "request body", 1<<20)
	c.search = newInput(st)
	c.search.Prompt = "/"
	c.search.PromptStyle, c.search.TextStyle = st.Accent, st.Text
	c.load(p.TestRequest)
	if p.TestRequest.Path == "" && p.APIBaseURL == "" {
		c.target.SetValue("https://")
	}
	c.saved = c.request()
	c.editing = !p.HasTestCall()
	return c
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
func (c *callScreen) load(r vault.TestRequest) {
	c.methodIdx = 0
	for i, m := range callMethods {
		if strings.EqualFold(m, strings.TrimSpace(r.Method)) {
			c.methodIdx = i
		}
	}
	target, query := vault.SplitQuery(r.Path)
	c.target.SetValue(oauth.OneLine(target))
	c.target.CursorEnd()
	c.query.SetValue(strings.Join(oauth.OneLineAll(query), "\n"))
	headers := map[string]string{}
	for k, v := range r.Headers {
		headers[oauth.OneLine(k)] = oauth.OneLine(v)
	}
	c.headers.SetValue(vault.HeaderLines(headers))
	c.body.SetValue(oauth.Sanitize(r.Body))
	c.sendAnyway = nil
}

// request is the request the editor holds. Lines of headers that do not parse are left
// out (headerErr names them).
func (c *callScreen) request() vault.TestRequest {
	var h map[string]string
	for _, line := range strings.Split(c.headers.Value(), "\n") {
		if k, v, err := vault.CheckHeaderLine(line); err == nil {
			if h == nil {
				h = map[string]string{}
			}
			h[k] = v
		}
	}
	return vault.TestRequest{Method: callMethods[c.methodIdx], Path: vault.JoinQuery(strings.TrimSpace(c.target.Value()), strings.Split(c.query.Value(), "\n")),
		Headers: h, Body: c.body.Value()}
}

// Init starts editing, or sends the profile's test request at once when it has one.
func (c *callScreen) Init() tea.Cmd {
	cmds := []tea.Cmd{c.loadHistory()}
	if c.editing {
		cmds = append(cmds, c.focusField(reqTarget))
	} else {
		cmds = append(cmds, c.send(false))
	}
	return tea.Batch(cmds...)
}

func (c *callScreen) loadHistory() tea.Cmd {
	v, p := c.deps.Broker.Vault, c.profile
	return func() tea.Msg {
		h, _ := v.RequestHistory(p) // a cache: unreadable is empty
		return historyMsg{id: p.ID, history: h}
	}
}

// Capturing implements screen: the editor's fields and the search field take every key.
func (c *callScreen) Capturing() bool { return c.editing || c.searching }

// Keys implements screen.
func (c *callScreen) Keys() help.KeyMap {
	k := c.keys
	switch {
	case c.searching:
		return simpleKeys{k.SearchDone, k.SearchCancel}
	case c.editing:
		send := k.SendAny
		if c.focus <= reqTarget {
			send = k.Send
		}
		keys := simpleKeys{send, k.Next, k.Save}
		if c.focus == reqMethod {
			keys = append(keys, k.MethodPrev)
		}
		if len(c.history) > 0 {
			keys = append(keys, k.History)
		}
		return append(keys, k.EditBack)
	case c.sending:
		return simpleKeys{k.Cancel}
	}
	keys := simpleKeys{k.Rerun, k.EditReq}
	if c.showsBody() {
		keys = append(keys, k.Search)
		if len(c.matches) > 0 {
			keys = append(keys, k.NextMatch)
		}
		keys = append(keys, k.CopyBody)
	}
	keys = append(keys, k.Fresh)
	if c.showsBody() {
		keys = append(keys, k.ScrollD)
	}
	return append(keys, k.Back)
}

// InFlight implements inFlight: a stray ctrl+c asks before dropping a call in flight.
func (c *callScreen) InFlight() string {
	if c.sending {
		return "a test call"
	}
	return ""
}

// send sends the request in the editor; force fetches a new token first. The request
// is recorded in the profile's history once sent.
func (c *callScreen) send(force bool) tea.Cmd {
	c.blurAll()
	c.editing, c.leaving, c.editNote = false, false, ""
	if c.cancel != nil {
		c.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.sending, c.req, c.res, c.err, c.note, c.notKept = cancel, true, c.req+1, nil, nil, "", ""
	c.clearSearch()
	b, p, req, tr := c.deps.Broker, c.profile, c.req, c.request()
	c.sent = tr
	return func() tea.Msg {
		// The broker hands out the cached token only while it is valid (an expired one
		// is replaced first), and replaces it once if the API rejects it.
		out, err := b.Call(ctx, p.Name, force, func(p vault.Profile, tok string) (oauth.CallRequest, error) {
			cr, err := p.CallRequest(tok)
			cr.Method, cr.Target, cr.Headers, cr.Body = tr.Method, tr.Path, tr.Headers, []byte(tr.Body)
			return cr, err
		})
		msg := callDoneMsg{req: req, err: err, out: out}
		if out != nil && out.Result != nil {
			msg.res = out.Result
			var tokens []string
			if out.Token != nil {
				tokens = append(tokens, out.Token.Token.AccessToken)
			}
			msg.kept = b.Vault.RecordRequest(context.WithoutCancel(ctx), p, tr, tokens...)
			msg.history, _ = b.Vault.RequestHistory(p)
		}
		return msg
	}
}

// Update implements screen.
func (c *callScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	defer c.layout()
	switch msg := msg.(type) {
	case sizeMsg:
		c.width, c.height = msg.width, msg.height
		return c, nil
	case historyMsg:
		if msg.id == c.profile.ID && c.histPos < 0 {
			c.history = msg.history
		}
		return c, nil
	case requestSavedMsg:
		if msg.err != nil {
			c.editNote, c.editBad = "✗ not saved: "+oauth.Sanitize(vault.FirstLine(msg.err)), true
			return c, nil
		}
		c.profile, c.saved = msg.profile, msg.req
		c.editNote, c.editBad, c.leaving = "✓ saved as the test request of "+msg.profile.Name, false, false
		return c, nil
	case callDoneMsg:
		return c, c.onDone(msg)
	case tea.KeyMsg:
		switch {
		case c.searching:
			return c.onSearchKey(msg)
		case c.editing:
			return c.onEditKey(msg)
		}
		return c.onResultKey(msg)
	}
	if m, ok := msg.(tea.MouseMsg); ok && (!c.showsBody() || m.Y <= c.bodyTop()) {
		return c, nil // the wheel scrolls the body only when the pointer is over it
	}
	if c.editing {
		return c, nil
	}
	var cmd tea.Cmd
	c.vp, cmd = c.vp.Update(msg)
	return c, cmd
}

func (c *callScreen) onDone(msg callDoneMsg) tea.Cmd {
	if msg.req != c.req {
		return nil
	}
	c.sending, c.res, c.err = false, msg.res, msg.err
	c.contentKey = ""
	c.vp.GotoTop()
	if msg.res != nil {
		// Tabs as spaces: a tab's width depends on the column, which cutting and
		// wrapping cannot know.
		c.lines = strings.Split(strings.ReplaceAll(strings.TrimRight(msg.res.Display(), "\n"), "\t", "    "), "\n")
		if c.histPos < 0 {
			c.history = msg.history
		}
		c.histPos = -1
		if msg.kept != nil && !errors.Is(msg.kept, vault.ErrNotKept) {
			c.notKept = "not kept in the history: " + oauth.Sanitize(vault.FirstLine(msg.kept))
		} else if msg.kept != nil {
			c.notKept = oauth.Sanitize(msg.kept.Error())
		}
	}
	if out := msg.out; out != nil && (out.Retried || out.Rejected) {
		c.note = out.Note()
		replaced := tokenReplacedMsg{id: c.profile.ID, rejected: out.Rejected}
		if !out.Rejected {
			replaced.res = out.Token
		}
		return func() tea.Msg { return replaced }
	}
	return nil
}

// onResultKey handles a key while the answer (or the call in flight) is shown.
func (c *callScreen) onResultKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	k := c.keys
	leaving := c.leaving
	c.leaving = false
	switch {
	case key.Matches(msg, k.Cancel) && c.sending:
		c.cancel()
		c.sending = false
		c.req++
		c.err = fmt.Errorf("cancelled")
		return c, nil
	case key.Matches(msg, k.Back):
		if c.sending {
			c.cancel()
			return closeScreen()
		}
		if r := c.request(); !leaving && !r.Equal(c.saved) && !r.Equal(c.sent) {
			c.leaving = true // edits neither sent (so not in the history) nor saved
			return c, nil
		}
		return closeScreen()
	case c.sending:
		return c, nil
	case key.Matches(msg, k.Rerun):
		return c, c.send(false)
	case key.Matches(msg, k.Fresh):
		return c, c.send(true)
	case key.Matches(msg, k.EditReq):
		c.editing = true
		return c, c.focusField(reqTarget)
	case !c.showsBody():
		return c, nil
	case key.Matches(msg, k.Search):
		c.searching = true
		c.search.SetValue("")
		return c, c.search.Focus()
	case key.Matches(msg, k.NextMatch) && len(c.matches) > 0:
		c.cur = (c.cur + 1) % len(c.matches)
		c.showMatch()
		return c, nil
	case key.Matches(msg, k.PrevMatch) && len(c.matches) > 0:
		c.cur = (c.cur + len(c.matches) - 1) % len(c.matches)
		c.showMatch()
		return c, nil
	case key.Matches(msg, k.CopyBody):
		// The raw bytes as the server sent them: the body is not a secret (no clear
		// countdown), and the clipboard is not a terminal.
		return c, func() tea.Msg { return copyMsg{what: "response body", value: string(c.res.Body), plain: true} }
	}
	var cmd tea.Cmd
	c.vp, cmd = c.vp.Update(msg)
	return c, cmd
}

// onSearchKey handles a key while the search is typed: matches follow every key.
func (c *callScreen) onSearchKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	switch {
	case key.Matches(msg, c.keys.SearchCancel):
		c.clearSearch()
		return c, nil
	case key.Matches(msg, c.keys.SearchDone):
		c.searching = false
		c.search.Blur()
		return c, nil
	}
	var cmd tea.Cmd
	c.search, cmd = c.search.Update(msg)
	c.find()
	return c, cmd
}

func (c *callScreen) clearSearch() {
	c.searching = false
	c.search.Blur()
	c.search.SetValue("")
	c.matches, c.cur = nil, 0
}

// find lists the matches of the search in the body (case-insensitive) and shows the
// first one at or below the top of the view.
func (c *callScreen) find() {
	c.matches, c.cur = nil, 0
	q := strings.ToLower(c.search.Value())
	if q == "" {
		return
	}
	for i, line := range c.lines {
		low := strings.ToLower(line)
		if len(low) != len(line) {
			continue // a case change altered the byte length: offsets would not map back
		}
		for from := 0; ; {
			j := strings.Index(low[from:], q)
			if j < 0 {
				break
			}
			c.matches = append(c.matches, bodyMatch{line: i, start: from + j, end: from + j + len(q)})
			from += j + len(q)
		}
	}
	for i, m := range c.matches {
		if c.row(m.line) >= c.vp.YOffset {
			c.cur = i
			break
		}
	}
	c.showMatch()
}

// showMatch scrolls the body so that the current match is in view.
func (c *callScreen) showMatch() {
	if len(c.matches) == 0 {
		return
	}
	row := c.row(c.matches[c.cur].line)
	if row < c.vp.YOffset || row >= c.vp.YOffset+c.vp.Height {
		c.vp.SetYOffset(max(0, row-c.vp.Height/3))
	}
}

// bodyTop is the terminal row of the rule above the body.
func (c *callScreen) bodyTop() int {
	w := c.width - 2
	return strings.Count(strings.Join(append(c.head(w), c.meta(w)...), "\n"), "\n") + 1
}

func (c *callScreen) blurAll() {
	c.target.Blur()
	c.query.Blur()
	c.headers.Blur()
	c.body.Blur()
}

// focusField moves the editor's focus to field f.
func (c *callScreen) focusField(f int) tea.Cmd {
	c.blurAll()
	c.focus = f
	switch f {
	case reqTarget:
		return c.target.Focus()
	case reqQuery:
		return c.query.Focus()
	case reqHeaders:
		return c.headers.Focus()
	case reqBody:
		return c.body.Focus()
	}
	return nil
}

// onEditKey handles a key while the request is edited: every key but the editor's own
// goes to the focused field.
func (c *callScreen) onEditKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	k := c.keys
	leaving := c.leaving
	c.leaving = false
	switch {
	case key.Matches(msg, k.EditBack):
		if c.res != nil || c.err != nil {
			c.editing, c.editNote = false, ""
			c.blurAll()
			return c, nil
		}
		if !leaving && !c.request().Equal(c.saved) {
			c.leaving = true
			c.editNote, c.editBad = "unsaved changes: ctrl+s saves them as the test request · esc again leaves without saving", true
			return c, nil
		}
		return closeScreen()
	case key.Matches(msg, k.SendAny), key.Matches(msg, k.Send) && c.focus <= reqTarget:
		if why := c.sendProblem(); why != "" {
			c.editNote, c.editBad = why, true
			return c, nil
		}
		return c, c.send(false)
	case key.Matches(msg, k.Save):
		if msg := c.headerErr(); msg != "" {
			c.editNote, c.editBad = "✗ not saved: "+msg, true
			return c, nil
		}
		v, id, req := c.deps.Broker.Vault, c.profile.ID, c.request()
		return c, func() tea.Msg {
			np, err := v.SaveTestRequest(context.Background(), id, req)
			return requestSavedMsg{profile: np, req: req, err: err}
		}
	case key.Matches(msg, k.Next):
		return c, c.focusField((c.focus + 1) % reqFieldCount)
	case key.Matches(msg, k.Prev):
		return c, c.focusField((c.focus + reqFieldCount - 1) % reqFieldCount)
	case key.Matches(msg, k.History):
		c.browse(+1)
		return c, nil
	case key.Matches(msg, k.HistoryNewer):
		c.browse(-1)
		return c, nil
	}
	c.editNote = ""
	var cmd tea.Cmd
	switch c.focus {
	case reqMethod:
		c.onMethodKey(msg)
	case reqTarget:
		c.target, cmd = c.target.Update(msg)
	case reqQuery:
		c.query, cmd = c.query.Update(msg)
	case reqHeaders:
		c.headers, cmd = c.headers.Update(msg)
	case reqBody:
		c.body, cmd = c.body.Update(msg)
	}
	return c, cmd
}

// onMethodKey moves the method select: ←/→ (or space) step through the methods, a
// letter picks the next method starting with it.
func (c *callScreen) onMethodKey(msg tea.KeyMsg) {
	n := len(callMethods)
	switch {
	case key.Matches(msg, c.keys.MethodPrev):
		c.methodIdx = (c.methodIdx + n - 1) % n
	case key.Matches(msg, c.keys.MethodNext):
		c.methodIdx = (c.methodIdx + 1) % n
	case msg.Type == tea.KeyRunes:
		for _, r := range msg.Runes {
			for i := 1; i <= n; i++ {
				j := (c.methodIdx + i) % n
				if strings.EqualFold(callMethods[j][:1], string(r)) {
					c.methodIdx = j
					break
				}
			}
		}
	}
}

// browse shows an older (+1) or newer (-1) request of the history; past the newest is
// the draft being edited.
func (c *callScreen) browse(step int) {
	next := c.histPos + step
	if next < -1 || next >= len(c.history) {
		return
	}
	if c.histPos == -1 {
		c.draft = c.request()
	}
	c.histPos = next
	if next == -1 {
		c.load(c.draft)
	} else {
		c.load(c.history[next])
	}
}

// headerErr is what is wrong with the headers, "" when they parse.
func (c *callScreen) headerErr() string {
	for i, line := range strings.Split(c.headers.Value(), "\n") {
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
func (c *callScreen) bodyJSONErr() string {
	body := c.body.Value()
	if strings.TrimSpace(body) == "" {
		return ""
	}
	ct := ""
	for k, v := range c.request().Headers {
		if strings.EqualFold(k, "Content-Type") {
			ct = v
		}
	}
	if !vault.IsJSONContentType(ct) && (ct != "" || !strings.ContainsAny(strings.TrimSpace(body)[:1], "{[")) {
		return ""
	}
	return vault.JSONError(body)
}

// sendProblem is why the request cannot be sent as it is ("" when it can). A body that
// is not valid JSON under a JSON content type is sent on the second try: an API's
// answer to a malformed body is worth testing, but not by accident.
func (c *callScreen) sendProblem() string {
	if msg := c.headerErr(); msg != "" {
		return "✗ " + msg
	}
	if _, err := c.callRequest(c.request()).URL(); err != nil {
		return "✗ " + oauth.Sanitize(err.Error())
	}
	if e := c.bodyJSONErr(); e != "" {
		body := c.body.Value()
		if c.sendAnyway == nil || *c.sendAnyway != body {
			c.sendAnyway = &body
			return "the body is not valid JSON (" + e + "): send again to send it as it is"
		}
	}
	return ""
}

// callRequest is r as oauth sends it for the profile, without a token (for its URL).
func (c *callScreen) callRequest(r vault.TestRequest) oauth.CallRequest {
	return oauth.CallRequest{BaseURL: c.profile.APIBaseURL, Target: r.Path, Vars: c.profile.URLVars()}
}

// showsBody says whether the answer's body is on screen.
func (c *callScreen) showsBody() bool { return c.res != nil && !c.sending && !c.editing }

// layout sizes the fields and the body's viewport for the screen and what it shows.
func (c *callScreen) layout() {
	w := c.width - 2
	fw := max(10, w-labelWidth)
	c.target.Width = fw - 3
	for _, a := range []*textarea.Model{&c.query, &c.headers, &c.body} {
		a.SetWidth(fw)
	}
	c.query.SetHeight(2)
	c.headers.SetHeight(3)
	if c.editing {
		// Everything but the body's box: the head, method and path, the two other
		// boxes, and the lines under the fields.
		fixed := len(c.head(w)) + 2 + c.query.Height() + c.headers.Height()
		if c.headerErr() != "" || c.typedAuthorization() {
			fixed++
		}
		if c.bodyJSONErr() != "" {
			fixed++
		}
		if c.editNote != "" {
			fixed += len(wrapLines("", c.st.Warn, c.editNote, w, 2))
		}
		c.body.SetHeight(max(3, c.height-fixed))
	}
	if !c.showsBody() {
		return
	}
	c.vp.Width = w
	c.vp.Height = max(3, c.height-len(c.head(w))-len(c.meta(w))-1-boolInt(c.searching || c.search.Value() != ""))
	ck := fmt.Sprintf("%d/%s/%d/%d", w, c.search.Value(), c.cur, len(c.matches))
	if ck == c.contentKey {
		return
	}
	c.contentKey = ck
	c.vp.SetContent(c.renderBody(w))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// renderBody draws the body's lines: JSON coloured, search matches marked (a line with
// a match loses its JSON colours, so that the mark shows without colour too).
func (c *callScreen) renderBody(w int) string {
	st := c.st
	if len(c.lines) == 1 && strings.TrimSpace(c.lines[0]) == "" {
		return st.Subtle.Render("(empty body)")
	}
	json := c.res.IsJSON && !c.res.Truncated
	byLine := map[int][]int{}
	for i, m := range c.matches {
		byLine[m.line] = append(byLine[m.line], i)
	}
	out := make([]string, len(c.lines))
	for i, line := range c.lines {
		ms, ok := byLine[i]
		switch {
		case ok:
			var b strings.Builder
			at := 0
			for _, mi := range ms {
				m := c.matches[mi]
				b.WriteString(line[at:m.start])
				style := st.Match
				if mi == c.cur {
					style = st.MatchCurrent
				}
				b.WriteString(style.Render(line[m.start:m.end]))
				at = m.end
			}
			b.WriteString(line[at:])
			out[i] = b.String()
		case json:
			out[i] = highlightJSON(line, st)
		default:
			out[i] = line
		}
	}
	// Long lines are wrapped, not cut: a long string value, a minified or truncated
	// body is read in full.
	c.rowOf = make([]int, len(out))
	rows := 0
	for i, l := range out {
		c.rowOf[i] = rows
		if ansi.StringWidth(l) > w {
			out[i] = ansi.Hardwrap(l, w, true)
			rows += strings.Count(out[i], "\n")
		}
		rows++
	}
	return strings.Join(out, "\n")
}

// row is the viewport row where the body's line i starts.
func (c *callScreen) row(i int) int {
	if i < len(c.rowOf) {
		return c.rowOf[i]
	}
	return i
}

// lineAt is the body line shown on viewport row r.
func (c *callScreen) lineAt(r int) int {
	i, _ := slices.BinarySearch(c.rowOf, r+1)
	return max(0, i-1)
}

// labelWidth is the width of the editor's field labels.
const labelWidth = 10

// View implements screen.
func (c *callScreen) View(int, int) string {
	w := c.width - 2
	out := c.head(w)
	if c.editing {
		return strings.Join(append(out, c.editor(w)...), "\n")
	}
	out = append(out, c.meta(w)...)
	if c.showsBody() {
		out = append(out, c.rule(w), c.vp.View())
		if c.searching || c.search.Value() != "" {
			out = append(out, c.searchLine(w))
		}
	}
	return strings.Join(out, "\n")
}

// rule is the line above the body: where the view is in it.
func (c *callScreen) rule(w int) string {
	total, rows := len(c.lines), c.vp.TotalLineCount()
	unit := "lines"
	if total == 1 {
		unit = "line"
	}
	pos := fmt.Sprintf(" body · %d %s ", total, unit)
	if rows > c.vp.Height {
		first := c.lineAt(c.vp.YOffset) + 1
		last := c.lineAt(min(rows, c.vp.YOffset+c.vp.Height)-1) + 1
		pos = fmt.Sprintf(" body · lines %d–%d of %d ", first, last, total)
		if first == last && rows > 0 {
			pos = fmt.Sprintf(" body · line %d of %d · %d%% ", first, total, (100*min(rows, c.vp.YOffset+c.vp.Height)+rows-1)/rows)
		}
	}
	return truncateLine(c.st.Subtle.Render("──"+pos+strings.Repeat("─", max(0, w-2-ansi.StringWidth(pos)))), w)
}

// searchLine is the search field, or the search's result once entered.
func (c *callScreen) searchLine(w int) string {
	st := c.st
	count := st.Subtle.Render("  no match")
	if n := len(c.matches); n > 0 {
		count = st.Subtle.Render(fmt.Sprintf("  match %d of %d", c.cur+1, n))
	}
	if c.searching {
		return truncateLine(c.search.View()+count, w)
	}
	return truncateLine(st.Accent.Render("/")+st.Text.Render(oauth.OneLine(c.search.Value()))+count+st.Subtle.Render(" · n/N next/previous · / new search"), w)
}

// head is the title and the request: method and target (or, while editing, nothing:
// the editor shows them), the base URL, and the URL with {client_id} expanded.
func (c *callScreen) head(w int) []string {
	st := c.st
	title := st.Title.Render("Test call · " + oauth.OneLine(c.profile.Name))
	if !c.request().Equal(c.saved) {
		title += st.Subtle.Render(" · edited, not saved")
	}
	if c.histPos >= 0 {
		title += st.Info.Render(fmt.Sprintf(" · history %d of %d", c.histPos+1, len(c.history)))
	}
	head := []string{truncateLine(title, w)}
	// The request sent (the editor may hold another since), or while editing, the
	// one edited.
	r := c.request()
	if !c.editing {
		r = c.sent
		head = append(head, truncateLine(st.Label.Render("request")+st.Text.Render(r.Method+" "+oauth.OneLine(r.Path)), w))
	}
	// The URL the request really goes to (joined to the API URL, {client_id}
	// expanded, the query joined), live while the request is edited.
	if u, err := c.callRequest(r).URL(); err != nil {
		head = append(head, truncateLine(st.Label.Render("url")+st.Bad.Render("✗ "+oauth.OneLine(err.Error())), w))
	} else {
		head = append(head, truncateLine(st.Label.Render("url")+st.Subtle.Render(oauth.OneLine(u)), w))
	}
	return append(head, "")
}

// editor is the request editor: one row per field, the multi-line fields as tall as
// their box, each field's problem under it.
func (c *callScreen) editor(w int) []string {
	st := c.st
	label := func(f int, name string) string {
		if c.focus == f {
			return st.Accent.Render(pad("▸ "+name, labelWidth))
		}
		return st.Subtle.Render(pad("  "+name, labelWidth))
	}
	var out []string
	var method strings.Builder
	for i, m := range callMethods {
		switch {
		// Brackets mark the method without colour (NO_COLOR drops reverse video).
		case i == c.methodIdx && c.focus == reqMethod:
			method.WriteString(st.RowSelected.Render("[" + m + "]"))
		case i == c.methodIdx:
			method.WriteString(st.Accent.Render("[" + m + "]"))
		default:
			method.WriteString(st.Subtle.Render(" " + m + " "))
		}
	}
	out = append(out, truncateLine(label(reqMethod, "method")+st.Subtle.Render("│ ")+method.String(), w))
	out = append(out, truncateLine(label(reqTarget, "path")+c.target.View(), w))
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
	area(reqQuery, "query", c.query, "")
	var hp string
	if e := c.headerErr(); e != "" {
		hp = st.Bad.Render("✗ " + e)
	} else if c.typedAuthorization() {
		hp = st.Warn.Render("! Authorization is oat's: the profile's token replaces it")
	}
	area(reqHeaders, "headers", c.headers, hp)
	var bp string
	if e := c.bodyJSONErr(); e != "" {
		bp = st.Warn.Render("! not valid JSON: " + e)
	}
	area(reqBody, "body", c.body, bp)
	if c.editNote != "" {
		style := st.OK
		if c.editBad {
			style = st.Warn
		}
		out = append(out, wrapLines("", style, c.editNote, w, 2)...)
	}
	return out
}

// typedAuthorization says whether the headers set Authorization (which oat overrides).
func (c *callScreen) typedAuthorization() bool {
	for k := range c.request().Headers {
		if strings.EqualFold(k, "Authorization") {
			return true
		}
	}
	return false
}

// meta is the state of the call: sending, the error, or the answer's status, timing
// and telling headers.
func (c *callScreen) meta(w int) []string {
	st := c.st
	if c.leaving && !c.sending {
		warn := wrapLines("", st.Warn, "! the edited request was neither sent nor saved: e, then ctrl+s saves it · esc again leaves without it", w, 2)
		return append(warn, c.outcome(w)...)
	}
	return c.outcome(w)
}

// outcome is the call's state: sending, the error, or the answer.
func (c *callScreen) outcome(w int) []string {
	st := c.st
	switch {
	case c.sending:
		return []string{c.deps.busy("sending (esc cancels)")}
	case c.err != nil:
		text, hints := vault.ErrorAndHints(c.err)
		meta := wrapLines("", st.Bad, "✗ "+oauth.Sanitize(text), w, 6)
		for _, h := range hints {
			meta = append(meta, truncateBlock(st.Hint.Width(w).Render("hint: "+h), w))
		}
		return meta
	case c.res != nil:
		return c.resultMeta(w)
	}
	return nil
}

// appAdvice words a step that may fix a refused call with the app's keys.
func appAdvice(a oauth.Advice) string {
	switch a {
	case oauth.AdviceFreshToken:
		return "press f to send it again with a fresh token"
	case oauth.AdviceInspect:
		return "check its audience and scopes in the inspector (i on the list)"
	case oauth.AdviceAddScope:
		return "add it to the profile's scopes (e on the list)"
	}
	return ""
}

func (c *callScreen) resultMeta(w int) []string {
	st, r := c.st, c.res
	var meta []string
	if c.note != "" {
		meta = append(meta, truncateBlock(st.Warn.Width(w).Render("! "+c.note), w))
	}
	style, mark := st.OK, "✓"
	if r.Status >= 400 {
		style, mark = st.Bad, "✗"
	} else if r.Status >= 300 {
		style, mark = st.Warn, "→"
	}
	meta = append(meta, truncateLine(style.Render(fmt.Sprintf("%s HTTP %d %s", mark, r.Status, r.StatusText))+
		st.Subtle.Render(fmt.Sprintf("  %s · %s", latencyText(r.Latency), vault.SizeText(int64(len(r.Body))))), w))
	for _, h := range r.TellingHeaders() {
		// A WWW-Authenticate challenge is read in full: wrapped under its name.
		vals := wrapLines(strings.Repeat(" ", 23), st.Text, oauth.OneLine(h[1]), w, 3)
		vals[0] = truncateLine(st.Subtle.Render(pad(strings.ToLower(h[0]), 22))+" "+strings.TrimLeft(vals[0], " "), w)
		meta = append(meta, vals...)
	}
	if why := oauth.Explain(r.Explanation, r.Advice, appAdvice); why != "" {
		meta = append(meta, truncateBlock(st.Warn.Width(w).Render("why: "+why), w))
	}
	if r.Truncated {
		meta = append(meta, truncateBlock(st.Warn.Width(w).Render(fmt.Sprintf("⚠ body truncated: oat reads at most %s of an answer; y copies what was read",
			vault.SizeText(int64(len(r.Body))))), w))
	}
	if c.notKept != "" {
		meta = append(meta, truncateLine(st.Subtle.Render(c.notKept), w))
	}
	return meta
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
