// Package oauthtest is a local OAuth2 authorization server and protected API, strict to
// RFC 6749 / 6750, for oat's tests and for `oat demo`. It listens on 127.0.0.1 only. It
// follows the provider contracts oat must handle (Keycloak realms, EarthDaily-style
// Basic-or-body, Cognito-style Basic with a required scope, a dashboard's
// {BASE}/authenticate) and can be told to misbehave in the ways real servers do. Like
// oauth, it imports no other package of oat.
package oauthtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Flavour is a provider contract: where the token endpoint is, which client
// authentication it takes, and what its responses carry.
type Flavour string

// The flavours.
const (
	// Generic: /token, Basic or body, standard responses, strict RFC 6749.
	Generic Flavour = "generic"
	// Keycloak: /realms/{realm}/protocol/openid-connect/token, Basic or body, Keycloak's
	// extra fields, issuer and discovery per realm.
	Keycloak Flavour = "keycloak"
	// EDS: EarthDaily-style /eds/oauth2/token, Basic or body.
	EDS Flavour = "eds"
	// Cognito: /oauth2/token, Basic only, scope api/write required.
	Cognito Flavour = "cognito"
	// Dashboard: /dash/authenticate, form body only; API /dash/accounts/{id}/orders.
	Dashboard Flavour = "dashboard"
	// RawBasic: like Generic but does NOT form-decode Basic credentials (a common
	// non-compliance), for testing oat's raw Basic encoding.
	RawBasic Flavour = "rawbasic"
)

// Flavours lists every flavour.
var Flavours = []Flavour{Generic, Keycloak, EDS, Cognito, Dashboard, RawBasic}

// Misbehaviour switches, per client, how its token requests are answered.
type Misbehaviour struct {
	// Delay answers after this long (cancelled with the request).
	Delay time.Duration
	// Hang never answers until the client gives up.
	Hang bool
	// HugeBody answers 200 with a 2 MiB body.
	HugeBody bool
	// HTMLError answers 502 with an HTML error page, as a proxy would.
	HTMLError bool
	// HostileDescription answers invalid_client whose error_description carries
	// terminal escape sequences (colour, OSC 52 clipboard write, title change, BEL).
	HostileDescription bool
	// EchoSecret answers invalid_client with the presented secret in the description.
	EchoSecret bool
	// NoExpiresIn leaves expires_in out (the JWT still has exp, unless Opaque).
	NoExpiresIn bool
	// StringExpiresIn sends expires_in as a string: "3600".
	StringExpiresIn bool
	// LowercaseBearer sends token_type "bearer".
	LowercaseBearer bool
	// ErrorIn200 answers HTTP 200 with an "error" body.
	ErrorIn200 bool
	// Opaque issues a random opaque token instead of a JWT.
	Opaque bool
	// Custom, when set, answers every token request of the client itself: a hostile
	// server in tests writes whatever it likes (headers, bodies, broken framing).
	Custom func(w http.ResponseWriter, r *http.Request)
}

// Client is a registered OAuth client.
type Client struct {
	ID      string
	Flavour Flavour
	// Realm is the Keycloak realm (default "demo").
	Realm string
	// Secrets are the secrets accepted now: two during a rotation's overlap window.
	Secrets []string
	// Scopes the client may be granted; requesting others is invalid_scope.
	Scopes []string
	// GrantDisabled makes the client_credentials grant unauthorized_client.
	GrantDisabled bool
	// Lifetime of its tokens; 0 means the server's TokenLifetime.
	Lifetime time.Duration
	// RevokeOnUse makes the provider revoke older secrets the first time a newer one is
	// used, as a provider does when an operator finishes a rotation (the demo uses it).
	// Keys and certificates are several at once; ReplaceOnFirstUse drops one of them.
	RevokeOnUse bool
	Misbehave   Misbehaviour
	// TLSAuth registers the client for mutual TLS (RFC 8705 §2) on a server started
	// with NewTLS: "tls_client_auth" (a certificate from a trusted CA whose subject DN
	// is TLSSubjectDN or which names TLSSANDNS) or "self_signed_tls_client_auth" (a
	// certificate whose x5t#S256 is in TLSThumbprints). Its tokens are bound to the
	// certificate (RFC 8705 §3).
	TLSAuth        string
	TLSSubjectDN   string
	TLSSANDNS      string
	TLSThumbprints []string
	// Keys are the public JWKs registered for private_key_jwt (see RegisterKey).
	Keys []jose.JSONWebKey
	// Certs are the certificates (DER) registered for private_key_jwt, as Entra ID
	// registers them: an assertion names one by x5t#S256 or x5t in its header (see
	// RegisterCertificate).
	Certs [][]byte
	// AssertionAudience "issuer" makes client assertions name the issuer as aud
	// instead of the token endpoint.
	AssertionAudience string

	// replaces maps a key's kid (or a certificate's thumbprint) to the one it drops at
	// its first use (ReplaceOnFirstUse).
	replaces map[string]string
}

