package vault

import (
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
)

// Key material given where a client secret goes is refused by what it is, with the
// auth method that takes it: a private key (PEM, one-line PEM, private JWK), a
// certificate, a public key or a JWKS. A secret that merely mentions such words is a
// secret.
func TestCheckSecretRefusesKeyMaterial(t *testing.T) {
	t.Parallel()
	k, docs, err := GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	oneLine := strings.ReplaceAll(k.PEM, "\n", " ")
	privJWK := `{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}`
	cases := []struct {
		name, secret, want string
		m                  oauth.AuthMethod
	}{
		{"PEM private key", k.PEM, "a private key (PEM)", oauth.AuthPrivateKeyJWT},
		{"one-line PEM", oneLine, "a private key (PEM)", oauth.AuthPrivateKeyJWT},
		{"private JWK", privJWK, "a private key (JWK)", oauth.AuthPrivateKeyJWT},
		{"public JWK", docs.JWK, "a public key (JWK", oauth.AuthPrivateKeyJWT},
		{"JWKS", docs.JWKS, "a key set (JWKS)", oauth.AuthPrivateKeyJWT},
		{"public PEM", docs.PEM, "a public key (PEM", oauth.AuthPrivateKeyJWT},
		{"certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n" + k.PEM, "a certificate (PEM)", oauth.AuthTLS},
	}
	for _, c := range cases {
		kind, m := LooksLikeKeyMaterial(c.secret)
		if !strings.HasPrefix(kind, c.want) || m != c.m {
			t.Errorf("%s: %q %s", c.name, kind, m)
		}
		err := CheckSecret(c.secret)
		if err == nil || !strings.Contains(err.Error(), c.want+"") || !strings.Contains(err.Error(), "not a client secret") || !strings.Contains(err.Error(), "auth "+string(c.m)) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	for _, ok := range []string{"s3cret-BEGIN-PRIVATE-KEY", `{"not":"a key"}`, "{kty}", "plain-s3cret"} {
		if kind, _ := LooksLikeKeyMaterial(ok); kind != "" {
			t.Errorf("%q taken for %s", ok, kind)
		}
	}
}
