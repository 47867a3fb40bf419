package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A token endpoint whose certificate (trusted through the profile's CA bundle) names 99
// hosts by names of 1,000 characters, none of them the one asked: crypto/tls lists
// every one ("certificate is valid for host-0000-…, host-0001-…, not localhost"), and
// the error oat printed was 100 KB. A network error's detail is cut to a length a
// person reads.
func TestTLSErrorWithManySANsBounded(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	var names []string
	for i := range 99 {
		names = append(names, fmt.Sprintf("host-%04d-\x1b[31m%s.example", i, strings.Repeat("a", 1000)))
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "many"}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	ts.StartTLS()
	defer ts.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	u := strings.Replace(ts.URL, "127.0.0.1", "localhost", 1) + "/token"
	_, err = NewClient().FetchToken(context.Background(), TokenRequest{TokenURL: u, ClientID: "c", ClientSecret: "s3cret-s3cret", Auth: AuthPost,
		CAFile: "ca.pem", CAPEM: caPEM})
	if err == nil {
		t.Fatal("a certificate for other hosts accepted")
	}
	if msg := err.Error(); len(msg) > 2000 || !strings.Contains(msg, "host-0000") {
		t.Errorf("%d bytes: %.200q", len(msg), msg)
	}
	if i, r := FirstUnsafe(err.Error(), false); i >= 0 {
		t.Errorf("unsafe %U", r)
	}
}