// Server is the authorization server and the protected API.
type Server struct {
	// URL is the base URL, http://127.0.0.1:PORT.
	URL string
	// TokenLifetime is the default token lifetime (3600 s, as the providers use).
	TokenLifetime time.Duration

	// CAPEM is, for a server started with NewTLS, the PEM of the CA that issued its
	// certificate: what a client trusts as its ca_file.
	CAPEM []byte
	// MTLSAliases makes a TLS server publish mtls_endpoint_aliases (RFC 8705 §5) with
	// its token endpoint under /mtls and take client certificates only there, as a
	// deployment that keeps mutual TLS on endpoints of their own does.
	MTLSAliases bool

	srv       *http.Server
	listener  net.Listener
	clientCAs *x509.CertPool

	mu      sync.Mutex
	clients map[string]*Client
	keys    []signingKey // keys[0] signs; all are published
	issued  []string     // jti of every JWT issued
	revoked map[string]bool
	now     func() time.Time
	// jtis are the client assertion IDs seen, with their expiry.
	jtis          map[string]time.Time
	assertionAlgs []string
	authMethods   []string
	// registration turns the registration endpoints on; registered is told of each
	// (ServeRegistration).
	registration bool
	registered   func(id, cred string)
	// registrants are the clients the registration endpoints serve (all when empty).
	registrants []string
	// regMu serializes the registration endpoints (their bound is checked, then kept).
	regMu sync.Mutex

	tokenRequests atomic.Int64
	jwksFetches   atomic.Int64
	apiRequests   atomic.Int64
}

type signingKey struct {
	kid string
	key *rsa.PrivateKey
}

// NewForTest starts a server for a test, closed when the test ends, with one client per
// flavour: ID "<flavour>-client", the given secret, scopes api/read and api/write.
func NewForTest(t testing.TB, secret string) *Server {
	t.Helper()
	srv, err := New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	for _, f := range Flavours {
		srv.AddClient(Client{ID: string(f) + "-client", Flavour: f, Secrets: []string{secret}, Scopes: []string{"api/read", "api/write"}})
	}
	return srv
}

// New starts a server on 127.0.0.1 with a random port.
func New() (*Server, error) {
	return NewOn("127.0.0.1:0")
}

// NewOn starts a server on addr, which must be a loopback address.
func NewOn(addr string) (*Server, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("oauthtest listens on loopback only, not %q", host)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{TokenLifetime: time.Hour, clients: map[string]*Client{}, now: time.Now, listener: ln}
	if _, err := s.RotateSigningKey(); err != nil {
		ln.Close()
		return nil, err
	}
	s.URL = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// cp copies c's slices, so that a registration is not changed through the caller's.
func (c Client) cp() Client {
	c.Secrets = append([]string(nil), c.Secrets...)
	c.TLSThumbprints = append([]string(nil), c.TLSThumbprints...)
	c.Keys = slices.Clone(c.Keys)
	return c
}

// Close stops the server, ending hanging requests.
func (s *Server) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = s.srv.Shutdown(ctx)
	_ = s.srv.Close()
}

// SetClock replaces the server's clock (for expiry tests).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

func (s *Server) clock() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.now()
}

