package oauth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// CallRequest is a test call to a protected API.
type CallRequest struct {
	Method string
	// Target is an absolute URL, or a path joined to BaseURL.
	Target  string
	BaseURL string
	Headers map[string]string
	Body    []byte
	Token   string
	// CAFile names the extra CA bundle whose PEM is CAPEM (both empty: system roots).
	CAFile string
	CAPEM  []byte
	// Cert is the client certificate presented to the API (nil: none): a token bound to
	// it (RFC 8705 §3) is accepted only over a connection that presents it.
	Cert *ClientCertificate
	// AllowInsecure permits plain http on non-loopback hosts (the profile's insecure_http).
	AllowInsecure bool
	// Vars fill {name} in BaseURL and Target ({client_id}: see ExpandURL).
	Vars map[string]string
}

// URL is the absolute URL the request goes to: {client_id} and the like expanded in the
// base URL and the target, then the target joined to the base.
func (r CallRequest) URL() (string, error) {
	base, err := ExpandURL(r.BaseURL, r.Vars)
	if err != nil {
		return "", fmt.Errorf("API base URL: %w", err)
	}
	target, err := ExpandURL(r.Target, r.Vars)
	if err != nil {
		return "", fmt.Errorf("path %q: %w", Sanitize(r.Target), err)
	}
	return JoinURL(base, target)
}

// CallResult is what came back from a test call. Body is the raw bytes (capped); every
// other string has been sanitized.
type CallResult struct {
	Method      string
	URL         string
	Status      int
	StatusText  string
	Latency     time.Duration
	Headers     http.Header
	ContentType string
	Body        []byte
	Truncated   bool
	IsJSON      bool
	// Challenges are the parsed WWW-Authenticate challenges.
	Challenges []Challenge
	// Explanation says in a sentence why a 401 or 403 happened, in words that fit
	// every front end (no flag, no key); Advice says what may fix it.
	Explanation string
	Advice      []Advice
}

// Advice is a step that may fix a refused call. Each front end words it with its own
// means (the CLI a flag or a command, the app a key), so the protocol package names
// the step and never a flag.
type Advice string

// The advice kinds.
const (
	// AdviceFreshToken: fetch a new token and send the call again.
	AdviceFreshToken Advice = "fresh token"
	// AdviceInspect: look at the token's audience and scopes.
	AdviceInspect Advice = "inspect the token"
	// AdviceAddScope: add the scope the API asked for to the profile's scopes.
	AdviceAddScope Advice = "add the scope"
)

// Explain is the explanation followed by the advice, each worded by word ("" skips
// one); "" when there is no explanation.
func Explain(explanation string, advice []Advice, word func(Advice) string) string {
	if explanation == "" {
		return ""
	}
	var steps []string
	for _, a := range advice {
		if w := word(a); w != "" {
			steps = append(steps, w)
		}
	}
	if len(steps) == 0 {
		return explanation
	}
	return explanation + "; " + strings.Join(steps, ", and ")
}

// CallStatusError is the error form of a 4xx / 5xx test call result.
type CallStatusError struct {
	Status      int
	Explanation string
	Advice      []Advice
}

func (e *CallStatusError) Error() string {
	s := fmt.Sprintf("API answered HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Explanation != "" {
		s += ": " + e.Explanation
	}
	return s
}

// Err returns a *CallStatusError for 4xx and 5xx results, else nil.
func (r *CallResult) Err() error {
	if r.Status >= 400 {
		return &CallStatusError{Status: r.Status, Explanation: r.Explanation, Advice: r.Advice}
	}
	return nil
}

// IsAbsoluteURL says whether target is a whole http(s) URL rather than a path.
func IsAbsoluteURL(target string) bool {
	u, err := url.Parse(target)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https")
}

// JoinURL resolves target against base: an absolute http(s) URL stays as it is, a path
// is appended to base's path.
func JoinURL(base, target string) (string, error) {
	if u, err := url.Parse(target); err == nil && u.Scheme != "" {
		// A URL of its own (any case: HTTP:// too), never taken for a path: and only
		// http(s), so ftp:, mailto: or javascript: is an error, not a request elsewhere.
		if u.Scheme != "http" && u.Scheme != "https" {
			return "", fmt.Errorf("%q is a %s: URL; the test call speaks http(s) only", Sanitize(target), Sanitize(u.Scheme))
		}
		if u.Host == "" {
			return "", fmt.Errorf("%q is not a valid URL", Sanitize(target))
		}
		return u.String(), nil
	}
	if base == "" {
		return "", fmt.Errorf("%q is a path but the profile has no API base URL; give a full URL or set api_base_url", target)
	}
	b, err := url.Parse(base)
	if err != nil || b.Host == "" {
		return "", fmt.Errorf("API base URL %q is not a valid URL", base)
	}
	if target == "" {
		return b.String(), nil
	}
	t, err := url.Parse(target)
	if err != nil {
		return "", fmt.Errorf("path %q: %v", target, err)
	}
	// Joined in escaped form, so an escaped '/' or '?' in the target (a client ID in
	// {client_id}) stays escaped.
	raw := strings.TrimRight(b.EscapedPath(), "/") + "/" + strings.TrimLeft(t.EscapedPath(), "/")
	path, err := url.PathUnescape(raw)
	if err != nil {
		return "", fmt.Errorf("path %q: %v", target, err)
	}
	b.Path, b.RawPath = path, raw
	if t.RawQuery != "" {
		b.RawQuery = t.RawQuery
	}
	return b.String(), nil
}

