package oauthtest

import (
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// tlsClient trusts the server's CA and presents cert (nil: none).
func tlsClient(t *testing.T, s *Server, cert *tls.Certificate) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(s.CAPEM) {
		t.Fatal("CAPEM holds no certificate")
	}
	conf := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if cert != nil {
		conf.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: conf}}
}

func tokenFor(t *testing.T, hc *http.Client, s *Server, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := hc.PostForm(s.TokenURL(Generic), form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestTLSClientAuth: the TLS listener authenticates clients registered for mutual TLS
// by their certificate only, and binds their tokens to it; the discovery document
// says so; a client with a secret still uses it.
func TestTLSClientAuth(t *testing.T) {
	t.Parallel()
	ca, err := NewCA("client CA")
	if err != nil {
		t.Fatal(err)
	}
	s := NewTLSForTest(t, "s3cret", ca.Pool())
	chain, key, err := ca.Issue(CertOptions{Subject: pkix.Name{CommonName: "svc"}, DNS: []string{"svc.example"}})
	if err != nil {
		t.Fatal(err)
	}
	s.AddClient(Client{ID: "by-san", TLSAuth: TLSClientAuth, TLSSANDNS: "svc.example"})
	cert := &tls.Certificate{Certificate: chain, PrivateKey: key}
	cc := url.Values{"grant_type": {"client_credentials"}, "client_id": {"by-san"}}

	if st, m := tokenFor(t, tlsClient(t, s, nil), s, cc); st != 401 || m["error"] != "invalid_client" || !strings.Contains(m["error_description"].(string), "no client certificate") {
		t.Errorf("without a certificate: %d %v", st, m)
	}
	st, m := tokenFor(t, tlsClient(t, s, cert), s, cc)
	if st != 200 {
		t.Fatalf("with the certificate (matched by its DNS SAN): %d %v", st, m)
	}
	claims, err := s.check(m["access_token"].(string))
	if err != nil {
		t.Fatal(err)
	}
	if cnf, _ := claims["cnf"].(map[string]any); cnf["x5t#S256"] != Thumbprint(chain[0]) {
		t.Errorf("cnf = %v", claims["cnf"])
	}
	// A secret-based client over the same listener gets an unbound token.
	cc2 := url.Values{"grant_type": {"client_credentials"}, "client_id": {"generic-client"}, "client_secret": {"s3cret"}}
	st, m = tokenFor(t, tlsClient(t, s, cert), s, cc2)
	if st != 200 {
		t.Fatalf("secret client: %d %v", st, m)
	}
	if claims, _ := s.check(m["access_token"].(string)); claims["cnf"] != nil {
		t.Errorf("a secret client's token is bound: %v", claims["cnf"])
	}
	resp, err := tlsClient(t, s, nil).Get(s.URL + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	if doc["tls_client_certificate_bound_access_tokens"] != true || !strings.Contains(strings.Join(toStrings(doc["token_endpoint_auth_methods_supported"]), " "), SelfSignedTLSClientAuth) {
		t.Errorf("metadata: %v", doc)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}
