package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// confirmDeleteScreen asks before deleting a profile, naming it.
type confirmDeleteScreen struct {
	deps    Deps
	st      *theme.Styles
	profile vault.Profile
	busy    bool
	err     error
}

// The confirmation's keys: y deletes, n or esc keeps the profile.
var (
	keyYes = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yes"))
	keyNo  = key.NewBinding(key.WithKeys("n", "esc", "q"), key.WithHelp("n/esc", "no"))
)

func newConfirmDelete(d Deps, p vault.Profile) *confirmDeleteScreen {
	return &confirmDeleteScreen{deps: d, st: d.Styles, profile: p}
}

// Init implements screen.
func (c *confirmDeleteScreen) Init() tea.Cmd { return nil }

// Capturing implements screen.
func (c *confirmDeleteScreen) Capturing() bool { return false }

// Keys implements screen.
func (c *confirmDeleteScreen) Keys() help.KeyMap { return simpleKeys{keyYes, keyNo} }

// Update implements screen.
func (c *confirmDeleteScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.KeyMsg:
		if c.busy {
			return c, nil
		}
		switch {
		case key.Matches(msg, keyYes):
			c.busy = true
			return c, deleteCmd(c.deps.Broker.Vault, c.profile.Name)
		case key.Matches(msg, keyNo):
			return closeWith("nothing deleted")
		}
	case deletedMsg:
		c.busy = false
		if msg.err != nil {
			c.err = msg.err
			return c, nil
		}
		return closeWith("deleted " + msg.name)
	}
	return c, nil
}

// View implements screen.
func (c *confirmDeleteScreen) View(width, height int) string {
	st := c.st
	p := displayProfile(c.profile)
	lines := []string{
		st.Title.Render("Delete "+p.Name+"?") + st.Warn.Render(envTag(p.Environment)),
		"",
		st.Text.Render(fmt.Sprintf("Profile %s (client %s, %s)", p.Name, p.ClientID, p.TokenURL)),
		st.Text.Render("Its secret (fingerprint " + p.SecretFingerprint + "), any kept old secret and its cached"),
		st.Text.Render("token are removed from the " + c.deps.Broker.Vault.Secrets.Name() + " store. This cannot be undone."),
		"",
		st.Warn.Render("y deletes · n or esc keeps it"),
	}
	if c.busy {
		lines = append(lines, c.deps.busy("deleting"))
	}
	if c.err != nil {
		lines = append(lines, st.Bad.Render("✗ "+oauth.Sanitize(c.err.Error())))
	}
	return truncateBlock(strings.Join(lines, "\n"), width-2)
}

// deletedMsg reports a deleted profile.
type deletedMsg struct {
	name string
	err  error
}

// deleteCmd removes a profile with its secrets.
func deleteCmd(v *vault.Vault, name string) tea.Cmd {
	return func() tea.Msg {
		return deletedMsg{name: name, err: v.Remove(context.Background(), name)}
	}
}
