package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// rotateStepMsg is one finished step of a running rotation; more follow on ch.
type rotateStepMsg struct {
	step vault.RotationStep
	ch   <-chan tea.Msg
}

// rotateStartMsg names the step of a running rotation that has just started.
type rotateStartMsg struct {
	step string
	ch   <-chan tea.Msg
}

// rotateDoneMsg ends a rotation.
type rotateDoneMsg struct {
	rep *vault.RotationReport
	err error
}

// sharedMsg lists the profiles that share the rotated profile's client.
type sharedMsg struct{ profiles []vault.Profile }

// sharedUpdatedMsg is the outcome of giving the new secret to those profiles.
type sharedUpdatedMsg struct {
	ups []vault.SharedUpdate
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
	// inputErr says why the new secret is not in the field: a paste refused as it came
	// (secretKey), or a secret the vault refused at staging. It lasts until the
	// field changes.
	inputErr string
	phase    rotatePhase
	steps    []vault.RotationStep
	secret   string // the new secret, held only until the one-time display ends
	// revealed shows the new secret; it is masked until v (the screen may be shared).
	revealed bool
	rep      *vault.RotationReport
	err      error
	verdict  vault.OldSecretVerdict
	// sharedClient is about the other profiles of the same client.
	sharedClient
	// running is the step in flight; cancel cuts the rotation off (esc), cancelling says
	// it was asked to.
	running    string
	cancel     context.CancelFunc
	cancelling bool
	// leave is an esc pressed while cancelling (two escs at once): the screen closes
	// once the cancel lands.
	leave bool
}

// rotateKeys are the rotation's keys. esc leaves (cancels before anything ran);
// enter also leaves once it has failed or the old secret was checked.
type rotateKeys struct {
	Send, Cancel, Copy, CheckOld, UpdateShared, Back, Done, Interrupt key.Binding
	// Activate makes a new secret active whose only failure was the test call; Retry
	// runs the rotation again with the same new secret.
	Activate, Retry key.Binding
}

func newRotateKeys() rotateKeys {
	return rotateKeys{
		Send:         key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "send")),
		Cancel:       key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Copy:         keyCopy,
		CheckOld:     key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "check old")),
		UpdateShared: key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "update shared")),
		Back:         keyBack,
		Done:         key.NewBinding(key.WithKeys("esc", "enter", "q"), key.WithHelp("esc/q", "back")),
		Interrupt:    key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		Activate:     key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "make it active anyway")),
		Retry:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "retry")),
	}
}

func newRotate(d Deps, p vault.Profile) *rotateScreen {
	st := d.Styles
	in := newInput(st)
	in.Prompt = ""
	secretInput(&in)
	in.Placeholder = "paste the new secret the provider issued"
	in.TextStyle, in.PlaceholderStyle = st.Text, st.Subtle
	r := &rotateScreen{deps: d, st: st, keys: newRotateKeys(), profile: p, input: in, sharedClient: sharedClient{cred: "secret"}}
	if p.PreviousFingerprint != "" {
		r.phase = rotDone // an earlier rotation awaits its check: offer it straight away
	}
	return r
}

// Init focuses the secret field and looks for profiles sharing the client.
func (r *rotateScreen) Init() tea.Cmd {
	find := findShared(r.deps.Broker.Vault, r.profile)
	if r.phase == rotInput {
		return tea.Batch(r.input.Focus(), find)
	}
	return find
}

// behind are the profiles sharing the client that do not hold the active secret yet
// (before the rotation: all of them, since they will not get the new one).
func (r *rotateScreen) behind() []vault.Profile {
	return r.sharedClient.behind(r.phase != rotInput && r.phase != rotRunning && r.phase != rotFailed, r.profile.SecretFingerprint)
}

// canUpdateShared says u works now: the new secret is active and some profile of the
// same client does not hold it.
func (r *rotateScreen) canUpdateShared() bool {
	return (r.phase == rotDone || r.phase == rotChecked) && !r.updating && len(r.behind()) > 0
}

// Capturing implements screen.
func (r *rotateScreen) Capturing() bool { return r.phase == rotInput }

