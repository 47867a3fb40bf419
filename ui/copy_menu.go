package ui

import (
	"fmt"
	"sort"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// copyMenuScreen offers what can be copied for a profile (y on the list, as in vim and
// k9s): the token, the Authorization header, a curl command for the test request, the
// client ID, the token URL. What holds the token gets the clipboard's 45 s clear.
type copyMenuScreen struct {
	deps    Deps
	st      *theme.Styles
	profile vault.Profile
	token   string
}

// copyMenuKeys are the menu's choices, one key each.
type copyMenuKeys struct{ Token, Header, Curl, ClientID, TokenURL key.Binding }

var copyKeys = copyMenuKeys{
	Token:    key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "token")),
	Header:   key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "Authorization header")),
	Curl:     key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "curl command")),
	ClientID: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "client ID")),
	TokenURL: key.NewBinding(key.WithKeys("l"), key.WithHelp("l", "token URL")),
}

func newCopyMenu(d Deps, p vault.Profile, token string) *copyMenuScreen {
	return &copyMenuScreen{deps: d, st: d.Styles, profile: p, token: token}
}

// Init implements screen.
func (c *copyMenuScreen) Init() tea.Cmd { return nil }

// Capturing implements screen.
func (c *copyMenuScreen) Capturing() bool { return false }

// Keys implements screen.
func (c *copyMenuScreen) Keys() help.KeyMap { return simpleKeys{keyBack} }

// choices are the menu's lines: key, what, and the value (token ones only with a token).
func (c *copyMenuScreen) choices() []struct {
	k           key.Binding
	what, value string
} {
	type choice = struct {
		k           key.Binding
		what, value string
	}
	var out []choice
	if c.token != "" {
		out = append(out, choice{copyKeys.Token, "token", c.token},
			choice{copyKeys.Header, "Authorization header", "Authorization: Bearer " + c.token})
		if cmd := curlCommand(c.profile, c.token); cmd != "" {
			out = append(out, choice{copyKeys.Curl, "curl command", cmd})
		}
	}
	return append(out, choice{copyKeys.ClientID, "client ID", c.profile.ClientID},
		choice{copyKeys.TokenURL, "token URL", c.profile.TokenURL})
}

// Update implements screen.
func (c *copyMenuScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return c, nil
	}
	if key.Matches(k, keyBack) {
		return closeScreen()
	}
	for _, ch := range c.choices() {
		if key.Matches(k, ch.k) {
			msg := copyMsg{what: ch.what, value: ch.value, plain: c.token == "" || !strings.Contains(ch.value, c.token)}
			next, _ := closeScreen()
			return next, func() tea.Msg { return msg }
		}
	}
	return c, nil
}

// View implements screen.
func (c *copyMenuScreen) View(width, _ int) string {
	st := c.st
	lines := []string{st.Title.Render("Copy from " + oauth.OneLine(c.profile.Name)), ""}
	for _, ch := range c.choices() {
		shown := oauth.OneLine(ch.value)
		if c.token != "" && strings.Contains(ch.value, c.token) {
			shown = strings.ReplaceAll(shown, c.token, "••••••••")
		}
		lines = append(lines, "  "+st.Key.Render(ch.k.Help().Key)+"  "+st.Text.Render(pad(ch.what, 22))+st.Subtle.Render(shown))
	}
	if c.token == "" {
		lines = append(lines, "", st.Subtle.Render("no valid token held: enter fetches one, then y offers it"))
	}
	return truncateBlock(strings.Join(lines, "\n"), width-2)
}

// curlCommand is a curl command line for p's test request with token, or "" when p
// has none.
func curlCommand(p vault.Profile, token string) string {
	if !p.HasTestCall() {
		return ""
	}
	cr, err := p.CallRequest(token)
	if err != nil {
		return ""
	}
	u, err := cr.URL()
	if err != nil {
		return ""
	}
	method := strings.ToUpper(cr.Method)
	if method == "" {
		method = "GET"
	}
	parts := []string{"curl", "-X", method, shellQuote("Authorization: Bearer " + token)}
	parts[3] = "-H " + parts[3]
	names := make([]string, 0, len(cr.Headers))
	for n := range cr.Headers {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		parts = append(parts, "-H "+shellQuote(fmt.Sprintf("%s: %s", n, cr.Headers[n])))
	}
	if len(cr.Body) > 0 {
		parts = append(parts, "--data-binary "+shellQuote(string(cr.Body)))
	}
	if vault.CredentialOf(p.AuthMethod) == vault.CredCert {
		// The token is bound to the client certificate (RFC 8705 §3): the API wants it
		// presented. Its key is in the store, never in a command line: the user names
		// their own files.
		parts = append(parts, "--cert client.crt --key client.key")
	}
	return strings.Join(append(parts, shellQuote(u)), " ")
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
