package ui

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// The form's fields, in order. Each maps to a profile field (validation errors name
// those, so they land under the right input).
const (
	fImport = iota
	fDiscover
	fName
	fEnv
	fTokenURL
	fClientID
	fSecret
	fScopes
	fAudience
	fResource
	fParams
	fAuth
	fEncoding
	fAPI
	fTestMethod
	fTestPath
	fTestHeaders
	fCAFile
	fInsecure
	fNotes
	fieldCount
)

var fieldLabels = [fieldCount]string{"import .env", "discover issuer", "name", "environment", "token URL", "client ID", "client secret",
	"scopes", "audience", "resource", "extra params", "auth", "basic encoding", "API base URL", "test method", "test path", "test headers", "CA file", "insecure http", "notes"}

var fieldHelp = [fieldCount]string{
	"path of a .env file (EDS_CLIENT_ID… or CLIENT_ID…); enter reads it",
	"issuer URL, e.g. https://sso.example.com/realms/x; enter finds the token URL",
	"short name used on the command line",
	"label such as staging or production",
	"the provider's token endpoint",
	"",
	"pasted or typed; never shown here",
	"space-separated",
	"audience parameter, if the provider wants one",
	"RFC 8707 resource, if the provider wants one",
	"KEY=VALUE, space-separated",
	"basic, post or auto (auto tries Basic, then the body)",
	"rfc (default) or raw for servers that do not decode Basic",
	"base URL for test calls",
	"GET unless set",
	"path (or URL) of the test call",
	"Key: Value; Other-Key: value",
	"extra CA certificates (PEM) for this profile",
	"yes allows plain http on non-loopback hosts",
	"",
}

// profileField maps validation field names to form fields.
var profileField = map[string]int{
	"name": fName, "token_url": fTokenURL, "client_id": fClientID, "client_secret": fSecret, "scopes": fScopes,
	"auth_method": fAuth, "basic_encoding": fEncoding, "api_base_url": fAPI, "test_request.method": fTestMethod,
	"test_request.headers": fTestHeaders, "extra_params": fParams, "detected_auth": fAuth,
	"environment": fEnv, "audience": fAudience, "resource": fResource, "test_request.path": fTestPath,
	"ca_file": fCAFile, "notes": fNotes,
}

// formScreen adds or edits a profile. Nothing is saved until ctrl+s (or enter on the
// last field); esc discards everything.
type formScreen struct {
	deps    Deps
	st      *theme.Styles
	editing *vault.Profile
	inputs  [fieldCount]textinput.Model
	errs    map[int]string
	focus   int
	saving  bool
	busy    string
	formErr string
	keys    formKeys
	// issuer is the issuer the token URL was discovered from, saved with the profile
	// (inspect then verifies only that issuer's tokens).
	issuer string
	// discovering is the issuer a discovery in flight was asked for; pending is a
	// discovered token endpoint on another origin than that issuer, which a second enter
	// on the same issuer accepts and any edit of the issuer forgets.
	discovering string
	pending     *oauth.Metadata
	pendingFor  string
}

// formKeys are the form's keys; every other key goes to the focused field.
type formKeys struct{ Next, Prev, Enter, Save, Cancel key.Binding }

// ShortHelp implements help.KeyMap.
func (k formKeys) ShortHelp() []key.Binding { return []key.Binding{k.Next, k.Prev, k.Save, k.Cancel} }

// FullHelp implements help.KeyMap.
func (k formKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev, k.Enter, k.Save, k.Cancel}}
}

func newFormKeys() formKeys {
	return formKeys{
		Next:   key.NewBinding(key.WithKeys("tab", "down"), key.WithHelp("tab/↓", "next field")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab", "up"), key.WithHelp("shift+tab/↑", "previous")),
		Enter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "read .env / discover / next")),
		Save:   key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
	}
}

