package ui

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// Deps are what the app needs from outside; tests pass fakes. Every screen gets them.
type Deps struct {
	Broker    *vault.Broker
	Clipboard Clipboard
	Styles    *theme.Styles
	// Now is the clock; every countdown is computed from it and the absolute expiry.
	Now func() time.Time
	// TickEvery is the countdown's period (one second).
	TickEvery time.Duration
	// After schedules msg after d (tea.Tick); tests replace it to drive time by hand.
	After func(d time.Duration, msg func(time.Time) tea.Msg) tea.Cmd
	Demo  bool
	// spinner returns the current frame of the app's one spinner, for the screens.
	spinner func() string
}

// screen is one screen of the app: the profile list, and the screens opened over it
// (the form, the one-time secret, a confirmation, the inspector, the test call, the
// rotation check, check-all).
//
// Update returns the screen to show next: itself to stay, another screen to open it
// (the root calls its Init), or closeScreen()/closeWith(text) to close. Navigation is
// a return value rather than a message so that it happens at once: keys typed in one
// burst after esc reach the screen below, never the one that closed.
type screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (screen, tea.Cmd)
	// View renders the screen in width × height cells; it changes nothing.
	View(width, height int) string
	Keys() help.KeyMap
	// Capturing says a text field has focus: every key goes to the screen, none is
	// taken as a global key (q types a q).
	Capturing() bool
}

// closed is what a screen returns to close itself; status, when set, goes to the status
// line.
type closed struct{ status string }

func (closed) Init() tea.Cmd                      { return nil }
func (c closed) Update(tea.Msg) (screen, tea.Cmd) { return c, nil }
func (closed) View(int, int) string               { return "" }
func (closed) Keys() help.KeyMap                  { return simpleKeys{} }
func (closed) Capturing() bool                    { return false }

// closeScreen closes the screen that returns it.
func closeScreen() (screen, tea.Cmd) { return closed{}, nil }

// closeWith closes the screen that returns it and says text in the status line.
func closeWith(text string) (screen, tea.Cmd) { return closed{status: text}, nil }

// Model is the root model: it owns what is app-wide (size, the clock, the status line,
// the clipboard timer, help) and routes everything else to the open screen.
type Model struct {
	deps Deps
	st   *theme.Styles
	keys globalKeys
	help help.Model
	spin spinner.Model

	width, height int
	fullHelp      bool
	helpTop       int // the full help's scroll offset

	// main is the profile list, always there; overlay is the screen open over it.
	main    *listScreen
	overlay screen

	status    string
	statusBad bool
	statusSeq int
	tickGen   int

	clip clipState
	// askedQuit is set by a ctrl+c while a screen has work in flight: a second one quits.
	askedQuit bool
	// quitting is set once a quit waits for the clipboard to be cleared: asking again
	// quits at once (ctrl+c always quits) and Run clears what is still pending.
	quitting bool
	// exitErr is what went wrong on the way out, for Run to say once the screen is back.
	exitErr error
	// notices are the vault's warnings not said yet.
	notices *noticeBox
}

// clipState is the pending clipboard clear.
type clipState struct {
	active bool
	what   string
	value  string
	until  time.Time
}

// New returns the app's root model.
func New(d Deps) Model {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.TickEvery <= 0 {
		d.TickEvery = time.Second
	}
	if d.After == nil {
		d.After = tea.Tick
	}
	if d.Styles == nil {
		d.Styles = theme.NewStyles(theme.Default, false)
	}
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(d.Styles.Accent))
	frame := sp.View()
	d.spinner = func() string { return frame }
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = d.Styles.Key, d.Styles.Key
	h.Styles.ShortDesc, h.Styles.FullDesc = d.Styles.Subtle, d.Styles.Subtle
	h.Styles.ShortSeparator, h.Styles.FullSeparator = d.Styles.Subtle, d.Styles.Subtle
	m := Model{deps: d, st: d.Styles, keys: newGlobalKeys(), help: h, spin: sp, width: 80, height: 24, notices: &noticeBox{}}
	if d.Broker != nil && d.Broker.Vault != nil {
		d.Broker.Vault.State.SetWarn(m.notices.add) // the status line, not stderr behind the screen
	}
	m.main = newListScreen(d, &frame)
	m.main.setSize(m.width, m.height)
	return m
}

