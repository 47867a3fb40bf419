package ui

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/ui/cli"
	"github.com/oatcli/oat/vault"
)

// TestMain fixes what would make frames differ between machines: no colours (golden
// files stay readable and stable) and UTC times.
func TestMain(m *testing.M) {
	lipgloss.SetColorProfile(termenv.Ascii)
	time.Local = time.UTC
	os.Exit(m.Run())
}

// clock is a settable clock shared by the app, the vault, the client and the server.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// fakeClipboard records copies and clears.
type fakeClipboard struct {
	mu      sync.Mutex
	content string
	copies  int
	clears  int
	// clearIfs are the values ClearIf was called with, in order.
	clearIfs []string
}

func (f *fakeClipboard) Copy(s string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.content = s
	f.copies++
	return "test clipboard", nil
}

func (f *fakeClipboard) ClearIf(s string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clearIfs = append(f.clearIfs, s)
	if f.content != s {
		return false, nil
	}
	f.content = ""
	f.clears++
	return true, nil
}

func (f *fakeClipboard) clearIfCalls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.clearIfs...)
}

func (f *fakeClipboard) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.content
}

// harness runs the root model synchronously: every command runs to its message at
// once, except the timers (After is a no-op; tests send tickMsg themselves) and the
// spinner's animation.
type harness struct {
	t     *testing.T
	srv   *oauthtest.Server
	v     *vault.Vault
	b     *vault.Broker
	clk   *clock
	clip  *fakeClipboard
	m     Model
	quit  bool
	demo  []cli.DemoProfile
	width int
	// mouse is the mouse mode the app last asked for: "cell motion" or "off" ("" when
	// it never asked).
	mouse string
}

func newDeps(t *testing.T, seed bool, drop ...string) (Deps, *harness) {
	t.Helper()
	srv, err := oauthtest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	srv.SetClock(clk.Now)
	v := vault.Open(t.TempDir(), vault.NewMemoryStore())
	v.Now = clk.Now
	c := oauth.NewClient()
	c.Now = clk.Now
	h := &harness{t: t, srv: srv, v: v, clk: clk, clip: &fakeClipboard{}}
	h.b = &vault.Broker{Vault: v, Client: c, Margin: vault.DefaultMargin}
	if seed {
		if h.demo, err = cli.SeedDemo(context.Background(), srv, v); err != nil {
			t.Fatal(err)
		}
		for _, name := range drop {
			if err := v.Remove(context.Background(), name); err != nil {
				t.Fatal(err)
			}
		}
	}
	d := Deps{Broker: h.b, Clipboard: h.clip, Styles: theme.NewStyles(theme.Default, false), Now: clk.Now,
		After: func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }, Demo: seed}
	return d, h
}

func newHarness(t *testing.T, w, hgt int, seed bool, drop ...string) *harness {
	t.Helper()
	d, h := newDeps(t, seed, drop...)
	h.m = New(d)
	h.width = w
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: w, Height: hgt})
	return h
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	nm, cmd := h.m.Update(msg)
	h.m = nm.(Model)
	h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for n := 0; len(queue) > 0; n++ {
		if n > 10000 {
			h.t.Fatal("commands do not settle")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var out tea.Msg
		select {
		case out = <-done:
		case <-time.After(5 * time.Second): // a safety net, not a timing assertion
			h.t.Fatal("a command blocked (a timer or an input that never answers)")
		}
		switch msg := out.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			h.quit = true

		case spinner.TickMsg:
			nm, _ := h.m.Update(msg) // animate once, do not schedule the next frame
			h.m = nm.(Model)
		default:
			switch fmt.Sprintf("%T", msg) { // Bubble Tea's own messages, unexported
			case "tea.enableMouseCellMotionMsg":
				h.mouse = "cell motion"
			case "tea.disableMouseMsg":
				h.mouse = "off"
			}
			nm, next := h.m.Update(msg)
			h.m = nm.(Model)
			queue = append(queue, next)
		}
	}
}

