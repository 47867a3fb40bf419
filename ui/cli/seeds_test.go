package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// TestImportEDSEnvWithoutItsSecret: EarthDaily's EDS.env is downloaded with EDS_SECRET
// empty or a placeholder. import takes the secret as add does (prompt on a terminal,
// stdin otherwise), says where it came from, and never stores the placeholder.
func TestImportEDSEnvWithoutItsSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	const secret = "eds-Secret+/=1"
	e.secrets = append(e.secrets, secret)
	write := func(name, value string) string {
		p := filepath.Join(t.TempDir(), name)
		content := fmt.Sprintf("EDS_CLIENT_ID=eds-id\nEDS_SECRET=%s\nEDS_AUTH_URL=%s\nEDS_API_URL=%s\n", value, e.srv.TokenURL(oauthtest.EDS), e.srv.APIBaseURL(oauthtest.EDS))
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i, value := range []string{"", `""`, `"<EDS_SECRET HERE>"`, "your_client_secret", "'${EDS_SECRET}'"} {
		file := write("EDS.env", value)
		name := fmt.Sprintf("eds%d", i)
		// No secret anywhere: a clear usage error, nothing saved.
		r := e.run("", "import", file, "--name", name)
		if r.code != ExitUsage || !strings.Contains(r.err, "EDS_SECRET") || !strings.Contains(r.err, "no secret given") {
			t.Fatalf("%s with no secret on stdin: %d %s", value, r.code, r.err)
		}
		// A placeholder on stdin too: refused, nothing saved.
		r = e.run("changeme\n", "import", file, "--name", name)
		if r.code != ExitUsage || !strings.Contains(r.err, "placeholder") {
			t.Fatalf("%s with a placeholder on stdin: %d %s", value, r.code, r.err)
		}
		if r := e.run("", "token", name); r.code != ExitUsage {
			t.Fatalf("a profile was saved after a refused import: %d", r.code)
		}
		// The secret piped on stdin.
		r = e.run(secret+"\n", "import", file, "--name", name)
		if r.code != 0 || !strings.Contains(r.out, "secret     read from stdin") || strings.Contains(r.out, "still in plain text") {
			t.Fatalf("%s with the secret on stdin: %d %s %s", value, r.code, r.out, r.err)
		}
		if r := e.run("", "token", name); r.code != 0 {
			t.Fatalf("imported profile does not work: %s", r.err)
		}
	}
	// At a terminal: the hidden prompt, after a line that says why.
	e.tty, e.typed = true, []string{secret}
	r := e.run("", "import", write("EDS.env", `"<EDS_SECRET HERE>"`), "--name", "typed")
	e.tty = false
	if r.code != 0 || !strings.Contains(r.out, "typed at the prompt") || !strings.Contains(r.err, "EDS_SECRET in the file is a placeholder") {
		t.Fatalf("prompt: %d %s %s", r.code, r.out, r.err)
	}
}

// TestPlaceholderSecretRefusedEverywhere: add and rotate refuse a placeholder with
// exit 2 and change nothing.
func TestPlaceholderSecretRefusedEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	r := e.run("your_client_secret\n", "add", "x", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "generic-id")
	if r.code != ExitUsage || !strings.Contains(r.err, "client_secret") || !strings.Contains(r.err, "placeholder") {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls"); strings.Contains(r.out, "x ") {
		t.Fatalf("saved: %s", r.out)
	}
	e.add("gen", oauthtest.Generic)
	before := e.srv.TokenRequests()
	if r := e.run("<NEW SECRET>\n", "rotate", "gen"); r.code != ExitUsage || !strings.Contains(r.err, "placeholder") {
		t.Fatalf("rotate: %d %s", r.code, r.err)
	}
	if r := e.run("XXXXXXXX\n", "edit", "gen", "--replace-secret"); r.code != ExitUsage {
		t.Fatalf("edit --replace-secret: %d %s", r.code, r.err)
	}
	if e.srv.TokenRequests() != before {
		t.Fatal("a placeholder was sent to the token endpoint")
	}
	if r := e.run("", "token", "gen"); r.code != 0 {
		t.Fatalf("the old secret no longer works: %s", r.err)
	}
}
