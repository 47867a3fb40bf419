package cli

import (
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// TestPaperCuts: the CLI's small mistakes found by trying it as a new user would.
func TestPaperCuts(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"tokn", "eds"}, ExitUsage, "did you mean token?"},
		{[]string{"help", "lss"}, ExitUsage, "did you mean ls?"},
		{[]string{"token", "esd"}, ExitUsage, "did you mean eds?"},
		{[]string{"add"}, ExitUsage, "oat add --help"},
		{[]string{"rotate", "eds", "--drop-old"}, ExitFailure, "no previous secret is kept"},
		{[]string{"rotate", "eds", "--check-old"}, ExitFailure, "no previous secret is kept"},
		{[]string{"edit", "eds", "--auth", "bsic"}, ExitUsage, "auth_method"},
	}
	for _, c := range cases {
		r := e.run("", c.args...)
		if r.code != c.code || !strings.Contains(r.err, c.want) {
			t.Errorf("oat %v: exit %d (want %d)\n%s", c.args, r.code, c.code, r.err)
		}
	}
	if r := e.run("", "--version"); r.code != 0 || !strings.HasPrefix(r.out, "oat ") {
		t.Errorf("--version: %d %q %q", r.code, r.out, r.err)
	}
	if r := e.run("", "help", "token"); r.code != 0 || !strings.Contains(r.out, "Print a valid access token") {
		t.Errorf("help token: %d", r.code)
	}
}

// TestTablesAreColouredOnATerminalOnly: ls colours its state words on a terminal, and
// never when piped or under NO_COLOR; the glyphs and words are there either way.
func TestTablesAreColouredOnATerminalOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	e.run("", "token", "eds")
	if r := e.run("", "ls"); strings.Contains(r.out, "\x1b[") || !strings.Contains(r.out, "✓ valid") {
		t.Fatalf("piped ls has colour or lacks the word:\n%q", r.out)
	}
	e.tty = true
	if r := e.run("", "ls"); !strings.Contains(r.out, "\x1b[32m✓ valid") {
		t.Fatalf("ls on a terminal is not coloured:\n%q", r.out)
	}
	e.vars["NO_COLOR"] = "1"
	if r := e.run("", "ls"); strings.Contains(r.out, "\x1b[") {
		t.Fatalf("NO_COLOR ls has colour:\n%q", r.out)
	}
}
