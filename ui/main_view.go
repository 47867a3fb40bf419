package ui

import (
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/charmbracelet/bubbles/list"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/theme"
	"github.com/oatcli/oat/vault"
)

// wideAt is the width from which the details sit beside the list instead of below it.
const wideAt = 100

// profileItem is a list row.
type profileItem struct{ p vault.Profile }

// FilterValue implements list.Item: the filter matches name, environment, client ID,
// the token URL's host and the notes.
func (i profileItem) FilterValue() string {
	host := i.p.TokenURL
	if u, err := url.Parse(i.p.TokenURL); err == nil {
		host = u.Host
	}
	return strings.Join([]string{i.p.Name, i.p.Environment, i.p.ClientID, host, i.p.Notes}, "\n")
}

// containsFilter is the list's filter: every word of the term appears in the row's
// fields, case aside. Fuzzy matching over the notes would match almost anything.
func containsFilter(term string, targets []string) []list.Rank {
	words := strings.Fields(strings.ToLower(term))
	var ranks []list.Rank
	for i, t := range targets {
		t = strings.ToLower(t)
		if !slices.ContainsFunc(words, func(w string) bool { return !strings.Contains(t, w) }) {
			ranks = append(ranks, list.Rank{Index: i})
		}
	}
	return ranks
}

// rowData is what the row delegate needs to draw token states; shared with the model.
type rowData struct {
	styles  *theme.Styles
	now     func() time.Time
	states  map[string]vault.TokenState
	slots   map[string]*tokenSlot
	spinner string
	// nameW and envW are the name and environment columns (layout sets them).
	nameW, envW int
	overdue     func(vault.Profile) bool
	age         func(vault.Profile) time.Duration
}

// rowDelegate draws one profile per line.
type rowDelegate struct{ rows *rowData }

// Height implements list.ItemDelegate.
func (d rowDelegate) Height() int { return 1 }

// Spacing implements list.ItemDelegate.
func (d rowDelegate) Spacing() int { return 0 }

// Update implements list.ItemDelegate.
func (d rowDelegate) Update(tea.Msg, *list.Model) tea.Cmd { return nil }

// Render implements list.ItemDelegate.
func (d rowDelegate) Render(w io.Writer, m list.Model, index int, item list.Item) {
	it, ok := item.(profileItem)
	if !ok {
		return
	}
	st := d.rows.styles
	width := m.Width()
	if width < 20 {
		width = 20
	}
	state, stateStyle := d.rows.tokenCell(it.p)
	// The days right-aligned and the ⚠ after them, so the "d"s line up down the column.
	age := padLeft(fmt.Sprintf("%dd", vault.AgeDays(d.rows.age(it.p))), ageColW-2) + "  "
	ageStyle := st.RowDim
	if d.rows.overdue(it.p) {
		ageStyle = st.Warn
		age = strings.TrimSuffix(age, "  ") + " ⚠"
	}
	env := widthSafe(oauth.OneLine(it.p.Environment))
	if isProduction(env) {
		env = prodMark + env
	}
	stateW, ageW := stateColW, ageColW
	nameW, envW := max(6, d.rows.nameW), d.rows.envW
	selected := index == m.Index()
	prefix := "  "
	if selected {
		prefix = "▸ "
	}
	cells := []string{prefix + pad(widthSafe(oauth.OneLine(it.p.Name)), nameW)}
	if envW > 0 {
		cells = append(cells, pad(env, envW))
	}
	if selected {
		line := strings.Join(append(cells, pad(state, stateW), padLeft(age, ageW)), " ")
		fmt.Fprint(w, st.RowSelected.Render(pad(line, width)))
		return
	}
	line := st.Row.Render(cells[0])
	if envW > 0 {
		line += " " + st.RowDim.Render(cells[1])
	}
	line += " " + stateStyle.Render(pad(state, stateW)) + " " + ageStyle.Render(padLeft(age, ageW))
	fmt.Fprint(w, line)
}

