package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Metadata is the part of an OpenID Connect discovery document / RFC 8414 authorization
// server metadata that oat uses.
type Metadata struct {
	Issuer           string   `json:"issuer"`
	TokenEndpoint    string   `json:"token_endpoint"`
	JWKSURI          string   `json:"jwks_uri"`
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	// TokenAuthSigningAlgs are the JWS algorithms the token endpoint accepts in client
	// assertions (private_key_jwt, client_secret_jwt).
	TokenAuthSigningAlgs []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	Scopes               []string `json:"scopes_supported"`
	// MTLSEndpointAliases are the endpoints a server takes mutual TLS at when they
	// are not its usual ones (RFC 8705 §5); oat uses the token endpoint's.
	MTLSEndpointAliases struct {
		TokenEndpoint string `json:"token_endpoint"`
	} `json:"mtls_endpoint_aliases"`
	GrantTypes []string `json:"grant_types_supported"`
	// Source is the URL the document was read from.
	Source string `json:"-"`
}

// SuggestedAuth maps the advertised token endpoint auth methods to a profile auth
// method (SuggestAuth says why).
func (m *Metadata) SuggestedAuth() AuthMethod { return m.SuggestAuth().Method }

// AuthSuggestion is the auth method discovery suggests for a profile, and why, in
// words of oat's own (never the server's text).
type AuthSuggestion struct {
	Method AuthMethod
	Why    string
}

// Beyond says the method suggested is not a client secret in the header or the body
// (basic, post, auto): a front end says Why, as the user may hold a client secret and
// be asked for a key or a certificate.
func (s AuthSuggestion) Beyond() bool {
	return s.Method != AuthBasic && s.Method != AuthPost && s.Method != AuthAuto
}

// beyondSecrets are the methods oat suggests to a server that takes no client secret
// in the header or the body, in order: a key oat can generate, a secret in a JWT,
// then mutual TLS (a certificate to get from the provider's CA, or self-signed).
var beyondSecrets = []struct {
	m   AuthMethod
	why string
}{
	{AuthPrivateKeyJWT, "it lists private_key_jwt: a JWT signed with a private key (oat can generate one)"},
	{AuthClientSecretJWT, "it lists client_secret_jwt: a JWT signed with the client secret"},
	{AuthTLS, "it lists tls_client_auth: mutual TLS with a certificate from its CA"},
	{AuthSelfSignedTLS, "it lists self_signed_tls_client_auth: mutual TLS with a self-signed certificate"},
}

// SuggestAuth maps the advertised token endpoint auth methods to a profile auth
// method: basic or post when only one of the two is offered, auto when both are (or
// nothing is listed); a server that offers neither gets the first of
// private_key_jwt, client_secret_jwt, tls_client_auth, self_signed_tls_client_auth it
// lists, and auto when it lists none oat supports.
func (m *Metadata) SuggestAuth() AuthSuggestion {
	listed := map[string]bool{}
	for _, a := range m.TokenAuthMethods {
		listed[a] = true
	}
	basic, post := listed["client_secret_basic"], listed["client_secret_post"]
	switch {
	case len(m.TokenAuthMethods) == 0:
		return AuthSuggestion{AuthAuto, "the server lists no auth methods: auto tries Basic, then the body"}
	case basic && post:
		return AuthSuggestion{AuthAuto, "the server takes both client_secret_basic and client_secret_post: auto tries Basic, then the body"}
	case basic:
		return AuthSuggestion{AuthBasic, "the server takes client_secret_basic, not client_secret_post"}
	case post:
		return AuthSuggestion{AuthPost, "the server takes client_secret_post, not client_secret_basic"}
	}
	for _, b := range beyondSecrets {
		if listed[string(b.m)] {
			return AuthSuggestion{b.m, "the server lists no client_secret_basic or client_secret_post; " + b.why}
		}
	}
	return AuthSuggestion{AuthAuto, "the server lists none oat supports: auto tries Basic, then the body"}
}

// DiscoveryURLs lists where metadata for issuer may live, in the order tried: the OpenID
// Connect form (/.well-known/openid-configuration appended to the issuer), then RFC 8414's
// path-inserted forms (/.well-known/oauth-authorization-server/<path>, and the same for
// openid-configuration, which some servers use), then RFC 8414 appended. An issuer that
// is itself a metadata URL (its path holds /.well-known/) is the one place to look.
func DiscoveryURLs(issuer string) ([]string, error) {
	return discoveryURLs(issuer, true)
}

