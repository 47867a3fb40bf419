package ui

import (
	"errors"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// certSaved is the savedMsg of a client certificate just stored for p (mutual TLS):
// what describes it, never its key.
func certSaved(p vault.Profile, added bool, overwrote []string) savedMsg {
	info, ok, err := p.CertInfo()
	if err == nil && !ok {
		err = errors.New("the profile was saved without its client certificate")
	}
	if err != nil {
		return savedMsg{profile: p, added: added, err: err, overwrote: overwrote}
	}
	return savedMsg{profile: p, added: added, cert: &info, overwrote: overwrote}
}

// certOnceScreen follows the save of a client certificate and its key (mutual TLS):
// it says what was stored — the certificate's subject, issuer, expiry and thumbprint,
// what the provider registers for self_signed_tls_client_auth — and that the key stays
// in the store. Nothing on it is secret; c copies the thumbprint.
type certOnceScreen struct {
	*secretOnceScreen
	info vault.CertInfo
}

func newCertOnce(d Deps, p vault.Profile, info vault.CertInfo, added bool) *certOnceScreen {
	return &certOnceScreen{secretOnceScreen: newSecretOnce(d, p, "", added), info: info}
}

// certDone leaves the screen.
var certDone = key.NewBinding(key.WithKeys("enter", "esc", "q"), key.WithHelp("enter/esc", "done"))

// Keys implements screen.
func (s *certOnceScreen) Keys() help.KeyMap { return simpleKeys{keyCopy, certDone} }

// Update implements screen.
func (s *certOnceScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, keyCopy):
			tp := s.info.Thumbprint
			return s, func() tea.Msg { return copyMsg{what: "certificate thumbprint", value: tp, plain: true} }
		case key.Matches(k, certDone):
			return closeScreen()
		}
	}
	return s, nil
}

// View implements screen.
func (s *certOnceScreen) View(width, height int) string {
	st := s.st
	w := width - 2
	verb := "stored"
	if !s.added {
		verb = "replaced"
	}
	issuer := s.info.Issuer
	if s.info.SelfSigned {
		issuer = "self-signed"
	}
	exp, warn := s.info.Expiry(s.deps.Broker.Vault.Now())
	expStyle := st.Text
	if warn {
		exp, expStyle = "⚠ "+exp, st.Warn
	}
	// As the details pane draws its rows: the label, the value wrapped under it.
	const labelW = 11 // the Label style's width
	row := func(label string, style lipgloss.Style, value string) []string {
		ls := wrapLines(strings.Repeat(" ", labelW), style, value, w, 3)
		ls[0] = truncateLine(st.Label.Render(label)+strings.TrimPrefix(ls[0], strings.Repeat(" ", labelW)), w)
		return ls
	}
	lines := []string{st.Title.Render(truncateLine("Client certificate "+verb+" for "+s.profile.Name, w)), ""}
	lines = append(lines, row("subject", st.Text, s.info.Subject)...)
	lines = append(lines, row("issuer", st.Text, issuer)...)
	lines = append(lines, row("expiry", expStyle, exp)...)
	lines = append(lines, row("x5t#S256", st.Text, s.info.Thumbprint)...)
	lines = append(lines, "",
		st.Text.Render(truncateLine("Its private key is in the "+s.deps.Broker.Vault.Secrets.Name()+" store; oat never shows it.", w)),
		st.Subtle.Render(truncateLine(s.registerHint(), w)),
		"",
		st.Subtle.Render(truncateLine("c copies the thumbprint · enter: done", w)))
	return lipgloss.NewStyle().MaxWidth(width).Render(strings.Join(lines, "\n"))
}

// registerHint says what the provider needs to know of the certificate for the
// profile's method.
func (s *certOnceScreen) registerHint() string {
	if s.profile.AuthMethod == oauth.AuthSelfSignedTLS {
		return "Register it (or this thumbprint) for the client at the provider."
	}
	return "The provider must trust its issuer and know its subject (or a SAN)."
}
