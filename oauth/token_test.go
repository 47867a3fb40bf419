package oauth

import (
	"context"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// newServer starts oauthtest with one client per flavour (secret "s3cret") and returns
// a request builder for a client.
func newServer(t testing.TB) *oauthtest.Server { return oauthtest.NewForTest(t, "s3cret") }

func req(srv *oauthtest.Server, f oauthtest.Flavour, auth AuthMethod, scopes ...string) TokenRequest {
	return TokenRequest{TokenURL: srv.TokenURL(f), ClientID: string(f) + "-client", ClientSecret: "s3cret", Auth: auth, Scopes: scopes}
}

func TestFlavoursAndAuthMethods(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := NewClient()
	type want struct {
		ok   bool
		auth AuthMethod
		code string
	}
	cases := []struct {
		f      oauthtest.Flavour
		auth   AuthMethod
		scopes []string
		want   want
	}{
		{oauthtest.Generic, AuthBasic, nil, want{ok: true, auth: AuthBasic}},
		{oauthtest.Generic, AuthPost, nil, want{ok: true, auth: AuthPost}},
		{oauthtest.Generic, AuthAuto, nil, want{ok: true, auth: AuthBasic}},
		{oauthtest.Keycloak, AuthBasic, nil, want{ok: true, auth: AuthBasic}},
		{oauthtest.Keycloak, AuthPost, nil, want{ok: true, auth: AuthPost}},
		{oauthtest.EDS, AuthBasic, nil, want{ok: true, auth: AuthBasic}},
		{oauthtest.EDS, AuthPost, nil, want{ok: true, auth: AuthPost}},
		{oauthtest.Cognito, AuthBasic, []string{"api/write"}, want{ok: true, auth: AuthBasic}},
		{oauthtest.Cognito, AuthPost, []string{"api/write"}, want{code: "invalid_client"}},
		{oauthtest.Cognito, AuthBasic, nil, want{code: "invalid_scope"}},
		{oauthtest.Cognito, AuthBasic, []string{"admin"}, want{code: "invalid_scope"}},
		{oauthtest.Dashboard, AuthPost, nil, want{ok: true, auth: AuthPost}},
		{oauthtest.Dashboard, AuthBasic, nil, want{code: "invalid_client"}},
		{oauthtest.Dashboard, AuthAuto, nil, want{ok: true, auth: AuthPost}},
	}
	for _, tc := range cases {
		t.Run(string(tc.f)+"/"+string(tc.auth), func(t *testing.T) {
			t.Parallel()
			tok, err := c.FetchToken(context.Background(), req(srv, tc.f, tc.auth, tc.scopes...))
			if !tc.want.ok {
				var oe *OAuthError
				if !errors.As(err, &oe) || oe.Code != tc.want.code {
					t.Fatalf("want %s, got %v", tc.want.code, err)
				}
				if oe.Hint == "" || oe.Exchange == nil {
					t.Errorf("error without hint or exchange: %+v", oe)
				}
				if tc.want.code == "invalid_scope" && len(tc.scopes) > 0 && !strings.Contains(oe.Hint, tc.scopes[0]) {
					t.Errorf("invalid_scope hint does not name the scopes asked: %s", oe.Hint)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.Auth != tc.want.auth || tok.TokenType != "Bearer" || !tok.HasExpiresIn || tok.ExpiresIn != 3600 {
				t.Fatalf("token %+v", tok)
			}
			if d := time.Until(tok.ExpiresAt); d < 59*time.Minute || d > 61*time.Minute {
				t.Fatalf("expires at %v", tok.ExpiresAt)
			}
			if _, err := DecodeJWT(tok.AccessToken); err != nil {
				t.Fatalf("not a JWT: %v", err)
			}
			if tc.f == oauthtest.Keycloak {
				for _, k := range []string{"not-before-policy", "session_state", "refresh_expires_in"} {
					if _, ok := tok.Extra[k]; !ok {
						t.Errorf("Keycloak field %s dropped: %v", k, tok.Extra)
					}
				}
			}
			if tc.f == oauthtest.Dashboard && tc.auth == AuthAuto && len(tok.Notes) == 0 {
				t.Error("auto fallback not noted")
			}
		})
	}
}

func TestAutoReportsBothAttempts(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	r := req(srv, oauthtest.Generic, AuthAuto)
	r.ClientSecret = "wrong"
	_, err := NewClient().FetchToken(context.Background(), r)
	var ae *AutoError
	if !errors.As(err, &ae) {
		t.Fatalf("want AutoError, got %v", err)
	}
	for _, e := range []error{ae.Basic, ae.Post} {
		var oe *OAuthError
		if !errors.As(e, &oe) || oe.Code != "invalid_client" || oe.Status != 401 {
			t.Errorf("attempt: %v", e)
		}
	}
	msg := err.Error()
	if !strings.Contains(msg, "with HTTP Basic") || !strings.Contains(msg, "with form body") || strings.Count(msg, "invalid_client") < 2 {
		t.Errorf("message does not report both: %s", msg)
	}
	if !IsAuthRejected(err) || IsNetwork(err) {
		t.Error("classification")
	}
	if srv.TokenRequests() != 2 {
		t.Errorf("%d requests, want 2", srv.TokenRequests())
	}
}

func TestSecretsWithSpecialCharacters(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	c := NewClient()
	secrets := []string{"a+b/c=d%e:f", "with space", "ünïcødé-秘密", "colon:in:it", "100%", "=+=/"}
	for i, secret := range secrets {
		for _, f := range []oauthtest.Flavour{oauthtest.Generic, oauthtest.RawBasic} {
			id := "special-" + string(f) + "-" + string(rune('a'+i))
			srv.AddClient(oauthtest.Client{ID: id, Flavour: f, Secrets: []string{secret}})
		}
	}
	for i, secret := range secrets {
		for _, tc := range []struct {
			f    oauthtest.Flavour
			auth AuthMethod
			enc  BasicEncoding
			ok   bool
		}{
			{oauthtest.Generic, AuthBasic, BasicRFC, true},
			{oauthtest.Generic, AuthPost, "", true},
			{oauthtest.RawBasic, AuthBasic, BasicRaw, true},
			{oauthtest.RawBasic, AuthPost, "", true},
			// The trap: RFC encoding against a server that does not decode.
			{oauthtest.RawBasic, AuthBasic, BasicRFC, false},
		} {
			id := "special-" + string(tc.f) + "-" + string(rune('a'+i))
			r := TokenRequest{TokenURL: srv.TokenURL(tc.f), ClientID: id, ClientSecret: secret, Auth: tc.auth, Encoding: tc.enc}
			_, err := c.FetchToken(context.Background(), r)
			if (err == nil) != tc.ok {
				t.Errorf("secret %q %s/%s/%s: ok=%v err=%v", secret, tc.f, tc.auth, tc.enc, err == nil, err)
			}
			if err != nil && strings.Contains(err.Error(), secret) {
				t.Errorf("error text contains the secret: %v", err)
			}
		}
	}
}

func TestBasicCredentialsEncoding(t *testing.T) {
	t.Parallel()
	// RFC 6749 §2.3.1 / Appendix B: form-urlencode, then base64.
	if got, want := BasicCredentials("id:1", "a+b c", BasicRFC), "Basic aWQlM0ExOmElMkJiK2M="; got != want {
		t.Errorf("rfc: %s, want %s", got, want)
	}
	if got, want := BasicCredentials("id", "a+b", BasicRaw), "Basic aWQ6YSti"; got != want {
		t.Errorf("raw: %s, want %s", got, want)
	}
}

func TestMisbehaviours(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	cases := []struct {
		name  string
		m     oauthtest.Misbehaviour
		check func(t *testing.T, tok *Token, err error)
	}{
		{"slow", oauthtest.Misbehaviour{Delay: 30 * time.Millisecond}, func(t *testing.T, tok *Token, err error) {
			if err != nil {
				t.Fatal(err)
			}
		}},
		{"huge body", oauthtest.Misbehaviour{HugeBody: true}, func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != TooLarge {
				t.Fatalf("want TooLarge, got %v", err)
			}
		}},
		{"html error page", oauthtest.Misbehaviour{HTMLError: true}, func(t *testing.T, tok *Token, err error) {
			var re *ResponseError
			if !errors.As(err, &re) || re.Kind != NotJSON || re.Status != 502 || re.Excerpt != "502 Bad Gateway" {
				t.Fatalf("want NotJSON 502 with title, got %#v", err)
			}
			if strings.Contains(err.Error(), "<") {
				t.Errorf("HTML tags in the message: %v", err)
			}
		}},
		{"hostile description", oauthtest.Misbehaviour{HostileDescription: true}, func(t *testing.T, tok *Token, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || oe.Code != "invalid_client" {
				t.Fatalf("want invalid_client, got %v", err)
			}
			assertClean(t, err.Error())
			assertClean(t, oe.Exchange.ResponseBody)
			if !strings.Contains(oe.Description, "RED") || !strings.Contains(oe.Description, "done") {
				t.Errorf("readable text lost: %q", oe.Description)
			}
		}},
		{"echoed secret", oauthtest.Misbehaviour{EchoSecret: true}, nil},
		{"missing expires_in", oauthtest.Misbehaviour{NoExpiresIn: true}, func(t *testing.T, tok *Token, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if tok.HasExpiresIn || tok.ExpirySource != "jwt exp" || time.Until(tok.ExpiresAt) < 59*time.Minute {
				t.Fatalf("expiry from JWT: %+v", tok)
			}
		}},
		{"missing expires_in, opaque", oauthtest.Misbehaviour{NoExpiresIn: true, Opaque: true}, func(t *testing.T, tok *Token, err error) {
			if err != nil {
				t.Fatal(err)
			}
			if !tok.ExpiresAt.IsZero() || tok.ExpirySource != "" {
				t.Fatalf("expiry should be unknown: %+v", tok)
			}
		}},
		{"string expires_in", oauthtest.Misbehaviour{StringExpiresIn: true}, func(t *testing.T, tok *Token, err error) {
			if err != nil || !tok.HasExpiresIn || tok.ExpiresIn != 3600 {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"lowercase bearer", oauthtest.Misbehaviour{LowercaseBearer: true}, func(t *testing.T, tok *Token, err error) {
			if err != nil || tok.TokenType != "Bearer" {
				t.Fatalf("%+v %v", tok, err)
			}
		}},
		{"error in 200", oauthtest.Misbehaviour{ErrorIn200: true}, func(t *testing.T, tok *Token, err error) {
			var oe *OAuthError
			if !errors.As(err, &oe) || !oe.In200 || oe.Status != 200 || oe.Code != "invalid_request" {
				t.Fatalf("want error-in-200, got %v", err)
			}
			if !strings.Contains(err.Error(), "in an HTTP 200 response") {
				t.Errorf("message: %v", err)
			}
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id := "mis-" + string(rune('a'+i))
			srv.AddClient(oauthtest.Client{ID: id, Secrets: []string{"s3cret"}, Misbehave: tc.m})
			r := TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: id, ClientSecret: "s3cret", Auth: AuthBasic}
			if tc.check == nil { // echoed secret: a wrong secret gets echoed back
				r.ClientSecret = "the-wrong-secret-XYZ"
				_, err := NewClient().FetchToken(context.Background(), r)
				var oe *OAuthError
				if !errors.As(err, &oe) {
					t.Fatalf("want OAuthError, got %v", err)
				}
				if strings.Contains(err.Error(), "the-wrong-secret-XYZ") || strings.Contains(oe.Exchange.ResponseBody, "the-wrong-secret-XYZ") {
					t.Fatalf("echoed secret reached the error: %v", err)
				}
				return
			}
			tok, err := NewClient().FetchToken(context.Background(), r)
			tc.check(t, tok, err)
		})
	}
}

func assertClean(t *testing.T, s string) {
	t.Helper()
	for _, bad := range []string{"\x1b", "\x07", "\r", "\u009b", "\u009d"} {
		if strings.Contains(s, bad) {
			t.Errorf("control sequence %q survived in %q", bad, s)
		}
	}
}

func TestOtherOAuthErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddClient(oauthtest.Client{ID: "disabled", Secrets: []string{"s"}, GrantDisabled: true})
	_, err := NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "disabled", ClientSecret: "s", Auth: AuthPost})
	var oe *OAuthError
	if !errors.As(err, &oe) || oe.Code != "unauthorized_client" || !strings.Contains(oe.Hint, "grant is not enabled") {
		t.Fatalf("unauthorized_client: %v", err)
	}
	// A wrong path answers 404 with no OAuth body.
	_, err = NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: srv.URL + "/nope", ClientID: "x", ClientSecret: "s", Auth: AuthPost})
	var re *ResponseError
	if !errors.As(err, &re) || re.Status != 404 {
		t.Fatalf("404: %v", err)
	}
}