// InFlight implements inFlight: quitting mid-rotation asks first.
func (r *rotateScreen) InFlight() string {
	if r.phase == rotRunning || r.phase == rotChecking || r.updating {
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
	case rotRunning:
		if r.cancelling {
			return simpleKeys{k.Interrupt}
		}
		return simpleKeys{k.Cancel, k.Interrupt}
	case rotChecking:
		return simpleKeys{k.Interrupt}
	}
	if r.updating {
		return simpleKeys{k.Interrupt}
	}
	// In order of need, for a narrow help bar: v is also named beside the masked secret.
	var ks simpleKeys
	if r.phase == rotDone && r.secret != "" {
		ks = append(ks, k.Copy)
	}
	if r.phase == rotDone {
		ks = append(ks, k.CheckOld)
	}
	if r.canUpdateShared() {
		ks = append(ks, k.UpdateShared)
	}
	if r.phase == rotDone && r.secret != "" {
		ks = append(ks, revealKey(r.revealed))
	}
	if r.phase == rotDone {
		return append(ks, k.Back)
	}
	if r.phase == rotFailed && r.secret != "" {
		if re := r.rotationErr(); re != nil && re.TokenOK {
			ks = append(ks, k.Activate)
		}
		ks = append(ks, k.Retry)
	}
	return append(ks, k.Done)
}

// rotationErr is the failed rotation's error when it stopped before the promotion.
func (r *rotateScreen) rotationErr() *vault.RotationError {
	var re *vault.RotationError
	if r.phase == rotFailed && errors.As(r.err, &re) {
		return re
	}
	return nil
}

