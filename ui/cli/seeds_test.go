package cli

import (
	"fmt"
	"net/http"
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

// TestClientIDInAPIPaths: the restoration dashboard documents GET
// {BASE_URL}/accounts/{CLIENT_ID}/orders; {client_id} in any case expands to the
// profile's client ID, and an unknown {name} is refused when the profile is saved.
func TestClientIDInAPIPaths(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("dash", "dash-prod", "dash-Secret+/=1", oauthtest.Dashboard, "--auth", "post", "--test-path", "/accounts/{CLIENT_ID}/orders")
	r := e.run("", "call", "dash")
	if r.code != 0 || !strings.Contains(r.err, "/dash/accounts/dash-prod/orders") || !strings.Contains(r.out, `"dash-prod"`) {
		t.Fatalf("call: %d %s %s", r.code, r.out, r.err)
	}
	r = e.run("", "call", "dash", "/accounts/{client_id}/orders", "--dry-run")
	if r.code != 0 || !strings.HasPrefix(r.out, "GET "+e.srv.APIBaseURL(oauthtest.Dashboard)+"/accounts/dash-prod/orders\n") {
		t.Fatalf("dry run: %d %q %s", r.code, r.out, r.err)
	}
	if e.srv.TokenRequests() != 1 {
		t.Fatalf("--dry-run fetched a token: %d requests", e.srv.TokenRequests())
	}
	// Another client's account is refused by the API, as documented.
	if r := e.run("", "call", "dash", "/accounts/someone-else/orders"); r.code != ExitAuth {
		t.Fatalf("other account: %d", r.code)
	}
	// Unknown names: refused at save, and on the command line before any request.
	r = e.run("", "edit", "dash", "--test-path", "/accounts/{tenant}/orders")
	if r.code != ExitUsage || !strings.Contains(r.err, "{tenant}") || !strings.Contains(r.err, "test_request.path") {
		t.Fatalf("unknown name saved: %d %s", r.code, r.err)
	}
	if r := e.run("", "call", "dash", "/x/{tenant}"); r.code != ExitUsage || !strings.Contains(r.err, "{tenant}") {
		t.Fatalf("unknown name called: %d %s", r.code, r.err)
	}
	// A client ID with characters that mean something in a path is escaped.
	e.add("odd", "odd/id?x", "odd-Secret+/=1", oauthtest.Dashboard, "--auth", "post", "--test-path", "/accounts/{client_id}/orders")
	if r := e.run("", "call", "odd", "--dry-run"); !strings.Contains(r.out, "/accounts/odd%2Fid%3Fx/orders") {
		t.Fatalf("escaping: %s", r.out)
	}
}

// TestTokenRevokedBeforeItsExpiry: the provider revokes tokens early; the API answers
// 401. call drops the cached token, fetches one new token, retries once and says so;
// the rejected token is never handed out again by token, env or exec.
func TestTokenRevokedBeforeItsExpiry(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("eds", "eds-id", "eds-Secret+/=1", oauthtest.EDS, "--test-path", "/v0/versions")
	old := e.run("", "token", "eds").out
	e.srv.RevokeIssuedTokens()
	before := e.srv.TokenRequests()
	r := e.run("", "call", "eds")
	if r.code != 0 || !strings.Contains(r.err, "the API rejected the cached token (HTTP 401); fetched a new one") {
		t.Fatalf("call after revocation: %d %s", r.code, r.err)
	}
	if e.srv.TokenRequests() != before+1 {
		t.Fatalf("%d token requests, want 1", e.srv.TokenRequests()-before)
	}
	fresh := e.run("", "token", "eds").out
	if fresh == old || e.srv.TokenRequests() != before+1 {
		t.Fatal("token handed out the revoked token, or did not reuse the new one")
	}
	// Revoked again, and every new token is refused as well: one retry, then exit 3.
	e.srv.RevokeIssuedTokens()
	e.srv.SetMisbehaviour("eds-id", oauthtest.Misbehaviour{Opaque: true})
	before, apiBefore := e.srv.TokenRequests(), e.srv.APIRequests()
	r = e.run("", "call", "eds")
	if r.code != ExitAuth || !strings.Contains(r.err, "rejected too") || !strings.Contains(r.err, "HTTP 401") {
		t.Fatalf("second 401: %d %s", r.code, r.err)
	}
	if n, m := e.srv.TokenRequests()-before, e.srv.APIRequests()-apiBefore; n != 1 || m != 2 {
		t.Fatalf("%d token requests, %d calls: want 1 and 2, never a loop", n, m)
	}
	if ls := e.run("", "ls"); !strings.Contains(ls.out, "rejected") {
		t.Fatalf("ls does not show the rejection:\n%s", ls.out)
	}
	// The rejected opaque token is handed out by none of token, env, exec.
	rejected := 0
	for _, args := range [][]string{{"token", "eds"}, {"env", "eds"}, {"exec", "eds", "--", "sh", "-c", `printf %s "$OAT_ACCESS_TOKEN"`}} {
		before := e.srv.TokenRequests()
		r := e.run("", args...)
		if r.code != 0 || e.srv.TokenRequests() != before+1-int64(rejected) {
			t.Fatalf("%v: %d, %d requests: %s", args, r.code, e.srv.TokenRequests()-before, r.err)
		}
		rejected = 1 // after the first fetch the new token is cached and valid
	}
}

// TestExecMinValid: exec cannot retry for its child, so --min-valid gives a long job a
// token that lasts.
func TestExecMinValid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("gen", oauthtest.Generic)
	e.run("", "token", "gen")
	before := e.srv.TokenRequests()
	if r := e.run("", "exec", "gen", "--min-valid", "10m", "--", "true"); r.code != 0 || e.srv.TokenRequests() != before {
		t.Fatalf("10m of an hour's token left: %d, %d requests", r.code, e.srv.TokenRequests()-before)
	}
	// An hour's token cannot last 2h: a new one is fetched, and the command is not run.
	if r := e.run("", "exec", "gen", "--min-valid", "2h", "--", "sh", "-c", "echo ran"); r.code != ExitFailure || e.srv.TokenRequests() != before+1 || r.out != "" {
		t.Fatalf("--min-valid 2h: %d, %d requests, %q", r.code, e.srv.TokenRequests()-before, r.out)
	}
	if r := e.run("", "exec", "--help"); !strings.Contains(r.out, "cannot retry for the command") {
		t.Fatal("exec --help does not say how to avoid a rejected token")
	}
}

