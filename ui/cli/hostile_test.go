package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// The hostile-server table: a token endpoint on loopback that answers as an attacker
// would, and the real oat binary run against it. Every case asserts the exit code,
// that nothing raw reaches stdout or stderr, and (through procEnv) that the secret is
// in none of its forms in any output or in any file under the config dir.

// assertNoRaw fails if text holds a control character other than newline, a C1 control
// or a bidi control: nothing a server sends may drive the terminal.
func assertNoRaw(t *testing.T, where, text string) {
	t.Helper()
	if i, r := oauth.FirstUnsafe(text, false); i >= 0 {
		t.Fatalf("%s: raw %U at byte %d:\n%q", where, r, i, text)
	}
}

func answerJSON(status int, body map[string]any) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
}

func answerToken(tok string) func(w http.ResponseWriter, r *http.Request) {
	return answerJSON(200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
}

func TestHostileTokenEndpoint(t *testing.T) {
	t.Parallel()
	const secret = "Evil-S3cret+/=&%"
	type tc struct {
		name    string
		handler func(w http.ResponseWriter, r *http.Request)
		auth    string
		args    []string // after the profile name is appended to args[0:1]
		code    int
		// quiet: nothing at all may reach stdout (a refused token).
		quiet bool
		// requests is the number of token requests wanted (0: not checked).
		requests int64
		check    func(t *testing.T, r procResult)
		// handlerFor, when set, builds the handler from the server (to sign tokens).
		handlerFor func(srv *oauthtest.Server) func(w http.ResponseWriter, r *http.Request)
	}
	forgedClaims := func(srv *oauthtest.Server) func(w http.ResponseWriter, r *http.Request) {
		return func(w http.ResponseWriter, r *http.Request) {
			tok, err := srv.Sign(map[string]any{"iss": srv.URL, "sub": "evil", "exp": time.Now().Add(time.Hour).Unix(),
				"x":                      "a\n  signature ✓ verified: forged\n  scope api/admin",
				"\x1b]52;c;ZXZpbA==\x07": "osc52 claim name", "note": "\u202eevil \u009b2J", "list": []string{"ok\r\nforged"}})
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			answerToken(tok)(w, r)
		}
	}
	oneVerifiedLine := func(want int) func(t *testing.T, r procResult) {
		return func(t *testing.T, r procResult) {
			n := 0
			for _, line := range strings.Split(r.out, "\n") {
				if strings.Contains(line, "forged") && !strings.HasPrefix(strings.TrimSpace(line), "x ") && !strings.HasPrefix(strings.TrimSpace(line), "list ") {
					t.Fatalf("a claim printed a line of its own: %q", line)
				}
				if strings.HasPrefix(line, "signature") {
					n++
				}
			}
			if n != want {
				t.Fatalf("%d signature lines, want %d:\n%s", n, want, r.out)
			}
		}
	}
	escToken := "opaque-\x1b]52;c;ZXZpbA==\x07\x1b[2J-end"
	cases := []tc{
		{name: "token with OSC 52 and clear screen", handler: answerToken(escToken), args: []string{"token"}, code: ExitFailure, quiet: true},
		{name: "token with OSC 52 via env", handler: answerToken(escToken), args: []string{"env"}, code: ExitFailure, quiet: true},
		{name: "token with CR LF via token", handler: answerToken("abc\r\nX-Injected: 1"), args: []string{"token"}, code: ExitFailure, quiet: true},
		{name: "token with CR LF via exec", handler: answerToken("abc\r\nX-Injected: 1"), args: []string{"exec", "--", "sh", "-c", "echo child ran"}, code: ExitFailure, quiet: true},
		{name: "token with bidi via --json", handler: answerToken("abc\u202edef"), args: []string{"token", "--json"}, code: ExitFailure, quiet: true},
		{name: "token with UTF-8 C1 via --json", handler: answerToken("abc\u009b2Jdef"), args: []string{"token", "--json"}, code: ExitFailure, quiet: true},
		{name: "token_type with an escape", handler: answerJSON(200, map[string]any{"access_token": "fine", "token_type": "Bearer\x1b]0;pwned\x07"}), args: []string{"token", "--json"}, code: ExitFailure, quiet: true},
		{name: "scope with bidi", handler: answerJSON(200, map[string]any{"access_token": "fine", "token_type": "Bearer", "scope": "api/read \u202eetirw/ipa"}), args: []string{"token", "--json"}, code: ExitFailure, quiet: true},
		{name: "description echoes the Basic header", auth: "basic", handler: func(w http.ResponseWriter, r *http.Request) {
			answerJSON(401, map[string]any{"error": "invalid_client", "error_description": "got " + r.Header.Get("Authorization")})(w, r)
		}, args: []string{"token"}, code: ExitAuth, quiet: true},
		{name: "description echoes the Basic header without padding", auth: "basic", handler: func(w http.ResponseWriter, r *http.Request) {
			answerJSON(401, map[string]any{"error": "invalid_client", "error_description": "got " + strings.TrimRight(r.Header.Get("Authorization"), "=")})(w, r)
		}, args: []string{"token"}, code: ExitAuth, quiet: true},
		{name: "description echoes the body with escapes", auth: "post", handler: func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			answerJSON(400, map[string]any{"error": "invalid_request\x1b[31m", "error_description": "\x1b]52;c;eA==\x07secret " + r.PostForm.Get("client_secret") + " body " + r.PostForm.Encode()})(w, r)
		}, args: []string{"token"}, code: ExitAuth, quiet: true},
		{name: "redirect whose Location holds the secret", auth: "post", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example/?s="+url.QueryEscape(secret)+"&raw="+secret, http.StatusFound)
		}, args: []string{"token"}, code: ExitFailure, quiet: true},
		{name: "malformed header holding the Basic credentials", auth: "basic", handler: func(w http.ResponseWriter, r *http.Request) {
			conn, buf, _ := w.(http.Hijacker).Hijack()
			defer conn.Close()
			fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nX-Echo %s\r\n\r\n", r.Header.Get("Authorization"))
			buf.Flush()
		}, args: []string{"token"}, code: ExitNetwork, quiet: true},
		{name: "auto does not resend the secret after invalid_target", auth: "auto", handler: answerJSON(400, map[string]any{"error": "invalid_target", "error_description": "unknown resource"}),
			args: []string{"token"}, code: ExitAuth, quiet: true, requests: 1, check: func(t *testing.T, r procResult) {
				if strings.Contains(r.err, "both client authentication methods") || !strings.Contains(r.err, "invalid_target") {
					t.Fatalf("want the first error as it is: %s", r.err)
				}
			}},
		{name: "auto falls back after invalid_client", auth: "auto", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "" {
				answerJSON(401, map[string]any{"error": "invalid_client"})(w, r)
				return
			}
			answerToken("fine-token")(w, r)
		}, args: []string{"token"}, code: 0, requests: 2, check: func(t *testing.T, r procResult) {
			if r.out != "fine-token\n" {
				t.Fatalf("stdout %q", r.out)
			}
		}},
	}
	cases = append(cases,
		tc{name: "claims that try to forge lines", handlerFor: forgedClaims, args: []string{"inspect"}, code: 0, check: oneVerifiedLine(0)},
		tc{name: "claims that try to forge lines, verified", handlerFor: forgedClaims, args: []string{"inspect", "--verify"}, code: 0, check: oneVerifiedLine(1)},
		tc{name: "error_uri and description with controls", handler: answerJSON(400, map[string]any{"error": "invalid_scope", "error_description": "\u202eepocs\u009b2J", "error_uri": "https://x.example/\x1b]8;;evil\x07"}),
			args: []string{"token"}, code: ExitAuth, quiet: true},
		tc{name: "HTML page with escapes", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html><title>\x1b]0;pwned\x07Bad \u202eGateway</title></html>")
		}, args: []string{"token"}, code: ExitFailure, quiet: true},
	)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := newProcEnv(t)
			var n atomic.Int64
			handler := c.handler
			if c.handlerFor != nil {
				handler = c.handlerFor(e.srv)
			}
			e.srv.AddClient(oauthtest.Client{ID: "evil", Flavour: oauthtest.Generic, Secrets: []string{secret},
				Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) { n.Add(1); handler(w, r) }}})
			e.secrets = append(e.secrets, secretForms(secret)...)
			e.secrets = append(e.secrets, basicForms("evil", secret)...)
			auth := c.auth
			if auth == "" {
				auth = "basic"
			}
			if r := e.run(secret+"\n", "add", "x", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "evil", "--auth", auth); r.code != 0 {
				t.Fatalf("add: %d %s", r.code, r.err)
			}
			args := append([]string{c.args[0], "x"}, c.args[1:]...)
			r := e.run("", args...)
			if r.code != c.code {
				t.Fatalf("oat %v: exit %d, want %d\nstdout: %q\nstderr: %q", args, r.code, c.code, r.out, r.err)
			}
			if c.quiet && r.out != "" {
				t.Fatalf("oat %v printed on stdout: %q", args, r.out)
			}
			assertNoRaw(t, "stdout", r.out)
			assertNoRaw(t, "stderr", r.err)
			if c.requests > 0 && n.Load() != c.requests {
				t.Fatalf("%d token requests, want %d", n.Load(), c.requests)
			}
			if c.check != nil {
				c.check(t, r)
			}
			// What was recorded is shown by ls: clean, and no secret (run checks it).
			ls := e.run("", "ls")
			assertNoRaw(t, "ls", ls.out+ls.err)
			// Nothing refused was cached: the next token request goes to the server again.
			if c.code != 0 {
				before := n.Load()
				e.run("", "token", "x")
				if n.Load() == before {
					t.Fatal("the refused answer was cached")
				}
			}
			e.noSecretOnDisk()
		})
	}
}

