package ui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// rotateStepMsg is one finished step of a running rotation; more follow on ch.
type rotateStepMsg struct {
	step vault.RotationStep
	ch   <-chan tea.Msg
}

// rotateDoneMsg ends a rotation.
type rotateDoneMsg struct {
	rep *vault.RotationReport
	err error
}

// checkOldMsg is the verdict on the previous secret.
type checkOldMsg struct {
	verdict vault.OldSecretVerdict
	profile vault.Profile
	err     error
}

type rotatePhase int

const (
	rotInput rotatePhase = iota
	rotRunning
	rotFailed
	rotDone // the new secret is active; shown once here
	rotChecking
	rotChecked
)

// rotateScreen is the rotation check: the new secret → a token with it (and the test
// call) shown as a checklist → promote → the new secret shown once → "check old secret"
// → revoked (deleted) or still accepted (kept, with what to do). Any failure leaves the
// old secret active and says so.
type rotateScreen struct {
	deps    Deps
	st      *theme.Styles
	keys    rotateKeys
	profile vault.Profile
	input   textinput.Model
	phase   rotatePhase
	steps   []vault.RotationStep
	secret  string // the new secret, held only until the one-time display ends
	rep     *vault.RotationReport
	err     error
	verdict vault.OldSecretVerdict
}

// rotateKeys are the rotation's keys. esc leaves (cancels before anything ran);
// enter also leaves once it has failed or the old secret was checked.
type rotateKeys struct{ Send, Cancel, Copy, CheckOld, Back, Done, Interrupt key.Binding }

func newRotateKeys() rotateKeys {
	return rotateKeys{
		Send:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Copy:      keyCopy,
		CheckOld:  key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "check old secret")),
		Back:      keyBack,
		Done:      key.NewBinding(key.WithKeys("esc", "enter", "q"), key.WithHelp("esc/q", "back")),
		Interrupt: key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
	}
}

func newRotate(d Deps, p vault.Profile) *rotateScreen {
	st := d.Styles
	in := newInput(st)
	in.Prompt = ""
	in.EchoMode, in.EchoCharacter = textinput.EchoPassword, '•'
	in.Placeholder = "paste the new secret the provider issued"
	in.TextStyle, in.PlaceholderStyle = st.Text, st.Subtle
	r := &rotateScreen{deps: d, st: st, keys: newRotateKeys(), profile: p, input: in}
	if p.PreviousFingerprint != "" {
		r.phase = rotDone // an earlier rotation awaits its check: offer it straight away
	}
	return r
}

// Init focuses the secret field.
func (r *rotateScreen) Init() tea.Cmd {
	if r.phase == rotInput {
		return r.input.Focus()
	}
	return nil
}

// Capturing implements screen.
func (r *rotateScreen) Capturing() bool { return r.phase == rotInput }

// InFlight implements inFlight: quitting mid-rotation asks first.
func (r *rotateScreen) InFlight() string {
	if r.phase == rotRunning || r.phase == rotChecking {
		return "a rotation"
	}
	return ""
}

// Keys implements screen.
func (r *rotateScreen) Keys() help.KeyMap {
	k := r.keys
	switch r.phase {
	case rotInput:
		return simpleKeys{k.Send, k.Cancel}
	case rotDone:
		if r.secret != "" {
			return simpleKeys{k.Copy, k.CheckOld, k.Back}
		}
		return simpleKeys{k.CheckOld, k.Back}
	case rotRunning, rotChecking:
		return simpleKeys{k.Interrupt}
	}
	return simpleKeys{k.Done}
}

// rotateCmd runs the rotation, sending each step as it finishes. The work starts when
// Bubble Tea runs the command, never inside Update.
func rotateCmd(b *vault.Broker, name, secret string) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 8)
		go func() {
			rep, err := b.Rotate(context.Background(), name, secret, func(s vault.RotationStep) {
				ch <- rotateStepMsg{step: s, ch: ch}
			})
			ch <- rotateDoneMsg{rep: rep, err: err}
			close(ch)
		}()
		return waitOn(ch)()
	}
}

// waitOn delivers the next message of ch.
func waitOn(ch <-chan tea.Msg) tea.Cmd {
	return func() tea.Msg {
		msg, ok := <-ch
		if !ok {
			return nil
		}
		return msg
	}
}

// Update implements screen.
func (r *rotateScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case rotateStepMsg:
		r.steps = append(r.steps, msg.step)
		return r, waitOn(msg.ch)
	case rotateDoneMsg:
		r.rep, r.err = msg.rep, msg.err
		if msg.err != nil {
			r.phase, r.secret = rotFailed, ""
			return r, nil
		}
		r.phase, r.profile = rotDone, msg.rep.Profile
		return r, nil
	case checkOldMsg:
		r.phase, r.verdict, r.err = rotChecked, msg.verdict, msg.err
		if msg.profile.ID != "" {
			r.profile = msg.profile
		}
		return r, nil
	case tea.KeyMsg:
		return r.onKey(msg)
	}
	return r, nil
}

