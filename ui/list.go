package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/list"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// listScreen is the main screen: the profiles with their live token states, and the
// selected profile's details and token panel (main_view.go draws them). It holds each
// profile's token in memory (tokenSlot) and opens every other screen.
type listScreen struct {
	deps Deps
	st   *theme.Styles
	keys listKeys
	list list.Model
	rows *rowData
	// frame is the app spinner's current frame (the root advances it).
	frame *string

	width, height int

	profiles []vault.Profile
	states   map[string]vault.TokenState
	slots    map[string]*tokenSlot
	loadErr  error
	loaded   bool

	autoRefresh bool
	// order is how the rows are ordered (list_sort.go).
	order listOrder
	// want is the profile to select after the next load: one just added.
	want string
	// beforeFilter is the profile selected when the filter was opened.
	beforeFilter string
	// fileSig is the profiles and state files as last polled (list_watch.go).
	fileSig string
	// top is the first visible row shown (rowsView scrolls by a line, not a page).
	top int
	// reserve is the most detail lines seen below the narrow list at this size: the list
	// keeps its height while the cursor moves over profiles with shorter details.
	reserve, reserveFor int
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
	// errAt is when err came: a token fetched after it (by the CLI, check-all,
	// another oat) replaces it.
	errAt    time.Time
	revealed bool
}

// profilesLoadedMsg carries the profiles and their token metadata, read without touching
// the secret store.
type profilesLoadedMsg struct {
	profiles []vault.Profile
	states   map[string]vault.TokenState
	err      error
}

// tokenMsg is the outcome of a token request for the profile with ID id; req is the
// request number it answers, so a stale answer (after a cancel or a newer request) is
// dropped.
type tokenMsg struct {
	id  string
	req int
	res *vault.TokenResult
	err error
}

// keepsListCurrent says whether msg keeps the list's data current: it goes to the list
// even while another screen is open over it.
func keepsListCurrent(msg tea.Msg) bool {
	switch msg.(type) {
	case profilesLoadedMsg, tokenMsg, tokenReplacedMsg, tickMsg, filesPolledMsg, savedMsg:
		return true
	}
	return false
}

// listKeys are the list's keys, enabled and disabled by state (updateKeys) so the help
// bar shows only keys that work now. ? and q are the root's.
type listKeys struct {
	Up, Down, Filter, Fetch, Refresh, Cancel, Reveal, OneLine, Copy, Auto, Reload key.Binding
	Add, Clone, Edit, Delete, Inspect, Call, Rotate, CheckAll, Sort, CopyMenu     key.Binding
	// NeedToken are the keys that act on a token held in memory (v, c, i): pressed
	// before one is, they say how to get it instead of doing nothing. Never in the help.
	NeedToken key.Binding
	// Hide is what every other key does while a token is revealed: only in the help.
	Hide key.Binding
}

func newListKeys() listKeys {
	return listKeys{
		Up:        key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:      key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		Filter:    key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Fetch:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "token")),
		Refresh:   key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "refresh")),
		Cancel:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Reveal:    key.NewBinding(key.WithKeys("v"), key.WithHelp("v", "reveal")),
		OneLine:   key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "one line")),
		Copy:      key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "copy")),
		Auto:      key.NewBinding(key.WithKeys("A"), key.WithHelp("A", "auto-refresh")),
		Reload:    key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "reload")),
		Sort:      key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort")),
		CopyMenu:  key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "copy…")),
		NeedToken: key.NewBinding(key.WithKeys("v", "c", "i")),
		Add:       key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "add")),
		Edit:      key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "edit")),
		Clone:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "clone")),
		Delete:    key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "delete")),
		Inspect:   key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inspect")),
		Call:      key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "test call")),
		Rotate:    key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "rotate")),
		CheckAll:  key.NewBinding(key.WithKeys("C"), key.WithHelp("C", "check all")),
		Hide:      key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc/q", "hide")),
	}
}

