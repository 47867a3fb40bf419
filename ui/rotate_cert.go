package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// certStagedMsg is a new client certificate staged for rotation, described.
type certStagedMsg struct {
	cert vault.StagedCert
	err  error
}

// certFoundMsg says a certificate is staged already (an earlier oat rotate that the
// provider refused).
type certFoundMsg struct{ cert vault.StagedCert }

// certCheckedMsg is CheckOld's verdict on the old certificate, with what described it.
type certCheckedMsg struct {
	checkOldMsg
	old   vault.CertInfo
	known bool
}

type certRotPhase int

const (
	crPaste   certRotPhase = iota // the new certificate and key pasted (masked)
	crStaging                     // checking and staging them
	crStaged                      // the new certificate shown: enter tries it
	crRunning                     // token → test call → promote
	crFailed                      // the old certificate active, the new one still staged
	crDone                        // the new certificate active, the old one kept aside
	crChecking
	crChecked
)

// certRotateScreen is the checked rotation of a mutual-TLS profile's client
// certificate: the renewed certificate and its key pasted → checked (the key is the
// certificate's, it is valid now, it is not the one in use) and staged beside the
// active one → shown (subject, issuer, validity, x5t#S256: what the provider
// registers) → enter: a token with it and the test call as a checklist → active, the
// old certificate and key kept aside → o presents the old one (rejected: deleted;
// still accepted: kept, with what that means for the method). Every step is vault's
// (StageCert, Broker.RotateStagedCert, CheckOld); esc before the promotion leaves the
// old certificate active.
type certRotateScreen struct {
	deps    Deps
	keys    certRotateKeys
	profile vault.Profile
	phase   certRotPhase
	// input takes the pasted certificate and key, masked; it is emptied once read.
	input textinput.Model
	// cert is the staged certificate (public); staged says one is staged.
	cert    vault.CertInfo
	staged  bool
	verdict vault.OldSecretVerdict
	// stagedRun is the checked run of the staged certificate.
	stagedRun
	// old describes the old certificate, for the verdict once it is dropped.
	old      vault.CertInfo
	oldKnown bool
	pager    pager
	// sharedClient is about the other profiles presenting the same certificate.
	sharedClient
}

// certRotateKeys are the certificate rotation's keys.
type certRotateKeys struct {
	Stage, Try, Copy, Cancel, CheckOld, UpdateShared, Retry, Activate, Done, Interrupt key.Binding
}

func newCertRotateKeys(r rotateKeys) certRotateKeys {
	return certRotateKeys{
		Stage:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "check it")),
		Try:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "get a token with it")),
		Copy:         key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy x5t#S256")),
		Cancel:       r.Cancel,
		CheckOld:     r.CheckOld,
		UpdateShared: r.UpdateShared,
		Retry:        r.Retry,
		Activate:     r.Activate,
		Done:         r.Done,
		Interrupt:    r.Interrupt,
	}
}

func newCertRotate(d Deps, p vault.Profile) *certRotateScreen {
	in := newInput(d.Styles)
	in.Prompt = ""
	secretInput(&in)
	in.CharLimit = 32 << 10 // a certificate chain and its key (PEM), as the form's field
	in.Placeholder = "paste the renewed certificate (chain) and its private key, PEM"
	in.TextStyle, in.PlaceholderStyle = d.Styles.Text, d.Styles.Subtle
	r := &certRotateScreen{deps: d, keys: newCertRotateKeys(newRotateKeys()), profile: p, input: in, sharedClient: sharedClient{cred: "certificate"},
		stagedRun: stagedRun{cred: "certificate"}}
	if p.PreviousFingerprint != "" {
		r.phase = crDone // an earlier rotation awaits its check: offer it straight away
	}
	return r
}

// Init focuses the field and looks for a certificate staged before and for the
// profiles presenting the same certificate.
func (r *certRotateScreen) Init() tea.Cmd {
	v, p := r.deps.Broker.Vault, r.profile
	find := findShared(v, p)
	if r.phase != crPaste {
		return find
	}
	return tea.Batch(find, r.input.Focus(), func() tea.Msg {
		sc, err := v.StagedCertOf(context.Background(), p)
		if err != nil {
			return nil
		}
		return certFoundMsg{cert: sc}
	})
}

