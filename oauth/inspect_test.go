package oauth

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
)

func fakeJWT(header, payload string) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(header)) + "." + e([]byte(payload)) + "." + e([]byte("sig"))
}

func TestInspectClaimsOfEveryType(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_700_000_000, 0).UTC()
	tok := fakeJWT(`{"alg":"RS256","kid":"k1","typ":"at+jwt"}`, `{
		"iss":"https://sso.example/realms/r","sub":"svc","aud":"api","azp":"cli","jti":"j-1",
		"scope":"read write","exp":1700002520,"iat":1699999820,"nbf":1699999820.5,
		"n":42,"f":1.5,"big":12345678901234567890,"b":true,"nul":null,"list":[1,"two",{"3":3}],"obj":{"k":"v"},
		"evil":"x\u001b]52;c;QQ==\u0007y"}`)
	in := Inspect(tok, []string{"read", "admin"}, nil, now)
	if !in.IsJWT || in.JWT.Alg != "RS256" || in.JWT.Kid != "k1" || in.JWT.Typ != "at+jwt" {
		t.Fatalf("header: %+v", in.JWT)
	}
	if in.Issuer != "https://sso.example/realms/r" || in.Subject != "svc" || in.AuthorizedParty != "cli" || in.JTI != "j-1" {
		t.Fatalf("registered: %+v", in)
	}
	if strings.Join(in.Audience, ",") != "api" || in.ScopeClaim != "scope" || strings.Join(in.Scopes, ",") != "read,write" {
		t.Fatalf("aud/scope: %v %v", in.Audience, in.Scopes)
	}
	if strings.Join(in.Missing, ",") != "admin" || strings.Join(in.Unasked, ",") != "write" {
		t.Fatalf("scope diff: missing %v unasked %v", in.Missing, in.Unasked)
	}
	want := map[string]string{"n": "42", "f": "1.5", "big": "12345678901234567890", "b": "true", "nul": "null",
		"list": `[1,"two",{"3":3}]`, "obj": `{"k":"v"}`, "evil": `x\x1b]52;c;QQ==\x07y`}
	got := map[string]string{}
	for _, c := range in.Claims {
		got[c.Name] = c.Value
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("claim %s = %q, want %q", k, got[k], v)
		}
	}
	rel := map[string]string{}
	for _, tc := range in.Times {
		rel[tc.Name] = tc.Relative
	}
	if rel["exp"] != "in 42m" || rel["iat"] != "3m00s ago" || rel["nbf"] != "2m59s ago" {
		t.Fatalf("relative times: %v", rel)
	}
	if !in.ExpiresAt.Equal(time.Unix(1700002520, 0)) {
		t.Fatal("exp")
	}
}

func TestInspectVariants(t *testing.T) {
	t.Parallel()
	now := time.Now()
	in := Inspect(fakeJWT(`{"alg":"ES256"}`, `{"aud":["a","b"],"scp":["x","y"],"client_id":"c"}`), nil, nil, now)
	if strings.Join(in.Audience, ",") != "a,b" || in.ScopeClaim != "scp" || strings.Join(in.Scopes, ",") != "x,y" || in.AuthorizedParty != "c" {
		t.Fatalf("list forms: %+v", in)
	}
	in = Inspect("opq_0123456789", []string{"a"}, []string{"a"}, now)
	if in.IsJWT || in.DecodeErr != nil || in.Length != 14 || len(in.Missing) != 0 {
		t.Fatalf("opaque: %+v", in)
	}
	in = Inspect(fakeJWT(`{"alg":"RS256"}`, `{}`), []string{"a"}, []string{"a"}, now)
	if in.ScopeClaim != "" || strings.Join(in.Scopes, ",") != "a" {
		t.Fatalf("granted scopes from the response when the token has none: %+v", in)
	}
}

func TestDecodeJWTErrors(t *testing.T) {
	t.Parallel()
	e := base64.RawURLEncoding.EncodeToString
	for _, tc := range []struct {
		token, part, reason string
	}{
		{"eyJ!!!.e30.c2ln", "header", "not base64url"},
		{e([]byte(`{"alg":"RS256"`)) + ".e30.c2ln", "header", "not a JSON object"},
		{e([]byte(`{"typ":"JWT"}`)) + ".e30.c2ln", "header", `no "alg"`},
		{e([]byte(`{"alg":"RS256"}`)) + "." + e([]byte(`[1]`)) + ".c2ln", "payload", "not a JSON object"},
		{e([]byte(`{"alg":"RS256"}`)) + "." + e([]byte(`{} {}`)) + ".c2ln", "payload", "trailing data"},
		{e([]byte(`{"alg":"RS256"}`)) + ".e30.***", "signature", "not base64url"},
		{"eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", "header", "JWE"},
	} {
		_, err := DecodeJWT(tc.token)
		var je *JWTError
		if !errors.As(err, &je) || je.Part != tc.part || !strings.Contains(je.Reason, tc.reason) {
			t.Errorf("%s: %v (want %s: %s)", tc.token, err, tc.part, tc.reason)
		}
	}
	for _, opaque := range []string{"", "abc", "a.b", "not.a.jwt"} {
		if _, err := DecodeJWT(opaque); !errors.Is(err, ErrNotJWT) {
			t.Errorf("%q: %v", opaque, err)
		}
	}
	in := Inspect("eyJ!!!.e30.c2ln", nil, nil, time.Now())
	if in.IsJWT || in.DecodeErr == nil {
		t.Fatalf("malformed: %+v", in)
	}
}

func TestInspectServerToken(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	tok := fetch(t, srv, oauthtest.Cognito, "api/write")
	in := Inspect(tok, []string{"api/write"}, nil, time.Now())
	if !in.IsJWT || in.AuthorizedParty != "cognito-client" || strings.Join(in.Scopes, " ") != "api/write" || len(in.Missing) != 0 {
		t.Fatalf("%+v", in)
	}
	v := NewClient().Verify(context.Background(), tok, "")
	if v.Status != Verified {
		t.Fatal(v.Reason)
	}
}

func TestRelative(t *testing.T) {
	t.Parallel()
	now := time.Unix(0, 0)
	for d, want := range map[time.Duration]string{
		0: "now", 45 * time.Second: "in 45s", -3 * time.Minute: "3m00s ago", 42 * time.Minute: "in 42m",
		65 * time.Minute: "in 1h05m", -50 * time.Hour: "2d02h ago", 400 * 24 * time.Hour: "in 400d",
	} {
		if got := Relative(now.Add(d), now); got != want {
			t.Errorf("%v: %q, want %q", d, got, want)
		}
	}
}

func FuzzDecodeJWT(f *testing.F) {
	f.Add(fakeJWT(`{"alg":"RS256"}`, `{"exp":1,"aud":["a"],"scope":"x"}`))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	f.Add("eyJ.eyJ.")
	f.Fuzz(func(t *testing.T, s string) {
		j, err := DecodeJWT(s)
		if (j == nil) == (err == nil) {
			t.Fatalf("one of JWT and error expected")
		}
		in := Inspect(s, []string{"x"}, nil, time.Unix(0, 0))
		for _, c := range in.Claims {
			assertClean(t, c.Name+c.Value)
		}
		assertClean(t, in.Issuer+in.Subject+strings.Join(in.Audience, "")+strings.Join(in.Scopes, ""))
	})
}