// ShortHelp implements help.KeyMap: every key, most useful first; the help bar shows
// those that work now, as many as fit.
func (k listKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Fetch, k.Refresh, k.Cancel, k.Reveal, k.OneLine, k.Copy, k.Call, k.Filter, k.Add, k.Inspect, k.Edit, k.Delete,
		k.Clone, k.Rotate, k.CheckAll, k.Sort, k.Auto, k.Reload, k.Hide}
}

// all are every binding, to enable or disable together.
func (k *listKeys) all() []*key.Binding {
	return []*key.Binding{&k.Up, &k.Down, &k.Filter, &k.Fetch, &k.Refresh, &k.Cancel, &k.Reveal, &k.OneLine, &k.Copy, &k.Auto,
		&k.Reload, &k.Add, &k.Clone, &k.Edit, &k.Delete, &k.Inspect, &k.Call, &k.Rotate, &k.CheckAll, &k.Sort, &k.CopyMenu,
		&k.NeedToken, &k.Hide}
}

// filterKeys are the keys while the filter is typed.
var filterKeys = simpleKeys{
	key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
	key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel filter")),
}

// FullHelp implements help.KeyMap.
func (k listKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Up, k.Down, k.Filter, k.Sort, k.Reload},
		{k.Fetch, k.Refresh, k.Cancel, k.Auto},
		{k.Reveal, k.OneLine, k.Copy, k.CopyMenu, k.Inspect, k.Call},
		{k.Add, k.Clone, k.Edit, k.Delete, k.Rotate, k.CheckAll},
	}
}

func newListScreen(d Deps, frame *string) *listScreen {
	rows := &rowData{styles: d.Styles, now: d.Now, states: map[string]vault.TokenState{}, slots: map[string]*tokenSlot{},
		overdue: d.Broker.Vault.Overdue, age: d.Broker.Vault.SecretAge, spinner: *frame}
	l := list.New(nil, rowDelegate{rows: rows}, 0, 0)
	l.Title = "oat"
	l.SetShowHelp(false)
	l.SetShowStatusBar(false)
	l.SetShowPagination(false) // the scroll position says where the rows are (list_layout.go)
	l.SetShowTitle(false)
	l.DisableQuitKeybindings()
	l.Styles.NoItems = d.Styles.Subtle
	l.Filter = containsFilter
	l.FilterInput.Prompt = "filter: "
	setCursor(&l.FilterInput.Cursor, d.Styles)
	l.Styles.TitleBar = lipgloss.NewStyle() // one line: blank, or the filter while filtering
	return &listScreen{deps: d, st: d.Styles, keys: newListKeys(), list: l, rows: rows, frame: frame,
		states: map[string]vault.TokenState{}, slots: rows.slots, width: 80, height: 24}
}

// Init loads the profiles.
func (l *listScreen) Init() tea.Cmd {
	return tea.Batch(l.reload(), pollFilesCmd(l.deps.Broker.Vault))
}

// reload reads the profiles and their token states again.
func (l *listScreen) reload() tea.Cmd { return loadCmd(l.deps.Broker.Vault) }

// Capturing implements screen: the filter has focus.
func (l *listScreen) Capturing() bool { return l.list.SettingFilter() }

// Keys implements screen: the filter's keys while it is typed.
func (l *listScreen) Keys() help.KeyMap {
	if l.list.SettingFilter() {
		return filterKeys
	}
	return l.keys
}

func (l *listScreen) setSpinner(frame string) {
	*l.frame = frame
	l.rows.spinner = frame
}

func (l *listScreen) now() time.Time { return l.deps.Now() }

// Update implements screen.
func (l *listScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case profilesLoadedMsg:
		return l, l.onLoaded(msg)
	case tokenMsg:
		return l, l.onToken(msg)
	case tokenReplacedMsg:
		s := l.slots[msg.id]
		if s == nil && msg.res != nil {
			s = l.slot(msg.id) // a profile whose token the list never held (a rotation's)
		}
		if s != nil && !s.fetching {
			s.tok, s.has, s.fresh, s.err = vault.CachedToken{}, false, nil, nil
			if msg.res != nil {
				s.tok, s.has, s.fresh = msg.res.Token, true, msg.res.Fresh
			}
		}
		return l, l.reload()
	case tickMsg:
		return l, tea.Batch(l.autoRefreshDue(), pollFilesCmd(l.deps.Broker.Vault))
	case filesPolledMsg:
		return l, l.onFilesPolled(msg)
	case savedMsg:
		if msg.err == nil && msg.added {
			l.want = msg.profile.ID
		}
		return l, nil
	case tea.MouseMsg:
		return l, l.onMouse(msg)
	case tea.KeyMsg:
		return l.onKey(msg)
	}
	return l, l.updateList(msg)
}

