package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/creack/pty"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// Tests for the defects of issue 12, one or more each, named after the defect.

func burst(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func TestBurstKeysAreSplitOutsideAField(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.m.main.list.Select(0)
	h.send(burst("jjj"))
	if got := h.m.main.list.Index(); got != 3 {
		t.Fatalf("jjj in one event moved the cursor to %d, want 3", got)
	}
	// / opens the filter; the rest of the burst is typed into it, whole.
	h.send(burst("/dash"))
	if got := h.m.main.list.FilterValue(); got != "dash" {
		t.Fatalf("filter holds %q after /dash in one event", got)
	}
	h.press("enter")
	if n := len(h.m.main.list.VisibleItems()); n != 2 {
		t.Fatalf("%d visible after filtering for dash", n)
	}
	// Inside a field the burst is typed as it is: q does not quit.
	h.press("esc", "a", "tab", "tab")
	h.send(burst("jq?"))
	if h.quit {
		t.Fatal("a burst with q in a field quit the app")
	}
	if got := h.m.overlay.(*formScreen).value(fName); got != "jq?" {
		t.Fatalf("name field holds %q", got)
	}
}

// addOutside adds a profile as the CLI in another shell would.
func addOutside(t *testing.T, h *harness, name string) vault.Profile {
	t.Helper()
	p, err := h.v.Add(context.Background(), vault.Profile{Name: name, TokenURL: "https://example.com/oauth2/token", ClientID: "outside", AuthMethod: oauth.AuthPost}, "outside-secret")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestListReloadsWhatTheCLIChanged(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	addOutside(t, h, "aaa-outside")
	h.tick(time.Second)
	h.mustContain("9 profiles")
	if got := h.m.main.selectedName(); got != "eds" {
		t.Fatalf("the reload moved the cursor to %s", got)
	}
	// A token held in memory, expired; the CLI fetches a new one.
	h.selectProfile("dash-production")
	h.press("enter")
	h.tick(time.Minute)
	h.mustContain("✗ expired")
	if _, err := h.b.Token(context.Background(), "dash-production", true, 0); err != nil {
		t.Fatal(err)
	}
	h.tick(time.Second)
	h.mustNotContain("✗ expired")
	h.mustContain("✓ 44s")
}

func TestCtrlRReloads(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	addOutside(t, h, "zzz-outside")
	h.press("ctrl+r")
	h.mustContain("9 profiles")
}

func TestCursorAfterAddRenameDeleteAndFilterClear(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.srv.AddClient(oauthtest.Client{ID: "new-client", Secrets: []string{"n3w-S3cret+/="}})
	h.selectProfile("eds")
	h.press("a", "tab", "tab")
	h.typeText("mine")
	h.press("tab")
	h.typeText(h.srv.TokenURL(oauthtest.Generic))
	h.press("tab")
	h.typeText("new-client")
	h.press("tab", "tab") // past auth
	h.typeText("n3w-S3cret+/=")
	h.press("ctrl+s", "enter")
	if got := h.m.main.selectedName(); got != "mine" {
		t.Fatalf("after add the cursor is on %s, want the new profile", got)
	}
	h.selectProfile("dash-staging")
	h.press("e")
	h.m.overlay.(*formScreen).set(fName, "dash-stg")
	h.press("ctrl+s")
	if got := h.m.main.selectedName(); got != "dash-stg" {
		t.Fatalf("after rename the cursor is on %s", got)
	}
	h.selectProfile("dash-production")
	i := h.m.main.list.Index()
	next := h.m.main.list.Items()[i+1].(profileItem).p.Name
	h.press("d", "y")
	if got := h.m.main.selectedName(); got != next {
		t.Fatalf("after delete the cursor is on %s, want the neighbour %s", got, next)
	}
	h.press("/")
	h.typeText("dash")
	h.press("enter", "esc")
	if got := h.m.main.selectedName(); got != "dash-stg" {
		t.Fatalf("clearing the filter moved the cursor to %s", got)
	}
	h.press("/")
	h.typeText("opaq")
	want := h.m.main.selectedName()
	h.press("esc")
	if got := h.m.main.selectedName(); got != want || want != "opaque" {
		t.Fatalf("esc while typing the filter moved the cursor from %s to %s", want, got)
	}
}

func TestCopyOfAnExpiredTokenSaysSoAndCopiesNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("dash-production") // 45-second tokens
	h.press("enter")
	h.tick(time.Minute)
	h.press("c")
	if h.clip.get() != "" {
		t.Fatal("c copied an expired token")
	}
	h.mustContain("expired", "r fetches a new one")
	// The test call fetches a fresh token first (as enter does).
	before := h.srv.TokenRequests()
	h.press("x", "enter")
	if h.srv.TokenRequests() != before+1 {
		t.Fatal("the test call did not fetch a fresh token for the expired one")
	}
	h.mustNotContain("HTTP 401") // not "401": the server's random port may hold it
	h.mustContain("HTTP 200")
}

func TestQGoesBackOneLevelFromEverySubScreen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	h.press("enter")
	for _, open := range [][]string{{"i"}, {"x", "enter"}, {"C"}, {"d"}} {
		h.press(open...)
		if h.m.overlay == nil {
			t.Fatalf("%v opened nothing", open)
		}
		h.press("q")
		if h.quit || h.m.overlay != nil {
			t.Fatalf("q after %v: quit %v, screen still open %v", open, h.quit, h.m.overlay != nil)
		}
	}
	if _, err := h.v.Get("eds"); err != nil {
		t.Fatal("q on the delete confirmation deleted")
	}
	h.press("q")
	if !h.quit {
		t.Fatal("q on the list did not quit")
	}
}

func TestQuitAsksWhileCheckAllOrRotationRuns(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.press("C")
	c := h.m.overlay.(*checkAllScreen)
	c.running = true // as if the checks were still out
	h.press("q")
	if h.m.overlay == nil {
		t.Fatal("one q left a running check-all")
	}
	h.mustContain("q again stops it")
	h.press("q")
	if h.m.overlay != nil || h.quit {
		t.Fatal("the second q did not leave check-all (or quit the app)")
	}
	h.selectProfile("eds")
	h.press("R")
	h.m.overlay.(*rotateScreen).phase = rotRunning
	h.press("ctrl+c")
	if h.quit {
		t.Fatal("ctrl+c quit mid-rotation without asking")
	}
	h.mustContain("a rotation is in flight", "ctrl+c again quits")
	h.press("ctrl+c")
	if !h.quit {
		t.Fatal("the second ctrl+c did not quit")
	}
}