// Init loads the profiles and starts the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.main.Init(), m.tick(), m.spin.Tick)
}

func (m Model) now() time.Time { return m.deps.Now() }

// open shows s over the list, sized, and starts it.
func (m *Model) open(s screen) tea.Cmd {
	// What the status line said was about the screen before (a copy on the last
	// one-time screen): a new screen starts without it.
	m.status = ""
	m.overlay = s
	s.Update(m.screenSize())
	return s.Init()
}

// screenSize is the area a screen is drawn in: the terminal less the status and help
// lines.
func (m *Model) screenSize() sizeMsg { return sizeMsg{width: m.width, height: m.height - 2} }

// top is the screen that gets keys: the overlay, else the list.
func (m *Model) top() screen {
	if m.overlay != nil {
		return m.overlay
	}
	return m.main
}

// Update handles what is app-wide, then forwards the message once to the open screen.
// What the vault warned of meanwhile (a state file set aside) goes to the status line.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	next, cmd := m.update(msg)
	if text := m.notices.take(); text != "" {
		nm := next.(Model)
		return nm, tea.Batch(cmd, nm.setStatus(text, true))
	}
	return next, cmd
}

// noticeBox holds what the vault warns of from a command's goroutine until the root
// model's next Update says it.
type noticeBox struct {
	mu   sync.Mutex
	msgs []string
}

func (b *noticeBox) add(msg string) {
	b.mu.Lock()
	b.msgs = append(b.msgs, msg)
	b.mu.Unlock()
}

func (b *noticeBox) take() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	text := strings.Join(b.msgs, "; ")
	b.msgs = nil
	return text
}

func (m Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg)
		m.main.setSize(m.width, m.height) // the list keeps its size under an overlay
		if m.overlay == nil {
			return m, nil
		}
		return m, m.forward(m.screenSize())
	case tea.KeyMsg:
		if msg.Type == tea.KeyEsc && msg.Alt {
			// "\x1b\x1b" (two quick escs) reaches Bubble Tea v1 as one alt+esc: two escs.
			esc := tea.KeyMsg{Type: tea.KeyEsc}
			next, first := m.Update(esc)
			next, second := next.Update(esc)
			return next, tea.Batch(first, second)
		}
		if isBurst(msg) && !m.top().Capturing() {
			return m.burst(msg)
		}
		if cmd, done := m.globalKey(msg); done {
			return m, cmd
		}
	case tickMsg:
		if msg.gen != m.tickGen {
			return m, nil // an older loop: let it end
		}
		cmds = append(cmds, m.tick(), m.clearClipboardIfDue())
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		m.main.setSpinner(m.spin.View())
		if m.overlay == nil {
			return m, cmd // the list reads the frame when drawn
		}
		cmds = append(cmds, cmd) // a screen with work in flight draws the new frame
	default:
		if cmd, done := m.appMsg(msg); done {
			return m, cmd
		}
	}
	cmds = append(cmds, m.forward(msg))
	m.main.settle()
	return m, tea.Batch(cmds...)
}

// isBurst says msg is several runes in one event (key repeat over SSH, a fast typist):
// Bubble Tea v1 delivers them together, and key.Matches would see "jjj". A paste is
// not a burst: outside a text field it must not act as keys.
func isBurst(msg tea.KeyMsg) bool {
	return msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste
}

