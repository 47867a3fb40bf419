package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/mattn/go-runewidth"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// startWith builds the app on deps prepared by prepare (files written before the first
// load), sized w × hgt.
func startWith(t *testing.T, w, hgt int, prepare func(h *harness)) *harness {
	t.Helper()
	d, h := newDeps(t, true)
	prepare(h)
	h.m = New(d)
	h.width = w
	h.run(h.m.Init())
	h.send(tea.WindowSizeMsg{Width: w, Height: hgt})
	return h
}

// A broken state.toml (a cache) does not lock the app out: the profiles list, the file is
// set aside, the status line names it once, and a token can still be fetched.
func TestBrokenStateFileDoesNotLockOutTheApp(t *testing.T) {
	h := startWith(t, 120, 40, func(h *harness) {
		if err := os.WriteFile(h.v.State.Path, []byte("schema = 1\n[token\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	h.mustNotContain("cannot read the profiles")
	h.mustContain("eds", "state.toml cannot be read", "set aside as state.toml.broken-")
	if m, _ := filepath.Glob(h.v.State.Path + ".broken-*"); len(m) != 1 {
		t.Fatalf("set aside: %v", m)
	}
	h.selectProfile("eds")
	h.press("enter")
	h.mustNotContain("cannot read the profiles")
	if st, err := h.v.TokenStates(); err != nil || len(st) == 0 {
		t.Fatalf("no token state after a fetch: %v %v", st, err)
	}
	if n := strings.Count(h.view(), "cannot be read"); n != 1 {
		t.Fatalf("said %d times:\n%s", n, h.view())
	}
}

// setNotes gives the named profile notes and reloads the list.
func (h *harness) setNotes(name, notes string) {
	h.t.Helper()
	p, err := h.v.Get(name)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.v.EditByID(context.Background(), p.ID, func(p *vault.Profile) error { p.Notes = notes; return nil }); err != nil {
		h.t.Fatal(err)
	}
	h.run(loadCmd(h.v))
}

// Notes of any size are bounded before they are escaped and wrapped: at most the lines
// that can be shown, and no more bytes than those lines can hold.
func TestNotesAreBoundedBeforeWrapping(t *testing.T) {
	huge := strings.Repeat("lorem ipsum dolor sit amet ", 130_000) // 3.5 MB on one line
	for _, c := range []struct {
		notes     string
		room, w   int
		wantCut   bool
		wantBytes int
	}{
		{huge, 30, 120, true, 30 * (120 - notesLabelW + 1) * 4},
		{huge, 5, 40, true, 5 * (40 - notesLabelW + 1) * 4},
		{strings.Repeat("line\n", 200_000), 10, 80, true, 10 * len("line\n")},
		{strings.Repeat("é", 1_000_000), 3, 60, true, 3 * (60 - notesLabelW + 1) * 4},
		{"short notes\nsecond line", 5, 80, false, len("short notes\nsecond line")},
	} {
		got, cut := boundNotes(c.notes, c.room, c.w)
		if cut != c.wantCut || len(got) > c.wantBytes || !utf8.ValidString(got) || !strings.HasPrefix(c.notes, got) {
			t.Errorf("room %d w %d: %d bytes (bound %d), cut %v, valid %v", c.room, c.w, len(got), c.wantBytes, cut, utf8.ValidString(got))
		}
	}
	if got, cut := boundNotes(huge, 0, 80); got != "" || !cut {
		t.Error("no room: no notes")
	}
}

// notesShown are the lines of the frame from the notes label on, up to the blank line
// before the token panel.
func notesShown(t *testing.T, frame string) []string {
	t.Helper()
	var out []string
	in := false
	for _, line := range strings.Split(frame, "\n") {
		if strings.Contains(line, "notes  ") || strings.Contains(line, "notes      ") {
			in = true
		}
		if in {
			if strings.TrimSpace(strings.Trim(line, "│ ")) == "" || strings.Contains(line, "Token") {
				break
			}
			out = append(out, line)
		}
	}
	return out
}

// Notes too long for the pane show as many lines as fit, the last ending in …; they do
// not vanish, at any size, with or without a token held, whatever their size.
func TestLongNotesShowWhatFitsThenEllipsis(t *testing.T) {
	words := strings.Repeat("the quick brown fox jumps over the lazy dog ", 17) // ~150 words
	huge := strings.Repeat("lorem ipsum dolor sit amet ", 130_000)
	for _, c := range []struct {
		name  string
		w, h  int
		notes string
		token bool
	}{
		{"120x40-150words", 120, 40, words, true},
		{"120x40-huge", 120, 40, huge, true},
		{"80x24-token", 80, 24, words, true},
		{"80x24-huge", 80, 24, huge, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, c.w, c.h, true)
			h.setNotes("eds", c.notes)
			h.selectProfile("eds")
			h.press("j", "k")
			if c.token {
				h.press("enter")
				h.mustContain("valid")
			}
			frame := h.view()
			got := notesShown(t, frame)
			if len(got) == 0 {
				t.Fatalf("the notes are gone:\n%s", frame)
			}
			last := strings.TrimRight(strings.TrimRight(got[len(got)-1], "│ "), " ")
			if !strings.HasSuffix(last, "…") && (c.notes == huge || !strings.HasSuffix(last, "lazy dog")) {
				t.Fatalf("the notes are cut without …:\n%s", frame)
			}
			for _, line := range strings.Split(frame, "\n") {
				if lipgloss.Width(line) > c.w {
					t.Fatalf("a line wider than %d:\n%s", c.w, frame)
				}
			}
		})
	}
}

// BenchmarkKeyWithHugeNotes is a key (down, then up) and a frame with 1,000 profiles
// while the selected one holds 3.5 MB of notes.
func BenchmarkKeyWithHugeNotes(b *testing.B) {
	v := vault.Open(b.TempDir(), vault.NewMemoryStore())
	now := time.Now().UTC().Truncate(time.Second)
	err := v.Profiles.Update(context.Background(), func(ps *[]vault.Profile) error {
		for i := 0; i < 1000; i++ {
			p := vault.Profile{ID: vault.NewID(), Name: fmt.Sprintf("profile-%04d", i), TokenURL: "https://sso.example.com/token",
				ClientID: "c", AuthMethod: oauth.AuthAuto, CreatedAt: now, SecretFingerprint: "0badc0de", SecretSetAt: now}
			if i < 2 {
				p.Notes = strings.Repeat("lorem ipsum dolor sit amet ", 130_000)
			}
			*ps = append(*ps, p)
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	broker := &vault.Broker{Vault: v, Client: oauth.NewClient(), Margin: vault.DefaultMargin}
	var m tea.Model = New(Deps{Broker: broker, Clipboard: &fakeClipboard{}, Styles: theme.NewStyles(theme.Default, false),
		After: func(time.Duration, func(time.Time) tea.Msg) tea.Cmd { return nil }})
	m, _ = m.Update(loadCmd(v)())
	for _, size := range []tea.WindowSizeMsg{{Width: 80, Height: 24}, {Width: 160, Height: 48}} {
		b.Run(fmt.Sprintf("%dx%d", size.Width, size.Height), func(b *testing.B) {
			m, _ = m.Update(size)
			for b.Loop() {
				m, _ = m.Update(keyMsg("j"))
				_ = m.View()
				m, _ = m.Update(keyMsg("k"))
				_ = m.View()
			}
		})
	}
}

// conservativeWidth is the widest a terminal may draw line: each character on its own
// (tmux draws 👍🏽 as 👍 then 🏽, four cells), or as grapheme clusters, whichever is wider.
func conservativeWidth(line string) int {
	plain := ansi.Strip(line)
	n := 0
	for _, r := range plain {
		n += runewidth.RuneWidth(r)
	}
	return max(n, ansi.StringWidth(plain))
}

// Characters whose width terminals disagree on (emoji modifiers, joiners, variation
// selectors) and invisible ones (zero-width space, BOM) are shown escaped, so no frame
// line is wider than the terminal by any measure and nothing hides.
func TestWidthAmbiguousTextIsEscaped(t *testing.T) {
	notes := strings.Repeat("great 👍🏽 family 👨\u200d👩\u200d👧 heart ❤️ hidden\u200bspace \ufeffbom ", 12)
	for _, sz := range [][2]int{{40, 10}, {80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			h := newHarness(t, sz[0], sz[1], true)
			h.setNotes("eds", notes)
			p, _ := h.v.Get("eds")
			if _, err := h.v.EditByID(context.Background(), p.ID, func(p *vault.Profile) error { p.Environment = "prod👍🏾"; return nil }); err != nil {
				t.Fatal(err)
			}
			h.run(loadCmd(h.v))
			h.selectProfile("eds")
			h.press("j", "k")
			if sz[1] >= 24 {
				h.mustContain(`👍\U0001f3fd`, `\u200b`)
			}
			for _, press := range []string{"", "enter"} {
				if press != "" {
					h.press(press)
				}
				frame := h.view()
				for _, line := range strings.Split(frame, "\n") {
					if n := conservativeWidth(line); n > sz[0] {
						t.Fatalf("a line %d cells wide at %d columns: %q\n%s", n, sz[0], line, frame)
					}
				}
				for _, hidden := range []string{"\u200b", "\ufeff", "\u200d", "\U0001f3fd", "\ufe0f"} {
					if strings.Contains(frame, hidden) {
						t.Fatalf("%U reaches the terminal raw:\n%s", []rune(hidden)[0], frame)
					}
				}
			}
		})
	}
}

func TestWidthSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"é ü 日本":         "é ü 日本",
		"👍🏽":             `👍\U0001f3fd`,
		"a\u200db":       `a\u200db`,
		"❤️":             `❤\ufe0f`,
		"x\u200by\ufeff": `x\u200by\ufeff`,
	} {
		if got := widthSafe(in); got != want {
			t.Errorf("widthSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// The full help fits any width: its groups flow into the columns that fit, and j/k and
// pgup/pgdn scroll it with its position shown, so every key of the list (and the global
// ones) can be read whole, even at 40×10.
func TestFullHelpScrollsAndFitsSmallSizes(t *testing.T) {
	for _, sz := range [][2]int{{40, 10}, {60, 20}, {80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			h := newHarness(t, sz[0], sz[1], true)
			want := map[string]bool{}
			for _, g := range h.m.keyMap().FullHelp() {
				for _, b := range g {
					if b.Enabled() && b.Help().Key != "" {
						want[b.Help().Key+" "+b.Help().Desc] = false
					}
				}
			}
			for _, k := range []string{"q quit", "a add", "d delete", "C check all"} {
				if _, ok := want[k]; !ok {
					t.Fatalf("the full help has no %q: %v", k, want)
				}
			}
			h.press("?")
			seen := map[string]bool{}
			var frames []string
			for i := 0; i < 40; i++ {
				frame := h.view()
				frames = append(frames, frame)
				lines := strings.Split(frame, "\n")
				if len(lines) != sz[1] {
					t.Fatalf("%d lines at %d rows:\n%s", len(lines), sz[1], frame)
				}
				for _, line := range lines {
					if lipgloss.Width(line) > sz[0] {
						t.Fatalf("a line wider than %d:\n%s", sz[0], frame)
					}
					for k := range want {
						key, desc, _ := strings.Cut(k, " ")
						// The key, spaces, the whole description, then the column's end.
						if regexp.MustCompile(`(^|\s)` + regexp.QuoteMeta(key) + ` +` + regexp.QuoteMeta(desc) + `(\s|$)`).MatchString(line) {
							seen[k] = true
						}
					}
				}
				if frame == frames[max(0, len(frames)-2)] && i > 0 {
					break // the end
				}
				h.press("j")
			}
			for k := range want {
				if !seen[k] {
					t.Errorf("%q cannot be read in the full help; frames:\n%s", k, strings.Join(frames, "\n----\n"))
				}
			}
			if len(frames) > 2 && !regexp.MustCompile(`1–\d+ of \d+`).MatchString(frames[0]) {
				t.Errorf("a help that scrolls shows no position:\n%s", frames[0])
			}
			if sz[1] <= 10 && len(frames) < 3 {
				t.Errorf("j does not scroll the help at %dx%d", sz[0], sz[1])
			}
			h.press("pgup", "pgup", "pgup", "pgup")
			if h.view() != frames[0] {
				t.Errorf("pgup does not go back to the top:\n%s", h.view())
			}
			h.press("esc")
			h.mustContain("eds")
			h.mustNotContain("closes the help")
		})
	}
}

// A failure in the status line (up to three lines) does not hide lines of the full help:
// the page is as tall as what is left, and its position counts what is shown.
func TestFullHelpLeavesRoomForALongStatus(t *testing.T) {
	h := newHarness(t, 40, 10, true)
	h.send(statusMsg{text: strings.Repeat("something went wrong here ", 5), bad: true})
	h.press("?")
	frame := h.view()
	if !strings.Contains(frame, "1–6 of") || !strings.Contains(frame, "ctrl+r") {
		t.Fatalf("want lines 1–6 shown, with ctrl+r reload:\n%s", frame)
	}
}