func TestLatencyUnderAMillisecondIsNotZero(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{300 * time.Microsecond: "<1ms", 0: "<1ms", 1500 * time.Microsecond: "2ms", 2 * time.Second: "2s"} {
		if got := latencyText(d); got != want {
			t.Errorf("latencyText(%v) = %q, want %q", d, got, want)
		}
	}
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("enter")
	h.m.main.slots[h.m.main.list.SelectedItem().(profileItem).p.ID].fresh.Exchange.Latency = 300 * time.Microsecond
	h.mustContain("in <1ms with")
	h.mustNotContain("in 0s with")
}

func TestHostile8BitCSILeavesNoResidue(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("hostile")
	h.press("enter")
	h.mustContain("invalid_client", "RED")
	h.mustNotContain("2J", "\ufffd")
}

// lockedStore is a store that must ask for a passphrase until it is opened.
type lockedStore struct {
	*vault.MemoryStore
	asked int
	open  bool
}

func (s *lockedStore) Exists() bool   { return true }
func (s *lockedStore) Unlocked() bool { return s.open }
func (s *lockedStore) Get(ctx context.Context, key string) (string, error) {
	if !s.open {
		s.asked++ // the prompt on the terminal
		s.open = true
	}
	return s.MemoryStore.Get(ctx, key)
}

func TestALockedStoreIsOpenedBeforeTheAppTakesTheTerminal(t *testing.T) {
	t.Parallel()
	_, h := newDeps(t, true)
	ls := &lockedStore{MemoryStore: vault.NewMemoryStore()}
	ps, _ := h.v.List()
	for _, p := range ps {
		s, _ := h.v.Secret(t.Context(), p)
		_ = ls.Set(t.Context(), p.ID+"/secret", s)
	}
	h.v.Secrets = ls
	if err := unlockFirst(t.Context(), h.v); err != nil || ls.asked != 1 {
		t.Fatalf("unlockFirst: err %v, asked %d times, want once", err, ls.asked)
	}
	if err := unlockFirst(t.Context(), h.v); err != nil || ls.asked != 1 {
		t.Fatalf("an open store was asked again (%d)", ls.asked)
	}
}

func TestLayoutUsesTheScreen(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true) // all nine demo profiles
	v := h.view()
	for _, it := range h.m.main.list.Items() {
		if !strings.Contains(v, it.(profileItem).p.Name) {
			t.Fatalf("80×24 does not show %s although there is room:\n%s", it.(profileItem).p.Name, v)
		}
	}
	h.mustNotContain("••")
	h.send(teaSize(60, 20))
	h.mustContain("1–5 of 9") // room kept for the tallest details (ecoinvent: a token URL on two lines, an API and its test request) and a line of notes
	h.mustNotContain("••")
	h.send(teaSize(120, 40))
	h.mustContain("ecoinvent       ◆ production") // names as wide as they need, the environment kept
	if n := strings.Count(h.view(), "│\n"); n > 16 {
		t.Fatalf("the details pane is %d lines tall for about 12 lines of content:\n%s", n, h.view())
	}
}

func TestNotesAreWrappedInFull(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{80, 24}, {120, 40}} {
		h := newHarness(t, sz[0], sz[1], true, "slow")
		h.selectProfile("ecoinvent")
		h.send(teaSize(sz[0], sz[1]))
		h.mustContain("notes", `secret-2".`)
	}
}

// helpLine is the last line of the frame.
func helpLine(h *harness) string {
	lines := strings.Split(h.view(), "\n")
	return lines[len(lines)-1]
}

func TestHelpBarShowsTheKeysThatWorkNowAndFits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	h.press("enter")
	if l := helpLine(h); !strings.Contains(l, "? help") || !strings.Contains(l, "q quit") || strings.Contains(l, "…") {
		t.Fatalf("the help bar at 80 columns cuts ? or q: %q", l)
	}
	h.press("v")
	if l := helpLine(h); !strings.Contains(l, "v hide") || strings.Contains(l, "v reveal") {
		t.Fatalf("revealed, the help bar says %q", l)
	}
	h.press("v")
	h.send(teaSize(200, 40))
	for _, k := range []string{"x test call", "i inspect", "e edit", "d delete", "R rotate", "C check all"} {
		if !strings.Contains(helpLine(h), k) {
			t.Fatalf("the help bar at 200 columns leaves out %q: %q", k, helpLine(h))
		}
	}
	h.press("/")
	if l := helpLine(h); !strings.Contains(l, "apply filter") || strings.Contains(l, "refresh") || strings.Contains(l, "add") || strings.Contains(l, "q quit") {
		t.Fatalf("typing the filter, the help bar says %q", l)
	}
	h.press("esc", "?")
	h.mustContain("auto-refresh", "reload", "rotate", "check all", "inspect", "test call")
}

func TestRevealShowsTheWholeTokenForTheMouse(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{60, 20}, {80, 24}, {120, 40}} {
		h := newHarness(t, sz[0], sz[1], true, "slow")
		h.selectProfile("dash-production")
		h.press("enter")
		tok := h.m.main.slots[h.m.main.list.SelectedItem().(profileItem).p.ID].tok.AccessToken
		_, cmd := h.m.main.Update(keyMsg("v"))
		if cmd == nil || cmd() != tea.DisableMouse() {
			t.Fatal("reveal leaves the mouse taken: the terminal cannot select")
		}
		var joined strings.Builder
		for _, line := range strings.Split(h.view(), "\n") {
			joined.WriteString(strings.TrimSpace(line))
		}
		if !strings.Contains(joined.String(), tok) {
			t.Fatalf("%dx%d: the revealed token is not all on screen:\n%s", sz[0], sz[1], h.view())
		}
		_, cmd = h.m.main.Update(keyMsg("v"))
		if cmd == nil || cmd() != tea.EnableMouseCellMotion() {
			t.Fatal("hiding the token does not give the mouse back to the app")
		}
	}
}

func TestAnotherKeyLeavesTheRevealedToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("dash-production")
	h.press("enter", "v", "j")
	h.selectProfile("dash-production")
	if h.m.main.slots[h.m.main.list.SelectedItem().(profileItem).p.ID].revealed {
		t.Fatal("moving away left the token revealed (and the mouse off)")
	}
	// A key pressed to dismiss the revealed token does only that: q does not quit, d
	// does not open the delete confirmation.
	for _, k := range []string{"q", "d", "esc"} {
		h.press("v", k)
		if h.quit || h.m.overlay != nil || h.m.main.revealing() {
			t.Fatalf("%s while revealed: quit %v, overlay %T, still revealed %v", k, h.quit, h.m.overlay, h.m.main.revealing())
		}
	}
}

func TestTextFieldsHaveACursorWithoutColour(t *testing.T) {
	t.Parallel()
	d, _ := newDeps(t, false) // the frames render for the plain-text profile, as under NO_COLOR
	d.Styles = theme.NewStyles(theme.Default, true)
	f := newForm(d, nil)
	f.Update(sizeMsg{width: 80, height: 22})
	f.Init()
	if v := f.View(80, 22); !strings.Contains(v, "\x1b[7m") {
		t.Fatalf("no reverse-video cursor in the form under NO_COLOR:\n%q", v)
	}
}

func TestNarrowHelpKeepsTheWayOut(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, true, "slow")
	h.press("a")
	if l := helpLine(h); !strings.Contains(l, "esc cancel") {
		t.Fatalf("the form's help at 60 columns lacks esc: %q", l)
	}
	h.press("esc", "enter", "i")
	if l := helpLine(h); !strings.Contains(l, "esc/q back") {
		t.Fatalf("the inspector's help at 60 columns lacks the way back: %q", l)
	}
}

func TestAClickSelectsARow(t *testing.T) {
	t.Parallel()
	for _, w := range []int{80, 120} {
		h := newHarness(t, w, 24, true, "slow")
		h.send(tea.MouseMsg{X: 5, Y: 4, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
		if got := h.m.main.selectedName(); got != "dash-staging" {
			t.Fatalf("%d columns: a click on the fourth row selected %s", w, got)
		}
		if !strings.Contains(strings.Split(h.view(), "\n")[4], "▸ dash-staging") {
			t.Fatalf("the fourth line is not the clicked row:\n%s", h.view())
		}
	}
}

func TestCheckAllRowsCanBeSelectedAndTheirErrorRead(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.press("C")
	h.mustContain("8 of 8 done")
	// Failures sort first: the first row is a failure, its error shown in full below.
	c := h.m.overlay.(*checkAllScreen)
	first := c.rows[c.order[0]]
	if first.OK {
		t.Fatal("no failure first")
	}
	h.mustContain("▸ " + first.Name)
	flat := strings.Join(strings.Fields(h.view()), " ")
	if !strings.Contains(flat, strings.Join(strings.Fields(first.Detail()), " ")) {
		t.Fatalf("the full error of the selected row is not shown:\n%s", h.view())
	}
	h.press("j")
	h.mustContain("▸ " + c.order[1])
}

func TestProductionIsMarkedAndNamedWhereItActs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.mustContain("◆ production", "staging")
	h.mustNotContain("◆ staging")
	h.selectProfile("eds") // production
	h.press("d")
	h.mustContain("Delete eds?  ◆ production")
	h.press("n", "R")
	h.mustContain("Rotate the secret of eds  ◆ production")
}

func TestSortCyclesAndKeepsTheSelection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	first := func() string { return h.m.main.list.Items()[0].(profileItem).p.Name }
	h.press("s")
	h.mustContain("by name")
	if first() != "cognito-api" || h.m.main.selectedName() != "eds" {
		t.Fatalf("by name: first %s, selected %s", first(), h.m.main.selectedName())
	}
	h.selectProfile("dash-production")
	h.press("enter", "s") // by time left: the one with a token goes before those with none
	if first := first(); first != "dash-production" {
		t.Fatalf("by time left, first is %s", first)
	}
	h.press("s", "s")
	h.mustContain("by environment")
	if !isProduction(h.m.main.list.Items()[0].(profileItem).p.Environment) {
		t.Fatal("by environment, production is not first")
	}
	h.press("s")
	h.mustNotContain("by ")
}

func TestFilterMatchesMoreThanTheName(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	for term, want := range map[string]int{"earthdaily": 1, "production": 4, "dash": 2, "dash-prod": 1, "127.0.0.1": 8} {
		h.press("/")
		h.typeText(term)
		h.press("enter")
		if n := len(h.m.main.list.VisibleItems()); n != want {
			t.Errorf("filter %q: %d rows, want %d", term, n, want)
		}
		h.press("esc")
	}
}

func TestCopyMenu(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("dash-production")
	h.press("enter")
	tok := h.m.main.slots[h.m.main.list.SelectedItem().(profileItem).p.ID].tok.AccessToken
	h.press("y")
	h.mustContain("Copy from dash-production", "Authorization header", "curl command", "client ID", "token URL")
	h.mustNotContain(tok[:20])
	h.press("u")
	if got := h.clip.get(); !strings.HasPrefix(got, "curl -X GET -H 'Authorization: Bearer "+tok+"'") || !strings.Contains(got, "/accounts/dash-production/orders") {
		t.Fatalf("curl command: %q", got)
	}
	h.mustContain("cleared in 45s")
	h.mustNotContain(tok[:20])
	h.press("y", "h")
	if h.clip.get() != "Authorization: Bearer "+tok {
		t.Fatalf("header: %q", h.clip.get())
	}
	h.tick(46 * time.Second)
	if h.clip.get() != "" {
		t.Fatal("the header was not cleared after 45 s")
	}
	h.press("y", "i")
	if h.clip.get() != "dash-production" || h.m.clip.active {
		t.Fatalf("client ID: %q (countdown %v)", h.clip.get(), h.m.clip.active)
	}
	h.press("y", "q")
	if h.m.overlay != nil {
		t.Fatal("q did not close the copy menu")
	}
}