// tokenCell is the token state of a row: a glyph and a word, so it reads without colour.
func (r *rowData) tokenCell(p vault.Profile) (string, lipgloss.Style) {
	st := r.styles
	if s := r.slots[p.ID]; s != nil {
		if s.fetching {
			return r.spinner + " fetching", st.Info
		}
		if s.err != nil {
			return "✗ error", st.Bad
		}
	}
	status := r.status(p)
	switch status.Kind {
	case vault.TokenValid:
		return "✓ " + oauth.ShortDuration(status.Left), st.OK
	case vault.TokenExpiring:
		return "! " + oauth.ShortDuration(status.Left), st.Warn
	case vault.TokenExpired:
		return "✗ expired", st.Bad
	case vault.TokenError:
		return "✗ error", st.Bad
	case vault.TokenRejected:
		return "✗ rejected", st.Bad
	case vault.TokenNoExpiry:
		return "? no expiry", st.Info
	}
	return "· none", st.RowDim
}

// status is the token state of p now: from memory when a token is held, else from the
// state file.
func (r *rowData) status(p vault.Profile) vault.TokenStatus {
	ts := r.states[p.ID]
	if s := r.slots[p.ID]; s != nil && s.has {
		ts = vault.TokenState{FetchedAt: s.tok.FetchedAt, ExpiresAt: s.tok.ExpiresAt}
		if ts.FetchedAt.IsZero() {
			ts.FetchedAt = time.Unix(1, 0)
		}
	}
	return ts.Status(r.now(), vault.WarnWindow(ts))
}

func pad(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := lipgloss.Width(s); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

func padLeft(s string, w int) string {
	s = ansi.Truncate(s, w, "…")
	if n := lipgloss.Width(s); n < w {
		s = strings.Repeat(" ", w-n) + s
	}
	return s
}

func truncateLine(s string, w int) string {
	if w < 1 {
		return ""
	}
	return ansi.Truncate(s, w, "…")
}

// truncateBlock cuts every line of s to w cells.
func truncateBlock(s string, w int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = truncateLine(l, w)
	}
	return strings.Join(lines, "\n")
}

// keepHyphens runs wrap over text with its hyphens kept from being break points: the
// wrapping of lipgloss and x/ansi breaks a line after any '-', which cut thumbprints
// (base64url: the one a user compares with the provider's) and URLs in two. A
// non-breaking hyphen (one cell wide, as '-') stands in while wrapping; a word longer
// than the line is still broken, at the edge.
func keepHyphens(text string, wrap func(string) string) string {
	return strings.ReplaceAll(wrap(strings.ReplaceAll(text, "-", "\u2011")), "\u2011", "-")
}

// wrapLines wraps text in style to width w behind indent (on every line), at most max
// lines (the last cut with …): errors and warnings are read in full, not cut at the edge.
func wrapLines(indent string, style lipgloss.Style, text string, w, maxLines int) []string {
	iw := ansi.StringWidth(indent)
	lines := strings.Split(keepHyphens(text, func(t string) string { return lipgloss.NewStyle().Width(max(10, w-iw)).Render(t) }), "\n")
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		lines[maxLines-1] = ansi.Truncate(strings.TrimRight(lines[maxLines-1], " "), max(1, w-iw-1), "") + "…"
	}
	for i, l := range lines {
		lines[i] = truncateLine(indent+style.Render(strings.TrimRight(l, " ")), w)
	}
	return lines
}

// header is the top line: the count, the store, demo, auto-refresh, the order and the
// filter applied; without withStore, the short form for a narrow terminal.
func (l *listScreen) header(withStore bool) string {
	st := l.st
	header := st.Title.Render("oat") + st.Subtle.Render("  "+plural(len(l.profiles), "profile"))
	if withStore {
		header += st.Subtle.Render(" · " + l.deps.Broker.Vault.Secrets.Name() + " store")
	}
	if l.deps.Demo {
		header += st.Warn.Render("  DEMO")
	}
	if l.autoRefresh {
		header += st.Info.Render("  ↻ auto-refresh")
	}
	if l.order != byFile {
		header += st.Subtle.Render("  by " + l.order.String())
	}
	if l.list.FilterState() == list.FilterApplied {
		f := fmt.Sprintf("  filter %q: %d of %d (esc clears)", l.list.FilterValue(), len(l.list.VisibleItems()), len(l.profiles))
		if !withStore { // narrow: the help bar says what esc does
			f = fmt.Sprintf("  %q %d/%d", l.list.FilterValue(), len(l.list.VisibleItems()), len(l.profiles))
		}
		header += st.Accent.Render(f)
	}
	return header
}

