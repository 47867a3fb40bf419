package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/list"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// Deps are what the app needs from outside; tests pass fakes.
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

// screen is an overlay: the form, the one-time secret, a confirmation, the inspector,
// the test call, the rotation check and check-all. The root sends it every message
// while it is open.
type screen interface {
	Update(msg tea.Msg) (screen, tea.Cmd)
	View(width, height int) string
	Keys() help.KeyMap
	// Capturing says a text field has focus: every key goes to the screen, none is
	// taken as a global key (q types a q).
	Capturing() bool
}

// tokenSlot is what the app holds about one profile's token in memory.
type tokenSlot struct {
	tok      vault.CachedToken
	has      bool
	fresh    *oauth.Token
	fetching bool
	req      int
	cancel   context.CancelFunc
	err      error
	revealed bool
}

// Model is the root model.
type Model struct {
	deps   Deps
	st     *theme.Styles
	keys   mainKeys
	help   help.Model
	list   list.Model
	rows   *rowData
	spin   spinner.Model
	width  int
	height int

	profiles []vault.Profile
	states   map[string]vault.TokenState
	slots    map[string]*tokenSlot
	loadErr  error
	loaded   bool

	overlay  screen
	fullHelp bool

	status    string
	statusBad bool
	statusSeq int

	tickGen     int
	autoRefresh bool

	clip clipState
	// quitting is set once a quit waits for the clipboard to be cleared: asking again
	// quits at once (ctrl+c always quits) and Run clears what is still pending.
	quitting bool
	// exitErr is what went wrong on the way out, for Run to say once the screen is back.
	exitErr error
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
	rows := &rowData{styles: d.Styles, now: d.Now, states: map[string]vault.TokenState{}, slots: map[string]*tokenSlot{}, overdue: d.Broker.Vault.Overdue, age: d.Broker.Vault.SecretAge}
	d.spinner = func() string { return rows.spinner }
	l := list.New(nil, rowDelegate{rows: rows}, 0, 0)
	l.Title = "oat"
	l.SetShowHelp(false)
	l.SetShowStatusBar(false)
	l.SetShowTitle(false)
	l.DisableQuitKeybindings()
	l.Styles.NoItems = d.Styles.Subtle
	l.FilterInput.Prompt = "filter: "
	l.FilterInput.Cursor.SetMode(cursor.CursorStatic)
	l.Styles.TitleBar = lipgloss.NewStyle() // one line: blank, or the filter while filtering
	l.Styles.PaginationStyle = d.Styles.Subtle.PaddingLeft(2)
	h := help.New()
	h.Styles.ShortKey, h.Styles.FullKey = d.Styles.Key, d.Styles.Key
	h.Styles.ShortDesc, h.Styles.FullDesc = d.Styles.Subtle, d.Styles.Subtle
	h.Styles.ShortSeparator, h.Styles.FullSeparator = d.Styles.Subtle, d.Styles.Subtle
	sp := spinner.New(spinner.WithSpinner(spinner.MiniDot), spinner.WithStyle(d.Styles.Accent))
	rows.spinner = sp.View()
	return Model{deps: d, st: d.Styles, keys: newMainKeys(), help: h, list: l, rows: rows, spin: sp,
		states: map[string]vault.TokenState{}, slots: rows.slots, width: 80, height: 24}
}

// Init loads the profiles and starts the clock.
func (m Model) Init() tea.Cmd {
	return tea.Batch(loadCmd(m.deps.Broker.Vault, ""), m.tick(), m.spin.Tick)
}

func (m Model) now() time.Time { return m.deps.Now() }

func (m *Model) selected() (vault.Profile, bool) {
	it, ok := m.list.SelectedItem().(profileItem)
	if !ok {
		return vault.Profile{}, false
	}
	return it.p, true
}