func TestExchangeIsRedacted(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	for _, auth := range []AuthMethod{AuthBasic, AuthPost} {
		tok, err := NewClient().FetchToken(context.Background(), req(srv, oauthtest.Generic, auth, "api/read"))
		if err != nil {
			t.Fatal(err)
		}
		ex := tok.Exchange
		all := ex.RequestBody + ex.ResponseBody + strings.Join(ex.RequestHeaders.Values("Authorization"), "")
		if strings.Contains(all, "s3cret") || strings.Contains(all, tok.AccessToken) {
			t.Fatalf("%s: exchange holds the secret or token: %+v", auth, ex)
		}
		if ex.Status != 200 || !strings.Contains(ex.RequestBody, "grant_type=client_credentials") || !strings.Contains(ex.RequestBody, "scope=api%2Fread") {
			t.Fatalf("exchange: %+v", ex)
		}
		if auth == AuthBasic && ex.RequestHeaders.Get("Authorization") != "Basic [redacted]" {
			t.Fatalf("authorization header: %q", ex.RequestHeaders.Get("Authorization"))
		}
		if auth == AuthPost && !strings.Contains(ex.RequestBody, "client_secret=%5Bredacted%5D") {
			t.Fatalf("body: %s", ex.RequestBody)
		}
		if !tok.ScopeReturned || len(tok.Scopes) != 1 || tok.Scopes[0] != "api/read" {
			t.Fatalf("scopes: %v", tok.Scopes)
		}
	}
}