// View implements screen: the list with the selected profile's details and token
// panel. It is drawn at the size setSize gave (the whole terminal).
func (l *listScreen) View(int, int) string {
	st := l.st
	w := l.width - 2
	header := l.header(true)
	if ansi.StringWidth(header) > w {
		header = l.header(false) // the store's name and words give way to the order and the filter
	}
	header = truncateLine(header, w)
	if l.loadErr != nil {
		return lipgloss.JoinVertical(lipgloss.Left, header, "", st.Bad.Render("✗ cannot read the profiles"),
			truncateBlock(lipgloss.NewStyle().Width(w).Render(widthSafe(oauth.Sanitize(l.loadErr.Error()))), w), "",
			truncateBlock(st.Hint.Width(w).Render("Fix the file by hand (oat never overwrites a file it cannot read): the list comes back by itself once it reads again, or press ctrl+r."), w))
	}
	if l.loaded && len(l.profiles) == 0 {
		return lipgloss.JoinVertical(lipgloss.Left, header, "", l.emptyView(w))
	}
	p, ok := l.selected()
	if s := l.slots[p.ID]; ok && s != nil && s.has && s.revealed {
		return header + "\n" + l.revealView(p, s, w, l.height-3)
	}
	if !ok {
		return header + "\n" + l.rowsView()
	}
	bodyH := l.height - 3
	if l.width >= wideAt {
		return header + "\n" + l.wideBody(p, w, bodyH)
	}
	return header + "\n" + l.narrowBody(p, w, bodyH)
}

func (l *listScreen) emptyView(w int) string {
	st := l.st
	lines := []string{
		st.Text.Render("No profiles yet."),
		"",
		"  " + st.Key.Render("a") + st.Text.Render("             add a profile here"),
		"  " + st.Key.Render("oat import F") + st.Text.Render("  import a .env file (e.g. EarthDaily's EDS.env)"),
		"  " + st.Key.Render("oat demo") + st.Text.Render("      try everything on a local demo server"),
	}
	return truncateBlock(strings.Join(lines, "\n"), w)
}

