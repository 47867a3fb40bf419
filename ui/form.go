package ui

import (
	"context"
	"errors"
	"sort"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// The form's fields, in the order shown. Each maps to a profile field (validation
// errors name those, so they land under the right field).
const (
	// essentials
	fImport = iota
	fDiscover
	fName
	fTokenURL
	fClientID
	// auth comes before the credential field, whose kind (secret, key, certificate)
	// it decides
	fAuth
	fSecret
	fScopes
	// API
	fAPI
	fTestMethod
	fTestPath
	fTestHeaders
	fMore
	// advanced
	fAudience
	fResource
	fParams
	fEncoding
	fAssertAud
	fKeyAlg
	fKeyCert
	fInsecure
	fCAFile
	fEnv
	fNotes
	fieldCount
)

// The form's groups: huh groups, shown on one page (see formScreen).
const (
	gEssentials = iota
	gAPI
	gAdvanced
	groupCount
)

var groupTitles = [groupCount]string{"essentials", "API", "advanced"}

// groupOf is the group of each field.
func groupOf(i int) int {
	switch {
	case i < fAPI:
		return gEssentials
	case i < fAudience:
		return gAPI
	}
	return gAdvanced
}

var fieldLabels = [fieldCount]string{"import .env", "discover issuer", "name", "token URL", "client ID", "auth", "client secret",
	"scopes", "API base URL", "test method", "test path", "test headers", "advanced", "audience", "resource",
	"extra params", "basic encoding", "assertion aud", "key alg", "key cert", "insecure http", "CA file", "environment", "notes"}

// required marks the fields a profile cannot do without (the secret only when added).
var required = map[int]bool{fName: true, fTokenURL: true, fClientID: true, fSecret: true, fAuth: true}

var fieldHelp = [fieldCount]string{
	"path of a .env file (EDS_CLIENT_ID… or CLIENT_ID…; ~ works); enter reads it",
	"issuer URL, e.g. https://sso.example.com/realms/x; enter finds the token URL and auth",
	"short name used on the command line",
	"the provider's token endpoint",
	"",
	"pasted or typed; never shown here",
	"space-separated",
	"", // helpFor: it depends on the value
	"base URL for test calls",
	"←/→ to change",
	"path (or URL) of the test call",
	"Key: Value; Other-Key: value",
	"enter, ←/→: show or hide audience, CA file, notes…",
	"audience parameter, if the provider wants one",
	"RFC 8707 resource, if the provider wants one",
	"KEY=VALUE, space-separated",
	"",
	"",
	"",
	"",
	"extra CA certificates (PEM) for this profile (~ works)",
	"label such as staging or production",
	"",
}

// helpFor is the hint under field i when it has the focus: for a select, what the
// value selected does.
func (f *formScreen) helpFor(i int) string {
	switch i {
	case fAuth:
		switch f.auth {
		case string(oauth.AuthBasic):
			return "←/→: client ID and secret in the Authorization header"
		case string(oauth.AuthPost):
			return "←/→: client ID and secret in the form body"
		case string(oauth.AuthPrivateKeyJWT):
			return "←/→: a JWT signed with your private key (RFC 7523)"
		case string(oauth.AuthClientSecretJWT):
			return "←/→: a JWT signed with HS256 over the secret (32+ bytes)"
		case string(oauth.AuthTLS):
			return "←/→: mutual TLS, a certificate from a CA the provider trusts"
		case string(oauth.AuthSelfSignedTLS):
			return "←/→: mutual TLS, a self-signed certificate (by thumbprint)"
		}
		return "←/→: auto tries Basic, then the body, and remembers"
	case fSecret:
		if f.auth == string(oauth.AuthPrivateKeyJWT) {
			return "paste a PEM or JWK private key; empty: a new " + f.keyGenAlg() + " key on save"
		}
		if f.certAuth() {
			return "paste the certificate chain and its key (PEM); PKCS#12: oat add --pkcs12"
		}
		if f.auth == string(oauth.AuthClientSecretJWT) {
			return "pasted or typed, 32 bytes or more (HS256 signs with it); never shown here"
		}
	case fEncoding:
		if f.encoding == string(oauth.BasicRaw) {
			return "←/→: Basic credentials sent as typed, not encoded"
		}
		return "←/→: Basic credentials form-encoded (RFC 6749 2.3.1)"
	case fAssertAud:
		if f.assertAud == oauth.AudienceIssuer {
			return "←/→: the assertion's aud is the issuer (some servers want it)"
		}
		return "←/→: the assertion's aud is the token URL (RFC 7523)"
	case fKeyAlg:
		switch {
		case f.keyAlg == "" && len(f.signingAlgs) > 0:
			return "←/→: auto: a new key is " + f.keyGenAlg() + " (the server's first); a pasted key signs as it can"
		case f.keyAlg == "":
			return "←/→: auto: a new key is " + f.keyGenAlg() + "; a pasted key signs as it can"
		}
		return "←/→: the key signs " + f.keyAlg + " (RS256/PS256: RSA, ES256: P-256, EdDSA: Ed25519)"
	case fKeyCert:
		if f.keyCert {
			return "←/→: a self-signed certificate (CN \"oat NAME\") for the new key, shown once to upload (Entra ID); assertions name it by x5t#S256 and x5t"
		}
		return "←/→: just the key; a certificate for it is for providers that register certificates (Entra ID)"
	case fInsecure:
		if f.insecure {
			return "←/→: plain http allowed on any host (unencrypted)"
		}
		return "←/→: https only; plain http only on loopback"
	}
	return fieldHelp[i]
}

// profileField maps validation field names to form fields.
var profileField = map[string]int{
	"name": fName, "token_url": fTokenURL, "client_id": fClientID, "client_secret": fSecret, "scopes": fScopes,
	"auth_method": fAuth, "basic_encoding": fEncoding, "api_base_url": fAPI, "test_request.method": fTestMethod,
	"test_request.headers": fTestHeaders, "extra_params": fParams, "detected_auth": fAuth,
	"environment": fEnv, "audience": fAudience, "resource": fResource, "test_request.path": fTestPath,
	"ca_file": fCAFile, "notes": fNotes, "insecure_http": fInsecure, "issuer": fDiscover,
	"private_key": fSecret, "key_alg": fKeyAlg, "assertion_audience": fAssertAud, "client_cert": fSecret,
}

// label is field i's label: the secret's field takes a private key for private_key_jwt.
func (f *formScreen) label(i int) string {
	if i == fSecret && f.auth == string(oauth.AuthPrivateKeyJWT) {
		return "private key"
	}
	if i == fSecret && f.certAuth() {
		return "cert and key"
	}
	return fieldLabels[i]
}

// certAuth says whether the auth selected is mutual TLS: the secret's field then takes
// the client certificate and its private key (PEM).
func (f *formScreen) certAuth() bool {
	return vault.CredentialOf(oauth.AuthMethod(f.auth)) == vault.CredCert
}

// secretPlaceholder is what the empty secret (or key) field says it means.
func (f *formScreen) secretPlaceholder() string {
	switch {
	case f.auth == string(oauth.AuthPrivateKeyJWT) && (f.editing == nil || f.keyChange()):
		return "empty: a new " + f.keyGenAlg() + " key on save"
	case f.certAuth() && (f.editing == nil || f.keyChange()):
		return "certificate and key (PEM), pasted"
	case f.certAuth():
		return "unchanged (paste a new certificate and key to replace)"
	case f.auth == string(oauth.AuthPrivateKeyJWT):
		return "unchanged (paste a new key to replace; R rotates with a check)"
	case f.keyChange():
		return "the client secret (replaces the key)"
	case f.editing != nil:
		return "unchanged (type to replace; R rotates with a check)"
	case f.from != nil:
		return "the new client's secret"
	}
	return ""
}

// keyChange says whether the form changes what the profile stores: a private key, a
// client certificate and its key, or a client secret (an edit only).
func (f *formScreen) keyChange() bool {
	return f.editing != nil && vault.CredentialOf(oauth.AuthMethod(f.auth)) != vault.CredentialOf(f.editing.AuthMethod)
}

// keyGenAlg is the algorithm of the key save generates: the first the issuer takes
// that oat generates keys for (as the CLI's keygen), else ES256.
func (f *formScreen) keyGenAlg() string {
	if f.uses(fKeyAlg) && f.keyAlg != "" {
		return f.keyAlg
	}
	return vault.KeyGenAlgFor(vault.Profile{SigningAlgs: f.signingAlgs})
}

// generatesKey says whether save generates the private key: private_key_jwt with none
// pasted, where the profile needs one (an add, or an edit that moves to a key).
func (f *formScreen) generatesKey() bool {
	return f.auth == string(oauth.AuthPrivateKeyJWT) && vault.CleanSecret(f.value(fSecret)) == "" && (f.editing == nil || f.keyChange())
}

// formScreen adds, edits or clones a profile. Nothing is saved until ctrl+s (or enter
// on the last field); esc discards everything.
//
// The fields are huh fields in three huh groups (essentials, API, advanced) driven by
// one huh.Form, which owns the focus order and hides the advanced group while it is
// folded. The screen draws the groups on one page rather than through huh's one group
// per page layout: every error is then in view at once, each under its field, and the
// page scrolls to keep the focused field on screen inside oat's frame.
type formScreen struct {
	deps    Deps
	st      *theme.Styles
	editing *vault.Profile
	// from is the profile a clone copies (nil otherwise): the form adds a new profile.
	from *vault.Profile
	form *huh.Form
	// fields are the form's fields by index; nil for a field this form does not show
	// (import and discovery when editing).
	fields [fieldCount]huh.Field
	text   [fieldCount]*textField
	// The selects' values (bound to the huh selects); assertAud is the client
	// assertion's audience (oauth.AudienceTokenEndpoint or AudienceIssuer).
	// keyAlg is the algorithm of a private_key_jwt profile's key ("": the server's
	// first, else ES256, for a key generated; the key's own for a key pasted).
	auth, encoding, method, assertAud, keyAlg string
	// keyCert asks for a self-signed certificate with a key generated on save, for
	// providers that register certificates rather than keys (Entra ID).
	keyCert            bool
	insecure, advanced bool
	// selects re-read each select's bound value (set from outside: discovery, tests).
	selects map[int]func()
	// The credential field takes a client secret, a private key or a certificate and
	// its key, after the auth selected (credKind). stash keeps, by kind, what was
	// typed for the kinds not selected now, to show it again when the auth goes back
	// to one that uses it; it is never saved, and forgotten with the form.
	credKind vault.CredentialKind
	stash    [3]string

	// errs are the problems of the profile as it stands; touched the fields changed or
	// left since the form opened, and tried says save was pressed: errors show under
	// touched fields, and under all once save was tried.
	errs    map[int]string
	touched map[int]bool
	tried   bool
	// exists is a name the vault refused as taken; ext are problems found outside
	// validation (a .env file that does not read, a discovery that failed), kept until
	// their field changes.
	exists string
	ext    map[int]string

	saving  bool
	busy    string
	formErr string
	keys    formKeys
	// issuer is the issuer the token URL was discovered from, saved with the profile
	// (inspect then verifies only that issuer's tokens); found says what discovery found.
	issuer string
	found  []string
	// accepted is the metadata the token URL was taken from: a change of auth to or
	// from mutual TLS moves the token URL to the endpoint the new method uses (the
	// server's mTLS alias, RFC 8705 §5) while it is still the discovered one.
	accepted *oauth.Metadata
	// kindConfirmed is the auth a change of what is stored was confirmed for (a second
	// ctrl+s); another auth asks again.
	kindConfirmed string
	// signingAlgs are the algorithms the issuer's token endpoint takes in client
	// assertions (discovered, or the profile's): saved with the profile, and a key
	// generated on save is of one of them.
	signingAlgs []string
	// discovering is the issuer a discovery in flight was asked for ("" when none is):
	// discSeq numbers the requests, and an answer is taken only if it is for the
	// current one (an older, slower one must not put another issuer's token URL in the
	// form); cancelDisc stops it (esc, an edit of the issuer, a new request). discFrom
	// is the token URL and auth when it started: what the user typed since is not
	// replaced.
	discovering string
	discSeq     int
	cancelDisc  context.CancelFunc
	discFrom    [2]string
	// pending is a discovered token endpoint on another origin than that issuer, which
	// a second enter on the same issuer accepts and any edit of the issuer forgets.
	pending    *oauth.Metadata
	pendingFor string
	// caPath is the CA file last checked, caErr what was wrong with it (caChecked:
	// checked at all).
	caPath    string
	caErr     error
	caChecked bool
	// stopped says esc stopped the last discovery (said under the issuer until it
	// changes or discovery starts again).
	stopped bool
	// offer is what a discovery found after the user had typed another token URL or
	// auth meanwhile: shown, and applied only by ctrl+o.
	offer *oauth.Metadata
}

// formKeys are the form screen's keys; the keys that move between fields and change a
// select are huh's (huhKeys), shown here for the help bar.
type formKeys struct {
	Next, Prev, Change, Enter, Save, Cancel, UseFound key.Binding
}

// ShortHelp implements help.KeyMap.
func (k formKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Save, k.UseFound, k.Enter, k.Change, k.Next, k.Prev, k.Cancel}
}