func (l *listScreen) selected() (vault.Profile, bool) {
	it, ok := l.list.SelectedItem().(profileItem)
	if !ok {
		return vault.Profile{}, false
	}
	return it.p, true
}

func (l *listScreen) selectedName() string {
	if p, ok := l.selected(); ok {
		return p.Name
	}
	return ""
}

func (l *listScreen) slot(id string) *tokenSlot {
	s, ok := l.slots[id]
	if !ok {
		s = &tokenSlot{}
		l.slots[id] = s
	}
	return s
}

func (l *listScreen) cancelAll() {
	for _, s := range l.slots {
		if s.cancel != nil {
			s.cancel()
		}
	}
}

func (l *listScreen) onLoaded(msg profilesLoadedMsg) tea.Cmd {
	l.loaded = true
	if msg.err != nil {
		l.loadErr = msg.err
		return nil
	}
	l.loadErr = nil
	l.dropChanged(l.profiles, msg.profiles)
	l.profiles, l.states = msg.profiles, msg.states
	l.rows.states = msg.states
	l.reserveFor = 0 // the details' heights are measured again
	revealing := l.anyRevealed()
	cmd := l.setItems(msg.profiles)
	l.dropGone(msg.profiles)
	l.dropStale(msg.states)
	l.layout()
	if revealing && !l.anyRevealed() {
		// The revealed token went (deleted, or replaced from outside): the mouse, off
		// while it was shown, comes back.
		cmd = tea.Batch(cmd, tea.EnableMouseCellMotion)
	}
	return cmd
}

// anyRevealed says whether a token is shown in full (the mouse is off meanwhile).
func (l *listScreen) anyRevealed() bool {
	for _, s := range l.slots {
		if s.revealed {
			return true
		}
	}
	return false
}

// setItems shows ps, keeping the cursor on the profile the user has selected now (by ID,
// so a rename keeps it; keys may have moved it while the load ran), or on a profile just
// added; when the selected one is gone (deleted), on its neighbour.
func (l *listScreen) setItems(ps []vault.Profile) tea.Cmd {
	keep, row := l.want, l.list.Index()
	if p, ok := l.selected(); ok && keep == "" {
		keep = p.ID
	}
	l.want = ""
	ps = l.sorted(ps, l.order)
	items := make([]list.Item, len(ps))
	sel := min(row, len(ps)-1)
	for i, p := range ps {
		items[i] = profileItem{p: p}
		if p.ID == keep {
			sel = i
		}
	}
	cmd := l.list.SetItems(items)
	if l.list.FilterState() == list.Unfiltered && sel >= 0 {
		l.list.Select(sel)
	}
	return cmd
}

// selectID puts the cursor on the profile with ID id if it is visible, else on the
// first row when the cursor is past the last (the filter hid rows).
func (l *listScreen) selectID(id string) {
	visible := l.list.VisibleItems()
	for i, it := range visible {
		if it.(profileItem).p.ID == id {
			l.list.Select(i)
			return
		}
	}
	if l.list.Index() >= len(visible) {
		l.list.Select(0)
	}
}

// dropGone forgets the tokens of profiles that are no longer there.
func (l *listScreen) dropGone(ps []vault.Profile) {
	ids := map[string]bool{}
	for _, p := range ps {
		ids[p.ID] = true
	}
	for id, s := range l.slots {
		if !ids[id] {
			if s.cancel != nil {
				s.cancel()
			}
			delete(l.slots, id)
		}
	}
}