// TestCheckAllKeepsTheChosenRowWhenTheRunEnds: rows are re-sorted (failures first) when
// the run ends; a row the user chose meanwhile stays chosen.
func TestCheckAllKeepsTheChosenRowWhenTheRunEnds(t *testing.T) {
	t.Parallel()
	d, _ := newDeps(t, false)
	c := newCheckAll(d, nil)
	c.names = []string{"a", "b", "c", "d"}
	c.order = append([]string(nil), c.names...)
	c.running, c.run = true, 1
	c.rows = map[string]vault.CheckRow{"a": {Name: "a", OK: true}, "b": {Name: "b", OK: true}, "c": {Name: "c", OK: true}, "d": {Name: "d"}}
	c.Update(sizeMsg{width: 80, height: 22})
	c.Update(keyMsg("j"))
	c.Update(keyMsg("j")) // c
	c.Update(checkDoneMsg{run: 1})
	if got := c.order[c.sel]; got != "c" {
		t.Fatalf("after the sort the cursor is on %s, want c (order %v)", got, c.order)
	}
	// Untouched, the first row (the failure) is chosen.
	c.running, c.run, c.moved, c.sel = true, 2, false, 0
	c.order = append([]string(nil), c.names...)
	c.Update(checkDoneMsg{run: 2})
	if got := c.order[c.sel]; got != "d" {
		t.Fatalf("untouched, the cursor is on %s, want the failure d", got)
	}
}

// TestSilentKeysSaySomething: keys that used to do nothing without a word now say why:
// v, c and i before a token is held, a filter that matches nothing, and q or esc close
// the full help before anything else.
func TestSilentKeysSaySomething(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	for _, k := range []string{"v", "c", "i"} {
		h.press(k)
		h.mustContain("no token held for eds yet: enter gets one")
		if h.m.overlay != nil {
			t.Fatalf("%s opened %T", k, h.m.overlay)
		}
	}
	h.press("/")
	h.typeText("zzz")
	h.press("enter")
	h.mustContain(`no profile matches "zzz"`)
	h.press("?")
	h.mustContain("check all")
	h.press("q")
	if h.quit {
		t.Fatal("q with the full help open quit the app")
	}
	h.mustNotContain("check all")
	h.press("?", "esc")
	h.mustNotContain("check all")
}