func (m *Model) slot(id string) *tokenSlot {
	s, ok := m.slots[id]
	if !ok {
		s = &tokenSlot{}
		m.slots[id] = s
	}
	return s
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

// Update routes a message: global keys first, then the open overlay or the main screen.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmds []tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width < 20 || msg.Height < 8 { // an unsized pseudo-terminal: keep 80×24
			msg.Width, msg.Height = max(msg.Width, 80), max(msg.Height, 24)
		}
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		if m.overlay != nil {
			var cmd tea.Cmd
			m.overlay, cmd = m.overlay.Update(msg)
			return m, cmd
		}
		return m, nil
	case tickMsg:
		if msg.gen != m.tickGen {
			return m, nil // an older loop: let it end
		}
		cmds = append(cmds, m.tick(), m.onTick())
		if m.overlay != nil {
			var cmd tea.Cmd
			m.overlay, cmd = m.overlay.Update(msg)
			cmds = append(cmds, cmd)
		}
		return m, tea.Batch(cmds...)
	case spinner.TickMsg:
		var cmd tea.Cmd
		m.spin, cmd = m.spin.Update(msg)
		m.rows.spinner = m.spin.View()
		if m.overlay != nil {
			m.overlay, _ = m.overlay.Update(msg)
		}
		return m, cmd
	case profilesLoadedMsg:
		return m, m.onLoaded(msg)
	case tokenMsg:
		return m, m.onToken(msg)
	case tokenReplacedMsg:
		if s := m.slots[msg.id]; s != nil && !s.fetching {
			s.tok, s.has, s.fresh, s.err = vault.CachedToken{}, false, nil, nil
			if msg.res != nil {
				s.tok, s.has, s.fresh = msg.res.Token, true, msg.res.Fresh
			}
		}
		return m, loadCmd(m.deps.Broker.Vault, "")
	case statusMsg:
		return m, m.setStatus(msg.text, msg.bad)
	case clearStatusMsg:
		if msg.seq == m.statusSeq {
			m.status = ""
		}
		return m, nil
	case clipboardMsg:
		if msg.err != nil {
			m.clip = clipState{}
			return m, m.setStatus("copy failed: "+msg.err.Error(), true)
		}
		return m, m.setStatus(fmt.Sprintf("%s copied to the %s", msg.what, msg.via), false)
	case clipboardClearedMsg:
		switch {
		case msg.err != nil:
			return m, m.setStatus("clearing the clipboard failed: "+msg.err.Error(), true)
		case msg.cleared:
			return m, m.setStatus("clipboard cleared", false)
		}
		return m, m.setStatus("clipboard left alone: it holds something else now", false)
	case clearedBeforeQuitMsg:
		m.clip = clipState{}
		m.exitErr = msg.err
		return m, tea.Quit
	case copySecretMsg:
		return m, m.copyValue("secret", msg.value)
	case closeScreenMsg:
		m.overlay = nil
		return m, loadCmd(m.deps.Broker.Vault, "")
	case tea.MouseMsg:
		if m.overlay != nil {
			var cmd tea.Cmd
			m.overlay, cmd = m.overlay.Update(msg)
			return m, cmd
		}
		return m, m.onMouse(msg)
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			return m, m.quit()
		}
		if m.overlay != nil {
			if !m.overlay.Capturing() && key.Matches(msg, m.keys.Help) {
				m.fullHelp = !m.fullHelp
				return m, nil
			}
			var cmd tea.Cmd
			m.overlay, cmd = m.overlay.Update(msg)
			return m, cmd
		}
		return m, m.onKey(msg)
	}
	if m.overlay != nil {
		var cmd tea.Cmd
		m.overlay, cmd = m.overlay.Update(msg)
		return m, cmd
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return m, cmd
}

func (m *Model) selectedName() string {
	if p, ok := m.selected(); ok {
		return p.Name
	}
	return ""
}

func (m *Model) cancelAll() {
	for _, s := range m.slots {
		if s.cancel != nil {
			s.cancel()
		}
	}
}

func (m *Model) onLoaded(msg profilesLoadedMsg) tea.Cmd {
	m.loaded = true
	if msg.err != nil {
		m.loadErr = msg.err
		return nil
	}
	m.loadErr = nil
	m.profiles, m.states = msg.profiles, msg.states
	m.rows.states = msg.states
	// Keep the cursor where the user has it now (keys may have moved it while the
	// load ran), unless the load asked for a profile (a new one).
	keep := msg.selectName
	if keep == "" {
		keep = m.selectedName()
	}
	items := make([]list.Item, len(msg.profiles))
	sel := 0
	for i, p := range msg.profiles {
		items[i] = profileItem{p: p}
		if strings.EqualFold(p.Name, keep) {
			sel = i
		}
	}
	cmd := m.list.SetItems(items)
	if m.list.FilterState() == list.Unfiltered && len(items) > 0 {
		m.list.Select(sel)
	}
	ids := map[string]bool{}
	for _, p := range msg.profiles {
		ids[p.ID] = true
	}
	for id, s := range m.slots {
		if !ids[id] {
			if s.cancel != nil {
				s.cancel()
			}
			delete(m.slots, id)
		}
	}
	return cmd
}

