package cli

import (
	"crypto/x509/pkix"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// oat add --discover without --auth takes the method the server lists when it takes
// no client secret in the header or the body, and says why on stderr: private_key_jwt
// (with --keygen the key is made and the token comes), tls_client_auth. A server that
// lists client_secret_post as well keeps post, without the reason.
func TestAddDiscoverSuggestsBeyondSecrets(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv.SetAuthMethods([]string{"private_key_jwt", "tls_client_auth"})
	e.srv.AddClient(oauthtest.Client{ID: "pk", Scopes: []string{"api/read"}})
	r := e.run("", "add", "pk", "--discover", e.srv.URL, "--client-id", "pk", "--keygen")
	if r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	if !strings.Contains(r.err, "auth private_key_jwt: the server lists no client_secret_basic or client_secret_post; it lists private_key_jwt") {
		t.Fatalf("no reason given:\n%s", r.err)
	}
	p, err := vault.Open(e.dir, e.store).Get("pk")
	if err != nil || p.AuthMethod != oauth.AuthPrivateKeyJWT {
		t.Fatalf("profile %+v %v", p, err)
	}
	line, _ := shownJWK(t, r.out)
	if err := e.srv.RegisterKey("pk", []byte(line)); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, storedKeyForms(t, e, "pk")...)
	if r := e.run("", "token", "pk"); r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}

	e.srv.SetAuthMethods([]string{"tls_client_auth"})
	r = e.run("not a certificate\n", "add", "mt", "--discover", e.srv.URL, "--client-id", "mt")
	if !strings.Contains(r.err, "auth tls_client_auth: the server lists no client_secret_basic or client_secret_post; it lists tls_client_auth") {
		t.Fatalf("no reason given for mutual TLS: %d\n%s", r.code, r.err)
	}

	e.srv.SetAuthMethods([]string{"client_secret_post", "private_key_jwt"})
	r = e.run("post-S3cret-value\n", "add", "po", "--discover", e.srv.URL, "--client-id", "po")
	e.secrets = append(e.secrets, "post-S3cret-value")
	if r.code != 0 || strings.Contains(r.err, "lists no client_secret_basic") {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	if p, err := vault.Open(e.dir, e.store).Get("po"); err != nil || p.AuthMethod != oauth.AuthPost {
		t.Fatalf("profile %+v %v", p, err)
	}
}

// The CLI writes only the settings the auth method uses, as the app's form does: no
// basic_encoding in a private_key_jwt profile (it was the flag's default), a setting
// given for a method that does not use it is refused by name, and a method changed
// by edit drops the settings the new one does not use.
func TestCLIWritesOnlyTheMethodsSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	get := func(name string) vault.Profile {
		t.Helper()
		p, err := vault.Open(e.dir, e.store).Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if r := e.run("", "add", "pk", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "pk"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	e.secrets = append(e.secrets, storedKeyForms(t, e, "pk")...)
	if p := get("pk"); p.BasicEncoding != "" || p.KeyAlg != "ES256" {
		t.Fatalf("private_key_jwt profile: basic encoding %q, key alg %q", p.BasicEncoding, p.KeyAlg)
	}
	r := e.run("post-S3cret-value\n", "add", "po", "--auth", "post", "--basic-encoding", "raw", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "po")
	e.secrets = append(e.secrets, "post-S3cret-value")
	if r.code != ExitUsage || !strings.Contains(r.err, "--basic-encoding") || !strings.Contains(r.err, "--auth basic or auto") {
		t.Fatalf("--basic-encoding with post: %d %s", r.code, r.err)
	}
	if r := e.run("", "edit", "pk", "--assertion-aud", "token-url", "--key-alg", "ES256"); r.code != 0 {
		t.Fatalf("edit with settings private_key_jwt uses: %d %s", r.code, r.err)
	}
	if r := e.run("basic-S3cret-value\n", "add", "b", "--auth", "basic", "--basic-encoding", "raw", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "b"); r.code != 0 {
		t.Fatalf("add basic raw: %d %s", r.code, r.err)
	}
	e.secrets = append(e.secrets, "basic-S3cret-value")
	if p := get("b"); p.BasicEncoding != oauth.BasicRaw {
		t.Fatalf("basic raw: %q", p.BasicEncoding)
	}
	if r := e.run("", "edit", "b", "--key-alg", "ES256"); r.code != ExitUsage || !strings.Contains(r.err, "--key-alg") {
		t.Fatalf("--key-alg on a basic profile: %d %s", r.code, r.err)
	}
	if r := e.run("", "edit", "b", "--auth", "post"); r.code != 0 {
		t.Fatalf("edit to post: %d %s", r.code, r.err)
	}
	if p := get("b"); p.AuthMethod != oauth.AuthPost || p.BasicEncoding != "" {
		t.Fatalf("after the move to post: %s, basic encoding %q", p.AuthMethod, p.BasicEncoding)
	}
}

// oat add --discover for mutual TLS takes the server's mTLS alias of its token
// endpoint (RFC 8705 §5), and checks that alias's origin: on another origin than the
// issuer it needs --yes, naming it. A secret method keeps token_endpoint.
func TestAddDiscoverTakesTheMTLSAlias(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	const alias = "https://mtls.example.com/token"
	var base string
	base = httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": base, "token_endpoint": base + "/token",
			"token_endpoint_auth_methods_supported": []string{"tls_client_auth", "client_secret_basic"},
			"mtls_endpoint_aliases":                 map[string]string{"token_endpoint": alias}})
	}))
	chain, key, err := (*oauthtest.CA)(nil).Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc"}})
	if err != nil {
		t.Fatal(err)
	}
	pemIn := string(oauthtest.PEM(chain, key))
	e.secrets = append(e.secrets, oauthtest.KeyForms(key)...)
	args := []string{"add", "mt", "--discover", base, "--client-id", "mt", "--auth", "tls_client_auth"}
	r := e.run(pemIn, args...)
	if r.code != ExitUsage || !strings.Contains(r.err, "https://mtls.example.com") || !strings.Contains(r.err, "--yes") {
		t.Fatalf("an mTLS alias on another origin without --yes: %d %s", r.code, r.err)
	}
	if r := e.run(pemIn, append(args, "--yes")...); r.code != 0 {
		t.Fatalf("with --yes: %d %s", r.code, r.err)
	}
	if p, err := vault.Open(e.dir, e.store).Get("mt"); err != nil || p.TokenURL != alias {
		t.Fatalf("profile %+v %v", p, err)
	}
	// Basic: the usual token endpoint, on the issuer's origin, taken as it is.
	r = e.run("basic-S3cret-value\n", "add", "b", "--discover", base, "--client-id", "b")
	e.secrets = append(e.secrets, "basic-S3cret-value")
	if r.code != 0 {
		t.Fatalf("basic: %d %s", r.code, r.err)
	}
	if p, err := vault.Open(e.dir, e.store).Get("b"); err != nil || p.TokenURL != base+"/token" || p.AuthMethod != oauth.AuthBasic {
		t.Fatalf("profile %+v %v", p, err)
	}
}