// rowsShown are the names of the profiles whose rows the frame shows, in order.
func rowsShown(h *harness) []string {
	var names []string
	v := h.view()
	for _, line := range strings.Split(v, "\n") {
		for _, it := range h.m.main.list.Items() {
			name := it.(profileItem).p.Name
			if t := strings.TrimLeft(line, " ▸"); strings.HasPrefix(t, name+" ") && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// The list scrolls by a row, not a page (bubbles' list jumps a page and loses the
// reader's place), and keeps its height while the cursor moves over profiles whose
// details are shorter.
func TestListScrollsByARowAndKeepsItsHeight(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, true)
	start := len(rowsShown(h))
	for range 8 { // every profile selected once: the height is the one it had at first
		h.press("j")
		if got := len(rowsShown(h)); got != start {
			t.Fatalf("the list went from %d to %d rows when the cursor met a profile with longer details", start, got)
		}
	}
	h.press("g")
	first := rowsShown(h)
	per := len(first)
	if per < 3 || per >= 9 {
		t.Fatalf("60×20 shows %d of 9 rows: %v", per, first)
	}
	h.mustContain(fmt.Sprintf("1–%d of 9", per))
	for range per {
		h.press("j")
	}
	h.mustContain(fmt.Sprintf("2–%d of 9", per+1))
	after := rowsShown(h)
	if len(after) != per || after[0] != first[1] || after[per-2] != first[per-1] {
		t.Fatalf("one row down past the end moved the rows from %v to %v: want them one row on", first, after)
	}
	h.press("k")
	if got := rowsShown(h); !slices.Equal(got, after) {
		t.Fatalf("one row up inside the window scrolled it: %v, then %v", after, got)
	}
	// A held token makes the details taller; once seen, the list keeps the height it
	// has beside it, whichever profile is selected.
	h.selectProfile("eds")
	h.press("enter")
	want := len(rowsShown(h))
	for _, keys := range []string{"j", "j", "k", "k", "k", "g", "G", "k"} {
		h.press(keys)
		if got := len(rowsShown(h)); got != want {
			t.Fatalf("after %q the list shows %d rows, before %d: it changes height with the details:\n%s", keys, got, want, h.view())
		}
	}
}

func wheel(x, y int, down bool) tea.MouseMsg {
	b := tea.MouseButtonWheelUp
	if down {
		b = tea.MouseButtonWheelDown
	}
	return tea.MouseMsg{X: x, Y: y, Button: b, Action: tea.MouseActionPress}
}

// The wheel scrolls what is under the pointer: the rows when over them, nothing over
// the details (they do not scroll), the body of a test call's answer only over it.
func TestWheelScrollsWhatIsUnderThePointer(t *testing.T) {
	t.Parallel()
	for _, sz := range [][2]int{{120, 40}, {80, 24}} {
		h := newHarness(t, sz[0], sz[1], true, "slow")
		overDetails := [2]int{110, 5}
		if sz[0] < wideAt {
			overDetails = [2]int{10, sz[1] - 6}
		}
		h.send(wheel(overDetails[0], overDetails[1], true))
		if got := h.m.main.selectedName(); got != "ecoinvent" {
			t.Fatalf("%v: the wheel over the details moved the rows to %s", sz, got)
		}
		h.send(wheel(5, 3, true))
		if got := h.m.main.selectedName(); got != "eds" {
			t.Fatalf("%v: the wheel over the rows selected %s, want the next row", sz, got)
		}
	}

	h := newHarness(t, 80, 16, true, "slow")
	h.selectProfile("ecoinvent")
	h.press("x")
	h.mustContain("✓ HTTP 200 OK")
	c := h.m.overlay.(*callScreen)
	h.send(wheel(5, 1, true))
	if c.vp.YOffset != 0 {
		t.Fatalf("the wheel over the request scrolled the body to %d", c.vp.YOffset)
	}
	h.send(wheel(5, 14, true))
	if c.vp.YOffset == 0 {
		t.Fatalf("the wheel over the body did not scroll it:\n%s", h.view())
	}
}

// Ordered by environment, the rows sit under a heading per environment (production
// marked by glyph and word); the headings are not rows: the cursor and a click skip
// them, and scrolling keeps a group's heading with its first row.
func TestRowsGroupedUnderEnvironmentHeadings(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.mustNotContain("── staging")
	h.press("s", "s", "s", "s")
	h.mustContain("by environment")
	lines := strings.Split(h.view(), "\n")
	var order []string
	for _, line := range lines[1:12] { // eight rows and three headings, left of the pane
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "▸ "))
		if fields[0] == "──" {
			fields = fields[1:]
		}
		order = append(order, fields[0])
	}
	want := []string{"◆", "ecoinvent", "eds", "dash-production", "staging", "cognito-api", "dash-staging", "rotated-away", "test", "hostile", "opaque"}
	if !slices.Equal(order, want) {
		t.Fatalf("grouped rows read %v, want %v:\n%s", order, want, h.view())
	}
	if !strings.Contains(lines[1], "── ◆ production") {
		t.Fatalf("the production heading lacks its mark: %q", lines[1])
	}
	// j from the last production row goes to the first staging row, over the heading.
	h.selectProfile("ecoinvent")
	h.press("g", "j", "j", "j")
	if got := h.m.main.selectedName(); got != "cognito-api" {
		t.Fatalf("three rows down from the top selected %s", got)
	}
	// A click on a heading selects nothing; on the row under it, that row.
	h.send(tea.MouseMsg{X: 5, Y: 5, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	if got := h.m.main.selectedName(); got != "cognito-api" {
		t.Fatalf("a click on the staging heading selected %s", got)
	}
	h.send(tea.MouseMsg{X: 5, Y: 10, Button: tea.MouseButtonLeft, Action: tea.MouseActionPress})
	if got := h.m.main.selectedName(); got != "hostile" {
		t.Fatalf("a click on the row under the test heading selected %s", got)
	}

	// Small: going back up to a group's first row shows its heading too.
	h.send(teaSize(60, 20))
	h.press("G")
	h.press("g")
	if !strings.Contains(strings.Split(h.view(), "\n")[1], "── ◆ production") {
		t.Fatalf("at the top the production heading is not shown:\n%s", h.view())
	}
	for range 8 {
		h.press("j")
	}
	h.mustContain("▸ opaque", "── test")
	// Filtered to one environment, there is nothing to group.
	h.press("/")
	h.typeText("staging")
	h.press("enter")
	h.mustNotContain("── staging")
}

// A token another oat fetched, which the app does not hold: the details say what the
// row says (before, an expired or expiry-less cached token read "No token yet.").
func TestRowAndDetailsAgreeOnACachedToken(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	for _, name := range []string{"dash-staging", "opaque"} {
		if _, err := h.b.Token(context.Background(), name, true, 0); err != nil {
			t.Fatal(err)
		}
	}
	h.press("ctrl+r")
	h.selectProfile("opaque")
	h.press("k", "j")
	h.mustContain("? no expiry", "A cached token has no stated expiry.")
	h.mustNotContain("No token yet")
	h.clk.Advance(10 * time.Minute)
	h.selectProfile("dash-staging")
	h.press("j", "k")
	h.mustContain("✗ expired", "✗ the cached token expired", "enter fetches a new one")
	h.mustNotContain("No token yet", "valid for")
}

// Errors are read in full at 60 and 80 columns: a form field's problem and a failure in
// the status line wrap instead of being cut at the edge.
func TestErrorsWrapInsteadOfBeingCut(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80} {
		h := newHarness(t, w, 30, false)
		h.press("a")
		f := h.m.overlay.(*formScreen)
		f.set(fName, "templated")
		f.set(fTokenURL, "https://sso.example.com/{client_id}/token")
		f.set(fClientID, "some-id")
		f.set(fSecret, "a-real-looking-S3cret")
		h.press("ctrl+s")
		h.mustContain("✗ token URL holds a {name}", "test_request.path")

		h.press("esc")
		long := "cannot save: the profiles file changed on disk and holds an entry oat cannot read: fix line 12 by hand, then press ctrl+r"
		h.send(statusMsg{text: long, bad: true})
		if got := strings.Join(strings.Fields(h.view()), " "); !strings.Contains(got, "then press ctrl+r") {
			t.Fatalf("%d columns: the status line cut the failure:\n%s", w, h.view())
		}
	}
}

// A revealed token selected with the mouse must not carry line breaks: o shows it on a
// page of its own as one line the terminal wraps, on an alternate screen (no
// scrollback), cleared when enter goes back.
func TestRevealedTokenOnOneLineForTheMouse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	h.press("enter", "v")
	h.mustContain("o: on one line to select with the mouse")
	if l := helpLine(h); !strings.Contains(l, "o one line") {
		t.Fatalf("the help bar does not offer the one-line page: %q", l)
	}
	l := h.m.main
	p, _ := l.selected()
	s := l.slots[p.ID]
	if _, cmd := l.onKey(keyMsg("o")); cmd == nil {
		t.Fatal("o on a revealed token does nothing")
	}
	if !s.revealed {
		t.Fatal("o hid the token instead of showing it on one line")
	}

	var out strings.Builder
	page := &unwrappedPage{title: "eds: token", token: s.tok.AccessToken}
	page.SetStdin(strings.NewReader("\n"))
	page.SetStdout(&out)
	if err := page.Run(); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.HasPrefix(got, "\x1b[?1049h") || !strings.HasSuffix(got, "\x1b[2J\x1b[?1049l") {
		t.Fatalf("the page is not on an alternate screen cleared on leaving: %q", got)
	}
	if !strings.Contains(got, "\r\n"+s.tok.AccessToken+"\r\n") {
		t.Fatalf("the token is not written whole on one line: %q", got)
	}
	// A hostile title is not written raw.
	out.Reset()
	page = &unwrappedPage{title: "evil\x1b]52;c;SGVsbG8=\x07", token: "t", in: strings.NewReader("\n"), out: &out}
	_ = page.Run()
	if strings.Contains(out.String(), "\x1b]52") {
		t.Fatalf("the title reached the terminal raw: %q", out.String())
	}
}

