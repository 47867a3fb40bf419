package oauth

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// ClientCertificate is a client's X.509 certificate for mutual TLS (RFC 8705): the
// chain, leaf first, as DER, and the leaf's private key. The key is a secret: vault
// keeps it in the secret store; the chain is public. Printing one with fmt shows the
// subject and thumbprint, never the key.
type ClientCertificate struct {
	Chain [][]byte
	Key   crypto.Signer
}

// Leaf parses the first certificate of the chain.
func (c *ClientCertificate) Leaf() (*x509.Certificate, error) {
	if c == nil || len(c.Chain) == 0 {
		return nil, errors.New("no client certificate")
	}
	return x509.ParseCertificate(c.Chain[0])
}

// Thumbprint is the leaf's x5t#S256: base64url (no padding) of the SHA-256 of its DER,
// what a certificate-bound token's cnf claim carries (RFC 8705 §3.1) and what a
// self-signed certificate is registered by.
func (c *ClientCertificate) Thumbprint() string {
	if c == nil || len(c.Chain) == 0 {
		return ""
	}
	return CertThumbprint(c.Chain[0])
}

// CertThumbprint is the x5t#S256 of a DER certificate.
func CertThumbprint(der []byte) string {
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// CertThumbprintSHA1 is the x5t of a DER certificate: base64url (no padding) of its
// SHA-1, what Entra ID's older docs ask a client assertion's header to carry. SHA-1
// here names a certificate, it secures nothing.
func CertThumbprintSHA1(der []byte) string {
	sum := sha1.Sum(der)
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// Subject is the leaf's subject DN (RFC 4514), sanitized, for messages.
func (c *ClientCertificate) Subject() string {
	leaf, err := c.Leaf()
	if err != nil {
		return "(unreadable certificate)"
	}
	return OneLine(leaf.Subject.String())
}

// String names the certificate by subject and thumbprint, never showing the key.
func (c *ClientCertificate) String() string {
	if c == nil {
		return "<no client certificate>"
	}
	return fmt.Sprintf("client certificate %s (x5t#S256 %s)", c.Subject(), c.Thumbprint())
}

// GoString is String: %#v must not print the private key either.
func (c *ClientCertificate) GoString() string { return c.String() }

// Check says what is wrong with the certificate: no chain, an unparsable leaf, no key,
// or a key that is not the leaf's.
func (c *ClientCertificate) Check() error {
	leaf, err := c.Leaf()
	if err != nil {
		return fmt.Errorf("client certificate: %v", err)
	}
	if c.Key == nil {
		return errors.New("client certificate: no private key")
	}
	pub, ok := c.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(leaf.PublicKey) {
		return fmt.Errorf("client certificate %s: the private key does not belong to it", OneLine(leaf.Subject.String()))
	}
	return nil
}

func (c *ClientCertificate) tlsCertificate() tls.Certificate {
	return tls.Certificate{Certificate: c.Chain, PrivateKey: c.Key}
}

// ParseClientCertificatePEM reads a PEM certificate chain (leaf first) and its
// unencrypted private key (PKCS#8, PKCS#1 or SEC 1), in one text or two (certPEM and
// keyPEM may be the same bytes). Errors never quote the key.
func ParseClientCertificatePEM(certPEM, keyPEM []byte) (*ClientCertificate, error) {
	// A text pasted into a one-line field (the app's) lost its line breaks: put them back.
	certPEM = oneLinePEM(bytes.TrimSpace(certPEM))
	if keyPEM == nil {
		keyPEM = certPEM
	} else {
		keyPEM = oneLinePEM(bytes.TrimSpace(keyPEM))
	}
	hasKey := false
	for rest := keyPEM; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if strings.Contains(b.Type, "ENCRYPTED") || b.Headers["Proc-Type"] != "" {
			return nil, errors.New("the private key is encrypted: decrypt it first (openssl pkey -in key.pem), or use PKCS#12")
		}
		hasKey = hasKey || strings.HasSuffix(b.Type, "PRIVATE KEY")
	}
	// What is missing, said plainly (crypto/tls words it for programmers).
	_, certErr := ParseChainPEM(certPEM)
	switch {
	case certErr != nil && !hasKey:
		return nil, errors.New("no PEM certificate and private key found: give the certificate (chain) and its private key as PEM, in one text")
	case certErr != nil && strings.Contains(certErr.Error(), "no PEM certificate"):
		return nil, errors.New("no certificate found, only a private key: give the certificate (-----BEGIN CERTIFICATE-----) with it")
	case certErr != nil:
		return nil, certErr
	case !hasKey:
		return nil, errors.New("no private key found, only the certificate: give its private key (-----BEGIN PRIVATE KEY-----) with it, e.g. cat client.crt client.key")
	}
	// crypto/tls reads the chain and the key and checks that they belong together.
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			// Name the certificate the key is not for (its subject is public).
			if chain, cerr := ParseChainPEM(certPEM); cerr == nil {
				if leaf, lerr := x509.ParseCertificate(chain[0]); lerr == nil {
					return nil, fmt.Errorf("the private key does not belong to the certificate %s: give the key the certificate was issued for", OneLine(leaf.Subject.String()))
				}
			}
		}
		return nil, fmt.Errorf("not a PEM certificate and private key: %s", strings.TrimPrefix(err.Error(), "tls: "))
	}
	signer, ok := pair.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, errors.New("the private key cannot sign")
	}
	cc := &ClientCertificate{Chain: withoutRepeats(pair.Certificate), Key: signer}
	return cc, cc.Check()
}