// Capturing implements screen: the paste field takes every key.
func (r *certRotateScreen) Capturing() bool { return r.phase == crPaste }

// InFlight implements inFlight: quitting mid-rotation asks first.
func (r *certRotateScreen) InFlight() string {
	if r.phase == crRunning || r.phase == crChecking || r.phase == crStaging || r.updating {
		return "a rotation"
	}
	return ""
}

// newActive says the new certificate is the profile's: u can give it to the profiles
// behind.
func (r *certRotateScreen) newActive() bool { return r.phase == crDone || r.phase == crChecked }

// canUpdateShared says u works now.
func (r *certRotateScreen) canUpdateShared() bool {
	return r.canUpdate(r.newActive(), r.profile.SecretFingerprint)
}

// Keys implements screen.
func (r *certRotateScreen) Keys() help.KeyMap { return r.pager.keys(r.phaseKeys()) }

// phaseKeys are the keys of the phase the rotation is in.
func (r *certRotateScreen) phaseKeys() simpleKeys {
	k := r.keys
	if r.updating {
		return simpleKeys{k.Interrupt}
	}
	if r.canUpdateShared() {
		if r.phase == crDone {
			return simpleKeys{k.CheckOld, k.UpdateShared, k.Done}
		}
		return simpleKeys{k.UpdateShared, k.Done}
	}
	switch r.phase {
	case crPaste:
		return simpleKeys{k.Stage, k.Cancel}
	case crStaged:
		return simpleKeys{k.Try, k.Copy, k.Cancel}
	case crRunning:
		return simpleKeys{k.Cancel, k.Interrupt}
	case crStaging, crChecking:
		return simpleKeys{k.Interrupt}
	case crFailed:
		return r.failedKeys(k.Activate, k.Retry, k.Done, r.staged)
	case crDone:
		return simpleKeys{k.CheckOld, k.Done}
	}
	return simpleKeys{k.Done}
}

// Update implements screen.
func (r *certRotateScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case certFoundMsg:
		if r.phase == crPaste {
			r.cert, r.staged = msg.cert.Info, true
		}
	case certStagedMsg:
		if msg.err != nil {
			r.phase, r.err = crPaste, msg.err
			return r, r.input.Focus()
		}
		r.phase, r.cert, r.staged, r.err = crStaged, msg.cert.Info, true, nil
	case rotateStartMsg, rotateStepMsg:
		return r, r.onProgress(msg, vault.StepStage) // the staging is shown above the checklist
	case rotateDoneMsg:
		r.onDone(msg)
		if msg.err != nil {
			r.phase = crFailed
			return r, nil
		}
		r.phase, r.profile, r.staged = crDone, msg.rep.Profile, false
		return r, promoted(&r.sharedClient, msg.rep)
	case sharedMsg, sharedUpdatedMsg:
		_, cmd := r.onMsg(msg)
		return r, cmd
	case certCheckedMsg:
		r.checked(msg.verdict, msg.err, r.profile.PreviousFingerprint) // before the check dropped it
		r.phase, r.verdict, r.err = crChecked, msg.verdict, msg.err
		r.old, r.oldKnown = msg.old, msg.known
		if msg.profile.ID != "" {
			r.profile = msg.profile
		}
	case tea.KeyMsg:
		if r.phase != crPaste && r.pager.key(msg) {
			return r, nil // what does not fit scrolls (a public key at 60×20)
		}
		return r.onKey(msg)
	}
	return r, nil
}

