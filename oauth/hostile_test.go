package oauth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// The tests here are written the way an attacker would try: a token endpoint on
// loopback that answers whatever it likes.

const hostileSecret = "Hostile-S3cret+/=&%x"

// hostileServer registers a Generic client that authenticates as usual and then answers
// with h.
func hostileServer(t *testing.T, h http.HandlerFunc) (*oauthtest.Server, TokenRequest) {
	t.Helper()
	srv := newServer(t)
	srv.AddClient(oauthtest.Client{ID: "evil-client", Flavour: oauthtest.Generic, Secrets: []string{hostileSecret},
		Misbehave: oauthtest.Misbehaviour{Custom: h}})
	return srv, TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "evil-client", ClientSecret: hostileSecret, Auth: AuthBasic}
}

func jsonAnswer(status int, body map[string]any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(body)
	}
}

// allSecretForms are the forms in which oat sends the secret of req.
func allSecretForms(req TokenRequest) []string {
	forms := []string{req.ClientSecret, url.QueryEscape(req.ClientSecret), url.PathEscape(req.ClientSecret)}
	for _, enc := range []BasicEncoding{BasicRFC, BasicRaw} {
		b := strings.TrimPrefix(BasicCredentials(req.ClientID, req.ClientSecret, enc), "Basic ")
		forms = append(forms, b, strings.TrimRight(b, "="))
	}
	return forms
}

func assertNoSecret(t *testing.T, req TokenRequest, what, text string) {
	t.Helper()
	for _, f := range allSecretForms(req) {
		if strings.Contains(text, f) {
			t.Fatalf("%s holds the secret (as %q):\n%s", what, f, text)
		}
	}
}

// errorTexts is every piece of an error's text a screen might show.
func errorTexts(err error) string {
	var b strings.Builder
	b.WriteString(err.Error())
	var ex *Exchange
	var oe *OAuthError
	var re *ResponseError
	switch {
	case errors.As(err, &oe):
		ex = oe.Exchange
	case errors.As(err, &re):
		ex = re.Exchange
	}
	if ex != nil {
		fmt.Fprintf(&b, "\n%s %s\n%v\n%s\n%v\n%s", ex.Method, ex.URL, ex.RequestHeaders, ex.RequestBody, ex.ResponseHeaders, ex.ResponseBody)
	}
	return b.String()
}

func TestInvalidAccessTokenIsRefused(t *testing.T) {
	t.Parallel()
	for name, tok := range map[string]string{
		"OSC 52 and clear screen": "opaque-\x1b]52;c;ZXZpbA==\x07\x1b[2J-end",
		"CR LF header injection":  "abc\r\nX-Injected: 1",
		"bidi override":           "abc\u202edef",
		"C1 NEL":                  "abc\u0085def",
		"DEL":                     "abc\x7f",
		"NUL":                     "abc\x00def",
		"tab":                     "abc\tdef",
		"non-ASCII letter":        "abcé",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, rq := hostileServer(t, jsonAnswer(200, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600}))
			got, err := NewClient().FetchToken(context.Background(), rq)
			var re *ResponseError
			if err == nil || !errors.As(err, &re) || re.Kind != InvalidToken {
				t.Fatalf("token %q accepted: %v %v", tok, got, err)
			}
			assertClean(t, err.Error())
		})
	}
	for name, body := range map[string]map[string]any{
		"token_type":  {"access_token": "ok-token", "token_type": "Bearer\x1b]0;title\x07"},
		"token_type2": {"access_token": "ok-token", "token_type": "Bearer\u202e"},
		"scope":       {"access_token": "ok-token", "token_type": "Bearer", "scope": "api/read \u009b2J\u202e"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, rq := hostileServer(t, jsonAnswer(200, body))
			if got, err := NewClient().FetchToken(context.Background(), rq); err == nil {
				t.Fatalf("accepted %v: %+v", body, got)
			} else {
				assertClean(t, err.Error())
			}
		})
	}
}

