package vault

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

func historyVault(t *testing.T) (*Vault, Profile) {
	t.Helper()
	v := Open(t.TempDir(), NewMemoryStore())
	p, err := v.Add(context.Background(), Profile{Name: "api", TokenURL: "https://a.example/token", ClientID: "c",
		AuthMethod: oauth.AuthPost, APIBaseURL: "https://api.example"}, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	return v, p
}

// The history keeps the last MaxRequestHistory requests, most recent first, each once,
// never a credential header or the bearer token, and survives a new Vault on the same
// directory (a restart).
func TestRequestHistory(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t)
	const tok = "eyJhbGciOiJSUzI1NiJ9.payload.sig"
	for i := range MaxRequestHistory + 3 {
		if err := v.RecordRequest(ctx, p, TestRequest{Path: fmt.Sprintf("/items/%d", i)}, tok); err != nil {
			t.Fatal(err)
		}
	}
	// A request sent again moves to the head instead of being kept twice; the method
	// is compared case-insensitively, GET being the default.
	if err := v.RecordRequest(ctx, p, TestRequest{Method: "get", Path: "/items/5"}, tok); err != nil {
		t.Fatal(err)
	}
	// Credential headers and query parameters are dropped, the rest kept.
	typed := TestRequest{Method: "POST", Path: "/orders?api_key=k3y-typed&limit=5", Body: `{"n":1}`,
		Headers: map[string]string{"Authorization": "Bearer typed-by-hand", "cookie": "sid=1", "X-Api-Key": "k3y-typed", "Content-Type": "application/json"}}
	if err := v.RecordRequest(ctx, p, typed, tok); err != nil {
		t.Fatal(err)
	}
	// oat's own token, anywhere in the request, keeps it out of the history.
	for _, leak := range []TestRequest{
		{Path: "/echo/" + tok},
		{Path: "/echo/" + url.PathEscape(tok[:1]) + tok[1:]},
	} {
		if err := v.RecordRequest(ctx, p, leak, tok); !errors.Is(err, ErrNotKept) {
			t.Fatalf("a request holding the token: err %v, want ErrNotKept", err)
		}
	}
	if err := v.RecordRequest(ctx, p, TestRequest{Method: "POST", Path: "/big", Body: strings.Repeat("x", MaxHistoryBody+1)}, tok); !errors.Is(err, ErrNotKept) {
		t.Fatalf("a body over the bound: err %v, want ErrNotKept", err)
	}

	// After a restart: a new Vault over the same directory.
	v2 := Open(v.Dir, v.Secrets)
	h, err := v2.RequestHistory(p)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, r := range h {
		paths = append(paths, r.Path)
	}
	want := []string{"/orders?limit=5", "/items/5", "/items/12", "/items/11", "/items/10", "/items/9", "/items/8", "/items/7", "/items/6", "/items/4"}
	if strings.Join(paths, " ") != strings.Join(want, " ") {
		t.Fatalf("history %v, want %v", paths, want)
	}
	if h[0].Method != "POST" || h[0].Body != `{"n":1}` || len(h[0].Headers) != 1 || h[0].Headers["Content-Type"] != "application/json" {
		t.Fatalf("kept %+v, want the POST without its credential headers", h[0])
	}
	raw, err := os.ReadFile(v.State.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{tok, "typed-by-hand", "sid=1", "k3y-typed", "s3cret"} {
		if strings.Contains(string(raw), secret) {
			t.Fatalf("state.toml holds %q:\n%s", secret, raw)
		}
	}
	// Removing the profile forgets its history.
	if err := v2.Remove(ctx, "api"); err != nil {
		t.Fatal(err)
	}
	if h, _ := v2.RequestHistory(p); len(h) != 0 {
		t.Fatalf("history after remove: %v", h)
	}
}

// The history lives beside the token state without disturbing it: a token reset (a
// rotation, a forget) keeps it, and recording keeps the token state.
func TestRequestHistoryBesideTokenState(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t)
	if err := v.RecordTokenError(ctx, p, "boom"); err != nil {
		t.Fatal(err)
	}
	if err := v.RecordRequest(ctx, p, TestRequest{Path: "/a"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := v.TokenStates(); st[p.ID].LastError == "" {
		t.Fatal("recording a request lost the token state")
	}
	if err := v.ForgetToken(ctx, p); err != nil {
		t.Fatal(err)
	}
	if h, _ := v.RequestHistory(p); len(h) != 1 {
		t.Fatalf("forgetting the token lost the history: %v", h)
	}
}

// Saving a request makes it the profile's test request, checked like any edit.
func TestSaveTestRequest(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t)
	np, err := v.SaveTestRequest(ctx, p.ID, TestRequest{Method: "post", Path: "/orders?limit=5", Body: "{}",
		Headers: map[string]string{"Content-Type": "application/json"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := Open(v.Dir, v.Secrets).Get("api")
	if got.TestRequest.Method != "POST" || got.TestRequest.Path != "/orders?limit=5" || got.TestRequest.Body != "{}" || np.TestRequest.Headers["Content-Type"] != "application/json" {
		t.Fatalf("saved %+v", got.TestRequest)
	}
	if _, err := v.SaveTestRequest(ctx, p.ID, TestRequest{Method: "FETCH", Path: "/x"}); !errors.Is(err, ErrInvalidProfile) {
		t.Fatalf("an invalid method saved: %v", err)
	}
}

// Whatever carries a credential is left out of what the history keeps, however it was
// typed: the current token (percent-, JSON- or base64-encoded), an older JWT, the
// profile's own client secret (known by its fingerprint), a URL's password, credential
// names in the query, the path parameters, the fragment, the headers and the body, and
// Authorization-like values. What was left out is named; a request without any keeps
// no such note.
func TestRequestHistoryDropsCredentials(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t) // client secret "s3cret"
	const jwtTok = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	const opaque = "opaqueTok3nValue123"
	const older = "eyJhbGciOiJFUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJvbGQifQ.b2xkc2ln"
	b64 := base64.StdEncoding.EncodeToString([]byte(opaque))
	h := func(k, v string) map[string]string { return map[string]string{k: v, "Accept": "application/json"} }
	cases := []struct {
		name    string
		req     TestRequest
		secret  string // must not be in state.toml
		path    string // the path kept
		body    string // the body kept
		dropped string // named in Dropped
	}{
		{"token percent-encoded in the query", TestRequest{Path: "/api/echo?q=%65" + jwtTok[1:] + "&n=1"}, jwtTok[1:], "/api/echo?n=1", "", "query q"},
		{"opaque token percent-encoded", TestRequest{Path: "/api/echo?q=%6F" + opaque[1:]}, opaque[1:], "/api/echo", "", "query q"},
		{"token JSON-escaped in a header", TestRequest{Path: "/a", Headers: h("X-Trace", `\u0065`+jwtTok[1:])}, jwtTok[1:], "/a", "", "header X-Trace"},
		{"opaque token JSON-escaped in a header", TestRequest{Path: "/a", Headers: h("X-Trace", `\u006F`+opaque[1:])}, opaque[1:], "/a", "", "header X-Trace"},
		{"token base64 in a JSON body", TestRequest{Method: "POST", Path: "/a", Body: `{"data":"` + b64 + `"}`}, b64, "/a", "", "the body (it held data)"},
		{"token base64 as a text body", TestRequest{Method: "POST", Path: "/a", Body: b64, Headers: h("Content-Type", "text/plain")}, b64, "/a", "", "the body"},
		{"password in the URL", TestRequest{Path: "http://alice:Pa55w0rd@api.example/x?n=1"}, "Pa55w0rd", "http://api.example/x?n=1", "", "the user and password in the URL"},
		{"client secret in a header", TestRequest{Path: "/a", Headers: h("X-Client", "s3cret")}, "s3cret", "/a", "", "header X-Client"},
		{"client secret in a JSON body", TestRequest{Method: "POST", Path: "/a", Body: `{"c": "s3cret"}`}, "s3cret", "/a", "", "the body (it held c)"},
		{"client secret in a form field", TestRequest{Method: "POST", Path: "/a", Body: "id=7&c=s3cret"}, "s3cret", "/a", "id=7", "body field c"},
		{"client secret base64 in Basic form", TestRequest{Path: "/a", Headers: h("X-Forward", base64.StdEncoding.EncodeToString([]byte("c:s3cret")))}, "YzpzM2NyZXQ", "/a", "", "header X-Forward"},
		{"client_secret= form body", TestRequest{Method: "POST", Path: "/a", Body: "client_secret=S3CRET&grant_type=x"}, "S3CRET", "/a", "grant_type=x", "body field client_secret"},
		{"password in a JSON body", TestRequest{Method: "POST", Path: "/a", Body: `{"user":"u","password":"hunter22"}`}, "hunter22", "/a", "", "the body (it held password)"},
		{"secret assigned in a text body", TestRequest{Method: "POST", Path: "/a", Body: "api_key: zz9plural", Headers: h("Content-Type", "text/plain")}, "zz9plural", "/a", "", "the body"},
		{"matrix parameter", TestRequest{Path: "/x;access_token=abcdef12;v=1"}, "abcdef12", "/x;v=1", "", ";access_token"},
		{"fragment", TestRequest{Path: "/x#access_token=abcdef12"}, "abcdef12", "/x", "", "the #fragment"},
		{"?pwd=", TestRequest{Path: "/x?pwd=hunter22"}, "hunter22", "/x", "", "query pwd"},
		{"?jwt=", TestRequest{Path: "/x?jwt=zzjwtvalue"}, "zzjwtvalue", "/x", "", "query jwt"},
		{"?bearer=", TestRequest{Path: "/x?bearer=zzbearer1"}, "zzbearer1", "/x", "", "query bearer"},
		{"X-JWT", TestRequest{Path: "/x", Headers: h("X-JWT", "zzjwtvalue")}, "zzjwtvalue", "/x", "", "header X-JWT"},
		{"X-Bearer", TestRequest{Path: "/x", Headers: h("X-Bearer", "zzbearer1")}, "zzbearer1", "/x", "", "header X-Bearer"},
		{"X-Pass", TestRequest{Path: "/x", Headers: h("X-Pass", "hunter22")}, "hunter22", "/x", "", "header X-Pass"},
		{"a Bearer value under any name", TestRequest{Path: "/x", Headers: h("X-Forward", "Bearer zzopaque9")}, "zzopaque9", "/x", "", "header X-Forward"},
		{"a Basic value under any name", TestRequest{Path: "/x", Headers: h("X-Upstream", "Basic YWxpY2U6cGFzcw==")}, "YWxpY2U6cGFzcw", "/x", "", "header X-Upstream"},
		{"an older JWT in a header", TestRequest{Path: "/x", Headers: h("X-Trace", older)}, older, "/x", "", "header X-Trace"},
		{"the token as a bare query parameter", TestRequest{Path: "/x?" + opaque + "&n=1"}, opaque, "/x?n=1", "", "query a parameter"},
		{"an older JWT in the query", TestRequest{Path: "/x?q=" + older}, older, "/x", "", "query q"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := v.ForgetRequests(ctx, p.ID); err != nil {
				t.Fatal(err)
			}
			if err := v.RecordRequest(ctx, p, tc.req, jwtTok, opaque); err != nil {
				t.Fatal(err)
			}
			raw, _ := os.ReadFile(v.State.Path)
			if strings.Contains(string(raw), tc.secret) {
				t.Fatalf("state.toml keeps %q:\n%s", tc.secret, raw)
			}
			hist, err := v.RequestHistory(p)
			if err != nil || len(hist) != 1 {
				t.Fatalf("history %v, %v", hist, err)
			}
			e := hist[0]
			if e.Path != tc.path || e.Body != tc.body || !slices.Contains(e.Dropped, tc.dropped) {
				t.Fatalf("kept path %q body %q dropped %q; want %q, %q, %q", e.Path, e.Body, e.Dropped, tc.path, tc.body, tc.dropped)
			}
			if tc.req.Headers != nil && e.Headers["Accept"] != "application/json" {
				t.Fatalf("a harmless header went too: %v", e.Headers)
			}
		})
	}
	// A request without a credential is kept whole, and says nothing was dropped.
	plain := TestRequest{Method: "POST", Path: "/items?limit=5", Body: `{"n":1,"name":"x"}`, Headers: h("Content-Type", "application/json")}
	if err := v.RecordRequest(ctx, p, plain, jwtTok, opaque); err != nil {
		t.Fatal(err)
	}
	hist, _ := v.RequestHistory(p)
	if !hist[0].Equal(plain) || len(hist[0].Dropped) != 0 {
		t.Fatalf("kept %+v, want it whole with nothing dropped", hist[0])
	}
}

// A request carrying a credential is not saved to profiles.toml (plain text, no
// secret): an API key header, the bearer token in any header, the client secret, a
// URL's password, a credential query parameter, a token in the body. The error names
// where; profiles.toml is left as it was.
func TestSaveTestRequestRefusesCredentials(t *testing.T) {
	ctx := context.Background()
	v, p := historyVault(t) // client secret "s3cret"
	const tok = "opaqueTok3nValue123"
	for _, tc := range []struct {
		req   TestRequest
		where string
	}{
		{TestRequest{Path: "/x", Headers: map[string]string{"X-Api-Key": "supersecret"}}, "header X-Api-Key"},
		{TestRequest{Path: "/x", Headers: map[string]string{"X-Trace": tok}}, "header X-Trace"},
		{TestRequest{Path: "/x", Headers: map[string]string{"X-Client": "s3cret"}}, "header X-Client"},
		{TestRequest{Path: "/x", Headers: map[string]string{"Authorization": "Bearer typed"}}, "header Authorization"},
		{TestRequest{Path: "https://alice:Pa55w0rd@api.example/x"}, "the user and password in the URL"},
		{TestRequest{Path: "/x?access_token=abc123"}, "query access_token"},
		{TestRequest{Path: "/x/" + tok}, "the path"},
		{TestRequest{Method: "POST", Path: "/x", Body: `{"t":"` + tok + `"}`}, "the body"},
	} {
		_, err := v.SaveTestRequest(ctx, p.ID, tc.req, tok)
		if !errors.Is(err, ErrCredentialInRequest) || !strings.Contains(err.Error(), tc.where) {
			t.Fatalf("saving %+v: %v, want a refusal naming %q", tc.req, err, tc.where)
		}
		raw, _ := os.ReadFile(v.Profiles.Path)
		for _, s := range []string{"supersecret", tok, "Pa55w0rd", "abc123", "typed"} {
			if strings.Contains(string(raw), s) {
				t.Fatalf("profiles.toml holds %q:\n%s", s, raw)
			}
		}
	}
	// What only sounds like a credential is saved: an idempotency key, a page token.
	if _, err := v.SaveTestRequest(ctx, p.ID, TestRequest{Path: "/x?pageToken=abc&next_token=2", Headers: map[string]string{"Idempotency-Key": "k-1"}}, tok); err != nil {
		t.Fatal(err)
	}
	// A body whose fields are merely named like credentials is saved.
	if _, err := v.SaveTestRequest(ctx, p.ID, TestRequest{Method: "POST", Path: "/x", Body: `{"key":"color","token_type":"x"}`}, tok); err != nil {
		t.Fatal(err)
	}
}

// The advice after a refused call speaks of a fresh token only when the call carried a
// cached one: after a token fresh from the token endpoint, "get a fresh token" would
// send the user round in circles.
func TestCallOutcomeAdvice(t *testing.T) {
	res := &oauth.CallResult{Advice: []oauth.Advice{oauth.AdviceFreshToken, oauth.AdviceInspect}}
	cached := &CallOutcome{Result: res, Token: &TokenResult{FromCache: true}}
	fresh := &CallOutcome{Result: res, Token: &TokenResult{}, Retried: true}
	if got := cached.Advice(); len(got) != 2 {
		t.Fatalf("cached: %v", got)
	}
	if got := fresh.Advice(); len(got) != 1 || got[0] != oauth.AdviceInspect {
		t.Fatalf("fresh: %v", got)
	}
	if len(res.Advice) != 2 {
		t.Fatal("Advice changed the result's own advice")
	}
}

// A rotation does not send the new token to a test request on another origin than the
// API URL's: the step is skipped and says why, and the rotation goes on.
func TestRotateSkipsCrossOriginTestCall(t *testing.T) {
	t.Parallel()
	srv, err := oauthtest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddClient(oauthtest.Client{ID: "c", Secrets: []string{"old", "new"}})
	var hits atomic.Int64
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(collector.Close)
	b := newBroker(t)
	ctx := context.Background()
	if _, err := b.Vault.Add(ctx, Profile{Name: "p", TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "c", AuthMethod: oauth.AuthPost,
		APIBaseURL: srv.APIBaseURL(oauthtest.Generic), TestRequest: TestRequest{Path: collector.URL + "/collect"}}, "old"); err != nil {
		t.Fatal(err)
	}
	rep, err := b.Rotate(ctx, "p", "new", nil)
	if err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 0 || len(rep.Steps) < 3 || !rep.Steps[2].Skipped || !strings.Contains(rep.Steps[2].Note, collector.URL) {
		t.Fatalf("%d calls to the other origin; steps %+v", hits.Load(), rep.Steps)
	}
}

// A history entry edited by hand beyond what oat keeps is bounded when read: a huge
// body comes without it (and says so), a huge path or header is not read at all.
func TestRequestHistoryReadBounded(t *testing.T) {
	v, p := historyVault(t)
	huge := strings.Repeat("y", 5<<20)
	state := fmt.Sprintf("schema = 1\n[[requests.%[1]s]]\npath = '/body'\nbody = '%[2]s'\n[[requests.%[1]s]]\npath = '/%[2]s'\n[[requests.%[1]s]]\npath = '/h'\nheaders = { X = '%[2]s' }\n[[requests.%[1]s]]\npath = '/ok'\n", p.ID, huge)
	if err := os.WriteFile(v.State.Path, []byte(state), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := v.RequestHistory(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0].Path != "/body" || h[0].Body != "" || len(h[0].Dropped) != 1 || h[1].Path != "/ok" {
		t.Fatalf("read %d entries: %q…", len(h), h[0].Path[:min(20, len(h[0].Path))])
	}
}
