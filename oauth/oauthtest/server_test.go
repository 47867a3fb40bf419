package oauthtest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func post(t *testing.T, u string, form url.Values, basic string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(basic)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &m)
	return resp.StatusCode, m, resp.Header
}

func TestStrictness(t *testing.T) {
	t.Parallel()
	s, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.AddClient(Client{ID: "c", Secrets: []string{"a+b"}, Scopes: []string{"x"}})
	u := s.TokenURL(Generic)
	cc := url.Values{"grant_type": {"client_credentials"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range cc {
			v[k] = vs
		}
		for i := 0; i < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	cases := []struct {
		name   string
		form   url.Values
		basic  string
		status int
		code   string
	}{
		{"basic form-encoded", cc, "c:a%2Bb", 200, ""},
		{"basic undecoded plus is a space", cc, "c:a+b", 401, "invalid_client"},
		{"body", with("client_id", "c", "client_secret", "a+b"), "", 200, ""},
		{"both methods", with("client_secret", "a+b"), "c:a%2Bb", 400, "invalid_request"},
		{"no auth", cc, "", 401, "invalid_client"},
		{"wrong secret", with("client_id", "c", "client_secret", "nope"), "", 401, "invalid_client"},
		{"unknown client", with("client_id", "zz", "client_secret", "a+b"), "", 401, "invalid_client"},
		{"grant type", url.Values{"grant_type": {"password"}, "client_id": {"c"}, "client_secret": {"a+b"}}, "", 400, "unsupported_grant_type"},
		{"scope", with("client_id", "c", "client_secret", "a+b", "scope", "x y"), "", 400, "invalid_scope"},
		{"malformed percent", cc, "c:%zz", 401, "invalid_client"},
	}
	for _, tc := range cases {
		status, body, hdr := post(t, u, tc.form, tc.basic)
		if status != tc.status || (tc.code != "" && body["error"] != tc.code) {
			t.Errorf("%s: %d %v, want %d %s", tc.name, status, body, tc.status, tc.code)
		}
		if tc.code == "invalid_client" && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Basic") {
			t.Errorf("%s: invalid_client without a Basic challenge", tc.name)
		}
	}
	if s.TokenRequests() != int64(len(cases)) {
		t.Errorf("counted %d requests", s.TokenRequests())
	}
}

func TestRotationOverlap(t *testing.T) {
	t.Parallel()
	s, _ := New()
	defer s.Close()
	s.AddClient(Client{ID: "c", Secrets: []string{"old"}})
	try := func(secret string) int {
		st, _, _ := post(t, s.TokenURL(Generic), url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {secret}}, "")
		return st
	}
	s.RotateSecret("c", "new")
	if try("old") != 200 || try("new") != 200 {
		t.Fatal("overlap window: both must work")
	}
	s.RevokeSecret("c", "old")
	if try("old") != 401 || try("new") != 200 {
		t.Fatal("after revoke: only new works")
	}
}

func TestAPIChallenges(t *testing.T) {
	t.Parallel()
	s, _ := New()
	defer s.Close()
	s.AddClient(Client{ID: "c", Secrets: []string{"s"}, Scopes: []string{"api/read"}})
	_, tok, _ := post(t, s.TokenURL(Generic), url.Values{"grant_type": {"client_credentials"}, "client_id": {"c"}, "client_secret": {"s"}}, "")
	access := tok["access_token"].(string)
	get := func(path, token string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("WWW-Authenticate")
	}
	if st, _ := get("/api/v0/versions", access); st != 200 {
		t.Fatalf("valid token: %d", st)
	}
	if st, ch := get("/api/v0/versions", ""); st != 401 || ch != `Bearer realm="oauthtest"` {
		t.Fatalf("no token: %d %q", st, ch)
	}
	if st, ch := get("/api/v0/versions", access[:len(access)-4]+"AAAA"); st != 401 || !strings.Contains(ch, `error="invalid_token"`) {
		t.Fatalf("tampered: %d %q", st, ch)
	}
	if st, ch := get("/api/write/x", access); st != 403 || !strings.Contains(ch, `error="insufficient_scope"`) || !strings.Contains(ch, `scope="api/write"`) {
		t.Fatalf("scope: %d %q", st, ch)
	}
}

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	if _, err := NewOn("0.0.0.0:0"); err == nil {
		t.Fatal("listened beyond loopback")
	}
}