func TestSecretIsRedactedFromEveryError(t *testing.T) {
	t.Parallel()
	echoAuth := func(trim bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			a := r.Header.Get("Authorization")
			if trim {
				a = strings.TrimRight(a, "=")
			}
			jsonAnswer(400, map[string]any{"error": "invalid_request", "error_description": "bad header: " + a})(w, r)
		}
	}
	cases := map[string]struct {
		auth AuthMethod
		enc  BasicEncoding
		h    http.HandlerFunc
	}{
		"description echoes the Basic header":             {AuthBasic, BasicRFC, echoAuth(false)},
		"description echoes the Basic header, no padding": {AuthBasic, BasicRFC, echoAuth(true)},
		"description echoes the raw Basic header":         {AuthBasic, BasicRaw, echoAuth(false)},
		"description echoes a prefix of the Basic header": {AuthBasic, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			a := r.Header.Get("Authorization")
			jsonAnswer(401, map[string]any{"error": "invalid_client", "error_description": a[:len(a)-3]})(w, r)
		}},
		"description echoes the form body": {AuthPost, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			b, _ := readAllLimited(r)
			jsonAnswer(400, map[string]any{"error": "invalid_request", "error_description": b})(w, r)
		}},
		"redirect whose Location holds the secret": {AuthPost, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example/?s="+url.QueryEscape(hostileSecret), http.StatusFound)
		}},
		"redirect whose Location holds the Basic header": {AuthBasic, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://evil.example/"+strings.TrimPrefix(r.Header.Get("Authorization"), "Basic "), http.StatusFound)
		}},
		"malformed response header holding the secret": {AuthPost, BasicRFC, rawAnswer("HTTP/1.1 200 OK\r\nX-Echo " + hostileSecret + "\r\n\r\n")},
		"malformed response header holding the Basic cred": {AuthBasic, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			rawAnswer("HTTP/1.1 200 OK\r\nX-Echo "+r.Header.Get("Authorization")+"\r\n\r\n")(w, r)
		}},
		"HTML page echoing the secret HTML-escaped": {AuthPost, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			fmt.Fprintf(w, "<html><body>secret was %s</body></html>", strings.ReplaceAll(hostileSecret, "&", "&amp;"))
		}},
		"JSON body echoing the secret JSON-escaped": {AuthPost, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			fmt.Fprintf(w, `{"message":"%s"}`, strings.ReplaceAll(hostileSecret, "/", `\/`))
		}},
		"response header echoing the secret": {AuthPost, BasicRFC, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Echo", hostileSecret)
			jsonAnswer(401, map[string]any{"error": "invalid_client"})(w, r)
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, rq := hostileServer(t, tc.h)
			rq.Auth, rq.Encoding = tc.auth, tc.enc
			_, err := NewClient().FetchToken(context.Background(), rq)
			if err == nil {
				t.Fatal("no error")
			}
			assertNoSecret(t, rq, "error", errorTexts(err))
			assertClean(t, err.Error())
		})
	}
}

func readAllLimited(r *http.Request) (string, error) {
	b := make([]byte, 4096)
	n, _ := r.Body.Read(b)
	return string(b[:n]), nil
}

// rawAnswer writes raw bytes on the connection: framing net/http would never produce.
func rawAnswer(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		buf.WriteString(raw)
		buf.Flush()
	}
}

func TestRedactCoversEveryForm(t *testing.T) {
	t.Parallel()
	rq := TokenRequest{ClientID: "my client", ClientSecret: hostileSecret}
	r := newRedactor(rq)
	for _, f := range allSecretForms(rq) {
		text := "before " + f + " after"
		got := r.redact(text)
		assertNoSecret(t, rq, "redacted text", got)
		if !strings.HasPrefix(got, "before ") || !strings.HasSuffix(got, " after") {
			t.Errorf("redaction ate the context: %q", got)
		}
	}
	// The id alone is not a secret: its Basic prefix without any secret byte stays.
	idOnly := base64.StdEncoding.EncodeToString([]byte("my+client:"))
	if got := r.redact(idOnly); got != idOnly {
		t.Errorf("id-only prefix redacted: %q", got)
	}
}