// FullHelp implements help.KeyMap.
func (k formKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev, k.Change}, {k.Enter, k.Save, k.UseFound, k.Cancel}}
}

func newFormKeys() formKeys {
	hk := huhKeys()
	return formKeys{
		Next:   hk.Input.Next,
		Prev:   hk.Input.Prev,
		Change: hk.Select.Left,
		Enter:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "read .env / discover / next")),
		Save:   key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "save")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		// ctrl+o rather than a letter (every letter types in a text field) or ctrl+d
		// (the text field's delete-forward).
		UseFound: key.NewBinding(key.WithKeys("ctrl+o"), key.WithHelp("ctrl+o", "use the discovered endpoint")),
	}
}

// newForm opens the form to add a profile (editing nil) or edit one.
func newForm(d Deps, editing *vault.Profile) *formScreen {
	return buildForm(d, editing, nil)
}

// newCloneForm opens the add form filled from p: every field but the name and the
// secret, which belong to the new client (staging → production). The name starts
// empty, with the source named in its placeholder, rather than as "<name>-copy": a
// copy's name would be saved as is by a hurried ctrl+s and then renamed by hand,
// while an empty required field asks for the real one (eco-prod) at once. The auth
// detection memory (detected_auth), the secret's fingerprint and dates are the old
// client's and are not copied; auto detects again on the first fetch.
func newCloneForm(d Deps, p vault.Profile) *formScreen {
	return buildForm(d, nil, &p)
}

func buildForm(d Deps, editing, from *vault.Profile) *formScreen {
	st := d.Styles
	f := &formScreen{deps: d, st: st, keys: newFormKeys(), editing: editing, from: from, errs: map[int]string{}, ext: map[int]string{},
		touched: map[int]bool{}, auth: string(oauth.AuthAuto), selects: map[int]func(){}}
	for i := range f.text {
		switch i {
		case fAuth, fEncoding, fAssertAud, fKeyAlg, fKeyCert, fTestMethod, fInsecure, fMore:
		default:
			f.text[i] = newTextField(st)
		}
	}
	f.text[fSecret].mask()
	f.text[fSecret].in.CharLimit = 32 << 10 // a pasted RSA private key, or a certificate chain and its key (PEM)
	f.text[fSecret].takesKey = func() bool {
		return f.auth == string(oauth.AuthPrivateKeyJWT) || oauth.AuthMethod(f.auth).IsTLSAuth()
	}
	f.text[fImport].in.Placeholder = "optional"
	f.text[fDiscover].in.Placeholder = "optional"
	src := editing
	if src == nil {
		src = from
	}
	if src != nil {
		f.fill(*src)
	}
	f.credKind = vault.CredentialOf(oauth.AuthMethod(f.auth))
	f.text[fSecret].in.Placeholder = f.secretPlaceholder() // what the field takes for the auth filled in
	if from != nil {
		f.text[fName].in.Placeholder = "a new name (cloning " + oauth.OneLine(from.Name) + ")"
	}
	f.buildHuh()
	if from != nil {
		f.moveTo(fName) // what a clone needs first
	}
	f.updateKeys()
	return f
}