// detailLines describe profile p (with at most notesRoom lines of its notes, wrapped and
// ended with … when cut) and its token in lines of width w.
func (l *listScreen) detailLines(p vault.Profile, w int, notesRoom int) []string {
	// Notes may run to megabytes (profiles.toml allows 16 MiB): only what can be shown
	// is escaped and wrapped, so a key is answered at once whatever their size.
	var notesCut bool
	p.Notes, notesCut = boundNotes(p.Notes, notesRoom, w)
	p = widthSafeProfile(displayProfile(p))
	st := l.st
	v := l.deps.Broker.Vault
	row := func(label, value string) string {
		return truncateLine(st.Label.Render(label)+value, w)
	}
	var lines []string
	title := st.PaneHead.Render(p.Name)
	title += st.Subtle.Render(envTag(p.Environment))
	lines = append(lines, truncateLine(title, w))
	auth := string(p.AuthMethod)
	if p.AuthMethod == oauth.AuthAuto && p.DetectedAuth != "" {
		auth += " → " + string(p.DetectedAuth)
	}
	if p.AuthMethod != oauth.AuthPost && p.BasicEncoding == oauth.BasicRaw {
		auth += " (raw Basic)"
	}
	lines = append(lines, row("client", st.Text.Render(p.ClientID)+st.Subtle.Render("  auth "+auth)))
	// Values a user needs whole (URLs, the test request, scopes) wrap to a second line
	// rather than being cut at the pane's edge; warnings get lines of their own.
	const labelW = 11 // the Label style's width
	wrapped := func(label string, style lipgloss.Style, value string) {
		ls := wrapLines(strings.Repeat(" ", labelW), style, value, w, 2)
		ls[0] = truncateLine(st.Label.Render(label)+strings.TrimPrefix(ls[0], strings.Repeat(" ", labelW)), w)
		lines = append(lines, ls...)
	}
	// x5t is a certificate's thumbprint on a line of its own, its name after it: where the
	// pane has room for one line only (60×20), the thumbprint is what shows.
	x5t := func(tp string) {
		if labelW+ansi.StringWidth("x5t#S256 "+tp) <= w {
			wrapped("", st.Subtle, "x5t#S256 "+tp)
			return
		}
		wrapped("", st.Subtle, tp+" (x5t#S256)")
	}
	// A URL is cut at the width, not at its hyphens (a word wrap would break it at
	// "openid-" and leave the rest of the line empty).
	wrappedURL := func(label, url string) {
		ls := strings.Split(ansi.Hardwrap(url, max(10, w-labelW), true), "\n")
		if len(ls) > 2 {
			ls = []string{ls[0], ansi.Truncate(ls[1], max(1, w-labelW-1), "") + "…"}
		}
		for i, l := range ls {
			lab := ""
			if i == 0 {
				lab = label
			}
			lines = append(lines, truncateLine(st.Label.Render(lab)+st.Text.Render(l), w))
		}
	}
	wrappedURL("token url", p.TokenURL)
	if p.APIBaseURL != "" {
		meth := p.TestRequest.Method
		if meth == "" {
			meth = "GET"
		}
		test := meth + " " + p.TestRequest.Path
		switch one := st.Label.Render("api") + st.Text.Render(p.APIBaseURL) + st.Subtle.Render("  test "+test); {
		case p.TestRequest.Path == "":
			wrappedURL("api", p.APIBaseURL)
		case ansi.StringWidth(one) <= w:
			lines = append(lines, one) // on one line where it fits
		default:
			wrappedURL("api", p.APIBaseURL)
			wrapped("test", st.Text, test)
		}
	}
	if len(p.Scopes) > 0 || p.Audience != "" || p.Resource != "" {
		sc := strings.Join(p.Scopes, " ")
		if p.Audience != "" {
			sc += "  aud " + p.Audience
		}
		if p.Resource != "" {
			sc += "  resource " + p.Resource
		}
		wrapped("scopes", st.Text, strings.TrimSpace(sc))
	}
	age := v.SecretAge(p)
	if vault.CredentialOf(p.AuthMethod) == vault.CredCert {
		// The certificate by subject, issuer, expiry and x5t#S256 (what a bound token's
		// cnf carries); its key is in the store and never shown.
		switch info, ok, err := p.CertInfo(); {
		case err != nil:
			wrapped("cert", st.Bad, "✗ unreadable: "+oauth.OneLine(err.Error()))
		case !ok:
			wrapped("cert", st.Bad, "✗ none: import one (oat edit "+p.Name+" --replace-secret)")
		default:
			lines = append(lines, row("cert", st.Text.Render(info.Subject)+st.Subtle.Render(fmt.Sprintf("  set %s ago", oauth.ShortDuration(age)))))
			if info.SelfSigned {
				wrapped("", st.Subtle, "self-signed")
			} else {
				wrapped("", st.Subtle, "issued by "+info.Issuer)
			}
			if exp, warn := info.Expiry(v.Now()); warn {
				wrapped("", st.Warn, "⚠ "+exp)
			} else {
				wrapped("", st.Subtle, exp)
			}
			x5t(info.Thumbprint)
		}
	} else if p.AuthMethod == oauth.AuthPrivateKeyJWT {
		// The key is known by its RFC 7638 thumbprint, as the provider shows it.
		set := fmt.Sprintf("  set %s ago", oauth.ShortDuration(age))
		if labelW+ansi.StringWidth(p.KeyAlg+" "+p.KeyThumbprint+set) <= w {
			lines = append(lines, row("key", st.Text.Render(p.KeyAlg+" "+p.KeyThumbprint)+st.Subtle.Render(set)))
		} else {
			// Narrow: the thumbprint whole on a line of its own (one compared with the
			// provider's must not be cut).
			lines = append(lines, row("key", st.Text.Render(p.KeyAlg)+st.Subtle.Render(set)))
			wrapped("", st.Text, p.KeyThumbprint)
		}
		if p.KeyID != "" {
			// The key's own kid, under which the provider registered it, signs.
			wrapped("", st.Subtle, "kid "+p.KeyID+" (its own; the thumbprint is oat's fingerprint)")
		}
		// The key's certificate, for providers that register certificates (Entra ID).
		switch info, ok, err := p.CertInfo(); {
		case err != nil:
			wrapped("cert", st.Bad, "✗ unreadable: "+oauth.OneLine(err.Error()))
		case ok:
			wrapped("cert", st.Text, info.Subject)
			if exp, warn := info.Expiry(v.Now()); warn {
				wrapped("", st.Warn, "⚠ "+exp)
			} else {
				wrapped("", st.Subtle, exp)
			}
			x5t(info.Thumbprint)
		}
	} else {
		lines = append(lines, row("secret", st.Text.Render("fp "+p.SecretFingerprint)+st.Subtle.Render(fmt.Sprintf("  set %s ago", oauth.ShortDuration(age)))))
	}
	if v.Overdue(p) {
		wrapped("", st.Warn, fmt.Sprintf("⚠ rotation overdue (policy %dd): R rotates it", vault.AgeDays(v.RotationPolicy)))
	}
	if p.PreviousKeyThumbprint != "" && p.AuthMethod == oauth.AuthPrivateKeyJWT {
		wrapped("", st.Warn, "old key "+vault.KidOf(p.PreviousKeyThumbprint, p.PreviousKeyID)+" kept aside: R checks it is revoked")
	} else if p.PreviousKeyThumbprint != "" && vault.CredentialOf(p.AuthMethod) == vault.CredCert {
		wrapped("", st.Warn, "old certificate "+p.PreviousKeyThumbprint+" kept aside: R checks it is rejected")
	} else if p.PreviousFingerprint != "" {
		wrapped("", st.Warn, "old secret "+p.PreviousFingerprint+" kept aside: R checks it is revoked")
	}
	if p.Notes != "" && notesRoom > 0 {
		lines = append(lines, l.notesLines(p.Notes, w, notesRoom, notesCut)...)
	}
	lines = append(lines, "")
	return append(lines, l.tokenPanel(p, w)...)
}

