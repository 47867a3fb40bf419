package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

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
	history []vault.HistoryEntry
	kept    error
	// changed is the profile as another oat left it when what the call depends on
	// changed since the screen opened (changes says what): nothing was sent.
	changed *vault.Profile
	changes []string
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
	history []vault.HistoryEntry
}

// callScreen edits and sends a test call with the profile's token, then shows status,
// latency, the telling headers and the body (JSON pretty-printed and coloured) in a
// scrollable, searchable view. 401 / 403 are explained from WWW-Authenticate, in the
// app's words. The request editor (call_editor.go) and the body's view (call_body.go)
// are its parts.
type callScreen struct {
	deps    Deps
	st      *theme.Styles
	keys    callKeys
	profile vault.Profile

	// the editor, shown while editing
	requestEditor
	editing bool
	// leaving is set by an esc with unsaved changes: a second esc leaves.
	leaving bool
	// crossSend and crossSave are the origins (other than the API URL's) the user was
	// told the token goes to: the next send, or save, to that origin goes ahead.
	crossSend, crossSave string

	// the call and its answer
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
	// advice is what may fix a refused call (vault.CallOutcome.Advice: no fresh token
	// when the call carried one already).
	advice []oauth.Advice
	// token is the bearer token the last call carried: a request holding it is not
	// saved (vault.SaveTestRequest).
	token string
	bodyView

	width, height int
}

// callKeys are the test call's keys.
type callKeys struct {
	// the editor
	Send, SendAny, Save, Next, Prev, MethodPrev, MethodNext, History, HistoryNewer, EditBack key.Binding
	// the answer
	Cancel, Rerun, Fresh, EditReq, Search, NextMatch, PrevMatch, CopyBody, ScrollU, ScrollD, Top, Bottom, Back key.Binding
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
		Top:          key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("home", "top")),
		Bottom:       key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("end", "bottom")),
		SearchDone:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "find")),
		SearchCancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear search")),
	}
}

func newCallScreen(d Deps, p vault.Profile) *callScreen {
	st, keys := d.Styles, newCallKeys()
	return &callScreen{deps: d, st: st, keys: keys, profile: p, editing: !p.HasTestCall(),
		requestEditor: newRequestEditor(st, keys, p.TestRequest, p.APIBaseURL != ""), bodyView: newBodyView(st)}
}

