package vault

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
)

// A private_key_jwt key imported with its certificate from a CA (the provider registers
// the certificate) is rotated with --keygen: oat makes the new key a self-signed
// certificate "with the old one's subject". A certificate whose subject has no CN (an
// organisation only, the name in a SAN), a CN longer than 64 characters or one holding
// control characters made every --keygen rotation of the profile fail with "the
// certificate's subject CN must be 1 to 64 characters on one line", a rule about a
// field the user never typed and cannot change. The new certificate gets the profile's
// default subject instead, and the rotation goes on.
func TestKeygenRotationWithUnusableCertCN(t *testing.T) {
	t.Parallel()
	for name, subject := range map[string]pkix.Name{
		"no CN":      {Organization: []string{"Example Corp"}},
		"long CN":    {CommonName: strings.Repeat("c", 100)},
		"control CN": {CommonName: "svc\x1b[31m"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			v, _, _ := newTestVault(t)
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: subject, DNSNames: []string{"svc.example"},
				NotBefore: v.Now().Add(-time.Hour), NotAfter: v.Now().Add(90 * 24 * time.Hour)}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
			if err != nil {
				t.Fatal(err)
			}
			keyPEM, err := oauth.MarshalClientKey(key)
			if err != nil {
				t.Fatal(err)
			}
			cred := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) + keyPEM
			if _, err := v.Add(context.Background(), Profile{Name: "k", TokenURL: "https://127.0.0.1:1/token", ClientID: "svc",
				AuthMethod: oauth.AuthPrivateKeyJWT}, cred); err != nil {
				t.Fatal(err)
			}
			_, sk, err := v.GenerateStagedKey(context.Background(), "k", "")
			if err != nil {
				t.Fatalf("rotate --keygen: %v", err)
			}
			if sk.Docs.Cert == "" || sk.Docs.X5tS256 == "" {
				t.Fatalf("the new key has no certificate: %+v", sk.Docs)
			}
			block, _ := pem.Decode([]byte(sk.Docs.Cert))
			leaf, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if cn := leaf.Subject.CommonName; cn == "" || oauth.OneLine(cn) != cn || len(cn) > 64 {
				t.Errorf("the new certificate's CN is %q", cn)
			}
			if days := leaf.NotAfter.Sub(leaf.NotBefore).Hours() / 24; days < 89 || days > 92 {
				t.Errorf("the new certificate is valid for %.1f days, the old one for 90", days)
			}
		})
	}
}

// A client certificate whose subject and issuer are 50,000 characters: oat ls, its
// --json and the details pane show them cut, on one line (the thumbprint names the
// certificate exactly).
func TestCertInfoHugeSubjectBounded(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	long := pkix.Name{CommonName: strings.Repeat("B", 50_000) + "\x1b[2J"}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(9), Subject: long, NotBefore: v.Now().Add(-time.Hour), NotAfter: v.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := oauth.MarshalClientKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cred := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) + keyPEM
	p, err := v.Add(context.Background(), Profile{Name: "m", TokenURL: "https://127.0.0.1:1/token", ClientID: "svc",
		AuthMethod: oauth.AuthSelfSignedTLS}, cred)
	if err != nil {
		t.Fatal(err)
	}
	info, ok, err := p.CertInfo()
	if err != nil || !ok {
		t.Fatalf("CertInfo: %v %v", ok, err)
	}
	for what, s := range map[string]string{"subject": info.Subject, "issuer": info.Issuer, "line": info.Line()} {
		if len(s) > 600 || !strings.Contains(s, "BBBB") {
			t.Errorf("%s: %d bytes", what, len(s))
		}
		if i, r := oauth.FirstUnsafe(s, false); i >= 0 {
			t.Errorf("%s: unsafe %U", what, r)
		}
	}
}
