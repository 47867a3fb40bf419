package ui

import (
	"context"
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// keyStagedMsg is a new key staged for rotation, with what to register.
type keyStagedMsg struct {
	key vault.StagedKey
	err error
}

// stagedFoundMsg says a key is already staged (an earlier oat rotate --keygen).
type stagedFoundMsg struct{ thumbprint string }

type keyRotPhase int

const (
	krChoose   keyRotPhase = iota // g generates; p pastes; enter tries a key staged before
	krPaste                       // a key of one's own pasted (masked)
	krStaging                     // generating and staging
	krRegister                    // the public key shown once: register it, then enter
	krRunning                     // token → test call → promote
	krFailed                      // the old key active, the new one still staged
	krDone                        // the new key active, the old one kept aside
	krChecking
	krChecked
)

// keyRotateScreen is the checked rotation of a private_key_jwt profile's key: generate a
// new key → its public JWK/JWKS/PEM shown once → "register it at the provider, then
// press enter" → a token with it and the test call as a checklist → active, the old
// key kept aside → o checks the old key (revoked: deleted; still accepted: kept).
// Every step is vault's (GenerateStagedKey, Broker.RotateStagedKey, CheckOld); a
// failure leaves the old key active and the new one staged to try again.
type keyRotateScreen struct {
	deps    Deps
	keys    keyRotateKeys
	profile vault.Profile
	phase   keyRotPhase
	// input takes a pasted private key (PEM or JWK), masked; it is emptied once staged.
	input textinput.Model
	// docs is what to register, held only on the register step (shown once); form is
	// the one shown (keyForms).
	docs vault.StagedKey
	form int
	// staged is the thumbprint of a key staged before this screen opened.
	staged  string
	rep     *vault.RotationReport
	verdict vault.OldSecretVerdict
	// stagedRun is the checked run of the staged key.
	stagedRun
	// oldThumb is the old key's thumbprint, for the verdict line once it is dropped.
	oldThumb string
	pager    pager
	// sharedClient is about the other profiles holding the same key.
	sharedClient
}

// keyRotateKeys are the key rotation's keys.
type keyRotateKeys struct {
	Generate, Paste, Stage, Try, Form, Copy, Cancel, CheckOld, UpdateShared, Retry, Activate, Done, Interrupt key.Binding
}

func newKeyRotateKeys(r rotateKeys) keyRotateKeys {
	return keyRotateKeys{
		Generate:     key.NewBinding(key.WithKeys("g"), key.WithHelp("g", "generate a new key")),
		Paste:        key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "paste a key of your own")),
		Stage:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "use this key")),
		Try:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "registered: try it")),
		Form:         keyNextForm,
		Copy:         keyCopy,
		Cancel:       r.Cancel,
		CheckOld:     r.CheckOld,
		UpdateShared: r.UpdateShared,
		Retry:        r.Retry,
		Activate:     r.Activate,
		Done:         r.Done,
		Interrupt:    r.Interrupt,
	}
}

func newKeyRotate(d Deps, p vault.Profile) *keyRotateScreen {
	in := newInput(d.Styles)
	in.Prompt = ""
	in.EchoMode, in.EchoCharacter = textinput.EchoPassword, '•'
	in.Placeholder = "paste the private key (PEM or JWK)"
	in.TextStyle, in.PlaceholderStyle = d.Styles.Text, d.Styles.Subtle
	r := &keyRotateScreen{deps: d, keys: newKeyRotateKeys(newRotateKeys()), profile: p, input: in, sharedClient: sharedClient{cred: "key"},
		stagedRun: stagedRun{cred: "key"}}
	if p.PreviousFingerprint != "" {
		r.phase = krDone // an earlier rotation awaits its check: offer it straight away
	}
	return r
}