func newForm(d Deps, editing *vault.Profile) *formScreen {
	st := d.Styles
	f := &formScreen{deps: d, st: st, keys: newFormKeys(), editing: editing, errs: map[int]string{}}
	for i := range f.inputs {
		in := newInput(st)
		in.Prompt = ""
		in.CharLimit = 2048
		in.TextStyle = st.Text
		in.PlaceholderStyle = st.Subtle
		if !st.NoColor {
			in.Cursor.Style = st.Accent
		}
		f.inputs[i] = in
	}
	f.inputs[fSecret].EchoMode = textinput.EchoPassword
	f.inputs[fSecret].EchoCharacter = '•'
	f.inputs[fAuth].SetValue("auto")
	f.inputs[fEncoding].SetValue("rfc")
	f.inputs[fInsecure].SetValue("no")
	f.inputs[fImport].Placeholder = "optional"
	f.inputs[fDiscover].Placeholder = "optional"
	f.focus = fImport
	if editing != nil {
		// The form shows what it will save: a field with control characters in it (a
		// hand edit of profiles.toml) is shown escaped, and saved as shown.
		shown := displayProfile(*editing)
		p := &shown
		f.issuer = editing.Issuer
		f.inputs[fName].SetValue(p.Name)
		f.inputs[fEnv].SetValue(p.Environment)
		f.inputs[fTokenURL].SetValue(p.TokenURL)
		f.inputs[fClientID].SetValue(p.ClientID)
		f.inputs[fSecret].Placeholder = "unchanged (type to replace; R rotates with a check)"
		f.inputs[fScopes].SetValue(strings.Join(p.Scopes, " "))
		f.inputs[fAudience].SetValue(p.Audience)
		f.inputs[fResource].SetValue(p.Resource)
		var params []string
		for k, v := range p.ExtraParams {
			params = append(params, k+"="+v)
		}
		sort.Strings(params)
		f.inputs[fParams].SetValue(strings.Join(params, " "))
		f.inputs[fAuth].SetValue(string(p.AuthMethod))
		if p.BasicEncoding != "" {
			f.inputs[fEncoding].SetValue(string(p.BasicEncoding))
		}
		f.inputs[fAPI].SetValue(p.APIBaseURL)
		f.inputs[fTestMethod].SetValue(p.TestRequest.Method)
		f.inputs[fTestPath].SetValue(p.TestRequest.Path)
		var hdrs []string
		for k, v := range p.TestRequest.Headers {
			hdrs = append(hdrs, k+": "+v)
		}
		sort.Strings(hdrs)
		f.inputs[fTestHeaders].SetValue(strings.Join(hdrs, "; "))
		f.inputs[fCAFile].SetValue(p.CAFile)
		if p.InsecureHTTP {
			f.inputs[fInsecure].SetValue("yes")
		}
		f.inputs[fNotes].SetValue(p.Notes)
		f.focus = fName
	}
	return f
}

// Init focuses the first field.
func (f *formScreen) Init() tea.Cmd { return f.inputs[f.focus].Focus() }

// Capturing implements screen: a field always has focus.
func (f *formScreen) Capturing() bool { return true }

// Keys implements screen.
func (f *formScreen) Keys() help.KeyMap { return f.keys }

func (f *formScreen) visible(i int) bool {
	if f.editing != nil && (i == fImport || i == fDiscover) {
		return false
	}
	return true
}

func (f *formScreen) move(delta int) tea.Cmd {
	f.inputs[f.focus].Blur()
	for {
		f.focus = (f.focus + delta + fieldCount) % fieldCount
		if f.visible(f.focus) {
			break
		}
	}
	return f.inputs[f.focus].Focus()
}

// Update implements screen.
func (f *formScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if f.saving {
			return f, nil
		}
		return f.onKey(msg)
	case discoveredMsg:
		return f, f.onDiscovered(msg)
	case importedEnvMsg:
		return f, f.onImported(msg)
	case savedMsg:
		return f.onSaved(msg)
	}
	return f, nil
}

func (f *formScreen) onKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	switch {
	case key.Matches(msg, f.keys.Cancel):
		f.wipe()
		return closeScreen()
	case key.Matches(msg, f.keys.Save):
		return f.save()
	case key.Matches(msg, f.keys.Next):
		return f, f.move(1)
	case key.Matches(msg, f.keys.Prev):
		return f, f.move(-1)
	case key.Matches(msg, f.keys.Enter):
		return f.onEnter()
	}
	var cmd tea.Cmd
	before := f.inputs[f.focus].Value()
	f.inputs[f.focus], cmd = f.inputs[f.focus].Update(msg)
	if f.focus == fDiscover && f.inputs[fDiscover].Value() != before {
		f.pending = nil // another issuer: whatever was discovered no longer applies
	}
	if len(f.errs) > 0 {
		f.validate()
	}
	return f, cmd
}

