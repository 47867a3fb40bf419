package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// Tests of the integrations: token --format / --write / --watch, proxy, exec --mask.
// Each runs the built binary against oauthtest on loopback. Waits are bounded (a hang
// fails the test) and nothing asserts how fast anything is.

// bgProc is an oat process that runs until the test stops it.
type bgProc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	code   int
}

// start runs oat in the background; stdout goes to out (nil: a buffer nobody reads).
func (e *procEnv) start(out io.Writer, args ...string) *bgProc {
	e.t.Helper()
	p := &bgProc{cmd: exec.Command(e.bin, args...), stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Env, p.cmd.Dir = e.environ(), e.home
	if out == nil {
		out = &syncBuffer{}
	}
	p.cmd.Stdout, p.cmd.Stderr = out, p.stderr
	if err := p.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		_ = err
		close(p.done)
	}()
	e.t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// stop signals the process and waits (bounded) for its exit code.
func (p *bgProc) stop(t *testing.T, sig os.Signal) int {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return p.code
	case <-time.After(30 * time.Second):
		t.Fatalf("oat did not stop on %v: %s", sig, p.stderr.String())
		return -1
	}
}

// waitFor polls cond until it holds; a bound, not a timing assertion.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited in vain for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// execCredential mirrors k8s.io/client-go/pkg/apis/clientauthentication/v1.ExecCredential
// as kubectl decodes it. client-go itself is not pulled in (a large module tree for
// one type): the check is a strict decode instead, unknown fields refused.
type execCredential struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       *struct {
		Interactive bool `json:"interactive"`
	} `json:"spec,omitempty"`
	Status *struct {
		ExpirationTimestamp   *string `json:"expirationTimestamp,omitempty"`
		Token                 string  `json:"token,omitempty"`
		ClientCertificateData string  `json:"clientCertificateData,omitempty"`
		ClientKeyData         string  `json:"clientKeyData,omitempty"`
	} `json:"status,omitempty"`
}

// TestBinaryTokenFormats: each --format from the real binary; exec-credential called
// as kubectl calls an exec plugin (KUBERNETES_EXEC_INFO set, stdin not a terminal) and
// decoded strictly into the ExecCredential v1 shape.
func TestBinaryTokenFormats(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	bare := e.run("", "token", "gen")
	tok := strings.TrimSuffix(bare.out, "\n")
	if bare.code != 0 || !strings.HasPrefix(tok, "eyJ") || strings.Contains(tok, "\n") {
		t.Fatalf("bare: %d %q", bare.code, bare.out)
	}
	if r := e.run("", "token", "gen", "--format", "bare"); r.out != bare.out {
		t.Fatalf("--format bare: %q", r.out)
	}
	if r := e.run("", "token", "gen", "--format", "header"); r.out != "Authorization: Bearer "+tok+"\n" {
		t.Fatalf("header: %q", r.out)
	}
	if r := e.run("", "token", "gen", "--format", "curl"); r.out != `header = "Authorization: Bearer `+tok+`"`+"\n" {
		t.Fatalf("curl: %q", r.out)
	}
	for _, args := range [][]string{{"--format", "json"}, {"--json"}, {"--json", "--format", "json"}} {
		r := e.run("", append([]string{"token", "gen"}, args...)...)
		var j map[string]any
		if err := json.Unmarshal([]byte(r.out), &j); err != nil || j["access_token"] != tok || j["token_type"] != "Bearer" || j["expires_at"] == nil {
			t.Fatalf("%v: %v %q", args, err, r.out)
		}
	}
	for _, args := range [][]string{{"--format", "yaml"}, {"--json", "--format", "header"}, {"--watch"}, {"--min-valid", "-1m"}} {
		if r := e.run("", append([]string{"token", "gen"}, args...)...); r.code != ExitUsage || r.out != "" {
			t.Fatalf("%v: %d %q %q", args, r.code, r.out, r.err)
		}
	}

	e.vars["KUBERNETES_EXEC_INFO"] = `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`
	r := e.run("", "token", "gen", "--format", "exec-credential")
	delete(e.vars, "KUBERNETES_EXEC_INFO")
	if r.code != 0 || r.err != "" {
		t.Fatalf("exec-credential: %d %q", r.code, r.err)
	}
	dec := json.NewDecoder(strings.NewReader(r.out))
	dec.DisallowUnknownFields()
	var ec execCredential
	if err := dec.Decode(&ec); err != nil {
		t.Fatalf("exec-credential is not an ExecCredential: %v\n%s", err, r.out)
	}
	if dec.More() {
		t.Fatalf("more than one JSON document: %s", r.out)
	}
	if ec.APIVersion != "client.authentication.k8s.io/v1" || ec.Kind != "ExecCredential" || ec.Status == nil ||
		ec.Status.Token != tok || ec.Status.ExpirationTimestamp == nil || ec.Status.ClientCertificateData != "" {
		t.Fatalf("exec-credential: %s", r.out)
	}
	exp, err := time.Parse(time.RFC3339, *ec.Status.ExpirationTimestamp)
	if err != nil || !exp.After(time.Now()) {
		t.Fatalf("expirationTimestamp %q: %v", *ec.Status.ExpirationTimestamp, err)
	}
	// The raw keys too: exactly what kubectl reads, nothing else.
	var raw map[string]json.RawMessage
	var status map[string]json.RawMessage
	_ = json.Unmarshal([]byte(r.out), &raw)
	_ = json.Unmarshal(raw["status"], &status)
	if len(raw) != 3 || len(status) != 2 {
		t.Fatalf("exec-credential keys: %s", r.out)
	}
}

