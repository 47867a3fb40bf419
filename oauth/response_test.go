package oauth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)

func TestParseTokenResponse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		status int
		ct     string
		body   string
		check  func(t *testing.T, tok *Token, err error)
	}{
		{"standard", 200, "application/json", `{"access_token":"abc","token_type":"Bearer","expires_in":3600}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.AccessToken != "abc" || !tok.ExpiresAt.Equal(t0.Add(time.Hour)) || tok.ExpirySource != "expires_in" {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"float and string expiry", 200, "", `{"access_token":"abc","token_type":"bearer","expires_in":"120.0"}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.ExpiresIn != 120 || tok.TokenType != "Bearer" {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"bad expiry noted", 200, "", `{"access_token":"abc","token_type":"Bearer","expires_in":"soon"}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.HasExpiresIn || len(tok.Notes) != 1 || !strings.Contains(tok.Notes[0], "not a number") {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"negative expiry", 200, "", `{"access_token":"abc","token_type":"Bearer","expires_in":-5}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.HasExpiresIn {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"no token_type", 200, "", `{"access_token":"abc"}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.TokenType != "Bearer" || len(tok.Notes) == 0 {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"other type kept", 200, "", `{"access_token":"abc","token_type":"DPoP"}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.TokenType != "DPoP" {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"extras kept and sanitized", 200, "", `{"access_token":"abc","token_type":"Bearer","not-before-policy":0,"session_state":"x\u001b[2Jy","nested":{"k":[1,"a\u0007"]}}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.Extra["session_state"] != "xy" || tok.Extra["not-before-policy"] == nil {
				t.Fatalf("%+v %v", tok.Extra, err)
			}
			n := tok.Extra["nested"].(map[string]any)["k"].([]any)
			if n[1] != "a" {
				t.Fatalf("nested not sanitized: %v", n)
			}
		}},
		{"scope returned", 200, "", `{"access_token":"abc","token_type":"Bearer","scope":"a b  c"}`, func(t *testing.T, tok *Token, err error) {
			if err != nil || !tok.ScopeReturned || strings.Join(tok.Scopes, ",") != "a,b,c" {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"missing token", 200, "", `{"token_type":"Bearer"}`, func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != MissingToken {
				t.Fatalf("%v", err)
			}
		}},
		{"token not a string", 200, "", `{"access_token":42}`, func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != MissingToken {
				t.Fatalf("%v", err)
			}
		}},
		{"error in 200", 200, "", `{"error":"invalid_client"}`, func(t *testing.T, tok *Token, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || !oe.In200 || oe.Hint == "" {
				t.Fatalf("%v", err)
			}
		}},
		{"rfc error", 400, "application/json", `{"error":"invalid_scope","error_description":"nope","error_uri":"https://docs/x"}`, func(t *testing.T, tok *Token, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.Code != "invalid_scope" || oe.URI != "https://docs/x" || !strings.Contains(err.Error(), "see https://docs/x") {
				t.Fatalf("%v", err)
			}
		}},
		{"error code not a string", 400, "", `{"error":{"x":1}}`, func(t *testing.T, tok *Token, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.Code == "" {
				t.Fatalf("%v", err)
			}
		}},
		{"json without error", 500, "application/json", `{"message":"boom"}`, func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != Unexpected || !strings.Contains(re.Excerpt, "boom") {
				t.Fatalf("%v", err)
			}
		}},
		{"html page", 503, "text/html", "<html><head><script>x()</script></head><body><h1>Service\nUnavailable</h1></body></html>", func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != NotJSON || re.Excerpt != "Service Unavailable" {
				t.Fatalf("%#v", err)
			}
		}},
		{"plain text", 200, "text/plain", "ok", func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != NotJSON || re.Excerpt != "ok" {
				t.Fatalf("%v", err)
			}
		}},
		{"json array", 200, "", `["a"]`, func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != NotJSON {
				t.Fatalf("%v", err)
			}
		}},
		{"null", 200, "", `null`, func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("%v", err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := ParseTokenResponse(tc.status, tc.ct, []byte(tc.body), t0)
			tc.check(t, tok, err)
		})
	}
}

func FuzzParseTokenResponse(f *testing.F) {
	for _, s := range []string{
		`{"access_token":"a","token_type":"Bearer","expires_in":3600}`,
		`{"access_token":"eyJhbGciOiJub25lIn0.eyJleHAiOjF9.","expires_in":"12"}`,
		`{"error":"invalid_client","error_description":"\u001b[31m"}`,
		`<html><title>x</title></html>`, `{"expires_in":1e400}`, `{"scope":["a"]}`,
		`{"access_token":"a\u001b]52;c;eA==\u0007","token_type":"Bearer"}`,
		`{"access_token":"a\r\nX: 1","token_type":"bearer"}`, `{"access_token":"a\u202eb"}`,
		`{"access_token":"ok","token_type":"Bearer\u0085","scope":"a \u009b b"}`,
	} {
		f.Add(200, s)
		f.Add(400, s)
	}
	f.Fuzz(func(t *testing.T, status int, body string) {
		tok, err := ParseTokenResponse(status, "application/json", []byte(body), t0)
		if (tok == nil) == (err == nil) {
			t.Fatalf("exactly one of token and error expected: %v %v", tok, err)
		}
		if err != nil {
			assertClean(t, err.Error())
			return
		}
		if tok.AccessToken == "" || tok.TokenType == "" {
			t.Fatalf("empty token accepted: %+v", tok)
		}
		// RFC 6749 A.12: an accepted token (and its type and scopes) is VSCHAR only.
		for _, s := range append([]string{tok.AccessToken, tok.TokenType}, tok.Scopes...) {
			for i := 0; i < len(s); i++ {
				if s[i] < 0x20 || s[i] > 0x7e {
					t.Fatalf("accepted %q with byte 0x%02x", s, s[i])
				}
			}
		}
	})
}
