package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
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

// TestDoctorSaysWhatToDo: doctor names a secret store that does not answer, profiles
// without their secret and secrets past the rotation policy, each with what to do.
func TestDoctorSaysWhatToDo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	e.add("gen", oauthtest.Generic)
	v := vault.Open(e.dir, e.store)
	ps, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	for i := range ps {
		if ps[i].Name == "eds" {
			ps[i].SecretSetAt = time.Now().Add(-200 * 24 * time.Hour)
		}
	}
	writeProfiles(t, filepath.Join(e.dir, "profiles.toml"), ps)
	r := e.run("", "doctor")
	if r.code != 0 || !strings.Contains(r.out, "secret store  memory: answers") || !strings.Contains(r.out, "older than the rotation policy: eds (oat rotate NAME") {
		t.Fatalf("doctor: %d\n%s%s", r.code, r.out, r.err)
	}
	gen := ps[0]
	if gen.Name != "gen" {
		gen = ps[1]
	}
	if err := e.store.Delete(context.Background(), gen.ID+"/secret"); err != nil {
		t.Fatal(err)
	}
	r = e.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.err, "profiles without their secret: gen (oat edit NAME --replace-secret)") {
		t.Fatalf("doctor after losing a secret: %d\n%s%s", r.code, r.out, r.err)
	}
}

// TestDoctorShowsHostileFileNamesEscaped: a file planted in the config dir with escape
// sequences in its name reaches the terminal escaped, and its fix is quoted.
func TestDoctorShowsHostileFileNamesEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	bad := filepath.Join(e.dir, "x\x1b]0;PWNED\a\x1b[31m;id>&2;#.age")
	if err := os.WriteFile(bad, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.run("", "doctor")
	assertNoRaw(t, "doctor", r.out+r.err)
	if r.code != 1 || !strings.Contains(r.err, "chmod 600 '") {
		t.Fatalf("doctor: %d\n%s%s", r.code, r.out, r.err)
	}
}

// TestTokenWriteEdges: an empty --write or a missing directory is a usage error naming
// the directory, and a temp file a killed writer left beside the file is removed.
func TestTokenWriteEdges(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	if r := e.run("", "token", "eds", "--write", ""); r.code != ExitUsage || r.out != "" {
		t.Fatalf("--write '': %d %q %s", r.code, r.out, r.err)
	}
	dir := t.TempDir()
	if r := e.run("", "token", "eds", "--write", filepath.Join(dir, "nope", "tok")); r.code != ExitUsage || !strings.Contains(r.err, "does not exist") {
		t.Fatalf("missing dir: %d %s", r.code, r.err)
	}
	stale := filepath.Join(dir, ".tok.oat-tmp-12345")
	if err := os.WriteFile(stale, []byte("old-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "token", "eds", "--write", filepath.Join(dir, "tok")); r.code != 0 {
		t.Fatalf("write: %d %s", r.code, r.err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatal("the stale temp file holding a token is still there")
	}
}

// TestDoctorNeverAdvisesChmodThroughALink: a symlink in the config directory (to
// /etc/passwd, say) is named as not a regular file, with no chmod advice that would act
// on what it points to.
func TestDoctorNeverAdvisesChmodThroughALink(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("eds", oauthtest.EDS)
	target := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(target, []byte("root:x:0:0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, filepath.Join(e.dir, "state.toml.broken-20261125T161810Z-2")); err != nil {
		t.Fatal(err)
	}
	r := e.run("", "doctor")
	if r.code != 1 || !strings.Contains(r.err, "not a regular file") || strings.Contains(r.err, "chmod") {
		t.Fatalf("doctor: %d\n%s%s", r.code, r.out, r.err)
	}
}
