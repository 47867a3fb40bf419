package ui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// verifiedMsg carries a signature check.
type verifiedMsg struct{ v *oauth.Verification }

// inspectScreen shows what is inside a token: header, claims with absolute and relative
// times, requested against granted scopes, and the signature check on demand (V).
type inspectScreen struct {
	deps        Deps
	st          *theme.Styles
	profile     vault.Profile
	tok         vault.CachedToken
	vp          viewport.Model
	verifying   bool
	ver         *oauth.Verification
	scrollToEnd bool
	width       int
	height      int
}

// keyVerify checks the token's signature against the issuer's keys.
var keyVerify = key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "verify signature"))

func newInspect(d Deps, p vault.Profile, tok vault.CachedToken) *inspectScreen {
	return &inspectScreen{deps: d, st: d.Styles, profile: p, tok: tok, vp: viewport.New(80, 20)}
}

// Init implements screen.
func (s *inspectScreen) Init() tea.Cmd { return nil }

// Capturing implements screen.
func (s *inspectScreen) Capturing() bool { return false }

// Keys implements screen.
func (s *inspectScreen) Keys() help.KeyMap {
	return simpleKeys{keyVerify, keyScrollU, keyScrollD, keyBack}
}

// Update implements screen.
func (s *inspectScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case sizeMsg:
		s.width, s.height = msg.width, msg.height
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, keyBack):
			return closeScreen()
		case key.Matches(msg, keyVerify):
			cmd = s.verify()
		default:
			s.vp, cmd = s.vp.Update(msg)
		}
	case verifiedMsg:
		s.verifying, s.ver = false, msg.v
		s.scrollToEnd = true // the outcome is at the bottom: show it
	case tickMsg: // the relative times move on: drawn again below
	default:
		s.vp, cmd = s.vp.Update(msg)
	}
	s.layout()
	return s, cmd
}

// verify checks the signature against the issuer's keys, once at a time.
func (s *inspectScreen) verify() tea.Cmd {
	if s.verifying {
		return nil
	}
	s.verifying, s.ver = true, nil
	c, tok := s.deps.Broker.Client, s.tok.AccessToken
	iss := s.profile.Issuer // pinned when the profile was discovered: only its tokens verify
	return func() tea.Msg { return verifiedMsg{v: c.Verify(context.Background(), tok, iss)} }
}

// layout puts what there is to show into the viewport at the screen's size.
func (s *inspectScreen) layout() {
	w := s.width - 2
	s.vp.Width, s.vp.Height = w, max(3, s.height-2)
	s.vp.SetContent(truncateBlock(strings.Join(s.body(w), "\n"), w))
	if s.scrollToEnd {
		s.vp.GotoBottom()
		s.scrollToEnd = false
	}
}

// View implements screen.
func (s *inspectScreen) View(int, int) string {
	st := s.st
	title := st.Title.Render("Inspect "+s.profile.Name) + st.Subtle.Render("  the token as the API will read it")
	return title + "\n\n" + s.vp.View()
}

// body is the token as the API will read it: type, expiry, header, claims, scopes and
// the signature check, in lines of width w.
func (s *inspectScreen) body(w int) []string {
	st := s.st
	now := s.deps.Now()
	in := oauth.Inspect(s.tok.AccessToken, s.profile.Scopes, s.tok.Scopes, now)
	var b []string
	kind := "opaque token: only its issuer can read it (no claims to show)"
	if in.IsJWT {
		kind = "JWT"
	} else if in.DecodeErr != nil {
		kind = "looks like a JWT but " + in.DecodeErr.Error()
	}
	b = append(b, st.Label.Render("type")+st.Text.Render(fmt.Sprintf("%s · %s · %d characters", s.tok.TokenType, kind, in.Length)))
	if !s.tok.ExpiresAt.IsZero() {
		b = append(b, st.Label.Render("expires")+st.Text.Render(s.tok.ExpiresAt.Local().Format("2006-01-02 15:04:05")+"  ("+oauth.Relative(s.tok.ExpiresAt, now)+")"))
	} else {
		b = append(b, st.Label.Render("expires")+st.Subtle.Render("unknown: no expires_in and no exp claim"))
	}
	if in.JWT != nil {
		b = append(b, s.jwtLines(in)...)
	}
	b = append(b, "", st.PaneHead.Render("Scopes"))
	b = append(b, st.Label.Render("requested")+st.Text.Render(orNone(in.Requested)))
	granted := st.Text.Render(orNone(in.Scopes))
	if in.ScopeClaim != "" {
		granted += st.Subtle.Render("  (claim " + in.ScopeClaim + ")")
	}
	b = append(b, st.Label.Render("granted")+granted)
	if len(in.Missing) > 0 {
		b = append(b, st.Label.Render("")+st.Warn.Render("⚠ not granted: "+strings.Join(in.Missing, " ")))
	}
	if in.IsJWT {
		b = append(b, s.signatureLines(w)...)
	}
	return b
}

// jwtLines are a JWT's header and claims, one line each, times also as dates.
func (s *inspectScreen) jwtLines(in *oauth.Inspection) []string {
	st := s.st
	var b []string
	b = append(b, "", st.PaneHead.Render("Header"))
	b = append(b, st.Label.Render("alg")+st.Text.Render(oauth.OneLine(in.JWT.Alg)))
	if in.JWT.Kid != "" {
		b = append(b, st.Label.Render("kid")+st.Text.Render(oauth.OneLine(in.JWT.Kid)))
	}
	if in.JWT.Typ != "" {
		b = append(b, st.Label.Render("typ")+st.Text.Render(oauth.OneLine(in.JWT.Typ)))
	}
	b = append(b, "", st.PaneHead.Render("Claims"))
	times := map[string]oauth.TimeClaim{}
	for _, t := range in.Times {
		times[t.Name] = t
	}
	nameW := 4
	for _, c := range in.Claims {
		nameW = max(nameW, min(24, lipgloss.Width(c.Name)))
	}
	label := st.Subtle.Width(nameW + 2)
	for _, c := range in.Claims {
		val := st.Text.Render(c.Value)
		if t, ok := times[c.Name]; ok {
			val = st.Text.Render(t.Time.Local().Format("2006-01-02 15:04:05")) + st.Subtle.Render("  "+t.Relative+"  ("+c.Value+")")
		}
		b = append(b, label.Render(c.Name)+val)
	}
	return b
}

// signatureLines say whether the signature was checked, and how it came out.
func (s *inspectScreen) signatureLines(w int) []string {
	st := s.st
	var b []string
	b = append(b, "", st.PaneHead.Render("Signature"))
	switch {
	case s.verifying:
		b = append(b, s.deps.busy("fetching the issuer's keys and checking"))
	case s.ver == nil:
		b = append(b, st.Subtle.Render("not checked: V verifies it against the issuer's published keys"))
	default:
		mark, style := "?", st.Info
		switch s.ver.Status {
		case oauth.Verified:
			mark, style = "✓", st.OK
		case oauth.VerifyFailed:
			mark, style = "✗", st.Bad
		}
		b = append(b, style.Render(mark+" "+string(s.ver.Status)))
		b = append(b, st.Text.Width(max(20, w-2)).Render(oauth.Sanitize(s.ver.Reason)))
		if s.ver.JWKSURI != "" {
			b = append(b, st.Subtle.Render("keys from "+s.ver.JWKSURI))
		}
	}
	return b
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, " ")
}
