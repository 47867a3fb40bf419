package ui

import (
	"context"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// loadCmd reads the profiles and token metadata (never a secret).
func loadCmd(v *vault.Vault, selectName string) tea.Cmd {
	return func() tea.Msg {
		ps, err := v.List()
		if err != nil {
			return profilesLoadedMsg{err: err}
		}
		st, err := v.TokenStates()
		return profilesLoadedMsg{profiles: ps, states: st, err: err, selectName: selectName}
	}
}

// tokenCmd gets a token for p (cached when valid, unless force).
func tokenCmd(ctx context.Context, b *vault.Broker, p vault.Profile, force bool, req int) tea.Cmd {
	return func() tea.Msg {
		res, err := b.Token(ctx, p.Name, force, 0)
		return tokenMsg{id: p.ID, req: req, res: res, err: err}
	}
}

// copyCmd copies s to the clipboard.
func copyCmd(c Clipboard, what, s string) tea.Cmd {
	return func() tea.Msg {
		via, err := c.Copy(s)
		return clipboardMsg{what: what, via: via, err: err}
	}
}

// clearClipboardCmd empties the clipboard if it still holds s.
func clearClipboardCmd(c Clipboard, s string) tea.Cmd {
	return func() tea.Msg {
		ok, err := c.ClearIf(s)
		return clipboardClearedMsg{cleared: ok, err: err}
	}
}

// clearBeforeQuitCmd empties the clipboard if it still holds s, on the way out.
func clearBeforeQuitCmd(c Clipboard, s string) tea.Cmd {
	return func() tea.Msg {
		_, err := c.ClearIf(s)
		return clearedBeforeQuitMsg{err: err}
	}
}

// deleteCmd removes a profile with its secrets.
func deleteCmd(v *vault.Vault, name string) tea.Cmd {
	return func() tea.Msg {
		return deletedMsg{name: name, err: v.Remove(context.Background(), name)}
	}
}

// addCmd stores a new profile with its secret.
func addCmd(v *vault.Vault, p vault.Profile, secret string) tea.Cmd {
	return func() tea.Msg {
		np, err := v.Add(context.Background(), p, secret)
		return savedMsg{profile: np, secret: secret, added: true, err: err}
	}
}

// editCmd replaces the fields of the profile first called name; a non-empty secret
// replaces the secret too (without keeping the old: that is what rotation is for).
func editCmd(v *vault.Vault, name string, p vault.Profile, secret string) tea.Cmd {
	return func() tea.Msg {
		np, err := v.Edit(context.Background(), name, func(q *vault.Profile) error {
			// Edit keeps the ID, the creation time and the secret's fingerprints itself;
			// the auth method follows the rule both front ends share.
			method, detected := q.AuthMethod, q.DetectedAuth
			*q = p
			q.AuthMethod, q.DetectedAuth = method, detected
			q.SetAuthMethod(p.AuthMethod)
			return nil
		})
		if err == nil && secret != "" {
			np, err = v.ReplaceSecret(context.Background(), np.Name, secret)
			return savedMsg{profile: np, secret: secret, err: err}
		}
		return savedMsg{profile: np, err: err}
	}
}

// discoverCmd looks up issuer metadata for the form.
func discoverCmd(c *oauth.Client, issuer string) tea.Cmd {
	return func() tea.Msg {
		m, err := c.Discover(context.Background(), issuer)
		return discoveredMsg{meta: m, err: err}
	}
}
