package vault

import (
	"errors"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
)

func validProfile() Profile {
	return Profile{
		ID: "0123456789abcdef", Name: "eds", TokenURL: "https://auth.example.com/oauth2/token",
		ClientID: "client-1", AuthMethod: oauth.AuthAuto,
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		edit  func(*Profile)
		field string // "" means valid
		want  string
	}{
		{"valid", func(p *Profile) {}, "", ""},
		{"loopback http", func(p *Profile) { p.TokenURL = "http://127.0.0.1:8080/token" }, "", ""},
		{"localhost http", func(p *Profile) { p.TokenURL = "http://localhost/token" }, "", ""},
		{"ipv6 loopback http", func(p *Profile) { p.TokenURL = "http://[::1]:9/token" }, "", ""},
		{"insecure allowed", func(p *Profile) { p.TokenURL = "http://auth.corp/token"; p.InsecureHTTP = true }, "", ""},
		{"empty name", func(p *Profile) { p.Name = "" }, "name", "not a valid name"},
		{"name with space", func(p *Profile) { p.Name = "my api" }, "name", "not a valid name"},
		{"name too long", func(p *Profile) { p.Name = strings.Repeat("a", 41) }, "name", "not a valid name"},
		{"name leading dash", func(p *Profile) { p.Name = "-x" }, "name", "not a valid name"},
		{"no token url", func(p *Profile) { p.TokenURL = "" }, "token_url", "is required"},
		{"token url unparsable", func(p *Profile) { p.TokenURL = "https://exa mple.com/%zz" }, "token_url", "does not parse"},
		{"token url relative", func(p *Profile) { p.TokenURL = "/token" }, "token_url", "must start with https://"},
		{"token url ftp", func(p *Profile) { p.TokenURL = "ftp://x/token" }, "token_url", "must start with https://"},
		{"token url no host", func(p *Profile) { p.TokenURL = "https:///token" }, "token_url", "has no host"},
		{"token url plain http", func(p *Profile) { p.TokenURL = "http://auth.example.com/token" }, "token_url", "plain http"},
		{"token url userinfo", func(p *Profile) { p.TokenURL = "https://u:pw@auth.example.com/token" }, "token_url", "credentials"},
		{"no client id", func(p *Profile) { p.ClientID = " " }, "client_id", "is required"},
		{"client id newline", func(p *Profile) { p.ClientID = "a\nb" }, "client_id", "line breaks"},
		{"no auth", func(p *Profile) { p.AuthMethod = "" }, "auth_method", "is required"},
		{"bad auth", func(p *Profile) { p.AuthMethod = "jwt" }, "auth_method", "not one of basic, post, auto"},
		{"bad detected", func(p *Profile) { p.DetectedAuth = "auto" }, "detected_auth", "not one of"},
		{"bad encoding", func(p *Profile) { p.BasicEncoding = "latin1" }, "basic_encoding", "not one of rfc, raw"},
		{"scope with space", func(p *Profile) { p.Scopes = []string{"a b"} }, "scopes", "not a valid scope"},
		{"empty scope", func(p *Profile) { p.Scopes = []string{""} }, "scopes", "not a valid scope"},
		{"api url http", func(p *Profile) { p.APIBaseURL = "http://api.example.com" }, "api_base_url", "plain http"},
		{"bad method", func(p *Profile) { p.TestRequest.Method = "FETCH" }, "test_request.method", "not an HTTP method"},
		{"bad header", func(p *Profile) { p.TestRequest.Headers = map[string]string{"X Bad": "1"} }, "test_request.headers", "not a valid header"},
		{"extra overrides grant", func(p *Profile) { p.ExtraParams = map[string]string{"grant_type": "password"} }, "extra_params", "cannot be set"},
		{"extra overrides secret", func(p *Profile) { p.ExtraParams = map[string]string{"client_secret": "x"} }, "extra_params", "cannot be set"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := validProfile()
			c.edit(&p)
			err := p.Validate()
			if c.field == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("want error on %s", c.field)
			}
			if !errors.Is(err, ErrInvalidProfile) {
				t.Errorf("error does not wrap ErrInvalidProfile: %v", err)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Errorf("want field %s, got %v", c.field, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	t.Parallel()
	p := Profile{Name: "bad name", AuthMethod: "x"}
	err := p.Validate()
	for _, f := range []string{"name:", "token_url:", "client_id:", "auth_method:"} {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("%q missing from %v", f, err)
		}
	}
}

func TestEffectiveAuth(t *testing.T) {
	t.Parallel()
	p := validProfile()
	if p.EffectiveAuth() != oauth.AuthAuto {
		t.Fatal("auto without detection stays auto")
	}
	p.DetectedAuth = oauth.AuthPost
	if p.EffectiveAuth() != oauth.AuthPost {
		t.Fatal("auto uses the detected method")
	}
	p.AuthMethod = oauth.AuthBasic
	if p.EffectiveAuth() != oauth.AuthBasic {
		t.Fatal("explicit method wins")
	}
}