// Init looks for a key staged before (oat rotate --keygen without --continue) and for
// the profiles holding the same key.
func (r *keyRotateScreen) Init() tea.Cmd {
	v, p := r.deps.Broker.Vault, r.profile
	find := findShared(v, p)
	if r.phase != krChoose {
		return find
	}
	return tea.Batch(find, func() tea.Msg {
		sk, err := v.StagedKeyOf(context.Background(), p)
		if err != nil {
			return nil
		}
		return stagedFoundMsg{thumbprint: sk.Key.Thumbprint}
	})
}

// newActive says the new key is the profile's: u can give it to the profiles behind.
func (r *keyRotateScreen) newActive() bool { return r.phase == krDone || r.phase == krChecked }

// canUpdateShared says u works now: the new key is active and a profile of the same
// client still holds the old one.
func (r *keyRotateScreen) canUpdateShared() bool {
	return r.canUpdate(r.newActive(), r.profile.SecretFingerprint)
}

// Capturing implements screen: the pasted key's field takes every key.
func (r *keyRotateScreen) Capturing() bool { return r.phase == krPaste }

// InFlight implements inFlight: quitting mid-rotation asks first.
func (r *keyRotateScreen) InFlight() string {
	if r.phase == krRunning || r.phase == krChecking || r.phase == krStaging || r.updating {
		return "a rotation"
	}
	return ""
}

// Keys implements screen.
func (r *keyRotateScreen) Keys() help.KeyMap { return r.pager.keys(r.phaseKeys()) }

// phaseKeys are the keys of the phase the rotation is in.
func (r *keyRotateScreen) phaseKeys() simpleKeys {
	k := r.keys
	if r.updating {
		return simpleKeys{k.Interrupt}
	}
	if r.canUpdateShared() {
		if r.phase == krDone {
			return simpleKeys{k.CheckOld, k.UpdateShared, k.Done}
		}
		return simpleKeys{k.UpdateShared, k.Done}
	}
	switch r.phase {
	case krChoose:
		if r.staged != "" {
			show := key.NewBinding(key.WithKeys(k.Form.Keys()...), key.WithHelp(k.Form.Help().Key, "show it again"))
			return simpleKeys{k.Try, show, k.Generate, k.Paste, k.Cancel}
		}
		return simpleKeys{k.Generate, k.Paste, k.Cancel}
	case krPaste:
		return simpleKeys{k.Stage, k.Cancel}
	case krRegister:
		return simpleKeys{k.Try, nextFormKey(k.Form, r.docs.Docs), k.Copy, k.Cancel}
	case krRunning:
		return simpleKeys{k.Cancel, k.Interrupt}
	case krStaging, krChecking:
		return simpleKeys{k.Interrupt}
	case krFailed:
		return r.failedKeys(k.Activate, k.Retry, k.Done, r.staged != "")
	case krDone:
		return simpleKeys{k.CheckOld, k.Done}
	}
	return simpleKeys{k.Done}
}

// Update implements screen.
func (r *keyRotateScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case stagedFoundMsg:
		if r.phase == krChoose {
			r.staged = msg.thumbprint
		}
	case keyStagedMsg:
		if sa := (*vault.StagedAlreadyError)(nil); errors.As(msg.err, &sa) {
			r.phase, r.err, r.staged = krChoose, nil, sa.Thumbprint // offered: enter tries it, g makes another
			return r, nil
		}
		if msg.err != nil {
			r.phase, r.err = krChoose, msg.err
			return r, nil
		}
		r.phase, r.docs, r.form, r.err, r.staged = krRegister, msg.key, 0, nil, msg.key.Key.Thumbprint
	case rotateStartMsg, rotateStepMsg:
		return r, r.onProgress(msg, "")
	case rotateDoneMsg:
		r.rep = msg.rep
		r.onDone(msg)
		if msg.err != nil {
			r.phase = krFailed
			return r, nil
		}
		r.phase, r.profile, r.staged = krDone, msg.rep.Profile, ""
		return r, promoted(&r.sharedClient, msg.rep)
	case sharedMsg, sharedUpdatedMsg:
		_, cmd := r.onMsg(msg)
		return r, cmd
	case checkOldMsg:
		r.checked(msg.verdict, msg.err, r.profile.PreviousFingerprint) // before the check dropped it
		r.phase, r.verdict, r.err = krChecked, msg.verdict, msg.err
		if msg.profile.ID != "" {
			r.profile = msg.profile
		}
	case tea.KeyMsg:
		if r.phase != krPaste && r.pager.key(msg) {
			return r, nil // what does not fit scrolls (a public key at 60×20)
		}
		return r.onKey(msg)
	}
	return r, nil
}

