package oauth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// mtls_endpoint_aliases (RFC 8705 §5): the mutual-TLS methods see the alias as the
// token endpoint, the others the main one; an alias with credentials or control
// characters in it is refused like any URL of the document.
func TestMTLSEndpointAliasPerMethod(t *testing.T) {
	t.Parallel()
	var alias string
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		iss := "http://" + r.Host
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "token_endpoint": iss + "/token",
			"mtls_endpoint_aliases": map[string]string{"token_endpoint": alias}})
	}))
	defer ts.Close()
	c := NewClient()
	alias = "https://mtls.example.com/token"
	m, err := c.Discover(context.Background(), ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []AuthMethod{AuthTLS, AuthSelfSignedTLS} {
		if got := m.TokenEndpointFor(method); got != alias {
			t.Errorf("%s: %s, want the alias", method, got)
		}
		if _, tok, cross := m.TokenEndpointOriginFor(method); !cross || tok != "https://mtls.example.com" {
			t.Errorf("%s: the alias's origin is not the one checked: %s %v", method, tok, cross)
		}
	}
	for _, method := range []AuthMethod{AuthBasic, AuthPost, AuthAuto, AuthPrivateKeyJWT, AuthClientSecretJWT} {
		if got := m.TokenEndpointFor(method); got != ts.URL+"/token" {
			t.Errorf("%s: %s, want the main endpoint", method, got)
		}
	}
	if m.TokenEndpoint != ts.URL+"/token" {
		t.Fatal("TokenEndpointFor changed the document")
	}
	for _, bad := range []string{"https://user:pw@mtls.example.com/token", "https://mtls.example.com/tok\u001b[2Jen"} {
		alias = bad
		_, err := NewClient().Discover(context.Background(), ts.URL) // a new client: no cached document
		if err == nil || !strings.Contains(err.Error(), "mtls_endpoint_aliases.token_endpoint") || strings.Contains(err.Error(), "pw@") || strings.Contains(err.Error(), "\u001b") {
			t.Errorf("alias %q: %v", bad, err)
		}
	}
}