// onEnter reads the .env file, discovers the issuer (a second enter confirms a token
// endpoint on another origin), saves from the notes, or moves on.
func (f *formScreen) onEnter() (screen, tea.Cmd) {
	switch f.focus {
	case fImport:
		if path := strings.TrimSpace(f.inputs[fImport].Value()); path != "" {
			f.busy = "reading " + path + "…"
			return f, importEnvCmd(path)
		}
	case fDiscover:
		if iss := strings.TrimSpace(f.inputs[fDiscover].Value()); iss != "" {
			if f.pending != nil && f.pendingFor == iss {
				return f, f.acceptDiscovered(f.pending) // the second enter: confirmed
			}
			f.pending, f.discovering = nil, iss
			f.busy = "discovering " + oauth.OneLine(iss) + "…"
			return f, discoverCmd(f.deps.Broker.Client, iss)
		}
	case fNotes:
		return f.save()
	}
	return f, f.move(1)
}

func (f *formScreen) onDiscovered(msg discoveredMsg) tea.Cmd {
	f.busy = ""
	if msg.err != nil {
		f.errs[fDiscover] = vault.FirstLine(msg.err)
		return nil
	}
	delete(f.errs, fDiscover)
	if _, _, cross := msg.meta.TokenEndpointOrigin(); cross {
		// The client secret would go to a host the issuer's origin does not vouch
		// for: show both origins and wait for a second enter.
		f.pending, f.pendingFor = msg.meta, f.discovering
		return nil
	}
	return f.acceptDiscovered(msg.meta)
}

func (f *formScreen) onImported(msg importedEnvMsg) tea.Cmd {
	f.busy = ""
	if msg.err != nil {
		f.errs[fImport] = msg.err.Error()
		return nil
	}
	delete(f.errs, fImport)
	c := msg.creds
	if f.inputs[fName].Value() == "" {
		f.inputs[fName].SetValue(c.DefaultName(msg.path))
	}
	f.inputs[fClientID].SetValue(c.ClientID)
	f.inputs[fSecret].SetValue(c.Secret)
	f.inputs[fTokenURL].SetValue(c.TokenURL)
	f.inputs[fAPI].SetValue(c.APIURL)
	f.inputs[fScopes].SetValue(strings.ReplaceAll(c.Scope, ",", " "))
	// EarthDaily's EDS.env comes with EDS_SECRET empty or a placeholder: the secret the
	// provider showed once is typed into the masked field.
	if c.NoSecret != "" {
		f.errs[fSecret] = "not in the file: type or paste it here (" + oauth.OneLine(c.NoSecret) + ")"
		return f.moveTo(fSecret)
	}
	return f.moveTo(fName)
}

// onSaved shows a new secret once, or closes the form.
func (f *formScreen) onSaved(msg savedMsg) (screen, tea.Cmd) {
	f.saving = false
	if msg.err != nil {
		f.formErr = oauth.Sanitize(msg.err.Error())
		f.mapErr(msg.err)
		return f, nil
	}
	secret := msg.secret
	f.wipe()
	if secret != "" {
		return newSecretOnce(f.deps, msg.profile, secret, msg.added), nil
	}
	if len(msg.overwrote) > 0 {
		return closeWith("saved " + msg.profile.Name + "; another oat had changed " + strings.Join(msg.overwrote, ", ") + " meanwhile: yours replaced it")
	}
	return closeWith("saved " + msg.profile.Name)
}

// acceptDiscovered fills the form from discovered metadata and pins its issuer.
func (f *formScreen) acceptDiscovered(m *oauth.Metadata) tea.Cmd {
	f.pending, f.pendingFor = nil, ""
	f.inputs[fTokenURL].SetValue(m.TokenEndpoint)
	f.inputs[fAuth].SetValue(string(m.SuggestedAuth()))
	f.issuer = m.Issuer
	f.formErr = ""
	return f.moveTo(fName)
}

func (f *formScreen) moveTo(i int) tea.Cmd {
	f.inputs[f.focus].Blur()
	f.focus = i
	return f.inputs[i].Focus()
}

// wipe forgets the secret typed into the form.
func (f *formScreen) wipe() { f.inputs[fSecret].SetValue("") }