// press sends keys: names like "enter", "esc", "ctrl+s", or text typed rune by rune.
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyMsg(k string) tea.KeyMsg {
	named := map[string]tea.KeyType{"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "ctrl+s": tea.KeyCtrlS, "ctrl+r": tea.KeyCtrlR, "ctrl+c": tea.KeyCtrlC, "backspace": tea.KeyBackspace,
		"pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp}
	if t, ok := named[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// tick advances the clock and delivers the once-a-second tick.
func (h *harness) tick(d time.Duration) {
	h.t.Helper()
	h.clk.Advance(d)
	h.send(tickMsg{gen: h.m.tickGen, at: h.clk.Now()})
}

func (h *harness) view() string { return h.m.View() }

// selectProfile moves the cursor to the named profile.
func (h *harness) selectProfile(name string) {
	h.t.Helper()
	for i, it := range h.m.main.list.Items() {
		if it.(profileItem).p.Name == name {
			h.m.main.list.Select(i)
			return
		}
	}
	h.t.Fatalf("no profile %s", name)
}

func (h *harness) mustContain(parts ...string) {
	h.t.Helper()
	v := h.view()
	for _, p := range parts {
		if !strings.Contains(v, p) {
			h.t.Fatalf("view lacks %q:\n%s", p, v)
		}
	}
}

func (h *harness) mustNotContain(parts ...string) {
	h.t.Helper()
	v := h.view()
	for _, p := range parts {
		if strings.Contains(v, p) {
			h.t.Fatalf("view contains %q:\n%s", p, v)
		}
	}
}

var (
	portRE    = regexp.MustCompile(`127\.0\.0\.1:\d+`)
	latencyRE = regexp.MustCompile(`(?:<|\b)\d+(\.\d+)?(ms|µs|ns|s)\b( with| ·)`)
	kidRE     = regexp.MustCompile(`k-[0-9a-f]{12}`)
	checkRE   = regexp.MustCompile(`(✓ ok|✗ FAIL)\s+\S+\s+`)
	httpInRE  = regexp.MustCompile(`(HTTP \d+ in )\S+`)
	jtiRE     = regexp.MustCompile(`(jti\s+)[0-9a-f]{16}`)
	// latePadRE is the padding after a normalized latency inside a pane: a latency of
	// another width pads the line differently.
	latePadRE = regexp.MustCompile(`(Nms[^│\n]*?) +│`)
)

// normalize removes what differs between runs: the server's port, latencies, key ids.
func normalize(s string) string {
	s = portRE.ReplaceAllString(s, "127.0.0.1:PORT")
	s = latencyRE.ReplaceAllString(s, "Nms$3")
	s = latePadRE.ReplaceAllString(s, "$1 │")
	s = checkRE.ReplaceAllString(s, "$1 LATENCY ")
	s = httpInRE.ReplaceAllString(s, "${1}Nms")
	s = jtiRE.ReplaceAllString(s, "${1}JTI")
	s = kidRE.ReplaceAllString(s, "k-KID")
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " ")
	}
	return strings.Join(lines, "\n")
}

func teaSize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// reloadSelect loads the profiles again and selects the named one.
func (h *harness) reloadSelect(name string) {
	h.t.Helper()
	h.run(loadCmd(h.v))
	h.selectProfile(name)
}

// editForm opens the edit form on the named profile.
func (h *harness) editForm(name string) *formScreen {
	h.t.Helper()
	h.selectProfile(name)
	h.press("e")
	f, ok := h.m.overlay.(*formScreen)
	if !ok {
		h.t.Fatalf("the edit form did not open:\n%s", h.view())
	}
	return f
}

// editOutside changes the named profile as another oat would, behind the app's back.
func (h *harness) editOutside(name string, change func(p *vault.Profile)) {
	h.t.Helper()
	if _, err := h.v.Edit(context.Background(), name, func(p *vault.Profile) error { change(p); return nil }); err != nil {
		h.t.Fatal(err)
	}
}
