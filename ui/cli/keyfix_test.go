package cli

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// privateJWK is key as a private JWK with its own kid, as a user exports it after
// registering the public half under that kid.
func privateJWK(t *testing.T, key crypto.Signer, kid, alg string) (private, public string) {
	t.Helper()
	pr, err := json.Marshal(jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: alg, Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	pu, err := json.Marshal(jose.JSONWebKey{Key: key.Public(), KeyID: kid, Algorithm: alg, Use: "sig"})
	if err != nil {
		t.Fatal(err)
	}
	return string(pr), string(pu)
}

// A JWK imported with its own kid (registered under it at Okta/Auth0) signs its
// assertions with that kid, not the RFC 7638 thumbprint; the kid is shown where the key
// is described, and a rotation to another JWK of one's own keeps that key's kid.
func TestImportedJWKKeepsItsKid(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv.AddClient(oauthtest.Client{ID: "okta", Scopes: []string{"api/read"}})
	key, _ := oauth.GenerateClientKey("ES256")
	priv, pub := privateJWK(t, key, "abc", "ES256")
	e.secrets = append(e.secrets, priv)
	if err := e.srv.RegisterKey("okta", []byte(pub)); err != nil {
		t.Fatal(err)
	}
	r := e.run(priv, "add", "o", "--auth", "private_key_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "okta")
	if r.code != 0 || !strings.Contains(r.out, "kid abc") {
		t.Fatalf("add: %d\n%s%s", r.code, r.out, r.err)
	}
	e.secrets = append(e.secrets, storedKeyForms(t, e, "o")...)
	if r := e.run("", "token", "o"); r.code != 0 {
		t.Fatalf("token with the kid the provider knows: %d %s", r.code, r.err)
	}
	if r := e.run("", "inspect", "o"); !strings.Contains(r.out, "kid abc") {
		t.Fatalf("inspect does not name the kid:\n%s", r.out)
	}
	if r := e.run("", "ls", "--json"); !strings.Contains(r.out, `"key_id": "abc"`) {
		t.Fatalf("ls --json:\n%s", r.out)
	}
	// Rotation to another key of one's own, registered under its own kid first.
	key2, _ := oauth.GenerateClientKey("ES256")
	priv2, pub2 := privateJWK(t, key2, "def", "ES256")
	e.secrets = append(e.secrets, priv2)
	if err := e.srv.RegisterKey("okta", []byte(pub2)); err != nil {
		t.Fatal(err)
	}
	if r := e.run(priv2, "rotate", "o"); r.code != 0 || !strings.Contains(r.out, "kid def") {
		t.Fatalf("rotate to a JWK with its kid: %d\n%s%s", r.code, r.out, r.err)
	}
	if err := e.srv.RevokeKey("okta", "abc"); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "token", "o", "--force"); r.code != 0 {
		t.Fatalf("token after the rotation: %d %s", r.code, r.err)
	}
	if r := e.run("", "inspect", "o"); !strings.Contains(r.out, "kid def") {
		t.Fatalf("inspect after the rotation:\n%s", r.out)
	}
}

// certOf is the first certificate of a PEM text, and its DER.
func certOf(t *testing.T, text string) (*x509.Certificate, []byte) {
	t.Helper()
	i := strings.Index(text, "-----BEGIN CERTIFICATE-----")
	if i < 0 {
		t.Fatalf("no certificate shown:\n%s", text)
	}
	b, _ := pem.Decode([]byte(text[i:]))
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c, b.Bytes
}

// Entra ID registers a certificate, not a JWK: oat keygen --cert makes one (self-signed,
// the subject and days asked for) and shows it once; registered at oauthtest by its
// certificate only, the token comes, the assertion naming it by x5t#S256 and x5t.
func TestKeygenCertForCertificateRegisteringProviders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv.AddClient(oauthtest.Client{ID: "entra", Scopes: []string{"api/read"}})
	if r := e.run("", "add", "en", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "entra"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	r := e.run("", "keygen", "en", "--replace", "--cert", "--days", "30", "--subject", "oat billing", "--alg", "PS256")
	if r.code != 0 {
		t.Fatalf("keygen --cert: %d %s", r.code, r.err)
	}
	e.secrets = append(e.secrets, storedKeyForms(t, e, "en")...)
	cert, der := certOf(t, r.out)
	if cert.Subject.CommonName != "oat billing" || cert.NotAfter.Sub(cert.NotBefore) < 30*24*time.Hour || cert.NotAfter.Sub(cert.NotBefore) > 31*24*time.Hour {
		t.Fatalf("certificate %s valid %s – %s", cert.Subject, cert.NotBefore, cert.NotAfter)
	}
	for _, want := range []string{"x5t#S256 " + oauth.CertThumbprint(der), "x5t " + oauth.CertThumbprintSHA1(der)} {
		if !strings.Contains(r.out, want) {
			t.Errorf("keygen output lacks %q:\n%s", want, r.out)
		}
	}
	if err := e.srv.RegisterCertificate("entra", der); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "token", "en"); r.code != 0 {
		t.Fatalf("token by the registered certificate: %d %s", r.code, r.err)
	}
	if r := e.run("", "inspect", "en"); !strings.Contains(r.out, oauth.CertThumbprint(der)) {
		t.Fatalf("inspect does not show the certificate:\n%s", r.out)
	}
	if r := e.run("", "keygen", "en", "--replace", "--days", "30"); r.code != ExitUsage || !strings.Contains(r.err, "--cert") {
		t.Fatalf("--days without --cert: %d %s", r.code, r.err)
	}
	// add --keygen --cert does it in one step.
	r = e.run("", "add", "en2", "--auth", "private_key_jwt", "--keygen", "--cert", "--subject", "oat two", "--key-alg", "RS256",
		"--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "entra")
	if r.code != 0 {
		t.Fatalf("add --keygen --cert: %d %s", r.code, r.err)
	}
	e.secrets = append(e.secrets, storedKeyForms(t, e, "en2")...)
	if c, d := certOf(t, r.out); c.Subject.CommonName != "oat two" || e.srv.RegisterCertificate("entra", d) != nil {
		t.Fatalf("add --keygen --cert made %s", c.Subject)
	}
	if r := e.run("", "token", "en2"); r.code != 0 {
		t.Fatalf("token of en2: %d %s", r.code, r.err)
	}
	// A key rotation makes a new certificate like the old one, shown once to register.
	r = e.run("", "rotate", "en", "--keygen")
	if r.code != 0 {
		t.Fatalf("rotate --keygen: %d %s", r.code, r.err)
	}
	cert2, der2 := certOf(t, r.out)
	if cert2.Subject.CommonName != "oat billing" || string(der2) == string(der) || cert2.NotAfter.Sub(cert2.NotBefore) < 30*24*time.Hour {
		t.Fatalf("the rotation's certificate %s, valid %s – %s", cert2.Subject, cert2.NotBefore, cert2.NotAfter)
	}
	if err := e.srv.RegisterCertificate("entra", der2); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "rotate", "en", "--continue"); r.code != 0 {
		t.Fatalf("rotate --continue: %d %s", r.code, r.err)
	}
	e.secrets = append(e.secrets, storedKeyForms(t, e, "en")...)
	if r := e.run("", "inspect", "en", "--force"); r.code != 0 || !strings.Contains(r.out, oauth.CertThumbprint(der2)) {
		t.Fatalf("inspect after the rotation: %d\n%s%s", r.code, r.out, r.err)
	}
}