// fill puts p's fields into the form. The form shows what it will save: a field with
// control characters in it (a hand edit of profiles.toml) is shown escaped, and saved
// as shown.
func (f *formScreen) fill(src vault.Profile) {
	p := displayProfile(src)
	f.issuer, f.signingAlgs = src.Issuer, src.SigningAlgs
	set := func(i int, v string) { f.text[i].SetValue(v) }
	if f.from == nil {
		set(fName, p.Name)
	}
	set(fEnv, p.Environment)
	set(fTokenURL, p.TokenURL)
	set(fClientID, p.ClientID)
	set(fScopes, strings.Join(p.Scopes, " "))
	set(fAudience, p.Audience)
	set(fResource, p.Resource)
	var params []string
	for k, v := range p.ExtraParams {
		params = append(params, k+"="+v)
	}
	sort.Strings(params)
	set(fParams, strings.Join(params, " "))
	f.auth = string(p.AuthMethod)
	f.encoding = string(p.BasicEncoding)
	f.assertAud, f.keyAlg = p.AssertionAudience, p.KeyAlg
	set(fAPI, p.APIBaseURL)
	f.method = p.TestRequest.Method
	set(fTestPath, p.TestRequest.Path)
	var hdrs []string
	for k, v := range p.TestRequest.Headers {
		hdrs = append(hdrs, k+": "+v)
	}
	sort.Strings(hdrs)
	set(fTestHeaders, strings.Join(hdrs, "; "))
	set(fCAFile, p.CAFile)
	f.insecure = p.InsecureHTTP
	set(fNotes, p.Notes)
	// The advanced group opens folded unless the profile uses one of its fields.
	for _, i := range []int{fAudience, fResource, fParams, fCAFile, fEnv, fNotes} {
		if f.text[i].Value() != "" {
			f.advanced = true
		}
	}
	f.advanced = f.advanced || f.insecure || (f.encoding != "" && f.encoding != string(oauth.BasicRFC)) || f.assertAud != ""
}

// newSelect is an inline huh select bound to *v; a value that is not one of the options
// (a hand edit) is kept as an option of its own, so opening the form changes nothing.
func newSelect[T comparable](v *T, opts ...huh.Option[T]) *huh.Select[T] {
	found := false
	for _, o := range opts {
		found = found || o.Value == *v
	}
	if !found {
		opts = append(opts, huh.NewOption(oauth.OneLine(anyString(*v)), *v))
	}
	return huh.NewSelect[T]().Options(opts...).Value(v).Inline(true)
}

func anyString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}

// buildHuh makes the huh fields, groups and form.
func (f *formScreen) buildHuh() {
	methodGET := ""
	if f.method == "GET" {
		methodGET = "GET" // kept as written: the form does not rewrite what it did not change
	}
	encRFC := ""
	if f.encoding == string(oauth.BasicRFC) {
		encRFC = string(oauth.BasicRFC)
	}
	// Each option fits the select at 60 columns with its ‹ › (the hint under it says
	// the rest): huh scrolls a longer one out of view from its start.
	auth := newSelect(&f.auth, huh.NewOption("auto (Basic, then the body)", "auto"),
		huh.NewOption("basic (Authorization header)", "basic"), huh.NewOption("post (in the body)", "post"),
		huh.NewOption("private_key_jwt (signed with a key)", string(oauth.AuthPrivateKeyJWT)),
		huh.NewOption("client_secret_jwt (HS256, secret)", string(oauth.AuthClientSecretJWT)),
		huh.NewOption("tls_client_auth (mutual TLS, CA)", string(oauth.AuthTLS)),
		huh.NewOption("self_signed_tls_client_auth (mTLS)", string(oauth.AuthSelfSignedTLS)))
	enc := newSelect(&f.encoding, huh.NewOption("rfc (default)", encRFC), huh.NewOption("raw", "raw"))
	aud := newSelect(&f.assertAud, huh.NewOption("token URL (default)", oauth.AudienceTokenEndpoint),
		huh.NewOption("issuer", oauth.AudienceIssuer))
	var methods []huh.Option[string]
	methods = append(methods, huh.NewOption("GET", methodGET))
	for _, m := range []string{"POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"} {
		methods = append(methods, huh.NewOption(m, m))
	}
	method := newSelect(&f.method, methods...)
	insecure := newSelect(&f.insecure, huh.NewOption("no (https only, except loopback)", false), huh.NewOption("yes", true))
	more := newSelect(&f.advanced, huh.NewOption("folded", false), huh.NewOption("shown", true))
	f.selects[fAuth] = func() { auth.Value(&f.auth) }
	f.selects[fEncoding] = func() { enc.Value(&f.encoding) }
	f.selects[fAssertAud] = func() { aud.Value(&f.assertAud) }
	algOpts := []huh.Option[string]{huh.NewOption("auto", "")}
	for _, a := range oauth.KeyGenAlgs {
		algOpts = append(algOpts, huh.NewOption(a, a))
	}
	alg := newSelect(&f.keyAlg, algOpts...)
	f.selects[fKeyAlg] = func() { alg.Value(&f.keyAlg) }
	keyCert := newSelect(&f.keyCert, huh.NewOption("none (register the key)", false), huh.NewOption("self-signed, 365 days", true))
	f.selects[fKeyCert] = func() { keyCert.Value(&f.keyCert) }
	f.selects[fTestMethod] = func() { method.Value(&f.method) }
	f.selects[fInsecure] = func() { insecure.Value(&f.insecure) }
	f.selects[fMore] = func() { more.Value(&f.advanced) }
	for i := range f.fields {
		if f.text[i] != nil {
			f.fields[i] = f.text[i]
		}
	}
	f.fields[fAuth], f.fields[fTestMethod], f.fields[fInsecure], f.fields[fMore] = auth, method, insecure, more
	f.fields[fEncoding] = &hideable{Field: enc, hidden: func() bool { return !f.uses(fEncoding) }}
	f.fields[fAssertAud] = &hideable{Field: aud, hidden: func() bool { return !f.uses(fAssertAud) }}
	f.fields[fKeyAlg] = &hideable{Field: alg, hidden: func() bool { return !f.uses(fKeyAlg) }}
	f.fields[fKeyCert] = &hideable{Field: keyCert, hidden: func() bool { return !f.uses(fKeyCert) }}
	if f.editing != nil {
		f.fields[fImport], f.fields[fDiscover] = nil, nil
	}
	var groups [groupCount][]huh.Field
	for i, fl := range f.fields {
		if fl != nil {
			groups[groupOf(i)] = append(groups[groupOf(i)], fl)
		}
	}
	hg := make([]*huh.Group, groupCount)
	for g := range hg {
		hg[g] = huh.NewGroup(groups[g]...).Title(groupTitles[g]).WithShowHelp(false).WithShowErrors(false)
	}
	hg[gAdvanced].WithHideFunc(func() bool { return !f.advanced })
	f.form = huh.NewForm(hg...).WithKeyMap(huhKeys()).WithTheme(huhTheme(f.st)).WithLayout(huh.LayoutStack).
		WithShowHelp(false).WithShowErrors(false)
	// Init focuses the first field; its commands (huh's title updates and a terminal
	// size query) are not needed: the form's titles are static and its size comes
	// from the app.
	f.form.Init()
}

// value is the text of field i (selects: their value as the profile spells it).
func (f *formScreen) value(i int) string {
	switch i {
	case fAuth:
		return f.auth
	case fEncoding:
		return f.encoding
	case fAssertAud:
		return f.assertAud
	case fKeyAlg:
		return f.keyAlg
	case fKeyCert:
		if f.keyCert {
			return "yes"
		}
		return "no"
	case fTestMethod:
		return f.method
	case fInsecure:
		if f.insecure {
			return "yes"
		}
		return "no"
	case fMore:
		if f.advanced {
			return "shown"
		}
		return "folded"
	}
	return f.text[i].Value()
}