// TestBinaryTokenWrite: --write replaces a file atomically with mode 0600 and the bare
// token without a line break; nothing on stdout.
func TestBinaryTokenWrite(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	tok := strings.TrimSpace(e.run("", "token", "gen").out)
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.run("", "token", "gen", "--write", file)
	data, _ := os.ReadFile(file)
	if r.code != 0 || r.out != "" || string(data) != tok || !strings.Contains(r.err, "valid until") {
		t.Fatalf("--write: %d %q %q, file %q", r.code, r.out, r.err, data)
	}
	if fi, _ := os.Stat(file); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode().Perm())
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("temp files left: %v", ents)
	}
	e.run("", "token", "gen", "--write", file, "--format", "header")
	if data, _ := os.ReadFile(file); string(data) != "Authorization: Bearer "+tok+"\n" {
		t.Fatalf("--write --format header: %q", data)
	}
	if r := e.run("", "token", "gen", "--write", filepath.Join(dir, "no-such-dir", "t")); r.code == 0 {
		t.Fatal("a write into a missing directory succeeded")
	}
}

var watchLine = regexp.MustCompile(`wrote a new token of short to \S+ \(valid until (\d\d:\d\d:\d\d), in [^)]*\); next refresh at (\d\d:\d\d:\d\d)`)