// burst handles a burst outside a text field as single keys, in order. Once a key opens
// a field (/ opens the filter, a opens the form) the rest is typed into it whole.
func (m Model) burst(msg tea.KeyMsg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	var next tea.Model = m
	for i, r := range msg.Runes {
		one := tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}
		if cur := next.(Model); cur.top().Capturing() {
			one.Runes = msg.Runes[i:]
			var cmd tea.Cmd
			next, cmd = cur.Update(one)
			return next, tea.Batch(append(cmds, cmd)...)
		}
		var cmd tea.Cmd
		next, cmd = next.Update(one)
		cmds = append(cmds, cmd)
	}
	return next, tea.Batch(cmds...)
}

// resize keeps the terminal size; an unsized pseudo-terminal keeps 80×24.
func (m *Model) resize(msg tea.WindowSizeMsg) {
	if msg.Width < 20 || msg.Height < 8 {
		msg.Width, msg.Height = max(msg.Width, 80), max(msg.Height, 24)
	}
	m.width, m.height = msg.Width, msg.Height
}

// globalKey handles the keys that work on every screen: ctrl+c quits, ? toggles the
// full help (unless a field has focus), q quits from the list.
func (m *Model) globalKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	top := m.top()
	asked := m.askedQuit
	m.askedQuit = false
	switch {
	case key.Matches(msg, m.keys.Interrupt) && !asked && inFlightOn(top) != "":
		m.askedQuit = true
		return m.setStatus(inFlightOn(top)+" is in flight: ctrl+c again quits anyway, any other key carries on", true), true
	case key.Matches(msg, m.keys.Interrupt):
		return m.quit(), true
	case top.Capturing():
		return nil, false
	case key.Matches(msg, m.keys.Help):
		m.fullHelp, m.helpTop = !m.fullHelp, 0
		return nil, true
	case m.fullHelp && key.Matches(msg, m.keys.Quit, m.keys.CloseHelp):
		m.fullHelp = false // q and esc close the full help first
		return nil, true
	case m.fullHelp:
		return nil, m.helpKey(msg) // it scrolls; another key closes it and acts
	case m.overlay == nil && key.Matches(msg, m.keys.Quit) && !m.main.revealing():
		return m.quit(), true
	}
	return nil, false
}

// inFlight is a screen whose work a stray quit should not drop (a rotation half done,
// a check of all profiles): InFlight says what runs, or "".
type inFlight interface{ InFlight() string }

func inFlightOn(s screen) string {
	if f, ok := s.(inFlight); ok {
		return f.InFlight()
	}
	return ""
}

// appMsg handles the app-wide messages: the status line and the clipboard.
func (m *Model) appMsg(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case statusMsg:
		return m.setStatus(msg.text, msg.bad), true
	case clearStatusMsg:
		if msg.seq == m.statusSeq {
			m.status = ""
		}
		return nil, true
	case dropStatusMsg:
		if m.status == msg.text {
			m.status = "" // no longer true, if it is still what the line says
		}
		return nil, true
	case copyMsg:
		// The new copy replaces what the countdown was about: a token or secret still
		// on the clipboard is taken off first (its tmux buffers too), and its pending
		// clear is dropped, so it never wipes what was copied since.
		prev := m.clip
		m.clip = clipState{}
		if !msg.plain {
			m.clip = clipState{active: true, what: msg.what, value: msg.value, until: m.now().Add(ClipboardClearAfter * time.Second)}
		}
		if prev.active && prev.value != msg.value {
			return replaceCmd(m.deps.Clipboard, prev.value, msg.what, msg.value), true
		}
		return copyCmd(m.deps.Clipboard, msg.what, msg.value), true
	case clipboardMsg:
		if msg.err != nil {
			m.clip = clipState{}
			return m.setStatus("copy failed: "+msg.err.Error(), true), true
		}
		return m.setStatus(fmt.Sprintf("%s copied to the %s", msg.what, msg.via), false), true
	case clipboardClearedMsg:
		switch {
		case msg.err != nil:
			return m.setStatus("clearing the clipboard failed: "+msg.err.Error(), true), true
		case msg.cleared:
			return m.setStatus("clipboard cleared", false), true
		}
		return m.setStatus("clipboard left alone: it holds something else now", false), true
	case clearedBeforeQuitMsg:
		m.clip = clipState{}
		m.exitErr = msg.err
		return tea.Quit, true
	}
	return nil, false
}

