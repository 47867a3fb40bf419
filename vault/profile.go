package vault

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/oatcli/oat/oauth"
)

// TestRequest is the request a profile sends to prove its token works at the API.
type TestRequest struct {
	Method  string            `toml:"method,omitempty" json:"method,omitempty"`
	Path    string            `toml:"path,omitempty" json:"path,omitempty"`
	Headers map[string]string `toml:"headers,omitempty" json:"headers,omitempty"`
	Body    string            `toml:"body,omitempty" json:"body,omitempty"`
}

// Profile is one client-credentials configuration. It never holds a secret: the secret
// lives in a SecretStore under the profile's stable ID, and the profile records only its
// fingerprint and when it was set.
type Profile struct {
	// ID is stable for the life of the profile (renames keep it) and keys its secrets.
	ID          string `toml:"id" json:"id"`
	Name        string `toml:"name" json:"name"`
	Environment string `toml:"environment,omitempty" json:"environment,omitempty"`

	TokenURL      string              `toml:"token_url" json:"token_url"`
	ClientID      string              `toml:"client_id" json:"client_id"`
	Scopes        []string            `toml:"scopes,omitempty" json:"scopes,omitempty"`
	Audience      string              `toml:"audience,omitempty" json:"audience,omitempty"`
	Resource      string              `toml:"resource,omitempty" json:"resource,omitempty"`
	ExtraParams   map[string]string   `toml:"extra_params,omitempty" json:"extra_params,omitempty"`
	AuthMethod    oauth.AuthMethod    `toml:"auth_method" json:"auth_method"`
	BasicEncoding oauth.BasicEncoding `toml:"basic_encoding,omitempty" json:"basic_encoding,omitempty"`
	// KeyAlg is the JWS algorithm a private_key_jwt profile signs with (RS256, PS256,
	// ES256, EdDSA; "" = the key's default); SigningAlgs are the server's
	// token_endpoint_auth_signing_alg_values_supported, kept from discovery, which win.
	KeyAlg      string   `toml:"key_alg,omitempty" json:"key_alg,omitempty"`
	SigningAlgs []string `toml:"signing_algs,omitempty" json:"signing_algs,omitempty"`
	// AssertionAudience is the aud of client assertions: "" for the token URL, "issuer"
	// for the issuer (some servers want it).
	AssertionAudience string `toml:"assertion_audience,omitempty" json:"assertion_audience,omitempty"`
	// DetectedAuth records which method worked when AuthMethod is auto.
	DetectedAuth oauth.AuthMethod `toml:"detected_auth,omitempty" json:"detected_auth,omitempty"`

	APIBaseURL  string      `toml:"api_base_url,omitempty" json:"api_base_url,omitempty"`
	TestRequest TestRequest `toml:"test_request,omitempty" json:"test_request,omitempty"`
	// Issuer is the issuer the token URL was discovered from (RFC 8414 / OpenID Connect
	// discovery). When set, a token's signature is verified only if its iss is exactly
	// this issuer.
	Issuer string `toml:"issuer,omitempty" json:"issuer,omitempty"`

	// InsecureHTTP allows plain http:// URLs on hosts other than loopback.
	InsecureHTTP bool `toml:"insecure_http,omitempty" json:"insecure_http,omitempty"`
	// CAFile is an extra PEM bundle trusted for this profile's TLS connections.
	CAFile string `toml:"ca_file,omitempty" json:"ca_file,omitempty"`
	Notes  string `toml:"notes,omitempty" json:"notes,omitempty"`

	CreatedAt time.Time `toml:"created_at" json:"created_at"`
	// SecretFingerprint is the first 8 hex digits of SHA-256 of the active secret.
	SecretFingerprint string    `toml:"secret_fingerprint,omitempty" json:"secret_fingerprint,omitempty"`
	SecretSetAt       time.Time `toml:"secret_set_at,omitempty" json:"secret_set_at,omitempty"`
	// PreviousFingerprint names the secret kept aside after a rotation until it is
	// confirmed revoked and dropped.
	PreviousFingerprint string `toml:"previous_fingerprint,omitempty" json:"previous_fingerprint,omitempty"`
	// KeyThumbprint is the RFC 7638 SHA-256 thumbprint of a private_key_jwt profile's
	// public key: the kid of its assertions, what the provider shows for the registered
	// key. SecretFingerprint stays the fingerprint of the stored value (the private
	// key's PEM), which rotation and the request checks compare with the store.
	KeyThumbprint string `toml:"key_thumbprint,omitempty" json:"key_thumbprint,omitempty"`
	// KeyID is the kid of the profile's assertions when its key came with one of its
	// own (an imported JWK's kid, under which the provider registered it); empty when
	// KeyThumbprint is the kid. The stored key carries it too (so a rotation keeps the
	// new key's own); this copy is for showing without unlocking the store.
	KeyID string `toml:"key_id,omitempty" json:"key_id,omitempty"`
	// PreviousKeyThumbprint is the thumbprint of the key kept aside after a key
	// rotation (PreviousFingerprint names the same key's stored PEM): the kid the user
	// finds at the provider to revoke it. For a mutual-TLS profile it is the x5t#S256 of
	// the certificate kept aside after a certificate rotation (see cert_rotation.go).
	PreviousKeyThumbprint string `toml:"previous_key_thumbprint,omitempty" json:"previous_key_thumbprint,omitempty"`
	// PreviousKeyID is that key's own kid ("" when its thumbprint was its kid).
	PreviousKeyID string `toml:"previous_key_id,omitempty" json:"previous_key_id,omitempty"`
	// ClientCert is the client certificate chain (PEM, leaf first) of a tls_client_auth
	// or self_signed_tls_client_auth profile: public; its private key is the profile's
	// credential in the secret store (see client_cert.go). A private_key_jwt profile may
	// have one too: the certificate of its key, for providers that register
	// certificates (Entra ID); its assertions then name it by x5t and x5t#S256.
	ClientCert string `toml:"client_cert,multiline,omitempty" json:"client_cert,omitempty"`
}