// TestBinaryTokenWatch: --write --watch against a server that issues 6-second tokens
// rewrites the file before each expiry, survives a refresh that fails (the old token
// stays in the file while valid), recovers when the server does, and stops cleanly on
// SIGINT leaving no temp file.
func TestBinaryTokenWatch(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("signals a process with os.Interrupt")
	}
	t.Parallel()
	e := newProcEnv(t)
	e.add("short", "short-id", "short-Secret+/=1", oauthtest.Generic)
	e.srv.SetLifetime("short-id", 6*time.Second)
	dir := t.TempDir()
	file := filepath.Join(dir, "token")
	p := e.start(nil, "token", "short", "--write", file, "--watch", "--force")
	read := func() string { b, _ := os.ReadFile(file); return string(b) }

	waitFor(t, "the first token", func() bool { return strings.HasPrefix(read(), "eyJ") })
	t1 := read()
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi, err)
	}
	// The refresh comes before the expiry: the line says so (clock times, not a race).
	waitFor(t, "the first line", func() bool { return watchLine.MatchString(p.stderr.String()) })
	m := watchLine.FindStringSubmatch(p.stderr.String())
	if until, next := m[1], m[2]; next >= until && until > "00:01:00" {
		t.Fatalf("next refresh %s is not before the expiry %s", next, until)
	}

	// The token endpoint fails: the watch says so, backs off, and keeps the old token.
	e.srv.SetMisbehaviour("short-id", oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"error":"temporarily_unavailable"}`)
	}})
	waitFor(t, "a failed refresh", func() bool { return strings.Contains(p.stderr.String(), "refresh failed") })
	if got := read(); got != t1 && !strings.Contains(p.stderr.String(), "expired; removed it") {
		t.Fatalf("after a failed refresh the file holds %q", got)
	}
	if !strings.Contains(p.stderr.String(), "stays (valid until") || !strings.Contains(p.stderr.String(), "next try in") {
		t.Fatalf("the failure line does not say what stays and when oat tries again:\n%s", p.stderr.String())
	}

	// Still failing: oat tries again (backing off), and no expired token stays in the file.
	waitFor(t, "a second failed refresh", func() bool { return strings.Count(p.stderr.String(), "refresh failed") >= 2 })

	// The server recovers: a new token replaces the old one.
	e.srv.SetMisbehaviour("short-id", oauthtest.Misbehaviour{})
	waitFor(t, "a new token after the failure", func() bool { got := read(); return strings.HasPrefix(got, "eyJ") && got != t1 })
	t2 := read()

	if code := p.stop(t, os.Interrupt); code != 0 || !strings.Contains(p.stderr.String(), "oat: stopped") {
		t.Fatalf("stop: %d\n%s", code, p.stderr.String())
	}
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		if ent.Name() != "token" {
			t.Errorf("left behind: %s", ent.Name())
		}
	}
	e.secrets = append(e.secrets, t1, t2)
	t.Log(p.stderr.String())
	e.noSecretIn("token --watch stderr", p.stderr.String())
}

// TestMaskerSplitWrites: the token is replaced however the output is cut into writes,
// and what only looked like the start of the token comes out unchanged.
func TestMaskerSplitWrites(t *testing.T) {
	tok := "eyJhbGciOi.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	in := "a " + tok + " b eyJhbG " + tok + tok + "\ntail eyJhbGciOi"
	want := strings.ReplaceAll(in, tok, "<oat:gen token>")
	for size := 1; size <= len(in); size++ {
		var out bytes.Buffer
		m := newMasker(&out, tok, "<oat:gen token>")
		for i := 0; i < len(in); i += size {
			chunk := in[i:min(i+size, len(in))]
			if n, err := m.Write([]byte(chunk)); n != len(chunk) || err != nil {
				t.Fatalf("write: %d %v", n, err)
			}
		}
		_ = m.Flush()
		if out.String() != want {
			t.Fatalf("writes of %d bytes: %q", size, out.String())
		}
	}
}

// TestBinaryExecMask: a child that prints the token in pieces (separate writes, with
// pauses) on stdout and whole on stderr: neither stream shows it with --mask.
func TestBinaryExecMask(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	tok := strings.TrimSpace(e.run("", "token", "gen").out)
	e.secrets = append(e.secrets, tok) // every later output of e.run is checked for it
	script := `T=$OAT_ACCESS_TOKEN