// set puts v into field i (a select takes v if it is one of its options).
func (f *formScreen) set(i int, v string) {
	switch i {
	case fAuth:
		f.auth = v
		f.selects[fAuth]()
		f.authChanged()
		return
	case fEncoding:
		f.encoding = v
	case fAssertAud:
		f.assertAud = v
	case fKeyAlg:
		f.keyAlg = v
	case fKeyCert:
		f.keyCert = v == "yes"
	case fTestMethod:
		f.method = strings.ToUpper(v)
	case fInsecure:
		f.insecure = v == "yes"
	case fMore:
		f.advanced = v == "shown"
		f.form.UpdateFieldPositions()
	default:
		f.text[i].SetValue(v)
		return
	}
	f.selects[i]()
}

// focused is the index of the field with the focus.
func (f *formScreen) focused() int {
	cur := f.form.GetFocusedField()
	for i, fl := range f.fields {
		if fl != nil && fl == cur {
			return i
		}
	}
	return fName
}

// Init implements screen.
func (f *formScreen) Init() tea.Cmd { return nil }

// Capturing implements screen: keys go to a text field whole (q types a q); a select is
// not a text field, so a burst (jjj) reaches it as single keys.
func (f *formScreen) Capturing() bool { return f.text[f.focused()] != nil }

// Keys implements screen.
func (f *formScreen) Keys() help.KeyMap { return f.keys }

// shown says field i is on the form now: built for this form, its group unfolded,
// and used by the auth selected.
func (f *formScreen) shown(i int) bool {
	return f.fields[i] != nil && (groupOf(i) != gAdvanced || f.advanced) && f.uses(i)
}

// methodSetting names the fields that only some auth methods use, by their profile
// field (vault.UsesSetting says which methods).
var methodSetting = map[int]string{fEncoding: "basic_encoding", fAssertAud: "assertion_audience", fKeyAlg: "key_alg"}

// uses says whether the auth selected uses field i: a field it does not use is hidden,
// and its value is not saved. The key algorithm is the add form's: an edit keeps the
// key it has, and R rotates to a key of another algorithm.
func (f *formScreen) uses(i int) bool {
	if i == fKeyCert {
		// A key generated on save only: a pasted key brings its certificate, if any.
		return f.uses(fKeyAlg) && f.generatesKey()
	}
	if i == fKeyAlg && f.editing != nil {
		return false
	}
	name, ok := methodSetting[i]
	return !ok || vault.UsesSetting(oauth.AuthMethod(f.auth), name)
}

// authChanged follows a new auth selection: the credential field shows what was typed
// for the new method's kind of credential (a client secret, a private key, a
// certificate and its key), nothing when none was, and keeps aside what it held, to
// show again should the auth go back (never saved: save reads the field). The focus
// leaves a field the new method does not use.
func (f *formScreen) authChanged() {
	if k := vault.CredentialOf(oauth.AuthMethod(f.auth)); k != f.credKind {
		f.stash[f.credKind] = f.text[fSecret].Value()
		f.text[fSecret].SetValue(f.stash[k])
		f.stash[k] = ""
		f.credKind = k
		delete(f.ext, fSecret) // about what was typed for the other kind
	}
	f.followAlias()
	f.form.UpdateFieldPositions()
	if !f.shown(f.focused()) {
		f.moveTo(fAuth)
	}
}

// followAlias moves a discovered token URL to the endpoint the auth now chosen uses:
// the server's mTLS alias for the mutual-TLS methods, its token endpoint for the
// others. A URL the user typed is left alone, and so is an alias on another origin
// than the issuer (accepted only by a second enter on the issuer): the form says so.
func (f *formScreen) followAlias() {
	m := f.accepted
	if m == nil || m.MTLSEndpointAliases.TokenEndpoint == "" {
		return
	}
	cur := f.value(fTokenURL)
	if cur != m.TokenEndpoint && cur != m.MTLSEndpointAliases.TokenEndpoint {
		return
	}
	method := oauth.AuthMethod(f.auth)
	want := m.TokenEndpointFor(method)
	if want == cur {
		return
	}
	if _, _, cross := m.TokenEndpointOriginFor(method); cross {
		f.ext[fTokenURL] = "the server's mutual-TLS token endpoint is " + oauth.OneLine(want) + ", on another origin than the issuer: enter on the issuer again to accept it"
		return
	}
	delete(f.ext, fTokenURL)
	f.text[fTokenURL].SetValue(want)
}

// Update implements screen; the keys shown are set for the field focused after it.
func (f *formScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	s, cmd := f.update(msg)
	f.updateKeys()
	return s, cmd
}

func (f *formScreen) update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case sizeMsg:
		f.form.WithWidth(max(12, msg.width-2-labelCol))
		return f, nil
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
	return f, f.toHuh(msg)
}

// updateKeys shows ←/→ on a select, and what enter does where it does more than move
// on.
func (f *formScreen) updateKeys() {
	i := f.focused()
	f.keys.Change.SetEnabled(f.text[i] == nil)
	f.keys.Enter.SetEnabled(true)
	f.keys.UseFound.SetEnabled(f.offer != nil)
	f.keys.Cancel.SetHelp("esc", "cancel")
	if f.discovering != "" {
		f.keys.Cancel.SetHelp("esc", "stop discovery")
	}
	switch {
	case i == fImport:
		f.keys.Enter.SetHelp("enter", "read .env")
	case i == fDiscover:
		f.keys.Enter.SetHelp("enter", "discover")
	case i == fMore && f.advanced:
		f.keys.Enter.SetHelp("enter", "fold")
	case i == fMore:
		f.keys.Enter.SetHelp("enter", "unfold")
	case i == f.lastField():
		f.keys.Enter.SetHelp("enter", "save")
	default:
		f.keys.Enter.SetEnabled(false)
	}
}

// labelCol is the width of the focus mark and the label before each field.
const labelCol = 18

// toHuh hands msg to the huh form, then revalidates: a field left or changed counts as
// touched, and its errors show from then on.
func (f *formScreen) toHuh(msg tea.Msg) tea.Cmd {
	before := f.focused()
	old := f.value(before)
	wasAdvanced, wasAuth := f.advanced, f.auth
	_, cmd := f.form.Update(msg)
	if f.auth != wasAuth {
		f.authChanged()
	}
	if f.value(before) != old {
		delete(f.ext, before)
	}
	if f.value(before) != old || f.focused() != before {
		f.touched[before] = true
	}
	if before == fDiscover && f.value(fDiscover) != old {
		// Another issuer: whatever was discovered, or is being, no longer applies.
		f.pending, f.found, f.offer, f.stopped, f.accepted = nil, nil, nil, false, nil
		f.stopDiscovery()
	}
	if f.advanced != wasAdvanced {
		f.form.UpdateFieldPositions()
	}
	f.validate()
	return cmd
}

func (f *formScreen) onKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	f.updateKeys() // the focus may have moved since the help was drawn
	switch {
	case key.Matches(msg, f.keys.Cancel) && f.discovering != "":
		f.stopDiscovery() // the discovery, not the form
		f.stopped = true
		return f, nil
	case key.Matches(msg, f.keys.Cancel):
		f.stopDiscovery()
		f.wipe()
		return closeScreen()
	case key.Matches(msg, f.keys.UseFound) && f.offer != nil:
		f.acceptDiscovered(f.offer, false)
		return f, nil
	case key.Matches(msg, f.keys.Save):
		return f.save()
	case key.Matches(msg, f.keys.Enter):
		if s, cmd, done := f.onEnter(); done {
			return s, cmd
		}
		f.step(1)
		f.validate()
		return f, nil
	case key.Matches(msg, f.keys.Next):
		f.step(1)
		f.validate()
		return f, nil
	case key.Matches(msg, f.keys.Prev):
		f.step(-1)
		f.validate()
		return f, nil
	}
	return f, f.toHuh(msg)
}