// A certificate and its key piped together import both; the token comes by the
// certificate. A certificate of another key is refused, naming it, with nothing saved.
func TestImportKeyWithCertificate(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv.AddClient(oauthtest.Client{ID: "entra", Scopes: []string{"api/read"}})
	ca, err := oauthtest.NewCA("test CA")
	if err != nil {
		t.Fatal(err)
	}
	chain, key, err := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "billing"}})
	if err != nil {
		t.Fatal(err)
	}
	both := string(oauthtest.PEM(chain, key))
	e.secrets = append(e.secrets, oauthtest.KeyForms(key)...)
	_, otherKey, _ := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "other"}})
	mismatched := string(oauthtest.PEM(chain, otherKey))
	add := func(name, stdin string) result {
		return e.run(stdin, "add", name, "--auth", "private_key_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "entra")
	}
	if r := add("bad", mismatched); r.code != ExitUsage || !strings.Contains(r.err, "not for this private key") || !strings.Contains(r.err, "billing") {
		t.Fatalf("a certificate of another key: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls"); strings.Contains(r.out, "bad") {
		t.Fatalf("the refused profile was saved:\n%s", r.out)
	}
	r := add("imp", both)
	if r.code != 0 || !strings.Contains(r.out, oauth.CertThumbprint(chain[0])) {
		t.Fatalf("add key and certificate: %d\n%s%s", r.code, r.out, r.err)
	}
	if err := e.srv.RegisterCertificate("entra", chain[0]); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "token", "imp"); r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	// Imported without its certificate, the key alone is not what the provider knows.
	if r := e.run(oauthtest.KeyForms(key)[0], "edit", "imp", "--replace-secret"); r.code != 0 {
		t.Fatalf("replace with the key alone: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "imp"); r.code != ExitAuth {
		t.Fatalf("the key without its certificate: %d %s", r.code, r.err)
	}
}

// boundElsewhereEnv is an in-process env whose server is oauthtest's TLS listener, with
// a tls_client_auth profile "mt" whose token comes bound (cnf x5t#S256) to another
// certificate than the profile's. It returns the two thumbprints and the token.
func boundElsewhereEnv(t *testing.T) (e *env, profileTP, tokenTP, token string) {
	t.Helper()
	e = newEnv(t, "memory")
	ca, err := oauthtest.NewCA("oat test client CA")
	if err != nil {
		t.Fatal(err)
	}
	e.srv = oauthtest.NewTLSForTest(t, "unused", ca.Pool())
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, e.srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	chain, key, err := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc"}})
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, oauthtest.KeyForms(key)...)
	other, _, _ := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "other"}})
	profileTP, tokenTP = oauthtest.Thumbprint(chain[0]), oauthtest.Thumbprint(other[0])
	token, err = e.srv.Sign(map[string]any{"iss": e.srv.URL, "sub": "m", "exp": time.Now().Add(time.Hour).Unix(), "cnf": map[string]any{"x5t#S256": tokenTP}})
	if err != nil {
		t.Fatal(err)
	}
	e.srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"},
		Misbehave: oauthtest.Misbehaviour{Custom: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"access_token": token, "token_type": "Bearer", "expires_in": 3600})
		}}})
	r := e.run(string(oauthtest.PEM(chain, key)), "add", "mt", "--auth", "tls_client_auth", "--token-url", e.srv.TokenURL(oauthtest.Generic),
		"--client-id", "m", "--ca-file", caFile, "--api-url", e.srv.APIBaseURL(oauthtest.Generic), "--test-path", "/me")
	if r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	return e, profileTP, tokenTP, token
}

