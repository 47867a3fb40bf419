package oauth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// A private JWK whose "d" is not the private half of its "x"/"y" is refused: oat showed
// the thumbprint of the public half while signing with another key.
func TestParseClientKeyRefusesMismatchedHalves(t *testing.T) {
	t.Parallel()
	a, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	b, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	mixed := &ecdsa.PrivateKey{PublicKey: b.PublicKey, D: a.D}
	data, err := json.Marshal(jose.JSONWebKey{Key: mixed})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseClientKey(data); err == nil || !strings.Contains(err.Error(), "does not match") {
		t.Fatalf("a mixed EC JWK: %v", err)
	}
	good, _ := json.Marshal(jose.JSONWebKey{Key: a})
	if _, err := ParseClientKey(good); err != nil {
		t.Fatalf("a good EC JWK: %v", err)
	}
	_, ea, _ := ed25519.GenerateKey(rand.Reader)
	_, eb, _ := ed25519.GenerateKey(rand.Reader)
	bad := append(append(ed25519.PrivateKey{}, ea[:32]...), eb[32:]...)
	data, _ = json.Marshal(jose.JSONWebKey{Key: bad})
	if _, err := ParseClientKey(data); err == nil {
		t.Fatal("a mixed Ed25519 JWK was accepted")
	}
}

// PEM given as PKCS#12 says so in words (it printed Go's asn1 structure error).
func TestPKCS12GivenPEMSaysSo(t *testing.T) {
	t.Parallel()
	_, err := ParseClientCertificatePKCS12([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), "")
	if err == nil || !strings.Contains(err.Error(), "PEM text, not a PKCS#12 file") || strings.Contains(err.Error(), "asn1") {
		t.Fatalf("PEM as PKCS#12: %v", err)
	}
	_, err = ParseClientCertificatePKCS12([]byte{0x30, 0x03, 0x02, 0x01, 0x03}, "")
	if err == nil || strings.Contains(err.Error(), "asn1") {
		t.Fatalf("garbage as PKCS#12: %v", err)
	}
}
