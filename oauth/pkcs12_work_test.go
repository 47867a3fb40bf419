package oauth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// p12Pfx mirrors the outer PFX structure (RFC 7292 §4) to rewrite its MAC iterations.
type p12Pfx struct {
	Version  int
	AuthSafe struct {
		ContentType asn1.ObjectIdentifier
		Content     asn1.RawValue `asn1:"tag:0,explicit,optional"`
	}
	MacData struct {
		Mac struct {
			Algorithm pkix.AlgorithmIdentifier
			Digest    []byte
		}
		MacSalt    []byte
		Iterations int `asn1:"optional,default:1"`
	} `asn1:"optional"`
}

func hostileP12Key(t *testing.T) (*ecdsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "p12"},
		NotBefore: time.Unix(1_700_000_000, 0), NotAfter: time.Unix(1_900_000_000, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return k, c
}

// A PKCS#12 file names its own key-derivation iteration counts (the MAC's, each
// encrypted bag's), and go-pkcs12 derives with whatever it says: a 781-byte file asking
// for 2^31 iterations held oat for about ten minutes of CPU (twice: once without a
// passphrase, once with), past --timeout, before saying "wrong password". oat refuses a
// file asking for more work than any real one (OpenSSL, Windows and Java write 2,000 to
// 10,000), naming the count, before deriving anything; real files still parse.
func TestPKCS12HostileIterationCounts(t *testing.T) {
	t.Parallel()
	key, leaf := hostileP12Key(t)

	// The MAC's iteration count rewritten to 20 million (the file is otherwise intact).
	p12, err := pkcs12.LegacyRC2.Encode(key, leaf, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	var pfx p12Pfx
	if _, err := asn1.Unmarshal(p12, &pfx); err != nil {
		t.Fatal(err)
	}
	pfx.MacData.Iterations = 20_000_000
	macHeavy, err := asn1.Marshal(pfx)
	if err != nil {
		t.Fatal(err)
	}

	// Every iteration count (MAC, certificate bag, key bag) rewritten from 65536 to
	// 2,097,152: each one under the bound, together over it.
	p12, err = pkcs12.LegacyRC2.WithIterations(65536).Encode(key, leaf, nil, "pw")
	if err != nil {
		t.Fatal(err)
	}
	from, to := []byte{0x02, 0x03, 0x01, 0x00, 0x00}, []byte{0x02, 0x03, 0x20, 0x00, 0x00}
	if n := bytes.Count(p12, from); n < 3 {
		t.Fatalf("the file holds %d iteration counts of 65536, want 3", n)
	}
	allHeavy := bytes.ReplaceAll(p12, from, to)

	for name, data := range map[string][]byte{"MAC": macHeavy, "all": allHeavy} {
		_, err := ParseClientCertificatePKCS12(data, "pw")
		if err == nil || !strings.Contains(err.Error(), "iterations") || strings.Contains(err.Error(), "wrong password") {
			t.Errorf("%s: a file asking for millions of iterations: %v", name, err)
		}
	}

	// Real files parse: the usual encoders, and a generous count.
	for name, enc := range map[string]*pkcs12.Encoder{"Modern2023": pkcs12.Modern2023, "Modern2026": pkcs12.Modern2026,
		"LegacyDES": pkcs12.LegacyDES, "Modern 1,300,000": pkcs12.Modern.WithIterations(1_300_000)} {
		p12, err := enc.Encode(key, leaf, nil, "pw")
		if err != nil {
			t.Fatal(err)
		}
		if cc, err := ParseClientCertificatePKCS12(p12, "pw"); err != nil || cc.Thumbprint() != CertThumbprint(leaf.Raw) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := ParseClientCertificatePKCS12(p12, "wrong"); err == nil || !strings.Contains(err.Error(), "wrong password") {
			t.Errorf("%s, wrong password: %v", name, err)
		}
	}
}
