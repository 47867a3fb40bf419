package oauth

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Why not golang.org/x/oauth2/clientcredentials: it hides the exchange (no status,
// headers or raw body to show), cannot report both attempts of an auto fallback (its
// AuthStyleAutoDetect silently retries and keeps only the last error), offers no raw
// Basic encoding for non-compliant servers, rejects a 200 that carries "error" only
// indirectly, and drops fields such as Keycloak's not-before-policy from its Token. oat's
// job is to show and explain all of that, so the request is built here, by the RFC.

// TokenRequest is one client-credentials token request (RFC 6749 §4.4).
type TokenRequest struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	Scopes       []string
	Audience     string
	Resource     string
	Extra        map[string]string
	Auth         AuthMethod
	Encoding     BasicEncoding
	// CAFile names the extra CA bundle whose PEM is CAPEM (both empty: system roots).
	CAFile string
	CAPEM  []byte
	// Cert is the client certificate presented in the TLS handshake: required by the
	// tls_client_auth methods, and presented with any other method when set (a server
	// that binds tokens to it, RFC 8705 §3).
	Cert *ClientCertificate

	// ClientKey signs the client assertion of private_key_jwt.
	ClientKey crypto.Signer
	// KeyID is the kid of its assertions when the key came with its own ("": the
	// key's RFC 7638 thumbprint). KeyCert is the key's certificate (DER, nil for none):
	// the assertion header then names it by x5t and x5t#S256, for providers that
	// register certificates (Entra ID).
	KeyID   string
	KeyCert []byte
	// SigningAlg is the JWS algorithm the profile prefers for its key ("" = the key's
	// default); SigningAlgs are the server's token_endpoint_auth_signing_alg_values_supported
	// (from discovery), which win when given.
	SigningAlg  string
	SigningAlgs []string
	// AssertionAudience is AudienceTokenEndpoint (the token URL) or AudienceIssuer
	// (Issuer); Issuer is the profile's issuer.
	AssertionAudience string
	Issuer            string
}

// Exchange is one HTTP round trip as sent and received, with the secret and the token
// redacted, so a screen can show the whole conversation.
type Exchange struct {
	Method          string
	URL             string
	RequestHeaders  http.Header
	RequestBody     string
	Status          int
	ResponseHeaders http.Header
	// ResponseBody is sanitized, with the access token replaced by a placeholder.
	ResponseBody string
	Latency      time.Duration
	Auth         AuthMethod
	// ClientCert names the client certificate presented (subject and x5t#S256), "" for
	// none.
	ClientCert string
}

// Token is a successful token response.
type Token struct {
	AccessToken string
	// TokenType is normalised: any case of "bearer" becomes "Bearer".
	TokenType string
	// ExpiresIn is the lifetime the server gave, in seconds; HasExpiresIn says if it did.
	ExpiresIn    int64
	HasExpiresIn bool
	// ExpiresAt is zero when neither expires_in nor a JWT exp says.
	ExpiresAt time.Time
	// ExpirySource is "expires_in", "jwt exp" or "" (unknown).
	ExpirySource string
	// Scopes granted: from the response's scope, else (RFC 6749 §5.1) the requested ones.
	Scopes        []string
	ScopeReturned bool
	IssuedAt      time.Time
	// Extra holds every other response field (not-before-policy, session_state, …).
	Extra map[string]any
	// Notes are warnings about a response that worked but bent the rules.
	Notes    []string
	Auth     AuthMethod
	Exchange *Exchange
}