// AddClient registers c, replacing any client with the same ID.
func (s *Server) AddClient(c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.Flavour == "" {
		c.Flavour = Generic
	}
	if c.Flavour == Keycloak && c.Realm == "" {
		c.Realm = "demo"
	}
	cp := c.cp()
	s.clients[c.ID] = &cp
}

// RotateSecret adds newSecret to the client's accepted secrets: old and new both work
// until RevokeSecret.
func (s *Server) RotateSecret(id, newSecret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("no client %q", id)
	}
	c.Secrets = append(c.Secrets, newSecret)
	return nil
}

// RevokeSecret stops accepting secret for the client.
func (s *Server) RevokeSecret(id, secret string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.clients[id]
	if !ok {
		return fmt.Errorf("no client %q", id)
	}
	kept := c.Secrets[:0]
	for _, x := range c.Secrets {
		if x != secret {
			kept = append(kept, x)
		}
	}
	c.Secrets = kept
	return nil
}

// RevokeIssuedTokens revokes every token issued so far, before its expiry, as a
// provider does after a key rollover or an incident: the API answers 401
// invalid_token to them; tokens issued afterwards work.
func (s *Server) RevokeIssuedTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.revoked == nil {
		s.revoked = map[string]bool{}
	}
	for _, id := range s.issued {
		s.revoked[id] = true
	}
	s.issued = nil
}

// SetMisbehaviour changes how the client's token requests are answered.
func (s *Server) SetMisbehaviour(id string, m Misbehaviour) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok {
		c.Misbehave = m
	}
}

// SetLifetime changes the lifetime of the client's tokens.
func (s *Server) SetLifetime(id string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.clients[id]; ok {
		c.Lifetime = d
	}
}

// RotateSigningKey makes a new RSA key the signing key; older keys stay published.
func (s *Server) RotateSigningKey() (string, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	kid := "k-" + randHex(6)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append([]signingKey{{kid: kid, key: k}}, s.keys...)
	return kid, nil
}

// PublicJWKS returns the published key set.
func (s *Server) PublicJWKS() jose.JSONWebKeySet {
	s.mu.Lock()
	defer s.mu.Unlock()
	var set jose.JSONWebKeySet
	for _, k := range s.keys {
		set.Keys = append(set.Keys, jose.JSONWebKey{Key: &k.key.PublicKey, KeyID: k.kid, Algorithm: string(jose.RS256), Use: "sig"})
	}
	return set
}

// TokenRequests counts token requests received (any outcome).
func (s *Server) TokenRequests() int64 { return s.tokenRequests.Load() }

// JWKSFetches counts JWKS downloads.
func (s *Server) JWKSFetches() int64 { return s.jwksFetches.Load() }

// APIRequests counts protected-API requests.
func (s *Server) APIRequests() int64 { return s.apiRequests.Load() }

// TokenURL is the token endpoint of a flavour (realm "demo" for Keycloak).
func (s *Server) TokenURL(f Flavour) string { return s.TokenURLRealm(f, "demo") }

// TokenURLRealm is the token endpoint of a flavour, with the Keycloak realm given.
func (s *Server) TokenURLRealm(f Flavour, realm string) string {
	switch f {
	case Keycloak:
		return s.URL + "/realms/" + realm + "/protocol/openid-connect/token"
	case EDS:
		return s.URL + "/eds/oauth2/token"
	case Cognito:
		return s.URL + "/oauth2/token"
	case Dashboard:
		return s.URL + "/dash/authenticate"
	case RawBasic:
		return s.URL + "/raw/token"
	}
	return s.URL + "/token"
}

// Issuer is the iss of tokens of a flavour: the realm URL for Keycloak, else the base.
func (s *Server) Issuer(f Flavour, realm string) string {
	if f == Keycloak {
		if realm == "" {
			realm = "demo"
		}
		return s.URL + "/realms/" + realm
	}
	return s.URL
}

// APIBaseURL is the base of the protected API of a flavour.
func (s *Server) APIBaseURL(f Flavour) string {
	if f == Dashboard {
		return s.URL + "/dash"
	}
	return s.URL + "/api"
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// waitOrDone sleeps d unless the request goes away first.
func waitOrDone(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func hang(r *http.Request) { <-r.Context().Done() }

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
