package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"unicode/utf8"
)

// OAuthError is an error response of RFC 6749 §5.2 (or one carried, against the RFC, in
// a 200 response). Every string in it has been sanitized.
type OAuthError struct {
	Status      int
	Code        string
	Description string
	URI         string
	// In200 is set when the server answered 200 but the body carried "error".
	In200 bool
	// Hint is one line of advice for the code, already adapted to the request.
	Hint     string
	Exchange *Exchange
}

func (e *OAuthError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "token endpoint refused the request: %s", e.Code)
	if e.Description != "" {
		fmt.Fprintf(&b, ": %s", e.Description)
	}
	if e.In200 {
		fmt.Fprintf(&b, " (in an HTTP %d response)", e.Status)
	} else {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.URI != "" {
		fmt.Fprintf(&b, "\n  see %s", e.URI)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\n  hint: %s", e.Hint)
	}
	return b.String()
}

// hintFor gives one line of advice per RFC 6749 §5.2 error code.
func hintFor(code string, req *TokenRequest) string {
	switch code {
	case "invalid_client":
		if req != nil && req.Auth.IsTLSAuth() {
			what := "the client certificate"
			if req.Cert != nil {
				// Named by its subject and thumbprint: which certificate was refused.
				what = fmt.Sprintf("the client certificate %s (x5t#S256 %s)", req.Cert.Subject(), req.Cert.Thumbprint())
			}
			return "check that " + what + " is the one registered for this client at the provider (its subject DN or SAN for tls_client_auth, its thumbprint for self_signed_tls_client_auth)"
		}
		if req != nil && req.Auth == AuthPrivateKeyJWT {
			return "check that the provider has this key's public JWK registered for the client (" + keyHintID(req) + "; oat ls --json and the app's details show the thumbprint, oat keygen NAME --show prints the public JWK, JWKS and PEM again to register), the client id, and the assertion's audience (token URL or issuer)"
		}
		if req != nil && req.Auth == AuthClientSecretJWT {
			return "check the client id and secret, that the provider expects client_secret_jwt (HS256), and the assertion's audience (token URL or issuer)"
		}
		return "check the client id and secret, the auth method (basic or post), and whether the secret was rotated at the provider"
	case "invalid_scope":
		if req != nil && len(req.Scopes) > 0 {
			return fmt.Sprintf("the scopes asked for (%s) are unknown to the server or not granted to this client", strings.Join(req.Scopes, " "))
		}
		return "no scope was asked for; this server may require one (e.g. api/write on Cognito)"
	case "unauthorized_client":
		return "the client_credentials grant is not enabled for this client at the provider"
	case "unsupported_grant_type":
		return "the server does not offer the client_credentials grant at this endpoint; check the token URL"
	case "invalid_request":
		return "the server rejected the request's form; check extra parameters, audience/resource, and that only one auth method is used"
	case "invalid_grant":
		return "the grant was refused; for client credentials this usually means the client is disabled"
	case "access_denied":
		return "the provider refused access for this client"
	case "temporarily_unavailable", "server_error":
		return "a problem at the provider; try again later"
	}
	return ""
}

// keyHintID names the kid the provider must know the request's key by: its own kid,
// else its RFC 7638 thumbprint.
func keyHintID(req *TokenRequest) string {
	if req.KeyID != "" {
		return "kid " + OneLine(req.KeyID)
	}
	if req.ClientKey != nil {
		if tp, err := Thumbprint(req.ClientKey.Public()); err == nil {
			return "kid " + tp + ", the key's thumbprint"
		}
	}
	return "kid = the key's thumbprint"
}

// ResponseKind says what was wrong with a response that was not a usable answer.
type ResponseKind string

// The response kinds.
const (
	// NotJSON: the body is not a JSON object (an HTML error page, a proxy's text).
	NotJSON ResponseKind = "not JSON"
	// MissingToken: a success response without an access_token.
	MissingToken ResponseKind = "no access_token"
	// TooLarge: the body exceeded the size limit.
	TooLarge ResponseKind = "too large"
	// Unexpected: a JSON error body without an "error" field, or a redirect.
	Unexpected ResponseKind = "unexpected response"
	// InvalidToken: an access_token, token_type or scope outside RFC 6749's syntax.
	InvalidToken ResponseKind = "invalid token"
)

// ResponseError is a response oat cannot use: not JSON, no token, too large.
type ResponseError struct {
	Kind        ResponseKind
	Status      int
	ContentType string
	// Excerpt is a short sanitized piece of the body (an HTML page's title or text).
	Excerpt  string
	Detail   string
	Exchange *Exchange
}

func (e *ResponseError) Error() string {
	s := fmt.Sprintf("token endpoint gave an unusable response (HTTP %d, %s)", e.Status, e.Kind)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Excerpt != "" {
		s += fmt.Sprintf("\n  body: %q", e.Excerpt)
	}
	return s
}

// NetKind classifies a network failure.
type NetKind string

// The network failure kinds.
const (
	NetDNS       NetKind = "DNS lookup failed"
	NetRefused   NetKind = "connection refused"
	NetTLS       NetKind = "TLS failure"
	NetTimeout   NetKind = "timed out"
	NetCancelled NetKind = "cancelled"
	NetOther     NetKind = "network error"
)

