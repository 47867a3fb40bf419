package cli

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// shownJWK is the public JWK that keygen printed (the line after "public JWK").
func shownJWK(t testing.TB, out string) (string, jose.JSONWebKey) {
	t.Helper()
	_, rest, ok := strings.Cut(out, "public JWK\n")
	if !ok {
		t.Fatalf("no public JWK shown:\n%s", out)
	}
	line, _, _ := strings.Cut(rest, "\n")
	var k jose.JSONWebKey
	if err := json.Unmarshal([]byte(line), &k); err != nil || !k.IsPublic() {
		t.Fatalf("the shown JWK %q: %v", line, err)
	}
	return line, k
}

// keyForms are the forms of a stored private key (PKCS#8 PEM) that must never be shown
// or written: the PEM, its base64 body on one line, and each of its PEM lines.
func keyForms(pemText string) []string {
	// The stored text may hold the key's (public) certificate before the key.
	if i := strings.Index(pemText, "-----BEGIN PRIVATE KEY-----"); i > 0 {
		pemText = pemText[i:]
	}
	blk, _ := pem.Decode([]byte(pemText))
	b64 := base64.StdEncoding.EncodeToString(blk.Bytes)
	out := []string{pemText, b64, b64[len(b64)-40:]}
	for _, l := range strings.Split(strings.TrimSpace(pemText), "\n") {
		if !strings.HasPrefix(l, "-----") && len(l) >= 40 {
			out = append(out, l)
		}
	}
	return out
}

// The whole path as a user takes it, in real processes: oat add --keygen shows the
// public JWK once; the test registers that JWK at oauthtest; oat token, inspect, ls
// and check work with it; the private key is nowhere in any output or file.
func TestKeygenRegisterTokenBinary(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "kg-id", Scopes: []string{"api/read"}})
	r := e.run("", "add", "kg", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic),
		"--client-id", "kg-id", "--api-url", e.srv.APIBaseURL(oauthtest.Generic))
	if r.code != 0 {
		t.Fatalf("add --keygen: %d %s", r.code, r.err)
	}
	jwkLine, jwk := shownJWK(t, r.out)
	for _, want := range []string{"JWKS\n{\"keys\":[", "-----BEGIN PUBLIC KEY-----", "thumbprint " + jwk.KeyID, "ES256"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("keygen output lacks %q:\n%s", want, r.out)
		}
	}
	// The private key, read from the store as the test's own check: from now on no
	// output and no file may hold it, in any form (the keygen output included).
	fs := &vault.FileStore{Path: filepath.Join(e.dir, "secrets.age"), Passphrase: func() (string, error) { return "pw", nil }}
	v := vault.Open(e.dir, fs)
	p, err := v.Get("kg")
	if err != nil {
		t.Fatal(err)
	}
	stored, err := v.Secret(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	key, err := oauth.ParseClientKey([]byte(stored))
	if err != nil {
		t.Fatal(err)
	}
	if tp, _ := oauth.Thumbprint(key.Public()); tp != jwk.KeyID || p.KeyThumbprint != tp {
		t.Fatalf("shown kid %s, profile %s, stored key %s", jwk.KeyID, p.KeyThumbprint, tp)
	}
	e.secrets = append(e.secrets, keyForms(stored)...)
	e.noSecretIn("keygen output", r.out+r.err)

	// Not registered yet: the provider refuses the assertion (exit 3).
	if r := e.run("", "token", "kg"); r.code != ExitAuth || !strings.Contains(r.err, "invalid_client") {
		t.Fatalf("token before registration: %d %s", r.code, r.err)
	}
	if err := e.srv.RegisterKey("kg-id", []byte(jwkLine)); err != nil {
		t.Fatal(err)
	}
	r = e.run("", "token", "kg")
	if r.code != 0 || !strings.HasPrefix(r.out, "eyJ") {
		t.Fatalf("token: %d %q %q", r.code, r.out, r.err)
	}
	if e.srv.AssertionsSeen() != 1 {
		t.Fatalf("%d assertions verified", e.srv.AssertionsSeen())
	}
	r = e.run("", "inspect", "kg")
	if r.code != 0 || !strings.Contains(r.out, "authenticates with private_key_jwt (signed ES256 assertion, key thumbprint "+jwk.KeyID) {
		t.Fatalf("inspect: %d\n%s%s", r.code, r.out, r.err)
	}
	r = e.run("", "ls", "--json")
	var rows []map[string]any
	if json.Unmarshal([]byte(r.out), &rows) != nil || len(rows) != 1 || rows[0]["auth_method"] != "private_key_jwt" || rows[0]["key_thumbprint"] != jwk.KeyID {
		t.Fatalf("ls --json: %s", r.out)
	}
	if r := e.run("", "check", "kg"); r.code != 0 || !strings.Contains(r.out, "1 ok") {
		t.Fatalf("check: %d %s %s", r.code, r.out, r.err)
	}
	// The public key was shown once: nothing later repeats it.
	for _, args := range [][]string{{"ls"}, {"inspect", "kg", "--json"}} {
		if r := e.run("", args...); strings.Contains(r.out, jwkLine) {
			t.Errorf("oat %v shows the JWK again", args)
		}
	}
	e.noSecretOnDisk()
}