func TestAudienceAndResource(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	r := req(srv, oauthtest.Generic, AuthBasic)
	r.Audience = "https://api.example"
	r.Extra = map[string]string{"tenant": "t1"}
	tok, err := NewClient().FetchToken(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	in := Inspect(tok.AccessToken, nil, nil, time.Now())
	if len(in.Audience) != 1 || in.Audience[0] != "https://api.example" {
		t.Fatalf("aud %v", in.Audience)
	}
	if !strings.Contains(tok.Exchange.RequestBody, "tenant=t1") || !strings.Contains(tok.Exchange.RequestBody, "audience=") {
		t.Fatalf("extra params not sent: %s", tok.Exchange.RequestBody)
	}
}

func TestHangingServerTimesOut(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddClient(oauthtest.Client{ID: "hang", Secrets: []string{"s"}, Misbehave: oauthtest.Misbehaviour{Hang: true}})
	c := NewClient()
	c.Timeout = 100 * time.Millisecond
	_, err := c.FetchToken(context.Background(), TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "hang", ClientSecret: "s", Auth: AuthAuto})
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Kind != NetTimeout || !strings.Contains(err.Error(), "127.0.0.1") {
		t.Fatalf("want timeout naming the host, got %v", err)
	}
	if srv.TokenRequests() != 1 {
		t.Errorf("auto retried after a network failure: %d requests", srv.TokenRequests())
	}
}

