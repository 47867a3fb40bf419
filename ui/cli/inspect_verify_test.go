package cli

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// tokenAnswer answers a token request with tok.
func tokenAnswer(tok string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	}
}

// addAnswering adds profile name whose token endpoint answers with tok.
func (e *procEnv) addAnswering(name, tok string, extra ...string) {
	e.t.Helper()
	id, secret := name+"-id", name+"-S3cret"
	e.srv.AddClient(oauthtest.Client{ID: id, Flavour: oauthtest.Generic, Secrets: []string{secret},
		Misbehave: oauthtest.Misbehaviour{Custom: tokenAnswer(tok)}})
	e.secrets = append(e.secrets, secret)
	args := append([]string{"add", name, "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", id}, extra...)
	if r := e.run(secret+"\n", args...); r.code != 0 {
		e.t.Fatalf("add %s: %d %s", name, r.code, r.err)
	}
}

// TestBinaryInspectClaimsCannotForgeLines: a claim (or a claim name, or a header field)
// holding line breaks and escape sequences is shown on one line with the controls
// escaped, so it cannot print a fake "signature ✓ verified" or fake scopes.
func TestBinaryInspectClaimsCannotForgeLines(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	// The server's own key signs it; exp is an hour from now so the token is cached
	// and verifiable whatever the clock says.
	forged := "a\n  signature ✓ verified: signed by the issuer\nscopes    granted:   admin"
	tok, err := e.srv.Sign(map[string]any{"iss": e.srv.URL, "sub": "s", "exp": time.Now().Add(time.Hour).Unix(),
		"x": forged, "y": "\u001b]52;c;SGVsbG8=\u0007", "z\nsignature ✓ verified": "n", "w": []any{"a\u202eb", "c\u009b2J"}})
	if err != nil {
		t.Fatal(err)
	}
	e.addAnswering("forge", tok)
	r := e.run("", "inspect", "forge")
	requireTerminalSafe(t, "inspect stdout", r.out)
	requireTerminalSafe(t, "inspect stderr", r.err)
	if r.code != 0 {
		t.Fatalf("inspect: %d %s", r.code, r.err)
	}
	lines := strings.Split(r.out, "\n")
	for _, want := range [][2]string{
		{"x", `a\n  signature ✓ verified: signed by the issuer\nscopes    granted:   admin`},
		{"y", `\x1b]52;c;SGVsbG8=\x07`},
		{`z\nsignature ✓ verified`, "n"},
		{"w", `["a\u202eb","c\u009b2J"]`},
	} {
		found := false
		for _, l := range lines {
			name, val, ok := strings.Cut(strings.TrimPrefix(l, "  "), "  ")
			found = found || ok && name == want[0] && strings.TrimSpace(val) == want[1]
		}
		if !found {
			t.Errorf("no claim line %q = %q in:\n%s", want[0], want[1], r.out)
		}
	}
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "signature") || strings.Contains(l, "granted:   admin") && !strings.HasPrefix(l, "  x") {
			t.Fatalf("a claim forged a line: %q in\n%s", l, r.out)
		}
	}
}

// TestBinaryInspectVerifyExitCodes: inspect --verify exits 0 only when the signature is
// verified; 3 when verification failed; 1 when the token could not be verified.
func TestBinaryInspectVerifyExitCodes(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	exp := time.Now().Add(time.Hour).Unix()
	good, err := e.srv.Sign(map[string]any{"iss": e.srv.URL, "sub": "s", "exp": exp})
	if err != nil {
		t.Fatal(err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	s, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: other}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k-stranger"))
	stranger, _ := jwt.Signed(s).Claims(map[string]any{"iss": e.srv.URL, "exp": exp}).Serialize()
	b64 := base64.RawURLEncoding.EncodeToString
	unsigned := b64([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + b64([]byte(`{"iss":"`+e.srv.URL+`","exp":`+jsonNum(exp)+`}`)) + "."
	noIss, _ := e.srv.Sign(map[string]any{"sub": "s", "exp": exp})

	for _, c := range []struct {
		name, tok, status string
		code              int
	}{
		{"good", good, "✓ verified", 0},
		{"stranger", stranger, "✗ failed", ExitAuth},
		{"unsigned", unsigned, "✗ failed", ExitAuth},
		{"opaque", "opaque-token-value-1234", "? not verifiable", ExitFailure},
		{"noiss", noIss, "? not verifiable", ExitFailure},
	} {
		e.addAnswering(c.name, c.tok)
		for _, args := range [][]string{{"inspect", c.name, "--verify"}, {"inspect", c.name, "--verify", "--json"}} {
			r := e.run("", args...)
			requireTerminalSafe(t, c.name, r.out+r.err)
			if r.code != c.code {
				t.Errorf("%v: exit %d, want %d: %s%s", args, r.code, c.code, r.out, r.err)
			}
			if len(args) == 3 && !strings.Contains(r.out, "signature "+c.status) {
				t.Errorf("%v: no %q:\n%s", args, c.status, r.out)
			}
		}
	}
	if r := e.run("", "inspect", "--help"); !strings.Contains(r.out, "not verifiable") {
		t.Errorf("inspect --help does not say how --verify exits:\n%s", r.out)
	}
}

func jsonNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// discoveryServer serves a discovery document for its own URL as issuer whose token
// endpoint is tokenURL.
func discoveryServer(t *testing.T, tokenURL, jwksURI string) string {
	t.Helper()
	var base string
	base = httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": base, "token_endpoint": tokenURL, "jwks_uri": jwksURI})
	}))
	return base
}