// rotateCmd runs the rotation, sending each step as it starts and as it finishes. The
// work starts when Bubble Tea runs the command, never inside Update; cancelling ctx
// stops it with the old secret still active.
func rotateCmd(ctx context.Context, b *vault.Broker, name, secret string, opts vault.RotateOptions) tea.Cmd {
	return func() tea.Msg {
		ch := make(chan tea.Msg, 16)
		go func() {
			opts.Starting = func(step string) { ch <- rotateStartMsg{step: step, ch: ch} }
			rep, err := b.RotateWith(ctx, name, secret, opts, func(s vault.RotationStep) {
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
	case rotateStartMsg:
		r.running = msg.step
		return r, waitOn(msg.ch)
	case rotateStepMsg:
		r.steps = append(r.steps, msg.step)
		r.running = ""
		return r, waitOn(msg.ch)
	case rotateDoneMsg:
		r.rep, r.err, r.running, r.cancelling = msg.rep, msg.err, "", false
		if r.cancel != nil {
			r.cancel()
			r.cancel = nil
		}
		var fe *vault.FieldError
		if re := (*vault.RotationError)(nil); errors.As(msg.err, &re) && re.Step == vault.StepStage && errors.As(re.Err, &fe) && fe.Field == "client_secret" {
			// The vault refused the secret itself (a placeholder, the active one, a
			// character a secret cannot hold): the field comes back, the reason under it.
			if r.leave {
				return closeScreen()
			}
			r.phase, r.steps, r.secret, r.inputErr = rotInput, nil, "", fe.Problem
			return r, r.input.Focus()
		}
		if msg.err != nil && r.leave {
			r.secret = "" // esc twice: the cancel has landed, the screen goes
			return closeWith("rotation of " + oauth.OneLine(r.profile.Name) + " stopped: the old secret is still active")
		}
		if msg.err != nil {
			r.phase = rotFailed
			var re *vault.RotationError
			if !errors.As(msg.err, &re) || !(re.TokenOK || re.Cancelled) {
				r.secret = "" // nothing to retry with: forget it now
			}
			return r, nil
		}
		r.phase, r.profile = rotDone, msg.rep.Profile
		return r, promoted(&r.sharedClient, msg.rep)
	case sharedMsg:
		r.shared = msg.profiles
		return r, nil
	case sharedUpdatedMsg:
		return r, r.onUpdated(msg)
	case checkOldMsg:
		r.checked(msg.verdict, msg.err, r.profile.PreviousFingerprint) // before the check dropped it
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
	if handled, cmd := r.sharedClient.onKey(msg, r.keys.UpdateShared, r.phase == rotDone || r.phase == rotChecked, r.deps.Broker.Vault, r.profile); handled {
		return r, cmd
	}
	switch r.phase {
	case rotInput:
		return r.onInputKey(msg)
	case rotDone:
		switch {
		case key.Matches(msg, revealKey(r.revealed)) && r.secret != "":
			r.revealed = !r.revealed
		case key.Matches(msg, r.keys.Copy) && r.secret != "":
			s := r.secret
			return r, func() tea.Msg { return copyMsg{what: "secret", value: s} }
		case key.Matches(msg, r.keys.CheckOld):
			r.secret, r.revealed, r.phase = "", false, rotChecking // the one-time display ends here
			b, name := r.deps.Broker, r.profile.Name
			return r, func() tea.Msg {
				v, p, err := b.CheckOld(context.Background(), name)
				return checkOldMsg{verdict: v, profile: p, err: err}
			}
		case key.Matches(msg, r.keys.Back):
			r.secret, r.revealed = "", false
			return closeScreen()
		}
	case rotRunning:
		switch {
		case key.Matches(msg, r.keys.Cancel) && r.cancel != nil && !r.cancelling:
			r.cancelling = true
			r.cancel()
		case key.Matches(msg, r.keys.Cancel) && r.cancelling:
			r.leave = true // applied when the cancel lands: the outcome is not lost to it
		}
	case rotFailed:
		re := r.rotationErr()
		switch {
		case key.Matches(msg, r.keys.Activate) && r.secret != "" && re != nil && re.TokenOK:
			return r, r.start(vault.RotateOptions{ActivateIfCallFails: true})
		case key.Matches(msg, r.keys.Retry) && r.secret != "":
			return r, r.start(vault.RotateOptions{})
		case key.Matches(msg, r.keys.Done):
			r.secret = ""
			return closeScreen()
		}
	case rotChecked:
		if key.Matches(msg, r.keys.Done) {
			return closeScreen()
		}
	}
	return r, nil
}

// start runs the rotation with the new secret held, from a clean checklist.
func (r *rotateScreen) start(opts vault.RotateOptions) tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	r.phase, r.steps, r.err, r.rep, r.cancel, r.cancelling, r.running, r.leave = rotRunning, nil, nil, nil, cancel, false, "", false
	return rotateCmd(ctx, r.deps.Broker, r.profile.Name, r.secret, opts)
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
		r.secret, r.inputErr = s, ""
		return r, r.start(vault.RotateOptions{})
	}
	msg, why := secretKey(msg)
	if why != "" {
		r.inputErr = why
		return r, nil
	}
	old := r.input.Value()
	var cmd tea.Cmd
	r.input, cmd = r.input.Update(msg)
	if r.input.Value() != old {
		r.inputErr = ""
	}
	return r, cmd
}

// View implements screen.
func (r *rotateScreen) View(width, height int) string {
	if out := strings.Join(r.view(width, false), "\n"); strings.Count(out, "\n") < height || height <= 0 {
		return out
	}
	return strings.Join(r.view(width, true), "\n") // short terminal: the passed steps without notes
}

// view are the screen's lines; compact leaves out the notes of the steps that passed.
func (r *rotateScreen) view(width int, compact bool) []string {
	st := r.st
	w := width - 2
	p := displayProfile(r.profile)
	out := []string{st.Title.Render("Rotate the secret of "+p.Name) + st.Warn.Render(envTag(p.Environment)), ""}
	switch r.phase {
	case rotInput:
		out = append(out, hanging(st.Text, "1. ", "Get a new secret from the provider (keep the old one valid for now).", w)...)
		out = append(out, hanging(st.Text, "2. ", "Paste it here. oat gets a token with it"+map[bool]string{true: " and runs the test call", false: " (no API set: no test call)"}[p.HasTestCall()]+".", w)...)
		out = append(out, hanging(st.Text, "3. ", "Only if that works does it become active; the old one is kept aside.", w)...)
		out = append(out, "", truncateLine(st.Label.Render("new secret")+r.input.View(), w))
		if r.inputErr != "" {
			out = append(out, hanging(st.Bad, "✗ ", "the new secret "+oauth.OneLine(r.inputErr), w)...)
		}
		out = append(out, "")
		out = append(out, hanging(st.Subtle, "", "current secret: fp "+p.SecretFingerprint+" · nothing changes until the new one is proven", w)...)
	default:
		re := r.rotationErr()
		for _, s := range r.steps {
			mark, style := stepMark(st, s)
			note := oauth.Sanitize(s.Note)
			if compact && s.OK {
				note = ""
			}
			switch {
			case re != nil && !s.OK && s.Name == re.Step && re.Cancelled:
				note = "cancelled"
			case re != nil && !s.OK && s.Name == re.Step && re.TokenOK:
				note = oauth.OneLine(re.Call) // the block below says why, once
			case re != nil && !s.OK && s.Name == re.Step:
				note = ""
			case s.Name == vault.StepPromote && s.OK:
				note = "" // the paragraph below says where the old secret is
			case s.Name == vault.StepCall && !s.OK && r.rep != nil && r.rep.CallErr != nil:
				note = oauth.OneLine(r.profile.CallText()) + " failed: made active anyway"
			}
			out = append(out, stepLine(st, style, mark+" "+s.Name, note, w)...)
		}
		if r.phase == rotRunning {
			switch {
			case r.cancelling:
				out = append(out, r.deps.busy("cancelling: the old secret stays active"))
			case r.running != "":
				what := r.running
				if what == vault.StepCall {
					what += " " + oauth.OneLine(p.CallText())
				}
				out = append(out, truncateLine(r.deps.busy(what+"…"), w))
			default:
				out = append(out, r.deps.busy("starting"))
			}
		}
	}
	switch r.phase {
	case rotFailed:
		out = append(out, "")
		out = append(out, r.failedLines(w)...)
	case rotDone:
		if r.secret != "" {
			out = append(out, "", truncateLine(st.Banner.Render("⚠ The new secret, shown this once")+st.Text.Render("  fp "+p.SecretFingerprint), w))
			out = append(out, oneTimeSecret(st, r.secret, r.revealed, w)...)
		} else {
			out = append(out, st.Text.Render("Active secret: fp "+p.SecretFingerprint))
		}
		if p.PreviousFingerprint != "" {
			out = append(out, "")
			out = append(out, wrapText(st.Text, "The old secret (fp "+p.PreviousFingerprint+") is kept aside, never shown. Revoke it at the provider, then press o: oat tries it and deletes it once rejected.", w)...)
		}
	case rotChecking:
		out = append(out, "", r.deps.busy("trying the old secret"))
	case rotChecked:
		out = append(out, "")
		switch {
		case r.err != nil:
			out = append(out, errorLines(st, r.err, w)...)
			out = append(out, st.Text.Render("The old secret is kept."))
		case r.verdict == vault.Revoked:
			out = append(out, hanging(st.OK, "✓ ", "revoked: the provider rejects the old secret (invalid_client). It is deleted.", w)...)
		default:
			out = append(out, hanging(st.Warn, "⚠ ", "still accepted: the provider still issues tokens for the old secret.", w)...)
			out = append(out, wrapText(st.Text, "Revoke it at the provider, then come back (R, then o). It is kept until then.", w)...)
		}
		out = append(out, st.Text.Render("Active secret: fp "+p.SecretFingerprint))
	}
	return append(out, r.sharedLines(w)...)
}

// sharedLines warn about the profiles of the same client and say what u did for them.
func (r *rotateScreen) sharedLines(w int) []string {
	return r.lines(r.st, r.deps.busy, sharedView{behind: r.behind(), beforeNew: r.phase == rotInput,
		canUpdate: r.canUpdateShared(), revokedNow: r.phase == rotChecked && r.verdict == vault.Revoked}, w)
}

// errorLines are an error wrapped to w (its wrapped lines indented under the text),
// then each of its hints once.
func errorLines(st *theme.Styles, err error, w int) []string {
	text, hints := vault.Explain(err)
	var out []string
	for i, l := range strings.Split(vault.InWords(oauth.Sanitize(text)), "\n") {
		head := "✗ "
		if i > 0 {
			head = "  "
		}
		out = append(out, hanging(st.Bad, head, strings.TrimRight(l, " "), w)...)
	}
	for _, h := range hints {
		out = append(out, hanging(st.Hint, "hint: ", oauth.Sanitize(h), w)...)
	}
	return out
}

// failedLines say what a failed rotation left, each fact once: the failed step above
// names the step; here why, and that the old secret is still active.
func (r *rotateScreen) failedLines(w int) []string {
	st := r.st
	re := r.rotationErr()
	kept := "Nothing was lost: the old secret (fp " + oauth.OneLine(r.profile.SecretFingerprint) + ") is still active."
	switch {
	case re == nil:
		out := append(errorLines(st, r.err, w), "")
		return append(out, wrapText(st.OK, kept, w)...)
	case re.Cancelled:
		return append(wrapText(st.Text, "Cancelled: the new secret was not stored.", w), wrapText(st.OK, kept, w)...)
	case re.TokenOK:
		call := oauth.OneLine(re.Call)
		out := wrapText(st.OK, "✓ The provider accepted the new secret: it got a token with it.", w)
		out = append(out, errorLines(st, fmt.Errorf("the test call %s failed: %w", call, re.Err), w)...)
		var se *oauth.CallStatusError
		if errors.As(re.Err, &se) && se.Status == http.StatusForbidden {
			out = append(out, wrapText(st.Text, "A 403 means the API refuses this call to this client, although its token is good: the test request may point at something this client may not reach.", w)...)
		}
		out = append(out, "")
		out = append(out, wrapText(st.Text, "The new secret is not active yet.", w)...)
		out = append(out, wrapText(st.OK, kept, w)...)
		if r.secret != "" {
			out = append(out, wrapText(st.Text, "a makes it active anyway (the old one kept aside as usual); r tries again; or fix the test request (e on the profile) and rotate again.", w)...)
		}
		return out
	default:
		out := errorLines(st, re.Err, w)
		out = append(out, "")
		out = append(out, wrapText(st.Text, "The new secret was not stored.", w)...)
		return append(out, wrapText(st.OK, kept, w)...)
	}
}

// hanging wraps head+text in style to w, the lines after the first indented under
// text (plain text: styled once wrapped, so no style spans a line break).
func hanging(style lipgloss.Style, head, text string, w int) []string {
	indent := strings.Repeat(" ", ansi.StringWidth(head))
	plain := head + text
	if w < 10 || ansi.StringWidth(plain) <= w {
		return []string{truncateLine(style.Render(plain), max(w, 1))}
	}
	lines := strings.SplitN(keepHyphens(plain, func(t string) string { return ansi.Wrap(t, w, "") }), "\n", 2)
	out := []string{style.Render(strings.TrimRight(lines[0], " "))}
	if len(lines) > 1 {
		rest := strings.Join(strings.Fields(lines[1]), " ")
		for _, l := range strings.Split(keepHyphens(rest, func(t string) string { return ansi.Wrap(t, w-len(indent), "") }), "\n") {
			out = append(out, indent+style.Render(strings.TrimRight(l, " ")))
		}
	}
	return out
}

// stepLine is a checklist line: the step, and its note beside it when it fits, else
// on the lines below, indented.
func stepLine(st *theme.Styles, style lipgloss.Style, head, note string, w int) []string {
	line := style.Render(head)
	if note == "" {
		return []string{truncateLine(line, w)}
	}
	if ansi.StringWidth(head)+2+ansi.StringWidth(note) <= w {
		return []string{line + st.Subtle.Render("  "+note)}
	}
	return append([]string{truncateLine(line, w)}, hanging(st.Subtle, "  ", note, w)...)
}

// wrapText wraps plain text in style to w.
func wrapText(style lipgloss.Style, text string, w int) []string {
	return strings.Split(keepHyphens(text, func(t string) string { return style.Width(max(20, w)).Render(t) }), "\n")
}