// keygen on an existing profile, per algorithm: the shown JWK registered, the token
// comes; ls --json and inspect --json say which key and algorithm.
func TestKeygenEachAlg(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"ES256", "RS256", "PS256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "memory")
			e.add("g", oauthtest.Generic)
			r := e.run("", "keygen", "g", "--alg", alg, "--replace")
			if r.code != 0 {
				t.Fatalf("keygen: %d %s", r.code, r.err)
			}
			line, jwk := shownJWK(t, r.out)
			if jwk.Algorithm != alg {
				t.Errorf("JWK alg %q", jwk.Algorithm)
			}
			if err := e.srv.RegisterKey("generic-id", []byte(line)); err != nil {
				t.Fatal(err)
			}
			e.secrets = append(e.secrets, storedKeyForms(t, e, "g")...)
			r = e.run("", "token", "g")
			if r.code != 0 || !strings.HasPrefix(r.out, "eyJ") {
				t.Fatalf("token: %d %s", r.code, r.err)
			}
			var ij map[string]any
			r = e.run("", "inspect", "g", "--json")
			if json.Unmarshal([]byte(r.out), &ij) != nil {
				t.Fatalf("inspect --json: %s", r.out)
			}
			ca, _ := ij["client_auth"].(map[string]any)
			if ca["method"] != "private_key_jwt" || ca["key_alg"] != alg || ca["key_thumbprint"] != jwk.KeyID {
				t.Errorf("client_auth %v", ca)
			}
		})
	}
}

