package oauthtest

import (
	"fmt"
	"slices"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// assertionKeyID is the kid in the header of a client assertion already verified.
func assertionKeyID(assertion string) string {
	tok, err := jwt.ParseSigned(assertion, []jose.SignatureAlgorithm{jose.RS256, jose.PS256, jose.ES256, jose.EdDSA})
	if err != nil || len(tok.Headers) != 1 {
		return ""
	}
	return tok.Headers[0].KeyID
}

// ReplaceOnFirstUse makes the client drop old the first time new authenticates it, as
// a provider's operator finishing a rotation does (the demo's stand-in for it): old
// and new are the kids of private_key_jwt keys (RegisterKey), or the x5t#S256
// thumbprints of self-signed client certificates (RegisterThumbprint). Until new is
// used both work; every other key the client has is kept.
func (s *Server) ReplaceOnFirstUse(id, old, new string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("no client %q", id)
	}
	if old == "" || new == "" || old == new {
		return fmt.Errorf("replace %q with %q: two different keys are needed", old, new)
	}
	if c.replaces == nil {
		c.replaces = map[string]string{}
	}
	c.replaces[new] = old
	return nil
}

// used records that the key (kid) or certificate (thumbprint) cred authenticated the
// client: the one it replaces (ReplaceOnFirstUse) is dropped.
func (s *Server) used(id, cred string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || cred == "" {
		return
	}
	old, ok := c.replaces[cred]
	if !ok {
		return
	}
	delete(c.replaces, cred)
	c.Keys = slices.DeleteFunc(c.Keys, func(k jose.JSONWebKey) bool { return k.KeyID == old })
	c.TLSThumbprints = slices.DeleteFunc(c.TLSThumbprints, func(tp string) bool { return tp == old })
}

// RegisterThumbprint registers the x5t#S256 of a self-signed client certificate for
// the client (self_signed_tls_client_auth), beside any registered before; registering
// one again is a no-op.
func (s *Server) RegisterThumbprint(id, x5tS256 string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("no client %q", id)
	}
	if !slices.Contains(c.TLSThumbprints, x5tS256) {
		c.TLSThumbprints = append(c.TLSThumbprints, x5tS256)
	}
	return nil
}
