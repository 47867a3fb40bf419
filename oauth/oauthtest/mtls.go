package oauthtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The client authentication methods of RFC 8705 §2, as Client.TLSAuth takes them.
const (
	TLSClientAuth           = "tls_client_auth"
	SelfSignedTLSClientAuth = "self_signed_tls_client_auth"
)

// CA is a throwaway certificate authority for tests: it issues the server's
// certificate and clients' certificates.
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
	// PEM is the CA certificate in PEM.
	PEM []byte
}

// NewCA creates a CA whose subject is CN=cn, valid from an hour ago for a year.
func NewCA(cn string) (*CA, error) {
	now := time.Now()
	return NewCAValid(cn, now.Add(-time.Hour), now.Add(365*24*time.Hour))
}

// NewCAValid is NewCA valid from notBefore to notAfter: for a test whose server runs
// on a fake clock (Server.SetClock), which checks client certificates at its time.
func NewCAValid(cn string, notBefore, notAfter time.Time) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: pkix.Name{CommonName: cn, Organization: []string{"oauthtest"}},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Pool is a pool holding the CA alone.
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.Cert)
	return p
}

// CertOptions describe a certificate to issue.
type CertOptions struct {
	// Subject is the subject; DNS and IPs the SANs.
	Subject pkix.Name
	DNS     []string
	IPs     []net.IP
	// NotBefore and NotAfter default to an hour ago and a day from now.
	NotBefore, NotAfter time.Time
	// Server makes a server (TLS web server) certificate; else a client one.
	Server bool
}

// Issue issues a certificate signed by the CA: the chain (leaf, CA) as DER, and the
// leaf's key. A nil CA issues a self-signed certificate.
func (ca *CA) Issue(o CertOptions) ([][]byte, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	if o.NotBefore.IsZero() {
		o.NotBefore = now.Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = now.Add(24 * time.Hour)
	}
	usage := x509.ExtKeyUsageClientAuth
	if o.Server {
		usage = x509.ExtKeyUsageServerAuth
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: o.Subject, DNSNames: o.DNS, IPAddresses: o.IPs,
		NotBefore: o.NotBefore, NotAfter: o.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{usage}, BasicConstraintsValid: true}
	parent, signer := tmpl, any(key)
	if ca != nil {
		parent, signer = ca.Cert, ca.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		return nil, nil, err
	}
	chain := [][]byte{der}
	if ca != nil {
		chain = append(chain, ca.Cert.Raw)
	}
	return chain, key, nil
}

// PEM encodes a chain and its key as one PEM text (certificates, then a PKCS#8 key).
func PEM(chain [][]byte, key *ecdsa.PrivateKey) []byte {
	var b bytes.Buffer
	for _, der := range chain {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	_ = pem.Encode(&b, &pem.Block{Type: "PRIVATE KEY", Bytes: k})
	return b.Bytes()
}

// Thumbprint is the x5t#S256 of a DER certificate (RFC 8705 §3.1).
func Thumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		panic(err)
	}
	return n
}

// NewTLS starts a server on https://127.0.0.1 with a certificate from a CA of its own
// (its PEM in CAPEM). It asks every client for a certificate: one that is not
// self-signed must chain to clientCAs, else the handshake is refused (bad
// certificate); a self-signed one is checked at the token endpoint against the
// client's registered thumbprints. Connections without a certificate are served (the
// discovery document, the JWKS, unbound tokens).
func NewTLS(clientCAs *x509.CertPool) (*Server, error) {
	ca, err := NewCA("oauthtest server CA")
	if err != nil {
		return nil, err
	}
	chain, key, err := ca.Issue(CertOptions{Subject: pkix.Name{CommonName: "127.0.0.1"}, DNS: []string{"localhost"},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Server: true})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{TokenLifetime: time.Hour, clients: map[string]*Client{}, now: time.Now, listener: ln,
		CAPEM: ca.PEM, clientCAs: clientCAs}
	if _, err := s.RotateSigningKey(); err != nil {
		ln.Close()
		return nil, err
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{{Certificate: chain, PrivateKey: key}},
		ClientAuth: tls.RequestClientCert, VerifyPeerCertificate: s.verifyClientCert}
	s.URL = "https://" + ln.Addr().String()
	// Refused handshakes are what tests provoke: not logged.
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, TLSConfig: conf,
		ErrorLog: log.New(io.Discard, "", 0)}
	go func() { _ = s.srv.Serve(tls.NewListener(ln, conf)) }()
	return s, nil
}

