package oauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// KeyGenAlgs are the algorithms `oat keygen` makes keys for, the default first.
var KeyGenAlgs = []string{"ES256", "RS256", "PS256", "EdDSA"}

// GenerateClientKey makes a new private key for alg: P-256 for ES256, RSA-2048 for
// RS256 and PS256, Ed25519 for EdDSA.
func GenerateClientKey(alg string) (crypto.Signer, error) {
	switch alg {
	case "ES256", "":
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "RS256", "PS256":
		return rsa.GenerateKey(rand.Reader, 2048)
	case "EdDSA":
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("no key algorithm %q: use one of %s", Sanitize(alg), strings.Join(KeyGenAlgs, ", "))
}

// ParseClientKey reads a private key given as PEM (PKCS#8 "PRIVATE KEY", PKCS#1 "RSA
// PRIVATE KEY", SEC1 "EC PRIVATE KEY") or as a private JWK. A public key, a
// certificate or an encrypted key is refused with what to give instead. Only keys oat
// can sign a client assertion with are accepted: RSA of 2048 bits or more, EC P-256,
// Ed25519. No error quotes the input.
func ParseClientKey(data []byte) (crypto.Signer, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("no key given")
	}
	if data[0] == '{' {
		var k jose.JSONWebKey
		if err := json.Unmarshal(data, &k); err != nil {
			return nil, errors.New("the JWK does not parse (give a private JWK with its \"d\" member, or a PEM private key)")
		}
		if k.IsPublic() {
			return nil, errors.New("this JWK is a public key: give the private key (a JWK with its \"d\" member), or generate one with oat keygen")
		}
		return checkClientKey(k.Key)
	}
	rest := oneLinePEM(data)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, errors.New("no PEM private key found (expected -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY, or a private JWK)")
		}
		if b.Headers["Proc-Type"] != "" || b.Type == "ENCRYPTED PRIVATE KEY" {
			return nil, errors.New("the private key is encrypted with a passphrase: decrypt it first (e.g. openssl pkey -in key.pem | oat …); oat keeps it in the secret store instead")
		}
		var key any
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(b.Bytes)
		case "EC PARAMETERS":
			continue // openssl ecparam writes it before the key
		case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
			return nil, fmt.Errorf("this is a %s, not a private key: give the private key (the provider gets the public one)", strings.ToLower(b.Type))
		default:
			return nil, fmt.Errorf("a PEM %q block is not a private key oat reads (PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY)", Excerpt(b.Type, 40))
		}
		if err != nil {
			return nil, fmt.Errorf("the PEM %s does not parse", strings.ToLower(b.Type))
		}
		return checkClientKey(key)
	}
}

// oneLinePEM gives back a PEM whose line breaks became spaces (a paste into a one-line
// field, an environment variable) with its line breaks: the header and footer on
// their own lines, the base64 in between without spaces. Any other text is returned
// as it is.
func oneLinePEM(data []byte) []byte {
	s := string(data)
	if strings.Contains(s, "\n") || !strings.HasPrefix(s, "-----BEGIN ") {
		return data
	}
	var out strings.Builder
	for s != "" {
		begin := strings.Index(s, "-----BEGIN ")
		if begin < 0 {
			break
		}
		hdrEnd := strings.Index(s[begin+11:], "-----")
		if hdrEnd < 0 {
			break
		}
		typ := s[begin+11 : begin+11+hdrEnd]
		rest := s[begin+11+hdrEnd+5:]
		footer := "-----END " + typ + "-----"
		end := strings.Index(rest, footer)
		if end < 0 {
			break
		}
		body := strings.Join(strings.Fields(rest[:end]), "")
		out.WriteString("-----BEGIN " + typ + "-----\n")
		if strings.Contains(body, "Proc-Type:") {
			// An encrypted PKCS#1 key: only the header matters, to refuse it by name.
			out.WriteString("Proc-Type: 4,ENCRYPTED\n\n")
			body = ""
		}
		for len(body) > 64 {
			out.WriteString(body[:64] + "\n")
			body = body[64:]
		}
		out.WriteString(body + "\n" + footer + "\n")
		s = rest[end+len(footer):]
	}
	if out.Len() == 0 {
		return data
	}
	return []byte(out.String())
}

func checkClientKey(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			return nil, fmt.Errorf("the RSA key has %d bits; use 2048 or more", k.N.BitLen())
		}
		if k.N.BitLen() > 8192 {
			// Each assertion is signed with it: a 16384-bit key takes seconds a token.
			return nil, fmt.Errorf("the RSA key has %d bits; oat takes at most 8192 (2048–4096 is usual)", k.N.BitLen())
		}
		if k.Validate() != nil {
			return nil, errors.New("the RSA private key is inconsistent (its parts do not make one key): export it again")
		}
		return k, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("the EC key is on %s; oat signs ES256, which needs P-256", k.Curve.Params().Name)
		}
		// A JWK carries the public point beside the private scalar: they must be one key,
		// or the thumbprint shown (of the public half) is not the key that signs.
		if x, y := k.Curve.ScalarBaseMult(k.D.Bytes()); x.Cmp(k.X) != 0 || y.Cmp(k.Y) != 0 {
			return nil, errors.New("the EC private key does not match its public key (\"d\" is not the private half of \"x\", \"y\"): export it again")
		}
		return k, nil
	case ed25519.PrivateKey:
		if len(k) != ed25519.PrivateKeySize || !bytes.Equal(ed25519.NewKeyFromSeed(k.Seed())[32:], k[32:]) {
			return nil, errors.New("the Ed25519 private key does not match its public key: export it again")
		}
		return k, nil
	}
	return nil, errors.New("not an RSA, EC P-256 or Ed25519 private key")
}

// MarshalClientKey is key as PKCS#8 PEM: how oat keeps it in the secret store.
func MarshalClientKey(key crypto.Signer) (string, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", fmt.Errorf("encode the private key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), nil
}

// PublicKeyDocs is what a provider registers for a client key: the public JWK (kid =
// thumbprint, alg, use sig), a JWKS holding it, the PEM public key, and the RFC 7638
// thumbprint.
type PublicKeyDocs struct {
	JWK, JWKS, PEM, Thumbprint, Alg string
}

// PublicDocs builds the public documents of key for signing with alg.
func PublicDocs(key crypto.Signer, alg string) (PublicKeyDocs, error) {
	tp, err := Thumbprint(key.Public())
	if err != nil {
		return PublicKeyDocs{}, err
	}
	jwk := jose.JSONWebKey{Key: key.Public(), KeyID: tp, Algorithm: alg, Use: "sig"}
	one, err := json.Marshal(jwk)
	if err != nil {
		return PublicKeyDocs{}, fmt.Errorf("encode the public JWK: %w", err)
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{jwk}})
	if err != nil {
		return PublicKeyDocs{}, fmt.Errorf("encode the JWKS: %w", err)
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return PublicKeyDocs{}, fmt.Errorf("encode the public key: %w", err)
	}
	p := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	return PublicKeyDocs{JWK: string(one), JWKS: string(set), PEM: p, Thumbprint: tp, Alg: alg}, nil
}
