package oauthtest

import (
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

// revokeKeysBefore drops the keys registered before the one with kid: what a provider
// does for a client with RevokeOnUse when a newer key is first used.
func (s *Server) revokeKeysBefore(id, kid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok || kid == "" {
		return
	}
	if i := slices.IndexFunc(c.Keys, func(k jose.JSONWebKey) bool { return k.KeyID == kid }); i > 0 {
		c.Keys = slices.Clone(c.Keys[i:])
	}
}