// NetworkError is a failure to talk to a host at all.
type NetworkError struct {
	Kind NetKind
	Host string
	Err  error
	// Hint is one line of advice for the kind of failure.
	Hint string
}

// netHint gives one line of advice per kind of network failure.
func netHint(k NetKind) string {
	switch k {
	case NetDNS:
		return "check the host name, your DNS, or HTTPS_PROXY"
	case NetRefused:
		return "nothing listens there: check the port, or whether the service is up"
	case NetTLS:
		return "the certificate is not trusted for this host: for a private CA give its PEM as the profile's CA file (oat add/edit --ca-file FILE; the app's form: CA file, under advanced), or set SSL_CERT_FILE"
	case NetTimeout:
		return "no answer in time: check the network, a proxy (HTTPS_PROXY / NO_PROXY), or run oat with a longer --timeout (the app too: oat --timeout 60s)"
	}
	return ""
}

// maxNetDetail bounds the detail of a network error: crypto/tls quotes a server's
// certificate names in it, as many and as long as the server likes.
const maxNetDetail = 600

func (e *NetworkError) Error() string {
	detail := fmt.Sprint(e.Err)
	if utf8.RuneCountInString(detail) > maxNetDetail {
		detail = string([]rune(detail)[:maxNetDetail]) + "…"
	}
	s := Sanitize(fmt.Sprintf("%s: %s: %s", e.Host, e.Kind, detail))
	if e.Hint != "" {
		s += "\n  hint: " + e.Hint
	}
	return s
}

func (e *NetworkError) Unwrap() error { return e.Err }

// AutoError reports both attempts of the auto auth method when both failed.
type AutoError struct {
	Basic error
	Post  error
}

func (e *AutoError) Error() string {
	basic, hints := cutHints(e.Basic.Error(), nil)
	post, hints := cutHints(e.Post.Error(), hints)
	s := fmt.Sprintf("both client authentication methods failed\n  with HTTP Basic: %s\n  with form body:  %s",
		indent(basic), indent(post))
	for _, h := range hints { // after both attempts, each once (they are mostly the same)
		s += "\n  hint: " + h
	}
	return s
}

// cutHints takes the "hint: …" lines out of an error's text, adding each new one to
// hints.
func cutHints(text string, hints []string) (string, []string) {
	var keep []string
	for _, line := range strings.Split(text, "\n") {
		if h, ok := strings.CutPrefix(strings.TrimSpace(line), "hint: "); ok {
			if h = strings.TrimSpace(h); h != "" && !slices.Contains(hints, h) {
				hints = append(hints, h)
			}
			continue
		}
		keep = append(keep, line)
	}
	return strings.Join(keep, "\n"), hints
}

// Unwrap returns both attempts' errors.
func (e *AutoError) Unwrap() []error { return []error{e.Basic, e.Post} }

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n    ") }

// HintOf is the hint an error of this package carries ("" when none): for both
// attempts of auto, the form body's (the last one tried).
func HintOf(err error) string {
	var oe *OAuthError
	var ae *AutoError
	var ne *NetworkError
	switch {
	case errors.As(err, &ae):
		if errors.As(ae.Post, &oe) {
			return oe.Hint
		}
	case errors.As(err, &oe):
		return oe.Hint
	case errors.As(err, &ne):
		return ne.Hint
	}
	return ""
}

// IsAuthRejected reports whether err means the server refused the credentials or the
// token (an OAuth error, a TLS handshake refused for the client certificate, or a
// 401/403 from an API): exit code 3 in the CLI.
func IsAuthRejected(err error) bool {
	var oe *OAuthError
	var ce *CallStatusError
	var re *CertificateRejectedError
	return errors.As(err, &oe) || errors.As(err, &re) || (errors.As(err, &ce) && (ce.Status == 401 || ce.Status == 403))
}

// IsNetwork reports whether err is a network failure: exit code 4 in the CLI.
func IsNetwork(err error) bool {
	var ne *NetworkError
	return errors.As(err, &ne)
}

// classifyNetErr turns a transport error into a NetworkError naming host.
func classifyNetErr(ctx context.Context, host string, err error) *NetworkError {
	kind := NetOther
	var dnsErr *net.DNSError
	var uaErr x509.UnknownAuthorityError
	var hnErr x509.HostnameError
	var ciErr x509.CertificateInvalidError
	var cvErr *tls.CertificateVerificationError
	var rhErr tls.RecordHeaderError
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		kind = NetCancelled
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded):
		kind = NetTimeout
	case errors.As(err, &dnsErr):
		kind = NetDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = NetRefused
	case errors.As(err, &uaErr), errors.As(err, &hnErr), errors.As(err, &ciErr), errors.As(err, &cvErr), errors.As(err, &rhErr):
		kind = NetTLS
	case errors.As(err, &ne) && ne.Timeout():
		kind = NetTimeout
	}
	return &NetworkError{Kind: kind, Host: host, Err: unwrapURLError(err), Hint: netHint(kind)}
}

// unwrapURLError drops net/http's `Post "https://…": ` prefix: the host is named already.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