// FetchToken performs the client-credentials grant. With the auto method it tries HTTP
// Basic, then the form body, and returns an *AutoError with both failures if neither
// works; Token.Auth says which method succeeded.
func (c *Client) FetchToken(ctx context.Context, req TokenRequest) (*Token, error) {
	// Every error below may quote what the server or the transport sent back, which may
	// be the secret: one redaction step for all of them.
	r := newRedactor(req)
	switch req.Auth {
	case AuthBasic, AuthPost, AuthPrivateKeyJWT, AuthClientSecretJWT:
		tok, err := c.fetchWith(ctx, req, req.Auth, r)
		return tok, r.err(err)
	case AuthTLS, AuthSelfSignedTLS:
		if req.Cert == nil {
			return nil, fmt.Errorf("client auth %s needs a client certificate, and the profile has none", req.Auth)
		}
		tok, err := c.fetchWith(ctx, req, req.Auth, r)
		return tok, r.err(err)
	case AuthAuto, "":
		tok, errBasic := c.fetchWith(ctx, req, AuthBasic, r)
		if errBasic == nil {
			return tok, nil
		}
		if !clientAuthFailed(errBasic) {
			// Any other failure (invalid_scope, invalid_target, a 5xx, the network) would
			// not change with the secret in the body: sending it again would only expose
			// it once more and blame the wrong thing.
			return nil, r.err(errBasic)
		}
		tok, errPost := c.fetchWith(ctx, req, AuthPost, r)
		if errPost == nil {
			tok.Notes = append(tok.Notes, "HTTP Basic was refused; the form body worked")
			return tok, nil
		}
		return nil, r.err(&AutoError{Basic: errBasic, Post: errPost})
	}
	return nil, fmt.Errorf("unknown client auth method %q (use basic, post, auto, private_key_jwt, client_secret_jwt, tls_client_auth or self_signed_tls_client_auth)", Sanitize(string(req.Auth)))
}

// clientAuthFailed reports whether the answer to a Basic attempt says the client failed
// to authenticate: HTTP 401, invalid_client, or an invalid_request that names the
// Authorization header or the client credentials (a server that does not read Basic
// and so finds no client_id). Only then may auto try the form body.
func clientAuthFailed(err error) bool {
	var oe *OAuthError
	var re *ResponseError
	switch {
	case errors.As(err, &oe):
		if oe.Status == http.StatusUnauthorized || oe.Code == "invalid_client" {
			return true
		}
		if oe.Code == "invalid_request" {
			d := strings.ToLower(oe.Description)
			for _, w := range []string{"authorization header", "basic auth", "basic credentials", "client_id", "client id", "client_secret", "client secret", "client credentials", "client authentication"} {
				if strings.Contains(d, w) {
					return true
				}
			}
		}
	case errors.As(err, &re):
		return re.Status == http.StatusUnauthorized
	}
	return false
}