// Call sends req with the bearer token and reads the answer (up to MaxBody).
func (c *Client) Call(ctx context.Context, req CallRequest) (*CallResult, error) {
	target, err := req.URL()
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(target)
	if u.Scheme != "https" && !req.AllowInsecure && !IsLoopback(u.Hostname()) {
		return nil, fmt.Errorf("refusing to send a token over plain http to %s; use https (or allow insecure_http on the profile)", u.Host)
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	var body *bytes.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	var hreq *http.Request
	if body != nil {
		hreq, err = http.NewRequest(method, target, body)
	} else {
		hreq, err = http.NewRequest(method, target, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("build the request: %w", err)
	}
	hreq.Header.Set("User-Agent", "oat")
	hreq.Header.Set("Accept", "application/json, */*;q=0.5")
	for k, v := range req.Headers {
		hreq.Header.Set(k, v)
	}
	if len(req.Body) > 0 && hreq.Header.Get("Content-Type") == "" {
		if json.Valid(req.Body) {
			hreq.Header.Set("Content-Type", "application/json")
		} else {
			hreq.Header.Set("Content-Type", "application/octet-stream")
		}
	}
	hreq.Header.Set("Authorization", "Bearer "+req.Token)
	hc, err := c.httpFor(req.CAFile, req.CAPEM, req.Cert)
	if err != nil {
		return nil, err
	}
	resp, raw, truncated, latency, err := c.do(ctx, hc, req.Cert, hreq)
	if err != nil {
		return nil, err
	}
	res := &CallResult{Method: method, URL: RedactURL(target), Status: resp.StatusCode, StatusText: http.StatusText(resp.StatusCode),
		Latency: latency, Headers: sanitizeHeaders(resp.Header), ContentType: Sanitize(resp.Header.Get("Content-Type")),
		Body: raw, Truncated: truncated}
	mt, _, _ := mime.ParseMediaType(res.ContentType)
	res.IsJSON = (mt == "application/json" || strings.HasSuffix(mt, "+json")) && (truncated || json.Valid(raw))
	for _, h := range resp.Header.Values("WWW-Authenticate") {
		res.Challenges = append(res.Challenges, ParseWWWAuthenticate(Sanitize(h))...)
	}
	res.Explanation, res.Advice = explainStatus(res)
	return res, nil
}

func sanitizeHeaders(h http.Header) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		for _, v := range vs {
			out.Add(Sanitize(k), Sanitize(v))
		}
	}
	return out
}

// TellingHeaders returns the response headers worth showing: content type,
// WWW-Authenticate, rate limits, Retry-After, Location.
func (r *CallResult) TellingHeaders() [][2]string {
	var out [][2]string
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		if lk == "content-type" || lk == "www-authenticate" || lk == "retry-after" || lk == "location" ||
			strings.Contains(lk, "ratelimit") || strings.Contains(lk, "rate-limit") {
			for _, v := range r.Headers[k] {
				out = append(out, [2]string{k, v})
			}
		}
	}
	return out
}

// Display returns the body for a terminal: pretty-printed when it is JSON, always
// sanitized.
func (r *CallResult) Display() string {
	if r.IsJSON && !r.Truncated {
		var buf bytes.Buffer
		if json.Indent(&buf, r.Body, "", "  ") == nil {
			return Sanitize(buf.String())
		}
	}
	return Sanitize(string(r.Body))
}

// Challenge is one RFC 7235 challenge of a WWW-Authenticate header.
type Challenge struct {
	Scheme string
	Params map[string]string
}

// ParseWWWAuthenticate parses a WWW-Authenticate header value into its challenges, e.g.
// `Bearer realm="api", error="insufficient_scope", scope="api/write"`. Hand-written:
// net/http has no parser for it, and the libraries that do are tied to web frameworks.
func ParseWWWAuthenticate(h string) []Challenge {
	var out []Challenge
	p := &hdrParser{s: h}
	for {
		p.skip(" \t,")
		if p.done() {
			return out
		}
		scheme := p.token()
		if scheme == "" {
			p.i++ // skip a stray character
			continue
		}
		ch := Challenge{Scheme: scheme, Params: map[string]string{}}
		p.skip(" \t")
		if t68, ok := p.token68(); ok {
			ch.Params[""] = t68
			out = append(out, ch)
			continue
		}
		for {
			p.skip(" \t")
			save := p.i
			name := p.token()
			p.skip(" \t")
			if name == "" || !p.eat('=') {
				p.i = save // the next challenge's scheme
				break
			}
			p.skip(" \t")
			var val string
			if p.peek() == '"' {
				val = p.quoted()
			} else {
				val = p.token()
			}
			ch.Params[strings.ToLower(name)] = val
			p.skip(" \t")
			if !p.eat(',') {
				break
			}
			p.skip(" \t,")
		}
		out = append(out, ch)
	}
}

