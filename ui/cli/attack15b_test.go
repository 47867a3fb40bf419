package cli

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// Key material that a copy has wrapped (base64 of a whole PEM as a Kubernetes secret
// holds it, a PEM's body without its BEGIN/END lines, a quoted JWK, a JWK after a byte
// order mark, an ssh public key line) is refused as a client secret like the plain
// forms: each was stored as the secret and sent to the token endpoint in Basic and in
// the body.
func TestWrappedKeyGivenAsASecretIsRefused(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	k, docs, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(k.PEM)...)
	b, _ := pem.Decode([]byte(k.PEM))
	if _, err := x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
		t.Fatal(err)
	}
	body := base64.StdEncoding.EncodeToString(b.Bytes)
	e.secrets = append(e.secrets, body, base64.StdEncoding.EncodeToString([]byte(k.PEM)))
	privJWK := `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLtDiQHfm2c4eyX5BzRQkY"}`
	e.secrets = append(e.secrets, "jpsQnnGQmL-YBIffH1136cLtDiQHfm2c4eyX5BzRQkY")
	before := e.srv.TokenRequests()
	for i, c := range []struct{ name, in, want string }{
		{"base64 of a PEM", base64.StdEncoding.EncodeToString([]byte(k.PEM)), "a private key (PEM), base64-encoded"},
		{"PEM body", body, "a private key in base64"},
		{"quoted JWK", "'" + privJWK + "'", "a private key (JWK)"},
		{"JWK after a BOM", "\uFEFF" + privJWK, "a private key (JWK)"},
		{"base64url JWK", base64.RawURLEncoding.EncodeToString([]byte(privJWK)), "a private key (JWK), base64-encoded"},
		{"public JWK in base64", base64.StdEncoding.EncodeToString([]byte(docs.JWK)), "a public key (JWK)"},
		{"ssh public key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host", "an ssh public key"},
	} {
		r := e.run(c.in, "add", "w"+string(rune('a'+i)), "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "me")
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) || !strings.Contains(r.err, "not a client secret") {
			t.Errorf("%s: %d %s", c.name, r.code, r.err)
		}
	}
	if r := e.run("", "ls", "--json"); strings.Contains(r.out, `"name"`) {
		t.Fatalf("a refused profile was stored:\n%s", r.out)
	}
	if e.srv.TokenRequests() != before {
		t.Fatal("a key given as a secret reached the token endpoint")
	}
	e.noSecretOnDisk()
}