// fetch starts a token request for p, cancelling any request still running for it.
func (m *Model) fetch(p vault.Profile, force bool) tea.Cmd {
	s := m.slot(p.ID)
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.req++
	s.fetching, s.cancel, s.err = true, cancel, nil
	return tea.Batch(tokenCmd(ctx, m.deps.Broker, p, force, s.req), m.spin.Tick)
}

func (m *Model) onToken(msg tokenMsg) tea.Cmd {
	s := m.slot(msg.id)
	if msg.req != s.req {
		return nil // a cancelled or superseded request
	}
	s.fetching = false
	if s.cancel != nil {
		s.cancel()
		s.cancel = nil
	}
	if msg.err != nil {
		if errors.Is(msg.err, context.Canceled) || isCancelled(msg.err) {
			return m.setStatus("request cancelled", false)
		}
		s.err = msg.err
		return loadCmd(m.deps.Broker.Vault, "")
	}
	s.tok, s.has, s.fresh, s.err = msg.res.Token, true, msg.res.Fresh, nil
	var cmds []tea.Cmd
	if msg.res.CacheWarning != nil {
		cmds = append(cmds, m.setStatus("token not cached: "+msg.res.CacheWarning.Error(), true))
	} else if msg.res.FromCache {
		cmds = append(cmds, m.setStatus("using the cached token (r fetches a new one)", false))
	}
	cmds = append(cmds, loadCmd(m.deps.Broker.Vault, ""))
	return tea.Batch(cmds...)
}

func isCancelled(err error) bool {
	var ne *oauth.NetworkError
	return errors.As(err, &ne) && ne.Kind == oauth.NetCancelled
}

// onTick runs once a second: auto-refresh and the clipboard clear. The countdowns need
// nothing here: View computes them from the clock and the absolute expiry.
func (m *Model) onTick() tea.Cmd {
	now := m.now()
	var cmds []tea.Cmd
	if m.clip.active && !now.Before(m.clip.until) {
		val := m.clip.value
		m.clip = clipState{}
		cmds = append(cmds, clearClipboardCmd(m.deps.Clipboard, val))
	}
	if m.autoRefresh {
		for _, p := range m.profiles {
			s := m.slots[p.ID]
			if s == nil || !s.has || s.fetching || s.err != nil || s.tok.ExpiresAt.IsZero() {
				continue
			}
			// Refresh when the token enters its "expiring" phase (the last tenth of its life).
			if s.tok.ExpiresAt.Sub(now) <= vault.WarnWindow(vault.TokenState{FetchedAt: s.tok.FetchedAt, ExpiresAt: s.tok.ExpiresAt}) {
				cmds = append(cmds, m.fetch(p, true))
			}
		}
	}
	return tea.Batch(cmds...)
}

// quit ends the app. A copy still waiting for its 45 s clear is cleared first, since the
// timer dies with the app and the clipboard would keep the token.
func (m *Model) quit() tea.Cmd {
	m.cancelAll()
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

func (m *Model) copyValue(what, value string) tea.Cmd {
	m.clip = clipState{active: true, what: what, value: value, until: m.now().Add(ClipboardClearAfter * time.Second)}
	return copyCmd(m.deps.Clipboard, what, value)
}

func (m *Model) onMouse(msg tea.MouseMsg) tea.Cmd {
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		m.list.CursorUp()
	case tea.MouseButtonWheelDown:
		m.list.CursorDown()
	}
	return nil
}

