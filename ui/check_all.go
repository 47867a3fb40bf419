package ui

import (
	"context"
	"fmt"
	"slices"
	"sort"
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

// checkRowMsg is one profile's check result; more follow on ch.
type checkRowMsg struct {
	run int
	row vault.CheckRow
	ch  <-chan tea.Msg
}

// checkDoneMsg ends a check-all run.
type checkDoneMsg struct{ run int }

// checkAllScreen fetches a token (and runs the test call where set) for every profile at
// bounded concurrency; rows update as results arrive, failures sort first at the end.
type checkAllScreen struct {
	deps    Deps
	st      *theme.Styles
	names   []string
	rows    map[string]vault.CheckRow
	order   []string
	running bool
	// under says the table is too narrow for a DETAIL column (details go under their
	// rows); selEnd is then the last line of the selected row's detail.
	under  bool
	selEnd int
	// selLine is the selected row's line in the table, set as lines draws it.
	selLine int
	run     int
	cancel  context.CancelFunc
	vp      viewport.Model
	// askedLeave is set by a q while the check runs: a second q stops it and leaves.
	askedLeave bool
	// sel is the selected row (an index into order): its detail is shown in full.
	sel int
	// moved says the user chose a row during the run: the sort at the end keeps it.
	moved bool

	width, height int
}

// keyRerunAll runs check-all again once it has finished.
var keyRerunAll = key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again"))

// keyRowUp and keyRowDown select a row; keyPageU and keyPageD scroll.
var (
	keyRowUp   = key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/↓", "select"))
	keyRowDown = key.NewBinding(key.WithKeys("down", "j"))
	keyPageU   = key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup/pgdn", "scroll"))
	keyPageD   = key.NewBinding(key.WithKeys("pgdown"))
)

func newCheckAll(d Deps, ps []vault.Profile) *checkAllScreen {
	c := &checkAllScreen{deps: d, st: d.Styles, rows: map[string]vault.CheckRow{}, vp: viewport.New(80, 10)}
	for _, p := range ps {
		c.names = append(c.names, p.Name)
	}
	return c
}

// Init starts the run.
func (c *checkAllScreen) Init() tea.Cmd { return c.start() }

func (c *checkAllScreen) start() tea.Cmd {
	if c.cancel != nil {
		c.cancel()
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel, c.running, c.run, c.moved = cancel, true, c.run+1, false
	c.rows, c.order = map[string]vault.CheckRow{}, append([]string(nil), c.names...)
	run, b, names := c.run, c.deps.Broker, c.names
	return func() tea.Msg { // the checks start when Bubble Tea runs this, not in Update
		ch := make(chan tea.Msg, len(names)+1)
		go func() {
			b.Check(ctx, names, true, 4, func(r vault.CheckRow) { ch <- checkRowMsg{run: run, row: r, ch: ch} })
			ch <- checkDoneMsg{run: run}
			close(ch)
		}()
		return waitOn(ch)()
	}
}

// Capturing implements screen.
func (c *checkAllScreen) Capturing() bool { return false }

// InFlight implements inFlight: quitting while the check runs asks first.
func (c *checkAllScreen) InFlight() string {
	if c.running {
		return "the check of all profiles"
	}
	return ""
}

// Keys implements screen.
func (c *checkAllScreen) Keys() help.KeyMap {
	if c.running {
		return simpleKeys{keyRowUp, keyPageU, keyBack}
	}
	return simpleKeys{keyRerunAll, keyRowUp, keyPageU, keyBack}
}

// Update implements screen.
func (c *checkAllScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	defer c.layout()
	switch msg := msg.(type) {
	case sizeMsg:
		c.width, c.height = msg.width, msg.height
		return c, nil
	case checkRowMsg:
		if msg.run != c.run {
			return c, nil
		}
		c.rows[msg.row.Name] = msg.row
		return c, waitOn(msg.ch)
	case checkDoneMsg:
		if msg.run != c.run {
			return c, nil
		}
		c.running = false
		chosen := ""
		if c.sel < len(c.order) {
			chosen = c.order[c.sel]
		}
		sort.SliceStable(c.order, func(i, j int) bool {
			a, b := c.rows[c.order[i]], c.rows[c.order[j]]
			if a.OK != b.OK {
				return !a.OK
			}
			return c.order[i] < c.order[j]
		})
		// The row the user chose stays chosen; else the first (a failure, if any).
		c.sel = 0
		if c.moved {
			c.sel = max(0, slices.Index(c.order, chosen))
		}
		return c, nil
	case tea.KeyMsg:
		asked := c.askedLeave
		c.askedLeave = false
		switch {
		case key.Matches(msg, keyQ) && c.running && !asked:
			c.askedLeave = true // a stray q does not throw away a run half done
			return c, nil
		case key.Matches(msg, keyBack):
			if c.cancel != nil {
				c.cancel()
			}
			return closeScreen()
		case key.Matches(msg, keyRerunAll) && !c.running:
			return c, c.start()
		case key.Matches(msg, keyRowUp):
			c.sel, c.moved = max(0, c.sel-1), true
			return c, nil
		case key.Matches(msg, keyRowDown):
			c.sel, c.moved = min(len(c.order)-1, c.sel+1), true
			return c, nil
		}
	}
	var cmd tea.Cmd
	c.vp, cmd = c.vp.Update(msg)
	return c, cmd
}

// View implements screen.
func (c *checkAllScreen) View(int, int) string {
	return strings.Join(c.head(), "\n") + "\n" + c.vp.View()
}

// head is the title and the running summary.
func (c *checkAllScreen) head() []string {
	st := c.st
	ok, failed := 0, 0
	for _, r := range c.rows {
		if r.OK {
			ok++
		} else {
			failed++
		}
	}
	summary := fmt.Sprintf("%d of %d done · %d ok · %d failed", len(c.rows), len(c.names), ok, failed)
	sumStyle := st.Text
	if failed > 0 {
		sumStyle = st.Bad
	}
	if c.running {
		summary = "… " + summary
	}
	if c.askedLeave {
		summary += st.Warn.Render("  still running: q again stops it and goes back")
	}
	return []string{st.Title.Render("Check all profiles") + st.Subtle.Render("  token fetch and test call, 4 at a time"), sumStyle.Render(summary), ""}
}

// layout puts the rows into the viewport at the screen's size.
func (c *checkAllScreen) layout() {
	w := c.width - 2
	c.vp.Width, c.vp.Height = w, max(3, c.height-len(c.head()))
	lines := c.lines(w)
	if !c.under {
		lines = append(lines, c.selectedDetail(w)...)
	}
	c.vp.SetContent(strings.Join(lines, "\n"))
	// Keep the selected row in sight (line 0 is the table's head), and under a narrow
	// table its whole detail too, as much of it as the height allows.
	if row := c.selLine; row < c.vp.YOffset {
		c.vp.SetYOffset(row)
	} else if end := max(row, c.selEnd); end >= c.vp.YOffset+c.vp.Height {
		c.vp.SetYOffset(min(row, end-c.vp.Height+1))
	}
}

// selectedDetail is the selected row's detail in full, wrapped: the table cuts it.
func (c *checkAllScreen) selectedDetail(w int) []string {
	if c.sel >= len(c.order) {
		return nil
	}
	r, done := c.rows[c.order[c.sel]]
	if !done || r.Detail() == "" {
		return nil
	}
	body := lipgloss.NewStyle().Width(max(10, w)).Render(r.Detail())
	return append([]string{"", c.st.PaneHead.Render(oauth.OneLine(r.Name))}, strings.Split(body, "\n")...)
}

// lines are one row per profile: still checking, or its result.
func (c *checkAllScreen) lines(w int) []string {
	st := c.st
	nameW := 8
	for _, n := range c.names {
		nameW = max(nameW, min(24, len(n)))
	}
	// Too narrow for a DETAIL column worth reading: each detail goes on a line of its
	// own under its row.
	under := w-(2+nameW+2+9+9+9+8) < 24
	c.under, c.selEnd = under, 0
	head := "  " + pad("NAME", nameW) + "  " + pad("RESULT", 9) + pad("LATENCY", 9) + pad("LIFETIME", 9) + pad("SECRET", 8)
	if !under {
		head += "DETAIL"
	}
	lines := []string{st.Subtle.Render(head)}
	c.selLine = 1
	for i, n := range c.order {
		mark := "  "
		if i == c.sel {
			mark, c.selLine = "▸ ", len(lines)
		}
		r, done := c.rows[n]
		if !done {
			lines = append(lines, truncateLine(mark+st.Text.Render(pad(n, nameW))+"  "+c.deps.busy("checking"), w))
			continue
		}
		res, style := "✓ ok", st.OK
		if !r.OK {
			res, style = "✗ FAIL", st.Bad
		}
		ageStyle := st.Subtle
		if r.Overdue {
			ageStyle = st.Warn
		}
		detail, life, age := r.Detail(), r.LifetimeText(), r.AgeText()
		line := mark + st.Text.Render(pad(n, nameW)) + "  " + style.Render(pad(res, 9)) + st.Subtle.Render(pad(latencyText(r.Latency), 9)+pad(life, 9)) +
			ageStyle.Render(pad(age, 8))
		if !under {
			lines = append(lines, truncateLine(line+st.Subtle.Render(detail), w))
			continue
		}
		lines = append(lines, truncateLine(line, w))
		switch {
		case detail != "" && i == c.sel:
			// The selected row's detail in full: the others are cut to a line.
			lines = append(lines, wrapLines("    ", st.Subtle, detail, w, 12)...)
			c.selEnd = len(lines) - 1
		case detail != "":
			lines = append(lines, truncateLine("    "+st.Subtle.Render(detail), w))
		}
	}
	return lines
}