// notesLabelW is the width of the Label style, before the notes' text.
const notesLabelW = 11

// boundNotes is the beginning of notes that can fill at most room lines of width w (the
// label aside), and whether anything was left out: its first room lines, and no more
// bytes than room full lines could show. Zero-width characters may make the cut come a
// little early; it never comes late.
func boundNotes(notes string, room, w int) (string, bool) {
	if room <= 0 {
		return "", notes != ""
	}
	cut := false
	if n := room * (max(10, w-notesLabelW) + 1) * utf8.UTFMax; len(notes) > n {
		for n > 0 && !utf8.RuneStart(notes[n]) {
			n-- // not in the middle of a character
		}
		notes, cut = notes[:n], true
	}
	i, nl := 0, 0
	for ; i < len(notes); i++ {
		if notes[i] == '\n' {
			if nl++; nl == room {
				break
			}
		}
	}
	if i < len(notes) {
		notes, cut = notes[:i], true
	}
	return notes, cut
}

// notesLines are the notes wrapped to the width, under their label: at most room lines,
// the last ending in … when the notes go on (cut: they were bounded before).
func (l *listScreen) notesLines(notes string, w, room int, cut bool) []string {
	tw := max(10, w-notesLabelW)
	wrapped := strings.Split(lipgloss.NewStyle().Width(tw).Render(notes), "\n")
	if len(wrapped) > room {
		wrapped, cut = wrapped[:room], true
	}
	var out []string
	for i, line := range wrapped {
		label := l.st.Label.Render("")
		if i == 0 {
			label = l.st.Label.Render("notes")
		}
		line = strings.TrimRight(line, " ")
		if cut && i == len(wrapped)-1 {
			line = ansi.Truncate(line, tw-1, "") + "…"
		}
		out = append(out, truncateLine(label+l.st.Subtle.Render(line), w))
	}
	return out
}