func TestCancelReturnsAtOnce(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	srv.AddClient(oauthtest.Client{ID: "hang", Secrets: []string{"s"}, Misbehave: oauthtest.Misbehaviour{Hang: true}})
	c := NewClient()
	c.Timeout = time.Hour // only the cancellation can end this call
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.TokenRequests() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.FetchToken(ctx, TokenRequest{TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "hang", ClientSecret: "s", Auth: AuthBasic})
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Kind != NetCancelled {
		t.Fatalf("want cancelled, got %v", err)
	}
}

func TestNetworkFailuresAreClassified(t *testing.T) {
	t.Parallel()
	// Refused: a port that was just closed.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: "http://" + addr + "/token", ClientID: "c", ClientSecret: "s", Auth: AuthBasic})
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Kind != NetRefused || ne.Host != addr {
		t.Fatalf("refused: %v", err)
	}
	// TLS: a loopback HTTPS server whose certificate nobody trusts.
	ts := httptest.NewUnstartedServer(http.NotFoundHandler())
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is the point
	ts.StartTLS()
	defer ts.Close()
	_, err = NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: ts.URL + "/token", ClientID: "c", ClientSecret: "s", Auth: AuthBasic})
	if !errors.As(err, &ne) || ne.Kind != NetTLS || !strings.Contains(err.Error(), "SSL_CERT_FILE") {
		t.Fatalf("tls: %v", err)
	}
	// DNS: classified from the resolver's error type (no test reaches a real resolver).
	dnsErr := classifyNetErr(context.Background(), "auth.example.invalid", &net.DNSError{Err: "no such host", Name: "auth.example.invalid", IsNotFound: true})
	if !errors.As(dnsErr, &ne) || ne.Kind != NetDNS || !strings.Contains(dnsErr.Error(), "auth.example.invalid") {
		t.Fatalf("dns: %v", dnsErr)
	}
}

