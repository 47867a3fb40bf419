package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// hostileClientIDs are client IDs (they come from files and flags) that each try to run
// code in a shell that reads `oat env`: the fish breakout \' , POSIX and PowerShell
// quotes (the typographic ones too), command substitution, expansions of every kind, a
// leading dash and trailing backslashes. Each is a profile of its own, so that one value
// that only breaks the parse cannot hide another that runs. Running code creates a file
// named pwned in the shell's current directory.
var hostileClientIDs = []string{
	`x\'; touch pwned; echo \'`,
	`x'; touch pwned; echo '`,
	`x\\'; touch pwned; echo '\\`,
	`$(touch pwned)`,
	"`touch pwned`",
	`"; touch pwned; echo "`,
	`x‘; touch pwned; echo ’`,
	`x’; touch pwned; echo ‘`,
	`'`,
	`''`,
	`\`,
	`-e $env:HOME ${HOME} $HOME %PATH% !! ; & | < > * ? [ ] { } ( ) # ~ \n`,
	`ü€🎉 日本 ‚‛`,
}

// hostileTokens are the same for access tokens, which hold printable ASCII only.
var hostileTokens = []string{
	`x\'; touch pwned; echo \'`,
	`x'; touch pwned; echo '`,
	`x\\'; touch pwned; echo '\\`,
	`$(touch pwned)`,
	"`touch pwned`",
	`"; touch pwned; echo "`,
	`-e $env:HOME ${HOME} %PATH% !! ; & | \`,
}

// needShell returns the path of the first of names on $PATH. Without it the test skips,
// except under CI (CI set) for a shell CI installs, where it fails.
func needShell(t *testing.T, requiredInCI bool, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if requiredInCI && os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed, and CI must test it (.ci/run installs it)", names[0])
	}
	t.Skipf("%s is not installed", names[0])
	return ""
}

// TestEnvOutputIsInertInRealShells sources the real `oat env` output, made from a hostile
// client ID and a hostile token, in each real shell, the way the help says to: nothing
// may run, and every variable must reach a child process with exactly its value.
func TestEnvOutputIsInertInRealShells(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	var names []string
	var want strings.Builder
	for i, id := range hostileClientIDs {
		name, tok := fmt.Sprintf("h%d", i), hostileTokens[i%len(hostileTokens)]
		e.add(name, id, "hostile-Secret+/=1", oauthtest.Generic, "--auth", "post")
		e.srv.SetMisbehaviour(id, oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
		}})
		names = append(names, name)
		fmt.Fprintf(&want, "%s\n%s\n%s\n%s\n", tok, id, e.srv.TokenURL(oauthtest.Generic), e.srv.APIBaseURL(oauthtest.Generic))
	}
	const printenv = "printenv OAT_ACCESS_TOKEN OAT_CLIENT_ID OAT_TOKEN_URL OAT_API_URL"
	// each is a script that reads `oat env NAME FLAGS` for every profile as the help says.
	each := func(line func(name, flags string) string) func(flags string) string {
		return func(flags string) string {
			var b strings.Builder
			for _, n := range names {
				b.WriteString(line(n, flags) + "; " + printenv + "\n")
			}
			return b.String()
		}
	}

	posix := each(func(n, f string) string { return `eval "$("$OATBIN" env ` + n + f + `)"` })
	fish := each(func(n, f string) string { return `$OATBIN env ` + n + f + ` | source` })
	pwsh := each(func(n, f string) string { return `& $env:OATBIN env ` + n + f + ` | Out-String | Invoke-Expression` })
	cases := []struct {
		name     string
		shells   []string
		ciNeeds  bool
		flags    string // empty: the shell comes from $SHELL
		script   func(flags string) string
		shellArg []string
	}{
		{"bash", []string{"bash"}, true, "", posix, []string{"-c"}},
		{"bash --shell bash", []string{"bash"}, true, " --shell bash", posix, []string{"-c"}},
		{"zsh", []string{"zsh"}, true, "", posix, []string{"-c"}},
		{"zsh --shell zsh", []string{"zsh"}, true, " --shell zsh", posix, []string{"-c"}},
		{"zsh rc_quotes", []string{"zsh"}, true, "", func(f string) string { return "setopt rc_quotes\n" + posix(f) }, []string{"-c"}},
		{"dash", []string{"dash"}, true, "", posix, []string{"-c"}},
		{"dash --shell sh", []string{"dash"}, true, " --shell sh", posix, []string{"-c"}},
		{"fish", []string{"fish"}, true, "", fish, []string{"--no-config", "-c"}},
		{"fish --shell fish", []string{"fish"}, true, " --shell fish", fish, []string{"--no-config", "-c"}},
		{"pwsh", []string{"pwsh", "powershell"}, false, "", pwsh, []string{"-NoProfile", "-NonInteractive", "-Command"}},
		{"pwsh --shell powershell", []string{"pwsh", "powershell"}, false, " --shell powershell", pwsh, []string{"-NoProfile", "-NonInteractive", "-Command"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sh := needShell(t, c.ciNeeds, c.shells...)
			// $SHELL names the shell itself, or (with --shell) one oat does not know.
			shellVar := sh
			if c.flags != "" {
				shellVar = "/bin/tcsh"
			}
			cwd := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second) // a bound against hangs, not a timing check
			defer cancel()
			cmd := exec.CommandContext(ctx, sh, append(c.shellArg, c.script(c.flags))...)
			cmd.Env = append(e.environ(), "OATBIN="+e.bin, "SHELL="+shellVar, "LC_ALL=C.UTF-8")
			cmd.Dir = cwd
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			err := cmd.Run()
			left, _ := os.ReadDir(cwd)
			for _, f := range left {
				t.Errorf("%s ran code from oat env's output: it created %s", c.name, f.Name())
			}
			if err != nil || out.String() != want.String() {
				t.Fatalf("%s: %v\ngot:\n%s\nwant:\n%s\nstderr:\n%s", c.name, err, out.String(), want.String(), errb.String())
			}
		})
	}
}

// TestEnvShellSyntax checks the lines each shell gets, the choice from $SHELL, and the
// refusals: a --prefix that is not a name, an unknown --shell, and values with control
// characters, which must leave stdout empty (all lines or none).
func TestEnvShellSyntax(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("gen", oauthtest.Generic)
	tokenURL := e.srv.TokenURL(oauthtest.Generic)
	lineFor := map[string]string{
		"":                                       "export OAT_TOKEN_URL='" + tokenURL + "'\n",
		"/bin/bash":                              "export OAT_TOKEN_URL='" + tokenURL + "'\n",
		"/usr/bin/zsh":                           "export OAT_TOKEN_URL='" + tokenURL + "'\n",
		"/bin/tcsh":                              "export OAT_TOKEN_URL='" + tokenURL + "'\n",
		"/usr/local/bin/fish":                    "set -gx OAT_TOKEN_URL '" + tokenURL + "'\n",
		"/opt/microsoft/pwsh":                    "$env:OAT_TOKEN_URL = '" + tokenURL + "'\n",
		`C:\Program Files\PowerShell\7\pwsh.exe`: "$env:OAT_TOKEN_URL = '" + tokenURL + "'\n",
	}
	for shell, line := range lineFor {
		e.vars["SHELL"] = shell
		r := e.run("", "env", "gen")
		if r.code != 0 || !strings.Contains(r.out, line) || strings.Count(r.out, "\n") != 5 {
			t.Fatalf("SHELL=%q: %d\n%s\nwant a line %q; stderr %s", shell, r.code, r.out, line, r.err)
		}
		if unknown := shell == "/bin/tcsh"; unknown != strings.Contains(r.err, "does not know") {
			t.Fatalf("SHELL=%q: stderr %q", shell, r.err)
		}
	}
	e.vars["SHELL"] = "/usr/bin/fish"
	if r := e.run("", "env", "gen", "--shell", "pwsh", "--prefix", "EDS_"); r.code != 0 || !strings.Contains(r.out, "$env:EDS_CLIENT_ID = 'generic-id'\n") {
		t.Fatalf("--shell pwsh: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "env", "gen", "--prefix", ""); r.code != 0 || !strings.Contains(r.out, "set -gx CLIENT_ID 'generic-id'\n") {
		t.Fatalf("empty prefix: %d %s %s", r.code, r.out, r.err)
	}
	for _, bad := range [][]string{{"--prefix", "X;touch p;"}, {"--prefix", "1A_"}, {"--prefix", "A-"}, {"--prefix", "$(id)"}, {"--shell", "tcsh"}, {"--shell", ""}} {
		if r := e.run("", append([]string{"env", "gen"}, bad...)...); r.code != ExitUsage || r.out != "" {
			t.Fatalf("%v: want usage error and no output, got %d %q %q", bad, r.code, r.out, r.err)
		}
	}

	for _, id := range []string{"a\x1b]52;c;aGk=\x07b", "a\tb", "a\x7fb", "a\u0085b", "a\u202eb"} {
		editByHand(t, e.dir, "gen", func(p *vault.Profile) { p.ClientID = id }) // oat edit refuses control characters
		r := e.run("", "env", "gen")
		if r.code != ExitFailure || r.out != "" || !strings.Contains(r.err, "OAT_CLIENT_ID") || strings.Contains(r.err, id) || strings.ContainsAny(r.err, "\x1b\t\x7f\u0085\u202e") {
			t.Fatalf("client id %q: want a refusal naming OAT_CLIENT_ID, without the value, and no output; got %d %q %q", id, r.code, r.out, r.err)
		}
	}
}

func TestCheckShellValue(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"", "plain", `x\'; touch p; echo \'`, "ü€🎉 ‘’ \" ' \\ $ % ` ;"} {
		if err := checkShellValue(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"a\nb", "a\rb", "a\x00b", "\x1b[2J", "a\u2028b", "a\u2029b", "a\u200fb", "a\u2066b", "\xff"} {
		if checkShellValue(bad) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestShellQuotes(t *testing.T) {
	t.Parallel()
	in := `a'b\c‘’`
	for _, c := range []struct{ got, want string }{
		{shellQuote(in), `'a'\''b\c‘’'`},
		{fishQuote(in), `'a\'b\\c‘’'`},
		{powerShellQuote(in), `'a''b\c‘‘’’'`},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
}