// cachedTokenLines describe the token the state file knows of when the app holds none:
// by the same status as the row, so the two never disagree.
func (l *listScreen) cachedTokenLines(p vault.Profile, w int) []string {
	st := l.st
	ts := l.states[p.ID]
	wrap := func(style lipgloss.Style, text string) []string {
		return strings.Split(truncateBlock(style.Width(w).Render(text), w), "\n")
	}
	switch status := l.rows.status(p); status.Kind {
	case vault.TokenValid, vault.TokenExpiring:
		return []string{st.Text.Render("A cached token is valid for " + oauth.ShortDuration(status.Left) + "."), st.Subtle.Render("enter loads it · r fetches a new one")}
	case vault.TokenNoExpiry:
		return []string{st.Text.Render("A cached token has no stated expiry."), st.Subtle.Render("enter loads it · r fetches a new one")}
	case vault.TokenExpired:
		ago := oauth.ShortDuration(l.now().Sub(ts.ExpiresAt))
		return append(wrap(st.Bad, "✗ the cached token expired "+ago+" ago ("+ts.ExpiresAt.Local().Format("15:04:05")+")"), st.Subtle.Render("enter fetches a new one"))
	case vault.TokenError:
		return append(wrap(st.Bad, "✗ last fetch failed: "+oauth.Sanitize(ts.LastError)), st.Subtle.Render("enter tries again"))
	case vault.TokenRejected:
		return append(wrap(st.Bad, "✗ the API rejected the last token (HTTP 401) before its expiry"), st.Subtle.Render("enter fetches a new one"))
	}
	return []string{st.Text.Render("No token yet.") + st.Subtle.Render("  enter fetches one")}
}

// tokenPanel is the token of p: state, live countdown with a lifetime bar, the token
// (masked unless revealed), scopes, and the last error with its hint.
func (l *listScreen) tokenPanel(p vault.Profile, w int) []string {
	st := l.st
	s := l.slots[p.ID]
	head := st.PaneHead.Render("Token")
	var out []string
	switch {
	case s != nil && s.fetching:
		host := p.TokenURL
		if i := strings.Index(host, "://"); i >= 0 {
			host = host[i+3:]
		}
		host, _, _ = strings.Cut(host, "/")
		out = append(out, head, st.Info.Render(*l.frame+" requesting a token from "+host+"…")+st.Subtle.Render("  esc cancels"))
		return out
	case s != nil && s.err != nil:
		first := wrapLines("", st.Bad, "✗ "+oauth.Sanitize(vault.FirstLine(s.err)), w, 3) // a kid or thumbprint kept whole
		out = append(out, head)
		out = append(out, first[:min(3, len(first))]...)
		if more := errDetail(s.err); more != "" {
			for _, l := range strings.Split(keepHyphens(more, func(t string) string { return lipgloss.NewStyle().Width(w).Render(t) }), "\n") {
				out = append(out, truncateLine(st.ErrorLine.Render(l), w))
			}
		}
		if hint := vault.Hint(s.err); hint != "" {
			out = append(out, truncateBlock(st.Hint.Width(w).Render("hint: "+hint), w))
		}
		out = append(out, st.Subtle.Render("enter tries again · e edits the profile"))
		return out
	case s == nil || !s.has:
		return append([]string{head}, l.cachedTokenLines(p, w)...)
	}
	return l.heldTokenLines(s, w)
}

