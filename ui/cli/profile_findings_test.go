package cli

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// TestCLIAddRefusesWhatTheFormRefuses: the rules the testers found missing in the
// app's form live in the vault, so `oat add` / `oat edit` apply them too, before the
// secret is asked for.
func TestCLIAddRefusesWhatTheFormRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	tok := e.srv.TokenURL(oauthtest.Generic)
	fifo := filepath.Join(e.dir, "nope.pem")
	base := []string{"add", "x", "--token-url", tok, "--client-id", "generic-id"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--ca-file", fifo}, "no such file"},
		{[]string{"--scope", "api/read,", "--scope", "api/write"}, "separated by spaces, not commas"},
		{[]string{"--test-path", "/v1/me"}, "needs an API base URL"},
	} {
		r := e.run("generic-Secret+/=1\n", append(base, c.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) {
			t.Errorf("%v: exit %d, want %d saying %q: %s", c.args, r.code, ExitUsage, c.want, r.err)
		}
	}
	r := e.run("Qz7\x1b]52;c;QUFB\x07\u202eWk9\n", base...)
	if r.code == 0 || !strings.Contains(r.err, "printable ASCII") || strings.Contains(r.err, "Qz7") {
		t.Errorf("a secret with an escape and a bidi override: exit %d: %s", r.code, r.err)
	}
	env := filepath.Join(e.dir, "x.env")
	os.WriteFile(env, []byte("CLIENT_ID=generic-id\nCLIENT_SECRET=Qz7\x1b]52;c;QUFB\x07\u202eWk9\nTOKEN_URL="+tok+"\n"), 0o600)
	r = e.run("", "import", env)
	if r.code == 0 || !strings.Contains(r.err, "printable ASCII") || strings.Contains(r.err, "Qz7") {
		t.Errorf("import of a secret with an escape and a bidi override: exit %d: %s", r.code, r.err)
	}
	iss := strings.Replace(e.srv.URL, "://", "://u:SECRETPW@", 1) + "/realms/demo"
	r = e.run("generic-Secret+/=1\n", "add", "y", "--discover", iss, "--client-id", "generic-id")
	if r.code == 0 || strings.Contains(r.err, "SECRETPW") || !strings.Contains(r.err, "REDACTED") {
		t.Errorf("--discover with credentials: exit %d: %s", r.code, r.err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "profiles.toml")); err == nil {
		if ls := e.run("", "ls"); strings.Contains(ls.out, "x ") || strings.Contains(ls.out, "y ") {
			t.Fatalf("a refused profile was saved:\n%s", ls.out)
		}
	}
	if r := e.add("gen", oauthtest.Generic); r.code != 0 {
		t.Fatalf("add: %s", r.err)
	}
	if r := e.run("", "edit", "gen", "--ca-file", fifo); r.code != ExitUsage || !strings.Contains(r.err, "no such file") {
		t.Fatalf("edit --ca-file: exit %d: %s", r.code, r.err)
	}
}

// writePEM writes a PEM certificate (a test server's) to path.
func writePEM(t *testing.T, path string) {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
}