func storedKeyForms(t *testing.T, e *env, name string) []string {
	t.Helper()
	v := vault.Open(e.dir, e.store)
	p, err := v.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := v.Secret(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return keyForms(s)
}

// A key of one's own, piped on stdin in each format; the provider has its public key.
func TestAddImportsKeyFromStdin(t *testing.T) {
	t.Parallel()
	rk, _ := oauth.GenerateClientKey("RS256")
	ek, _ := oauth.GenerateClientKey("ES256")
	dk, _ := oauth.GenerateClientKey("EdDSA")
	pkcs8 := func(k any) string {
		der, _ := x509.MarshalPKCS8PrivateKey(k)
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	ecDER, _ := x509.MarshalECPrivateKey(ek.(*ecdsa.PrivateKey))
	jwk, _ := json.Marshal(jose.JSONWebKey{Key: dk})
	for name, tc := range map[string]struct {
		text string
		key  crypto.Signer
		alg  string
	}{
		"pkcs8-rsa": {pkcs8(rk), rk, "RS256"},
		"pkcs1":     {string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk.(*rsa.PrivateKey))})), rk, "RS256"},
		"sec1":      {string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: ecDER})), ek, "ES256"},
		"jwk":       {string(jwk), dk, "EdDSA"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, "memory")
			e.secrets = append(e.secrets, strings.TrimSpace(tc.text))
			e.srv.AddClient(oauthtest.Client{ID: "imp", Scopes: []string{"api/read"}})
			docs, err := oauth.PublicDocs(tc.key, tc.alg)
			if err != nil {
				t.Fatal(err)
			}
			if err := e.srv.RegisterKey("imp", []byte(docs.JWK)); err != nil {
				t.Fatal(err)
			}
			r := e.run(tc.text, "add", "imp", "--auth", "private_key_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "imp")
			if r.code != 0 || !strings.Contains(r.out, "thumbprint "+docs.Thumbprint) {
				t.Fatalf("add: %d %s %s", r.code, r.out, r.err)
			}
			e.secrets = append(e.secrets, storedKeyForms(t, e, "imp")...)
			if r := e.run("", "token", "imp"); r.code != 0 {
				t.Fatalf("token: %d %s", r.code, r.err)
			}
		})
	}
}

// client_secret_jwt takes a secret as add always did (at least 32 bytes, for HS256);
// the token comes with an HS256 assertion, and the secret is in no output.
func TestClientSecretJWT(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	secret := "cs-jwt-Secret-of-thirty-two-bytes-or-more"
	e.secrets = append(e.secrets, secret)
	e.srv.AddClient(oauthtest.Client{ID: "cs", Secrets: []string{secret, "short-S3cret"}, Scopes: []string{"api/read"}})
	add := func(name, s string) result {
		return e.run(s+"\n", "add", name, "--auth", "client_secret_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "cs")
	}
	if r := add("short", "short-S3cret"); r.code != ExitUsage || !strings.Contains(r.err, "at least 32 bytes") {
		t.Fatalf("short secret: %d %s", r.code, r.err)
	}
	if r := add("cs", secret); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "cs"); r.code != 0 || e.srv.AssertionsSeen() != 1 {
		t.Fatalf("token: %d %s (%d assertions)", r.code, r.err, e.srv.AssertionsSeen())
	}
	if r := e.run("", "inspect", "cs"); !strings.Contains(r.out, "client_secret_jwt (HS256 assertion over the client secret, aud the token URL)") {
		t.Fatalf("inspect:\n%s", r.out)
	}
}