// TestBinaryDiscoverOtherOriginNeedsYes: discovery that names a token endpoint on
// another origin than the issuer (here another loopback port) is refused without --yes,
// naming both origins, and nothing is saved; with --yes the profile is saved with the
// issuer pinned.
func TestBinaryDiscoverOtherOriginNeedsYes(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	iss := discoveryServer(t, e.srv.TokenURL(oauthtest.Generic), e.srv.URL+"/jwks")
	args := []string{"add", "far", "--discover", iss, "--client-id", "generic-id"}
	r := e.run("Far-S3cret\n", args...)
	e.secrets = append(e.secrets, "Far-S3cret")
	if r.code != ExitUsage || !strings.Contains(r.err, iss) || !strings.Contains(r.err, e.srv.URL) || !strings.Contains(r.err, "--yes") {
		t.Fatalf("cross-origin discovery without --yes: %d %s", r.code, r.err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "profiles.toml")); err == nil {
		if r := e.run("", "ls"); strings.Contains(r.out, "far") {
			t.Fatalf("the profile was saved: %s", r.out)
		}
	}
	r = e.run("Far-S3cret\n", append(args, "--yes")...)
	if r.code != 0 || !strings.Contains(r.err, e.srv.URL) {
		t.Fatalf("with --yes: %d %s", r.code, r.err)
	}
	ps, err := (&vault.ProfilesFile{Path: filepath.Join(e.dir, "profiles.toml")}).Load()
	data, _ := os.ReadFile(filepath.Join(e.dir, "profiles.toml"))
	if err != nil || len(ps) != 1 || ps[0].TokenURL != e.srv.TokenURL(oauthtest.Generic) || !strings.Contains(string(data), "issuer = '"+iss+"'") {
		t.Fatalf("saved: %v %s", err, data)
	}
	// Same-origin discovery needs no --yes.
	if r := e.run("Near-S3cret\n", "add", "near", "--discover", e.srv.URL, "--client-id", "generic-id"); r.code != 0 {
		t.Fatalf("same-origin discovery: %d %s", r.code, r.err)
	}
}

// TestBinaryVerifyPinsTheDiscoveredIssuer: a profile set up by discovery keeps its
// issuer, and inspect --verify refuses a token from another issuer even though that
// issuer's own keys verify its signature.
func TestBinaryVerifyPinsTheDiscoveredIssuer(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "keycloak-id", Flavour: oauthtest.Keycloak, Secrets: []string{"Kc-S3cret"}, Scopes: []string{"api/read"}})
	e.srv.AddClient(oauthtest.Client{ID: "generic-id", Flavour: oauthtest.Generic, Secrets: []string{"Kc-S3cret"}, Scopes: []string{"api/read"}})
	e.secrets = append(e.secrets, "Kc-S3cret")
	// Discovery at a Keycloak realm: tokens of the realm carry the realm URL as iss.
	if r := e.run("Kc-S3cret\n", "add", "kc", "--discover", e.srv.Issuer(oauthtest.Keycloak, "demo"), "--client-id", "keycloak-id"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	if r := e.run("", "inspect", "kc", "--verify"); r.code != 0 {
		t.Fatalf("the realm's own token: %d %s%s", r.code, r.out, r.err)
	}
	// The same profile pointed at the server's root token endpoint gets tokens whose iss
	// is the root issuer: signed with the same keys, but not by the pinned issuer.
	if r := e.run("", "edit", "kc", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "generic-id"); r.code != 0 {
		t.Fatalf("edit: %d %s", r.code, r.err)
	}
	r := e.run("", "inspect", "kc", "--verify", "--force")
	if r.code != ExitAuth || !strings.Contains(r.out, "✗ failed") || !strings.Contains(r.out, "issuer mismatch") {
		t.Fatalf("token of another issuer: %d %s%s", r.code, r.out, r.err)
	}
}
