package ui

import (
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// textField is a one-line text field of the profile form: a huh.Field around a bubbles
// textinput, written here rather than taken from huh.Input because huh.Input keeps its
// textinput private, so its cursor blinks: every keystroke schedules a 530 ms blink
// timer (the synchronous test harness would wait for each, a golden could catch the
// cursor off) and the steady reverse-video cursor oat shows under NO_COLOR cannot be
// set. Everything else — focus order, groups, hiding, selects — is huh's.
type textField struct {
	in textinput.Model
	// masked is the secret's field: • for each character, and its value is not
	// handed to huh (which keeps the values of the fields it leaves).
	masked bool
	// refused says why the last key or paste into the secret's field was not inserted
	// (see secretKey); it lasts until the value changes.
	refused string
	// takesKey says the field holds a private key (PEM or JWK) now rather than a client
	// secret: its line breaks are the key's, checked by vault when it is parsed.
	takesKey func() bool
	keys     huh.InputKeyMap
	first    bool
	last     bool
	focused  bool
}

var _ huh.Field = (*textField)(nil)

// newTextField is an empty field with oat's steady cursor; wide values scroll
// horizontally inside the width the form gives it.
func newTextField(st *theme.Styles) *textField {
	in := newInput(st)
	in.Prompt = ""
	in.CharLimit = 2048
	in.TextStyle = st.Text
	in.Cursor.TextStyle = st.Text // the character under the cursor of a field left
	in.PlaceholderStyle = st.Subtle
	if !st.NoColor {
		in.Cursor.Style = st.Accent
	}
	return &textField{in: in}
}

// mask shows • for each character typed (the secret).
func (t *textField) mask() {
	t.masked = true
	secretInput(&t.in)
}

// Value is the text typed.
func (t *textField) Value() string { return t.in.Value() }

// SetValue replaces the text (and forgets a refused paste); the cursor goes to its end in the focused field, to
// its start in another (which then shows how the value begins).
func (t *textField) SetValue(s string) {
	t.in.SetValue(s)
	t.refused = ""
	if !t.focused {
		t.in.CursorStart()
	}
}

// Init implements huh.Field.
func (t *textField) Init() tea.Cmd { return nil }

// Update implements huh.Field: tab, enter and ↓ go to the next field, shift+tab and ↑
// to the previous one (huh moves the focus); every other key edits the text.
func (t *textField) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyMsg); ok && t.focused {
		switch {
		case key.Matches(k, t.keys.Prev):
			if t.first {
				return t, nil
			}
			return t, huh.PrevField
		case key.Matches(k, t.keys.Next):
			if t.last {
				return t, nil
			}
			return t, huh.NextField
		}
	}
	if _, ok := msg.(tea.KeyMsg); !ok {
		return t, nil // huh's own messages (title updates) do not concern this field
	}
	if t.masked && (t.takesKey == nil || !t.takesKey()) {
		k, why := secretKey(msg.(tea.KeyMsg))
		if why != "" {
			t.refused = why
			return t, nil
		}
		msg = k
	}
	old := t.in.Value()
	var cmd tea.Cmd
	t.in, cmd = t.in.Update(msg)
	if t.in.Value() != old {
		t.refused = ""
	}
	return t, cmd
}

// secretKey is a key or a paste as it may go into a secret's field, or why it may not
// (then the field takes nothing). The runes are checked as the terminal sent them,
// before the text input sees them: it would turn a tab into a space and drop control
// characters, so that another secret than the one pasted would be stored without a
// word. A paste loses the white space around it first, as vault.CleanSecret does on
// saving (a line copied from a web page ends with a line break; no secret does); a
// tab, a line break or a control character inside it refuses it whole: what is
// stored is what was pasted, or nothing. The words are vault.SecretCharProblem's, as
// the CLI says them.
func secretKey(k tea.KeyMsg) (tea.KeyMsg, string) {
	if k.Paste {
		k.Runes = []rune(vault.CleanSecret(string(k.Runes)))
		if what, m := vault.LooksLikeKeyMaterial(string(k.Runes)); what != "" {
			return k, "is unchanged: the paste is " + what + ", not a client secret; it goes with auth " + string(m)
		}
	}
	kind := vault.SecretCharProblem(string(k.Runes))
	switch {
	case kind == "":
		return k, ""
	case k.Paste:
		return k, "is unchanged: the paste holds " + kind + "; a client secret is printable ASCII only (RFC 6749)"
	}
	return k, "is unchanged: that key types " + kind + "; a client secret is printable ASCII only (RFC 6749)"
}