// onEnter reads the .env file, discovers the issuer (a second enter confirms a token
// endpoint on another origin) or saves from the last field; other fields move on (huh).
func (f *formScreen) onEnter() (screen, tea.Cmd, bool) {
	switch i := f.focused(); {
	case i == fImport:
		if path := strings.TrimSpace(f.value(fImport)); path != "" {
			f.busy = "reading " + oauth.OneLine(path) + "…"
			return f, importEnvCmd(vault.ExpandPath(path)), true
		}
	case i == fDiscover:
		if iss := strings.TrimSpace(f.value(fDiscover)); iss != "" {
			if oauth.CheckIssuerURL(iss) != nil {
				f.touched[fDiscover] = true
				return f, nil, true // the error is under the field: nothing is sent
			}
			if f.pending != nil && f.pendingFor == iss {
				f.acceptDiscovered(f.pending, true) // the second enter: confirmed
				return f, nil, true
			}
			return f, f.startDiscovery(iss), true
		}
	case i == fMore:
		f.set(fMore, map[bool]string{true: "folded", false: "shown"}[f.advanced])
		return f, nil, true
	case i == f.lastField():
		s, cmd := f.save()
		return s, cmd, true
	}
	return f, nil, false
}

// lastField is the last field on the form now.
func (f *formScreen) lastField() int {
	for i := fieldCount - 1; i >= 0; i-- {
		if f.shown(i) {
			return i
		}
	}
	return fName
}

// startDiscovery asks for iss's metadata, in place of any request still in flight.
func (f *formScreen) startDiscovery(iss string) tea.Cmd {
	f.stopDiscovery()
	f.pending, f.found, f.offer = nil, nil, nil
	f.discSeq++
	f.discovering, f.stopped = iss, false
	f.discFrom = [2]string{f.value(fTokenURL), f.auth}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancelDisc = cancel
	return discoverCmd(ctx, f.deps.Broker.Client, iss, vault.ExpandPath(f.value(fCAFile)), f.discSeq)
}

// stopDiscovery cancels the discovery in flight, if any: its answer, should it still
// come, is dropped.
func (f *formScreen) stopDiscovery() {
	if f.cancelDisc != nil {
		f.cancelDisc()
	}
	f.cancelDisc, f.discovering = nil, ""
}

// onDiscovered takes the answer of the current discovery request (any other is
// dropped). It fills the token URL and auth unless the user typed either since the
// request went out: then it shows what it found and ctrl+o uses it. It moves the focus
// on to the name only if the focus is still on the issuer.
func (f *formScreen) onDiscovered(msg discoveredMsg) tea.Cmd {
	if msg.seq != f.discSeq || f.discovering == "" || msg.issuer != f.discovering {
		return nil // an answer to a request replaced or cancelled since
	}
	f.stopDiscovery()
	if msg.err != nil {
		f.ext[fDiscover] = oauth.OneLine(vault.FirstLine(msg.err))
		f.touched[fDiscover] = true
		f.found = nil
		f.validate()
		return nil
	}
	if _, _, cross := msg.meta.TokenEndpointOrigin(); cross {
		// The client's credentials would go to a host the issuer's origin does not
		// vouch for: show both origins and wait for a second enter.
		f.pending, f.pendingFor = msg.meta, msg.issuer
		return nil
	}
	m := msg.meta
	typed := f.value(fTokenURL) != f.discFrom[0] || f.auth != f.discFrom[1]
	if typed && (f.value(fTokenURL) != m.TokenEndpointFor(m.SuggestedAuth()) || f.auth != string(m.SuggestedAuth())) {
		delete(f.ext, fDiscover)
		f.offer = m
		return nil
	}
	f.acceptDiscovered(m, f.focused() == fDiscover)
	return nil
}

func (f *formScreen) onImported(msg importedEnvMsg) tea.Cmd {
	f.busy = ""
	if msg.err != nil {
		f.ext[fImport] = oauth.OneLine(msg.err.Error())
		f.touched[fImport] = true
		f.validate()
		return nil
	}
	delete(f.ext, fImport)
	c := msg.creds
	if f.value(fName) == "" {
		f.set(fName, c.DefaultName(msg.path))
	}
	f.set(fClientID, c.ClientID)
	if f.credKind != vault.CredSecret {
		// The file holds a client secret: the auth goes back to one that takes it
		// (what was typed as a key or certificate is kept aside, as on any switch).
		f.set(fAuth, string(oauth.AuthAuto))
	}
	// The secret is checked as the file has it: the text field drops control
	// characters, and would store another secret than the file's without a word.
	badSecret := ""
	if c.NoSecret == "" {
		if err := vault.CheckSecret(c.Secret); err != nil {
			var fe *vault.FieldError
			if errors.As(err, &fe) {
				badSecret = "the file's secret " + fe.Problem // "… holds an escape character: …"
			} else {
				badSecret = oauth.OneLine(err.Error())
			}
		} else {
			f.set(fSecret, c.Secret)
		}
	} else {
		f.set(fSecret, c.Secret)
	}
	f.set(fTokenURL, c.TokenURL)
	f.set(fAPI, c.APIURL)
	f.set(fScopes, strings.ReplaceAll(c.Scope, ",", " "))
	for _, i := range []int{fImport, fName, fClientID, fTokenURL, fAPI, fScopes} {
		f.touched[i] = true
	}
	// EarthDaily's EDS.env comes with EDS_SECRET empty or a placeholder: the secret the
	// provider showed once is typed into the masked field.
	if c.NoSecret != "" || badSecret != "" {
		f.touched[fSecret] = true
		f.ext[fSecret] = "not in the file: type or paste it here (" + oauth.OneLine(c.NoSecret) + ")"
		if badSecret != "" {
			f.ext[fSecret] = badSecret
		}
		f.validate()
		f.moveTo(fSecret)
		return nil
	}
	f.validate()
	f.moveTo(fName)
	return nil
}

// onSaved shows a new secret once, or closes the form.
func (f *formScreen) onSaved(msg savedMsg) (screen, tea.Cmd) {
	f.saving = false
	if msg.err != nil {
		f.formErr = oauth.Sanitize(msg.err.Error())
		if errors.Is(msg.err, vault.ErrProfileExists) {
			f.exists = f.value(fName)
		}
		f.validate()
		f.mapErr(msg.err)
		return f, nil
	}
	secret := msg.secret
	f.wipe()
	if msg.key != nil {
		return newKeyOnce(f.deps, msg.profile, *msg.key, msg.generated), nil
	}
	if msg.cert != nil {
		return newCertOnce(f.deps, msg.profile, *msg.cert, msg.added), nil
	}
	if secret != "" && !msg.added && f.editing != nil {
		return &replacedSecretScreen{newSecretOnce(f.deps, msg.profile, secret, false), f.editing.SecretFingerprint}, nil
	}
	if secret != "" {
		return newSecretOnce(f.deps, msg.profile, secret, msg.added), nil
	}
	if len(msg.overwrote) > 0 {
		return closeWith("saved " + msg.profile.Name + "; another oat had changed " + strings.Join(msg.overwrote, ", ") + " meanwhile: yours replaced it")
	}
	return closeWith("saved " + msg.profile.Name)
}

// acceptDiscovered fills the token URL and auth from discovered metadata, pins its
// issuer, says what was found, and revalidates: the errors it resolves go. moveOn
// takes the focus to the name (the user is still on the issuer).
func (f *formScreen) acceptDiscovered(m *oauth.Metadata, moveOn bool) {
	f.pending, f.pendingFor, f.offer = nil, "", nil
	delete(f.ext, fDiscover)
	sug := m.SuggestAuth()
	f.accepted = nil                                 // set below, once the token URL is the one discovered
	f.set(fTokenURL, m.TokenEndpointFor(sug.Method)) // mutual TLS: the server's alias for it, if any
	f.signingAlgs = m.TokenAuthSigningAlgs
	f.set(fAuth, string(sug.Method))
	f.issuer = m.Issuer
	methods := "none listed (auto)"
	if len(m.TokenAuthMethods) > 0 {
		methods = strings.Join(oauth.OneLineAll(m.TokenAuthMethods), ", ")
	}
	f.found = []string{
		"✓ issuer " + oauth.OneLine(m.Issuer),
		"  token endpoint " + oauth.OneLine(m.TokenEndpointFor(sug.Method)),
		"  auth methods " + methods + " → auth " + f.auth,
	}
	if sug.Beyond() {
		// A method beyond a client secret in the header or body: why, since the form
		// now asks for something else than the secret the user may have at hand.
		f.found = append(f.found, "  "+sug.Why)
	}
	f.formErr = ""
	f.touched[fTokenURL], f.touched[fAuth] = true, true
	f.accepted = m
	f.validate()
	if moveOn {
		f.moveTo(fName)
	}
}

