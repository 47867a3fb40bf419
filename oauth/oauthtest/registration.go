package oauthtest

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/go-jose/go-jose/v4"
)

// MaxRegistrationBody bounds the body of a registration request: a public JWK or a
// certificate chain is a few KiB.
const MaxRegistrationBody = 16 << 10

// ServeRegistration turns on (it is off by default: a test server registers nothing
// over HTTP) the demo's stand-in for a provider's console, for other processes:
//
//	POST /demo/clients/{id}/keys   a public JWK (JSON, as oat keygen shows it), or a
//	                               JWKS of one: RegisterKey; a private JWK is refused
//	POST /demo/clients/{id}/certs  a PEM certificate (self_signed_tls_client_auth):
//	                               RegisterThumbprint of its first; a private key is refused
//
// Bodies are at most MaxRegistrationBody. The answer is JSON: the client and the kid or
// x5t#S256 registered, or {"error": ...}. After each registration, registered (when
// not nil) is called with the client ID and that kid or thumbprint.
func (s *Server) ServeRegistration(registered func(id, cred string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registration = true
	s.registered = registered
}

// register serves the registration endpoints (ServeRegistration).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	on, after := s.registration, s.registered
	s.mu.Unlock()
	if !on {
		http.NotFound(w, r)
		return
	}
	id := r.PathValue("id")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRegistrationBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("the body is over %d bytes: send one public JWK or certificate", MaxRegistrationBody)})
		return
	}
	var cred, field string
	if r.PathValue("kind") == "keys" {
		field = "kid"
		// A JWKS of one key (oat shows both forms) is taken for its key.
		var set jose.JSONWebKeySet
		if json.Unmarshal(body, &set) == nil && len(set.Keys) == 1 {
			if one, merr := set.Keys[0].MarshalJSON(); merr == nil {
				body = one
			}
		}
		err = s.RegisterKey(id, body)
		if err == nil {
			var k jose.JSONWebKey
			_ = k.UnmarshalJSON(body) // RegisterKey read it
			cred = k.KeyID
		}
	} else {
		field = "x5t#S256"
		cred, err = certThumbprintOf(body)
		if err == nil {
			err = s.RegisterThumbprint(id, cred)
		}
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	if after != nil {
		after(id, cred)
	}
	writeJSON(w, http.StatusCreated, map[string]string{"client_id": id, field: cred})
}

// certThumbprintOf is the x5t#S256 of the first certificate of a PEM text holding no
// private key.
func certThumbprintOf(text []byte) (string, error) {
	if bytes.Contains(text, []byte("PRIVATE KEY")) {
		return "", errors.New("a private key: register the certificate only (c.pem, not k.pem)")
	}
	for rest := text; ; {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			return "", errors.New("no PEM certificate: send the certificate (-----BEGIN CERTIFICATE-----)")
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return "", fmt.Errorf("not a certificate: %w", err)
		}
		return Thumbprint(b.Bytes), nil
	}
}