// onKey handles a key in the current phase.
func (r *rotateScreen) onKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	switch r.phase {
	case rotInput:
		return r.onInputKey(msg)
	case rotDone:
		switch {
		case key.Matches(msg, r.keys.Copy) && r.secret != "":
			s := r.secret
			return r, func() tea.Msg { return copyMsg{what: "secret", value: s} }
		case key.Matches(msg, r.keys.CheckOld):
			r.secret, r.phase = "", rotChecking // the one-time display ends here
			b, name := r.deps.Broker, r.profile.Name
			return r, func() tea.Msg {
				v, p, err := b.CheckOld(context.Background(), name)
				return checkOldMsg{verdict: v, profile: p, err: err}
			}
		case key.Matches(msg, r.keys.Back):
			r.secret = ""
			return closeScreen()
		}
	case rotFailed, rotChecked:
		if key.Matches(msg, r.keys.Done) {
			return closeScreen()
		}
	}
	return r, nil
}

// onInputKey handles a key while the new secret is typed or pasted.
func (r *rotateScreen) onInputKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	switch {
	case key.Matches(msg, r.keys.Cancel):
		r.input.SetValue("")
		return closeScreen()
	case key.Matches(msg, r.keys.Send):
		s := vault.CleanSecret(r.input.Value())
		if strings.TrimSpace(s) == "" {
			return r, nil
		}
		r.input.SetValue("")
		r.input.Blur()
		r.secret, r.phase = s, rotRunning
		return r, rotateCmd(r.deps.Broker, r.profile.Name, s)
	}
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	return r, cmd
}

// View implements screen.
func (r *rotateScreen) View(width, height int) string {
	st := r.st
	w := width - 2
	p := displayProfile(r.profile)
	out := []string{st.Title.Render("Rotate the secret of "+p.Name) + st.Warn.Render(envTag(p.Environment)), ""}
	switch r.phase {
	case rotInput:
		out = append(out,
			st.Text.Render("1. Get a new secret from the provider (keep the old one valid for now)."),
			st.Text.Render("2. Paste it here. oat gets a token with it"+map[bool]string{true: " and runs the test call", false: ""}[p.HasTestCall()]+"."),
			st.Text.Render("3. Only if that works does it become active; the old one is kept aside."),
			"",
			st.Label.Render("new secret")+r.input.View(),
			"",
			st.Subtle.Render("current secret: fp "+p.SecretFingerprint+" · nothing changes until the new one is proven"))
	default:
		for _, s := range r.steps {
			mark, style := "✓", st.OK
			if !s.OK {
				mark, style = "✗", st.Bad
			}
			out = append(out, truncateLine(style.Render(mark+" "+s.Name)+st.Subtle.Render("  "+oauth.Sanitize(s.Note)), w))
		}
		if r.phase == rotRunning {
			out = append(out, r.deps.busy("working"))
		}
	}
	switch r.phase {
	case rotFailed:
		out = append(out, "", truncateBlock(st.Bad.Width(w).Render("✗ "+oauth.Sanitize(r.err.Error())), w))
		if h := vault.Hint(r.err); h != "" {
			out = append(out, truncateBlock(st.Hint.Width(w).Render("hint: "+h), w))
		}
		out = append(out, "", st.OK.Render("The old secret ("+p.SecretFingerprint+") is still active: nothing was lost."))
	case rotDone:
		if r.secret != "" {
			out = append(out, "", st.Banner.Render("⚠ The new secret, shown this once:"),
				truncateBlock(st.Secret.Render(strings.Join(wrapHard(r.secret, max(10, w-6)), "\n")), w),
				st.Label.Render("fingerprint")+st.Text.Render(" "+p.SecretFingerprint))
		} else {
			out = append(out, st.Text.Render("Active secret: fp "+p.SecretFingerprint))
		}
		if p.PreviousFingerprint != "" {
			out = append(out, "", st.Text.Render("The old secret (fp "+p.PreviousFingerprint+") is kept aside, never shown."),
				st.Text.Render("Revoke it at the provider, then press o:"),
				st.Text.Render("oat tries it, and deletes it once the provider rejects it."))
		}
	case rotChecking:
		out = append(out, "", r.deps.busy("trying the old secret"))
	case rotChecked:
		out = append(out, "")
		switch {
		case r.err != nil:
			out = append(out, truncateBlock(st.Bad.Width(w).Render("✗ "+oauth.Sanitize(r.err.Error())), w), st.Text.Render("The old secret is kept."))
		case r.verdict == vault.Revoked:
			out = append(out, st.OK.Render("✓ revoked: the provider rejects the old secret (invalid_client). It is deleted."))
		default:
			out = append(out, st.Warn.Render("⚠ still accepted: the provider still issues tokens for the old secret."),
				st.Text.Render("Revoke it at the provider, then come back (R, then o). It is kept until then."))
		}
	}
	return strings.Join(out, "\n")
}
