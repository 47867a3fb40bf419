package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	"github.com/charmbracelet/bubbles/viewport"
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
}

// callScreen edits and sends a test call with the profile's token, then shows status,
// latency, the telling headers and the body (JSON pretty-printed and coloured) in a
// scrollable viewport. 401 / 403 are explained from WWW-Authenticate.
type callScreen struct {
	deps    Deps
	st      *theme.Styles
	keys    callKeys
	profile vault.Profile
	method  textinput.Model
	target  textinput.Model
	editing bool
	focus   int
	vp      viewport.Model
	sending bool
	req     int
	cancel  context.CancelFunc
	res     *oauth.CallResult
	err     error
	// note says what happened beyond the call (the cached token was rejected).
	note          string
	width, height int
}

// callKeys are the test call's keys. esc cancels while editing or sending, and leaves
// once a result is shown.
type callKeys struct {
	Send, Switch, Cancel, Rerun, EditReq, ScrollU, ScrollD, Back key.Binding
}

func newCallKeys() callKeys {
	return callKeys{
		Send:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Switch:  key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "method/target")),
		Cancel:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Rerun:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again")),
		EditReq: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit request")),
		ScrollU: keyScrollU, ScrollD: keyScrollD, Back: keyBack,
	}
}

func newCallScreen(d Deps, p vault.Profile) *callScreen {
	st := d.Styles
	mk := func(v, ph string) textinput.Model {
		in := newInput(st)
		in.Prompt, in.Placeholder = "", ph
		in.SetValue(v)
		in.TextStyle, in.PlaceholderStyle = st.Text, st.Subtle
		return in
	}
	method := p.TestRequest.Method
	if method == "" {
		method = "GET"
	}
	target := p.TestRequest.Path
	if target == "" && p.APIBaseURL == "" {
		target = "https://"
	}
	c := &callScreen{deps: d, st: st, keys: newCallKeys(), profile: p, method: mk(method, "GET"),
		target: mk(target, "path (joined to "+p.APIBaseURL+") or full URL"), vp: viewport.New(80, 10)}
	c.editing = !p.HasTestCall()
	return c
}

// Init starts editing, or sends the profile's test request at once when it has one.
func (c *callScreen) Init() tea.Cmd {
	if c.editing {
		c.focus = 1
		return c.target.Focus()
	}
	return c.send()
}

// Capturing implements screen.
func (c *callScreen) Capturing() bool { return c.editing }

// Keys implements screen.
func (c *callScreen) Keys() help.KeyMap {
	k := c.keys
	if c.editing {
		return simpleKeys{k.Send, k.Switch, k.Cancel}
	}
	if c.sending {
		return simpleKeys{k.Cancel}
	}
	return simpleKeys{k.Rerun, k.EditReq, k.ScrollU, k.ScrollD, k.Back}
}

