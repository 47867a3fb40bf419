package ui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// secretOnceScreen shows a just-stored secret once, with its fingerprint and a key to
// copy it. The secret is masked until v shows it (the screen may be shared); the
// fingerprint is always shown. Leaving wipes the secret from the model: no later frame
// holds it.
type secretOnceScreen struct {
	deps     Deps
	st       *theme.Styles
	profile  vault.Profile
	secret   string
	added    bool
	revealed bool
}

// keyDone leaves the one-time secret screen, forgetting the secret.
var keyDone = key.NewBinding(key.WithKeys("enter", "esc", "q"), key.WithHelp("enter/esc", "done: forget it"))

// revealKey shows or hides a one-time secret; its help says which it does now.
func revealKey(revealed bool) key.Binding {
	if revealed {
		return key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "hide"))
	}
	return key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "show"))
}

func newSecretOnce(d Deps, p vault.Profile, secret string, added bool) *secretOnceScreen {
	return &secretOnceScreen{deps: d, st: d.Styles, profile: p, secret: secret, added: added}
}

// Init implements screen.
func (s *secretOnceScreen) Init() tea.Cmd { return nil }

// Capturing implements screen.
func (s *secretOnceScreen) Capturing() bool { return false }

// Keys implements screen.
func (s *secretOnceScreen) Keys() help.KeyMap {
	return simpleKeys{revealKey(s.revealed), keyCopy, keyDone}
}

// Update implements screen.
func (s *secretOnceScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		switch {
		case key.Matches(k, revealKey(s.revealed)):
			s.revealed = !s.revealed
		case key.Matches(k, keyCopy):
			secret := s.secret
			return s, func() tea.Msg { return copyMsg{what: "secret", value: secret} }
		case key.Matches(k, keyDone):
			s.secret, s.revealed = "", false
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
	lines = append(lines, oneTimeSecret(st, s.secret, s.revealed, w)...)
	lines = append(lines, "",
		st.Label.Render("fingerprint")+st.Text.Render(" "+s.profile.SecretFingerprint),
		st.Label.Render("stored in")+st.Text.Render(" the "+s.deps.Broker.Vault.Secrets.Name()+" store"),
		"",
		st.Subtle.Render("c copies it (cleared from the clipboard after 45 s) · enter forgets it here"))
	return lipgloss.NewStyle().MaxWidth(width).Render(strings.Join(lines, "\n"))
}

// oneTimeSecret draws a secret shown once in a frame of width w: masked, with its
// length and the key that shows it, until revealed. The rotation shows its new secret
// the same way.
func oneTimeSecret(st *theme.Styles, secret string, revealed bool, w int) []string {
	if !revealed {
		n := utf8.RuneCountInString(secret)
		masked := lipgloss.JoinHorizontal(lipgloss.Center, st.Secret.Render("••••••••"),
			st.Subtle.Render(fmt.Sprintf("  %d characters, hidden: v shows it", n)))
		return []string{truncateBlock(masked, w)}
	}
	box := st.Secret.Render(strings.Join(wrapHard(secret, max(10, w-6)), "\n"))
	return []string{truncateBlock(box, w)}
}

// keyOnceScreen shows, once, what the provider registers for a private key just stored
// (private_key_jwt): the public JWK, the JWKS or the PEM public key (v shows the next
// form, c copies the one shown), with the key's thumbprint. Nothing of it is secret;
// the private key itself is never on screen. It is the secret's one-time screen for
// keys: shown once, forgotten on leaving.
type keyOnceScreen struct {
	*secretOnceScreen
	docs      oauth.PublicKeyDocs
	generated bool
	// pager scrolls what does not fit (shown once: none of it may stay out of reach).
	pager pager
	// form is the document shown: 0 the JWK, 1 the JWKS, 2 the PEM.
	form int
}

var keyForms = [3]string{"public JWK", "JWKS", "public key (PEM)"}

// keyDocForms are the forms of d to show, by name: the certificate first when the key
// has one (a provider that registers certificates takes it), then keyForms.
func keyDocForms(d oauth.PublicKeyDocs) (names, docs []string) {
	names, docs = keyForms[:], []string{d.JWK, d.JWKS, d.PEM}
	if d.Cert != "" {
		names, docs = append([]string{"certificate"}, names...), append([]string{d.Cert}, docs...)
	}
	return names, docs
}

// keyDoc is form form of d (wrapping round), with its name.
func keyDoc(d oauth.PublicKeyDocs, form int) (name, doc string) {
	names, docs := keyDocForms(d)
	return names[form%len(names)], docs[form%len(docs)]
}

// keyNextForm shows the next form of the public key.
var keyNextForm = key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "JWK / JWKS / PEM"))

// nextFormKey is keyNextForm with help naming the forms d is shown in.
func nextFormKey(b key.Binding, d oauth.PublicKeyDocs) key.Binding {
	if d.Cert != "" {
		b.SetHelp("v", "cert / JWK / JWKS / PEM")
	}
	return b
}