// FieldError is a validation failure of one profile field.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// validName: 1-40 of letters, digits, '.', '_' or '-', starting with a letter or digit.
// Checked by hand: a compiled {0,39} repetition costs most of a millisecond at start-up,
// and start-up is what `oat token` is measured by.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 40 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && (i == 0 || (c != '.' && c != '_' && c != '-')) {
			return false
		}
	}
	return true
}

// ErrInvalidProfile is wrapped by every validation error so callers can branch on it.
var ErrInvalidProfile = errors.New("invalid profile")

// Validate checks every field and returns all problems at once, each naming its field.
// Fields that are not free text refuse control characters; notes and a test body may
// hold line breaks and tabs.
func (p *Profile) Validate() error {
	return invalid(p.Name, append(p.problems(true), p.settingErrors(nil)...))
}

// ValidateEdit is Validate for an edit of old: the rules that a saved profile may
// predate (settingErrors) apply only to the fields the edit changes, as the vault
// applies them when it saves the edit.
func (p *Profile) ValidateEdit(old Profile) error {
	return invalid(p.Name, append(p.problems(true), p.settingErrors(&old)...))
}

// validate is Validate; text says whether control characters are checked. Loading a
// file does not check them: a hand edit must not make the whole file unreadable, and
// what is shown is escaped anyway. Writing a profile does.
func (p *Profile) validate(text bool) error { return invalid(p.Name, p.problems(text)) }

// invalid wraps the problems of the profile called name as one ErrInvalidProfile (nil
// when there are none).
func invalid(name string, errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return fmt.Errorf("%w %q: %w", ErrInvalidProfile, name, errors.Join(errs...))
}

// problems are what validate finds.
func (p *Profile) problems(text bool) []error {
	var errs []error
	add := func(field, format string, a ...any) {
		errs = append(errs, &FieldError{Field: field, Problem: fmt.Sprintf(format, a...)})
	}
	if !validName(p.Name) {
		add("name", "%q is not a valid name: use 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit", p.Name)
	}
	if p.TokenURL == "" {
		add("token_url", "is required (the provider's token endpoint, e.g. https://sso.example.com/realms/x/protocol/openid-connect/token)")
	} else if err := checkURL(p.TokenURL, p.InsecureHTTP); err != nil {
		add("token_url", "%v", err)
	}
	if p.AuthMethod.IsTLSAuth() && p.TokenURL != "" && !strings.HasPrefix(strings.ToLower(strings.TrimSpace(p.TokenURL)), "https://") {
		// Over plain http the request would go with no client authentication at all.
		add("token_url", "must be https for %s: the client certificate is presented in the TLS handshake, which plain http has none of", p.AuthMethod)
	}
	if strings.TrimSpace(p.ClientID) == "" {
		add("client_id", "is required")
	}
	switch p.AuthMethod {
	case oauth.AuthBasic, oauth.AuthPost, oauth.AuthAuto, oauth.AuthPrivateKeyJWT, oauth.AuthClientSecretJWT,
		oauth.AuthTLS, oauth.AuthSelfSignedTLS:
	case "":
		add("auth_method", "is required: basic, post, auto, private_key_jwt, client_secret_jwt, tls_client_auth or self_signed_tls_client_auth")
	default:
		add("auth_method", "%q is not one of basic, post, auto, private_key_jwt, client_secret_jwt, tls_client_auth, self_signed_tls_client_auth", p.AuthMethod)
	}
	if p.KeyAlg != "" && !slices.Contains(oauth.KeyGenAlgs, p.KeyAlg) {
		add("key_alg", "%q is not one of %s", p.KeyAlg, strings.Join(oauth.KeyGenAlgs, ", "))
	}
	switch p.AssertionAudience {
	case oauth.AudienceTokenEndpoint:
	case oauth.AudienceIssuer:
		if p.Issuer == "" {
			add("assertion_audience", "is the issuer, but the profile has no issuer: discover it from the issuer's URL (oat edit NAME --discover ISSUER_URL), or keep the token URL as the audience")
		}
	default:
		add("assertion_audience", "%q is not \"issuer\" (or empty, for the token URL)", p.AssertionAudience)
	}
	switch p.DetectedAuth {
	case "", oauth.AuthBasic, oauth.AuthPost:
	default:
		add("detected_auth", "%q is not one of basic, post", p.DetectedAuth)
	}
	switch p.BasicEncoding {
	case "", oauth.BasicRFC, oauth.BasicRaw:
	default:
		add("basic_encoding", "%q is not one of rfc, raw", p.BasicEncoding)
	}
	for _, s := range p.Scopes {
		if s == "" || strings.ContainsAny(s, " \"\\") {
			add("scopes", "%q is not a valid scope (no spaces, quotes or backslashes; give several scopes separately)", s)
		}
	}
	if p.APIBaseURL != "" {
		if err := checkURL(p.APIBaseURL, p.InsecureHTTP); err != nil {
			add("api_base_url", "%v", err)
		}
	}
	if p.Issuer != "" {
		if err := checkURL(p.Issuer, p.InsecureHTTP); err != nil {
			add("issuer", "%v", err)
		}
	}
	if text { // on write only: a hand edit must not make the whole file unreadable
		if err := p.checkClientCert(); err != nil {
			errs = append(errs, err)
		}
		errs = append(errs, p.textErrors()...)
		errs = append(errs, p.templateErrors()...)
	}
	if m := p.TestRequest.Method; m != "" && !validMethod(m) {
		add("test_request.method", "%q is not an HTTP method", m)
	}
	for k := range p.TestRequest.Headers {
		if !validHeaderName(k) {
			add("test_request.headers", "%q is not a valid header name", k)
		}
	}
	for k := range p.ExtraParams {
		switch k {
		case "", "grant_type", "client_id", "client_secret", "client_assertion", "client_assertion_type":
			add("extra_params", "%q cannot be set as an extra parameter", k)
		}
	}
	return errs
}

