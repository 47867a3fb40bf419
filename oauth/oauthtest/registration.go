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
	"slices"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// MaxRegistrationBody bounds the body of a registration request: a public JWK or a
// certificate chain is a few KiB.
const MaxRegistrationBody = 16 << 10

// MaxRegistered bounds the keys, and apart the certificates, a client holds through
// the registration endpoints: a provider's console keeps a few (a rotation needs two).
const MaxRegistered = 16

// ServeRegistration turns on (it is off by default: a test server registers nothing
// over HTTP) the demo's stand-in for a provider's console, for other processes:
//
//	POST /demo/clients/{id}/keys   a public JWK (JSON, as oat keygen shows it), or a
//	                               JWKS of one: RegisterKey; a private JWK is refused
//	POST /demo/clients/{id}/certs  a PEM certificate (self_signed_tls_client_auth):
//	                               RegisterThumbprint of its first; a private key is refused
//
// With clients given, only they are served (403 for another). A mutual-TLS client
// takes no key. A client holds at most MaxRegistered keys and MaxRegistered
// certificates through them (409 past that). Bodies are at most MaxRegistrationBody.
// The answer is JSON: the client and the kid or x5t#S256 registered, or {"error": ...}. After each registration, registered (when
// not nil) is called with the client ID and that kid or thumbprint.
func (s *Server) ServeRegistration(registered func(id, cred string), clients ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.registration = true
	s.registered = registered
	s.registrants = clients
}

// register serves the registration endpoints (ServeRegistration).
func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	on, after, registrants := s.registration, s.registered, s.registrants
	s.mu.Unlock()
	if !on {
		http.NotFound(w, r)
		return
	}
	id := r.PathValue("id")
	if len(registrants) > 0 && !slices.Contains(registrants, id) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "this endpoint registers keys and certificates for " + strings.Join(registrants, ", ") + " only"})
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRegistrationBody))
	if err != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": fmt.Sprintf("the body is over %d bytes: send one public JWK or certificate", MaxRegistrationBody)})
		return
	}
	if msg := s.wrongKind(id, r.PathValue("kind") == "keys"); msg != "" {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": msg})
		return
	}
	// One registration at a time: the bound is checked and the key added together.
	s.regMu.Lock()
	defer s.regMu.Unlock()
	var cred, field string
	if r.PathValue("kind") == "keys" {
		field = "kid"
		// A JWKS of one key (oat shows both forms) is taken for its key.
		var set struct {
			Keys []json.RawMessage `json:"keys"`
		}
		if json.Unmarshal(body, &set) == nil && set.Keys != nil {
			if len(set.Keys) != 1 {
				writeJSON(w, http.StatusBadRequest, map[string]string{"error": fmt.Sprintf("a JWKS of %d keys: register one key at a time (the new one)", len(set.Keys))})
				return
			}
			body = set.Keys[0]
		}
		var k jose.JSONWebKey
		if k.UnmarshalJSON(body) == nil && !s.roomFor(id, k.KeyID, true) {
			writeJSON(w, http.StatusConflict, map[string]string{"error": fmt.Sprintf("%s holds %d keys, the most it may: finish a rotation (its old key is dropped) first", id, MaxRegistered)})
			return
		}
		err = s.RegisterKey(id, body)
		if err == nil {
			cred = k.KeyID
		}
	} else {
		field = "x5t#S256"
		cred, err = certThumbprintOf(body)
		if err == nil && !s.roomFor(id, cred, false) {
			writeJSON(w, http.StatusConflict, map[string]string{"error": fmt.Sprintf("%s holds %d certificates, the most it may: finish a rotation (its old certificate is dropped) first", id, MaxRegistered)})
			return
		}
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

// roomFor says whether client id may take the key (kid) or certificate (thumbprint)
// cred: one it holds already is replaced, a new one only below MaxRegistered. An
// unknown client has room (registering then says it is unknown).
func (s *Server) roomFor(id, cred string, key bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return true
	}
	if key {
		return len(c.Keys) < MaxRegistered || slices.ContainsFunc(c.Keys, func(k jose.JSONWebKey) bool { return k.KeyID == cred })
	}
	return len(c.TLSThumbprints) < MaxRegistered || slices.Contains(c.TLSThumbprints, cred)
}

// wrongKind is why client id takes no key (a mutual-TLS client), or "".
func (s *Server) wrongKind(id string, key bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	switch {
	case !ok:
		return ""
	case key && c.TLSAuth != "":
		return id + " authenticates with a client certificate (" + c.TLSAuth + "): register the certificate (/certs), not a key"
	}
	return ""
}
