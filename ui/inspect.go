package ui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// verifiedMsg carries a signature check.
type verifiedMsg struct{ v *oauth.Verification }

// inspectScreen shows what is inside a token: header, claims with absolute and relative
// times, requested against granted scopes, and the signature check on demand (V), whose
// outcome stays at the top without moving the view. r shows a JWT's header and claims
// as JSON, which y copies.
type inspectScreen struct {
	deps      Deps
	st        *theme.Styles
	keys      inspectKeys
	profile   vault.Profile
	tok       vault.CachedToken
	jwt       *oauth.JWT // nil for an opaque or broken token
	vp        viewport.Model
	verifying bool
	ver       *oauth.Verification
	// raw shows the JSON view; offsets keep each view's scroll position.
	raw     bool
	offsets [2]int
	// pos is where the user scrolled to: the head growing or shrinking (V) may clamp
	// the viewport's offset for a frame, never move what the user sees for good.
	pos    int
	width  int
	height int
}

// inspectKeys are the inspector's keys; Keys offers only those that work now.
type inspectKeys struct{ Verify, Raw, Decoded, Copy key.Binding }

func newInspectKeys() inspectKeys {
	return inspectKeys{
		// Verify checks the token's signature against the issuer's keys.
		Verify:  key.NewBinding(key.WithKeys("V"), key.WithHelp("V", "verify signature")),
		Raw:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "raw JSON")),
		Decoded: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "decoded view")),
		Copy:    key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy JSON")),
	}
}

func newInspect(d Deps, p vault.Profile, tok vault.CachedToken) *inspectScreen {
	j, _ := oauth.DecodeJWT(tok.AccessToken)
	return &inspectScreen{deps: d, st: d.Styles, keys: newInspectKeys(), profile: p, tok: tok, jwt: j, vp: viewport.New(80, 20)}
}

// Init implements screen.
func (s *inspectScreen) Init() tea.Cmd { return nil }

// Capturing implements screen.
func (s *inspectScreen) Capturing() bool { return false }

// Keys implements screen.
func (s *inspectScreen) Keys() help.KeyMap {
	if s.jwt == nil {
		return simpleKeys{keyScrollU, keyScrollD, keyBack}
	}
	if s.raw {
		return simpleKeys{s.keys.Copy, s.keys.Decoded, s.keys.Verify, keyScrollU, keyScrollD, keyBack}
	}
	return simpleKeys{s.keys.Verify, s.keys.Raw, keyScrollU, keyScrollD, keyBack}
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
		case s.jwt != nil && key.Matches(msg, s.keys.Verify):
			cmd = s.verify()
		case s.jwt != nil && key.Matches(msg, s.keys.Raw):
			s.offsets[s.view()] = s.vp.YOffset
			s.raw = !s.raw
			s.layout()
			s.vp.SetYOffset(s.offsets[s.view()])
			s.pos = s.vp.YOffset
			return s, nil
		case s.raw && key.Matches(msg, s.keys.Copy):
			doc := s.rawJSON()
			return s, func() tea.Msg { return copyMsg{what: "header and claims", value: doc, plain: true} }
		default:
			s.vp, cmd = s.vp.Update(msg)
			s.pos = s.vp.YOffset
		}
	case verifiedMsg:
		s.verifying, s.ver = false, msg.v // shown at the top: the view stays where it is
	case tickMsg: // the relative times move on: drawn again below
	default:
		s.vp, cmd = s.vp.Update(msg)
		if _, ok := msg.(tea.MouseMsg); ok {
			s.pos = s.vp.YOffset
		}
	}
	s.layout()
	return s, cmd
}

// view is the index of the current view in offsets.
func (s *inspectScreen) view() int {
	if s.raw {
		return 1
	}
	return 0
}

