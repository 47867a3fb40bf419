package vault

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// keyForms are one key in every format oat imports.
func keyForms(t *testing.T) map[string]struct {
	key  crypto.Signer
	text string
} {
	t.Helper()
	out := map[string]struct {
		key  crypto.Signer
		text string
	}{}
	add := func(name string, key crypto.Signer, text string) {
		out[name] = struct {
			key  crypto.Signer
			text string
		}{key, text}
	}
	pemOf := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	rk, _ := oauth.GenerateClientKey("RS256")
	ek, _ := oauth.GenerateClientKey("ES256")
	dk, _ := oauth.GenerateClientKey("EdDSA")
	for name, k := range map[string]crypto.Signer{"rsa": rk, "ec": ek, "ed25519": dk} {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		add(name+"/pkcs8", k, pemOf("PRIVATE KEY", der))
		jwk, err := json.Marshal(jose.JSONWebKey{Key: k})
		if err != nil {
			t.Fatal(err)
		}
		add(name+"/jwk", k, string(jwk))
	}
	add("rsa/pkcs1", rk, pemOf("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk.(*rsa.PrivateKey))))
	sec1, _ := x509.MarshalECPrivateKey(ek.(*ecdsa.PrivateKey))
	add("ec/sec1", ek, pemOf("EC PRIVATE KEY", sec1))
	// openssl ecparam -genkey writes the curve's parameters first.
	add("ec/sec1+params", ek, pemOf("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})+pemOf("EC PRIVATE KEY", sec1))
	return out
}

// Every import format is stored as PKCS#8 PEM in the secret store under the profile,
// with the public key's thumbprint in the profile; nothing of the key is in the profile
// file; a token is fetched with it from oauthtest, which has the public JWK registered.
func TestImportClientKeyEachFormat(t *testing.T) {
	t.Parallel()
	for name, f := range keyForms(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			b := newBroker(t)
			ctx := context.Background()
			id := strings.NewReplacer("/", "-", "+", "-").Replace(name)
			srv.AddClient(oauthtest.Client{ID: id, Scopes: []string{"api/read"}})
			p, err := b.Vault.Add(ctx, Profile{Name: "k", TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: id,
				AuthMethod: oauth.AuthPrivateKeyJWT}, f.text)
			if err != nil {
				t.Fatal(err)
			}
			tp, _ := oauth.Thumbprint(f.key.Public())
			if p.KeyThumbprint != tp || p.KeyAlg == "" {
				t.Fatalf("thumbprint %q alg %q, want %q", p.KeyThumbprint, p.KeyAlg, tp)
			}
			stored, err := b.Vault.Secret(ctx, p)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(stored, "-----BEGIN PRIVATE KEY-----") {
				t.Fatalf("stored as %.30q, want PKCS#8 PEM", stored)
			}
			docs, err := KeyDocs(stored, p.KeyAlg)
			if err != nil || docs.Thumbprint != tp {
				t.Fatalf("docs %v %v", docs.Thumbprint, err)
			}
			if err := srv.RegisterKey(id, []byte(docs.JWK)); err != nil {
				t.Fatal(err)
			}
			before := srv.AssertionsSeen()
			if _, err := b.Token(ctx, "k", false, 0); err != nil {
				t.Fatalf("token: %v", err)
			}
			if srv.AssertionsSeen() != before+1 {
				t.Errorf("no client assertion was verified")
			}
			assertNoKeyOnDisk(t, b.Vault.Dir, stored, f.text)
		})
	}
}

// assertNoKeyOnDisk fails when any file under dir holds a private key: its PEM, the
// base64 of its DER (whole or a 40-character piece), or the text it was imported from.
func assertNoKeyOnDisk(t *testing.T, dir string, pemText string, imported string) {
	t.Helper()
	blk, _ := pem.Decode([]byte(pemText))
	b64 := base64.StdEncoding.EncodeToString(blk.Bytes)
	needles := []string{pemText, b64, b64[len(b64)-40:], strings.TrimSpace(imported)}
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		data, _ := os.ReadFile(path)
		for _, n := range needles {
			if strings.Contains(string(data), n) {
				t.Errorf("%s holds the private key", path)
			}
		}
		return nil
	})
}