// profile builds the profile the form describes.
func (f *formScreen) profile() (vault.Profile, error) {
	val := func(i int) string { return strings.TrimSpace(f.inputs[i].Value()) }
	p := vault.Profile{Name: val(fName), Environment: val(fEnv), TokenURL: val(fTokenURL), ClientID: val(fClientID),
		Scopes: strings.Fields(val(fScopes)), Audience: val(fAudience), Resource: val(fResource),
		AuthMethod: oauth.AuthMethod(strings.ToLower(val(fAuth))), BasicEncoding: oauth.BasicEncoding(strings.ToLower(val(fEncoding))),
		APIBaseURL: val(fAPI), CAFile: val(fCAFile), Notes: f.inputs[fNotes].Value(), Issuer: f.issuer,
		TestRequest: vault.TestRequest{Method: strings.ToUpper(val(fTestMethod)), Path: val(fTestPath)}}
	if f.editing != nil {
		p.TestRequest.Body = f.editing.TestRequest.Body
	}
	headers, err := vault.ParseHeaders(strings.Split(val(fTestHeaders), ";"))
	if err != nil {
		return p, err
	}
	p.TestRequest.Headers = headers
	switch strings.ToLower(val(fInsecure)) {
	case "yes", "y", "true":
		p.InsecureHTTP = true
	case "", "no", "n", "false":
	default:
		return p, &vault.FieldError{Field: "insecure_http", Problem: "answer yes or no"}
	}
	params, err := vault.ParseParams(strings.Fields(val(fParams)))
	if err != nil {
		return p, err
	}
	p.ExtraParams = params
	return p, nil
}

// validate checks the form and puts each problem under its field.
func (f *formScreen) validate() (vault.Profile, bool) {
	f.errs = map[int]string{}
	p, err := f.profile()
	if err == nil {
		err = p.Validate()
	}
	if secret := vault.CleanSecret(f.inputs[fSecret].Value()); f.editing == nil && secret == "" {
		f.errs[fSecret] = "is required"
	} else if secret != "" {
		if err := vault.CheckSecret(secret); err != nil {
			f.mapErr(err)
		}
	}
	if err != nil {
		f.mapErr(err)
	}
	return p, len(f.errs) == 0
}

func (f *formScreen) mapErr(err error) {
	var fes []*vault.FieldError
	collect(err, &fes)
	for _, fe := range fes {
		i, ok := profileField[fe.Field]
		if fe.Field == "insecure_http" {
			i, ok = fInsecure, true
		}
		if ok {
			f.errs[i] = fe.Problem
		}
	}
	if errors.Is(err, vault.ErrProfileExists) {
		f.errs[fName] = "a profile with this name exists"
	}
}

// collect gathers FieldErrors from a tree of joined and wrapped errors.
func collect(err error, out *[]*vault.FieldError) {
	if err == nil {
		return
	}
	if fe, ok := err.(*vault.FieldError); ok {
		*out = append(*out, fe)
		return
	}
	if m, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range m.Unwrap() {
			collect(e, out)
		}
		return
	}
	collect(errors.Unwrap(err), out)
}

func (f *formScreen) save() (screen, tea.Cmd) {
	p, ok := f.validate()
	if !ok {
		f.formErr = "fix the fields marked ✗"
		for i := 0; i < fieldCount; i++ {
			if _, bad := f.errs[i]; bad && f.visible(i) {
				return f, f.moveTo(i)
			}
		}
		return f, nil
	}
	f.formErr, f.saving = "", true
	secret := vault.CleanSecret(f.inputs[fSecret].Value())
	if f.editing != nil {
		return f, editCmd(f.deps.Broker.Vault, f.editing.Name, displayProfile(*f.editing), p, secret)
	}
	return f, addCmd(f.deps.Broker.Vault, p, secret)
}