func (m *Model) onKey(msg tea.KeyMsg) tea.Cmd {
	if m.list.SettingFilter() {
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(msg)
		return cmd
	}
	m.updateKeys()
	p, hasSel := m.selected()
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit()
	case key.Matches(msg, m.keys.Help):
		m.fullHelp = !m.fullHelp
		return nil
	case key.Matches(msg, m.keys.Cancel):
		if hasSel {
			if s := m.slots[p.ID]; s != nil && s.fetching {
				s.cancel()
				s.fetching = false
				s.req++ // drop the answer if it still comes
				return m.setStatus("request cancelled", false)
			}
		}
		if m.list.FilterState() != list.Unfiltered {
			var cmd tea.Cmd
			m.list, cmd = m.list.Update(msg)
			return cmd
		}
		return nil
	case key.Matches(msg, m.keys.Add):
		m.overlay = newForm(m.deps, m.st, nil)
		return m.overlay.(*formScreen).Init()
	}
	if !hasSel {
		var cmd tea.Cmd
		m.list, cmd = m.list.Update(msg)
		return cmd
	}
	s := m.slot(p.ID)
	switch {
	case key.Matches(msg, m.keys.Fetch):
		return m.fetch(p, false)
	case key.Matches(msg, m.keys.Refresh):
		return m.fetch(p, true)
	case key.Matches(msg, m.keys.Reveal):
		s.revealed = !s.revealed
		return nil
	case key.Matches(msg, m.keys.Copy):
		return m.copyValue("token", s.tok.AccessToken)
	case key.Matches(msg, m.keys.Auto):
		m.autoRefresh = !m.autoRefresh
		if m.autoRefresh {
			return m.setStatus("auto-refresh on: tokens are fetched again before they expire", false)
		}
		return m.setStatus("auto-refresh off", false)
	case key.Matches(msg, m.keys.Edit):
		m.overlay = newForm(m.deps, m.st, &p)
		return m.overlay.(*formScreen).Init()
	case key.Matches(msg, m.keys.Delete):
		m.overlay = newConfirmDelete(m.deps, m.st, p)
		return nil
	case key.Matches(msg, m.keys.Inspect):
		m.overlay = newInspect(m.deps, m.st, p, s.tok)
		return nil
	case key.Matches(msg, m.keys.Call):
		tok := ""
		if s.has {
			tok = s.tok.AccessToken
		}
		scr := newCallScreen(m.deps, m.st, p, tok)
		m.overlay = scr
		return scr.Init()
	case key.Matches(msg, m.keys.Rotate):
		scr := newRotate(m.deps, m.st, p)
		m.overlay = scr
		return scr.Init()
	case key.Matches(msg, m.keys.CheckAll):
		scr := newCheckAll(m.deps, m.st, m.profiles)
		m.overlay = scr
		return scr.Init()
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return cmd
}

// updateKeys enables the bindings that do something in the current state.
func (m *Model) updateKeys() {
	p, ok := m.selected()
	var s *tokenSlot
	if ok {
		s = m.slots[p.ID]
	}
	has := s != nil && s.has
	fetching := s != nil && s.fetching
	for _, b := range []*key.Binding{&m.keys.Fetch, &m.keys.Refresh, &m.keys.Edit, &m.keys.Delete, &m.keys.Call, &m.keys.Rotate} {
		b.SetEnabled(ok)
	}
	m.keys.Reveal.SetEnabled(has)
	m.keys.Copy.SetEnabled(has)
	m.keys.Inspect.SetEnabled(has)
	m.keys.Cancel.SetEnabled(fetching || m.list.FilterState() != list.Unfiltered)
	m.keys.CheckAll.SetEnabled(len(m.profiles) > 0)
	m.keys.Filter.SetEnabled(len(m.profiles) > 0)
	m.keys.Up.SetEnabled(len(m.profiles) > 1)
	m.keys.Down.SetEnabled(len(m.profiles) > 1)
}

// View renders the current frame.
func (m Model) View() string {
	if m.overlay != nil {
		body := m.overlay.View(m.width, m.height-2)
		return m.frame(body, m.overlay.Keys())
	}
	m.updateKeys()
	return m.frame(m.mainView(), m.keys)
}

// frame adds the status line and the help bar under body, filling the terminal.
func (m Model) frame(body string, keys help.KeyMap) string {
	m.help.Width = m.width - 2
	m.help.ShowAll = m.fullHelp
	helpView := m.help.View(keys)
	status := ""
	if m.status != "" {
		if m.statusBad {
			status = m.st.ErrorLine.Render("✗ " + m.status)
		} else {
			status = m.st.Info.Render("• " + m.status)
		}
	}
	if m.clip.active {
		left := m.clip.until.Sub(m.now())
		if left < 0 {
			left = 0
		}
		// First, so a narrow terminal cuts the message rather than the countdown.
		c := m.st.Warn.Render(fmt.Sprintf("⧗ %s on the clipboard, cleared in %ds", m.clip.what, int(left.Round(time.Second).Seconds())))
		if status != "" {
			c += "  "
		}
		status = c + status
	}
	status = truncateLine(status, m.width-2)
	footer := lipgloss.JoinVertical(lipgloss.Left, status, helpView)
	bodyH := m.height - lipgloss.Height(footer)
	if bodyH < 1 {
		bodyH = 1
	}
	body = fitHeight(body, bodyH)
	// A one-column left margin, added by hand: a lipgloss padding would measure every
	// cell of the frame again, a third of View's time with 1,000 profiles.
	return indent(body + "\n" + footer)
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