type hdrParser struct {
	s string
	i int
}

func (p *hdrParser) done() bool { return p.i >= len(p.s) }
func (p *hdrParser) peek() byte {
	if p.done() {
		return 0
	}
	return p.s[p.i]
}
func (p *hdrParser) eat(c byte) bool {
	if p.peek() == c && !p.done() {
		p.i++
		return true
	}
	return false
}
func (p *hdrParser) skip(set string) {
	for !p.done() && strings.IndexByte(set, p.s[p.i]) >= 0 {
		p.i++
	}
}
func isTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && !strings.ContainsRune("()<>@,;:\\\"/[]?={}", rune(c))
}
func (p *hdrParser) token() string {
	start := p.i
	for !p.done() && isTokenChar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// token68 reads an RFC 7235 token68 (as in `Negotiate abc==`) if one stands here: a run
// of token68 characters ending the challenge (end of header or a comma), not the name of
// an auth-param.
func (p *hdrParser) token68() (string, bool) {
	j := p.i
	for j < len(p.s) && (isTokenChar(p.s[j]) || p.s[j] == '/') {
		j++
	}
	k := j
	for k < len(p.s) && p.s[k] == '=' {
		k++
	}
	if j == p.i {
		return "", false
	}
	rest := strings.TrimLeft(p.s[k:], " \t")
	if rest != "" && rest[0] != ',' {
		return "", false
	}
	if k == j+1 && k == len(p.s) {
		// "name=" at the very end: an auth-param with an empty value, not token68
		return "", false
	}
	t := p.s[p.i:k]
	p.i = k
	return t, true
}

func (p *hdrParser) quoted() string {
	p.i++ // opening quote
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		p.i++
		switch c {
		case '\\':
			if !p.done() {
				b.WriteByte(p.s[p.i])
				p.i++
			}
		case '"':
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// maxDescription bounds the error_description quoted in an explanation, in runes.
const maxDescription = 160

// explainStatus says in a sentence why a 401 or 403 happened, from RFC 6750's
// WWW-Authenticate error codes, and what may fix it.
func explainStatus(r *CallResult) (string, []Advice) {
	if r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
		return "", nil
	}
	var bearer *Challenge
	for i := range r.Challenges {
		if strings.EqualFold(r.Challenges[i].Scheme, "Bearer") {
			bearer = &r.Challenges[i]
			break
		}
	}
	if bearer == nil {
		if len(r.Challenges) > 0 {
			return fmt.Sprintf("the API wants %s authentication, not a Bearer token", r.Challenges[0].Scheme), nil
		}
		if r.Status == http.StatusUnauthorized {
			return "the API rejected the token and gave no reason (no WWW-Authenticate header)", []Advice{AdviceInspect}
		}
		return "the token is valid but not allowed to do this (no WWW-Authenticate detail)", nil
	}
	// A server's own words, bounded: a description of 3,000 characters must not fill
	// the screen or the terminal.
	desc := Excerpt(bearer.Params["error_description"], maxDescription)
	with := func(s string) string {
		if desc != "" {
			return s + " (server says: " + desc + ")"
		}
		return s
	}
	switch bearer.Params["error"] {
	case "invalid_token":
		return with("the token was rejected as invalid: expired, revoked, malformed or meant for another audience"), []Advice{AdviceFreshToken, AdviceInspect}
	case "insufficient_scope":
		if sc := bearer.Params["scope"]; sc != "" {
			return with(fmt.Sprintf("the token lacks the scope this call needs: %s", sc)), []Advice{AdviceAddScope}
		}
		return with("the token lacks a scope this call needs"), nil
	case "invalid_request":
		return with("the API found the request malformed (e.g. the token sent twice, or in an unsupported way)"), nil
	case "":
		if r.Status == http.StatusUnauthorized {
			return with("the API wants a Bearer token and did not accept this one"), nil
		}
	}
	if e := bearer.Params["error"]; e != "" {
		return with("the API answered " + e), nil
	}
	return with("the token is valid but not allowed to do this"), nil
}

// RedactURL is target with the user information of a URL (user:password@, or a lone
// token@) masked, for showing: https://alice:•••••@host/x. Anything that is not a
// scheme://authority URL comes back as it is.
func RedactURL(target string) string {
	i := strings.Index(target, "://")
	if i < 0 {
		return target
	}
	rest := target[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return target
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	masked := "•••••"
	if hasPass {
		masked = user + ":•••••"
	}
	return target[:i+3] + masked + rest[at:]
}