// NewTLSForTest is NewTLS for a test (closed when it ends), with the clients of
// NewForTest registered.
func NewTLSForTest(t testing.TB, secret string, clientCAs *x509.CertPool) *Server {
	t.Helper()
	srv, err := NewTLS(clientCAs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	for _, f := range Flavours {
		srv.AddClient(Client{ID: string(f) + "-client", Flavour: f, Secrets: []string{secret}, Scopes: []string{"api/read", "api/write"}})
	}
	return srv
}

// selfSigned says whether c is signed by its own key.
func selfSigned(c *x509.Certificate) bool {
	// CheckSignature, not CheckSignatureFrom: a self-signed client certificate is not a
	// CA certificate, which CheckSignatureFrom demands of the signer.
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// verifyClientCert refuses in the handshake a certificate that is neither self-signed
// nor issued (through the chain sent) by one of the client CAs, at the server's clock.
func (s *Server) verifyClientCert(raw [][]byte, _ [][]*x509.Certificate) error {
	if len(raw) == 0 {
		return nil
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, der := range raw {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return err
		}
		certs[i] = c
	}
	if selfSigned(certs[0]) {
		return nil
	}
	if s.clientCAs == nil {
		return errors.New("no client CA is trusted")
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: s.clientCAs, Intermediates: inter, CurrentTime: s.clock(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	return err
}

// tlsClientAuth authenticates a token request by its client certificate (RFC 8705 §2)
// when the request carries no other credential and its client_id names a client
// registered for mutual TLS; ok is false otherwise.
func (s *Server) tlsClientAuth(r *http.Request) (id, code, desc string, ok bool) {
	_, hasSecret := r.PostForm["client_secret"]
	_, hasAssertion := r.PostForm["client_assertion"]
	id = r.PostForm.Get("client_id")
	if r.Header.Get("Authorization") != "" || hasSecret || hasAssertion || id == "" {
		return "", "", "", false
	}
	s.mu.Lock()
	c, found := s.clients[id]
	var cl Client
	if found {
		cl = c.cp()
	}
	s.mu.Unlock()
	if !found || cl.TLSAuth == "" {
		return "", "", "", false
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return id, "invalid_client", "no client certificate was presented (this client authenticates with " + cl.TLSAuth + ")", true
	}
	if s.MTLSAliases && !strings.HasPrefix(r.URL.Path, mtlsAliasPrefix+"/") {
		return id, "invalid_client", "client certificates are taken only at the mtls_endpoint_aliases token endpoint (RFC 8705 §5)", true
	}
	leaf := r.TLS.PeerCertificates[0]
	switch cl.TLSAuth {
	case TLSClientAuth:
		if selfSigned(leaf) {
			return id, "invalid_client", "the client certificate is self-signed; this client is registered for tls_client_auth", true
		}
		if (cl.TLSSubjectDN == "" || leaf.Subject.String() != cl.TLSSubjectDN) &&
			(cl.TLSSANDNS == "" || !slices.Contains(leaf.DNSNames, cl.TLSSANDNS)) {
			return id, "invalid_client", fmt.Sprintf("the client certificate's subject %q is not the one registered for this client", leaf.Subject.String()), true
		}
	case SelfSignedTLSClientAuth:
		if !slices.Contains(cl.TLSThumbprints, Thumbprint(leaf.Raw)) {
			return id, "invalid_client", "the client certificate is not one registered for this client", true
		}
	default:
		return id, "invalid_client", "unknown TLS client authentication " + cl.TLSAuth, true
	}
	return id, "", "", true
}

// boundTo is the cnf claim of a token for cl requested over r: the x5t#S256 of the
// certificate presented, when the client authenticates with it (RFC 8705 §3.1).
func boundTo(cl *Client, r *http.Request) map[string]any {
	if cl.TLSAuth == "" || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	return map[string]any{"x5t#S256": Thumbprint(r.TLS.PeerCertificates[0].Raw)}
}

// checkBinding refuses a certificate-bound token over a connection that does not
// present that certificate (RFC 8705 §3).
func checkBinding(claims map[string]any, r *http.Request) error {
	cnf, ok := claims["cnf"].(map[string]any)
	if !ok {
		return nil
	}
	want, _ := cnf["x5t#S256"].(string)
	if want == "" {
		return nil
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return errors.New("the token is bound to a client certificate and none was presented")
	}
	if Thumbprint(r.TLS.PeerCertificates[0].Raw) != want {
		return errors.New("the token is bound to another client certificate than the one presented")
	}
	return nil
}

// tlsMetadata adds the mutual-TLS entries to a discovery document of a TLS server.
func (s *Server) tlsMetadata(doc map[string]any) {
	if s.CAPEM == nil {
		return
	}
	doc["token_endpoint_auth_methods_supported"] = []string{"client_secret_basic", "client_secret_post", TLSClientAuth, SelfSignedTLSClientAuth}
	doc["tls_client_certificate_bound_access_tokens"] = true
	if s.MTLSAliases {
		doc["mtls_endpoint_aliases"] = map[string]string{"token_endpoint": s.URL + mtlsAliasPrefix + "/token"}
	}
}

// mtlsAliasPrefix is where a server with MTLSAliases serves its mutual-TLS endpoints.
const mtlsAliasPrefix = "/mtls"

// KeyForms are the forms of a certificate's private key that must never be shown or
// written anywhere: its PKCS#8 PEM, the base64 of the DER (whole, and each PEM line
// that holds part of the private scalar), and the scalar itself in base64 and hex.
// The PEM lines holding only the public key are left out: the certificate carries
// the public key too, and may be shown.
func KeyForms(key *ecdsa.PrivateKey) []string {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		panic(err)
	}
	d := key.D.FillBytes(make([]byte, (key.Curve.Params().BitSize+7)/8))
	b64 := base64.StdEncoding.EncodeToString(der)
	out := []string{string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), b64,
		base64.StdEncoding.EncodeToString(d), base64.RawURLEncoding.EncodeToString(d), fmt.Sprintf("%x", d)}
	off := bytes.Index(der, d)
	for i := 0; i*48 < len(der); i++ { // a PEM line is 64 characters: 48 bytes
		if i*48 < off+len(d) && off < i*48+48 {
			out = append(out, b64[i*64:min(len(b64), i*64+64)])
		}
	}
	return out
}
