package ui

import (
	"context"
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// rotateStaged is Broker.RotateStagedKey or Broker.RotateStagedCert: the checked run of
// a staged credential.
type rotateStaged func(ctx context.Context, name string, opts vault.RotateOptions, progress func(vault.RotationStep)) (*vault.RotationReport, error)

// stagedRun is the part of the key's and the certificate's rotation screens from the
// staged credential on: the checked run (token → test call → promote) as a checklist
// that esc cancels, its steps as they start and end, and its outcome. cred names what
// is rotated ("key", "certificate"); the screens keep their own phases.
type stagedRun struct {
	cred    string
	steps   []vault.RotationStep
	running string
	cancel  context.CancelFunc
	err     error
}

// start runs rotate for the profile called name from a clean checklist, each step sent
// as it starts and ends (the messages of the secret's rotation).
func (s *stagedRun) start(rotate rotateStaged, name string, opts vault.RotateOptions) tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	s.steps, s.err, s.cancel, s.running = nil, nil, cancel, ""
	return func() tea.Msg {
		ch := make(chan tea.Msg, 16)
		go func() {
			opts.Starting = func(step string) { ch <- rotateStartMsg{step: step, ch: ch} }
			rep, err := rotate(ctx, name, opts, func(st vault.RotationStep) {
				ch <- rotateStepMsg{step: st, ch: ch}
			})
			ch <- rotateDoneMsg{rep: rep, err: err}
			close(ch)
		}()
		return waitOn(ch)()
	}
}

// onProgress takes a step's start or end (listed unless the screen shows it elsewhere:
// unlisted) and waits for the next message.
func (s *stagedRun) onProgress(msg tea.Msg, unlisted string) tea.Cmd {
	switch msg := msg.(type) {
	case rotateStartMsg:
		s.running = msg.step
		return waitOn(msg.ch)
	case rotateStepMsg:
		if msg.step.Name != unlisted {
			s.steps = append(s.steps, msg.step)
		}
		s.running = ""
		return waitOn(msg.ch)
	}
	return nil
}

// onDone records the run's outcome.
func (s *stagedRun) onDone(msg rotateDoneMsg) {
	s.err, s.running = msg.err, ""
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
}

// stop cancels the run in flight (esc).
func (s *stagedRun) stop() {
	if s.cancel != nil {
		s.cancel()
	}
}

// tokenOK says the run failed after the provider gave a token: only the test call did.
func (s *stagedRun) tokenOK() bool {
	var re *vault.RotationError
	return errors.As(s.err, &re) && re.TokenOK
}

// failedKeys are the keys once the run failed: a activates anyway when only the test
// call failed, r retries while the new credential is staged.
func (s *stagedRun) failedKeys(activate, retry, done key.Binding, staged bool) simpleKeys {
	switch {
	case s.tokenOK():
		return simpleKeys{activate, retry, done}
	case staged:
		return simpleKeys{retry, done}
	}
	return simpleKeys{done}
}

// step is a rotation step's name as it reads for the credential rotated.
func (s *stagedRun) step(name string) string {
	return strings.Replace(name, "new secret", "new "+s.cred, 1)
}

// checklist is the steps, then a spinner naming the step in flight (running); a
// failed step's note is left to the block below it (failed).
func (s *stagedRun) checklist(st *theme.Styles, busy func(string) string, running, failed bool, w int) []string {
	var out []string
	for _, sp := range s.steps {
		mark, style := stepMark(st, sp)
		note := oauth.Sanitize(sp.Note)
		if !sp.OK && !sp.Skipped && failed {
			note = "" // the block below says why
		}
		if sp.Name == vault.StepPromote && sp.OK {
			note = ""
		}
		out = append(out, stepLine(st, style, mark+" "+s.step(sp.Name), note, w)...)
	}
	if running {
		what := "starting"
		if s.running != "" {
			what = s.step(s.running) + "…"
		}
		out = append(out, truncateLine(busy(what), w))
	}
	return out
}

// stepMark is a rotation step's mark and style: ✓ done, – skipped, ✗ failed.
func stepMark(st *theme.Styles, s vault.RotationStep) (string, lipgloss.Style) {
	switch {
	case s.Skipped:
		return "–", st.Subtle
	case !s.OK:
		return "✗", st.Bad
	}
	return "✓", st.OK
}

// promoted takes a run's success: the profiles still sharing the client (sc) and the
// token the new credential earned, which the list shows (its old one is gone).
func promoted(sc *sharedClient, rep *vault.RotationReport) tea.Cmd {
	if rep.Shared != nil {
		sc.shared = rep.Shared
	}
	if res := rep.Token; res != nil {
		id := rep.Profile.ID
		return func() tea.Msg { return tokenReplacedMsg{id: id, res: res} }
	}
	return nil
}