// A token bound to another certificate than the profile's: inspect shows both
// thumbprints and exits 3 (the token will not be accepted with this certificate);
// token and call say so on stderr, once, without the token.
func TestTokenBoundToAnotherCertificate(t *testing.T) {
	t.Parallel()
	e, profileTP, tokenTP, token := boundElsewhereEnv(t)
	r := e.run("", "token", "mt")
	if r.code != 0 || strings.TrimSpace(r.out) != token {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	warned := func(what string, r result) {
		t.Helper()
		if n := strings.Count(r.err, "bound to another certificate"); n != 1 {
			t.Errorf("%s: the warning %d times, want once:\n%s", what, n, r.err)
		}
		for _, tp := range []string{profileTP, tokenTP} {
			if !strings.Contains(r.err, tp) {
				t.Errorf("%s: the warning lacks %s:\n%s", what, tp, r.err)
			}
		}
		if strings.Contains(r.err, token) || strings.Contains(r.err, strings.Split(token, ".")[2]) {
			t.Errorf("%s: the token is on stderr", what)
		}
	}
	warned("token", r)
	warned("cached token", e.run("", "token", "mt"))
	r = e.run("", "inspect", "mt")
	if r.code != ExitAuth {
		t.Errorf("inspect exit %d, want %d", r.code, ExitAuth)
	}
	for _, want := range []string{"bound to another certificate ✗", "token's cnf x5t#S256  " + tokenTP, "profile's certificate " + profileTP} {
		if !strings.Contains(r.out, want) {
			t.Errorf("inspect lacks %q:\n%s", want, r.out)
		}
	}
	r = e.run("", "inspect", "mt", "--json")
	if r.code != ExitAuth || !strings.Contains(r.out, `"profile_x5t#S256":"`+profileTP+`"`) {
		t.Errorf("inspect --json: %d\n%s", r.code, r.out)
	}
	if r := e.run("", "inspect", "--help"); !strings.Contains(r.out, "bound to another certificate") {
		t.Errorf("inspect --help does not document the exit code:\n%s", r.out)
	}
	// The other commands that hand the token out warn too, once.
	warned("env", e.run("", "env", "mt"))
	warned("exec", e.run("", "exec", "mt", "--", "true"))
	// Last: the API refuses the token, and oat remembers that.
	warned("call", e.run("", "call", "mt"))
}

// A flag that means nothing for the profile's auth method is an error naming the flag
// and the methods it goes with, before anything is read or saved: add, edit, rotate.
func TestFlagsForAnotherMethodAreErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("g", oauthtest.Generic)
	e.srv.AddClient(oauthtest.Client{ID: "kid", Scopes: []string{"api/read"}})
	if r := e.run("", "add", "k", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "kid"); r.code != 0 {
		t.Fatalf("add k: %d %s", r.code, r.err)
	}
	key, _ := oauth.GenerateClientKey("ES256")
	keyPEM, _ := oauth.MarshalClientKey(key)
	e.secrets = append(e.secrets, keyForms(keyPEM)...)
	secret := "generic-Secret+/=1\n"
	add := func(name, auth string, extra ...string) []string {
		return append([]string{"add", name, "--auth", auth, "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "x"}, extra...)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		want  []string
	}{
		{"add pkcs12 with a key", keyPEM, add("n", "private_key_jwt", "--pkcs12"), []string{"--pkcs12", "tls_client_auth or self_signed_tls_client_auth", "private_key_jwt"}},
		{"add pkcs12 with a secret", secret, add("n", "basic", "--pkcs12"), []string{"--pkcs12", "tls_client_auth"}},
		{"add key-alg with basic", secret, add("n", "basic", "--key-alg", "RS256"), []string{"--key-alg", "goes with --auth private_key_jwt", "basic"}},
		{"add key-alg with post", secret, add("n", "post", "--key-alg", "ES256"), []string{"--key-alg", "private_key_jwt"}},
		{"add key-alg with client_secret_jwt", secret, add("n", "client_secret_jwt", "--key-alg", "ES256"), []string{"--key-alg", "private_key_jwt"}},
		{"add key-alg with mTLS", "", add("n", "tls_client_auth", "--key-alg", "ES256"), []string{"--key-alg", "private_key_jwt", "tls_client_auth"}},
		{"add assertion-aud with basic", secret, add("n", "basic", "--assertion-aud", "issuer"), []string{"--assertion-aud", "private_key_jwt or client_secret_jwt"}},
		{"add assertion-aud with mTLS", "", add("n", "self_signed_tls_client_auth", "--assertion-aud", "token-url"), []string{"--assertion-aud", "private_key_jwt or client_secret_jwt"}},
		{"add basic-encoding with a key", "", add("n", "private_key_jwt", "--keygen", "--basic-encoding", "raw"), []string{"--basic-encoding", "basic or auto"}},
		{"add basic-encoding with post", secret, add("n", "post", "--basic-encoding", "raw"), []string{"--basic-encoding", "basic or auto"}},
		{"add basic-encoding with client_secret_jwt", secret, add("n", "client_secret_jwt", "--basic-encoding", "rfc"), []string{"--basic-encoding", "basic or auto"}},
		{"add keygen with mTLS", "", add("n", "tls_client_auth", "--keygen"), []string{"--keygen", "private_key_jwt", "tls_client_auth"}},
		{"add keygen with basic", "", add("n", "basic", "--keygen"), []string{"--keygen", "private_key_jwt"}},
		{"edit key-alg on a secret profile", "", []string{"edit", "g", "--key-alg", "RS256"}, []string{"--key-alg", "private_key_jwt", "auto"}},
		{"edit basic-encoding to post", "", []string{"edit", "g", "--auth", "post", "--basic-encoding", "raw"}, []string{"--basic-encoding", "basic or auto", "post"}},
		{"edit assertion-aud on a secret profile", "", []string{"edit", "g", "--assertion-aud", "issuer"}, []string{"--assertion-aud", "private_key_jwt or client_secret_jwt"}},
		{"edit pkcs12 on a key profile", keyPEM, []string{"edit", "k", "--replace-secret", "--pkcs12"}, []string{"--pkcs12", "tls_client_auth"}},
		{"edit basic-encoding on a key profile", "", []string{"edit", "k", "--basic-encoding", "raw"}, []string{"--basic-encoding", "private_key_jwt"}},
		{"rotate keygen on a secret profile", "", []string{"rotate", "g", "--keygen"}, []string{"--keygen", "private_key_jwt"}},
		{"rotate restage on a secret profile", secret, []string{"rotate", "g", "--restage"}, []string{"--restage", "private_key_jwt"}},
		{"keygen days without cert", "", []string{"keygen", "k", "--replace", "--days", "3"}, []string{"--days", "--cert"}},
		{"add cert without keygen", keyPEM, add("n", "private_key_jwt", "--cert"), []string{"--cert", "--keygen"}},
		{"add subject without cert", "", add("n", "private_key_jwt", "--keygen", "--subject", "x"), []string{"--subject", "--cert"}},
	} {
		before := e.run("", "ls", "--json").out
		r := e.run(tc.stdin, tc.args...)
		if r.code != ExitUsage {
			t.Errorf("%s: exit %d, want %d\n%s%s", tc.name, r.code, ExitUsage, r.out, r.err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(r.err, w) {
				t.Errorf("%s: the message lacks %q: %s", tc.name, w, r.err)
			}
		}
		if after := e.run("", "ls", "--json").out; after != before {
			t.Errorf("%s: the profiles changed:\n%s\n%s", tc.name, before, after)
		}
	}
	// What fits its method still works.
	for _, args := range [][]string{
		add("ok1", "auto", "--basic-encoding", "raw"),
		add("ok2", "basic", "--basic-encoding", "rfc"),
		{"edit", "k", "--key-alg", "ES256", "--assertion-aud", "token-url"},
		{"edit", "g", "--basic-encoding", "raw"},
	} {
		if r := e.run(secret, args...); r.code != 0 {
			t.Errorf("%v: %d %s", args, r.code, r.err)
		}
	}
}

// oat edit --key-alg on a profile keeping its key: an algorithm the key cannot sign
// with is refused (exit 2, the profile unchanged) with what to do; one it can is taken.
func TestEditKeyAlgIsCheckedAgainstTheStoredKey(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "ka", Scopes: []string{"api/read"}})
	if r := e.run("", "add", "ka", "--auth", "private_key_jwt", "--keygen", "--key-alg", "RS256", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "ka"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	e.storedKeys("ka")
	r := e.run("", "edit", "ka", "--key-alg", "ES256")
	if r.code != ExitUsage || !strings.Contains(r.err, "the stored key signs with RS256 or PS256") || !strings.Contains(r.err, "oat rotate ka --keygen --key-alg ES256") {
		t.Fatalf("edit --key-alg ES256 on an RSA key: %d %s", r.code, r.err)
	}
	if p, _, _ := e.storedKeys("ka"); p.KeyAlg != "RS256" {
		t.Fatalf("the refused edit changed the profile: %s", p.KeyAlg)
	}
	if r := e.run("", "edit", "ka", "--key-alg", "PS256"); r.code != 0 {
		t.Fatalf("edit --key-alg PS256 on an RSA key: %d %s", r.code, r.err)
	}
	if p, _, _ := e.storedKeys("ka"); p.KeyAlg != "PS256" {
		t.Fatalf("key alg %s, want PS256", p.KeyAlg)
	}
}

// A private key or a certificate piped where a client secret goes (the user forgot
// --auth) is refused by what it is, with the method that takes it: nothing is stored
// and nothing reaches the token endpoint (a JWK is one printable line, and was sent as
// the client secret in Basic and in the body).
func TestKeyGivenAsASecretIsRefused(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	k, _, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(k.PEM)...)
	privJWK := `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLtDiQHfm2c4eyX5BzRQkY"}`
	e.secrets = append(e.secrets, "jpsQnnGQmL-YBIffH1136cLtDiQHfm2c4eyX5BzRQkY")
	before := e.srv.TokenRequests()
	for _, c := range []struct{ name, in, want string }{
		{"PEM key", k.PEM, "that is a private key (PEM), not a client secret: it goes with --auth private_key_jwt"},
		{"JWK", privJWK, "that is a private key (JWK), not a client secret: it goes with --auth private_key_jwt"},
	} {
		r := e.run(c.in, "add", "s-"+strings.Fields(c.name)[0], "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "me")
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) {
			t.Errorf("%s: %d %s", c.name, r.code, r.err)
		}
	}
	if r := e.run("", "ls", "--json"); strings.Contains(r.out, `"name"`) {
		t.Fatalf("a refused profile was stored:\n%s", r.out)
	}
	if e.srv.TokenRequests() != before {
		t.Fatal("a key given as a secret reached the token endpoint")
	}
	// A binary file (a .p12 piped without --pkcs12) is named as such, not "a line break".
	if r := e.run("\x30\x82\x05\x10\x02\x01\x03\x00binary", "add", "p12", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "me"); r.code != ExitUsage ||
		!strings.Contains(r.err, "binary data (a PKCS#12 .p12/.pfx or a DER file?)") || !strings.Contains(r.err, "--pkcs12") {
		t.Errorf("binary: %d %s", r.code, r.err)
	}
	// A secret profile's rotation refuses it the same way.
	if r := e.run("s3cret-value-1", "add", "sec", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "me"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	e.secrets = append(e.secrets, "s3cret-value-1")
	if r := e.run(k.PEM, "rotate", "sec"); r.code != ExitUsage || !strings.Contains(r.err, "that is a private key (PEM), not a client secret") {
		t.Fatalf("rotate with a key: %d %s", r.code, r.err)
	}
	e.noSecretOnDisk()
}

// keygen says --alg, add/edit/rotate say --key-alg: each command takes either name.
func TestAlgFlagTakesEitherName(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "al", Scopes: []string{"api/read"}})
	if r := e.run("", "add", "al", "--auth", "private_key_jwt", "--keygen", "--alg", "rs256", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "al"); r.code != 0 || !strings.Contains(r.out, "RS256") {
		t.Fatalf("add --alg: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "keygen", "al", "--key-alg", "ES256", "--replace"); r.code != 0 || !strings.Contains(r.out, "new ES256 key") {
		t.Fatalf("keygen --key-alg: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "al", "--keygen", "--alg", "EdDSA"); r.code != 0 || !strings.Contains(r.out, "new EdDSA key") {
		t.Fatalf("rotate --keygen --alg: %d %s %s", r.code, r.out, r.err)
	}
	e.storedKeys("al")
}

// oat edit --auth client_secret_jwt keeps the secret, which then keys HS256: a secret
// too short for it is refused as at add (exit 2, nothing changed).
func TestEditToClientSecretJWTChecksTheSecret(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.secrets = append(e.secrets, "short")
	if r := e.run("short", "add", "cs", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "cs"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	r := e.run("", "edit", "cs", "--auth", "client_secret_jwt")
	if r.code != ExitUsage || !strings.Contains(r.err, "client_secret_jwt signs with HS256, which needs a secret of at least 32 bytes") {
		t.Fatalf("edit to client_secret_jwt with a 5-byte secret: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls", "--json"); !strings.Contains(r.out, `"auth_method": "auto"`) {
		t.Fatalf("the refused edit changed the profile:\n%s", r.out)
	}
	// With a long enough new secret in the same edit, the new one is what is checked.
	long := "a-new-secret-long-enough-for-HS256-keys"
	e.secrets = append(e.secrets, long)
	if r := e.run(long, "edit", "cs", "--auth", "client_secret_jwt", "--replace-secret"); r.code != 0 {
		t.Fatalf("edit to client_secret_jwt with a new 39-byte secret: %d %s", r.code, r.err)
	}
}