// TestReissuedRejectedTokenIsNotHandedOut: a token endpoint (or a gateway in front of
// it) that answers with the very token an API rejected must not get it handed out.
func TestReissuedRejectedTokenIsNotHandedOut(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	const tok = "SAME-TOKEN-revoked-0001"
	e.srv.AddClient(oauthtest.Client{ID: "same", Flavour: oauthtest.Generic, Secrets: []string{"same-S3cret"},
		Misbehave: oauthtest.Misbehaviour{Custom: answerToken(tok)}})
	e.secrets = append(e.secrets, "same-S3cret")
	api := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	if r := e.run("same-S3cret\n", "add", "st", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "same", "--api-url", api, "--test-path", "/x"); r.code != 0 {
		t.Fatalf("add: %s", r.err)
	}
	e.run("", "token", "st")
	if r := e.run("", "call", "st"); r.code != ExitAuth {
		t.Fatalf("call: %d %s", r.code, r.err)
	}
	for _, args := range [][]string{{"token", "st"}, {"token", "st", "--json"}, {"env", "st"}, {"exec", "st", "--", "sh", "-c", `printf %s "$OAT_ACCESS_TOKEN"`}} {
		r := e.run("", args...)
		if r.code == 0 || strings.Contains(r.out, tok) {
			t.Fatalf("%v handed out the rejected token: %d %q", args, r.code, r.out)
		}
		if !strings.Contains(r.err, "the very token the API rejected") {
			t.Fatalf("%v: %s", args, r.err)
		}
	}
}

// TestEnvExportsTheExpandedAPIURL: a script using $OAT_API_URL gets the URL call uses.
func TestEnvExportsTheExpandedAPIURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("dash", oauthtest.Dashboard, "--auth", "post", "--api-url", "http://127.0.0.1:9/dash/accounts/{CLIENT_ID}")
	r := e.run("", "env", "dash", "--shell", "bash")
	if r.code != 0 || !strings.Contains(r.out, "OAT_API_URL='http://127.0.0.1:9/dash/accounts/dashboard-id'") {
		t.Fatalf("env: %d %s %s", r.code, r.out, r.err)
	}
}

// TestCallRefusesBadRequestsAsUsageErrors: a bad method, a header with a line break, a
// target that is not http(s), or a {name} in the token URL is a usage error (exit 2)
// before anything is sent.
func TestCallRefusesBadRequestsAsUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("gen", oauthtest.Generic)
	before := e.srv.TokenRequests()
	for _, args := range [][]string{
		{"call", "gen", "-X", "BAD METHOD"},
		{"call", "gen", "/x", "-H", "X-A: a\r\nInjected: 1"},
		{"call", "gen", "/x", "-H", "Bad Name: v"},
		{"call", "gen", "ftp://evil.example/path", "--dry-run"},
		{"call", "gen", "javascript:alert(1)", "--dry-run"},
	} {
		if r := e.run("", args...); r.code != ExitUsage {
			t.Errorf("%q: exit %d, want %d: %s", args, r.code, ExitUsage, r.err)
		}
	}
	if e.srv.TokenRequests() != before {
		t.Error("a bad request fetched a token")
	}
	if r := e.run("", "call", "gen", "HTTP://127.0.0.1:9/x", "--dry-run"); r.code != 0 || !strings.HasPrefix(r.out, "GET http://127.0.0.1:9/x") {
		t.Errorf("an upper-case scheme: %d %q", r.code, r.out)
	}
	r := e.run("s3cret-value\n", "add", "tu", "--token-url", e.srv.URL+"/{client_id}/token", "--client-id", "c")
	if r.code != ExitUsage || !strings.Contains(r.err, "token_url") {
		t.Errorf("{client_id} in the token URL: %d %s", r.code, r.err)
	}
}

// TestPastedSecretLosesTheWhiteSpaceAroundIt: a secret copied from a web page often
// comes with a line break or spaces; stored as is it fails as invalid_client.
func TestPastedSecretLosesTheWhiteSpaceAroundIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.secrets = append(e.secrets, "generic-Secret+/=1")
	r := e.run("  generic-Secret+/=1 \r\n", "add", "gen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "generic-id")
	if r.code != 0 {
		t.Fatalf("add: %s", r.err)
	}
	if r := e.run("", "token", "gen"); r.code != 0 {
		t.Fatalf("the stored secret kept its white space: %s", r.err)
	}
}