// onKey handles a key in the current phase.
func (r *keyRotateScreen) onKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	k := r.keys
	if handled, cmd := r.sharedClient.onKey(msg, k.UpdateShared, r.newActive(), r.deps.Broker.Vault, r.profile); handled {
		return r, cmd
	}
	switch r.phase {
	case krChoose:
		switch {
		case key.Matches(msg, k.Generate):
			r.phase, r.err = krStaging, nil
			v, name, alg, replace := r.deps.Broker.Vault, r.profile.Name, "", r.staged != ""
			return r, func() tea.Msg {
				// A key staged meanwhile by another oat is not replaced without a word:
				// only one the screen has shown (g "makes another") is.
				stage := v.GenerateStagedKeyIfNone
				if replace {
					stage = v.GenerateStagedKey
				}
				_, sk, err := stage(context.Background(), name, alg)
				return keyStagedMsg{key: sk, err: err}
			}
		case key.Matches(msg, k.Paste):
			r.phase, r.err = krPaste, nil
			return r, r.input.Focus()
		case key.Matches(msg, k.Try) && r.staged != "":
			return r, r.start(vault.RotateOptions{})
		case key.Matches(msg, k.Form) && r.staged != "":
			// The staged key's public documents again, to register (oat keygen --show).
			v, p := r.deps.Broker.Vault, r.profile
			return r, func() tea.Msg {
				sk, err := v.StagedKeyOf(context.Background(), p)
				return keyStagedMsg{key: sk, err: err}
			}
		case key.Matches(msg, k.Cancel):
			return closeScreen()
		}
	case krPaste:
		return r.onPasteKey(msg)
	case krRegister:
		switch {
		case key.Matches(msg, k.Form):
			names, _ := keyDocForms(r.docs.Docs)
			r.form = (r.form + 1) % len(names)
		case key.Matches(msg, k.Copy):
			what, doc := keyDoc(r.docs.Docs, r.form)
			return r, func() tea.Msg { return copyMsg{what: what, value: doc, plain: true} }
		case key.Matches(msg, k.Try):
			r.docs = vault.StagedKey{} // shown once: gone from here on
			return r, r.start(vault.RotateOptions{})
		case key.Matches(msg, k.Cancel):
			r.docs = vault.StagedKey{}
			return closeWith("the new key of " + oauth.OneLine(r.profile.Name) + " stays staged: R then enter tries it once registered")
		}
	case krRunning:
		if key.Matches(msg, k.Cancel) {
			r.stop()
		}
	case krFailed:
		switch {
		case key.Matches(msg, k.Activate) && r.tokenOK():
			return r, r.start(vault.RotateOptions{ActivateIfCallFails: true})
		case key.Matches(msg, k.Retry) && r.staged != "":
			return r, r.start(vault.RotateOptions{})
		case key.Matches(msg, k.Done):
			return closeScreen()
		}
	case krDone:
		switch {
		case key.Matches(msg, k.CheckOld):
			r.phase, r.oldThumb = krChecking, r.profile.PreviousKeyThumbprint
			b, name := r.deps.Broker, r.profile.Name
			return r, func() tea.Msg {
				v, p, err := b.CheckOld(context.Background(), name)
				return checkOldMsg{verdict: v, profile: p, err: err}
			}
		case key.Matches(msg, k.Done):
			return closeScreen()
		}
	case krChecked:
		if key.Matches(msg, k.Done) {
			return closeScreen()
		}
	}
	return r, nil
}