// discoveryURLs is DiscoveryURLs; metadataURLs says whether a metadata URL given as the
// issuer is used as it is (typed by a person) or treated as an issuer like any other (a
// token's iss claim, which RFC 7519 makes an issuer identifier, never a document).
func discoveryURLs(issuer string, metadataURLs bool) ([]string, error) {
	u, err := parseIssuer(issuer)
	if err != nil {
		return nil, err
	}
	if metadataURLs && strings.Contains(u.Path, "/.well-known/") {
		return []string{u.String()}, nil // already a metadata URL
	}
	path := strings.TrimRight(u.Path, "/")
	at := func(p string) string {
		c := *u
		c.Path, c.RawPath, c.RawQuery, c.Fragment = p, "", "", ""
		return c.String()
	}
	urls := []string{at(path + "/.well-known/openid-configuration")}
	if path != "" {
		urls = append(urls,
			at("/.well-known/oauth-authorization-server"+path),
			at("/.well-known/openid-configuration"+path),
			at(path+"/.well-known/oauth-authorization-server"))
	} else {
		urls = append(urls, at("/.well-known/oauth-authorization-server"))
	}
	return urls, nil
}

// CheckIssuerURL says what is wrong with an issuer URL a person typed: it must be an
// http(s) URL with a host and without credentials (user:password@, which Go's client
// would send as Basic auth to every discovery location, and which errors would echo).
// Errors show the URL with its credentials REDACTED.
func CheckIssuerURL(issuer string) error {
	_, err := parseIssuer(issuer)
	return err
}

// userinfoRE is the user:password@ part of a URL that may not parse.
var userinfoRE = regexp.MustCompile(`^(\s*[A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@`)

// RedactUserinfo is raw with the user:password@ of a URL replaced by REDACTED@, also
// when raw does not parse as a URL.
func RedactUserinfo(raw string) string {
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil && u.User != nil {
		c := *u
		c.User = url.User("REDACTED")
		return c.String()
	}
	return userinfoRE.ReplaceAllString(raw, "${1}REDACTED@")
}

func parseIssuer(issuer string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(issuer))
	if err == nil && u.User != nil || err != nil && userinfoRE.MatchString(issuer) {
		return nil, fmt.Errorf("issuer %q must not carry credentials in the URL (user:password@): discovery needs none", RedactUserinfo(issuer))
	}
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("issuer %q is not an http(s) URL", issuer)
	}
	return u, nil
}

// ErrNoMetadata means no discovery location answered with a metadata document.
var ErrNoMetadata = errors.New("no discovery document found")

// ErrIssuerMismatch means a metadata document names another issuer than the one it was
// looked up for: its keys and endpoints are not that issuer's (RFC 8414 §3.3).
var ErrIssuerMismatch = errors.New("issuer mismatch")

// Discover finds the metadata of an issuer a person typed (oat add --discover, the
// app's form), trying each location of DiscoveryURLs. The document must name that issuer
// (RFC 8414 §3.3), give or take a trailing slash; a metadata URL typed instead of an
// issuer must be where the issuer the document names publishes it. Results are cached.
func (c *Client) Discover(ctx context.Context, issuer string) (*Metadata, error) {
	return c.DiscoverWithCA(ctx, issuer, "", nil)
}

// DiscoverWithCA is Discover trusting, beside the system roots, the profile's extra CA
// bundle caPEM read from caFile (both empty: the system roots only), as its token
// requests and test calls do.
func (c *Client) DiscoverWithCA(ctx context.Context, issuer, caFile string, caPEM []byte) (*Metadata, error) {
	hc, err := c.httpFor(caFile, caPEM, nil)
	if err != nil {
		return nil, err
	}
	return c.discover(ctx, hc, strings.TrimSpace(issuer), true)
}

// discover looks up issuer's metadata. typed relaxes the match for a person's input
// (see Discover); otherwise, as for a token's iss, the document's issuer must be
// exactly the one asked for, byte for byte.
func (c *Client) discover(ctx context.Context, hc *http.Client, issuer string, typed bool) (*Metadata, error) {
	// Cached per HTTP client too: a document read trusting one profile's CA is not
	// handed to a profile that does not trust it.
	key := fmt.Sprintf("%p %s", hc, issuer)
	if typed {
		key = "typed " + key
	}
	c.mu.Lock()
	if m, ok := c.metas[key]; ok {
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	urls, err := discoveryURLs(issuer, typed)
	if err != nil {
		return nil, err
	}
	if err := requireSafeURL(urls[0]); err != nil {
		return nil, err
	}
	var tried []string
	for _, mu := range urls {
		m, err := c.fetchMetadata(ctx, hc, mu)
		if err != nil {
			if IsNetwork(err) {
				return nil, err
			}
			tried = append(tried, fmt.Sprintf("%s: %v", mu, err))
			continue
		}
		if !issuerMatches(m.Issuer, issuer, mu, typed) {
			return nil, fmt.Errorf("%w: the discovery document at %s names issuer %q, not %q (RFC 8414 §3.3): refusing it", ErrIssuerMismatch, mu, m.Issuer, issuer)
		}
		c.mu.Lock()
		if c.metas == nil {
			c.metas = map[string]*Metadata{}
		}
		c.metas[key] = m
		c.mu.Unlock()
		return m, nil
	}
	return nil, fmt.Errorf("%w for %s; tried:\n  %s", ErrNoMetadata, OneLine(issuer), strings.Join(tried, "\n  "))
}

// issuerMatches says whether a document read from docURL and naming issuer got is the
// metadata of the issuer asked for.
func issuerMatches(got, asked, docURL string, typed bool) bool {
	if !typed {
		return got == asked
	}
	if u, err := url.Parse(asked); err == nil && strings.Contains(u.Path, "/.well-known/") {
		urls, err := discoveryURLs(got, false)
		return err == nil && slices.Contains(urls, docURL)
	}
	return strings.TrimRight(got, "/") == strings.TrimRight(asked, "/")
}

// Origin is the scheme, host and port of a URL as scheme://host[:port], lower-cased,
// without a default port (80 for http, 443 for https).
func Origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return OneLine(raw)
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return OneLine(scheme + "://" + host)
}