// secretInput makes in a secret's input: • for each character, and no ctrl+v: the
// text input's own paste reads the clipboard past secretKey's check (a
// terminal's paste arrives as keys, and is checked).
func secretInput(in *textinput.Model) {
	in.EchoMode, in.EchoCharacter = textinput.EchoPassword, '•'
	in.KeyMap.Paste.SetEnabled(false)
}

// View implements huh.Field. A field without the focus shows the start of its value;
// one too long for the width ends with … so that it does not look whole.
func (t *textField) View() string {
	if t.focused {
		return t.in.View()
	}
	v := t.in.Value()
	if t.masked {
		v = strings.Repeat(string(t.in.EchoCharacter), utf8.RuneCountInString(v))
	}
	if v == "" || lipgloss.Width(v) <= t.in.Width {
		return t.in.View()
	}
	return t.in.TextStyle.Render(ansi.Truncate(v, t.in.Width, "…"))
}

// Focus implements huh.Field: the cursor goes to the end of the value, to type on.
func (t *textField) Focus() tea.Cmd {
	t.focused = true
	cmd := t.in.Focus()
	t.in.CursorEnd()
	return cmd
}

// Blur implements huh.Field: a long value is shown from its start once left.
func (t *textField) Blur() tea.Cmd {
	t.focused = false
	t.in.Blur()
	t.in.CursorStart()
	return nil
}

// Error implements huh.Field: oat validates the whole profile itself (every error at
// once, under its field), so huh never holds the focus on a field.
func (t *textField) Error() error { return nil }

var errNotStandalone = errors.New("a field of the profile form does not run on its own")

// Run implements huh.Field.
func (t *textField) Run() error { return errNotStandalone }

// RunAccessible implements huh.Field.
func (t *textField) RunAccessible(io.Writer, io.Reader) error { return errNotStandalone }

// Skip implements huh.Field.
func (t *textField) Skip() bool { return false }

// Zoom implements huh.Field.
func (t *textField) Zoom() bool { return false }

// KeyBinds implements huh.Field.
func (t *textField) KeyBinds() []key.Binding { return []key.Binding{t.keys.Prev, t.keys.Next} }

// WithTheme implements huh.Field: the field keeps oat's styles.
func (t *textField) WithTheme(*huh.Theme) huh.Field { return t }

// WithAccessible implements huh.Field.
func (t *textField) WithAccessible(bool) huh.Field { return t }

// WithKeyMap implements huh.Field.
func (t *textField) WithKeyMap(k *huh.KeyMap) huh.Field { t.keys = k.Input; return t }

// WithWidth implements huh.Field: one cell is kept for the cursor after the text.
func (t *textField) WithWidth(w int) huh.Field {
	t.in.Width = max(1, w-1)
	// The visible part of a long value is worked out again only when the cursor leaves
	// it: take the cursor to the end and back.
	pos := t.in.Position()
	t.in.CursorEnd()
	t.in.SetCursor(pos)
	return t
}

// WithHeight implements huh.Field.
func (t *textField) WithHeight(int) huh.Field { return t }

// WithPosition implements huh.Field.
func (t *textField) WithPosition(p huh.FieldPosition) huh.Field {
	t.first, t.last = p.IsFirst(), p.IsLast()
	return t
}

// GetKey implements huh.Field.
func (t *textField) GetKey() string { return "" }

// GetValue implements huh.Field: huh keeps this in its results when the focus leaves
// the field, so the secret's field gives nothing (the screen reads Value).
func (t *textField) GetValue() any {
	if t.masked {
		return ""
	}
	return t.in.Value()
}

// hideable is a huh field the focus passes by while hidden says so. huh v1 hides
// whole groups (Group.WithHideFunc) but not single fields; the focus moves skip a
// field whose Skip is true, so that is where a field is hidden (the form screen draws
// only the fields it shows).
type hideable struct {
	huh.Field
	hidden func() bool
}

// Skip implements huh.Field.
func (h *hideable) Skip() bool { return h.hidden() || h.Field.Skip() }

// Update implements huh.Field: the group keeps what Update returns, so it returns the
// wrapper, not the field inside.
func (h *hideable) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := h.Field.Update(msg)
	h.Field = m.(huh.Field)
	return h, cmd
}