// onKey handles a key in the current phase.
func (r *certRotateScreen) onKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	k := r.keys
	if handled, cmd := r.sharedClient.onKey(msg, k.UpdateShared, r.newActive(), r.deps.Broker.Vault, r.profile); handled {
		return r, cmd
	}
	switch r.phase {
	case crPaste:
		return r.onPasteKey(msg)
	case crStaged:
		switch {
		case key.Matches(msg, k.Copy):
			tp := r.cert.Thumbprint
			return r, func() tea.Msg { return copyMsg{what: "certificate thumbprint", value: tp, plain: true} }
		case key.Matches(msg, k.Try):
			return r, r.start(vault.RotateOptions{})
		case key.Matches(msg, k.Cancel):
			return r.discard()
		}
	case crRunning:
		if key.Matches(msg, k.Cancel) {
			r.stop()
		}
	case crFailed:
		switch {
		case key.Matches(msg, k.Activate) && r.tokenOK():
			return r, r.start(vault.RotateOptions{ActivateIfCallFails: true})
		case key.Matches(msg, k.Retry) && r.staged:
			return r, r.start(vault.RotateOptions{})
		case key.Matches(msg, k.Done):
			if r.staged {
				return closeWith("the new certificate of " + oauth.OneLine(r.profile.Name) + " stays staged, the old one active: R, then enter tries it again")
			}
			return closeScreen()
		}
	case crDone:
		switch {
		case key.Matches(msg, k.CheckOld):
			r.phase = crChecking
			b, p := r.deps.Broker, r.profile
			return r, func() tea.Msg {
				// The old certificate described first: once rejected it is gone.
				old, oerr := b.Vault.PreviousCertOf(context.Background(), p)
				vd, np, err := b.CheckOld(context.Background(), p.Name)
				return certCheckedMsg{checkOldMsg: checkOldMsg{verdict: vd, profile: np, err: err}, old: old, known: oerr == nil}
			}
		case key.Matches(msg, k.Done):
			return closeScreen()
		}
	case crChecked:
		if key.Matches(msg, k.Done) {
			return closeScreen()
		}
	}
	return r, nil
}

// discard forgets the staged certificate (esc before trying it): the old one was never
// touched.
func (r *certRotateScreen) discard() (screen, tea.Cmd) {
	_ = r.deps.Broker.Vault.DiscardStaged(context.Background(), r.profile)
	return closeWith("rotation cancelled: nothing changed, the old certificate of " + oauth.OneLine(r.profile.Name) + " is still active")
}

// onPasteKey handles a key while the certificate is pasted: enter checks and stages it
// (vault reads it; the field is emptied whatever happens) or, with nothing pasted,
// offers a certificate staged before; esc leaves.
func (r *certRotateScreen) onPasteKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	switch {
	case key.Matches(msg, r.keys.Cancel):
		r.input.SetValue("")
		r.input.Blur()
		return closeScreen()
	case key.Matches(msg, r.keys.Stage):
		cred := strings.TrimSpace(r.input.Value())
		if cred == "" {
			if r.staged {
				r.input.Blur()
				r.phase, r.err = crStaged, nil
			}
			return r, nil
		}
		r.input.SetValue("")
		r.input.Blur()
		r.phase, r.err = crStaging, nil
		v, name := r.deps.Broker.Vault, r.profile.Name
		return r, func() tea.Msg {
			_, sc, err := v.StageCert(context.Background(), name, cred)
			return certStagedMsg{cert: sc, err: err}
		}
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	return r, cmd
}

// start runs the checked rotation of the staged certificate from a clean checklist.
func (r *certRotateScreen) start(opts vault.RotateOptions) tea.Cmd {
	r.phase = crRunning
	return r.stagedRun.start(r.deps.Broker.RotateStagedCert, r.profile.Name, opts)
}

// View implements screen.
func (r *certRotateScreen) View(width, height int) string {
	lines := r.view(width)
	n := min(2, len(lines)) // the title and the line under it stay in sight
	return lipgloss.NewStyle().MaxWidth(width).Render(strings.Join(r.pager.windowUnder(r.deps.Styles, lines[:n], lines[n:], width, height), "\n"))
}

