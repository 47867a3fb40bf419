package ui

import (
	"context"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// sharedClient is the part of a rotation screen about the other profiles of the same
// client (same client ID and token URL, holding the same credential): a warning that
// they keep the old one, u to give them the new one (vault.UpdateSharedRevoked), and
// what that did for each. The secret's and the key's rotation screens both hold one.
type sharedClient struct {
	// cred names what is rotated: "secret" or "key".
	cred string
	// shared are the other profiles of the same client; updating says their update is
	// in flight; ups is its outcome, upErr its failure.
	shared   []vault.Profile
	updating bool
	ups      []vault.SharedUpdate
	upErr    error
	// revoked is the fingerprint of the old credential o confirmed revoked: u does not
	// keep it aside on the profiles of the same client.
	revoked string
}

// findShared looks for the profiles sharing p's client (a warning only: a failed read
// shows none).
func findShared(v *vault.Vault, p vault.Profile) tea.Cmd {
	return func() tea.Msg {
		ps, _ := v.SharedClient(p)
		return sharedMsg{profiles: ps}
	}
}

// behind are the profiles sharing the client that do not hold the active credential
// (fingerprint active) yet; before the new one is active, all of them.
func (s *sharedClient) behind(newActive bool, active string) []vault.Profile {
	var out []vault.Profile
	for _, q := range s.shared {
		if !newActive || q.SecretFingerprint != active {
			out = append(out, q)
		}
	}
	return out
}

// canUpdate says u works now: the new credential (fingerprint active) is the profile's
// and some profile of the same client does not hold it.
func (s *sharedClient) canUpdate(newActive bool, active string) bool {
	return newActive && !s.updating && len(s.behind(true, active)) > 0
}

// onKey holds every key while an update runs (one change at a time: o or esc wait for
// its outcome) and takes u when it works now (the new credential of p is active:
// newActive); handled says the screen must not act on msg itself.
func (s *sharedClient) onKey(msg tea.KeyMsg, u key.Binding, newActive bool, v *vault.Vault, p vault.Profile) (handled bool, cmd tea.Cmd) {
	if s.updating {
		return true, nil
	}
	if key.Matches(msg, u) && s.canUpdate(newActive, p.SecretFingerprint) {
		return true, s.update(v, p.Name, s.behind(true, p.SecretFingerprint))
	}
	return false, nil
}

// checked notes that check-old confirmed the old credential (fingerprint previous)
// revoked: u then does not keep it aside on the profiles of the same client.
func (s *sharedClient) checked(verdict vault.OldSecretVerdict, err error, previous string) {
	if err == nil && verdict == vault.Revoked {
		s.revoked = previous
	}
}

// onMsg takes the messages about the shared profiles; handled says msg was one.
func (s *sharedClient) onMsg(msg tea.Msg) (handled bool, cmd tea.Cmd) {
	switch msg := msg.(type) {
	case sharedMsg:
		s.shared = msg.profiles
		return true, nil
	case sharedUpdatedMsg:
		return true, s.onUpdated(msg)
	}
	return false, nil
}

// update gives the active credential of the profile called name to the profiles in
// behind.
func (s *sharedClient) update(v *vault.Vault, name string, behind []vault.Profile) tea.Cmd {
	var names []string
	for _, q := range behind {
		names = append(names, q.Name)
	}
	s.updating, s.ups, s.upErr = true, nil, nil
	revoked := s.revoked
	return func() tea.Msg {
		ups, err := v.UpdateSharedRevoked(context.Background(), name, names, revoked)
		return sharedUpdatedMsg{ups: ups, err: err}
	}
}

// onUpdated records u's outcome; the updated profiles' tokens came from the old
// credential: the list drops them.
func (s *sharedClient) onUpdated(msg sharedUpdatedMsg) tea.Cmd {
	s.updating, s.ups, s.upErr = false, msg.ups, msg.err
	var cmds []tea.Cmd
	for _, u := range msg.ups {
		if u.Err != nil || u.Current {
			continue
		}
		for i := range s.shared {
			if s.shared[i].Name == u.Name {
				s.shared[i] = u.Profile
			}
		}
		id := u.Profile.ID
		cmds = append(cmds, func() tea.Msg { return tokenReplacedMsg{id: id} })
	}
	return tea.Batch(cmds...)
}

// sharedView is what the screen's phase means for the shared lines.
type sharedView struct {
	behind []vault.Profile
	// beforeNew: the new credential is not chosen yet; canUpdate: u works now;
	// revokedNow: the old one was just confirmed revoked.
	beforeNew, canUpdate, revokedNow bool
}

// lines warn about the profiles of the same client and say what u did for them.
func (s *sharedClient) lines(st *theme.Styles, busy func(string) string, v sharedView, w int) []string {
	var out []string
	c := s.cred
	if len(v.behind) > 0 && len(s.ups) == 0 && s.upErr == nil { // after u, each outcome says it
		fails := "will fail once it is revoked."
		if v.revokedNow {
			fails = "fails now that it is revoked."
		}
		var names []string
		for _, q := range v.behind {
			names = append(names, oauth.OneLine(q.Name))
		}
		them := "it"
		if len(names) > 1 {
			them = "them"
		}
		warn := strings.Join(names, ", ") + " use the same client ID and token URL: they keep the old " + c + " and " + fails
		if len(names) == 1 {
			warn = names[0] + " uses the same client ID and token URL: it keeps the old " + c + " and " + fails
		}
		out = append(out, "")
		out = append(out, hanging(st.Warn, "⚠ ", warn, w)...)
		say := ""
		switch {
		case v.beforeNew:
			say = "Once the new " + c + " works, u gives " + them + " the new " + c + " too."
		case v.canUpdate:
			say = "u gives " + them + " the new " + c + " too, the old one kept aside."
		}
		if say != "" {
			out = append(out, wrapText(st.Text, say, w)...)
		}
	}
	if s.updating {
		out = append(out, busy("giving the new "+c+" to the profiles of the same client"))
	}
	if s.upErr != nil {
		out = append(out, hanging(st.Bad, "✗ ", oauth.Sanitize(vault.FirstLine(s.upErr)), w)...)
		out = append(out, wrapText(st.Text, "Nothing changed for them: they keep the old "+c+". u tries again.", w)...)
	}
	if len(s.ups) > 0 {
		out = append(out, "")
	}
	for _, u := range s.ups {
		n := oauth.OneLine(u.Name)
		id := "fp " + u.Profile.SecretFingerprint
		switch c {
		case "key":
			id = "kid " + u.Profile.KeyThumbprint
		case "certificate":
			if cc, err := u.Profile.Certificate(); err == nil && cc != nil {
				id = "x5t#S256 " + cc.Thumbprint()
			}
		}
		switch {
		case u.Err != nil:
			why := oauth.Sanitize(vault.FirstLine(u.Err))
			if vault.IsPreviousPending(u.Err) {
				why = "an earlier rotation's old " + c + " is still kept aside there: check it first (select it, R, then o)"
			}
			out = append(out, hanging(st.Bad, "✗ ", n+" not updated: "+why, w)...)
			out = append(out, hanging(st.Text, "  ", "It keeps its old "+c+": nothing was lost. u tries again.", w)...)
		case u.Current:
			out = append(out, st.OK.Render("✓ "+n+" already has the new "+c))
		case u.DroppedOld:
			out = append(out, stepLine(st, st.OK, "✓ "+n+" now has the new "+c, id+"; its old one is revoked: not kept", w)...)
		default:
			out = append(out, stepLine(st, st.OK, "✓ "+n+" now has the new "+c, id+", its old one kept aside", w)...)
		}
	}
	return out
}