// A key is never typed at a prompt; moving a profile from a secret to a key (and back)
// needs the new credential with it.
func TestKeyInputAndSwitching(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("g", oauthtest.Generic)
	e.tty = true
	if r := e.run("", "add", "k", "--auth", "private_key_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "x"); r.code != ExitUsage || !strings.Contains(r.err, "pipe the private key") {
		t.Fatalf("key at a terminal: %d %s", r.code, r.err)
	}
	e.tty = false
	if r := e.run("", "edit", "g", "--auth", "private_key_jwt"); r.code != ExitUsage || !strings.Contains(r.err, "--replace-secret") {
		t.Fatalf("edit to a key without one: %d %s", r.code, r.err)
	}
	k, docs, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(k.PEM)...)
	if err := e.srv.RegisterKey("generic-id", []byte(docs.JWK)); err != nil {
		t.Fatal(err)
	}
	r := e.run(k.PEM, "edit", "g", "--auth", "private_key_jwt", "--replace-secret", "--env", "staging")
	if r.code != 0 || !strings.Contains(r.out, "thumbprint "+docs.Thumbprint) {
		t.Fatalf("edit to a key: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "g"); r.code != 0 || e.srv.AssertionsSeen() != 1 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	if r := e.run("generic-Secret+/=1\n", "edit", "g", "--auth", "basic", "--replace-secret"); r.code != 0 {
		t.Fatalf("back to a secret: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "g", "--force"); r.code != 0 || e.srv.AssertionsSeen() != 1 {
		t.Fatalf("token with the secret: %d %s", r.code, r.err)
	}
}

// A profile discovered from a server that accepts PS256 assertions only, with the issuer
// as their audience: keygen makes an RSA key for PS256, the JWK shown says PS256, and
// the token comes. An EC key for it is refused before any request.
func TestKeygenFollowsDiscoveredAlgsAndIssuerAudience(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv.SetAssertionAlgs([]string{"PS256"})
	e.srv.AddClient(oauthtest.Client{ID: "disc", Scopes: []string{"api/read"}, AssertionAudience: "issuer"})
	r := e.run("", "add", "d", "--discover", e.srv.URL, "--auth", "private_key_jwt", "--keygen", "--assertion-aud", "issuer", "--client-id", "disc")
	if r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	line, jwk := shownJWK(t, r.out)
	if jwk.Algorithm != "PS256" {
		t.Fatalf("JWK alg %q, want PS256:\n%s", jwk.Algorithm, r.out)
	}
	if err := e.srv.RegisterKey("disc", []byte(line)); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, storedKeyForms(t, e, "d")...)
	if r := e.run("", "token", "d"); r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	if r := e.run("", "inspect", "d"); !strings.Contains(r.out, "signed PS256 assertion") || !strings.Contains(r.out, "aud the issuer") {
		t.Fatalf("inspect:\n%s", r.out)
	}
	before := e.srv.TokenRequests()
	if r := e.run("", "keygen", "d", "--alg", "ES256", "--replace"); r.code == 0 || !strings.Contains(r.err, "PS256") {
		t.Fatalf("an ES256 key for a PS256-only server: %d %s", r.code, r.err)
	}
	if e.srv.TokenRequests() != before {
		t.Fatal("a request was sent")
	}
	if r := e.run("", "token", "d", "--force"); r.code != 0 {
		t.Fatalf("the old key still works after the refused keygen: %d %s", r.code, r.err)
	}
}

// keygen on a profile that already has a credential refuses without --replace and
// changes nothing: the secret (or key) that works is not thrown away by a bare keygen;
// the message says what does move a secret profile to a key (oat rotate --keygen is for
// key profiles only, and refuses this one).
func TestKeygenKeepsAWorkingCredentialUnlessReplace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.add("g", oauthtest.Generic)
	before, err := vault.Open(e.dir, e.store).Get("g")
	if err != nil {
		t.Fatal(err)
	}
	r := e.run("", "keygen", "g")
	if r.code != ExitUsage || strings.Contains(r.err, "oat rotate g --keygen") || !strings.Contains(r.err, "oat keygen g --replace") {
		t.Fatalf("keygen without --replace: %d %s", r.code, r.err)
	}
	after, _ := vault.Open(e.dir, e.store).Get("g")
	if after.AuthMethod != before.AuthMethod || after.SecretFingerprint != before.SecretFingerprint || after.KeyThumbprint != "" {
		t.Fatalf("the profile changed: %+v", after)
	}
	if r := e.run("", "token", "g", "--force"); r.code != 0 {
		t.Fatalf("the old secret no longer works: %s", r.err)
	}
}

// More on stdin than oat takes is said as such: a 1 MB PEM read "no PEM private key
// found" (it was cut at 64 KiB), and a key followed by a long chain was stored cut short.
func TestStdinOverTheBoundIsSaidAsSuch(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	k, _, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(k.PEM)...)
	big := k.PEM + strings.Repeat("# padding\n", 8000)
	r := e.run(big, "add", "big", "--auth", "private_key_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "big-id")
	if r.code != ExitUsage || !strings.Contains(r.err, "stdin holds more than 64 KiB") {
		t.Fatalf("a key over the bound: %d %s", r.code, r.err)
	}
	if _, err := vault.Open(e.dir, e.store).Get("big"); err == nil {
		t.Fatal("a profile was added from a cut input")
	}
}