// BasicCredentials returns the value of the Authorization header for id and secret. RFC
// 6749 §2.3.1 says both are form-urlencoded before base64; raw skips that, for servers
// that do not decode.
func BasicCredentials(id, secret string, enc BasicEncoding) string {
	if enc != BasicRaw {
		id, secret = url.QueryEscape(id), url.QueryEscape(secret)
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func (c *Client) fetchWith(ctx context.Context, req TokenRequest, auth AuthMethod, r *redactor) (*Token, error) {
	u, err := url.Parse(req.TokenURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("token URL %q is not a valid URL", req.TokenURL)
	}
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(req.Scopes) > 0 {
		form.Set("scope", strings.Join(req.Scopes, " "))
	}
	if req.Audience != "" {
		form.Set("audience", req.Audience)
	}
	if req.Resource != "" {
		form.Set("resource", req.Resource)
	}
	for k, v := range req.Extra {
		form.Set(k, v)
	}
	switch {
	case auth == AuthPost:
		form.Set("client_id", req.ClientID)
		form.Set("client_secret", req.ClientSecret)
	case auth.IsTLSAuth():
		// RFC 8705 §2: the certificate authenticates; client_id names the client.
		form.Set("client_id", req.ClientID)
	}
	if IsAssertionAuth(auth) {
		// Signed before anything is sent: a key the server's algorithms exclude fails here.
		assertion, err := c.clientAssertion(req, auth)
		if err != nil {
			return nil, err
		}
		r.addCredential(assertion) // the assertion is a credential: redacted like the secret
		form.Set("client_id", req.ClientID)
		form.Set("client_assertion_type", ClientAssertionType)
		form.Set("client_assertion", assertion)
	}
	body := form.Encode()
	hreq, err := http.NewRequest(http.MethodPost, req.TokenURL, strings.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build the token request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	hreq.Header.Set("Accept", "application/json")
	hreq.Header.Set("User-Agent", "oat")
	if auth == AuthBasic {
		hreq.Header.Set("Authorization", BasicCredentials(req.ClientID, req.ClientSecret, req.Encoding))
	}
	ex := &Exchange{Method: http.MethodPost, URL: req.TokenURL, RequestHeaders: redactHeaders(hreq.Header),
		RequestBody: redactForm(form), Auth: auth}
	if req.Cert != nil {
		ex.ClientCert = req.Cert.String()
	}

	hc, err := c.httpFor(req.CAFile, req.CAPEM, req.Cert)
	if err != nil {
		return nil, err
	}
	resp, raw, truncated, latency, err := c.do(ctx, hc, req.Cert, hreq)
	ex.Latency = latency
	if err != nil {
		return nil, err
	}
	ex.Status, ex.ResponseHeaders = resp.StatusCode, resp.Header.Clone()
	if truncated {
		return nil, &ResponseError{Kind: TooLarge, Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"),
			Detail: fmt.Sprintf("more than %d bytes; not read further", c.maxBody()), Exchange: ex}
	}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		return nil, &ResponseError{Kind: Unexpected, Status: resp.StatusCode, Exchange: ex,
			Detail: fmt.Sprintf("redirect to %q; oat does not follow a token endpoint's redirects (it would resend the secret): put the final URL in the profile", Sanitize(resp.Header.Get("Location")))}
	}
	tok, err := ParseTokenResponse(resp.StatusCode, resp.Header.Get("Content-Type"), raw, c.now())
	if err != nil {
		// Whatever the server said is read again with the secret taken out first, so
		// that no later cut (an excerpt, an HTML page without its tags) leaves part of
		// it behind.
		raw = r.redactBody(raw)
		var oe *OAuthError
		if errors.As(err, &oe) {
			// The server's error was understood: it stays that error, its own words
			// redacted. (The loose redaction can match ordinary words of a body that
			// never held the secret, and the body redacted may no longer parse.)
			oe.Description, oe.URI = r.redact(oe.Description), r.redact(oe.URI)
		} else if _, again := ParseTokenResponse(resp.StatusCode, resp.Header.Get("Content-Type"), raw, c.now()); again != nil {
			err = again
		}
	}
	ex.ResponseBody = redactSecrets(Sanitize(string(raw)), accessTokenOf(tok))
	if err != nil {
		attachExchange(err, ex, &req)
		return nil, err
	}
	tok.Auth, tok.Exchange = auth, ex
	// A success can still echo the secret in a field oat shows (a note, an extra field).
	for i := range tok.Notes {
		tok.Notes[i] = r.redactExact(tok.Notes[i])
	}
	for k, v := range tok.Extra {
		if str, ok := v.(string); ok {
			tok.Extra[k] = r.redactExact(str)
		}
	}
	ex.ResponseBody = r.redactExact(ex.ResponseBody)
	if !tok.ScopeReturned {
		tok.Scopes = append([]string(nil), req.Scopes...)
	}
	return tok, nil
}

func accessTokenOf(t *Token) string {
	if t == nil {
		return ""
	}
	return t.AccessToken
}

func attachExchange(err error, ex *Exchange, req *TokenRequest) {
	switch e := err.(type) {
	case *OAuthError:
		e.Exchange = ex
		e.Hint = hintFor(e.Code, req)
	case *ResponseError:
		e.Exchange = ex
	}
}

// ParseTokenResponse reads a token endpoint's answer (RFC 6749 §5.1 / §5.2), tolerating
// what real servers do: token_type in any case, expires_in as a string, missing
// expires_in (then the JWT exp is used). It never panics on any input.
func ParseTokenResponse(status int, contentType string, body []byte, now time.Time) (*Token, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, &ResponseError{Kind: NotJSON, Status: status, ContentType: Sanitize(contentType), Excerpt: bodyExcerpt(contentType, body)}
	}
	if rawErr, ok := obj["error"]; ok {
		oe := &OAuthError{Status: status, In200: status < 300, Code: Excerpt(jsonString(rawErr), 100),
			Description: Excerpt(jsonString(obj["error_description"]), 500), URI: Excerpt(jsonString(obj["error_uri"]), 300)}
		if oe.Code == "" {
			oe.Code = "(empty error code)"
		}
		oe.Hint = hintFor(oe.Code, nil)
		return nil, oe
	}
	if status < 200 || status >= 300 {
		return nil, &ResponseError{Kind: Unexpected, Status: status, ContentType: Sanitize(contentType),
			Detail: "an error status without an RFC 6749 \"error\" field", Excerpt: bodyExcerpt(contentType, body)}
	}
	var access string
	if raw, ok := obj["access_token"]; !ok || json.Unmarshal(raw, &access) != nil || access == "" {
		return nil, &ResponseError{Kind: MissingToken, Status: status, ContentType: Sanitize(contentType),
			Detail: "the success response has no access_token string"}
	}
	if err := CheckAccessToken(access); err != nil {
		return nil, &ResponseError{Kind: InvalidToken, Status: status, ContentType: Sanitize(contentType),
			Detail: "access_token " + err.Error() + "; oat never prints or caches such a token"}
	}
	tok := &Token{AccessToken: access, IssuedAt: now, Extra: map[string]any{}}
	tt := jsonString(obj["token_type"])
	if i := notVSCHAR(tt); i >= 0 {
		return nil, &ResponseError{Kind: InvalidToken, Status: status, ContentType: Sanitize(contentType),
			Detail: fmt.Sprintf("token_type %q holds a character outside RFC 6749's VSCHAR (0x20-0x7E)", Excerpt(tt, 40))}
	}
	switch {
	case strings.EqualFold(tt, "bearer"):
		tok.TokenType = "Bearer"
	case tt == "":
		tok.TokenType = "Bearer"
		tok.Notes = append(tok.Notes, "no token_type in the response (RFC 6749 requires it); assuming Bearer")
	default:
		tok.TokenType = tt
	}
	if raw, ok := obj["expires_in"]; ok {
		if secs, ok := parseSeconds(raw); ok {
			tok.ExpiresIn, tok.HasExpiresIn = secs, true
			tok.ExpiresAt = now.Add(time.Duration(secs) * time.Second)
			tok.ExpirySource = "expires_in"
		} else {
			tok.Notes = append(tok.Notes, fmt.Sprintf("expires_in %s is not a number of seconds; ignored", Excerpt(string(raw), 40)))
		}
	}
	if tok.ExpiresAt.IsZero() {
		if exp, ok := jwtExp(access); ok {
			tok.ExpiresAt, tok.ExpirySource = exp, "jwt exp"
		}
	}
	if raw, ok := obj["scope"]; ok {
		sc := jsonString(raw)
		if i := notVSCHAR(sc); i >= 0 {
			return nil, &ResponseError{Kind: InvalidToken, Status: status, ContentType: Sanitize(contentType),
				Detail: fmt.Sprintf("scope %q holds a character outside RFC 6749's scope syntax (printable ASCII)", Excerpt(sc, 80))}
		}
		tok.Scopes, tok.ScopeReturned = strings.Fields(sc), true
	}
	for k, raw := range obj {
		switch k {
		case "access_token", "token_type", "expires_in", "scope":
			continue
		}
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		if d.Decode(&v) == nil {
			tok.Extra[Sanitize(k)] = sanitizeValue(v)
		}
	}
	return tok, nil
}

// CheckAccessToken says why s cannot be an access token: RFC 6749 appendix A.12 allows
// only VSCHAR (0x20-0x7E), one or more. Anything else (escape sequences, CR LF that
// would inject headers into "Authorization: Bearer $(oat token x)", bidi or C1
// controls) is refused, never printed, cached or sent.
func CheckAccessToken(s string) error {
	if s == "" {
		return errors.New("is empty")
	}
	if i := notVSCHAR(s); i >= 0 {
		return fmt.Errorf("holds a character outside RFC 6749's VSCHAR (0x20-0x7E): byte %d of %d is 0x%02x", i+1, len(s), s[i])
	}
	return nil
}

// CheckTokenType says why s cannot be a token_type (or a scope): RFC 6749 allows only
// printable ASCII there too.
func CheckTokenType(s string) error {
	if i := notVSCHAR(s); i >= 0 {
		return fmt.Errorf("holds a character outside VSCHAR (0x20-0x7E): byte %d of %d is 0x%02x", i+1, len(s), s[i])
	}
	return nil
}

// notVSCHAR returns the index of the first byte of s outside 0x20-0x7E, or -1.
func notVSCHAR(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return i
		}
	}
	return -1
}