// settingErrors are mistakes that a profile file holds without harm but that make
// every request fail (scopes separated by commas, a test path with nowhere to go):
// checked when those fields are set — by Validate (old nil), and by an edit that
// changes them (old: the profile before it) — and never when another change (a
// rotation, the auth detected) rewrites a profile saved before the rule existed.
func (p *Profile) settingErrors(old *Profile) []error {
	var errs []error
	add := func(field, problem string) { errs = append(errs, &FieldError{Field: field, Problem: problem}) }
	if old == nil || !sameStrings(old.Scopes, p.Scopes) {
		for _, s := range p.Scopes {
			if strings.Contains(s, ",") {
				add("scopes", "scopes are separated by spaces, not commas")
				break
			}
		}
	}
	if old == nil || old.TestRequest.Path != p.TestRequest.Path || old.APIBaseURL != p.APIBaseURL {
		if p.TestRequest.Path != "" && p.APIBaseURL == "" && !oauth.IsAbsoluteURL(p.TestRequest.Path) {
			add("test_request.path", "a test request needs an API base URL, or make the path a full URL")
		}
	}
	return errs
}

// checkURL requires an absolute http(s) URL, and https unless the host is loopback or
// plain HTTP was explicitly allowed.
func checkURL(raw string, insecureOK bool) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q does not parse as a URL: %v", raw, err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q must start with https://", raw)
	}
	if u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	if u.User != nil {
		return fmt.Errorf("%q must not carry credentials in the URL", redactUserinfo(u))
	}
	if u.Scheme == "http" && !insecureOK && !oauth.IsLoopback(u.Hostname()) {
		return fmt.Errorf("%q uses plain http on a non-loopback host; use https, or allow it explicitly with insecure_http", raw)
	}
	return nil
}

func redactUserinfo(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}

func validMethod(m string) bool {
	switch strings.ToUpper(m) {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func validHeaderName(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return true
}

// EffectiveAuth is the method to use for the next request: the detected one when the
// profile says auto and a method already worked.
func (p *Profile) EffectiveAuth() oauth.AuthMethod {
	if p.AuthMethod == oauth.AuthAuto && p.DetectedAuth != "" {
		return p.DetectedAuth
	}
	return p.AuthMethod
}

// SortedScopes returns the scopes sorted, for stable display.
func (p *Profile) SortedScopes() []string {
	s := append([]string(nil), p.Scopes...)
	sort.Strings(s)
	return s
}

// templateErrors are the {name}s a profile cannot fill in: unknown names in the API URL
// and test path, and any name in the token URL (where none is filled in).
func (p *Profile) templateErrors() []error {
	var errs []error
	if _, err := oauth.ExpandURL(p.APIBaseURL, p.URLVars()); err != nil {
		errs = append(errs, &FieldError{Field: "api_base_url", Problem: err.Error()})
	}
	if _, err := oauth.ExpandURL(p.TestRequest.Path, p.URLVars()); err != nil {
		errs = append(errs, &FieldError{Field: "test_request.path", Problem: err.Error()})
	}
	if _, err := oauth.ExpandURL(p.TokenURL, nil); err != nil {
		errs = append(errs, &FieldError{Field: "token_url", Problem: "holds a {name}: names such as {client_id} are filled in only in api_base_url and test_request.path"})
	}
	return errs
}
