package oauth

import (
	"net"
	"strings"
)

// AuthMethod is how a client authenticates at the token endpoint
// (RFC 6749 §2.3.1).
type AuthMethod string

// The client authentication methods.
const (
	// AuthBasic sends the client id and secret in an HTTP Basic Authorization header.
	AuthBasic AuthMethod = "basic"
	// AuthPost sends client_id and client_secret as form body parameters.
	AuthPost AuthMethod = "post"
	// AuthAuto tries Basic first, then the body, and remembers what worked.
	AuthAuto AuthMethod = "auto"
	// AuthTLS authenticates with a client certificate issued by a CA the server trusts,
	// matched by its subject DN or a SAN (RFC 8705 §2.1, tls_client_auth).
	AuthTLS AuthMethod = "tls_client_auth"
	// AuthSelfSignedTLS authenticates with a self-signed client certificate, matched by
	// its registered thumbprint or JWK (RFC 8705 §2.2, self_signed_tls_client_auth).
	AuthSelfSignedTLS AuthMethod = "self_signed_tls_client_auth"
	// AuthPrivateKeyJWT sends a client assertion signed with the client's private key
	// (RFC 7523 §2.2, OpenID Connect Core §9).
	AuthPrivateKeyJWT AuthMethod = "private_key_jwt"
	// AuthClientSecretJWT sends a client assertion signed with HS256 over the client
	// secret (OpenID Connect Core §9).
	AuthClientSecretJWT AuthMethod = "client_secret_jwt"
)

// IsTLSAuth says whether m authenticates the client with its certificate (mutual TLS):
// the token request then carries client_id in the body and no secret.
func (m AuthMethod) IsTLSAuth() bool { return m == AuthTLS || m == AuthSelfSignedTLS }

// BasicEncoding says how the id and secret are put into a Basic header.
type BasicEncoding string

// The Basic encodings.
const (
	// BasicRFC form-urlencodes id and secret before base64, as RFC 6749 §2.3.1 says.
	BasicRFC BasicEncoding = "rfc"
	// BasicRaw base64-encodes them as they are, for servers that do not decode (opt-in).
	BasicRaw BasicEncoding = "raw"
)

// IsLoopback reports whether host (without port) is "localhost" itself or a literal
// loopback address. Other *.localhost names do not count: they would be resolved
// through DNS, which may answer with any address (oat dials "localhost" without DNS).
func IsLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