// pgup and pgdown move the cursor by a screen of rows, to the first or last row at the
// ends (bubbles' list switched pages, which the line-scrolled rows do not follow).
func TestPageKeysMoveByAScreenOfRows(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, true)
	h.press("G", "pgup")
	if got := h.m.main.list.Index(); got == 8 {
		t.Fatal("pgup from the last row did not move")
	}
	h.press("pgup")
	if got := h.m.main.selectedName(); got != "ecoinvent" {
		t.Fatalf("pgup near the top went to %s, want the first row", got)
	}
	h.press("pgdown", "pgdown")
	if got := h.m.main.selectedName(); got != "opaque" {
		t.Fatalf("pgdown near the end went to %s, want the last row", got)
	}
	h = newHarness(t, 160, 48, true) // every row fits: still moves to the ends
	h.press("G", "pgup")
	if got := h.m.main.selectedName(); got != "ecoinvent" {
		t.Fatalf("pgup with every row shown went to %s", got)
	}
}

// At 60 columns the header keeps an applied filter and the order: the store's name and
// the filter's words give way first.
func TestNarrowHeaderKeepsTheFilter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, true)
	h.press("s", "s", "s", "s", "/")
	h.typeText("staging")
	h.press("enter")
	head := strings.Split(h.view(), "\n")[0]
	if !strings.Contains(head, `"staging" 3/9`) || !strings.Contains(head, "by environment") || strings.Contains(head, "…") {
		t.Fatalf("the narrow header lost the filter or the order: %q", head)
	}
	h.send(teaSize(120, 40))
	if head := strings.Split(h.view(), "\n")[0]; !strings.Contains(head, "memory store") || !strings.Contains(head, `filter "staging": 3 of 9 (esc clears)`) {
		t.Fatalf("the wide header is not the full one: %q", head)
	}
}

// The masked token's line fits at 60 columns: the mask narrows, then the key hints go
// (the help bar has them); its size is never cut.
func TestTokenLineFitsNarrow(t *testing.T) {
	t.Parallel()
	for _, w := range []int{60, 80, 120} {
		h := newHarness(t, w, 30, true, "slow")
		h.selectProfile("eds")
		h.press("enter")
		for _, line := range strings.Split(h.view(), "\n") {
			if strings.Contains(line, "token  ") && strings.Contains(line, "•") {
				if strings.Contains(line, "…") || !strings.Contains(line, "chars, JWT") {
					t.Fatalf("%d columns: the token line is cut: %q", w, line)
				}
			}
		}
	}
}

// In a small window the token's state and what to do about it win over the profile's
// fields: a failed fetch keeps its "enter tries again" at 60×20.
func TestSmallWindowKeepsTheTokenPanel(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, true, "slow")
	h.selectProfile("rotated-away")
	h.press("enter")
	h.mustContain("✗ error", "enter tries again")
}

// TestSmallWindowFillsTheDetails: when a small window drops the details to the title and
// the token panel, the lines the panel does not need show the profile's fields instead
// of standing blank (60×12 left three empty lines under "No token yet").
func TestSmallWindowFillsTheDetails(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 12, true)
	h.selectProfile("eds")
	h.mustContain("No token yet", "client")
	lines := strings.Split(h.view(), "\n")
	if len(lines) != 12 {
		t.Fatalf("frame has %d lines, want 12:\n%s", len(lines), h.view())
	}
	for i, line := range lines[:len(lines)-2] { // the status line may be blank
		if strings.TrimSpace(line) == "" {
			t.Fatalf("line %d is blank in a small window:\n%s", i+1, h.view())
		}
	}
	h.press("enter")
	h.mustContain("✓ valid", "token ")
}

// TestRevealInASmallWindowSaysWhatIsMissing: at 40×10 the revealed token has more lines
// than the window; the view says how many are not shown instead of ending as if that
// were all of it, and fits the window.
func TestRevealInASmallWindowSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 40, 10, true)
	h.selectProfile("eds")
	h.press("enter", "v")
	h.mustContain("token revealed", "more lines", "o")
	if n := strings.Count(h.view(), "\n") + 1; n != 10 {
		t.Fatalf("frame has %d lines, want 10:\n%s", n, h.view())
	}
	h2 := newHarness(t, 120, 40, true)
	h2.selectProfile("eds")
	h2.press("enter", "v")
	h2.mustContain("token revealed")
	h2.mustNotContain("more lines")
}