// dropChanged forgets a fetch error of a profile whose token request has changed
// since (its CA file fixed): the error was about the request as it was. The vault
// drops the one in the state file the same way.
func (l *listScreen) dropChanged(before, now []vault.Profile) {
	old := map[string]vault.Profile{}
	for _, p := range before {
		old[p.ID] = p
	}
	for _, p := range now {
		if s, q := l.slots[p.ID], old[p.ID]; s != nil && s.err != nil && !s.fetching && q.ID != "" && !vault.SameTokenRequest(q, p) {
			s.err = nil
		}
	}
}

// dropStale forgets a token held in memory once the state file has a newer one (the CLI
// or check-all fetched it): the list shows the newer one, and enter loads it.
func (l *listScreen) dropStale(states map[string]vault.TokenState) {
	for id, s := range l.slots {
		ts, ok := states[id]
		if !ok || s.fetching {
			continue
		}
		if s.has && ts.FetchedAt.After(s.tok.FetchedAt) {
			s.tok, s.has, s.fresh, s.revealed = vault.CachedToken{}, false, nil, false
		}
		if s.err != nil && ts.FetchedAt.After(s.errAt) {
			s.err = nil // a failure here, then a token fetched elsewhere: the token wins
		}
	}
}

// fetch starts a token request for p, cancelling any request still running for it.
func (l *listScreen) fetch(p vault.Profile, force bool) tea.Cmd {
	s := l.slot(p.ID)
	if s.cancel != nil {
		s.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.req++
	s.fetching, s.cancel, s.err = true, cancel, nil
	return tokenCmd(ctx, l.deps.Broker, p, force, s.req)
}

func (l *listScreen) onToken(msg tokenMsg) tea.Cmd {
	s := l.slot(msg.id)
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
			return status("request cancelled")
		}
		s.err, s.errAt = msg.err, l.deps.Now()
		return l.reload()
	}
	s.tok, s.has, s.fresh, s.err = msg.res.Token, true, msg.res.Fresh, nil
	var cmds []tea.Cmd
	if msg.res.CacheWarning != nil {
		cmds = append(cmds, statusBad("token not cached: "+msg.res.CacheWarning.Error()))
	} else if msg.res.FromCache {
		cmds = append(cmds, status(usingCached))
	} else {
		cmds = append(cmds, func() tea.Msg { return dropStatusMsg{text: usingCached} })
	}
	return tea.Batch(append(cmds, l.reload())...)
}

func isCancelled(err error) bool {
	var ne *oauth.NetworkError
	return errors.As(err, &ne) && ne.Kind == oauth.NetCancelled
}

// autoRefreshDue fetches again, with auto-refresh on, the tokens that entered their
// expiring phase (the last tenth of their life). The countdowns need nothing here: View
// computes them from the clock and the absolute expiry.
func (l *listScreen) autoRefreshDue() tea.Cmd {
	if !l.autoRefresh {
		return nil
	}
	now := l.now()
	var cmds []tea.Cmd
	for _, p := range l.profiles {
		s := l.slots[p.ID]
		if s == nil || !s.has || s.fetching || s.err != nil || s.tok.ExpiresAt.IsZero() {
			continue
		}
		if s.tok.ExpiresAt.Sub(now) <= vault.WarnWindow(vault.TokenState{FetchedAt: s.tok.FetchedAt, ExpiresAt: s.tok.ExpiresAt}) {
			cmds = append(cmds, l.fetch(p, true))
		}
	}
	return tea.Batch(cmds...)
}

func (l *listScreen) onMouse(msg tea.MouseMsg) tea.Cmd {
	if l.loadErr != nil {
		return nil // the rows are not shown
	}
	if msg.Action == tea.MouseActionPress && (msg.Button == tea.MouseButtonWheelUp || msg.Button == tea.MouseButtonWheelDown) && !l.overRows(msg.X, msg.Y) {
		return nil // the wheel over the details: they do not scroll, and the rows stay
	}
	switch msg.Button {
	case tea.MouseButtonWheelUp:
		l.list.CursorUp()
	case tea.MouseButtonWheelDown:
		l.list.CursorDown()
	case tea.MouseButtonLeft:
		if msg.Action == tea.MouseActionPress {
			l.clickRow(msg.X, msg.Y)
		}
	}
	return nil
}