// moveTo puts the focus on field i, unfolding the advanced group if it is there.
func (f *formScreen) moveTo(target int) {
	if f.fields[target] == nil {
		return
	}
	if groupOf(target) == gAdvanced && !f.advanced {
		f.advanced = true
		f.form.UpdateFieldPositions()
	}
	for n := 0; n < 2*fieldCount && f.focused() != target; n++ {
		if f.focused() < target {
			f.step(1)
		} else {
			f.step(-1)
		}
	}
}

// step moves the focus to the next (d > 0) or previous field, across groups. It asks
// huh directly rather than through huh's NextField/NextGroup commands: those come back
// as messages, and keys typed meanwhile (a fast typist, a burst) would land in the
// field being left.
func (f *formScreen) step(d int) {
	cur := f.focused()
	if d > 0 {
		if cur == f.lastField() {
			return
		}
		f.form.Update(huh.NextField())
		if f.focused() == cur || !f.shown(f.focused()) {
			// huh asked for it as a command: the field was its group's last one shown
			// (huh leaves its selection on a hidden last field).
			f.form.NextGroup()
		}
	} else {
		if cur == f.firstField() {
			return
		}
		f.form.Update(huh.PrevField())
		if f.focused() == cur || !f.shown(f.focused()) {
			f.form.PrevGroup()
		}
	}
	// A group entered again keeps the field it was left on: start at its first (or,
	// going back, its last) field.
	if g := groupOf(f.focused()); g != groupOf(cur) {
		for n := 0; n < fieldCount; n++ {
			at := f.focused()
			if d > 0 && !f.firstOfGroup(at) {
				f.form.Update(huh.PrevField())
			} else if d < 0 && !f.lastOfGroup(at) {
				f.form.Update(huh.NextField())
			} else {
				break
			}
		}
	}
	f.fields[f.focused()].Focus()
	f.touched[cur] = true
}

// firstField is the first field on the form.
func (f *formScreen) firstField() int {
	for i := 0; i < fieldCount; i++ {
		if f.shown(i) {
			return i
		}
	}
	return fName
}

func (f *formScreen) firstOfGroup(i int) bool {
	for j := i - 1; j >= 0 && groupOf(j) == groupOf(i); j-- {
		if f.shown(j) {
			return false
		}
	}
	return true
}

func (f *formScreen) lastOfGroup(i int) bool {
	for j := i + 1; j < fieldCount && groupOf(j) == groupOf(i); j++ {
		if f.shown(j) {
			return false
		}
	}
	return true
}

// wipe forgets the secret typed into the form, and those kept aside for other methods.
func (f *formScreen) wipe() {
	f.text[fSecret].SetValue("")
	f.stash = [3]string{}
}

// profile builds the profile the form describes.
func (f *formScreen) profile() (vault.Profile, error) {
	val := func(i int) string { return strings.TrimSpace(f.value(i)) }
	p := vault.Profile{Name: val(fName), Environment: val(fEnv), TokenURL: val(fTokenURL), ClientID: val(fClientID),
		Scopes: strings.Fields(val(fScopes)), Audience: val(fAudience), Resource: val(fResource),
		AuthMethod: oauth.AuthMethod(f.auth),
		APIBaseURL: val(fAPI), CAFile: vault.ExpandPath(val(fCAFile)), Notes: f.value(fNotes), Issuer: f.issuer,
		InsecureHTTP: f.insecure, TestRequest: vault.TestRequest{Method: f.method, Path: val(fTestPath)}, SigningAlgs: f.signingAlgs}
	// A setting the auth does not use is not saved, whatever its hidden select holds.
	if f.uses(fEncoding) {
		p.BasicEncoding = oauth.BasicEncoding(f.encoding)
	}
	if f.uses(fAssertAud) {
		p.AssertionAudience = f.assertAud
	}
	if f.uses(fKeyAlg) {
		p.KeyAlg = f.keyAlg
	}
	switch {
	case f.editing != nil:
		p.TestRequest.Body = f.editing.TestRequest.Body
	case f.from != nil:
		p.TestRequest.Body = f.from.TestRequest.Body
	}
	var errs []error
	headers, err := vault.ParseHeaders(strings.Split(val(fTestHeaders), ";"))
	errs = append(errs, err)
	p.TestRequest.Headers = headers
	params, err := vault.ParseParams(strings.Fields(val(fParams)))
	errs = append(errs, err)
	p.ExtraParams = params
	return p, errors.Join(errs...)
}

// validate checks the whole form and puts each problem under its field.
func (f *formScreen) validate() (vault.Profile, bool) {
	f.errs = map[int]string{}
	p, err := f.profile()
	f.mapErr(err)
	if f.editing != nil {
		f.mapErr(p.ValidateEdit(displayProfile(*f.editing)))
	} else {
		f.mapErr(p.Validate())
	}
	if f.editing == nil || p.CAFile != f.editing.CAFile { // as the vault checks it
		f.mapErr(f.checkCA(p.CAFile))
	}
	if iss := strings.TrimSpace(f.value(fDiscover)); f.fields[fDiscover] != nil && iss != "" {
		if err := oauth.CheckIssuerURL(iss); err != nil {
			f.errs[fDiscover] = strings.TrimPrefix(oauth.OneLine(err.Error()), "issuer ") // under "discover issuer"
		}
	}
	f.text[fSecret].in.Placeholder = f.secretPlaceholder()
	switch secret := vault.CleanSecret(f.value(fSecret)); {
	case f.generatesKey(): // generated on save
	case secret == "" && (f.editing == nil || f.keyChange()):
		f.errs[fSecret] = "is required"
	case secret != "" && f.auth == string(oauth.AuthPrivateKeyJWT):
		// Parsed as the vault will store it: also whether the key signs with the
		// algorithm chosen, or one the server takes (said under the key algorithm).
		_, err := vault.PrepareClientKey(p, secret)
		f.mapErr(err)
	case secret != "":
		f.mapErr(vault.CheckCredential(oauth.AuthMethod(f.auth), secret))
	}
	if strings.TrimSpace(f.value(fName)) == "" {
		f.errs[fName] = "is required" // rather than vault's `"" is not a valid name`
	}
	if f.exists != "" && f.value(fName) == f.exists {
		f.errs[fName] = existsErr(f.exists)
	}
	for i, e := range f.ext {
		f.errs[i] = e
	}
	if why := f.text[fSecret].refused; why != "" {
		f.errs[fSecret], f.touched[fSecret] = why, true // said at once, like the paste it refused
	}
	if len(f.errs) == 0 && f.formErr == fixFields {
		f.formErr = "" // every field marked is fixed
	}
	return p, len(f.errs) == 0
}

// fixFields is the form's error after a save with fields in error.
const fixFields = "fix the fields marked ✗"

// checkCA is vault.CheckCAFile, read again only when the path changes (validate runs
// on every message, the spinner's too) or save is pressed.
func (f *formScreen) checkCA(path string) error {
	if path != f.caPath || !f.caChecked {
		f.caPath, f.caErr, f.caChecked = path, vault.CheckCAFile(path), true
	}
	return f.caErr
}

func (f *formScreen) mapErr(err error) {
	var fes []*vault.FieldError
	collect(err, &fes)
	for _, fe := range fes {
		i, ok := profileField[fe.Field]
		if ok && f.fields[i] == nil {
			i = fTokenURL // the issuer, when discovery is not on the form
		}
		if ok {
			if _, dup := f.errs[i]; !dup {
				f.errs[i] = fe.Problem
			}
		}
	}
	if errors.Is(err, vault.ErrProfileExists) {
		f.errs[fName] = existsErr(f.value(fName))
	}
}