// heldTokenLines are the token held in memory: its state and countdown, the lifetime
// bar, the token (masked unless revealed), the scopes granted and where it came from.
func (l *listScreen) heldTokenLines(s *tokenSlot, w int) []string {
	st, now := l.st, l.now()
	head := st.PaneHead.Render("Token")
	var out []string
	tok := s.tok
	ts := vault.TokenState{FetchedAt: tok.FetchedAt, ExpiresAt: tok.ExpiresAt}
	status := ts.Status(now, vault.WarnWindow(ts))
	var line string
	switch status.Kind {
	case vault.TokenValid:
		line = st.OK.Render("✓ valid") + st.Text.Render(fmt.Sprintf(" · expires in %s (%s)", oauth.ShortDuration(status.Left), tok.ExpiresAt.Local().Format("15:04:05")))
	case vault.TokenExpiring:
		line = st.Warn.Render("! expiring") + st.Text.Render(fmt.Sprintf(" · %s left", oauth.ShortDuration(status.Left)))
		if !l.autoRefresh {
			line += st.Subtle.Render(" · r refreshes, A auto")
		}
	case vault.TokenExpired:
		line = st.Bad.Render("✗ expired") + st.Text.Render(fmt.Sprintf(" %s ago", oauth.ShortDuration(now.Sub(tok.ExpiresAt)))) + st.Subtle.Render(" · r fetches a new one")
	default:
		line = st.Info.Render("? no expiry given") + st.Subtle.Render(" by the server: oat cannot count down")
	}
	out = append(out, head+st.Subtle.Render("  "+tok.TokenType), truncateLine(line, w))
	if !tok.ExpiresAt.IsZero() {
		out = append(out, l.lifetimeBar(tok, status, w))
	}
	kind := "opaque"
	if _, err := oauth.DecodeJWT(tok.AccessToken); err == nil {
		kind = "JWT"
	}
	size, keys := fmt.Sprintf("  %d chars, %s", len(tok.AccessToken), kind), "  v reveal · c copy"
	const labelW = 11
	room := w - labelW - len(size) - ansi.StringWidth(keys)
	if room < 8 {
		keys, room = "", w-labelW-len(size) // the help bar names v and c too
	}
	mask := strings.Repeat("•", min(24, max(8, room)))
	out = append(out, truncateLine(st.Label.Render("token")+st.Subtle.Render(mask)+st.Text.Render(size)+st.Subtle.Render(keys), w))
	if len(tok.Scopes) > 0 {
		out = append(out, truncateLine(st.Label.Render("granted")+st.Text.Render(strings.Join(tok.Scopes, " ")), w))
	}
	from := "fetched " + oauth.Relative(tok.FetchedAt, now)
	if s.fresh != nil {
		how := string(s.fresh.Auth) + " auth" // "basic auth"; "tls_client_auth", "private_key_jwt" as they are
		if strings.Contains(how, "_") {
			how = string(s.fresh.Auth)
		}
		from += fmt.Sprintf(" in %s with %s", latencyText(s.fresh.Exchange.Latency), how)
	} else {
		from += " (from the cache)"
	}
	out = append(out, truncateLine(st.Label.Render("")+st.Subtle.Render(from), w))
	return out
}

// errDetail is the rest of an error's first paragraph (the second auto attempt).
func errDetail(err error) string {
	var ae *oauth.AutoError
	if e, ok := err.(*oauth.AutoError); ok {
		ae = e
		return "Basic: " + vault.FirstLine(ae.Basic) + "\nbody:  " + vault.FirstLine(ae.Post)
	}
	return ""
}

// lifetimeBar draws the remaining share of the token's lifetime. Drawn here rather than
// with bubbles/progress, which takes fixed hex colours where oat needs the theme's
// adaptive ones (and none at all under NO_COLOR, where the glyphs carry the meaning).
func (l *listScreen) lifetimeBar(tok vault.CachedToken, status vault.TokenStatus, w int) string {
	life := tok.ExpiresAt.Sub(tok.FetchedAt)
	frac := 0.0
	if life > 0 {
		frac = float64(tok.ExpiresAt.Sub(l.now())) / float64(life)
	}
	frac = max(0, min(1, frac))
	bw := w - 8
	if bw > 40 {
		bw = 40
	}
	if bw < 5 {
		bw = 5
	}
	full := int(frac*float64(bw) + 0.5)
	style := l.st.BarOK
	switch status.Kind {
	case vault.TokenExpiring:
		style = l.st.BarWarn
	case vault.TokenExpired:
		style = l.st.BarBad
	}
	return style.Render(strings.Repeat("█", full)) + l.st.BarEmpty.Render(strings.Repeat("░", bw-full)) + l.st.Subtle.Render(fmt.Sprintf(" %3d%%", int(frac*100+0.5)))
}

// wrapHard cuts s into lines of w cells (tokens have no spaces to wrap at).
func wrapHard(s string, w int) []string {
	if w < 10 {
		w = 10
	}
	var out []string
	for len(s) > w {
		out = append(out, s[:w])
		s = s[w:]
	}
	return append(out, s)
}

// plural is "1 profile", "2 profiles".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
