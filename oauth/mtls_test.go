package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// mtlsEnv is a TLS oauthtest server trusting a throwaway client CA, with one client
// per RFC 8705 method and a certificate for each.
type mtlsEnv struct {
	srv        *oauthtest.Server
	ca         *oauthtest.CA
	caCert     *ClientCertificate // issued by ca, CN=svc-a, registered for tls_client_auth
	selfSigned *ClientCertificate // registered by thumbprint for self_signed_tls_client_auth
}

func clientCert(t *testing.T) func([][]byte, *ecdsa.PrivateKey, error) *ClientCertificate {
	return func(chain [][]byte, key *ecdsa.PrivateKey, err error) *ClientCertificate {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return &ClientCertificate{Chain: chain, Key: key}
	}
}

func newMTLS(t *testing.T) *mtlsEnv {
	t.Helper()
	ca, err := oauthtest.NewCA("test client CA")
	if err != nil {
		t.Fatal(err)
	}
	e := &mtlsEnv{ca: ca, srv: oauthtest.NewTLSForTest(t, "s3cret-value", ca.Pool())}
	e.caCert = clientCert(t)(ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc-a", Organization: []string{"Acme"}}}))
	e.selfSigned = clientCert(t)((*oauthtest.CA)(nil).Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc-self"}}))
	e.srv.AddClient(oauthtest.Client{ID: "mtls-ca", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc-a,O=Acme", Scopes: []string{"api/read"}})
	e.srv.AddClient(oauthtest.Client{ID: "mtls-self", TLSAuth: oauthtest.SelfSignedTLSClientAuth,
		TLSThumbprints: []string{e.selfSigned.Thumbprint()}, Scopes: []string{"api/read"}})
	return e
}

func (e *mtlsEnv) request(id string, auth AuthMethod, cert *ClientCertificate) TokenRequest {
	return TokenRequest{TokenURL: e.srv.TokenURL(oauthtest.Generic), ClientID: id, Auth: auth, Cert: cert,
		CAFile: "server-ca.pem", CAPEM: e.srv.CAPEM}
}

func TestMTLSTokenFetchBothMethods(t *testing.T) {
	t.Parallel()
	e := newMTLS(t)
	c := NewClient()
	for _, tc := range []struct {
		id   string
		auth AuthMethod
		cert *ClientCertificate
	}{{"mtls-ca", AuthTLS, e.caCert}, {"mtls-self", AuthSelfSignedTLS, e.selfSigned}} {
		t.Run(string(tc.auth), func(t *testing.T) {
			tok, err := c.FetchToken(context.Background(), e.request(tc.id, tc.auth, tc.cert))
			if err != nil {
				t.Fatal(err)
			}
			if tok.Auth != tc.auth {
				t.Errorf("auth = %q", tok.Auth)
			}
			body := tok.Exchange.RequestBody
			if !strings.Contains(body, "client_id="+tc.id) || strings.Contains(body, "client_secret") {
				t.Errorf("the body must name the client and carry no secret: %s", body)
			}
			if want := "x5t#S256 " + tc.cert.Thumbprint(); !strings.Contains(tok.Exchange.ClientCert, want) || !strings.Contains(tok.Exchange.ClientCert, tc.cert.Subject()) {
				t.Errorf("the exchange names the certificate as %q", tok.Exchange.ClientCert)
			}
			if h := tok.Exchange.RequestHeaders.Get("Authorization"); h != "" {
				t.Errorf("no Authorization header expected, got %q", h)
			}
			if b := CheckBinding(tok.AccessToken, tc.cert); b.Status != BoundToCert || b.String() != "bound to the client certificate ✓" {
				t.Errorf("binding = %v", b)
			}
		})
	}
}

func TestMTLSNeedsACertificate(t *testing.T) {
	t.Parallel()
	e := newMTLS(t)
	_, err := NewClient().FetchToken(context.Background(), e.request("mtls-ca", AuthTLS, nil))
	if err == nil || !strings.Contains(err.Error(), "needs a client certificate") {
		t.Fatalf("err = %v", err)
	}
}

func TestMTLSWrongCertificateNamesItsSubject(t *testing.T) {
	t.Parallel()
	e := newMTLS(t)
	other, err := oauthtest.NewCA("Intruder CA")
	if err != nil {
		t.Fatal(err)
	}
	stranger := clientCert(t)(other.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "mallory", Organization: []string{"Evil"}}}))
	expired := clientCert(t)(e.ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc-a", Organization: []string{"Acme"}},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}))
	wrongSubject := clientCert(t)(e.ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc-b"}}))
	unregistered := clientCert(t)((*oauthtest.CA)(nil).Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "self-stranger"}}))

	c := NewClient()
	for _, tc := range []struct {
		name string
		req  TokenRequest
		want []string
	}{
		{"another CA", e.request("mtls-ca", AuthTLS, stranger), []string{"refused the client certificate CN=mallory,O=Evil", "bad certificate"}},
		{"expired", e.request("mtls-ca", AuthTLS, expired), []string{"CN=svc-a,O=Acme", "expired on", "issued by CN=test client CA,O=oauthtest", "renew"}},
		{"wrong subject", e.request("mtls-ca", AuthTLS, wrongSubject), []string{"invalid_client", `subject "CN=svc-b"`, "CN=svc-b (x5t#S256 "}},
		{"unregistered self-signed", e.request("mtls-self", AuthSelfSignedTLS, unregistered), []string{"invalid_client", "not one registered"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.FetchToken(context.Background(), tc.req)
			if err == nil {
				t.Fatal("a wrong certificate was accepted")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if !IsAuthRejected(err) || IsNetwork(err) {
				t.Errorf("a refused certificate must count as refused credentials (exit 3), not a network failure: %T %v", err, err)
			}
		})
	}
}

// A certificate is presented only on the requests of the profile that has it: the
// same CA bundle without a certificate gets another HTTP client.
func TestMTLSCertificateDoesNotLeakToOtherProfiles(t *testing.T) {
	t.Parallel()
	e := newMTLS(t)
	c := NewClient()
	withCert, err := c.httpFor("ca.pem", e.srv.CAPEM, e.caCert)
	if err != nil {
		t.Fatal(err)
	}
	without, err := c.httpFor("ca.pem", e.srv.CAPEM, nil)
	if err != nil {
		t.Fatal(err)
	}
	other, err := c.httpFor("ca.pem", e.srv.CAPEM, e.selfSigned)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := c.httpFor("ca.pem", e.srv.CAPEM, e.caCert)
	if withCert == without || withCert == other || again != withCert {
		t.Fatal("one HTTP client per (CA, certificate) expected")
	}
	// Each has the shared settings: TLS 1.2 or later, the proxy of the client, no
	// redirects followed.
	transport := func(hc *http.Client) *http.Transport {
		if rf, ok := hc.Transport.(*rootsFallback); ok {
			return rf.fast.(*http.Transport) // the CA file's, the system roots' made on need
		}
		return hc.Transport.(*http.Transport)
	}
	for _, hc := range []*http.Client{withCert, without, other} {
		tr := transport(hc)
		if tr.TLSClientConfig.MinVersion != tls.VersionTLS12 || tr.Proxy == nil || hc.CheckRedirect == nil {
			t.Errorf("an HTTP client lacks the shared settings: %+v", tr.TLSClientConfig)
		}
	}
	if transport(without).TLSClientConfig.GetClientCertificate != nil {
		t.Error("the client without a certificate has a certificate callback")
	}
	// A profile with the secret, on the same server and CA, presents no certificate:
	// its token is not bound.
	tok, err := c.FetchToken(context.Background(), TokenRequest{TokenURL: e.srv.TokenURL(oauthtest.Generic), ClientID: "generic-client",
		ClientSecret: "s3cret-value", Auth: AuthBasic, CAFile: "ca.pem", CAPEM: e.srv.CAPEM})
	if err != nil {
		t.Fatal(err)
	}
	if b := CheckBinding(tok.AccessToken, e.caCert); b.Status != NotBound || b.String() != "not bound" {
		t.Errorf("binding = %v", b)
	}
}

func TestBindingCheck(t *testing.T) {
	t.Parallel()
	e := newMTLS(t)
	tok, err := NewClient().FetchToken(context.Background(), e.request("mtls-ca", AuthTLS, e.caCert))
	if err != nil {
		t.Fatal(err)
	}
	if b := CheckBinding(tok.AccessToken, e.selfSigned); b.Status != BoundToOther || b.String() != "bound to another certificate ✗" ||
		b.Thumbprint != e.caCert.Thumbprint() {
		t.Errorf("binding with another certificate = %v", b)
	}
	if b := CheckBinding(tok.AccessToken, nil); b.Status != BoundNoCert || !b.Bound() {
		t.Errorf("binding without a certificate = %v", b)
	}
	if b := CheckBinding("opaque-token", e.caCert); b.Bound() {
		t.Errorf("an opaque token is not bound: %v", b)
	}
}

func TestCallWithBoundToken(t *testing.T) {
	t.Parallel()
	e := newMTLS(t)
	c := NewClient()
	tok, err := c.FetchToken(context.Background(), e.request("mtls-ca", AuthTLS, e.caCert))
	if err != nil {
		t.Fatal(err)
	}
	call := func(cert *ClientCertificate) *CallResult {
		t.Helper()
		res, err := c.Call(context.Background(), CallRequest{Target: "/items", BaseURL: e.srv.APIBaseURL(oauthtest.Generic),
			Token: tok.AccessToken, CAFile: "ca.pem", CAPEM: e.srv.CAPEM, Cert: cert})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := call(nil); res.Status != 401 || !strings.Contains(res.Explanation, "none was presented") {
		t.Errorf("without the certificate: %d %s", res.Status, res.Explanation)
	}
	if res := call(e.selfSigned); res.Status != 401 || !strings.Contains(res.Explanation, "another client certificate") {
		t.Errorf("with another certificate: %d %s", res.Status, res.Explanation)
	}
	if res := call(e.caCert); res.Status != 200 {
		t.Errorf("with the certificate: %d %s", res.Status, res.Display())
	}
}

func TestParseClientCertificate(t *testing.T) {
	t.Parallel()
	ca, err := oauthtest.NewCA("parse CA")
	if err != nil {
		t.Fatal(err)
	}
	chain, key, err := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc-p"}})
	if err != nil {
		t.Fatal(err)
	}
	pemText := oauthtest.PEM(chain, key)
	cc, err := ParseClientCertificatePEM(pemText, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cc.Subject() != "CN=svc-p" || len(cc.Chain) != 2 || cc.Thumbprint() != oauthtest.Thumbprint(chain[0]) {
		t.Errorf("parsed %v with %d certificates", cc, len(cc.Chain))
	}
	for _, s := range []string{fmt.Sprint(cc), fmt.Sprintf("%+v", cc), fmt.Sprintf("%#v", cc), fmt.Sprintf("%+v", TokenRequest{Cert: cc}), fmt.Sprintf("%v", CallRequest{Cert: cc})} {
		if strings.Contains(s, "Curve") || strings.Contains(s, key.D.String()) || strings.Contains(s, key.D.Text(16)) {
			t.Errorf("printing the certificate shows the key: %s", s)
		}
	}

	// A key that is not the certificate's.
	_, otherKey, _ := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "x"}})
	mixed := append(oauthtest.PEM(chain, otherKey)[:0:0], oauthtest.PEM(chain, otherKey)...)
	if _, err := ParseClientCertificatePEM(mixed, nil); err == nil {
		t.Error("a key that does not match the certificate was accepted")
	}
	if _, err := ParseClientCertificatePEM([]byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), nil); err == nil || !strings.Contains(err.Error(), "encrypted") {
		t.Errorf("encrypted key: %v", err)
	}
	if _, err := ParseClientCertificatePEM([]byte("nothing"), nil); err == nil {
		t.Error("garbage accepted")
	}

	leaf, err := cc.Leaf()
	if err != nil {
		t.Fatal(err)
	}
	caLeaf := ca.Cert
	p12, err := pkcs12.Modern2023.Encode(key, leaf, []*x509.Certificate{caLeaf}, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseClientCertificatePKCS12(p12, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	if got.Thumbprint() != cc.Thumbprint() || len(got.Chain) != 2 {
		t.Errorf("PKCS#12 gave %v with %d certificates", got, len(got.Chain))
	}
	// A bundle made with cat that holds the CA twice (and the leaf again at the end):
	// each certificate is kept once, the leaf first.
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[1]})
	leafPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: chain[0]})
	twice := append(append(append(append([]byte{}, pemText...), caPEM...), caPEM...), leafPEM...)
	if dup, err := ParseClientCertificatePEM(twice, nil); err != nil || len(dup.Chain) != 2 || dup.Thumbprint() != cc.Thumbprint() ||
		strings.Count(dup.ChainPEM(), "BEGIN CERTIFICATE") != 2 {
		t.Errorf("a chain with repeats: %v, %d certificates", err, len(dup.Chain))
	}
	p12dup, err := pkcs12.Modern2023.Encode(key, leaf, []*x509.Certificate{caLeaf, caLeaf}, "pfx-pass")
	if err != nil {
		t.Fatal(err)
	}
	if dup, err := ParseClientCertificatePKCS12(p12dup, "pfx-pass"); err != nil || len(dup.Chain) != 2 {
		t.Errorf("PKCS#12 with the CA twice: %v, %d certificates", err, len(dup.Chain))
	}
	if _, err := ParseClientCertificatePKCS12(p12, "wrong"); err == nil || !strings.Contains(err.Error(), "wrong password") || strings.Contains(err.Error(), "pfx-pass") {
		t.Errorf("wrong password: %v", err)
	}
}