// forward sends msg to the open screen and carries out the navigation it asks for. The
// list also gets what keeps its data current (loads, token answers, the clock) while a
// screen is open over it.
func (m *Model) forward(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	if m.overlay != nil && keepsListCurrent(msg) {
		_, cmd := m.main.Update(msg)
		cmds = append(cmds, cmd)
	}
	cur := m.top()
	next, cmd := cur.Update(msg)
	cmds = append(cmds, cmd)
	switch s := next.(type) {
	case nil:
	case closed:
		m.overlay = nil
		cmds = append(cmds, m.main.reload())
		if s.status != "" {
			cmds = append(cmds, m.setStatus(s.status, false))
		}
	default:
		if next != cur {
			cmds = append(cmds, m.open(next))
		}
	}
	return tea.Batch(cmds...)
}

func (m *Model) setStatus(text string, bad bool) tea.Cmd {
	m.statusSeq++
	m.status, m.statusBad = oauth.Sanitize(text), bad
	d := 6 * time.Second
	if bad {
		d = 12 * time.Second
	}
	seq := m.statusSeq
	return m.deps.After(d, func(time.Time) tea.Msg { return clearStatusMsg{seq: seq} })
}

// tick schedules the next clock tick of the current loop.
func (m Model) tick() tea.Cmd {
	gen := m.tickGen
	return m.deps.After(m.deps.TickEvery, func(t time.Time) tea.Msg { return tickMsg{gen: gen, at: t} })
}

// clearClipboardIfDue empties the clipboard once the copy's 45 s are up.
func (m *Model) clearClipboardIfDue() tea.Cmd {
	if !m.clip.active || m.now().Before(m.clip.until) {
		return nil
	}
	val := m.clip.value
	m.clip = clipState{}
	return clearClipboardCmd(m.deps.Clipboard, val)
}

// quit ends the app. A copy still waiting for its 45 s clear is cleared first, since the
// timer dies with the app and the clipboard would keep the token.
func (m *Model) quit() tea.Cmd {
	m.main.cancelAll()
	if !m.clip.active || m.quitting {
		return tea.Quit
	}
	m.quitting = true
	return clearBeforeQuitCmd(m.deps.Clipboard, m.clip.value)
}

// clearOnExit clears a copy whose clear is still pending once the program has ended
// without quit (a signal, the context, a second ctrl+c during the first clear), and
// reports what went wrong on the way out. Run calls it on the final model.
func (m *Model) clearOnExit() error {
	if m.clip.active {
		if _, err := m.deps.Clipboard.ClearIf(m.clip.value); err != nil {
			m.exitErr = errors.Join(m.exitErr, err)
		}
		m.clip = clipState{}
	}
	if m.exitErr != nil {
		return fmt.Errorf("the clipboard may still hold what oat copied: clearing it failed: %w", m.exitErr)
	}
	return nil
}

// View renders the current frame: the open screen, the status line and the help bar.
func (m Model) View() string {
	if m.fullHelp {
		// The full help in place of the screen (help_page.go).
		body, bottom := m.helpPage(m.keyMap())
		return m.frameWith(body, bottom)
	}
	// The screen is given the rows the status line and the help bar leave (a screen that
	// scrolls, pager.go, needs them to say what is cut); the help bar is that of the last
	// frame's keys, which a screen's View may change (a window now cut names its
	// scroll keys): the frame fits whatever it draws.
	m.help.Width = m.width - 2
	footer := lipgloss.JoinVertical(lipgloss.Left, m.statusLine(), m.shortHelp(m.keyMap()))
	return m.frame(m.top().View(m.width, max(1, m.height-lipgloss.Height(footer))), m.keyMap())
}

