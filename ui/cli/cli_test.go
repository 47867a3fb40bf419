package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// env is one test's world: a demo server, a config dir and a secret store shared by
// every oat invocation, as separate runs of the binary would share them.
type env struct {
	t     *testing.T
	srv   *oauthtest.Server
	dir   string
	store vault.SecretStore
	kind  string
	// secrets are every secret the test stored, checked against every output.
	secrets []string
	vars    map[string]string
	tty     bool
	// typed is what the user types at hidden prompts (when tty is set).
	typed []string
}

func newEnv(t *testing.T, kind string) *env {
	t.Helper()
	srv, err := oauthtest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	e := &env{t: t, srv: srv, dir: t.TempDir(), kind: kind, vars: map[string]string{}}
	switch kind {
	case "memory":
		e.store = vault.NewMemoryStore()
	case "file":
		// Create the file at a low work factor; oat keeps a file's factor on rewrite.
		fs := &vault.FileStore{Path: filepath.Join(e.dir, "secrets.age"), WorkFactor: 10, Passphrase: func() (string, error) { return "pw", nil }}
		if err := fs.Set(context.Background(), "init", "x"); err != nil {
			t.Fatal(err)
		}
		e.vars["OAT_PASSPHRASE"] = "pw"
		e.vars["OAT_STORE"] = "file"
		t.Cleanup(func() { _ = fs.Lock() }) // forget the key the commands cached in the kernel keyring
	}
	for _, f := range oauthtest.Flavours {
		srv.AddClient(oauthtest.Client{ID: string(f) + "-id", Flavour: f, Secrets: []string{string(f) + "-Secret+/=1"}, Scopes: []string{"api/read", "api/write"}})
	}
	return e
}

type result struct {
	out, err string
	code     int
}

func (e *env) run(stdin string, args ...string) result {
	e.t.Helper()
	var out, errb bytes.Buffer
	a := &App{In: strings.NewReader(stdin), Out: &out, Err: &errb,
		Getenv:     func(k string) string { return e.vars[k] },
		IsTerminal: func(any) bool { return e.tty },
		ReadPassword: func(string) (string, error) {
			if len(e.typed) == 0 {
				return "", fmt.Errorf("no terminal in tests")
			}
			s := e.typed[0]
			e.typed = e.typed[1:]
			return s, nil
		},
		Store: e.store,
	}
	full := append([]string{"--config-dir", e.dir}, args...)
	code := Execute(context.Background(), a, full)
	r := result{out: out.String(), err: errb.String(), code: code}
	for _, s := range e.secrets {
		if strings.Contains(r.out, s) || strings.Contains(r.err, s) {
			e.t.Fatalf("oat %v printed a stored secret:\nstdout: %s\nstderr: %s", args, r.out, r.err)
		}
	}
	return r
}

func (e *env) add(name string, f oauthtest.Flavour, extra ...string) result {
	e.t.Helper()
	secret := string(f) + "-Secret+/=1"
	e.secrets = append(e.secrets, secret)
	args := append([]string{"add", name, "--token-url", e.srv.TokenURL(f), "--client-id", string(f) + "-id", "--api-url", e.srv.APIBaseURL(f)}, extra...)
	r := e.run(secret+"\n", args...)
	if r.code != 0 {
		e.t.Fatalf("add %s: %d %s", name, r.code, r.err)
	}
	return r
}

