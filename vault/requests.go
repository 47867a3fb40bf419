package vault

import (
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/oatcli/oat/oauth"
)

// MaxCAFile bounds a profile's ca_file: the whole Mozilla bundle is about 220 KiB.
const MaxCAFile = 1 << 20

// caPEM reads the profile's extra CA bundle (a regular file of at most MaxCAFile: a
// FIFO or /dev/zero must not hang or exhaust oat); nil when it has none.
func (p Profile) caPEM() ([]byte, error) {
	if p.CAFile == "" {
		return nil, nil
	}
	pem, err := ReadFileLimited(p.CAFile, MaxCAFile)
	if err != nil {
		return nil, fmt.Errorf("read the profile's CA file: %w", err)
	}
	return pem, nil
}

// CA is the profile's extra CA bundle, its path and PEM (both empty: none), for the
// requests that are not a token request or a test call (discovery, verification's
// JWKS fetch): every request of a profile trusts the same CAs.
func (p Profile) CA() (string, []byte, error) {
	pem, err := p.caPEM()
	return p.CAFile, pem, err
}

// CheckCAFile says what is wrong with path as a profile's ca_file (nil for none): it
// must be a readable regular file of at most MaxCAFile holding at least one PEM
// certificate. The vault checks it when a profile is added or its CA file changes, and
// the app's form as it is typed, so that a wrong path fails when it is set, not at
// the next fetch.
func CheckCAFile(path string) error {
	if path == "" {
		return nil
	}
	bad := func(format string, a ...any) error {
		return &FieldError{Field: "ca_file", Problem: fmt.Sprintf(format, a...)}
	}
	pem, err := ReadFileLimited(path, MaxCAFile)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return bad("%s: no such file", oauth.OneLine(path))
	case errors.Is(err, fs.ErrPermission):
		return bad("%s cannot be read (permission denied)", oauth.OneLine(path))
	case errors.Is(err, ErrNotRegularFile) || errors.Is(err, ErrFileTooLarge):
		var pe *fs.PathError
		if errors.As(err, &pe) {
			what := pe.Err.Error() // "is a FIFO, not a regular file", "larger than 1 MiB"
			if !strings.HasPrefix(what, "is ") {
				what = "is " + what
			}
			return bad("%s %s", oauth.OneLine(pe.Path), oauth.OneLine(what))
		}
		return bad("%s", oauth.OneLine(err.Error()))
	case err != nil:
		return bad("%s cannot be read: %s", oauth.OneLine(path), oauth.OneLine(err.Error()))
	}
	// The pool the TLS client is built from: a file it takes no certificate from
	// would verify nothing.
	if !x509.NewCertPool().AppendCertsFromPEM(pem) {
		return bad("%s holds no PEM certificate (no BEGIN CERTIFICATE block that parses)", oauth.OneLine(path))
	}
	return nil
}

// TokenRequest is the profile's client-credentials token request with the given secret.
func (p Profile) TokenRequest(secret string) (oauth.TokenRequest, error) {
	pem, err := p.caPEM()
	if err != nil {
		return oauth.TokenRequest{}, err
	}
	req := oauth.TokenRequest{
		TokenURL: p.TokenURL, ClientID: p.ClientID, ClientSecret: secret, Scopes: p.Scopes,
		Audience: p.Audience, Resource: p.Resource, Extra: p.ExtraParams,
		Auth: p.EffectiveAuth(), Encoding: p.BasicEncoding, CAFile: p.CAFile, CAPEM: pem,
		SigningAlg: p.KeyAlg, SigningAlgs: p.SigningAlgs, AssertionAudience: p.AssertionAudience, Issuer: p.Issuer,
	}
	if p.AuthMethod == oauth.AuthPrivateKeyJWT {
		// The stored credential is the private key; no secret goes anywhere.
		m, err := oauth.ParseKeyMaterial([]byte(secret))
		if err != nil {
			return oauth.TokenRequest{}, fmt.Errorf("the stored credential of %q is not a usable private key (%v): set one with oat keygen", p.Name, err)
		}
		req.ClientKey, req.ClientSecret, req.KeyID = m.Key, "", m.KeyID
		if len(m.Chain) > 0 {
			req.KeyCert = m.Chain[0]
		}
	}
	if CredentialOf(p.AuthMethod) == CredCert {
		// The stored credential is the certificate's key: presented in the handshake,
		// never sent.
		cc, err := p.certWithKey(secret)
		if err != nil {
			return oauth.TokenRequest{}, err
		}
		req.Cert, req.ClientSecret = cc, ""
	}
	return req, nil
}