// verify checks the signature against the issuer's keys, once at a time.
func (s *inspectScreen) verify() tea.Cmd {
	if s.verifying {
		return nil
	}
	s.verifying, s.ver = true, nil
	c, tok := s.deps.Broker.Client, s.tok.AccessToken
	iss := s.profile.Issuer // pinned when the profile was discovered: only its tokens verify
	p := s.profile
	return func() tea.Msg {
		caFile, caPEM, err := p.CA() // the profile's CA, as for its token requests
		if err != nil {
			return verifiedMsg{v: &oauth.Verification{Status: oauth.NotVerifiable, Reason: err.Error()}}
		}
		return verifiedMsg{v: c.VerifyWithCA(context.Background(), tok, iss, caFile, caPEM)}
	}
}

// layout puts what there is to show into the viewport at the screen's size, under the
// head. The offset is kept: new content never moves what the user scrolled to.
func (s *inspectScreen) layout() {
	w := s.width - 2
	s.vp.Width, s.vp.Height = w, max(3, s.height-len(s.head(w)))
	body := s.body(w)
	if s.raw {
		body = strings.Split(s.rawJSON(), "\n")
	}
	s.vp.SetContent(truncateBlock(strings.Join(body, "\n"), w))
	s.vp.SetYOffset(s.pos) // clamped to the content: pos stays what the user chose
}

// View implements screen.
func (s *inspectScreen) View(int, int) string {
	return strings.Join(s.head(s.width-2), "\n") + "\n" + s.vp.View()
}

// head is the title and, for a JWT, the signature check: always in sight, so that the
// outcome of V shows wherever the view is scrolled.
func (s *inspectScreen) head(w int) []string {
	st := s.st
	sub := "  the token as the API will read it"
	if s.raw {
		sub = "  header and claims as JSON"
	}
	out := []string{truncateLine(st.Title.Render("Inspect "+s.profile.Name)+st.Subtle.Render(sub), w)}
	if s.jwt != nil {
		out = append(out, s.signatureLines(w)...)
	}
	return append(out, "")
}

// rawJSON is the JWT's header and claims as one indented JSON document, safe to draw
// (oauth.JSONSafe escapes the controls encoding/json leaves raw) and still valid JSON.
func (s *inspectScreen) rawJSON() string {
	if s.jwt == nil {
		return ""
	}
	doc := struct {
		Header map[string]any `json:"header"`
		Claims map[string]any `json:"claims"`
	}{s.jwt.Header, s.jwt.Claims}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return ""
	}
	return strings.TrimRight(string(oauth.JSONSafe(buf.Bytes())), "\n")
}