func existsErr(name string) string {
	return "a profile named " + strconv.Quote(oauth.OneLine(strings.TrimSpace(name))) + " exists already"
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
	f.tried = true
	f.caChecked = false // the file may have changed since it was typed
	p, ok := f.validate()
	if !ok {
		f.formErr = fixFields
		for i := 0; i < fieldCount; i++ {
			if _, bad := f.errs[i]; bad && f.fields[i] != nil {
				f.moveTo(i)
				break
			}
		}
		return f, nil
	}
	if f.keyChange() && f.kindConfirmed != f.auth {
		// An edit that changes what is stored (a secret for a key, a key for a
		// certificate…) replaces the credential outright, nothing kept: said, and done
		// only on a second ctrl+s (the CLI asks for --replace-secret).
		f.kindConfirmed = f.auth
		from := map[vault.CredentialKind]string{vault.CredSecret: "client secret", vault.CredKey: "private key", vault.CredCert: "certificate and key"}
		to := "the " + from[vault.CredentialOf(oauth.AuthMethod(f.auth))] + " pasted"
		if f.generatesKey() {
			to = "a new " + f.keyGenAlg() + " key"
		}
		f.formErr = "saving replaces the " + from[vault.CredentialOf(f.editing.AuthMethod)] + " of " + oauth.OneLine(f.editing.Name) + " with " + to +
			"; the old one is not kept (R rotates with a check). ctrl+s again saves"
		return f, nil
	}
	f.formErr, f.saving = "", true
	secret := vault.CleanSecret(f.value(fSecret))
	gen := ""
	if f.generatesKey() {
		gen = f.keyGenAlg()
	}
	if f.editing != nil {
		return f, editCmd(f.deps.Broker.Vault, f.editing.Name, displayProfile(*f.editing), p, secret, gen)
	}
	return f, addCmd(f.deps.Broker.Vault, p, secret, gen, f.keyCert && gen != "")
}

// errShown is the error to show under field i: once the field was touched, or save
// was tried.
func (f *formScreen) errShown(i int) (string, bool) {
	e, bad := f.errs[i]
	return e, bad && (f.tried || f.touched[i])
}

// title is what the form does.
func (f *formScreen) title() string {
	switch {
	case f.editing != nil:
		return "Edit " + oauth.OneLine(f.editing.Name)
	case f.from != nil:
		return "Clone " + oauth.OneLine(f.from.Name)
	}
	return "Add a profile"
}