// TokenEndpointFor is the token endpoint a client that authenticates with a uses:
// for mutual TLS the mtls_endpoint_aliases one when the server gives it (RFC 8705 §5:
// the usual endpoint may not ask for a client certificate), else token_endpoint.
func (m *Metadata) TokenEndpointFor(a AuthMethod) string {
	if a.IsTLSAuth() && m.MTLSEndpointAliases.TokenEndpoint != "" {
		return m.MTLSEndpointAliases.TokenEndpoint
	}
	return m.TokenEndpoint
}

// TokenEndpointOrigin is TokenEndpointOriginFor the method SuggestAuth suggests (what
// the app's form takes from discovery).
func (m *Metadata) TokenEndpointOrigin() (issuer, token string, cross bool) {
	return m.TokenEndpointOriginFor(m.SuggestedAuth())
}

// TokenEndpointOriginFor returns the origin of the issuer and that of the token
// endpoint a client authenticating with a uses, and whether they differ. A token
// endpoint on another origin is where the client's credentials will go: the issuer's
// discovery document alone does not prove that host is the issuer's, so oat asks
// before it accepts one (--yes in the CLI, a second enter in the app's form).
func (m *Metadata) TokenEndpointOriginFor(a AuthMethod) (issuer, token string, cross bool) {
	issuer, token = Origin(m.Issuer), Origin(m.TokenEndpointFor(a))
	return issuer, token, issuer != token
}

func (c *Client) fetchMetadata(ctx context.Context, hc *http.Client, u string) (*Metadata, error) {
	body, status, err := c.getJSON(ctx, hc, u)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d", status)
	}
	var m Metadata
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("not a JSON metadata document")
	}
	if m.Issuer == "" {
		return nil, fmt.Errorf("document has no issuer")
	}
	// The URLs are used, stored in profiles and compared, not only shown: one with a
	// control character is refused, never quietly cleaned into another URL.
	for _, f := range []struct{ name, val string }{{"issuer", m.Issuer}, {"token_endpoint", m.TokenEndpoint}, {"jwks_uri", m.JWKSURI},
		{"mtls_endpoint_aliases.token_endpoint", m.MTLSEndpointAliases.TokenEndpoint}} {
		if OneLine(f.val) != f.val {
			return nil, fmt.Errorf("the document's %s holds control characters: %s", f.name, OneLine(f.val))
		}
		// Credentials in a URL the server gives would be sent (as Basic auth) with the
		// client's own, and shown wherever the URL is: refused, shown REDACTED.
		if pu, err := url.Parse(f.val); err == nil && pu.User != nil || err != nil && userinfoRE.MatchString(f.val) {
			return nil, fmt.Errorf("the document's %s %q carries credentials (user:password@): a server must not hand them out", f.name, RedactUserinfo(f.val))
		}
	}
	for i := range m.Scopes {
		m.Scopes[i] = Sanitize(m.Scopes[i])
	}
	for i := range m.TokenAuthMethods {
		m.TokenAuthMethods[i] = Sanitize(m.TokenAuthMethods[i])
	}
	if m.TokenAuthSigningAlgs != nil {
		m.TokenAuthSigningAlgs = SigningAlgNames(m.TokenAuthSigningAlgs)
	}
	m.Source = u
	return &m, nil
}

// getJSON GETs u (capped, with the client's deadline) and returns body and status.
func (c *Client) getJSON(ctx context.Context, hc *http.Client, u string) ([]byte, int, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "oat")
	resp, body, truncated, _, err := c.do(ctx, hc, nil, req)
	if err != nil {
		return nil, 0, err
	}
	if truncated {
		return nil, resp.StatusCode, fmt.Errorf("response over %d bytes", c.maxBody())
	}
	return body, resp.StatusCode, nil
}

// requireSafeURL refuses plain http except on loopback: key material fetched over
// plain http proves nothing.
func requireSafeURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	if u.Scheme != "https" && !IsLoopback(u.Hostname()) {
		return fmt.Errorf("refusing plain http for %s: discovery and keys must come over https", u.Host)
	}
	return nil
}