// withoutRepeats is chain with each certificate once, in its first place (the leaf stays
// first): a bundle made with cat often holds an intermediate twice, which would be
// stored and sent in every handshake twice.
func withoutRepeats(chain [][]byte) [][]byte {
	seen := make(map[string]bool, len(chain))
	out := chain[:0:0]
	for _, der := range chain {
		if !seen[string(der)] {
			seen[string(der)] = true
			out = append(out, der)
		}
	}
	return out
}

// ParseChainPEM reads the CERTIFICATE blocks of a PEM text, in order (leaf first), as
// DER; any other block is skipped. An error when there is none or one does not parse.
func ParseChainPEM(text []byte) ([][]byte, error) {
	var chain [][]byte
	for rest := oneLinePEM(bytes.TrimSpace(text)); ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, fmt.Errorf("a PEM certificate does not parse: %s", OneLine(strings.TrimPrefix(err.Error(), "x509: ")))
		}
		chain = append(chain, b.Bytes)
	}
	if len(chain) == 0 {
		return nil, errors.New("no PEM certificate found (expected -----BEGIN CERTIFICATE-----)")
	}
	return chain, nil
}

// ChainPEM is the chain as PEM, leaf first: the public part of a client certificate,
// which vault keeps beside the profile. It never holds the key.
func (c *ClientCertificate) ChainPEM() string {
	var b bytes.Buffer
	for _, der := range c.Chain {
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	}
	return b.String()
}

// ParseClientCertificatePKCS12 reads a PKCS#12 (.p12 / .pfx) file holding a
// certificate, its chain and its private key, with the file's password.
func ParseClientCertificatePKCS12(data []byte, password string) (*ClientCertificate, error) {
	key, leaf, cas, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return nil, errors.New("PKCS#12: wrong password")
		}
		if bytes.Contains(data[:min(len(data), 64<<10)], []byte("-----BEGIN ")) {
			return nil, errors.New("PKCS#12: this is PEM text, not a PKCS#12 file: give it without --pkcs12 (the certificate and its key, PEM)")
		}
		// go-pkcs12 has no sentinel for a file without a key bag (openssl pkcs12 -export
		// -nokeys): its message is the only way to tell.
		if strings.Contains(err.Error(), "private key missing") {
			return nil, errors.New("PKCS#12: the file holds certificates but no private key (made with -nokeys?): export the certificate with its key (openssl pkcs12 -export -inkey key.pem -in cert.pem)")
		}
		return nil, errors.New("PKCS#12: the file does not parse as PKCS#12 (.p12/.pfx): check it is the right file; a PEM certificate and key go without --pkcs12")
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, errors.New("PKCS#12: the private key cannot sign")
	}
	cc := &ClientCertificate{Chain: [][]byte{leaf.Raw}, Key: signer}
	for _, ca := range cas {
		cc.Chain = append(cc.Chain, ca.Raw)
	}
	cc.Chain = withoutRepeats(cc.Chain)
	return cc, cc.Check()
}