// revealing says the selected token is shown in full: every key but c only hides it.
func (l *listScreen) revealing() bool {
	p, ok := l.selected()
	if !ok {
		return false
	}
	s := l.slots[p.ID]
	return s != nil && s.revealed
}

// onKey handles the list's keys: those that need no profile first, then those that act
// on the selected one; the rest move the list.
func (l *listScreen) onKey(msg tea.KeyMsg) (screen, tea.Cmd) {
	if l.list.SettingFilter() {
		if key.Matches(msg, l.list.KeyMap.AcceptWhileFiltering) && len(l.list.VisibleItems()) == 0 && l.list.FilterValue() != "" {
			// The list drops a filter that matches nothing: say so rather than silently,
			// and put the cursor back where it was (the list puts it on the first row,
			// where the next key would act on a profile nobody chose).
			what := l.list.FilterValue()
			cmd := l.updateList(msg)
			l.selectID(l.beforeFilter)
			return l, tea.Batch(cmd, status(fmt.Sprintf("no profile matches %q: the filter was cleared", what)))
		}
		return l, l.updateList(msg)
	}
	if key.Matches(msg, l.list.KeyMap.Filter) {
		if p, ok := l.selected(); ok {
			l.beforeFilter = p.ID
		}
	}
	l.updateKeys()
	if l.loadErr != nil {
		// The profiles file cannot be read and the list is not shown: no key may act on
		// the rows behind the message.
		if key.Matches(msg, l.keys.Reload) {
			return l, tea.Batch(l.reload(), status("reloaded"))
		}
		return l, nil
	}
	if p, ok := l.selected(); ok && !key.Matches(msg, l.keys.Reveal, l.keys.Copy) {
		if s := l.slots[p.ID]; s != nil && s.revealed && key.Matches(msg, l.keys.OneLine) {
			return l, showUnwrapped(p.Name, s, l.now())
		}
		if s := l.slots[p.ID]; s != nil && s.revealed {
			// Any other key leaves the revealed token and gives the mouse back. Moving
			// and fetching then act too; every other key (q and esc too) only hides:
			// a key pressed to dismiss it must not also delete or quit.
			s.revealed = false
			if !key.Matches(msg, l.keys.Up, l.keys.Down, l.keys.Fetch, l.keys.Refresh) {
				return l, tea.EnableMouseCellMotion
			}
			next, cmd := l.onKey(msg)
			return next, tea.Batch(tea.EnableMouseCellMotion, cmd)
		}
	}
	switch {
	case key.Matches(msg, l.keys.Cancel):
		return l, l.cancel()
	case key.Matches(msg, l.keys.Add):
		return newForm(l.deps, nil), nil
	case key.Matches(msg, l.keys.Reload):
		return l, tea.Batch(l.reload(), status("reloaded"))
	case key.Matches(msg, l.keys.Sort):
		l.order = (l.order + 1) % listOrders
		return l, l.setItems(l.profiles)
	}
	if p, ok := l.selected(); ok {
		if next, cmd, done := l.onProfileKey(msg, p); done {
			return next, cmd
		}
	}
	// The list's own page keys switch its pages, which the rows no longer follow
	// (list_rows.go): they move the cursor by a screen of rows, to the first or last
	// row at the ends.
	// (The list disables them when it has one page: their keys are matched here.)
	up, down := slices.Contains(l.list.KeyMap.PrevPage.Keys(), msg.String()), slices.Contains(l.list.KeyMap.NextPage.Keys(), msg.String())
	if by := map[bool]int{true: -1, false: 1}[up]; up || down {
		n := len(l.list.VisibleItems())
		l.list.Select(max(0, min(n-1, l.list.Index()+by*l.perPage())))
		l.layout()
		return l, nil
	}
	return l, l.updateList(msg)
}

// cancel stops the selected profile's request in flight, else clears the filter.
func (l *listScreen) cancel() tea.Cmd {
	if p, ok := l.selected(); ok {
		if s := l.slots[p.ID]; s != nil && s.fetching {
			s.cancel()
			s.fetching = false
			s.req++ // drop the answer if it still comes
			return status("request cancelled")
		}
	}
	if l.list.FilterState() != list.Unfiltered {
		return l.updateList(tea.KeyMsg{Type: tea.KeyEsc})
	}
	return nil
}