// body is the token as the API will read it: type, expiry, header, claims and scopes,
// in lines of width w. Every time in it is read from one clock reading, to the second
// (the dates are shown to the second): two lines about the same instant agree.
func (s *inspectScreen) body(w int) []string {
	st := s.st
	now := s.deps.Now().Truncate(time.Second)
	in := oauth.Inspect(s.tok.AccessToken, s.profile.Scopes, s.tok.Scopes, now)
	var b []string
	kind := "opaque token: only its issuer can read it (no claims to show)"
	if in.IsJWT {
		kind = "JWT"
	} else if in.DecodeErr != nil {
		kind = "looks like a JWT but " + in.DecodeErr.Error()
	}
	b = append(b, st.Label.Render("type")+st.Text.Render(fmt.Sprintf("%s · %s · %d characters", s.tok.TokenType, kind, in.Length)))
	if exp := s.tok.ExpiresAt.Truncate(time.Second); !exp.IsZero() {
		when := st.Text.Render(exp.Local().Format("2006-01-02 15:04:05")) + st.Subtle.Render("  ("+oauth.Relative(exp, now)+")")
		if !exp.After(now) {
			when = st.Bad.Render("✗ expired") + st.Text.Render("  "+exp.Local().Format("2006-01-02 15:04:05")) + st.Subtle.Render("  ("+oauth.Relative(exp, now)+")")
		}
		b = append(b, st.Label.Render("expires")+when)
	} else {
		b = append(b, st.Label.Render("expires")+st.Subtle.Render("unknown: no expires_in and no exp claim"))
	}
	// A certificate-bound token (RFC 8705 §3) says whether it is bound to the profile's
	// client certificate (its public chain: no key is read for it).
	if bind := s.profile.TokenBinding(s.tok.AccessToken); bind.Bound() {
		style := map[oauth.BindingStatus]lipgloss.Style{oauth.BoundToCert: st.OK, oauth.BoundToOther: st.Bad}[bind.Status]
		if bind.Status == oauth.BoundNoCert {
			style = st.Info
		}
		b = append(b, truncateLine(st.Label.Render("binding")+style.Render(bind.String()), w))
		if bind.Status == oauth.BoundToOther {
			// Which two certificates differ: an API that checks the binding refuses it.
			pad := st.Label.Render("")
			b = append(b, truncateLine(pad+st.Subtle.Render("token's cnf x5t#S256  ")+st.Text.Render(bind.Thumbprint), w),
				truncateLine(pad+st.Subtle.Render("profile's certificate ")+st.Text.Render(bind.CertThumbprint), w))
			if w-ansi.StringWidth(pad) < 22+43 {
				// Too narrow for label and thumbprint on one line: each on its own.
				b = b[:len(b)-2]
				b = append(b, pad+st.Subtle.Render("token's cnf x5t#S256"), truncateLine(pad+st.Text.Render(bind.Thumbprint), w),
					pad+st.Subtle.Render("profile's certificate"), truncateLine(pad+st.Text.Render(bind.CertThumbprint), w))
			}
		}
	}
	// How the client authenticated, as oat inspect says it (one text in vault).
	pad := st.Label.Render("")
	client := wrapLines(pad, st.Subtle, s.profile.ClientAuthText(), w, 4)
	client[0] = st.Label.Render("client") + strings.TrimPrefix(client[0], pad)
	b = append(b, client...)
	if in.JWT != nil {
		b = append(b, s.jwtLines(in, now)...)
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
	return b
}

// jwtLines are a JWT's header and claims, one line each, times also as dates.
func (s *inspectScreen) jwtLines(in *oauth.Inspection, now time.Time) []string {
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
			if c.Name == "exp" && !t.Time.After(now) {
				val += st.Bad.Render("  ✗ expired")
			}
		}
		b = append(b, label.Render(c.Name)+val)
	}
	return b
}

// signatureLines say whether the signature was checked, and how it came out.
func (s *inspectScreen) signatureLines(w int) []string {
	st := s.st
	label := st.Label.Render("signature")
	switch {
	case s.verifying:
		return []string{label + s.deps.busy("fetching the issuer's keys and checking")}
	case s.ver == nil:
		return []string{truncateLine(label+st.Subtle.Render("not checked: V verifies it against the issuer's published keys"), w)}
	}
	mark, style := "?", st.Info
	switch s.ver.Status {
	case oauth.Verified:
		mark, style = "✓", st.OK
	case oauth.VerifyFailed:
		mark, style = "✗", st.Bad
	}
	head := style.Render(mark + " " + string(s.ver.Status))
	reason := s.ver.Reason
	if s.ver.SignatureOK {
		// The signature is good; the token's time is judged now, at each frame.
		head, reason = st.OK.Render("✓ good"), s.ver.SignedBy()
		now := s.deps.Now().Truncate(time.Second)
		switch exp := s.tok.ExpiresAt.Truncate(time.Second); {
		case !exp.IsZero() && !exp.After(now):
			head += st.Subtle.Render(" · ") + st.Bad.Render("✗ token expired "+oauth.Relative(exp, now))
		case s.ver.Status == oauth.Verified:
			head = st.OK.Render("✓ verified")
		default:
			head += st.Subtle.Render(" · ") + st.Bad.Render("✗ "+strings.TrimPrefix(s.ver.Reason, "the signature is good but "))
		}
	}
	out := []string{truncateLine(label+head, w)}
	indent := lipgloss.Width(label)
	for _, l := range strings.Split(st.Text.Width(max(20, w-indent)).Render(oauth.Sanitize(reason)), "\n") {
		out = append(out, truncateLine(strings.Repeat(" ", indent)+l, w))
	}
	if s.ver.JWKSURI != "" {
		out = append(out, truncateLine(strings.Repeat(" ", indent)+st.Subtle.Render("keys from "+oauth.OneLine(s.ver.JWKSURI)), w))
	}
	return out
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, " ")
}