// Init starts editing, or sends the profile's test request at once when it has one
// (unless it sends the token to another origin than the API URL: then it asks first).
func (c *callScreen) Init() tea.Cmd {
	cmds := []tea.Cmd{c.loadHistory()}
	if to, api, cross := c.profile.CrossOrigin(c.request()); cross && !c.editing {
		c.editing, c.editBad, c.crossSend = true, true, to
		c.editNote = "! the saved request sends the token to " + to + ", not " + api + ": enter sends it"
	}
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
		// The profile as it is now, by its ID: another oat may have renamed it (and
		// given its name to another), or changed where its token goes.
		cur, err := b.Vault.GetByID(p.ID)
		if err != nil {
			return callDoneMsg{req: req, err: err}
		}
		if ch := p.Changes(cur); len(ch) > 0 {
			return callDoneMsg{req: req, changed: &cur, changes: ch}
		}
		// The broker hands out the cached token only while it is valid (an expired one
		// is replaced first), and replaces it once if the API rejects it.
		out, err := b.CallByID(ctx, p.ID, force, func(p vault.Profile, tok string) (oauth.CallRequest, error) {
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
	if msg.changed != nil {
		// Sent only once the user has seen what changed: the next send uses the
		// profile as it is now.
		c.profile, c.editing, c.editBad = *msg.changed, true, true
		c.editNote = "! the profile changed since this screen opened (" + strings.Join(msg.changes, "; ") + "): nothing was sent; enter sends with it as it is now"
		return c.focusField(reqTarget)
	}
	if msg.out != nil && msg.out.Token != nil {
		// renamed elsewhere: the title follows
		c.profile, c.token = msg.out.Token.Profile, msg.out.Token.Token.AccessToken
	}
	c.advice = msg.out.Advice()
	if msg.res != nil {
		c.setBody(msg.res)
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
	case key.Matches(msg, k.SearchCancel) && !c.sending && c.search.Value() != "":
		c.clearSearch() // esc clears a committed search first
		return c, nil
	case key.Matches(msg, k.Back):
		if c.sending {
			c.cancel()
			return closeScreen()
		}
		if r := c.request(); !leaving && !r.Equal(c.saved) {
			c.leaving = true // edits not saved: asked, as the editor does
			return c, nil
		}
		return closeScreen()
	case c.sending:
		return c, nil
	case key.Matches(msg, k.Rerun), key.Matches(msg, k.Fresh):
		if why := c.crossProblem(); why != "" {
			// Edited since (esc keeps the edits): asked in the editor, as a send there.
			c.editing, c.editNote, c.editBad = true, why, true
			return c, c.focusField(reqTarget)
		}
		return c, c.send(key.Matches(msg, k.Fresh))
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
	case key.Matches(msg, k.Top):
		c.vp.GotoTop()
		return c, nil
	case key.Matches(msg, k.Bottom):
		c.vp.GotoBottom()
		return c, nil
	case key.Matches(msg, k.PrevMatch) && len(c.matches) > 0:
		c.cur = (c.cur + len(c.matches) - 1) % len(c.matches)
		c.showMatch()
		return c, nil
	case key.Matches(msg, k.CopyBody):
		// The body as the user sees it (not pretty-printed, not coloured), without the
		// escape sequences and control characters a server may have put in it: pasted
		// into a terminal, they would act (paste-jacking). Not a secret: no countdown.
		raw := string(c.res.Body)
		clean, what := oauth.Sanitize(raw), "response body"
		if clean != raw {
			what = "response body (control characters removed)"
		}
		return c, func() tea.Msg { return copyMsg{what: what, value: clean, plain: true} }
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

// bodyTop is the terminal row of the rule above the body.
func (c *callScreen) bodyTop() int {
	w := c.width - 2
	return strings.Count(strings.Join(append(c.head(w), c.meta(w)...), "\n"), "\n") + 1
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
		if to, api, cross := c.profile.CrossOrigin(c.request()); cross && c.crossSave != to {
			c.crossSave, c.editBad = to, true
			c.editNote = "! once saved, every test call of the profile sends the token to " + to + ", not " + api + ": ctrl+s again saves it"
			return c, nil
		}
		v, id, req, tok := c.deps.Broker.Vault, c.profile.ID, c.request(), c.token
		return c, func() tea.Msg {
			np, err := v.SaveTestRequest(context.Background(), id, req, tok)
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
	return c, c.update(msg)
}

// sendProblem is why the request cannot be sent as it is ("" when it can). A body that
// is not valid JSON under a JSON content type is sent on the second try: an API's
// answer to a malformed body is worth testing, but not by accident.
func (c *callScreen) sendProblem() string {
	if msg := c.headerErr(); msg != "" {
		return "✗ " + msg
	}
	if _, err := c.callRequest(c.request()).URL(); err != nil {
		return "✗ " + oauth.Sanitize(oauth.RedactURL(err.Error()))
	}
	if why := c.crossProblem(); why != "" {
		return why
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

// crossProblem asks before the token goes to another origin than the API URL's (a
// full URL typed as the path): it says where, once per origin; "" when the request
// stays on the API's origin or the user was told already.
func (c *callScreen) crossProblem() string {
	to, api, cross := c.profile.CrossOrigin(c.request())
	if !cross || c.crossSend == to {
		return ""
	}
	c.crossSend = to
	again := "enter"
	if c.editing && c.focus > reqTarget {
		again = "ctrl+r"
	}
	return "! the token goes to " + to + ", not " + api + ": " + again + " again sends it"
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
	c.setWidth(w)
	if c.editing {
		c.setHeight(c.height-len(c.head(w)), w)
	}
	if c.showsBody() {
		c.size(w, max(3, c.height-len(c.head(w))-len(c.meta(w))-1-boolInt(c.searching || c.search.Value() != "")))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

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

// head is the title and the request: method and target (or, while editing, nothing:
// the editor shows them), the base URL, and the URL with {client_id} expanded.
func (c *callScreen) head(w int) []string {
	st := c.st
	title := st.Title.Render("Test call · " + oauth.OneLine(c.profile.Name))
	if !c.request().Equal(c.saved) {
		title += st.Subtle.Render(" · edited, not saved")
	}
	if c.histPos >= 0 && c.editing {
		title += st.Info.Render(fmt.Sprintf(" · history %d of %d", c.histPos+1, len(c.history)))
	}
	head := []string{truncateLine(title, w)}
	// The request sent (the editor may hold another since), or while editing, the
	// one edited.
	r := c.request()
	if !c.editing {
		r = c.sent
		head = append(head, truncateLine(st.Label.Render("request")+st.Text.Render(r.Method+" "+oauth.OneLine(oauth.RedactURL(r.Path))), w))
	}
	// The URL the request really goes to (joined to the API URL, {client_id}
	// expanded, the query joined), live while the request is edited.
	if u, err := c.callRequest(r).URL(); err != nil {
		head = append(head, truncateLine(st.Label.Render("url")+st.Bad.Render("✗ "+oauth.OneLine(oauth.RedactURL(err.Error()))), w))
	} else {
		head = append(head, truncateLine(st.Label.Render("url")+st.Subtle.Render(oauth.OneLine(oauth.RedactURL(u))), w))
	}
	return append(head, "")
}

// meta is the state of the call: sending, the error, or the answer's status, timing
// and telling headers.
func (c *callScreen) meta(w int) []string {
	st := c.st
	if c.leaving && !c.sending {
		warn := wrapLines("", st.Warn, "! the edited request is not saved: e, then ctrl+s saves it · esc again leaves without saving", w, 2)
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
		text, hints := vault.Explain(c.err)
		meta := wrapLines("", st.Bad, "✗ "+oauth.Sanitize(text), w, 6)
		for _, h := range hints {
			meta = append(meta, wrapLines("", st.Hint, "hint: "+appHint(h), w, 3)...)
		}
		return meta
	case c.res != nil:
		return c.resultMeta(w)
	}
	return nil
}

// appHint words a hint for the app. (The timeout hint, which once said "raise
// --timeout", now reads right in both front ends; this is where app-only wording goes.)
func appHint(h string) string { return h }

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
		meta = append(meta, wrapLines("", st.Warn, "! "+c.note, w, 3)...)
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
	if r.Explanation != "" {
		// The explanation quotes the server (capped), on a few lines that leave room
		// for the body; the advice on lines of its own, never cut off by it.
		meta = append(meta, wrapLines("", st.Warn, "why: "+r.Explanation, w, max(2, min(5, c.height/6)))...)
		var steps []string
		for _, a := range c.advice {
			if s := appAdvice(a); s != "" {
				steps = append(steps, s)
			}
		}
		if len(steps) > 0 {
			meta = append(meta, wrapLines("", st.Warn, "try: "+strings.Join(steps, ", and "), w, 3)...)
		}
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