func newKeyOnce(d Deps, p vault.Profile, docs oauth.PublicKeyDocs, generated bool) *keyOnceScreen {
	return &keyOnceScreen{secretOnceScreen: newSecretOnce(d, p, "", true), docs: docs, generated: generated}
}

// keyDocsLines are what the provider registers for a new key, in the form shown (form
// indexes keyForms): the warning that it is shown once, the thumbprint and algorithm,
// the form tabs and the document, wrapped hard to w. The key's one-time screen and the
// key rotation's registration step both show them.
func keyDocsLines(st *theme.Styles, store string, d oauth.PublicKeyDocs, form, w int) []string {
	// Public: shown again any time (oat keygen NAME --show, v in a rotation); the
	// private key never.
	banner := "⚠ Register this public key at the provider (oat keygen --show shows it again)."
	if d.Cert != "" {
		banner = "⚠ Register this certificate (or key) at the provider (oat keygen --show shows it again)."
	}
	// Wrapped, not cut: at 60 columns the end of each sentence is what matters.
	lines := wrapLines("", st.Banner, banner, w, 3)
	lines = append(lines, wrapLines("", st.Text, "The private key stays in the "+store+" store; oat never shows it.", w, 3)...)
	lines = append(lines, "")
	if d.KeyID != "" {
		lines = append(lines, truncateLine(st.Label.Render("kid       ")+st.Text.Render(" "+oauth.OneLine(d.KeyID))+st.Subtle.Render("  (its own)"), w),
			truncateLine(st.Label.Render("thumbprint")+st.Text.Render(" "+d.Thumbprint), w))
	} else {
		tp := st.Label.Render("thumbprint") + st.Text.Render(" "+d.Thumbprint)
		switch kid := tp + st.Subtle.Render("  (kid)"); {
		case lipgloss.Width(kid) <= w:
			lines = append(lines, kid) // the thumbprint whole comes first
		case lipgloss.Width(tp) <= w:
			lines = append(lines, tp)
		default: // narrower than the thumbprint: whole, on lines of its own
			lines = append(lines, st.Label.Render("thumbprint"))
			for _, l := range wrapHard(d.Thumbprint, w) {
				lines = append(lines, st.Text.Render(l))
			}
		}
	}
	lines = append(lines, st.Label.Render("algorithm ")+st.Text.Render(" "+d.Alg))
	if d.Cert != "" {
		lines = append(lines, truncateLine(st.Label.Render("x5t#S256  ")+st.Text.Render(" "+d.X5tS256), w),
			truncateLine(st.Label.Render("x5t       ")+st.Text.Render(" "+d.X5t), w))
	}
	lines = append(lines, "")
	names, docs := keyDocForms(d)
	form %= len(names)
	var tabs []string
	for i, n := range names {
		if i == form {
			tabs = append(tabs, st.Accent.Render("["+n+"]"))
		} else {
			tabs = append(tabs, st.Subtle.Render(" "+n+" "))
		}
	}
	lines = append(lines, truncateLine(strings.Join(tabs, " "), w))
	// What is shown came from oat itself (go-jose's JSON, encoding/pem), never a server.
	var doc []string
	for _, l := range strings.Split(strings.TrimSpace(docs[form]), "\n") {
		doc = append(doc, wrapHard(l, max(10, w))...)
	}
	return append(lines, st.Text.Render(strings.Join(doc, "\n")))
}

// Keys implements screen.
func (s *keyOnceScreen) Keys() help.KeyMap {
	return s.pager.keys(simpleKeys{nextFormKey(keyNextForm, s.docs), keyCopy, keyDone})
}

// Update implements screen.
func (s *keyOnceScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok {
		if s.pager.key(k) {
			return s, nil
		}
		switch {
		case key.Matches(k, keyNextForm):
			names, _ := keyDocForms(s.docs)
			s.form = (s.form + 1) % len(names)
		case key.Matches(k, keyCopy):
			what, doc := keyDoc(s.docs, s.form)
			return s, func() tea.Msg { return copyMsg{what: what, value: doc, plain: true} }
		case key.Matches(k, keyDone):
			s.docs = oauth.PublicKeyDocs{}
			return closeScreen()
		}
	}
	return s, nil
}

// View implements screen.
func (s *keyOnceScreen) View(width, height int) string {
	st := s.st
	w := width - 2
	title := "Private key stored for " + s.profile.Name
	if s.generated {
		title = "Key pair generated for " + s.profile.Name
	}
	lines := []string{
		st.Title.Render(truncateLine(title, w)),
		"",
	}
	lines = append(lines, keyDocsLines(st, s.deps.Broker.Vault.Secrets.Name(), s.docs, s.form, w)...)
	lines = append(lines, "")
	lines = append(lines, wrapLines("", st.Subtle, "v shows the JWK, the JWKS or the PEM · c copies it · enter: done", w, 2)...)
	// The title (which profile the key is for) and the line under it stay in sight.
	return lipgloss.NewStyle().MaxWidth(width).Render(strings.Join(s.pager.windowUnder(st, lines[:2], lines[2:], width, height), "\n"))
}