// What is not a usable private key is refused with what to give instead, and nothing
// is stored.
func TestImportClientKeyRefusals(t *testing.T) {
	t.Parallel()
	ek, _ := oauth.GenerateClientKey("ES256")
	pub, _ := x509.MarshalPKIXPublicKey(ek.Public())
	pubJWK, _ := json.Marshal(jose.JSONWebKey{Key: ek.Public()})
	der, _ := x509.MarshalPKCS8PrivateKey(ek)
	for _, tc := range []struct{ name, text, want string }{
		{"public PEM", string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})), "public key"},
		{"certificate", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", "certificate, not a private key"},
		{"public JWK", string(pubJWK), "public key"},
		{"encrypted PKCS#8", string(pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: der})), "encrypted"},
		{"encrypted PKCS#1", string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00"}, Bytes: []byte{1}})), "encrypted"},
		{"a secret", "s3cret-not-a-key", "no PEM private key"},
		{"broken PKCS#8", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("garbage")})), "does not parse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, store, _ := newTestVault(t)
			_, err := v.Add(context.Background(), Profile{Name: "k", TokenURL: "https://a.example/token", ClientID: "c",
				AuthMethod: oauth.AuthPrivateKeyJWT}, tc.text)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrInvalidProfile) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "MII") || strings.Contains(err.Error(), "garbage") {
				t.Errorf("the error quotes the input: %v", err)
			}
			if n := len(store.Keys()); n != 0 {
				t.Errorf("%d values stored", n)
			}
		})
	}
}

// An edit cannot turn a secret into a key (or back); SetKey and ReplaceCredential can.
func TestSwitchBetweenSecretAndKey(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	ctx := context.Background()
	mustAdd(t, v, "p", "s3cret-value")
	_, err := v.Edit(ctx, "p", func(p *Profile) error { p.AuthMethod = oauth.AuthPrivateKeyJWT; return nil })
	if err == nil || !strings.Contains(err.Error(), "oat keygen p") {
		t.Fatalf("edit to private_key_jwt: %v", err)
	}
	k, _, err := GenerateKey("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.SetKey(ctx, "p", k.PEM, "EdDSA")
	if err != nil || p.AuthMethod != oauth.AuthPrivateKeyJWT || p.KeyThumbprint != k.Thumbprint || p.KeyAlg != "EdDSA" {
		t.Fatalf("SetKey: %+v %v", p, err)
	}
	// Back to a secret: keygen makes a key, so it is not suggested.
	if _, err := v.Edit(ctx, "p", func(p *Profile) error { p.AuthMethod = oauth.AuthBasic; return nil }); err == nil || strings.Contains(err.Error(), "keygen") {
		t.Fatalf("edit to basic: %v", err)
	}
	if _, err := v.SetKey(ctx, "p", k.PEM, "RS256"); err == nil || !strings.Contains(err.Error(), "EdDSA") {
		t.Fatalf("an Ed25519 key for RS256: %v", err)
	}
	p, err = v.ReplaceCredential(ctx, "p", oauth.AuthBasic, "another-s3cret")
	if err != nil || p.AuthMethod != oauth.AuthBasic || p.KeyThumbprint != "" || p.KeyAlg != "" {
		t.Fatalf("back to a secret: %+v %v", p, err)
	}
}

// A PEM pasted into a one-line field arrives with its line breaks as spaces: it is read
// as the PEM it was; an encrypted one is still refused by name.
func TestOneLinePEM(t *testing.T) {
	t.Parallel()
	for name, f := range keyForms(t) {
		if strings.HasSuffix(name, "/jwk") {
			continue
		}
		one := strings.ReplaceAll(f.text, "\n", " ")
		if err := CheckCredential(oauth.AuthPrivateKeyJWT, one); err != nil {
			t.Errorf("%s on one line: %v", name, err)
		}
	}
	enc := "-----BEGIN RSA PRIVATE KEY----- Proc-Type: 4,ENCRYPTED DEK-Info: AES-128-CBC,00 MIIEabc -----END RSA PRIVATE KEY-----"
	if err := CheckCredential(oauth.AuthPrivateKeyJWT, enc); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted on one line: %v", err)
	}
}

// Checked rotation does not take keys yet: it says so, and stages nothing.
func TestRotationRefusesKeysClearly(t *testing.T) {
	t.Parallel()
	v, store, _ := newTestVault(t)
	k, _, _ := GenerateKey("ES256")
	if _, err := v.Add(context.Background(), Profile{Name: "k", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPrivateKeyJWT}, k.PEM); err != nil {
		t.Fatal(err)
	}
	n := len(store.Keys())
	if _, err := v.StageSecret(context.Background(), "k", "new-s3cret"); err == nil || !strings.Contains(err.Error(), "oat keygen k") {
		t.Fatalf("stage: %v", err)
	}
	if len(store.Keys()) != n {
		t.Fatal("something was staged")
	}
}