// onPasteKey handles a key while a private key is pasted: enter stages it (vault reads
// it; the field is emptied whatever happens), esc goes back.
func (r *keyRotateScreen) onPasteKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	switch {
	case key.Matches(msg, r.keys.Cancel):
		r.input.SetValue("")
		r.input.Blur()
		r.phase = krChoose
		return r, nil
	case key.Matches(msg, r.keys.Stage):
		// A PEM whose line breaks the one-line field turned to spaces reads as it is
		// (oauth.ParseClientKey takes one-line PEM).
		cred := strings.TrimSpace(r.input.Value())
		if cred == "" {
			return r, nil
		}
		r.input.SetValue("")
		r.input.Blur()
		r.phase, r.err = krStaging, nil
		v, name := r.deps.Broker.Vault, r.profile.Name
		return r, func() tea.Msg {
			_, sk, err := v.StageKey(context.Background(), name, cred, "")
			return keyStagedMsg{key: sk, err: err}
		}
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	return r, cmd
}

// start runs the checked rotation of the staged key from a clean checklist.
func (r *keyRotateScreen) start(opts vault.RotateOptions) tea.Cmd {
	r.phase, r.rep = krRunning, nil
	return r.stagedRun.start(r.deps.Broker.RotateStagedKey, r.profile.Name, opts)
}

// View implements screen.
// ownKid is " (kid X)" for a key with its own kid, "" for one known by its thumbprint.
func ownKid(kid string) string {
	if kid == "" {
		return ""
	}
	return " (kid " + kid + ")"
}

func (r *keyRotateScreen) View(width, height int) string {
	lines := r.view(width)
	n := min(2, len(lines)) // the title and the line under it stay in sight
	return lipgloss.NewStyle().MaxWidth(width).Render(strings.Join(r.pager.windowUnder(r.deps.Styles, lines[:n], lines[n:], width, height), "\n"))
}