// strictServer is a server that refuses in the handshake itself any client without a
// certificate of ca, at TLS version v.
func strictServer(t *testing.T, ca *oauthtest.CA, v uint16) (*httptest.Server, []byte) {
	t.Helper()
	ts := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"x.y.z","token_type":"Bearer"}`)
	}))
	ts.TLS = &tls.Config{MinVersion: v, MaxVersion: v, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.Pool()}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return ts, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
}

// TestHandshakeRefusal: a server that refuses in the handshake (TLS 1.2, where the
// refusal comes before any request, and 1.3, where it comes with the first read) is
// named the same way; a server that requires a certificate the profile lacks says so
// (TLS 1.3's certificate_required), or hints at it (TLS 1.2's bare handshake_failure).
func TestHandshakeRefusal(t *testing.T) {
	t.Parallel()
	ca, err := oauthtest.NewCA("strict CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := oauthtest.NewCA("other CA")
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient()
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(v), func(t *testing.T) {
			ts, serverCA := strictServer(t, ca, v)
			req := TokenRequest{TokenURL: ts.URL + "/token", ClientID: "c", Auth: AuthTLS, CAFile: "ca.pem", CAPEM: serverCA}
			req.Cert = clientCert(t)(other.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc-x"}}))
			_, err := c.FetchToken(context.Background(), req)
			var re *CertificateRejectedError
			if !errors.As(err, &re) || re.Subject != "CN=svc-x" || !IsAuthRejected(err) {
				t.Errorf("a certificate of another CA: %T %v", err, err)
			}
			req.Cert = clientCert(t)(ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc-ok"}}))
			if _, err := c.FetchToken(context.Background(), req); err != nil {
				t.Errorf("the right certificate: %v", err)
			}
			req.Auth, req.Cert, req.ClientSecret = AuthPost, nil, "secret-xyz"
			_, err = c.FetchToken(context.Background(), req)
			if v == tls.VersionTLS13 {
				if !errors.As(err, &re) || re.Subject != "" || !strings.Contains(err.Error(), "requires a client certificate (mutual TLS) and the profile has none") {
					t.Errorf("no certificate: %T %v", err, err)
				}
			} else if !IsNetwork(err) || !strings.Contains(HintOf(err), "client certificate") {
				t.Errorf("no certificate: %T %v (hint %q)", err, err, HintOf(err))
			}
		})
	}
}