// TestOneLinePageLeavesOnAKeyWithoutEcho: on a real terminal the one-line token page
// goes back on q (or esc, or enter) at once, and what is typed is not echoed onto the
// page (it ran in the terminal's line mode: "qq" appeared under the token and only enter
// went back).
func TestOneLinePageLeavesOnAKeyWithoutEcho(t *testing.T) {
	for _, k := range []string{"q", "\x1b", "\r"} {
		ptm, tty, err := pty.Open()
		if err != nil {
			t.Fatal(err)
		}
		_ = pty.Setsize(ptm, &pty.Winsize{Rows: 24, Cols: 80})
		page := &unwrappedPage{title: "eds: token", token: strings.Repeat("t", 100)}
		page.SetStdin(tty)
		page.SetStdout(tty)
		done := make(chan error, 1)
		go func() { done <- page.Run() }()
		var seen strings.Builder
		buf := make([]byte, 4096)
		for !strings.Contains(seen.String(), "goes back") {
			n, err := ptm.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			seen.Write(buf[:n])
		}
		seen.Reset()
		if _, err := ptm.Write([]byte("x" + k)); err != nil {
			t.Fatal(err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		_ = tty.Close()
		rest, _ := io.ReadAll(ptm)
		_ = ptm.Close()
		if strings.Contains(string(rest), "x") {
			t.Fatalf("key %q: typed text was echoed onto the page: %q", k, rest)
		}
	}
}

// TestTokenFetchedElsewhereReplacesAnError: a fetch that failed in the app, then a token
// fetched by the CLI (or check-all): the row and the details show the token, not the
// old error, once the list reloads.
func TestTokenFetchedElsewhereReplacesAnError(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("rotated-away")
	h.press("enter")
	h.mustContain("✗ error")
	p, err := h.v.Get("rotated-away")
	if err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(5 * time.Second)
	tok := vault.CachedToken{AccessToken: "elsewhere-token", TokenType: "Bearer", FetchedAt: h.clk.Now(), ExpiresAt: h.clk.Now().Add(time.Hour)}
	if err := h.v.SaveToken(context.Background(), p, tok); err != nil {
		t.Fatal(err)
	}
	h.press("ctrl+r")
	h.mustNotContain("✗ error", "both client authentication")
	h.mustContain("valid for")
}

// TestMouseComesBackWhenARevealedTokenGoes: the mouse is off while a token is revealed
// (for the terminal's selection); when the token goes from outside (replaced by a newer
// one, or the profile deleted), the mouse comes back without a key.
func TestMouseComesBackWhenARevealedTokenGoes(t *testing.T) {
	t.Parallel()
	for _, how := range []string{"replaced", "deleted"} {
		h := newHarness(t, 80, 24, true, "slow")
		h.selectProfile("eds")
		h.press("enter", "v")
		if h.mouse != "off" || !h.m.main.revealing() {
			t.Fatalf("revealed: mouse %q", h.mouse)
		}
		p, _ := h.v.Get("eds")
		h.clk.Advance(5 * time.Second)
		if how == "replaced" {
			tok := vault.CachedToken{AccessToken: "newer", TokenType: "Bearer", FetchedAt: h.clk.Now(), ExpiresAt: h.clk.Now().Add(time.Hour)}
			if err := h.v.SaveToken(context.Background(), p, tok); err != nil {
				t.Fatal(err)
			}
		} else if err := h.v.Remove(context.Background(), "eds"); err != nil {
			t.Fatal(err)
		}
		h.run(loadCmd(h.v))
		if h.m.main.revealing() || h.mouse != "cell motion" {
			t.Fatalf("%s: revealed %v, mouse %q", how, h.m.main.revealing(), h.mouse)
		}
	}
}

// TestRevealedKeysDoWhatTheHelpBarSays: while a token is revealed the help bar lists
// the keys that act (and that any other key hides); moving and fetching act at once, a
// key that could do harm only hides.
func TestRevealedKeysDoWhatTheHelpBarSays(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("enter", "v")
	bar := helpLine(h)
	for _, want := range []string{"v hide", "o one line", "c copy", "r refresh", "esc/q hide"} {
		if !strings.Contains(bar, want) {
			t.Fatalf("revealed, the help bar lacks %q: %q", want, bar)
		}
	}
	for _, not := range []string{"q quit", "x test call", "d delete", "a add"} {
		if strings.Contains(bar, not) {
			t.Fatalf("revealed, the help bar offers %q, which only hides: %q", not, bar)
		}
	}
	h.press("d") // only hides: no delete confirmation
	if h.m.main.revealing() || h.m.overlay != nil {
		t.Fatalf("d while revealed: revealed %v, overlay %T", h.m.main.revealing(), h.m.overlay)
	}
	h.press("v", "j") // hides and moves
	if p, _ := h.m.main.selected(); p.Name == "eds" || h.m.main.revealing() {
		t.Fatalf("j while revealed: on %s, revealed %v", p.Name, h.m.main.revealing())
	}
	h.press("k", "v")
	before := h.srv.TokenRequests()
	h.press("r") // hides and fetches a new token
	if h.m.main.revealing() || h.srv.TokenRequests() != before+1 {
		t.Fatalf("r while revealed: revealed %v, %d requests", h.m.main.revealing(), h.srv.TokenRequests()-before)
	}
}

// TestUnreadableProfilesFileLetsNoKeyActBehindIt: over "cannot read the profiles" the
// keys do nothing to the rows hidden behind the message (x opened a test call of the
// hidden selection, enter fetched for it, j moved it); the help bar offers the reload.
func TestUnreadableProfilesFileLetsNoKeyActBehindIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	path := filepath.Join(h.v.Dir, "profiles.toml")
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(append([]byte{}, good...), "\n[[profile\n"...), 0o600); err != nil {
		t.Fatal(err)
	}
	h.press("ctrl+r")
	h.mustContain("cannot read the profiles", "ctrl+r")
	before := h.srv.TokenRequests() + h.srv.APIRequests()
	h.press("x", "enter", "j", "j", "e", "R", "d")
	if h.m.overlay != nil || h.srv.TokenRequests()+h.srv.APIRequests() != before {
		t.Fatalf("keys acted behind the message: overlay %T, %d requests", h.m.overlay, h.srv.TokenRequests()-before)
	}
	if bar := helpLine(h); strings.Contains(bar, "test call") || strings.Contains(bar, "enter") || !strings.Contains(bar, "reload") {
		t.Fatalf("the help bar over an unreadable file: %q", bar)
	}
	if err := os.WriteFile(path, good, 0o600); err != nil {
		t.Fatal(err)
	}
	h.press("ctrl+r")
	if p, _ := h.m.main.selected(); p.Name != "eds" {
		t.Fatalf("after the fix the cursor is on %s, not eds", p.Name)
	}
}

// TestFilterWithoutMatchKeepsTheSelection: a filter that matches nothing says so while
// it is typed, and enter on it puts the cursor back where it was (it went to the first
// row, a production profile the user never chose).
func TestFilterWithoutMatchKeepsTheSelection(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("cognito-api")
	h.press("/")
	h.typeText("zzz")
	h.mustContain("no profile matches")
	h.press("enter")
	h.mustContain(`no profile matches "zzz"`)
	if p, _ := h.m.main.selected(); p.Name != "cognito-api" {
		t.Fatalf("after a filter without a match the cursor is on %s", p.Name)
	}
}

// TestDetailsShowLongValuesWhole: a token URL, an API URL and its test request are read
// whole in the details, on a second line where needed, not cut at the pane's edge (at
// 120×40 "test GET /stac/collecti…", at 80×24 "openid-connect/to…").
func TestDetailsShowLongValuesWhole(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.mustContain("GET /stac/collections")
	h.selectProfile("dash-staging")
	h.mustContain("GET /accounts/dash-staging/orders")
	h = newHarness(t, 80, 24, true, "slow")
	h.selectProfile("ecoinvent")
	p, _ := h.v.Get("ecoinvent")
	if flat := strings.ReplaceAll(strings.ReplaceAll(h.view(), "\n", ""), " ", ""); !strings.Contains(flat, p.TokenURL) {
		t.Fatalf("the token URL %s is not whole:\n%s", p.TokenURL, h.view())
	}
}