// View implements screen. The fields scroll so the focused one is always in view.
func (f *formScreen) View(width, height int) string {
	st := f.st
	w := width - 2
	title := "Add a profile"
	if f.editing != nil {
		title = "Edit " + f.editing.Name
	}
	head := []string{st.Title.Render(title) + st.Subtle.Render("  nothing is saved until ctrl+s · esc discards")}
	var blocks [][]string
	focusBlock := 0
	for i := 0; i < fieldCount; i++ {
		if !f.visible(i) {
			continue
		}
		label := st.FieldLabel.Render(fieldLabels[i])
		mark := "  "
		if i == f.focus {
			label = st.FieldFocused.Render(fieldLabels[i])
			mark = st.Accent.Render("▸ ")
			focusBlock = len(blocks)
		}
		in := f.inputs[i]
		in.Width = max(10, w-20)
		lines := []string{truncateLine(mark+label+in.View(), w)}
		if i == fDiscover && f.pending != nil {
			issOrigin, tokOrigin, _ := f.pending.TokenEndpointOrigin()
			lines = append(lines, wrapLines("    ", st.Warn, "⚠ the token endpoint is on "+tokOrigin+", not on the issuer's origin "+issOrigin+
				". The client secret would go there: enter again accepts it, editing the issuer cancels.", w, 4)...)
		}
		if e, bad := f.errs[i]; bad {
			lines = append(lines, wrapLines("    ", st.FieldError, "✗ "+fieldLabels[i]+" "+e, w, 3)...)
		} else if i == f.focus && fieldHelp[i] != "" && !(i == fDiscover && f.pending != nil) {
			lines = append(lines, truncateLine("    "+st.Hint.Render(fieldHelp[i]), w))
		}
		blocks = append(blocks, lines)
	}
	var foot []string
	if f.busy != "" {
		foot = append(foot, f.deps.busy(f.busy))
	}
	if f.saving {
		foot = append(foot, f.deps.busy("saving"))
	}
	if f.formErr != "" {
		foot = append(foot, truncateBlock(st.Bad.Width(w).Render("✗ "+f.formErr), w))
	}
	avail := height - len(head) - len(foot) - 1
	// Scroll: start at the block that keeps the focused one on screen.
	start := 0
	for {
		used := 0
		for j := start; j <= focusBlock; j++ {
			used += len(blocks[j])
		}
		if used <= avail || start >= focusBlock {
			break
		}
		start++
	}
	var body []string
	for j := start; j < len(blocks); j++ {
		if len(body)+len(blocks[j]) > avail {
			break
		}
		body = append(body, blocks[j]...)
	}
	out := append(head, body...)
	out = append(out, "")
	out = append(out, foot...)
	return strings.Join(out, "\n")
}

// importEnvCmd reads a .env file for the form.
func importEnvCmd(path string) tea.Cmd {
	return func() tea.Msg {
		c, err := vault.ReadEnvCredentials(path)
		return importedEnvMsg{path: path, creds: c, err: err}
	}
}

// savedMsg reports a profile added (secret set: show it once) or edited.
type savedMsg struct {
	profile vault.Profile
	secret  string
	added   bool
	err     error
	// overwrote names the fields another oat had changed while the form was open, which
	// this save replaced.
	overwrote []string
}

// discoveredMsg carries issuer metadata for the form.
type discoveredMsg struct {
	meta *oauth.Metadata
	err  error
}

// importedEnvMsg carries the credentials read from the .env file at path for the form.
type importedEnvMsg struct {
	path  string
	creds *vault.EnvCredentials
	err   error
}

// addCmd stores a new profile with its secret.
func addCmd(v *vault.Vault, p vault.Profile, secret string) tea.Cmd {
	return func() tea.Msg {
		np, err := v.Add(context.Background(), p, secret)
		return savedMsg{profile: np, secret: secret, added: true, err: err}
	}
}

// editCmd saves what the form changed (from → p) into the profile first called name,
// leaving what it did not touch as it is now (another oat may have changed it since);
// a non-empty secret replaces the secret too (without keeping the old: that is what
// rotation is for).
func editCmd(v *vault.Vault, name string, from, p vault.Profile, secret string) tea.Cmd {
	return func() tea.Msg {
		// By ID: another oat may have renamed the profile since the form opened.
		var overwrote []string
		np, err := v.EditByID(context.Background(), from.ID, func(q *vault.Profile) error {
			overwrote = vault.MergeEdit(q, from, p)
			return nil
		})
		if err == nil && secret != "" {
			np, err = v.ReplaceSecret(context.Background(), np.Name, secret)
			return savedMsg{profile: np, secret: secret, err: err, overwrote: overwrote}
		}
		return savedMsg{profile: np, err: err, overwrote: overwrote}
	}
}

// discoverCmd looks up issuer metadata for the form.
func discoverCmd(c *oauth.Client, issuer string) tea.Cmd {
	return func() tea.Msg {
		m, err := c.Discover(context.Background(), issuer)
		return discoveredMsg{meta: m, err: err}
	}
}