head=${T%%.*}; rest=${T#*.}; last=${T#"${T%??????????}"}; mid=${rest%"$last"}
printf 'token: %s' "$head"; sleep 0.2; printf '.'; sleep 0.2; printf '%s' "$mid"; sleep 0.2; printf '%s end\n' "$last"
echo "err $T" >&2
printf 'not it: %s\n' "$head"`
	r := e.run("", "exec", "gen", "--mask", "--", "sh", "-c", script)
	if r.code != 0 || r.out != "token: <oat:gen token> end\nnot it: "+strings.SplitN(tok, ".", 2)[0]+"\n" || r.err != "err <oat:gen token>\n" {
		t.Fatalf("--mask: %d %q %q", r.code, r.out, r.err)
	}
	// The exit code still passes through.
	if r := e.run("", "exec", "gen", "--mask", "--", "sh", "-c", "exit 7"); r.code != 7 {
		t.Fatalf("--mask exit code: %d", r.code)
	}
}

// TestBinaryExecPaperCuts: `exec NAME sh -c …` without -- says to put -- before the
// command; a command that does not exist exits 127; --min-valid beyond what a fresh
// token can live is exit 1 with the command not run.
func TestBinaryExecPaperCuts(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.add("gen", "gen-id", "gen-Secret+/=1", oauthtest.Generic)
	for _, args := range [][]string{{"exec", "gen", "sh", "-c", "echo ran"}, {"exec", "gen", "ls"}} {
		if r := e.run("", args...); r.code != ExitUsage || !strings.Contains(r.err, "put -- before the command") || r.out != "" {
			t.Fatalf("%v: %d %q", args, r.code, r.err)
		}
	}
	if r := e.run("", "exec", "gen", "--", "no-such-command-oat-xyz"); r.code != ExitNotFound || !strings.Contains(r.err, "no-such-command-oat-xyz") {
		t.Fatalf("missing command: %d %q", r.code, r.err)
	}
	if runtime.GOOS != "windows" {
		_ = os.WriteFile(filepath.Join(e.home, "notexec"), []byte("echo ran\n"), 0o644)
		if r := e.run("", "exec", "gen", "--", "./notexec"); r.code != ExitCannotRun || r.out != "" {
			t.Fatalf("not executable: %d %q", r.code, r.err)
		}
	}
	before := e.srv.TokenRequests()
	r := e.run("", "exec", "gen", "--min-valid", "5h", "--", "sh", "-c", "echo ran")
	if r.code != ExitFailure || r.out != "" || !strings.Contains(r.err, "--min-valid 5h") || e.srv.TokenRequests() != before+1 {
		t.Fatalf("--min-valid 5h: %d %q %q", r.code, r.out, r.err)
	}
	// A cached token shorter-lived than --min-valid is replaced, and that one is used.
	e.srv.SetLifetime("gen-id", 10*time.Minute)
	short := strings.TrimSpace(e.run("", "token", "gen", "--force").out)
	e.srv.SetLifetime("gen-id", time.Hour)
	r = e.run("", "token", "gen", "--min-valid", "30m")
	if got := strings.TrimSpace(r.out); r.code != 0 || got == short || got == "" {
		t.Fatalf("--min-valid 30m with a 10m token cached: %d, same token: %v", r.code, got == short)
	}
}

// echoAPI is an API that says what it received, and answers 401 to tokens it was told
// are revoked, as a provider does after revoking them.
type echoAPI struct {
	mu        sync.Mutex
	revoked   map[string]bool
	rejectAll bool
	tokens    []string
}

func (a *echoAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/huge") {
		w.Write(bytes.Repeat([]byte("x"), 2<<20))
		return
	}
	auth := r.Header.Values("Authorization")
	tok := ""
	if len(auth) == 1 {
		tok = strings.TrimPrefix(auth[0], "Bearer ")
	}
	a.mu.Lock()
	a.tokens = append(a.tokens, tok)
	bad := a.revoked[tok] || a.rejectAll
	a.mu.Unlock()
	if bad {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"auth": auth, "path": r.URL.Path, "query": r.URL.RawQuery,
		"body": len(body), "custom": r.Header.Get("X-Custom"), "xff": r.Header.Get("X-Forwarded-For")})
}

func (a *echoAPI) revoke(tok string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.revoked[tok] = true
}

// startProxy starts oat proxy NAME and returns it with the URL it printed.
func (e *procEnv) startProxy(t *testing.T, args ...string) (*bgProc, string) {
	t.Helper()
	pr, pw := io.Pipe()
	p := e.start(pw, append([]string{"proxy"}, args...)...)
	urls := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(pr).ReadString('\n')
		urls <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, pr)
	}()
	select {
	case base := <-urls:
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Fatalf("listening URL %q: %s", base, p.stderr.String())
		}
		return p, base
	case <-time.After(45 * time.Second):
		t.Fatalf("no URL printed: %s", p.stderr.String())
	}
	return nil, ""
}

// TestBinaryProxyProviderRevokes: the provider revokes every token it issued (oauthtest's
// API answers 401 invalid_token): the proxy gets a new one and the client sees a 200.
func TestBinaryProxyProviderRevokes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops the proxy with SIGTERM")
	}
	t.Parallel()
	e := newProcEnv(t)
	e.add("eco", "eco-id", "eco-Secret+/=1", oauthtest.Generic)
	p, base := e.startProxy(t, "eco", "--listen", "localhost:0")
	get := func() (int, string) {
		resp, err := (&http.Client{Timeout: 45 * time.Second}).Get(base + "/v0/versions")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(); code != 200 || !strings.Contains(body, `"versions"`) {
		t.Fatalf("through the proxy: %d %s", code, body)
	}
	e.srv.RevokeIssuedTokens()
	before := e.srv.TokenRequests()
	if code, body := get(); code != 200 || e.srv.TokenRequests() != before+1 {
		t.Fatalf("after the provider revoked the token: %d %s, %d token requests", code, body, e.srv.TokenRequests()-before)
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("stop: %d", code)
	}
	e.noSecretIn("proxy stderr", p.stderr.String())
}

// TestBinaryProxy: oat proxy against an API on loopback: it adds the profile's token
// (never the client's), expands {client_id} in the base, keeps path and query, retries
// once with a new token on a 401, refuses big bodies, browsers, foreign Host headers and
// climbing paths, and does not listen off loopback.
func TestBinaryProxy(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("stops the proxy with SIGTERM")
	}
	t.Parallel()
	e := newProcEnv(t)
	api := &echoAPI{revoked: map[string]bool{}}
	up := httptest.NewServer(api)
	t.Cleanup(up.Close)
	e.add("pxy", "pxy-id", "pxy-Secret+/=1", oauthtest.Generic, "--api-url", up.URL+"/base/{client_id}")

	for _, listen := range []string{"0.0.0.0:0", "[::]:0", "example.com:80", ":0", "192.168.1.1:0"} {
		if r := e.run("", "proxy", "pxy", "--listen", listen); r.code != ExitUsage || !strings.Contains(r.err, "loopback") {
			t.Fatalf("--listen %s: %d %q", listen, r.code, r.err)
		}
	}

	p, base := e.startProxy(t, "pxy")
	hc := &http.Client{Timeout: 45 * time.Second}
	do := func(method, path string, body io.Reader, hdr map[string]string) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, body)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			if k == "Host" {
				req.Host = v
			} else {
				req.Header.Set(k, v)
			}
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var j map[string]any
		data, _ := io.ReadAll(resp.Body)
		_ = json.Unmarshal(data, &j)
		return resp.StatusCode, j
	}

	code, j := do("GET", "/v1/items?x=1&y={a}", nil, map[string]string{"Authorization": "Bearer client-sent", "X-Custom": "yes", "X-Forwarded-For": "10.9.9.9"})
	auth, _ := j["auth"].([]any)
	if code != 200 || len(auth) != 1 || !strings.HasPrefix(auth[0].(string), "Bearer eyJ") || j["path"] != "/base/pxy-id/v1/items" ||
		j["query"] != "x=1&y=%7Ba%7D" || j["custom"] != "yes" || j["xff"] != "" {
		t.Fatalf("forwarded: %d %v", code, j)
	}
	first := strings.TrimPrefix(auth[0].(string), "Bearer ")
	code, j = do("POST", "/v1/items", strings.NewReader(`{"a":1}`), nil)
	if code != 200 || j["body"] != float64(7) {
		t.Fatalf("POST: %d %v", code, j)
	}

	// The API revokes the token: one new token, one retry, and the client sees a 200.
	api.revoke(first)
	before := e.srv.TokenRequests()
	code, j = do("GET", "/again", nil, nil)
	auth, _ = j["auth"].([]any)
	if code != 200 || len(auth) != 1 || auth[0] == "Bearer "+first || e.srv.TokenRequests() != before+1 {
		t.Fatalf("after a 401: %d %v, %d token requests", code, j, e.srv.TokenRequests()-before)
	}
	second := strings.TrimPrefix(auth[0].(string), "Bearer ")
	waitFor(t, "the retry in the log", func() bool {
		return strings.Contains(p.stderr.String(), "fetched a new one and sent the call again")
	})
	// The API rejects every token: one new token, and its 401 is the answer (no loop).
	api.mu.Lock()
	api.rejectAll = true
	api.mu.Unlock()
	before = e.srv.TokenRequests()
	if code, _ := do("GET", "/again", nil, nil); code != 401 || e.srv.TokenRequests() != before+1 {
		t.Fatalf("a second 401: %d, %d token requests", code, e.srv.TokenRequests()-before)
	}

	for _, c := range []struct {
		method, path string
		body         io.Reader
		hdr          map[string]string
		want         int
	}{
		{"POST", "/big", bytes.NewReader(make([]byte, 8<<20+1)), nil, http.StatusRequestEntityTooLarge},
		{"GET", "/huge", nil, nil, http.StatusBadGateway},
		{"GET", "/x", nil, map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"POST", "/x", nil, map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"GET", "/x", nil, map[string]string{"Host": "evil.example"}, http.StatusForbidden},
		{"GET", "/a/../../admin", nil, nil, http.StatusForbidden},
		{"TRACE", "/x", nil, nil, http.StatusForbidden}, // would echo the token back
	} {
		if code, _ := do(c.method, c.path, c.body, c.hdr); code != c.want {
			t.Fatalf("%s %s %v: %d, want %d", c.method, c.path, c.hdr, code, c.want)
		}
	}
	if code := p.stop(t, syscall.SIGTERM); code != 0 {
		t.Fatalf("stop: %d\n%s", code, p.stderr.String())
	}
	e.secrets = append(e.secrets, first, second, "client-sent")
	t.Log(p.stderr.String())
	e.noSecretIn("proxy stderr", p.stderr.String())
}
