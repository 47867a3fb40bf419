package oauth

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
)

func TestCalls(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	read := fetch(t, srv, oauthtest.Generic, "api/read")
	c := NewClient()
	ctx := context.Background()
	base := srv.APIBaseURL(oauthtest.Generic)

	res, err := c.Call(ctx, CallRequest{BaseURL: base, Target: "/v0/versions", Token: read})
	if err != nil || res.Status != 200 || !res.IsJSON || res.Err() != nil || res.Method != "GET" {
		t.Fatalf("200: %+v %v", res, err)
	}
	if !strings.Contains(res.Display(), "\n  \"versions\": [") {
		t.Fatalf("not pretty-printed: %s", res.Display())
	}
	telling := map[string]bool{}
	for _, h := range res.TellingHeaders() {
		telling[h[0]] = true
	}
	if !telling["Content-Type"] || !telling["X-Ratelimit-Remaining"] || telling["Date"] {
		t.Fatalf("telling headers: %v", res.TellingHeaders())
	}

	res, _ = c.Call(ctx, CallRequest{BaseURL: base, Target: "write/orders", Method: "post", Body: []byte(`{"a":1}`), Token: read})
	if res.Status != 403 || !strings.Contains(res.Explanation, "lacks the scope this call needs: api/write") {
		t.Fatalf("403: %d %q", res.Status, res.Explanation)
	}
	var ce *CallStatusError
	if err := res.Err(); !errors.As(err, &ce) || !IsAuthRejected(err) {
		t.Fatalf("403 error: %v", err)
	}

	expired, _ := srv.Sign(map[string]any{"iss": srv.URL, "exp": time.Now().Add(-time.Minute).Unix()})
	res, _ = c.Call(ctx, CallRequest{BaseURL: base, Target: "/v0/versions", Token: expired})
	if res.Status != 401 || !strings.Contains(res.Explanation, "rejected as invalid") || !strings.Contains(res.Explanation, "expired") {
		t.Fatalf("401: %d %q", res.Status, res.Explanation)
	}
	// The advice is a kind each front end words itself: no flag, no command in the text.
	if !slices.Equal(res.Advice, []Advice{AdviceFreshToken, AdviceInspect}) || strings.Contains(res.Explanation, "--") || strings.Contains(res.Explanation, "oat ") {
		t.Fatalf("401 advice: %v %q", res.Advice, res.Explanation)
	}
	word := map[Advice]string{AdviceFreshToken: "fresh", AdviceInspect: ""}
	if got := Explain(res.Explanation, res.Advice, func(a Advice) string { return word[a] }); !strings.HasSuffix(got, "; fresh") {
		t.Fatalf("Explain: %q", got)
	}

	res, _ = c.Call(ctx, CallRequest{BaseURL: base, Target: "/html", Token: read})
	if res.Status != 200 || res.IsJSON || !strings.Contains(res.Display(), "Maintenance") {
		t.Fatalf("html: %+v", res)
	}

	res, _ = c.Call(ctx, CallRequest{Target: srv.URL + "/api/huge", Token: read})
	if !res.Truncated || len(res.Body) != DefaultMaxBody {
		t.Fatalf("huge: truncated=%v len=%d", res.Truncated, len(res.Body))
	}

	res, err = c.Call(ctx, CallRequest{BaseURL: base, Target: "/hostile", Token: read})
	if err != nil {
		t.Fatal(err)
	}
	assertClean(t, res.Display())
	for _, h := range res.TellingHeaders() {
		assertClean(t, h[1])
	}
	assertClean(t, strings.Join(res.Headers.Values("X-Evil"), ""))

	dash := fetch(t, srv, oauthtest.Dashboard)
	res, _ = c.Call(ctx, CallRequest{BaseURL: srv.APIBaseURL(oauthtest.Dashboard), Target: "/accounts/dashboard-client/orders", Token: dash})
	if res.Status != 200 || !strings.Contains(string(res.Body), "ord-1") {
		t.Fatalf("dashboard orders: %d %s", res.Status, res.Body)
	}
}

func TestCallTimeoutAndRefusals(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tok := fetch(t, srv, oauthtest.Generic)
	c := NewClient()
	c.Timeout = 100 * time.Millisecond
	_, err := c.Call(context.Background(), CallRequest{BaseURL: srv.APIBaseURL(oauthtest.Generic), Target: "/hang", Token: tok})
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Kind != NetTimeout {
		t.Fatalf("hang: %v", err)
	}
	if _, err := c.Call(context.Background(), CallRequest{Target: "http://api.example.com/x", Token: tok}); err == nil || !strings.Contains(err.Error(), "plain http") {
		t.Fatalf("plain http: %v", err)
	}
	if _, err := c.Call(context.Background(), CallRequest{Target: "/x", Token: tok}); err == nil || !strings.Contains(err.Error(), "no API base URL") {
		t.Fatalf("no base: %v", err)
	}
}

func TestJoinURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ base, target, want string }{
		{"https://api.x/v1", "/orders", "https://api.x/v1/orders"},
		{"https://api.x/v1/", "orders?a=1", "https://api.x/v1/orders?a=1"},
		{"https://api.x", "", "https://api.x"},
		{"https://api.x/v1", "https://other.y/z", "https://other.y/z"},
	} {
		got, err := JoinURL(tc.base, tc.target)
		if err != nil || got != tc.want {
			t.Errorf("%s + %s = %s %v", tc.base, tc.target, got, err)
		}
	}
}

func TestParseWWWAuthenticate(t *testing.T) {
	t.Parallel()
	chs := ParseWWWAuthenticate(`Bearer realm="api", error="insufficient_scope", error_description="needs \"api/write\"", scope="api/write", Basic realm="x"`)
	if len(chs) != 2 || chs[0].Scheme != "Bearer" || chs[0].Params["error"] != "insufficient_scope" ||
		chs[0].Params["error_description"] != `needs "api/write"` || chs[0].Params["scope"] != "api/write" || chs[1].Scheme != "Basic" || chs[1].Params["realm"] != "x" {
		t.Fatalf("%+v", chs)
	}
	if chs := ParseWWWAuthenticate(`Bearer`); len(chs) != 1 || chs[0].Scheme != "Bearer" {
		t.Fatalf("bare scheme: %+v", chs)
	}
	if chs := ParseWWWAuthenticate(`Bearer error=invalid_token`); chs[0].Params["error"] != "invalid_token" {
		t.Fatalf("token value: %+v", chs)
	}
	if chs := ParseWWWAuthenticate(`Negotiate abc123==, Bearer`); len(chs) != 2 || chs[0].Params[""] != "abc123==" {
		t.Fatalf("token68: %+v", chs)
	}
	for _, junk := range []string{`"`, `,,,`, `Bearer ="x"`, `Bearer a="unterminated`, "=", "Bearer a=, b"} {
		ParseWWWAuthenticate(junk) // must not panic or loop
	}
}