// View implements screen: the groups one under the other, each field on one line
// behind its label (* marks the required ones), its error or hint under it. The page
// scrolls so the focused field is always in view.
func (f *formScreen) View(width, height int) string {
	st := f.st
	w := width - 2
	head := []string{f.head(w)}
	var blocks [][]string
	focus := f.focused()
	focusBlock := 0
	for g := 0; g < groupCount; g++ {
		if g == gAdvanced && !f.advanced {
			continue
		}
		blocks = append(blocks, []string{st.Subtle.Render(truncateLine("── "+groupTitles[g]+" "+strings.Repeat("─", max(0, w-4-len(groupTitles[g]))), w))})
		for i := 0; i < fieldCount; i++ {
			if groupOf(i) != g || !f.shown(i) {
				continue
			}
			if i == focus {
				focusBlock = len(blocks)
			}
			blocks = append(blocks, f.fieldLines(i, i == focus, w))
		}
	}
	var foot []string
	if f.busy != "" {
		foot = append(foot, f.deps.busy(f.busy))
	}
	if f.offer != nil {
		foot = append(foot, f.offerLines(w)...)
	}
	discoverBlock := -1
	if f.discovering != "" {
		// Shown under the issuer; here too, for when the issuer is scrolled out of view
		// (a line is kept for it, so the page does not jump when it is).
		discoverBlock = f.blockOf(fDiscover)
		foot = append(foot, "")
	}
	if f.saving {
		foot = append(foot, f.deps.busy("saving"))
	}
	if f.formErr != "" {
		// Line by line: the page gives the fields what the foot leaves, and a message
		// counted as one line had its end cut off the screen (ctrl+s again saves).
		foot = append(foot, strings.Split(truncateBlock(st.Bad.Width(w).Render("✗ "+f.formErr), w), "\n")...)
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
	end := start
	for j := start; j < len(blocks); j++ {
		if len(body)+len(blocks[j]) > avail {
			break
		}
		body = append(body, blocks[j]...)
		end = j + 1
	}
	if discoverBlock >= 0 && (discoverBlock < start || discoverBlock >= end) {
		foot[len(foot)-1] = truncateLine(f.discoveringLine(), w)
	}
	out := append(head, body...)
	out = append(out, "")
	out = append(out, foot...)
	return strings.Join(out, "\n")
}

// errLine is the error e under the field labelled label: "✗ name is required" when it
// reads on from the label, "✗ name: a profile named …" when it is a sentence of its own.
func errLine(label, e string) string {
	for _, verb := range []string{"is ", "holds ", "has ", "must ", "needs ", "does "} {
		if strings.HasPrefix(e, verb) {
			return "✗ " + label + " " + e
		}
	}
	return "✗ " + label + ": " + e
}

// discoveringLine says that a discovery is under way, with the app's spinner, and how
// to stop it.
func (f *formScreen) discoveringLine() string {
	return f.deps.busy("discovering "+oauth.OneLine(f.discovering)+"…") + f.st.Hint.Render("  esc cancels")
}

// offerLines show what a discovery found when the user had typed another token URL or
// auth meanwhile: the form does not replace what was typed, ctrl+o does.
func (f *formScreen) offerLines(w int) []string {
	m := f.offer
	return wrapLines("", f.st.Warn, "discovered token endpoint "+oauth.OneLine(m.TokenEndpointFor(m.SuggestedAuth()))+" (auth "+string(m.SuggestedAuth())+
		") for "+oauth.OneLine(m.Issuer)+", not what you typed: ctrl+o uses it", w, 3)
}

// blockOf is the index among the View's blocks (group titles and fields) of field i.
func (f *formScreen) blockOf(i int) int {
	n := 0
	for g := 0; g < groupCount; g++ {
		if g == gAdvanced && !f.advanced {
			continue
		}
		n++
		for j := 0; j < fieldCount; j++ {
			if groupOf(j) != g || !f.shown(j) {
				continue
			}
			if j == i {
				return n
			}
			n++
		}
	}
	return -1
}

// head is the title and the legend, the legend shortened to fit w ("* required"
// kept longest: the marks mean nothing without it).
func (f *formScreen) head(w int) string {
	title := f.st.Title.Render(f.title())
	for _, legend := range []string{"nothing is saved until ctrl+s · esc discards · * required",
		"saved by ctrl+s · esc discards · * required", "ctrl+s saves · * required", "* required"} {
		if line := title + f.st.Subtle.Render("  "+legend); lipgloss.Width(line) <= w {
			return line
		}
	}
	return truncateLine(title, w)
}

// fieldLines draws field i: the mark and label, the huh field, then what it found, its
// error or its hint.
func (f *formScreen) fieldLines(i int, focused bool, w int) []string {
	st := f.st
	name := f.label(i)
	// A private key may be left empty (oat generates one): not marked required.
	if required[i] && (i != fSecret || (f.editing == nil || f.keyChange()) && f.auth != string(oauth.AuthPrivateKeyJWT)) {
		name += " *"
	}
	label, mark := st.FieldLabel.Render(name), "  "
	if focused {
		label, mark = st.FieldFocused.Render(name), st.Accent.Render("▸ ")
	}
	lines := []string{truncateLine(mark+label+f.fields[i].View(), w)}
	if i == fDiscover && f.pending != nil {
		issOrigin, tokOrigin, _ := f.pending.TokenEndpointOrigin()
		return append(lines, wrapLines("    ", st.Warn, "⚠ the token endpoint is on "+oauth.OneLine(tokOrigin)+", not on the issuer's origin "+
			oauth.OneLine(issOrigin)+". The client's credentials would go there: enter again accepts it, editing the issuer cancels.", w, 4)...)
	}
	if i == fDiscover && f.discovering != "" {
		lines = append(lines, truncateLine("    "+f.discoveringLine(), w))
	}
	if i == fDiscover && f.stopped {
		lines = append(lines, truncateLine("    "+st.Hint.Render("discovery stopped: enter starts it again"), w))
	}
	if i == fDiscover {
		for j, l := range f.found {
			indent := "      "
			if j == 0 {
				indent = "    "
			}
			lines = append(lines, wrapLines(indent, st.OK, strings.TrimLeft(l, " "), w, 3)...)
		}
	}
	if e, bad := f.errShown(i); bad {
		lines = append(lines, wrapLines("    ", st.FieldError, errLine(f.label(i), e), w, 3)...)
	} else if i == fSecret && f.editing != nil && f.value(fSecret) != "" {
		// Shown while the field is filled, focused or not: saving does this.
		lines = append(lines, wrapLines("    ", st.Warn, f.replaceWarning(), w, 2)...)
	} else if help := f.helpFor(i); focused && help != "" && !(i == fDiscover && len(f.found) > 0) {
		lines = append(lines, truncateLine("    "+st.Hint.Render(help), w))
	}
	return lines
}

// replaceWarning is what a credential typed into the edit form does on save.
func (f *formScreen) replaceWarning() string {
	switch {
	case f.keyChange():
		return "⚠ replaces " + vault.CredentialOf(f.editing.AuthMethod).String() + " with " + vault.CredentialOf(oauth.AuthMethod(f.auth)).String()
	case f.auth == string(oauth.AuthPrivateKeyJWT):
		return "⚠ replaces the key without a check; R rotates it with one (the old one kept until revoked)"
	case f.certAuth():
		return "⚠ replaces the certificate and its key; the old ones are not kept"
	}
	return "⚠ replaces the secret without a check; R rotates it with one (the old one kept until revoked)"
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
	// key is what the provider registers for a private key just stored (never the
	// private key: secret is empty then); generated says oat made the key.
	key       *oauth.PublicKeyDocs
	generated bool
	// cert describes a client certificate just stored (its key is never in the
	// message: secret is empty then).
	cert *vault.CertInfo
}

// discoveredMsg carries issuer metadata for the form: the answer to request seq, for
// issuer.
type discoveredMsg struct {
	issuer string
	seq    int
	meta   *oauth.Metadata
	err    error
}

// importedEnvMsg carries the credentials read from the .env file at path for the form.
type importedEnvMsg struct {
	path  string
	creds *vault.EnvCredentials
	err   error
}

// addCmd stores a new profile with its secret (or private key; gen: the algorithm of
// a new key to generate, "" for none; cert: with a self-signed certificate).
func addCmd(v *vault.Vault, p vault.Profile, secret string, gen string, cert bool) tea.Cmd {
	return func() tea.Msg {
		if gen != "" {
			var req *vault.CertRequest
			if cert {
				req = &vault.CertRequest{Subject: "oat " + p.Name, Days: 365, Now: v.Now()}
			}
			k, _, err := vault.GenerateKeyCert(gen, req)
			if err != nil {
				return savedMsg{err: err}
			}
			secret, p.KeyAlg = k.PEM, k.Alg
		}
		np, err := v.Add(context.Background(), p, secret)
		if err == nil && np.AuthMethod == oauth.AuthPrivateKeyJWT {
			return keySaved(np, secret, gen != "", true, nil)
		}
		if err == nil && vault.CredentialOf(np.AuthMethod) == vault.CredCert {
			return certSaved(np, true, nil)
		}
		return savedMsg{profile: np, secret: secret, added: true, err: err}
	}
}

// keySaved is the savedMsg of a private key stored for p: the public documents to show
// once, and not the key.
func keySaved(p vault.Profile, key string, gen, added bool, overwrote []string) savedMsg {
	docs, err := vault.KeyDocs(key, p.KeyAlg)
	if err != nil {
		return savedMsg{profile: p, added: added, err: err, overwrote: overwrote}
	}
	return savedMsg{profile: p, added: added, key: &docs, generated: gen, overwrote: overwrote}
}

// editCmd saves what the form changed (from → p) into the profile first called name,
// leaving what it did not touch as it is now (another oat may have changed it since);
// a non-empty secret replaces the secret too (without keeping the old: that is what
// rotation is for).
func editCmd(v *vault.Vault, name string, from, p vault.Profile, secret string, gen string) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		if gen != "" {
			k, _, err := vault.GenerateKey(gen)
			if err != nil {
				return savedMsg{err: err}
			}
			secret = k.PEM
		}
		// A move between a secret and a key stores the new credential with its method
		// first: an edit alone may not change what is stored.
		moved := vault.CredentialOf(p.AuthMethod) != vault.CredentialOf(from.AuthMethod)
		if moved {
			cur, err := v.GetByID(from.ID)
			if err == nil {
				cur, err = v.ReplaceCredential(ctx, cur.Name, p.AuthMethod, secret)
			}
			if err != nil {
				return savedMsg{err: err}
			}
			from.AuthMethod, from.DetectedAuth = p.AuthMethod, cur.DetectedAuth // done: not merged again
		}
		// By ID: another oat may have renamed the profile since the form opened.
		var overwrote []string
		pending := "" // a secret stored after the edit is the one it is checked with
		if !moved {
			pending = secret
		}
		np, err := v.EditByIDBefore(ctx, from.ID, pending, func(q *vault.Profile) error {
			overwrote = vault.MergeEdit(q, from, p)
			return nil
		})
		if err == nil && secret != "" && !moved {
			np, err = v.ReplaceSecret(ctx, np.Name, secret)
		}
		switch {
		case err == nil && secret != "" && np.AuthMethod == oauth.AuthPrivateKeyJWT:
			return keySaved(np, secret, gen != "", false, overwrote)
		case err == nil && secret != "" && vault.CredentialOf(np.AuthMethod) == vault.CredCert:
			return certSaved(np, false, overwrote)
		case secret != "":
			return savedMsg{profile: np, secret: secret, err: err, overwrote: overwrote}
		}
		return savedMsg{profile: np, err: err, overwrote: overwrote}
	}
}

// discoverCmd looks up issuer metadata for the form, as its request seq, trusting the
// CA file the form names (as the profile's token requests will).
func discoverCmd(ctx context.Context, c *oauth.Client, issuer, caFile string, seq int) tea.Cmd {
	return func() tea.Msg {
		caFile, caPEM, err := vault.Profile{CAFile: caFile}.CA()
		if err != nil {
			return discoveredMsg{issuer: issuer, seq: seq, err: err}
		}
		m, err := c.DiscoverWithCA(ctx, issuer, caFile, caPEM)
		return discoveredMsg{issuer: issuer, seq: seq, meta: m, err: err}
	}
}

// replacedSecretScreen is the one-time screen of a secret typed into the edit form: it
// also says that the old secret is gone, by both fingerprints (rotation, which keeps the
// old one, has its own screen).
type replacedSecretScreen struct {
	*secretOnceScreen
	oldFingerprint string
}

// Update implements screen.
func (r *replacedSecretScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	s, cmd := r.secretOnceScreen.Update(msg)
	if s == screen(r.secretOnceScreen) {
		return r, cmd
	}
	return s, cmd
}

// View implements screen: the one-time screen with a line under its title.
func (r *replacedSecretScreen) View(width, height int) string {
	lines := strings.Split(r.secretOnceScreen.View(width, height), "\n")
	old := r.oldFingerprint
	if old == "" {
		old = "unknown"
	}
	note := wrapLines("", r.st.Warn, "The old secret was replaced without a check and is not kept: fingerprint "+
		oauth.OneLine(old)+" → "+oauth.OneLine(r.profile.SecretFingerprint)+".", width-2, 2)
	return strings.Join(append(lines[:1], append(note, lines[1:]...)...), "\n")
}