// certRows describes a certificate as the details pane does: label, value.
func (r *certRotateScreen) certRows(c vault.CertInfo, w int) []string {
	st := r.deps.Styles
	issuer := c.Issuer
	if c.SelfSigned {
		issuer = "self-signed"
	}
	const day = "2006-01-02 15:04 MST"
	exp, warn := c.Expiry(r.deps.Broker.Vault.Now())
	expStyle := st.Subtle
	if warn {
		exp, expStyle = "⚠ "+exp, st.Warn
	}
	row := func(label, value string, style lipgloss.Style) []string {
		return hanging(style, fmt.Sprintf("%-10s", label), oauth.OneLine(value), w)
	}
	var out []string
	out = append(out, row("subject", c.Subject, st.Text)...)
	out = append(out, row("issuer", issuer, st.Text)...)
	out = append(out, row("valid", c.NotBefore.UTC().Format(day)+" to "+c.NotAfter.UTC().Format(day), st.Text)...)
	out = append(out, row("", exp, expStyle)...)
	out = append(out, row("x5t#S256", c.Thumbprint, st.Text)...)
	return out
}

// line is p's certificate on one line ("none" when unreadable).
func certOneLine(p vault.Profile) string {
	if info, ok, err := p.CertInfo(); err == nil && ok {
		return info.Line()
	}
	return "none"
}