// CallRequestWith is CallRequest for a profile whose token may be bound to its client
// certificate (RFC 8705 §3): with the stored credential secret, the call presents the
// certificate to the API too. Other profiles ignore secret.
func (p Profile) CallRequestWith(token, secret string) (oauth.CallRequest, error) {
	req, err := p.CallRequest(token)
	if err != nil || CredentialOf(p.AuthMethod) != CredCert {
		return req, err
	}
	if req.Cert, err = p.certWithKey(secret); err != nil {
		return oauth.CallRequest{}, err
	}
	return req, nil
}

// CallRequest is the profile's test request with the given token: {client_id} in its
// API URL and path is filled from the profile (see oauth.ExpandURL).
func (p Profile) CallRequest(token string) (oauth.CallRequest, error) {
	pem, err := p.caPEM()
	if err != nil {
		return oauth.CallRequest{}, err
	}
	return oauth.CallRequest{Method: p.TestRequest.Method, Target: p.TestRequest.Path, BaseURL: p.APIBaseURL,
		Headers: p.TestRequest.Headers, Body: []byte(p.TestRequest.Body), Token: token, CAFile: p.CAFile, CAPEM: pem,
		AllowInsecure: p.InsecureHTTP, Vars: p.URLVars()}, nil
}

// HasTestCall says whether the profile has a test request to run.
func (p Profile) HasTestCall() bool {
	return p.APIBaseURL != "" || oauth.IsAbsoluteURL(p.TestRequest.Path)
}

// CachedFrom is what the cache keeps of a token response.
func CachedFrom(t *oauth.Token) CachedToken {
	return CachedToken{AccessToken: t.AccessToken, TokenType: t.TokenType, ExpiresAt: t.ExpiresAt, Scopes: t.Scopes, FetchedAt: t.IssuedAt}
}

// CrossOrigin says whether the test request r sends the profile's token to another
// origin (scheme, host, port) than the profile's API URL: a full URL typed as its path,
// perhaps to a host that collects tokens. to and api are the two origins. A path, or a
// profile without an API URL to compare with, is not cross-origin.
func (p Profile) CrossOrigin(r TestRequest) (to, api string, cross bool) {
	if p.APIBaseURL == "" || !oauth.IsAbsoluteURL(r.Path) {
		return "", "", false
	}
	vars := p.URLVars()
	t, err := oauth.ExpandURL(r.Path, vars)
	if err != nil {
		return "", "", false
	}
	b, err := oauth.ExpandURL(p.APIBaseURL, vars)
	if err != nil {
		return "", "", false
	}
	to, api = oauth.Origin(t), oauth.Origin(b)
	return to, api, to != api
}

// CrossOriginError says a saved test request was not sent: it would send the token to
// another origin than the profile's API URL, and nobody confirmed it.
type CrossOriginError struct{ To, API string }

func (e *CrossOriginError) Error() string {
	return fmt.Sprintf("the test request sends the token to %s, not to the API URL's %s", e.To, e.API)
}

// GetByID returns the profile with ID id, whatever it is called now.
func (v *Vault) GetByID(id string) (Profile, error) {
	ps, err := v.Profiles.Load()
	if err != nil {
		return Profile{}, err
	}
	for _, p := range ps {
		if p.ID == id {
			return p, nil
		}
	}
	return Profile{}, fmt.Errorf("%w: it was removed since this screen opened", ErrProfileNotFound)
}

// Changes names what changed from p to q that a test call depends on ("API URL a →
// b", "client ID", "token URL"): where the token goes and whose it is.
func (p Profile) Changes(q Profile) []string {
	var out []string
	if p.APIBaseURL != q.APIBaseURL {
		out = append(out, "API URL "+oauth.OneLine(p.APIBaseURL)+" → "+oauth.OneLine(q.APIBaseURL))
	}
	if p.ClientID != q.ClientID {
		out = append(out, "client ID "+oauth.OneLine(p.ClientID)+" → "+oauth.OneLine(q.ClientID))
	}
	if p.TokenURL != q.TokenURL {
		out = append(out, "token URL "+oauth.OneLine(p.TokenURL)+" → "+oauth.OneLine(q.TokenURL))
	}
	return out
}