// onProfileKey handles the keys that act on the selected profile p.
func (l *listScreen) onProfileKey(msg tea.KeyMsg, p vault.Profile) (screen, tea.Cmd, bool) {
	s := l.slot(p.ID)
	switch {
	case !s.has && key.Matches(msg, l.keys.NeedToken):
		switch l.rows.status(p).Kind { // as the details say it
		case vault.TokenValid, vault.TokenExpiring, vault.TokenNoExpiry:
			return l, status("the cached token of " + p.Name + " is not loaded yet: enter loads the cached token first"), true
		}
		return l, status("no token held for " + p.Name + " yet: enter gets one"), true
	case key.Matches(msg, l.keys.Fetch):
		return l, l.fetch(p, false), true
	case key.Matches(msg, l.keys.Refresh):
		return l, l.fetch(p, true), true
	case key.Matches(msg, l.keys.Reveal):
		s.revealed = !s.revealed
		// The terminal selects text only while the app does not take the mouse.
		if s.revealed {
			return l, tea.DisableMouse, true
		}
		return l, tea.EnableMouseCellMotion, true
	case key.Matches(msg, l.keys.Copy):
		return l, l.copyToken(s), true
	case key.Matches(msg, l.keys.Auto):
		l.autoRefresh = !l.autoRefresh
		if l.autoRefresh {
			return l, status("auto-refresh on: tokens are fetched again before they expire"), true
		}
		return l, status("auto-refresh off"), true
	case key.Matches(msg, l.keys.CopyMenu):
		return newCopyMenu(l.deps, p, l.validToken(s)), nil, true
	case key.Matches(msg, l.keys.Edit):
		return newForm(l.deps, &p), nil, true
	case key.Matches(msg, l.keys.Clone):
		return newCloneForm(l.deps, p), nil, true
	case key.Matches(msg, l.keys.Delete):
		return newConfirmDelete(l.deps, p), nil, true
	case key.Matches(msg, l.keys.Inspect):
		return newInspect(l.deps, p, s.tok), nil, true
	case key.Matches(msg, l.keys.Call):
		return newCallScreen(l.deps, p), nil, true
	case key.Matches(msg, l.keys.Rotate):
		if p.AuthMethod == oauth.AuthPrivateKeyJWT {
			return newKeyRotate(l.deps, p), nil, true
		}
		if vault.CredentialOf(p.AuthMethod) == vault.CredCert {
			return newCertRotate(l.deps, p), nil, true
		}
		return newRotate(l.deps, p), nil, true
	case key.Matches(msg, l.keys.CheckAll):
		return newCheckAll(l.deps, l.profiles), nil, true
	}
	return l, nil, false
}

// validToken is the token held in s while it has not expired, else "".
func (l *listScreen) validToken(s *tokenSlot) string {
	if !s.has || (!s.tok.ExpiresAt.IsZero() && !l.now().Before(s.tok.ExpiresAt)) {
		return ""
	}
	return s.tok.AccessToken
}

// copyToken copies the token held in s, unless it has expired: a pasted expired token
// only earns a 401 somewhere else, so it says so and offers r instead.
func (l *listScreen) copyToken(s *tokenSlot) tea.Cmd {
	if exp := s.tok.ExpiresAt; !exp.IsZero() && !l.now().Before(exp) {
		return statusBad("not copied: the token expired " + oauth.ShortDuration(l.now().Sub(exp)) + " ago; r fetches a new one")
	}
	tok := s.tok.AccessToken
	return func() tea.Msg { return copyMsg{what: "token", value: tok} }
}

// settle brings the keys and the layout up to date after a message: the details below
// the list may have grown or shrunk (a token came, the cursor moved).
func (l *listScreen) settle() {
	l.updateKeys()
	l.layout()
}