func (c *callScreen) send() tea.Cmd {
	c.editing = false
	c.method.Blur()
	c.target.Blur()
	if c.cancel != nil {
		c.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.sending, c.req, c.res, c.err, c.note = cancel, true, c.req+1, nil, nil, ""
	b, p, req := c.deps.Broker, c.profile, c.req
	method, target := strings.ToUpper(strings.TrimSpace(c.method.Value())), strings.TrimSpace(c.target.Value())
	return func() tea.Msg {
		// The broker hands out the cached token only while it is valid (an expired one
		// is replaced first), and replaces it once if the API rejects it.
		out, err := b.Call(ctx, p.Name, false, func(p vault.Profile, tok string) (oauth.CallRequest, error) {
			cr, err := p.CallRequest(tok)
			cr.Method, cr.Target = method, target
			if target != p.TestRequest.Path {
				cr.Body, cr.Headers = nil, nil
			}
			return cr, err
		})
		msg := callDoneMsg{req: req, err: err, out: out}
		if out != nil {
			msg.res = out.Result
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
	case callDoneMsg:
		if msg.req != c.req {
			return c, nil
		}
		c.sending, c.res, c.err = false, msg.res, msg.err
		c.vp.GotoTop()
		if out := msg.out; out != nil && (out.Retried || out.Rejected) {
			c.note = out.Note()
			replaced := tokenReplacedMsg{id: c.profile.ID, rejected: out.Rejected}
			if !out.Rejected {
				replaced.res = out.Token
			}
			return c, func() tea.Msg { return replaced }
		}
		return c, nil
	case tea.KeyMsg:
		if c.editing {
			return c.onEditKey(msg)
		}
		switch {
		case key.Matches(msg, c.keys.Cancel) && c.sending:
			c.cancel()
			c.sending = false
			c.req++
			c.err = fmt.Errorf("cancelled")
			return c, nil
		case key.Matches(msg, c.keys.Back):
			if c.sending {
				c.cancel()
			}
			return closeScreen()
		case key.Matches(msg, c.keys.Rerun) && !c.sending:
			return c, c.send()
		case key.Matches(msg, c.keys.EditReq) && !c.sending:
			c.editing, c.focus = true, 1
			return c, c.target.Focus()
		}
	}
	if m, ok := msg.(tea.MouseMsg); ok && (!c.showsBody() || m.Y <= c.bodyTop()) {
		return c, nil // the wheel scrolls the body only when the pointer is over it
	}
	var cmd tea.Cmd
	c.vp, cmd = c.vp.Update(msg)
	return c, cmd
}

// bodyTop is the terminal row of the rule above the body.
func (c *callScreen) bodyTop() int {
	w := c.width - 2
	return strings.Count(strings.Join(append(c.head(w), c.meta(w)...), "\n"), "\n") + 1
}

// onEditKey handles a key while the request is edited: every key but send, switch and
// cancel goes to the focused field.
func (c *callScreen) onEditKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	switch {
	case key.Matches(msg, c.keys.Cancel):
		if c.res == nil && c.err == nil {
			return closeScreen()
		}
		c.editing = false
		c.method.Blur()
		c.target.Blur()
		return c, nil
	case key.Matches(msg, c.keys.Send):
		return c, c.send()
	case key.Matches(msg, c.keys.Switch):
		if c.focus == 0 {
			c.focus = 1
			c.method.Blur()
			return c, c.target.Focus()
		}
		c.focus = 0
		c.target.Blur()
		return c, c.method.Focus()
	}
	var cmd tea.Cmd
	if c.focus == 0 {
		c.method, cmd = c.method.Update(msg)
	} else {
		c.target, cmd = c.target.Update(msg)
	}
	return c, cmd
}

// showsBody says whether the answer's body is on screen.
func (c *callScreen) showsBody() bool { return c.res != nil && !c.sending && !c.editing }

// layout sizes the fields and the body's viewport for the screen and what it shows.
func (c *callScreen) layout() {
	w := c.width - 2
	c.method.Width, c.target.Width = 7, max(10, w-24)
	if !c.showsBody() {
		return
	}
	body := c.res.Display()
	if c.res.IsJSON && !c.res.Truncated {
		body = highlightJSON(body, c.st)
	}
	if strings.TrimSpace(body) == "" {
		body = c.st.Subtle.Render("(empty body)")
	}
	c.vp.Width, c.vp.Height = w, max(3, c.height-len(c.head(w))-len(c.meta(w))-1)
	c.vp.SetContent(truncateBlock(body, w))
}

// View implements screen.
func (c *callScreen) View(int, int) string {
	w := c.width - 2
	out := append(c.head(w), c.meta(w)...)
	if c.showsBody() {
		out = append(out, c.st.Subtle.Render(strings.Repeat("─", w)), c.vp.View())
	}
	return strings.Join(out, "\n")
}

// head is the request: method, target, base URL, and the URL with {client_id} expanded.
func (c *callScreen) head(w int) []string {
	st := c.st
	head := []string{st.Title.Render("Test call · " + c.profile.Name)}
	reqLine := st.Label.Render("request") + c.method.View() + " " + c.target.View()
	if c.editing {
		reqLine = st.Accent.Render("▸ ") + reqLine
	}
	head = append(head, truncateLine(reqLine, w))
	if base := c.profile.APIBaseURL; base != "" {
		head = append(head, truncateLine(st.Label.Render("base")+st.Subtle.Render(oauth.OneLine(base)), w))
	}
	// {client_id} and the like: show the URL the request really goes to, live while
	// the target is edited.
	if target := strings.TrimSpace(c.target.Value()); strings.Contains(target+c.profile.APIBaseURL, "{") {
		req := oauth.CallRequest{BaseURL: c.profile.APIBaseURL, Target: target, Vars: c.profile.URLVars()}
		if u, err := req.URL(); err != nil {
			head = append(head, truncateLine(st.Label.Render("url")+st.Bad.Render("✗ "+oauth.OneLine(err.Error())), w))
		} else {
			head = append(head, truncateLine(st.Label.Render("url")+st.Text.Render(oauth.OneLine(u)), w))
		}
	}
	return append(head, "")
}

// meta is the state of the call: editing, sending, the error, or the answer's status,
// timing and telling headers.
func (c *callScreen) meta(w int) []string {
	st := c.st
	switch {
	case c.editing:
		return []string{st.Subtle.Render("enter sends with the profile's token · tab switches method/target · esc leaves")}
	case c.sending:
		return []string{c.deps.busy("sending (esc cancels)")}
	case c.err != nil:
		meta := []string{truncateBlock(st.Bad.Width(w).Render("✗ "+oauth.Sanitize(c.err.Error())), w)}
		if h := vault.Hint(c.err); h != "" {
			meta = append(meta, truncateBlock(st.Hint.Width(w).Render("hint: "+h), w))
		}
		return meta
	case c.res != nil:
		return c.resultMeta(w)
	}
	return nil
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
		st.Subtle.Render(fmt.Sprintf("  %s · %d bytes", latencyText(r.Latency), len(r.Body))), w))
	meta = append(meta, truncateLine(st.Subtle.Render(r.Method+" "+r.URL), w))
	for _, h := range r.TellingHeaders() {
		meta = append(meta, truncateLine(st.Subtle.Render(pad(strings.ToLower(h[0]), 22))+st.Text.Render(" "+h[1]), w))
	}
	if r.Explanation != "" {
		meta = append(meta, truncateBlock(st.Warn.Width(w).Render("why: "+r.Explanation), w))
	}
	if r.Truncated {
		meta = append(meta, st.Warn.Render(fmt.Sprintf("⚠ body truncated: only the first %d bytes were read", len(r.Body))))
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
