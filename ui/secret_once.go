package ui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// secretOnceScreen shows a just-stored secret in full, once, with its fingerprint and a
// key to copy it. Leaving wipes the secret from the model: no later frame holds it.
type secretOnceScreen struct {
	deps    Deps
	st      *theme.Styles
	profile vault.Profile
	secret  string
	added   bool
}

// keyDone leaves the one-time secret screen, forgetting the secret.
var keyDone = key.NewBinding(key.WithKeys("enter", "esc", "q"), key.WithHelp("enter/esc", "done: forget it"))

func newSecretOnce(d Deps, p vault.Profile, secret string, added bool) *secretOnceScreen {
	return &secretOnceScreen{deps: d, st: d.Styles, profile: p, secret: secret, added: added}
}

// Init implements screen.
func (s *secretOnceScreen) Init() tea.Cmd { return nil }

// Capturing implements screen.
func (s *secretOnceScreen) Capturing() bool { return false }

// Keys implements screen.
func (s *secretOnceScreen) Keys() help.KeyMap {
	return simpleKeys{keyCopy, keyDone}
}

// Update implements screen.
func (s *secretOnceScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, keyCopy):
			secret := s.secret
			return s, func() tea.Msg { return copyMsg{what: "secret", value: secret} }
		case key.Matches(k, keyDone):
			s.secret = ""
			return closeScreen()
		}
	}
	return s, nil
}

// View implements screen.
func (s *secretOnceScreen) View(width, height int) string {
	st := s.st
	w := width - 2
	verb := "stored"
	if !s.added {
		verb = "replaced"
	}
	lines := []string{
		st.Title.Render("Secret " + verb + " for " + s.profile.Name),
		"",
		st.Banner.Render("⚠ This is the only time oat shows this secret."),
		st.Text.Render("After this screen you will see only its fingerprint and age."),
		"",
	}
	box := st.Secret.Render(strings.Join(wrapHard(s.secret, max(10, w-6)), "\n"))
	lines = append(lines, truncateBlock(box, w), "")
	lines = append(lines,
		st.Label.Render("fingerprint")+st.Text.Render(" "+s.profile.SecretFingerprint),
		st.Label.Render("stored in")+st.Text.Render(" the "+s.deps.Broker.Vault.Secrets.Name()+" store"),
		"",
		st.Subtle.Render("c copies it (cleared from the clipboard after 45 s) · enter forgets it here"))
	return lipgloss.NewStyle().MaxWidth(width).Render(strings.Join(lines, "\n"))
}