// TestRevealedExpiredTokenSaysSo: a revealed token that has expired says so on the
// reveal view (c already refused to copy it), and the one-line page's title too.
func TestRevealedExpiredTokenSaysSo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	h.press("enter", "v")
	h.mustNotContain("expired")
	h.clk.Advance(3 * time.Minute)
	h.tick(time.Second)
	h.mustContain("token revealed", "✗ expired")
	p, _ := h.m.main.selected()
	s := h.m.main.slots[p.ID]
	if page := unwrappedFor(p.Name, s, h.clk.Now()); !strings.Contains(page.title, "EXPIRED") {
		t.Fatalf("the one-line page of an expired token: %q", page.title)
	}
	// ctrl+c on the page quits, as everywhere else.
	var out strings.Builder
	page := &unwrappedPage{title: "x", token: "t", in: strings.NewReader("\x03"), out: &out}
	if err := page.Run(); !errors.Is(err, errInterrupted) {
		t.Fatalf("ctrl+c on the page: %v", err)
	}
}

// TestStatusIsReadInFull: the clipboard countdown and a message longer than the line
// beside it are both read in full (at 80 columns "token copied to the terminal (OSC…"
// was cut), the countdown first.
func TestStatusIsReadInFull(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.selectProfile("eds")
	h.press("enter", "c")
	msg := "token copied to the terminal (OSC 52) as well: your terminal or tmux may keep it in its own buffer"
	h.send(statusMsg{text: msg})
	v := h.view()
	flat := strings.Join(strings.Fields(v), " ")
	if !strings.Contains(flat, "on the clipboard, cleared in") || !strings.Contains(flat, strings.Join(strings.Fields(msg), " ")) {
		t.Fatalf("the status is cut:\n%s", v)
	}
	if n := strings.Count(v, "\n") + 1; n != 24 {
		t.Fatalf("frame of %d lines", n)
	}
}

// TestTwoQuickEscsAreTwoEscs: two escs sent together ("\x1b\x1b", tmux send-keys
// Escape Escape) reach Bubble Tea v1 as one alt+esc; the app takes them as two escs:
// the inspector closes and the list's filter is cleared.
func TestTwoQuickEscsAreTwoEscs(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 80, 24, true, "slow")
	h.press("/")
	h.typeText("ecoin")
	h.press("enter", "enter", "i")
	if _, ok := h.m.overlay.(*inspectScreen); !ok {
		t.Fatalf("the inspector did not open:\n%s", h.view())
	}
	h.send(tea.KeyMsg{Type: tea.KeyEsc, Alt: true})
	if h.m.overlay != nil {
		t.Fatalf("alt+esc left the inspector open:\n%s", h.view())
	}
	if f := h.m.main.list.FilterValue(); f != "" {
		t.Fatalf("the second esc did not clear the filter %q", f)
	}
}

// TestSortByTimeLeftPutsHeldTokensBeforeNone: ordered by time left, a failed or expired
// token comes first, then the tokens held (soonest to expire first), and the profiles
// holding no token last (the one valid token sorted below every "none").
func TestSortByTimeLeftPutsHeldTokensBeforeNone(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("opaque")
	h.press("enter")
	h.selectProfile("rotated-away")
	h.press("enter") // an error
	h.selectProfile("eds")
	h.press("enter")
	h.press("s", "s") // by name, then by time left
	h.mustContain("by time left")
	var names []string
	for _, it := range h.m.main.list.Items() {
		names = append(names, it.(profileItem).p.Name)
	}
	if len(names) < 4 || names[0] != "rotated-away" || names[1] != "eds" || names[2] != "opaque" {
		t.Fatalf("order by time left: %v", names)
	}
}

// TestFullHelpListsEveryKey: ? lists every key of the screen, also those that do nothing
// yet (v, c, i, o before a token is held were missing), so a key can be looked up.
func TestFullHelpListsEveryKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true, "slow")
	h.selectProfile("eds")
	h.press("?")
	h.mustContain("v reveal", "o one line", "c copy", "i inspect", "y copy…", "x test call", "R rotate", "C check all", "q quit")
}

// TestMainScreenTimeoutHintSpeaksToTheApp: a token request that times out in the app
// says how to give the app more time, not "raise --timeout" as if it were a command.
func TestMainScreenTimeoutHintSpeaksToTheApp(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 120, 40, true)
	h.b.Client.Timeout = 50 * time.Millisecond
	h.selectProfile("slow")
	h.press("enter")
	h.mustContain("timed out", "run oat with a longer --timeout")
	h.mustNotContain("raise --timeout")
}

// TestCheckAllSelectedErrorInFullAtSixtyByTwenty: at 60×20 the selected row's error is
// read in full under it (it was cut to a line, and the full one drawn below the table,
// out of sight).
func TestCheckAllSelectedErrorInFullAtSixtyByTwenty(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 60, 20, true, "slow")
	h.press("C")
	h.mustContain("8 of 8 done")
	c := h.m.overlay.(*checkAllScreen)
	r := c.rows[c.order[c.sel]]
	if r.OK {
		t.Fatal("no failure first")
	}
	flat := strings.Join(strings.Fields(h.view()), " ")
	if !strings.Contains(flat, strings.Join(strings.Fields(r.Detail()), " ")) {
		t.Fatalf("the selected row's full error is not on screen:\n%s", h.view())
	}
	h.press("down")
	r = c.rows[c.order[c.sel]]
	flat = strings.Join(strings.Fields(h.view()), " ")
	if !strings.Contains(flat, strings.Join(strings.Fields(r.Detail()), " ")) {
		t.Fatalf("the next row's full error is not on screen:\n%s", h.view())
	}
}

// TestClipboardCountdownKeepsItsSecondsAt40: at 40 columns the countdown lost its
// seconds ("cleared in …"); a shorter wording keeps them.
func TestClipboardCountdownKeepsItsSecondsAt40(t *testing.T) {
	t.Parallel()
	h := newHarness(t, 40, 10, true, "slow")
	h.selectProfile("eds")
	h.press("enter", "c")
	h.mustContain("45s")
}
