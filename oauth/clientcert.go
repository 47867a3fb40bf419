package oauth

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// maxDNText is how many characters of a certificate's subject or issuer oat shows.
// Real names are well under it; the thumbprint names a certificate exactly.
const maxDNText = 200

// cutText is s on one line (OneLine), cut to maxDNText characters with "…".
func cutText(s string) string {
	if utf8.RuneCountInString(s) <= maxDNText {
		return OneLine(s)
	}
	return OneLine(string([]rune(s)[:maxDNText])) + "…"
}

// DNText is a certificate's subject or issuer (RFC 4514) for messages and screens: on
// one line (OneLine), cut to maxDNText characters with "…". The name is the file's to
// choose, and a 50,000-character CN must not become a 50 KB error.
func DNText(n pkix.Name) string { return cutText(n.String()) }

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
	return DNText(leaf.Subject)
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
		return fmt.Errorf("client certificate %s: the private key does not belong to it", DNText(leaf.Subject))
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
	// The key's certificate first (a bundle made with cat ca.crt client.crt has it
	// second), the rest in their order.
	if chain, err := ParseChainPEM(certPEM); err == nil {
		if pub := pemKeyPublic(keyPEM); pub != nil {
			if ordered := keyCertFirst(chain, pub); string(ordered[0]) != string(chain[0]) {
				certPEM = []byte((&ClientCertificate{Chain: ordered}).ChainPEM())
			}
		}
	}
	// crypto/tls reads the chain and the key and checks that they belong together.
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if strings.Contains(err.Error(), "does not match") {
			// Name the certificate the key is not for (its subject is public).
			if chain, cerr := ParseChainPEM(certPEM); cerr == nil {
				if leaf, lerr := x509.ParseCertificate(chain[0]); lerr == nil {
					return nil, fmt.Errorf("the private key does not belong to the certificate %s: give the key the certificate was issued for", DNText(leaf.Subject))
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

// keyCertFirst is chain (DER) with the certificate of the key whose public half is pub
// moved to the front, the others in their order: TLS and a client assertion's header
// name the key's certificate first, and a bundle made with cat ca.crt client.crt holds
// it second. chain itself comes back when its first certificate is the key's, or none
// is (the caller says so, naming the first).
func keyCertFirst(chain [][]byte, pub crypto.PublicKey) [][]byte {
	eq, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return chain
	}
	for i, der := range chain {
		c, err := x509.ParseCertificate(der)
		if err != nil || !eq.Equal(c.PublicKey) {
			continue
		}
		if i == 0 {
			return chain
		}
		out := append([][]byte{der}, chain[:i]...)
		return append(out, chain[i+1:]...)
	}
	return chain
}

// pemKeyPublic is the public half of the first private key (PKCS#8, PKCS#1, SEC 1) in a
// PEM text; nil when there is none oat reads (crypto/tls says why, later).
func pemKeyPublic(text []byte) crypto.PublicKey {
	for rest := text; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return nil
		}
		key, isKey, err := parsePrivateKeyBlock(b)
		if !isKey {
			continue
		}
		if s, ok := key.(crypto.Signer); ok && err == nil {
			return s.Public()
		}
		return nil
	}
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
			// x509 quotes what it could not read (a malformed SAN, whole): cut like a name.
			return nil, fmt.Errorf("a PEM certificate does not parse: %s", cutText(strings.TrimPrefix(err.Error(), "x509: ")))
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
	if n := pkcs12Iterations(data, 0); n > maxPKCS12Iterations {
		return nil, fmt.Errorf("PKCS#12: the file asks for %s key-derivation iterations, more than oat does (at most 5,000,000 in all; OpenSSL, Windows and Java write 2,000 to 10,000 each): export it again, or give the certificate and its key as PEM",
			iterationsText(n))
	}
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

// maxPKCS12Iterations bounds the key-derivation work a PKCS#12 file may ask for: the
// sum of the iteration counts of its MAC and its encrypted bags. Real files ask for a
// few thousand each (OWASP's 1,300,000 for PBKDF2-SHA1 three times over still fits);
// 5,000,000 derives in about a second. (The error says "5,000,000": keep it in step.)
const maxPKCS12Iterations = 5_000_000

// pkcs12Iterations adds up the iteration counts a PKCS#12 file (DER) names where they
// can be read without its password: the MAC's (RFC 7292 MacData), and the PBE and
// PBKDF2 parameters of its bags and of its encrypted contents. It takes an INTEGER
// whose previous sibling is a universal non-INTEGER element (the salt before the count,
// the digest before the MAC's count) for one, reading into constructed elements and
// into OCTET STRINGs that hold DER (the authenticated safe, a certificate bag); a
// certificate's serial follows a context-tagged version, an RSA key's numbers follow
// each other, and neither counts. A count that does not fit an int64 is the maximum.
//
// Written by hand: go-pkcs12 derives with whatever count the file says, without a bound
// or a context (a 781-byte file asking for 2^31 iterations keeps it busy for minutes),
// and no library reads a PKCS#12 file's parameters without deriving.
func pkcs12Iterations(der []byte, depth int) int64 { return pkcs12Work(der, depth, false) }

// oidPBKDF2 names PBKDF2 (RFC 8018), whose parameters' salt go-pkcs12 reads as any
// element: its count is the second element whatever comes before it.
var oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

func pkcs12Work(der []byte, depth int, pbkdf2Params bool) int64 {
	if depth > 32 {
		return 0
	}
	var total int64
	add := func(n int64) {
		if total += n; total < 0 {
			total = math.MaxInt64
		}
	}
	prev := asn1.RawValue{Class: -1}
	for i, rest := 0, der; len(rest) > 0; i++ {
		var v asn1.RawValue
		r, err := asn1.Unmarshal(rest, &v)
		if err != nil {
			break
		}
		rest = r
		switch {
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagInteger && !v.IsCompound:
			if prev.Class == asn1.ClassUniversal && prev.Tag != asn1.TagInteger || pbkdf2Params && i == 1 {
				n := new(big.Int).SetBytes(v.Bytes)
				if len(v.Bytes) > 0 && v.Bytes[0]&0x80 != 0 || !n.IsInt64() {
					add(math.MaxInt64)
				} else {
					add(n.Int64())
				}
			}
		case v.IsCompound:
			var oid asn1.ObjectIdentifier
			isKDF := prev.Class == asn1.ClassUniversal && prev.Tag == asn1.TagOID && v.Class == asn1.ClassUniversal && v.Tag == asn1.TagSequence
			if isKDF {
				_, err := asn1.Unmarshal(prev.FullBytes, &oid)
				isKDF = err == nil && oid.Equal(oidPBKDF2)
			}
			add(pkcs12Work(v.Bytes, depth+1, isKDF))
		case v.Class == asn1.ClassUniversal && v.Tag == asn1.TagOctetString:
			add(pkcs12Work(v.Bytes, depth+1, false))
		}
		prev = v
	}
	return total
}

// iterationsText is a count of iterations for a message ("more than 2^31").
func iterationsText(n int64) string {
	if n >= math.MaxInt32 {
		return "more than 2^31"
	}
	return strconv.FormatInt(n, 10)
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
			e.Issuer, e.NotAfter = DNText(leaf.Issuer), leaf.NotAfter
			e.Expired = now.After(leaf.NotAfter)
			e.NotBefore, e.NotYet = leaf.NotBefore, now.Before(leaf.NotBefore)
		}
	}
	return e
}