func TestAutoFallsBackOnlyOnClientAuthFailure(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := NewClient()
	// invalid_scope from Basic: the secret must not be sent a second time.
	before := srv.TokenRequests()
	_, err := c.FetchToken(context.Background(), req(srv, oauthtest.Cognito, AuthAuto, "admin"))
	var oe *OAuthError
	var ae *AutoError
	if errors.As(err, &ae) || !errors.As(err, &oe) || oe.Code != "invalid_scope" {
		t.Fatalf("want the first invalid_scope as it is, got %v", err)
	}
	if n := srv.TokenRequests() - before; n != 1 {
		t.Fatalf("%d token requests, want 1", n)
	}
	// invalid_client from Basic: fall back to the body (and it works for the dashboard).
	tok, err := c.FetchToken(context.Background(), req(srv, oauthtest.Dashboard, AuthAuto))
	if err != nil || tok.Auth != AuthPost {
		t.Fatalf("dashboard auto: %v", err)
	}
	for name, tc := range map[string]struct {
		h        http.HandlerFunc
		fallback bool
	}{
		"401 without a JSON body":                       {func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) }, true},
		"invalid_request naming the header":             {jsonAnswer(400, map[string]any{"error": "invalid_request", "error_description": "Malformed Authorization header"}), true},
		"invalid_request: no client_id":                 {jsonAnswer(400, map[string]any{"error": "invalid_request", "error_description": "Missing parameter: client_id"}), true},
		"invalid_target":                                {jsonAnswer(400, map[string]any{"error": "invalid_target"}), false},
		"invalid_request about audience":                {jsonAnswer(400, map[string]any{"error": "invalid_request", "error_description": "unknown audience"}), false},
		"invalid_request citing the authorization docs": {jsonAnswer(400, map[string]any{"error": "invalid_request", "error_description": "unsupported audience; see authorization docs"}), false},
		"server_error":                                  {jsonAnswer(500, map[string]any{"error": "server_error"}), false},
		"HTML 502":                                      {func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) }, false},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, rq := hostileServer(t, tc.h)
			rq.Auth = AuthAuto
			before := srv.TokenRequests()
			_, err := NewClient().FetchToken(context.Background(), rq)
			n := srv.TokenRequests() - before
			if tc.fallback != (n == 2) || err == nil {
				t.Fatalf("fallback=%v but %d requests: %v", tc.fallback, n, err)
			}
			if !tc.fallback && errors.As(err, &ae) {
				t.Fatalf("an AutoError for a failure that is not client authentication: %v", err)
			}
		})
	}
}

func TestLocalhostIsNotLookedUp(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := NewClient()
	c.lookupHost = func(ctx context.Context, host string) ([]string, error) {
		t.Errorf("looked up %q", host)
		return nil, errors.New("no lookups in this test")
	}
	rq := req(srv, oauthtest.Generic, AuthBasic)
	rq.TokenURL = strings.Replace(rq.TokenURL, "127.0.0.1", "localhost", 1)
	if _, err := c.FetchToken(context.Background(), rq); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1"} {
		if !IsLoopback(h) {
			t.Errorf("%s is loopback", h)
		}
	}
	for _, h := range []string{"evil.localhost", "localhost.evil.example", "a.b.localhost", "localhost.", "0.0.0.0", "example.com"} {
		if IsLoopback(h) {
			t.Errorf("%s counted as loopback", h)
		}
	}
}

