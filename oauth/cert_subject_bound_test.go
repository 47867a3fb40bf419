package oauth

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"
)

// hugeSubjectCert is a certificate for key whose subject CN is 50,000 characters with
// terminal escapes at its end, issued by a name as long.
func hugeSubjectCert(t *testing.T, key *ecdsa.PrivateKey) []byte {
	t.Helper()
	name := pkix.Name{CommonName: strings.Repeat("A", 50_000) + "\x1b]52;c;aGk=\x07\u202e"}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: name, NotBefore: time.Unix(1_700_000_000, 0), NotAfter: time.Unix(1_700_003_600, 0)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// A certificate's subject is the file's to choose, and every message naming the
// certificate quoted it whole: a 50,000-character CN made a 50 KB error ("the
// certificate CN=AAAA… is not for this private key"), which the terminal and the app's
// error line received in full. A subject or issuer is shown on one line and cut to a
// length a person reads; the certificate is named exactly by its thumbprint.
func TestCertificateSubjectBoundedInMessages(t *testing.T) {
	t.Parallel()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der := hugeSubjectCert(t, other)
	certPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	keyPEM, err := MarshalClientKey(key)
	if err != nil {
		t.Fatal(err)
	}
	const bound = 600
	check := func(what, text string) {
		t.Helper()
		if len(text) > bound || !strings.Contains(text, "AAAA") {
			t.Errorf("%s: %d bytes: %.120q", what, len(text), text)
		}
		if i, r := FirstUnsafe(text, false); i >= 0 {
			t.Errorf("%s: unsafe %U at %d", what, r, i)
		}
	}
	if _, err := ParseKeyMaterial([]byte(certPEM + keyPEM)); err != nil {
		check("private_key_jwt key with another's certificate", err.Error())
	} else {
		t.Error("a certificate of another key accepted")
	}
	if _, err := ParseClientCertificatePEM([]byte(certPEM+keyPEM), nil); err != nil {
		check("mTLS key not the certificate's", err.Error())
	} else {
		t.Error("a key not the certificate's accepted")
	}
	cc := &ClientCertificate{Chain: [][]byte{der}, Key: key}
	check("Subject", cc.Subject())
	check("String", cc.String())
	if err := cc.Check(); err != nil {
		check("Check", err.Error())
	}
	e := certRejected("127.0.0.1:1", &ClientCertificate{Chain: [][]byte{der}, Key: other}, errors.New("remote error: tls: bad certificate"), time.Unix(1_800_000_000, 0))
	if e == nil {
		t.Fatal("a refused certificate not recognized")
	}
	if msg := e.Error(); len(msg) > 3*bound {
		t.Errorf("certificate refused: %d bytes", len(msg))
	}
}

// A certificate that does not parse is refused with x509's reason, which quotes what it
// could not read: a malformed URI SAN of 50,000 characters made a 100 KB error. The
// reason is cut like a subject.
func TestCertificateParseErrorBounded(t *testing.T) {
	t.Parallel()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	uri := "http://%zz" + strings.Repeat("A", 50_000) + "\x1b[2J"
	san, err := asn1.Marshal([]asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 6, Bytes: []byte(uri)}})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"}, NotBefore: time.Unix(1_700_000_000, 0), NotAfter: time.Unix(1_700_003_600, 0),
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 17}, Value: san}}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err := MarshalClientKey(k)
	if err != nil {
		t.Fatal(err)
	}
	text := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})) + keyPEM
	_, err = ParseClientCertificatePEM([]byte(text), nil)
	if err == nil || len(err.Error()) > 600 || !strings.Contains(err.Error(), "does not parse") {
		t.Errorf("mTLS: %d bytes: %.100q", len(fmt.Sprint(err)), fmt.Sprint(err))
	}
	if err != nil {
		if i, r := FirstUnsafe(err.Error(), false); i >= 0 {
			t.Errorf("unsafe %U", r)
		}
	}
	if _, err := ParseChainPEM([]byte(text)); err == nil || len(err.Error()) > 600 {
		t.Errorf("chain: %d bytes", len(fmt.Sprint(err)))
	}
}