// keyMap is the open screen's keys with the global ones.
func (m Model) keyMap() withGlobalKeys {
	top := m.top()
	return withGlobalKeys{screen: top.Keys(), global: m.keys, onList: m.overlay == nil && !top.Capturing() && !m.main.revealing()}
}

// frame adds the status line and the help bar under body, filling the terminal.
func (m Model) frame(body string, keys withGlobalKeys) string {
	m.help.Width = m.width - 2
	return m.frameWith(body, m.shortHelp(keys))
}

// frameWith adds the status line and helpView under body, filling the terminal.
func (m Model) frameWith(body, helpView string) string {
	footer := lipgloss.JoinVertical(lipgloss.Left, m.statusLine(), helpView)
	bodyH := m.height - lipgloss.Height(footer)
	if bodyH < 1 {
		bodyH = 1
	}
	body = fitHeight(body, bodyH)
	// A one-column left margin, added by hand: a lipgloss padding would measure every
	// cell of the frame again, a third of View's time with 1,000 profiles.
	return indent(body + "\n" + footer)
}

// statusLine is the clipboard countdown, then the last status message. What does not
// fit one line takes more rather than being cut: a failure up to three lines, any other
// message two, and the countdown a line of its own (the frame gives the body less).
func (m Model) statusLine() string {
	w := m.width - 2
	var msg []string
	if m.status != "" {
		if m.statusBad {
			msg = wrapLines("", m.st.ErrorLine, "✗ "+m.status, w, 3)
		} else {
			msg = wrapLines("", m.st.Info, "• "+m.status, w, 2)
		}
	}
	if !m.clip.active {
		return strings.Join(msg, "\n")
	}
	left := m.clip.until.Sub(m.now())
	if left < 0 {
		left = 0
	}
	// First, so a narrow terminal moves the message rather than the countdown.
	secs := int(left.Round(time.Second).Seconds())
	c := m.st.Warn.Render(fmt.Sprintf("⧗ %s on the clipboard, cleared in %ds", m.clip.what, secs))
	if ansi.StringWidth(c) > w {
		c = m.st.Warn.Render(fmt.Sprintf("⧗ %s copied, clear in %ds", m.clip.what, secs)) // the seconds stay
	}
	if len(msg) == 1 && ansi.StringWidth(c)+2+ansi.StringWidth(msg[0]) <= w {
		return c + "  " + msg[0]
	}
	return strings.Join(append([]string{truncateLine(c, w)}, msg...), "\n")
}

// shortHelp is the one-line help: the screen's keys that work now, in their order of
// priority, as many as fit the width, then the way out (esc) and the global keys
// (? help, q quit), which always stay.
func (m Model) shortHelp(k withGlobalKeys) string {
	var keys, out []key.Binding
	for _, b := range k.screen.ShortHelp() {
		switch {
		case !b.Enabled():
		case slices.Contains(b.Keys(), "esc"):
			out = append(out, b)
		default:
			keys = append(keys, b)
		}
	}
	global := append(out, k.globalShort()...)
	h := m.help
	h.Width = 0 // measured here, not cut with an ellipsis
	for n := len(keys); n > 0; n-- {
		if v := h.ShortHelpView(append(keys[:n:n], global...)); lipgloss.Width(v) <= m.help.Width {
			return v
		}
	}
	return m.help.ShortHelpView(global)
}

func indent(s string) string {
	return " " + strings.ReplaceAll(s, "\n", "\n ")
}

// fitHeight pads or cuts s to exactly h lines.
func fitHeight(s string, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// busy is the in-flight marker of a screen: the spinner and what is under way.
func (d Deps) busy(what string) string {
	frame := "…"
	if d.spinner != nil {
		frame = d.spinner()
	}
	return d.Styles.Info.Render(frame + " " + what)
}
