package oauth

import (
	"crypto/x509/pkix"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// A bundle made with cat in the other order (the CA's certificate, then the client's,
// then the key: cat ca.crt client.crt client.key) was refused with "the private key
// does not belong to the certificate CN=… CA": wrong, it belongs to the second one.
// The key's certificate goes first and the rest keep their order, as TLS and the
// assertion header need; a bundle without the key's certificate is still refused,
// naming the first one.
func TestChainOrderKeyCertificateFirst(t *testing.T) {
	t.Parallel()
	ca, err := oauthtest.NewCA("order CA")
	if err != nil {
		t.Fatal(err)
	}
	chain, key, err := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "order-client"}})
	if err != nil {
		t.Fatal(err)
	}
	block := func(der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	keyPEM, err := MarshalClientKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caFirst := block(chain[1]) + block(chain[0]) + keyPEM
	keyFirst := keyPEM + block(chain[1]) + block(chain[0])

	for name, text := range map[string]string{"CA, client, key": caFirst, "key, CA, client": keyFirst} {
		cc, err := ParseClientCertificatePEM([]byte(text), nil)
		if err != nil {
			t.Errorf("mTLS, %s: %v", name, err)
		} else if len(cc.Chain) != 2 || cc.Thumbprint() != CertThumbprint(chain[0]) || string(cc.Chain[1]) != string(chain[1]) {
			t.Errorf("mTLS, %s: chain of %d, leaf %s", name, len(cc.Chain), cc.Subject())
		}
		m, err := ParseKeyMaterial([]byte(text))
		if err != nil {
			t.Errorf("private_key_jwt, %s: %v", name, err)
		} else if len(m.Chain) != 2 || CertThumbprint(m.Chain[0]) != CertThumbprint(chain[0]) {
			t.Errorf("private_key_jwt, %s: the key's certificate is not first", name)
		}
	}
	// The CA's certificate alone with the key: refused.
	only := block(chain[1]) + keyPEM
	if _, err := ParseClientCertificatePEM([]byte(only), nil); err == nil || !strings.Contains(err.Error(), "order CA") {
		t.Errorf("mTLS, no certificate of the key: %v", err)
	}
	if _, err := ParseKeyMaterial([]byte(only)); err == nil || !strings.Contains(err.Error(), "order CA") {
		t.Errorf("private_key_jwt, no certificate of the key: %v", err)
	}
}