// CertificateRejectedError is a TLS handshake the server refused for the client
// certificate (or for the lack of one). It counts as refused credentials (exit 3).
type CertificateRejectedError struct {
	Host string
	// Subject, Issuer and NotAfter describe the certificate presented ("" : none).
	Subject, Issuer string
	NotAfter        time.Time
	Expired         bool
	// NotYet is a certificate whose validity starts after now (NotBefore).
	NotBefore time.Time
	NotYet    bool
	// Alert is the server's TLS alert, e.g. "bad certificate".
	Alert string
}

func (e *CertificateRejectedError) Error() string {
	if e.Subject == "" {
		return fmt.Sprintf("%s requires a client certificate (mutual TLS) and the profile has none (server said: %s)", e.Host, e.Alert)
	}
	s := fmt.Sprintf("%s refused the client certificate %s (server said: %s)", e.Host, e.Subject, e.Alert)
	if e.Expired {
		s += fmt.Sprintf("\n  it expired on %s; issued by %s", e.NotAfter.UTC().Format("2006-01-02 15:04 MST"), e.Issuer)
	}
	if e.NotYet {
		s += fmt.Sprintf("\n  it is not valid until %s; issued by %s", e.NotBefore.UTC().Format("2006-01-02 15:04 MST"), e.Issuer)
	}
	return s + "\n  hint: " + certHint(e)
}

func certHint(e *CertificateRejectedError) string {
	if e.Expired {
		return "renew the certificate and rotate to the new one (oat rotate NAME < new.pem: tried before it replaces the old)"
	}
	if e.NotYet {
		return "check this machine's clock, or wait until the certificate is valid"
	}
	return "check that the certificate is the one registered for this client at the provider, issued by a CA it trusts (tls_client_auth), or registered by its thumbprint (self_signed_tls_client_auth)"
}

// certAlerts are the TLS alerts (as crypto/tls words them) by which a server refuses a
// client certificate.
var certAlerts = []string{"bad certificate", "unsupported certificate", "revoked certificate", "expired certificate",
	"unknown certificate", "unknown certificate authority", "access denied", "certificate required"}

// certRejected turns a transport error into a *CertificateRejectedError when it is the
// server's TLS alert refusing the client certificate; nil otherwise.
func certRejected(host string, cert *ClientCertificate, err error, now time.Time) error {
	msg := err.Error()
	i := strings.LastIndex(msg, "remote error: tls: ")
	if i < 0 {
		return nil
	}
	alert := strings.TrimSpace(msg[i+len("remote error: tls: "):])
	known := false
	for _, a := range certAlerts {
		if alert == a {
			known = true
		}
	}
	if !known {
		return nil
	}
	e := &CertificateRejectedError{Host: OneLine(host), Alert: alert}
	if cert != nil {
		e.Subject = cert.Subject()
		if leaf, lerr := cert.Leaf(); lerr == nil {
			e.Issuer, e.NotAfter = OneLine(leaf.Issuer.String()), leaf.NotAfter
			e.Expired = now.After(leaf.NotAfter)
			e.NotBefore, e.NotYet = leaf.NotBefore, now.Before(leaf.NotBefore)
		}
	}
	return e
}