// TestRedactionSurvivesServerEncodings: a server may send the secret back through any
// encoding of its own framework (Python's html.escape and quote, JavaScript's
// encodeURIComponent, lower-case percent escapes, Go's %q, folded white space), cut
// short, or inside base64 at any alignment. None of it may show.
func TestRedactionSurvivesServerEncodings(t *testing.T) {
	t.Parallel()
	const secret = `Ab"Cd9&xYz'Qq77Rr/Mid+Val=12345678`
	pyHTML := strings.NewReplacer(`&`, `&amp;`, `<`, `&lt;`, `>`, `&gt;`, `"`, `&quot;`, `'`, `&#x27;`)
	b64 := base64.StdEncoding.EncodeToString
	cases := map[string]func(secret, basic string) (status int, ctype, body string, hdr http.Header){
		"cut at 500 after padding": func(s, _ string) (int, string, string, http.Header) {
			return jsonErr("invalid_request", strings.Repeat("p", 470)+" secret="+s)
		},
		"python html.escape": func(s, _ string) (int, string, string, http.Header) {
			return 500, "text/html", "<html><body>bad client " + pyHTML.Replace(s) + "</body></html>", nil
		},
		"tags inside the secret stripped": func(s, _ string) (int, string, string, http.Header) {
			return 500, "text/html", "<html><body>bad " + strings.ReplaceAll(s, "Cd9", "<p>Cd9") + "</body></html>", nil
		},
		"python quote in a redirect": func(s, _ string) (int, string, string, http.Header) {
			return 302, "", "", http.Header{"Location": {"https://x.example/?s=" + strings.NewReplacer("+", "%2B", "=", "%3D", `"`, "%22", "&", "%26", "'", "%27").Replace(s)}}
		},
		"lower-case percent escapes": func(s, _ string) (int, string, string, http.Header) {
			return jsonErr("invalid_request", strings.ToLower(url.QueryEscape(s)))
		},
		"go %q quoting": func(s, _ string) (int, string, string, http.Header) {
			return jsonErr("invalid_request", fmt.Sprintf("%q", s))
		},
		"white space folded and doubled": func(s, _ string) (int, string, string, http.Header) {
			return jsonErr("invalid_request", strings.Join(strings.Split(s, ""), "  "))
		},
		"base64 of the secret alone": func(s, _ string) (int, string, string, http.Header) {
			return jsonErr("invalid_request", "got "+b64([]byte(s)))
		},
		"base64 tail of the basic credentials": func(_, basic string) (int, string, string, http.Header) {
			raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(basic, "Basic "))
			return jsonErr("invalid_request", "got "+b64(raw[7:]))
		},
		"url-safe base64, no padding": func(s, _ string) (int, string, string, http.Header) {
			return jsonErr("invalid_request", "got "+base64.RawURLEncoding.EncodeToString([]byte("x"+s)))
		},
		"the first twelve characters only": func(s, _ string) (int, string, string, http.Header) {
			return jsonErr("invalid_client", "secret starting "+s[:12]+"… is wrong")
		},
	}
	for name, make := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			srv.AddClient(oauthtest.Client{ID: "echo", Flavour: oauthtest.Generic, Secrets: []string{secret},
				Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
					status, ctype, body, hdr := make(secret, r.Header.Get("Authorization"))
					for k, v := range hdr {
						w.Header()[k] = v
					}
					if ctype != "" {
						w.Header().Set("Content-Type", ctype)
					}
					w.WriteHeader(status)
					fmt.Fprint(w, body)
				}}})
			rq := TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "echo", ClientSecret: secret, Auth: AuthBasic}
			_, err := NewClient().FetchToken(context.Background(), rq)
			if err == nil {
				t.Fatal("no error")
			}
			text := errorTexts(err)
			for _, piece := range []string{"Cd9", "xYz", "Qq77Rr", "12345678", "Mid", b64([]byte(secret))[8:20]} {
				if strings.Contains(text, piece) {
					t.Fatalf("%q of the secret shows:\n%s", piece, text)
				}
			}
		})
	}
}

func jsonErr(code, desc string) (int, string, string, http.Header) {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	return 400, "application/json", string(b), nil
}

// TestRedactionOfAFloodStaysBounded: a body that echoes the secret thousands of times is
// redacted whole, in bounded work.
func TestRedactionOfAFloodStaysBounded(t *testing.T) {
	t.Parallel()
	rq := TokenRequest{ClientID: "c", ClientSecret: "Flood-S3cret-Value-0123456789"}
	text := strings.Repeat("x "+strings.ToLower(url.QueryEscape(rq.ClientSecret))+" ", 3000)
	got := newRedactor(rq).redact(text[:looseMaxText])
	if strings.Contains(got, "0123456789") || strings.Contains(got, "S3cret") {
		t.Fatal("a flood of echoes was not redacted")
	}
}

func TestExpandURLCannotClimbThePath(t *testing.T) {
	t.Parallel()
	for _, id := range []string{"..", ".", "...", ""} {
		if u, err := ExpandURL("/tenants/{client_id}/orders", map[string]string{"client_id": id}); err == nil {
			t.Errorf("client id %q expanded to %s", id, u)
		}
	}
	for id, want := range map[string]string{"a/b": "/t/a%2Fb/o", "x?y#z": "/t/x%3Fy%23z/o", "a..b": "/t/a..b/o", "@:": "/t/@:/o"} {
		if u, err := ExpandURL("/t/{CLIENT_ID}/o", map[string]string{"client_id": id}); err != nil || u != want {
			t.Errorf("%q: %s %v, want %s", id, u, err, want)
		}
	}
	if u, err := ExpandURL("/t?c={client_id}", map[string]string{"client_id": ".."}); err != nil || u != "/t?c=.." {
		t.Errorf("in a query: %s %v", u, err)
	}
}