// TestTimeoutBoundsTheWholeCommand: --timeout is the time of the command, not of each
// request. Discovery tries four URLs; each answers 404 after most of the timeout.
func TestTimeoutBoundsTheWholeCommand(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		select {
		case <-time.After(1500 * time.Millisecond):
		case <-r.Context().Done():
		}
		http.NotFound(w, r)
	})
	srv := httptestServer(t, slow)
	e := newProcEnv(t)
	r := e.run("s3cret-value\n", "--timeout", "2s", "add", "slow", "--discover", srv+"/realms/x", "--client-id", "c")
	if r.code != ExitNetwork || !strings.Contains(r.err, "--timeout") {
		t.Fatalf("exit %d, want %d: %s", r.code, ExitNetwork, r.err)
	}
	// Per request, all four would have been asked (4 × 1.5 s under a 2 s timeout).
	if h := hits.Load(); h > 2 {
		t.Fatalf("%d discovery requests under one 2 s budget of 1.5 s answers", h)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "profiles.toml")); err == nil {
		if ls := e.run("", "ls"); strings.Contains(ls.out, "slow") {
			t.Fatal("a profile was saved")
		}
	}
}

func TestLocalhostSubdomainIsNotLoopback(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	r := e.run("s3cret-value\n", "add", "x", "--token-url", "http://evil.localhost:8080/token", "--client-id", "c")
	if r.code != ExitUsage || !strings.Contains(r.err, "plain http") {
		t.Fatalf("http://evil.localhost accepted: %d %s", r.code, r.err)
	}
	r = e.run("s3cret-value\n", "add", "y", "--token-url", strings.Replace(e.srv.TokenURL(oauthtest.Generic), "127.0.0.1", "localhost", 1), "--client-id", "c")
	if r.code != 0 {
		t.Fatalf("http://localhost refused: %d %s", r.code, r.err)
	}
}

// httptestServer serves h on 127.0.0.1 and returns its base URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}