// parseSeconds accepts a JSON number or a numeric string, non-negative and sane.
func parseSeconds(raw json.RawMessage) (int64, bool) {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, `"`) {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
		s = strings.TrimSpace(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 100*365*24*3600 {
		return 0, false
	}
	return int64(f), true
}

// jsonString returns a JSON string's value, or the raw text of any other JSON value.
func jsonString(raw json.RawMessage) string {
	if raw == nil {
		return ""
	}
	// A raw 8-bit control sequence is removed whole first: decoding would turn its
	// introducer, not UTF-8, into U+FFFD and leave its parameters ("\ufffd2J").
	raw = json.RawMessage(StripRawC1(string(raw)))
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

func sanitizeValue(v any) any {
	switch x := v.(type) {
	case string:
		return Sanitize(x)
	case []any:
		for i := range x {
			x[i] = sanitizeValue(x[i])
		}
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[Sanitize(k)] = sanitizeValue(e)
		}
		return out
	}
	return v
}

// The HTML patterns are compiled on first use: most runs of oat never see an HTML page,
// and start-up time counts.
var htmlPatterns = sync.OnceValue(func() [3]*regexp.Regexp {
	return [3]*regexp.Regexp{regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`), regexp.MustCompile(`(?s)<[^>]*>`),
		regexp.MustCompile(`(?is)<(script|style)[^>]*>.*?</(script|style)>`)}
})

// bodyExcerpt gives a short readable piece of a non-JSON body: an HTML page's title, or
// its text without tags.
func bodyExcerpt(contentType string, body []byte) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	s := string(body)
	if mt == "text/html" || strings.Contains(strings.ToLower(s[:min(len(s), 512)]), "<html") {
		re := htmlPatterns()
		titleRE, tagRE, scriptRE := re[0], re[1], re[2]
		if m := titleRE.FindStringSubmatch(s); m != nil && strings.TrimSpace(m[1]) != "" {
			return Excerpt(m[1], 200)
		}
		s = tagRE.ReplaceAllString(scriptRE.ReplaceAllString(s, " "), " ")
	}
	return Excerpt(s, 200)
}

// redactHeaders copies h with credentials replaced.
func redactHeaders(h http.Header) http.Header {
	out := h.Clone()
	if a := out.Get("Authorization"); a != "" {
		scheme, _, _ := strings.Cut(a, " ")
		out.Set("Authorization", scheme+" [redacted]")
	}
	return out
}

// redactForm encodes the form with client_secret replaced.
func redactForm(form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		v := form.Get(k)
		if k == "client_secret" || k == "client_assertion" {
			v = "[redacted]"
		}
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
	}
	return b.String()
}

// redactSecrets replaces any appearance of the given values (raw, form- or
// path-encoded) in text: the access token in the exchange shown on screen.
func redactSecrets(text string, secrets ...string) string {
	for _, s := range secrets {
		if len(s) < 4 {
			continue
		}
		for _, form := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			text = strings.ReplaceAll(text, form, "[redacted]")
		}
	}
	return text
}