// updateKeys enables the bindings that do something in the current state.
func (l *listScreen) updateKeys() {
	p, ok := l.selected()
	var s *tokenSlot
	if ok {
		s = l.slots[p.ID]
	}
	has := s != nil && s.has
	fetching := s != nil && s.fetching
	for _, b := range l.keys.all() {
		b.SetEnabled(true) // then each rule below turns off what does not work now
	}
	for _, b := range []*key.Binding{&l.keys.Fetch, &l.keys.Refresh, &l.keys.Edit, &l.keys.Clone, &l.keys.Delete, &l.keys.Call, &l.keys.Rotate, &l.keys.CopyMenu} {
		b.SetEnabled(ok)
	}
	l.keys.Reveal.SetEnabled(has)
	l.keys.OneLine.SetEnabled(has && s.revealed)
	l.keys.Reveal.SetHelp("v", "reveal")
	if has && s.revealed {
		l.keys.Reveal.SetHelp("v", "hide")
	}
	l.keys.Copy.SetEnabled(has)
	l.keys.Inspect.SetEnabled(has)
	l.keys.Cancel.SetEnabled(fetching || l.list.FilterState() != list.Unfiltered)
	l.keys.Cancel.SetHelp("esc", "cancel")
	if !fetching {
		l.keys.Cancel.SetHelp("esc", "clear filter")
	}
	l.keys.CheckAll.SetEnabled(len(l.profiles) > 0)
	l.keys.Filter.SetEnabled(len(l.profiles) > 0)
	l.keys.Sort.SetEnabled(len(l.profiles) > 1)
	l.keys.Up.SetEnabled(len(l.profiles) > 1)
	l.keys.Down.SetEnabled(len(l.profiles) > 1)
	revealed := has && s.revealed
	l.keys.Hide.SetEnabled(revealed)
	if revealed || l.loadErr != nil {
		// While revealed, the keys that act are these (and any other key only hides);
		// over an unreadable profiles file, only the reload (the list is not shown).
		keep := []*key.Binding{&l.keys.Reload}
		if revealed {
			keep = []*key.Binding{&l.keys.Reveal, &l.keys.OneLine, &l.keys.Copy, &l.keys.Fetch, &l.keys.Refresh, &l.keys.Up, &l.keys.Down, &l.keys.Hide}
		}
		for _, b := range l.keys.all() {
			b.SetEnabled(b.Enabled() && slices.Contains(keep, b))
		}
	}
}

// status says text in the status line; statusBad says it as a failure.
func status(text string) tea.Cmd { return func() tea.Msg { return statusMsg{text: text} } }

// usingCached is the status of a token served from the cache; a fresh one drops it.
const usingCached = "using the cached token (r fetches a new one)"

// dropStatusMsg clears the status line if it still says text.
type dropStatusMsg struct{ text string }

func statusBad(text string) tea.Cmd {
	return func() tea.Msg { return statusMsg{text: text, bad: true} }
}

// updateList passes msg to the list, then sizes it again: filtering changes how many
// rows there are to page through.
func (l *listScreen) updateList(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p, had := l.selected()
	before := l.list.FilterState()
	l.list, cmd = l.list.Update(msg)
	if _, still := l.selected(); had && (before != l.list.FilterState() || !still) {
		l.selectID(p.ID) // opening or clearing the filter keeps the row the user was on
	}
	l.layout()
	return cmd
}

// setSize sizes the list for a terminal of width × height.
func (l *listScreen) setSize(width, height int) {
	l.width, l.height = width, height
	l.layout()
}

// loadCmd reads the profiles and token metadata (never a secret).
func loadCmd(v *vault.Vault) tea.Cmd {
	return func() tea.Msg {
		ps, err := v.List()
		if err != nil {
			return profilesLoadedMsg{err: err}
		}
		st, err := v.TokenStates()
		return profilesLoadedMsg{profiles: ps, states: st, err: err}
	}
}

// tokenCmd gets a token for p (cached when valid, unless force).
func tokenCmd(ctx context.Context, b *vault.Broker, p vault.Profile, force bool, req int) tea.Cmd {
	return func() tea.Msg {
		res, err := b.Token(ctx, p.Name, force, 0)
		return tokenMsg{id: p.ID, req: req, res: res, err: err}
	}
}