func TestEndToEnd(t *testing.T) {
	for _, kind := range []string{"memory", "file"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, kind)
			r := e.add("eds", oauthtest.EDS, "--env", "production", "--test-path", "/v0/versions")
			if !strings.Contains(r.out, "fingerprint "+vault.Fingerprint("eds-Secret+/=1")) {
				t.Fatalf("add output: %s", r.out)
			}
			e.add("cog", oauthtest.Cognito, "--scope", "api/write", "--auth", "basic")
			e.add("dash", oauthtest.Dashboard, "--auth", "post", "--env", "staging", "--scope", "api/read", "--test-path", "/accounts/dashboard-id/orders")

			// token: stdout is exactly the token; the second call makes no request.
			r = e.run("", "token", "eds")
			if r.code != 0 || strings.Count(r.out, "\n") != 1 || !strings.HasPrefix(r.out, "eyJ") || r.err != "" {
				t.Fatalf("token: %d %q %q", r.code, r.out, r.err)
			}
			before := e.srv.TokenRequests()
			r2 := e.run("", "token", "eds")
			if r2.out != r.out || e.srv.TokenRequests() != before {
				t.Fatalf("cached token not reused: %d requests", e.srv.TokenRequests()-before)
			}
			if r3 := e.run("", "token", "eds", "--force"); r3.out == r.out || e.srv.TokenRequests() != before+1 {
				t.Fatal("--force did not fetch")
			}
			// Beyond the lifetime: a new token is fetched, and since even it cannot last, exit 1.
			if r := e.run("", "token", "eds", "--min-valid", "2h"); e.srv.TokenRequests() != before+2 || r.code != ExitFailure || r.out != "" || !strings.Contains(r.err, "--min-valid 2h") {
				t.Fatalf("--min-valid beyond the lifetime: %d %q %q", r.code, r.out, r.err)
			}
			var tj map[string]any
			r = e.run("", "token", "cog", "--json")
			if json.Unmarshal([]byte(r.out), &tj) != nil || tj["token_type"] != "Bearer" || tj["expires_at"] == nil {
				t.Fatalf("token --json: %s", r.out)
			}

			// ls
			r = e.run("", "ls")
			if !strings.Contains(r.out, "✓ valid") || !strings.Contains(r.out, "· none") || !strings.Contains(r.out, "production") {
				t.Fatalf("ls:\n%s", r.out)
			}
			var rows []map[string]any
			r = e.run("", "ls", "--json")
			if json.Unmarshal([]byte(r.out), &rows) != nil || len(rows) != 3 || rows[0]["token"] != "valid" {
				t.Fatalf("ls --json: %s", r.out)
			}

			// inspect
			r = e.run("", "inspect", "eds", "--verify")
			if r.code != 0 || !strings.Contains(r.out, "signature ✓ verified") || !strings.Contains(r.out, "client_id") {
				t.Fatalf("inspect: %d\n%s%s", r.code, r.out, r.err)
			}
			r = e.run("", "inspect", "cog", "--json")
			var ij map[string]any
			if json.Unmarshal([]byte(r.out), &ij) != nil || ij["jwt"] != true {
				t.Fatalf("inspect --json: %s", r.out)
			}

			// call: the profile's test request, a path, 403 explained
			r = e.run("", "call", "eds")
			if r.code != 0 || !strings.Contains(r.out, `"versions"`) || !strings.Contains(r.err, "HTTP 200") {
				t.Fatalf("call: %d %s %s", r.code, r.out, r.err)
			}
			r = e.run("", "call", "dash", e.srv.URL+"/api/write/x", "-X", "POST", "-d", `{"a":1}`)
			if r.code != ExitAuth || !strings.Contains(r.err, "why: the token lacks the scope this call needs: api/write") {
				t.Fatalf("call 403: %d %s", r.code, r.err)
			}

			// env
			r = e.run("", "env", "eds")
			if !strings.Contains(r.out, "export OAT_ACCESS_TOKEN='eyJ") || !strings.Contains(r.out, "export OAT_TOKEN_URL=") {
				t.Fatalf("env: %s", r.out)
			}

			// check
			r = e.run("", "check", "--all", "--call")
			if r.code != 0 || !strings.Contains(r.out, "3 checked, 3 ok, 0 failed") {
				t.Fatalf("check: %d %s %s", r.code, r.out, r.err)
			}

			// edit and rm
			if r := e.run("", "edit", "dash", "--env", "production", "--name", "dash-prod"); r.code != 0 {
				t.Fatalf("edit: %s", r.err)
			}
			if r := e.run("", "rm", "dash-prod"); r.code != ExitUsage || !strings.Contains(r.err, "--yes") {
				t.Fatalf("rm without a terminal or --yes: %d %s", r.code, r.err)
			}
			if r := e.run("", "rm", "dash-prod", "--yes"); r.code != 0 {
				t.Fatalf("rm: %s", r.err)
			}
			if r := e.run("", "token", "dash-prod"); r.code != ExitUsage {
				t.Fatalf("removed profile still works: %d", r.code)
			}

			// No file under the config dir holds a secret or a token.
			tok := strings.TrimSpace(e.run("", "token", "eds").out)
			filepath.Walk(e.dir, func(p string, fi os.FileInfo, err error) error {
				if err != nil || fi.IsDir() {
					return err
				}
				data, _ := os.ReadFile(p)
				for _, s := range append(e.secrets, tok) {
					if bytes.Contains(data, []byte(s)) {
						t.Errorf("%s holds a secret or token in plain text", p)
					}
				}
				return nil
			})
		})
	}
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("gen", oauthtest.Generic)
	e.run("", "edit", "gen", "--client-id", "nobody")
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"token", "gen"}, ExitAuth},
		{[]string{"token", "missing"}, ExitUsage},
		{[]string{"token"}, ExitUsage},
		{[]string{"frobnicate"}, ExitUsage},
		{[]string{"ls", "--nope"}, ExitUsage},
		{[]string{"--theme", "nope", "ls"}, ExitUsage},
		{[]string{"--timeout", "-5s", "ls"}, ExitUsage},
	}
	for _, c := range cases {
		if r := e.run("", c.args...); r.code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, r.code, c.code, r.err)
		}
	}
	saved := e.store
	e.store = nil
	if r := e.run("", "--store", "vault", "ls"); r.code != ExitUsage || !strings.Contains(r.err, "keyring, file, memory") {
		t.Errorf("unknown store: %d %s", r.code, r.err)
	}
	e.store = saved
	// Network failure: a server that is gone.
	e.run("", "edit", "gen", "--token-url", "http://127.0.0.1:1/token")
	if r := e.run("", "token", "gen", "--timeout", "2s"); r.code != ExitNetwork {
		t.Errorf("network: %d %s", r.code, r.err)
	}
	// Store failure: the file store with a wrong passphrase.
	f := newEnv(t, "file")
	f.add("gen", oauthtest.Generic)
	f.vars["OAT_PASSPHRASE"] = "wrong"
	f.store = nil
	if r := f.run("", "token", "gen"); r.code != ExitStore || !strings.Contains(r.err, "wrong passphrase") {
		t.Errorf("store: %d %s", r.code, r.err)
	}
	if r := e.run("", "--help"); !strings.Contains(r.out, "Exit codes:") || !strings.Contains(r.out, "4  network failure") {
		t.Errorf("--help does not list exit codes")
	}
}

