package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oatcli/oat/vault"
)

// Metadata is the part of an OpenID Connect discovery document / RFC 8414 authorization
// server metadata that oat uses.
type Metadata struct {
	Issuer           string   `json:"issuer"`
	TokenEndpoint    string   `json:"token_endpoint"`
	JWKSURI          string   `json:"jwks_uri"`
	TokenAuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	Scopes           []string `json:"scopes_supported"`
	GrantTypes       []string `json:"grant_types_supported"`
	// Source is the URL the document was read from.
	Source string `json:"-"`
}

// SuggestedAuth maps the advertised token endpoint auth methods to a profile auth
// method: basic or post when only one is offered, auto otherwise.
func (m *Metadata) SuggestedAuth() vault.AuthMethod {
	var basic, post bool
	for _, a := range m.TokenAuthMethods {
		switch a {
		case "client_secret_basic":
			basic = true
		case "client_secret_post":
			post = true
		}
	}
	switch {
	case basic && !post:
		return vault.AuthBasic
	case post && !basic:
		return vault.AuthPost
	}
	return vault.AuthAuto
}

// DiscoveryURLs lists where metadata for issuer may live, in the order tried: the OpenID
// Connect form (/.well-known/openid-configuration appended to the issuer), then RFC 8414's
// path-inserted forms (/.well-known/oauth-authorization-server/<path>, and the same for
// openid-configuration, which some servers use), then RFC 8414 appended.
func DiscoveryURLs(issuer string) ([]string, error) {
	u, err := url.Parse(strings.TrimSpace(issuer))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("issuer %q is not an http(s) URL", issuer)
	}
	if strings.Contains(u.Path, "/.well-known/") {
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

// ErrNoMetadata means no discovery location answered with a metadata document.
var ErrNoMetadata = errors.New("no discovery document found")

// Discover finds issuer's metadata, trying each location of DiscoveryURLs, and checks
// that the document names the same issuer (RFC 8414 §3.3). Results are cached.
func (c *Client) Discover(ctx context.Context, issuer string) (*Metadata, error) {
	key := strings.TrimRight(issuer, "/")
	c.mu.Lock()
	if m, ok := c.metas[key]; ok {
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	urls, err := DiscoveryURLs(issuer)
	if err != nil {
		return nil, err
	}
	if err := requireSafeURL(urls[0]); err != nil {
		return nil, err
	}
	var tried []string
	for _, mu := range urls {
		m, err := c.fetchMetadata(ctx, mu)
		if err != nil {
			if IsNetwork(err) {
				return nil, err
			}
			tried = append(tried, fmt.Sprintf("%s: %v", mu, err))
			continue
		}
		if !strings.Contains(issuer, "/.well-known/") && strings.TrimRight(m.Issuer, "/") != key {
			return nil, fmt.Errorf("discovery document at %s names issuer %q, not %q (RFC 8414 §3.3): refusing it", mu, m.Issuer, issuer)
		}
		c.mu.Lock()
		if c.metas == nil {
			c.metas = map[string]*Metadata{}
		}
		c.metas[key] = m
		c.mu.Unlock()
		return m, nil
	}
	return nil, fmt.Errorf("%w for %s; tried:\n  %s", ErrNoMetadata, Sanitize(issuer), strings.Join(tried, "\n  "))
}

func (c *Client) fetchMetadata(ctx context.Context, u string) (*Metadata, error) {
	body, status, err := c.getJSON(ctx, u)
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
	m.Issuer, m.TokenEndpoint, m.JWKSURI = Sanitize(m.Issuer), Sanitize(m.TokenEndpoint), Sanitize(m.JWKSURI)
	for i := range m.Scopes {
		m.Scopes[i] = Sanitize(m.Scopes[i])
	}
	for i := range m.TokenAuthMethods {
		m.TokenAuthMethods[i] = Sanitize(m.TokenAuthMethods[i])
	}
	m.Source = u
	return &m, nil
}

// getJSON GETs u (capped, with the client's deadline) and returns body and status.
func (c *Client) getJSON(ctx context.Context, u string) ([]byte, int, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "oat")
	resp, body, truncated, _, err := c.do(ctx, c.HTTP, req)
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
	if u.Scheme != "https" && !vault.IsLoopback(u.Hostname()) {
		return fmt.Errorf("refusing plain http for %s: discovery and keys must come over https", u.Host)
	}
	return nil
}