func (r *keyRotateScreen) view(width int) []string {
	st := r.deps.Styles
	w := width - 2
	p := displayProfile(r.profile)
	out := []string{st.Title.Render(truncateLine("Rotate the key of "+p.Name, w)) + st.Warn.Render(envTag(p.Environment)), ""}
	current := "current key: " + p.KeyAlg + " " + p.KeyThumbprint + ownKid(p.KeyID)
	switch r.phase {
	case krChoose, krStaging, krPaste:
		out = append(out, hanging(st.Text, "1. ", "oat generates a new key pair (or takes one you paste) and shows its public key once.", w)...)
		out = append(out, hanging(st.Text, "2. ", "You register it at the provider beside the old one, then press enter.", w)...)
		out = append(out, hanging(st.Text, "3. ", "oat gets a token with it"+map[bool]string{true: " and runs the test call", false: " (no API set: no test call)"}[p.HasTestCall()]+"; only then it becomes active, the old key kept aside.", w)...)
		out = append(out, "")
		if r.staged != "" {
			out = append(out, hanging(st.Text, "", "A new key is staged already (thumbprint "+oauth.OneLine(r.staged)+"): enter tries it once registered; v shows its public key again; g makes another.", w)...)
		}
		if r.err != nil {
			out = append(out, errorLines(st, r.err, w)...)
		}
		if r.phase == krPaste {
			out = append(out, truncateLine(st.Label.Render("new key")+r.input.View(), w), "")
		}
		if r.phase == krStaging {
			out = append(out, r.deps.busy("staging the new key"))
		}
		out = append(out, "")
		out = append(out, hanging(st.Subtle, "", current+" · nothing changes until the new one is proven", w)...)
		return append(out, r.sharedLines(w)...)
	case krRegister:
		out = append(out, keyDocsLines(st, r.deps.Broker.Vault.Secrets.Name(), r.docs.Docs, r.form, w)...)
		out = append(out, "")
		out = append(out, hanging(st.Text, "", "Register it at the provider, then press enter: oat gets a token with it. "+current+", still active.", w)...)
		return out
	}
	out = append(out, r.checklist(st, r.deps.busy, r.phase == krRunning, r.phase == krFailed, w)...)
	switch r.phase {
	case krFailed:
		if len(r.steps) > 0 {
			out = append(out, "")
		}
		var re *vault.RotationError
		if errors.As(r.err, &re) && re.Cancelled {
			out = append(out, wrapText(st.Text, "Cancelled.", w)...)
			out = append(out, wrapText(st.OK, "Nothing was lost: the old key ("+p.KeyThumbprint+") is still active; the new one stays staged (r tries it).", w)...)
		} else if errors.As(r.err, &re) {
			if re.TokenOK {
				out = append(out, wrapText(st.OK, "✓ The provider accepted the new key: it got a token with it; only the test call "+oauth.OneLine(re.Call)+" failed.", w)...)
			}
			out = append(out, errorLines(st, re.Err, w)...)
			out = append(out, "")
			out = append(out, wrapText(st.OK, "Nothing was lost: the old key ("+p.KeyThumbprint+") is still active; the new one stays staged.", w)...)
			switch {
			case re.TokenOK:
				out = append(out, wrapText(st.Text, "a makes it active anyway (the old one kept aside); r tries again.", w)...)
			case re.Step == vault.StepToken:
				out = append(out, wrapText(st.Text, "Is the new public key registered at the provider for this client? r tries again.", w)...)
			}
		} else {
			out = append(out, errorLines(st, r.err, w)...)
		}
	case krDone:
		if len(r.steps) > 0 {
			out = append(out, "")
		}
		out = append(out, hanging(st.Text, "", "Active key: "+p.KeyAlg+" "+p.KeyThumbprint+ownKid(p.KeyID), w)...)
		if p.PreviousKeyThumbprint != "" {
			out = append(out, "")
			out = append(out, wrapText(st.Text, "The old key (kid "+vault.KidOf(p.PreviousKeyThumbprint, p.PreviousKeyID)+") is kept aside, never shown. Remove it at the provider, then press o: oat tries it and deletes it once rejected.", w)...)
		}
	case krChecking:
		out = append(out, "", r.deps.busy("trying the old key"))
	case krChecked:
		if len(r.steps) > 0 {
			out = append(out, "")
		}
		switch {
		case r.err != nil:
			out = append(out, errorLines(st, r.err, w)...)
			out = append(out, st.Text.Render("The old key is kept."))
		case r.verdict == vault.Revoked:
			out = append(out, hanging(st.OK, "✓ ", "revoked: the provider rejects the old key "+oauth.OneLine(r.oldThumb)+" (invalid_client). It is deleted.", w)...)
		default:
			out = append(out, hanging(st.Warn, "⚠ ", "still accepted: the provider still issues tokens for the old key "+oauth.OneLine(r.oldThumb)+".", w)...)
			out = append(out, wrapText(st.Text, "Remove it at the provider, then come back (R, then o). It is kept until then.", w)...)
		}
		out = append(out, "")
		out = append(out, hanging(st.Text, "", "Active key: "+p.KeyAlg+" "+p.KeyThumbprint+ownKid(p.KeyID), w)...)
	}
	if r.newActive() {
		out = append(out, r.sharedLines(w)...)
	}
	return out
}

// sharedLines warn about the profiles holding the same key and say what u did for them.
func (r *keyRotateScreen) sharedLines(w int) []string {
	return r.lines(r.deps.Styles, r.deps.busy, sharedView{behind: r.behind(r.newActive(), r.profile.SecretFingerprint),
		beforeNew: r.phase == krChoose || r.phase == krPaste, canUpdate: r.canUpdateShared(),
		revokedNow: r.phase == krChecked && r.verdict == vault.Revoked}, w)
}
