package vault

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

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

// A key wrapped by a copy is still key material; real secrets, most of them base64
// themselves, are not taken for keys.
func TestWrappedKeyMaterialAndRealSecrets(t *testing.T) {
	t.Parallel()
	k, docs, err := GenerateKey("RS256")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(k.PEM))
	crlf := strings.ReplaceAll(k.PEM, "\n", "\r\n")
	kc, _, err := GenerateKeyCert("ES256", &CertRequest{Subject: "p12", Days: 30, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(mustPEM(t, kc.PEM[strings.Index(kc.PEM, "-----BEGIN CERTIFICATE"):]))
	if err != nil {
		t.Fatal(err)
	}
	p12, err := pkcs12.Modern.EncodeTrustStore([]*x509.Certificate{cert}, "pw")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(k.PEM), "\n")
	for _, c := range []struct{ name, in, want string }{
		{"CRLF PEM", crlf, "a private key (PEM)"},
		{"OpenSSH private key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----", "a private key (PEM)"},
		{"PuTTY", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: me\nPublic-Lines: 2\n", "PuTTY"},
		{"base64 PEM", base64.StdEncoding.EncodeToString([]byte(k.PEM)), "base64-encoded"},
		{"base64 CRLF PEM", base64.StdEncoding.EncodeToString([]byte(crlf)), "base64-encoded"},
		{"PEM body with its lines", strings.Join(lines[1:len(lines)-1], " "), "a private key in base64"},
		{"PEM body", pemBody(b.Bytes), "a private key in base64"},
		{"certificate body", pemBody(cert.Raw), "a certificate in base64"},
		{"public PEM body", pemBody(mustPEM(t, docs.PEM)), "a public key in base64"},
		{"PKCS#12 in base64", base64.StdEncoding.EncodeToString(p12), "PKCS#12 file (.p12/.pfx) in base64"},
		{"PKCS#12 as it is", string(p12), "a PKCS#12 file (.p12/.pfx): "},
		{"certificate DER as it is", string(cert.Raw), "a certificate in DER (binary)"},
		{"private key DER as it is", string(b.Bytes), "a private key in DER (binary)"},
		{"JWK with spaces", "  { \"kty\" : \"oct\", \"k\": \"AAAA\", \"d\": \"x\" }\n", "a private key (JWK)"},
		{"double-quoted JWK", `"` + docs.JWK + `"`, "a public key (JWK"},
	} {
		if kind, _ := LooksLikeKeyMaterial(c.in); !strings.Contains(kind, c.want) {
			t.Errorf("%s: %q", c.name, kind)
		}
	}
	for _, ok := range []string{
		base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")),
		"dGhpcyBpcyBhIHZlcnkgbG9uZyBjbGllbnQgc2VjcmV0IHRoYXQgaXMgYmFzZTY0IG9mIHRleHQgYW5kIG5vdCBhIGtleQ==",
		"Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4",
		"~Q8Q~abcdEFGHijklMNOPqrstUVWXyz0123456789-_.", // Entra ID's shape
		"ssh-secret AAAA-not-base64",
		"MIIsomething-that-is-not-der-at-all-but-long-enough-to-try-decoding-it-0123456789",
		strings.Repeat("A", 88),
	} {
		if kind, _ := LooksLikeKeyMaterial(ok); kind != "" {
			t.Errorf("%q taken for %s", ok, kind)
		}
	}
}

func pemBody(der []byte) string { return base64.StdEncoding.EncodeToString(der) }

func mustPEM(t *testing.T, s string) []byte {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatal("no PEM")
	}
	return b.Bytes
}