func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	var hits int
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits++ }))
	defer target.Close()
	redir := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/token", http.StatusTemporaryRedirect)
	}))
	defer redir.Close()
	_, err := NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: redir.URL + "/token", ClientID: "c", ClientSecret: "s", Auth: AuthPost})
	var re *ResponseError
	if !errors.As(err, &re) || re.Status != 307 || !strings.Contains(err.Error(), "redirect") {
		t.Fatalf("redirect: %v", err)
	}
	if hits != 0 {
		t.Fatal("the redirect was followed with the secret")
	}
}

func TestCAFile(t *testing.T) {
	t.Parallel()
	ts := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"opaque","token_type":"Bearer","expires_in":60}`))
	}))
	defer ts.Close()
	ca := t.TempDir() + "/ca.pem"
	writePEM(t, ca, ts.Certificate().Raw)
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: ts.URL + "/token", ClientID: "c", ClientSecret: "s", Auth: AuthBasic}); !IsNetwork(err) {
		t.Fatalf("a private CA trusted without its bundle: %v", err)
	}
	tok, err := NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: ts.URL + "/token", ClientID: "c", ClientSecret: "s", Auth: AuthBasic, CAFile: ca, CAPEM: pem})
	if err != nil || tok.AccessToken != "opaque" {
		t.Fatalf("with CA file: %v", err)
	}
	if _, err := NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: ts.URL + "/token", ClientID: "c", ClientSecret: "s", Auth: AuthBasic, CAFile: ca, CAPEM: []byte("not pem")}); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("a bundle without certificates accepted: %v", err)
	}
}

// When both attempts of auto fail with the same advice, it is given once, after both.
func TestAutoErrorGivesEachHintOnce(t *testing.T) {
	t.Parallel()
	hint := "check the client id and secret"
	mk := func() error {
		return &OAuthError{Code: "invalid_client", Description: "Invalid client", Status: 401, Hint: hint}
	}
	text := (&AutoError{Basic: mk(), Post: mk()}).Error()
	if n := strings.Count(text, hint); n != 1 {
		t.Fatalf("the hint appears %d times:\n%s", n, text)
	}
	if !strings.Contains(text, "with HTTP Basic:") || !strings.Contains(text, "with form body:") || strings.Count(text, "invalid_client") != 2 {
		t.Fatalf("an attempt is missing:\n%s", text)
	}
	other := &NetworkError{Host: "h", Kind: NetRefused, Err: errors.New("refused"), Hint: "nothing listens there"}
	text = (&AutoError{Basic: mk(), Post: other}).Error()
	if !strings.Contains(text, hint) || !strings.Contains(text, "nothing listens there") {
		t.Fatalf("a different hint was lost:\n%s", text)
	}
}
