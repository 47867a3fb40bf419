package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// Text that reaches oat from files — a hand-edited profiles.toml, a downloaded .env —
// is as untrusted as a server's: these tests run the real binary on hostile files.

// The hostile values: an OSC 52 clipboard write, a bidi override, a C1 CSI.
const (
	osc52   = "\x1b]52;c;SGVsbG8=\x07"
	rlo     = "\u202e"
	c1CSI   = "\u009b2J"
	evilID  = "evil" + osc52 + "-id" + rlo + c1CSI
	evilEnv = "prod" + osc52 + rlo + c1CSI
)

var evilScopes = []string{"api/read" + osc52, rlo + "gnp.exe", "x" + c1CSI}

// requireTerminalSafe fails if text holds a byte below 0x20 other than newline and tab,
// DEL, a C1 control (U+0080–U+009F, or a stray byte that is not UTF-8), or a bidi
// control.
func requireTerminalSafe(t *testing.T, where, text string) {
	t.Helper()
	if i, r := oauth.FirstUnsafe(text, true); i >= 0 {
		t.Fatalf("%s: raw %U at byte %d:\n%q", where, r, i, text)
	}
}

// writeProfiles replaces profiles.toml the way a hand edit would: whatever the file says,
// without oat's validation.
func writeProfiles(t *testing.T, path string, ps []vault.Profile) {
	t.Helper()
	data, err := toml.Marshal(struct {
		Schema   int             `toml:"schema"`
		Profiles []vault.Profile `toml:"profile"`
	}{vault.ProfilesSchema, ps})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestBinaryHostileProfilesFileIsShownEscaped: a profiles.toml with escape sequences,
// bidi overrides and C1 controls in the client id, environment and scopes still loads,
// and ls, ls --json, inspect and completion show those values without a raw control.
// An edit of that profile is refused, naming the field to fix, and leaves the file as
// it was.
func TestBinaryHostileProfilesFileIsShownEscaped(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	const secret = "Evil-file-S3cret"
	e.secrets = append(e.secrets, secret)
	// The token endpoint answers with a token whose claims carry the hostile client id too
	// (oat itself refuses a token response whose scope has controls in it).
	tok, err := e.srv.Sign(map[string]any{"iss": e.srv.URL, "sub": evilID, "client_id": evilID, "exp": time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.AddClient(oauthtest.Client{ID: evilID, Flavour: oauthtest.Generic, Secrets: []string{secret},
		Misbehave: oauthtest.Misbehaviour{Custom: tokenAnswer(tok)}})
	e.secrets = append(e.secrets, basicForms(evilID, secret)...)
	if r := e.run(secret+"\n", "add", "evil", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "placeholder", "--auth", "basic"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	path := filepath.Join(e.dir, "profiles.toml")
	ps, err := (&vault.ProfilesFile{Path: path}).Load()
	if err != nil || len(ps) != 1 {
		t.Fatalf("load: %v", err)
	}
	ps[0].ClientID, ps[0].Environment, ps[0].Scopes = evilID, evilEnv, evilScopes
	writeProfiles(t, path, ps)
	before, _ := os.ReadFile(path)

	for _, args := range [][]string{{"ls"}, {"ls", "--json"}, {"inspect", "evil"}, {"__complete", "token", ""}} {
		r := e.run("", args...)
		where := "oat " + strings.Join(args, " ")
		requireTerminalSafe(t, where+" stdout", r.out)
		requireTerminalSafe(t, where+" stderr", r.err)
		if r.code != 0 {
			t.Fatalf("%s: exit %d: %s", where, r.code, r.err)
		}
		switch args[0] {
		case "ls":
			if args[len(args)-1] == "--json" {
				var rows []map[string]any
				if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 1 || rows[0]["client_id"] != evilID || rows[0]["environment"] != evilEnv {
					t.Fatalf("ls --json must keep the exact values, escaped: %v %q", err, r.out)
				}
			} else if !strings.Contains(r.out, `evil\x1b]52;c;SGVsbG8=\x07-id\u202e\u009b2J`) {
				t.Fatalf("ls does not show the client id escaped:\n%s", r.out)
			}
		case "inspect":
			if !strings.Contains(r.out, `requested: api/read\x1b]52;c;SGVsbG8=\x07`) || !strings.Contains(r.out, `evil\x1b]52;c;SGVsbG8=\x07-id\u202e\u009b2J`) {
				t.Fatalf("inspect does not show the requested scopes escaped:\n%s", r.out)
			}
		case "__complete":
			if !strings.Contains(r.out, "evil\t"+`prod\x1b]52;c;SGVsbG8=\x07\u202e\u009b2J`+"\n") {
				t.Fatalf("completion description not escaped:\n%q", r.out)
			}
		}
	}

	// A write of that profile validates it: refused, naming the field, file untouched.
	r := e.run("", "edit", "evil", "--notes", "hello")
	requireTerminalSafe(t, "oat edit stderr", r.err)
	if r.code != ExitUsage || !strings.Contains(r.err, "client_id") || !strings.Contains(r.err, "environment") || !strings.Contains(r.err, "scopes") {
		t.Fatalf("edit of a profile with control characters: %d %s", r.code, r.err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Fatalf("a refused edit changed profiles.toml")
	}
	// Writes of other profiles are not blocked by it.
	e.add("good", "good-id", "Good-S3cret", oauthtest.Generic)
	if r := e.run("", "edit", "evil", "--client-id", "clean-id", "--env", "prod", "--scope", "api/read"); r.code != 0 {
		t.Fatalf("fixing the fields: %d %s", r.code, r.err)
	}
}

// TestBinaryHostileDotenvIsRefused: an .env file (or a flag) with control characters in
// the client id, scope or environment label is refused with the field named, and
// nothing raw is printed or saved.
func TestBinaryHostileDotenvIsRefused(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const secret = "Dotenv-S3cret"
	e.secrets = append(e.secrets, secret)
	tokenURL := e.srv.TokenURL(oauthtest.Generic)
	cases := []struct {
		name, file, field string
		extra             []string
	}{
		{"client id", write("a.env", "CLIENT_ID="+evilID+"\nCLIENT_SECRET="+secret+"\nTOKEN_URL="+tokenURL+"\n"), "client_id", nil},
		{"scope", write("b.env", "CLIENT_ID=ok\nCLIENT_SECRET="+secret+"\nTOKEN_URL="+tokenURL+"\nSCOPE=\"a "+rlo+"b "+c1CSI+"\"\n"), "scopes", nil},
		{"token url", write("c.env", "CLIENT_ID=ok\nCLIENT_SECRET="+secret+"\nTOKEN_URL="+tokenURL+rlo+"\n"), "token_url", nil},
		{"environment", write("d.env", "CLIENT_ID=ok\nCLIENT_SECRET="+secret+"\nTOKEN_URL="+tokenURL+"\n"), "environment", []string{"--env", evilEnv}},
	}
	for _, c := range cases {
		r := e.run("", append([]string{"import", c.file}, c.extra...)...)
		requireTerminalSafe(t, c.name+" stdout", r.out)
		requireTerminalSafe(t, c.name+" stderr", r.err)
		if r.code != ExitUsage || !strings.Contains(r.err, c.field+": ") || !strings.Contains(r.err, "control character") {
			t.Errorf("%s: %d %s", c.name, r.code, r.err)
		}
	}
	r := e.run(secret+"\n", "add", "x", "--token-url", tokenURL, "--client-id", "a"+rlo+"b")
	requireTerminalSafe(t, "add stderr", r.err)
	if r.code != ExitUsage || !strings.Contains(r.err, "client_id: ") {
		t.Errorf("add with a bidi override in the client id: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls"); !strings.Contains(r.err, "no profiles yet") {
		t.Fatalf("something was saved: %s", r.out)
	}
}

// editByHand changes profile name in dir's profiles.toml the way a text editor would,
// without oat's validation (which refuses control characters).
func editByHand(t *testing.T, dir, name string, edit func(*vault.Profile)) {
	t.Helper()
	path := filepath.Join(dir, "profiles.toml")
	ps, err := (&vault.ProfilesFile{Path: path}).Load()
	if err != nil {
		t.Fatal(err)
	}
	i := vault.Find(ps, name)
	if i < 0 {
		t.Fatalf("no profile %s", name)
	}
	edit(&ps[i])
	writeProfiles(t, path, ps)
}

// TestBinaryListShowsInvisibleCharactersEscaped: a hand-edited client ID with a
// zero-width space and a skin-tone emoji is printed escaped by oat ls (the raw bytes
// hid a look-alike and pushed the columns out of line).
func TestBinaryListShowsInvisibleCharactersEscaped(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	path := filepath.Join(e.dir, "profiles.toml")
	ps, err := (&vault.ProfilesFile{Path: path}).Load()
	if err != nil || len(ps) != 1 {
		t.Fatalf("load: %v", err)
	}
	ps[0].ClientID, ps[0].Environment = "gen\u200b-id", "prod👍\U0001F3FD"
	writeProfiles(t, path, ps)
	r := e.run("", "ls")
	if r.code != 0 || !strings.Contains(r.out, `gen\u200b-id`) || !strings.Contains(r.out, `prod👍\U0001f3fd`) || strings.Contains(r.out, "\u200b") || strings.ContainsRune(r.out, 0x1F3FD) {
		t.Fatalf("ls: %d\n%s%s", r.code, r.out, r.err)
	}
}