func (r *certRotateScreen) view(width int) []string {
	st := r.deps.Styles
	w := width - 2
	p := displayProfile(r.profile)
	out := []string{st.Title.Render(truncateLine("Rotate the client certificate of "+p.Name, w)) + st.Warn.Render(envTag(p.Environment)), ""}
	current := "current certificate: " + certOneLine(r.profile)
	switch r.phase {
	case crPaste, crStaging:
		out = append(out, hanging(st.Text, "1. ", "Paste the renewed certificate (chain) and its private key, PEM, in one text. oat checks that the key is the certificate's and that it is valid now.", w)...)
		out = append(out, hanging(st.Text, "2. ", "oat shows it (what the provider registers) and, on enter, gets a token with it"+map[bool]string{true: " and runs the test call presenting it", false: " (no API set: no test call)"}[p.HasTestCall()]+".", w)...)
		out = append(out, hanging(st.Text, "3. ", "Only then it becomes active; the old certificate and key are kept aside until the provider rejects them.", w)...)
		out = append(out, "")
		if r.staged {
			out = append(out, hanging(st.Text, "", "A new certificate is staged already (x5t#S256 "+oauth.OneLine(r.cert.Thumbprint)+"): enter with nothing pasted shows it; pasting another replaces it.", w)...)
		}
		if r.err != nil {
			out = append(out, errorLines(st, r.err, w)...)
		}
		if r.staged || r.err != nil {
			out = append(out, "")
		}
		out = append(out, truncateLine(st.Label.Render("new cert")+r.input.View(), w), "")
		if r.phase == crStaging {
			out = append(out, r.deps.busy("checking the new certificate"))
		}
		out = append(out, hanging(st.Subtle, "", current+" · nothing changes until the new one is proven", w)...)
		if r.profile.AuthMethod == oauth.AuthSelfSignedTLS {
			// The command on lines of its own, cut only where a shell takes it (a space):
			// copied from the terminal, it runs as it is.
			out = append(out, hanging(st.Subtle, "", "A new self-signed one: run", w)...)
			out = append(out, hanging(st.Text, "  ", vault.SelfSignedCertCommand, w)...)
			out = append(out, hanging(st.Subtle, "", "then paste the output of cat c.pem k.pem", w)...)
		}
		out = append(out, hanging(st.Subtle, "", "A .p12 file: oat rotate "+p.Name+" --pkcs12 < new.p12", w)...)
		return append(out, r.sharedLines(w)...)
	case crStaged:
		out = append(out, hanging(st.Text, "", "New certificate, staged beside the active one (its key stays in the "+r.deps.Broker.Vault.Secrets.Name()+" store):", w)...)
		out = append(out, r.certRows(r.cert, w)...)
		out = append(out, "")
		out = append(out, wrapText(st.Text, vault.CertRegistration(r.profile.AuthMethod, r.cert.Subject), w)...)
		out = append(out, "")
		out = append(out, hanging(st.Text, "", "Press enter to get a token with it; esc forgets it.", w)...)
		out = append(out, hanging(st.Subtle, "", current+" · still active", w)...)
		return out
	}
	out = append(out, r.checklist(st, r.deps.busy, r.phase == crRunning, r.phase == crFailed, w)...)
	oldTP := func() string {
		if r.oldKnown {
			return r.old.Thumbprint
		}
		return r.profile.PreviousKeyThumbprint
	}
	switch r.phase {
	case crFailed:
		if len(r.steps) > 0 {
			out = append(out, "")
		}
		old := "Nothing was lost: the old certificate (" + activeThumbOf(r.profile) + ") is still active; the new one stays staged"
		var re *vault.RotationError
		if errors.As(r.err, &re) && re.Cancelled {
			out = append(out, wrapText(st.Text, "Cancelled.", w)...)
			out = append(out, wrapText(st.OK, old+" (r tries it).", w)...)
		} else if errors.As(r.err, &re) {
			if re.TokenOK {
				out = append(out, wrapText(st.OK, "✓ The provider accepted the new certificate: it got a token with it; only the test call "+oauth.OneLine(re.Call)+" failed.", w)...)
			}
			out = append(out, errorLines(st, re.Err, w)...)
			out = append(out, "")
			out = append(out, wrapText(st.OK, old+".", w)...)
			switch {
			case re.TokenOK:
				out = append(out, wrapText(st.Text, "a makes it active anyway (the old one kept aside); r tries again.", w)...)
			case re.Step == vault.StepToken:
				out = append(out, wrapText(st.Text, "Does the provider know the new certificate for this client? r tries again.", w)...)
			}
		} else {
			out = append(out, errorLines(st, r.err, w)...)
		}
	case crDone:
		if len(r.steps) > 0 {
			out = append(out, "")
		}
		out = append(out, hanging(st.Text, "", "Active certificate: "+certOneLine(r.profile), w)...)
		if p.PreviousKeyThumbprint != "" {
			out = append(out, "")
			what := "remove it from the client's registration at the provider"
			if r.profile.AuthMethod != oauth.AuthSelfSignedTLS {
				what = "have the CA revoke it (or let it expire)"
			}
			out = append(out, wrapText(st.Text, "The old certificate (x5t#S256 "+p.PreviousKeyThumbprint+") and its key are kept aside, never shown. To retire it, "+what+", then press o: oat presents it and deletes it once rejected.", w)...)
		}
	case crChecking:
		out = append(out, "", r.deps.busy("presenting the old certificate"))
	case crChecked:
		if len(r.steps) > 0 {
			out = append(out, "")
		}
		switch {
		case r.err != nil:
			out = append(out, errorLines(st, r.err, w)...)
			out = append(out, st.Text.Render("The old certificate is kept."))
		case r.verdict == vault.Revoked:
			out = append(out, hanging(st.OK, "✓ ", "rejected: the provider no longer accepts the old certificate "+oauth.OneLine(oldTP())+": "+vault.OldCertRejected(r.profile.AuthMethod)+". It is deleted, with its key.", w)...)
		default:
			out = append(out, hanging(st.Warn, "⚠ ", "still accepted: the provider still issues tokens for the old certificate "+oauth.OneLine(oldTP())+".", w)...)
			old := r.old
			if !r.oldKnown {
				old = vault.CertInfo{Thumbprint: oldTP()}
			}
			out = append(out, wrapText(st.Text, vault.OldCertAccepted(r.profile.AuthMethod, old, r.oldKnown)+", then come back and check again (R, then o). It is kept until then.", w)...)
		}
		out = append(out, "")
		out = append(out, hanging(st.Text, "", "Active certificate: "+certOneLine(r.profile), w)...)
	}
	if r.newActive() {
		out = append(out, r.sharedLines(w)...)
	}
	return out
}

// sharedLines warn about the profiles presenting the same certificate and say what u
// did for them.
func (r *certRotateScreen) sharedLines(w int) []string {
	return r.lines(r.deps.Styles, r.deps.busy, sharedView{behind: r.behind(r.newActive(), r.profile.SecretFingerprint),
		beforeNew: r.phase == crPaste || r.phase == crStaging, canUpdate: r.canUpdateShared(),
		revokedNow: r.phase == crChecked && r.verdict == vault.Revoked}, w)
}

// activeThumbOf is the x5t#S256 of p's active certificate.
func activeThumbOf(p vault.Profile) string {
	if info, ok, err := p.CertInfo(); err == nil && ok {
		return info.Thumbprint
	}
	return "none"
}