// TestNoSecretFlag: no command has a flag through which a secret could reach argv.
func TestNoSecretFlag(t *testing.T) {
	t.Parallel()
	root := NewApp().Command()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(f *pflag.Flag) {
			n := strings.ToLower(f.Name)
			if (strings.Contains(n, "secret") && n != "replace-secret") || strings.Contains(n, "password") || n == "passphrase" {
				t.Errorf("oat %s has flag --%s", c.Name(), f.Name)
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	// A secret given as an argument is refused as an extra argument, never stored.
	e := newEnv(t, "memory")
	r := e.run("", "add", "x", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "c", "s3cr3t")
	if r.code != ExitUsage {
		t.Fatalf("extra argument accepted: %d", r.code)
	}
	if r := e.run("", "add", "x", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "c"); r.code != ExitUsage || !strings.Contains(r.err, "no secret given") {
		t.Fatalf("empty stdin: %d %s", r.code, r.err)
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("gen", oauthtest.Generic, "--test-path", "/v0/versions")
	old := "generic-Secret+/=1"

	// A new secret the provider does not know: the old one stays active.
	e.secrets = append(e.secrets, "not-issued-yet")
	r := e.run("not-issued-yet\n", "rotate", "gen")
	if r.code != ExitAuth || !strings.Contains(r.err, "old secret ("+vault.Fingerprint(old)+") is still active") {
		t.Fatalf("bad new secret: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "gen", "--force"); r.code != 0 {
		t.Fatal("old secret no longer works after a failed rotation")
	}

	// The provider issues a new secret; both work during the overlap.
	e.srv.RotateSecret("generic-id", "new-Secret/2")
	e.secrets = append(e.secrets, "new-Secret/2")
	r = e.run("new-Secret/2\n", "rotate", "gen")
	if r.code != 0 || !strings.Contains(r.out, "active secret "+vault.Fingerprint("new-Secret/2")) || !strings.Contains(r.err, "✓ test call with the new token") {
		t.Fatalf("rotate: %d %s %s", r.code, r.out, r.err)
	}
	r = e.run("", "rotate", "gen", "--check-old")
	if r.code != ExitFailure || !strings.Contains(r.out, "still accepted") {
		t.Fatalf("still accepted: %d %s", r.code, r.out)
	}
	e.srv.RevokeSecret("generic-id", old)
	r = e.run("", "rotate", "gen", "--check-old")
	if r.code != 0 || !strings.Contains(r.out, "✓ revoked") {
		t.Fatalf("revoked: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "gen", "--check-old"); r.code == 0 || !strings.Contains(r.err, "no previous secret") {
		t.Fatalf("check-old with nothing kept: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "gen", "--force"); r.code != 0 {
		t.Fatal("new secret does not work")
	}
}

func TestImport(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	write := func(name, content string) string {
		p := filepath.Join(t.TempDir(), name)
		os.WriteFile(p, []byte(content), 0o600)
		return p
	}
	eds := write("EDS.env", fmt.Sprintf("# EarthDaily credentials\nEDS_CLIENT_ID=eds-id\nEDS_SECRET='eds-Secret+/=1'\nEDS_AUTH_URL=%s\nEDS_API_URL=%s # the API\n",
		e.srv.TokenURL(oauthtest.EDS), e.srv.APIBaseURL(oauthtest.EDS)))
	e.secrets = append(e.secrets, "eds-Secret+/=1", "generic-Secret+/=1")
	r := e.run("", "import", eds)
	if r.code != 0 || !strings.Contains(r.out, "imported eds") || !strings.Contains(r.out, "from EDS_SECRET") {
		t.Fatalf("import EDS: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "eds"); r.code != 0 {
		t.Fatalf("imported profile does not work: %s", r.err)
	}
	if r := e.run("", "import", eds); r.code != ExitUsage || !strings.Contains(r.err, "--force") {
		t.Fatalf("re-import without --force: %d %s", r.code, r.err)
	}
	if r := e.run("", "import", eds, "--force"); r.code != 0 {
		t.Fatalf("--force: %s", r.err)
	}
	generic := write("api.env", fmt.Sprintf("export CLIENT_ID=\"generic-id\"\nexport CLIENT_SECRET=\"generic-Secret+/=1\"\n\nexport TOKEN_URL=%s\nAPI_URL=\"%s\"\nSCOPES=\"api/read\"\n",
		e.srv.TokenURL(oauthtest.Generic), e.srv.APIBaseURL(oauthtest.Generic)))
	r = e.run("", "import", generic, "--name", "mine", "--env", "staging")
	if r.code != 0 {
		t.Fatalf("import generic: %s", r.err)
	}
	if r := e.run("", "token", "mine"); r.code != 0 {
		t.Fatalf("imported generic profile: %s", r.err)
	}
	for _, bad := range []struct{ content, want string }{
		{"CLIENT_ID=a\nthis line is wrong\n", "line 2: expected KEY=VALUE"},
		{"# c\n\nCLIENT_ID=a\nCLIENT_SECRET=\"unterminated\n", "line 4: unterminated double quote"},
		{"1BAD=x\n", "line 1:"},
		{"CLIENT_ID=a\nCLIENT_SECRET='x' trailing\n", "line 2: text after the closing quote"},
		{"CLIENT_ID=a\nCLIENT_SECRET=s\n", "missing TOKEN_URL"},
		{"FOO=bar\n", "no *CLIENT_ID"},
		{"CLIENT_ID=a\nCLIENT_SECRET=s\nTOKEN_URL=http://evil.example/token\n", "plain http"},
	} {
		r := e.run("", "import", write("bad.env", bad.content))
		if r.code != ExitUsage || !strings.Contains(r.err, bad.want) {
			t.Errorf("%q: %d %s (want %q)", bad.content, r.code, r.err, bad.want)
		}
		if strings.Contains(r.err, "=s") || strings.Contains(r.err, "'x'") {
			t.Errorf("error echoes a value: %s", r.err)
		}
	}
}

func TestDotenvParser(t *testing.T) {
	t.Parallel()
	vals, _, err := vault.ParseDotenv("f", "A=1\nexport B = two words # comment\nC=\"q \\\"x\\\" \\n\" # c\nD='lit $x # not comment'\nE=\n")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"A": "1", "B": "two words", "C": "q \"x\" \n", "D": "lit $x # not comment", "E": ""}
	for k, v := range want {
		if vals[k] != v {
			t.Errorf("%s = %q, want %q", k, vals[k], v)
		}
	}
}

func TestCompletionAndVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("alpha", oauthtest.Generic, "--env", "prod")
	e.add("beta", oauthtest.EDS)
	r := e.run("", "__complete", "token", "a")
	if !strings.Contains(r.out, "alpha\tprod") || strings.Contains(r.out, "beta") {
		t.Fatalf("completion: %s", r.out)
	}
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if r := e.run("", "completion", sh); r.code != 0 || len(r.out) < 100 {
			t.Errorf("completion %s: %d", sh, r.code)
		}
	}
	if r := e.run("", "version"); !strings.HasPrefix(r.out, "oat ") {
		t.Errorf("version: %s", r.out)
	}
}

func TestExec(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("gen", oauthtest.Generic)
	tok := strings.TrimSpace(e.run("", "token", "gen").out)
	r := e.run("hello from stdin", "exec", "gen", "--", "sh", "-c", `cat; printf ' %s' "$OAT_ACCESS_TOKEN"; echo oops >&2; exit 7`)
	if r.code != 7 || r.out != "hello from stdin "+tok || r.err != "oops\n" {
		t.Fatalf("exec: %d %q %q", r.code, r.out, r.err)
	}
	if r := e.run("", "exec", "gen", "--var", "API_TOKEN", "--", "sh", "-c", `test "$API_TOKEN" = "`+tok+`"`); r.code != 0 {
		t.Fatalf("--var: %d", r.code)
	}
	if r := e.run("", "exec", "gen", "--", "sh", "-c", `kill -TERM $$`); r.code != 128+15 {
		t.Fatalf("killed child: %d", r.code)
	}
	if r := e.run("", "exec", "gen", "sh"); r.code != ExitUsage {
		t.Fatalf("without --: %d", r.code)
	}
	if r := e.run("", "exec", "gen", "--", "no-such-command-xyz"); r.code != ExitNotFound {
		t.Fatalf("missing command: %d", r.code)
	}
}

func TestDemoServe(t *testing.T) {
	t.Parallel()
	out, errb := &syncBuffer{}, &syncBuffer{}
	a := &App{In: strings.NewReader(""), Out: out, Err: errb, Getenv: func(string) string { return "" },
		IsTerminal: func(any) bool { return false }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() { done <- Execute(ctx, a, []string{"demo", "--serve"}) }()
	for !strings.Contains(out.String(), "Ctrl-C") {
		select {
		case code := <-done:
			t.Fatalf("demo ended early: %d %s", code, errb.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel() // as Ctrl-C would
	if code := <-done; code != 0 {
		t.Fatalf("demo: %d %s", code, errb.String())
	}
	for _, want := range []string{"oat demo server on http://127.0.0.1:", "export OAT_CONFIG_DIR=", "OAT_STORE=file", "oat token eds"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out.String())
		}
	}
	// With an app, the demo opens it on the demo profiles in a memory store.
	var seen []string
	b := &App{In: strings.NewReader(""), Out: out, Err: errb, Getenv: func(string) string { return "" },
		IsTerminal: func(any) bool { return false },
		RunApp: func(ctx context.Context, a *App, opts AppOptions) error {
			v, err := a.Vault()
			if err != nil {
				return err
			}
			ps, _ := v.List()
			for _, p := range ps {
				seen = append(seen, p.Name)
			}
			if !opts.Demo || v.Secrets.Name() != "memory" {
				t.Errorf("demo app: %+v, store %s", opts, v.Secrets.Name())
			}
			return nil
		}}
	if code := Execute(context.Background(), b, []string{"demo"}); code != 0 || len(seen) < 5 {
		t.Fatalf("demo app: %d %v", code, seen)
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestNewFileStorePassphraseAskedTwice(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var asked []string
	answers := []string{"one", "two", "", "x", "x"}
	var errb bytes.Buffer
	a := &App{Getenv: func(string) string { return "" }, IsTerminal: func(any) bool { return true }, Err: &errb,
		ReadPassword: func(prompt string) (string, error) {
			asked = append(asked, prompt)
			ans := answers[0]
			answers = answers[1:]
			return ans, nil
		}}
	// A mismatch and an empty answer ask again, rather than fail the command.
	if p, err := a.passphrase(false, filepath.Join(dir, "secrets")); err != nil || p != "x" {
		t.Fatalf("asked again: %q %v", p, err)
	}
	if len(asked) != 5 || !strings.Contains(asked[0], "New passphrase") || !strings.Contains(errb.String(), "differ") || !strings.Contains(errb.String(), "empty") {
		t.Fatalf("prompts: %q\n%s", asked, errb.String())
	}
	answers, asked = []string{"a", "b", "a", "b", "a", "b"}, nil
	if _, err := a.passphrase(false, filepath.Join(dir, "secrets")); err == nil || !strings.Contains(err.Error(), "three tries") {
		t.Fatalf("three mismatches accepted: %v", err)
	}
	answers, asked = []string{"three"}, nil
	if p, err := a.passphrase(true, filepath.Join(dir, "secrets")); err != nil || p != "three" || len(asked) != 1 {
		t.Fatalf("existing file: %q %v %q", p, err, asked)
	}
}

// TestRotateWarnsAboutSharedClient: another profile with the same client ID and token
// URL holds the old secret: rotate warns about it, and --update-shared gives it the new.
func TestRotateWarnsAboutSharedClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	old := string(oauthtest.Generic) + "-Secret+/=1"
	e.secrets = append(e.secrets, old)
	for _, n := range []string{"gen", "gen-copy"} { // no API set: no test call
		if r := e.run(old+"\n", "add", n, "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "generic-id"); r.code != 0 {
			t.Fatalf("add %s: %s", n, r.err)
		}
	}
	e.add("other", oauthtest.Keycloak)
	e.srv.RotateSecret("generic-id", "new-Secret/2")
	e.secrets = append(e.secrets, "new-Secret/2")
	r := e.run("new-Secret/2\n", "rotate", "gen")
	if r.code != 0 || !strings.Contains(r.err, "⚠ gen-copy has the same client ID and token URL") || strings.Contains(r.err, "other") {
		t.Fatalf("rotate: %d %s %s", r.code, r.out, r.err)
	}
	if !strings.Contains(r.err, "- test call with the new token: skipped") {
		t.Fatalf("the skipped test call is not shown: %s", r.err)
	}
	e.srv.RotateSecret("generic-id", "new-Secret/3")
	e.secrets = append(e.secrets, "new-Secret/3")
	if r := e.run("", "rotate", "gen", "--drop-old"); r.code != 0 {
		t.Fatalf("drop old: %d %s", r.code, r.err)
	}
	r = e.run("new-Secret/3\n", "rotate", "gen", "--update-shared")
	if r.code != 0 || !strings.Contains(r.out, "✓ gen-copy updated too: active secret "+vault.Fingerprint("new-Secret/3")) {
		t.Fatalf("rotate --update-shared: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "gen-copy", "--force"); r.code != 0 {
		t.Fatalf("gen-copy does not work with the new secret: %s", r.err)
	}
}

// TestCAFileFlagExpandsHome: the shell leaves ~ alone after --ca-file=; oat expands it
// (vault.ExpandPath, as the app's form does).
func TestCAFileFlagExpandsHome(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	e := newEnv(t, "memory")
	writePEM(t, filepath.Join(home, "ca.pem")) // a missing or non-PEM CA file is refused
	e.add("ca", oauthtest.Generic, "--ca-file=~/ca.pem")
	p, err := vault.Open(e.dir, e.store).Get("ca")
	if err != nil || p.CAFile != filepath.Join(home, "ca.pem") {
		t.Fatalf("ca_file %q, %v", p.CAFile, err)
	}
}

// TestRotateWhenOnlyTheTestCallFails: a new secret that gets a token but whose test call
// is refused (403) is not stored; the error says the secret was accepted, names the
// call, and gives the flag that activates it anyway, which does so.
func TestRotateWhenOnlyTheTestCallFails(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("dash", oauthtest.Dashboard, "--test-path", "/accounts/someone-else/orders")
	e.srv.RotateSecret("dashboard-id", "new-Secret/2")
	e.secrets = append(e.secrets, "new-Secret/2")
	r := e.run("new-Secret/2\n", "rotate", "dash")
	if r.code == 0 || !strings.Contains(r.err, "accepted the new secret") || !strings.Contains(r.err, "GET /accounts/someone-else/orders") ||
		!strings.Contains(r.err, "--activate-if-call-fails") || strings.Count(r.err, "HTTP 403") != 1 {
		t.Fatalf("call-only failure: %d %s", r.code, r.err)
	}
	r = e.run("new-Secret/2\n", "rotate", "dash", "--activate-if-call-fails")
	if r.code != 0 || !strings.Contains(r.out, "active secret "+vault.Fingerprint("new-Secret/2")) || !strings.Contains(r.err, "test call") {
		t.Fatalf("--activate-if-call-fails: %d %s %s", r.code, r.out, r.err)
	}
	if h := e.run("", "rotate", "--help"); !strings.Contains(h.out, "--activate-if-call-fails") {
		t.Fatalf("not in --help: %s", h.out)
	}
}

// TestRotateRefusedSecretSaysWhyOnce: a new secret with an escape character is refused
// at staging, and the reason is printed once (it was under the step and again as the
// command's error).
func TestRotateRefusedSecretSaysWhyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("gen", oauthtest.Generic)
	r := e.run("dash\x1bstaging\n", "rotate", "gen")
	if r.code == 0 || strings.Count(r.err, "escape character") != 1 {
		t.Fatalf("exit %d, want the reason once:\n%s", r.code, r.err)
	}
	if strings.Contains(r.err, "dash") || strings.Contains(r.err, "staging") {
		t.Fatalf("the refused secret is shown:\n%s", r.err)
	}
}
