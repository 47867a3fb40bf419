package vault

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// requestCreds are the credentials a test request must not carry into the history or
// profiles.toml: the bearer tokens it went out with, and the profile's client secret,
// known by its fingerprint (so that checking a request never reads the secret store).
// Beyond them, anything that looks like a JWT or an Authorization value (Bearer …,
// Basic …) counts as a credential too: an older token typed by hand is not the current
// one.
type requestCreds struct {
	tokens   []string
	secretFP string
}

func credsFor(p Profile, tokens []string) requestCreds {
	c := requestCreds{secretFP: p.SecretFingerprint}
	for _, t := range tokens {
		if len(t) >= 8 {
			c.tokens = append(c.tokens, t)
		}
	}
	return c
}

// holds says whether the value carries a credential, as typed or percent-, JSON- or
// base64-encoded.
func (c requestCreds) holds(v string) bool {
	if v == "" {
		return false
	}
	if authValue(v) {
		return true
	}
	for _, d := range decodings(v, 2) {
		if c.holdsPlain(d) {
			return true
		}
	}
	return false
}

// authValue says whether v reads like an Authorization header value.
func authValue(v string) bool {
	l := strings.ToLower(strings.TrimSpace(v))
	return strings.HasPrefix(l, "bearer ") || strings.HasPrefix(l, "basic ")
}

func (c requestCreds) holdsPlain(v string) bool {
	for _, t := range c.tokens {
		if strings.Contains(v, t) {
			return true
		}
	}
	if hasJWT(v) {
		return true
	}
	if c.secretFP != "" {
		for _, p := range pieces(v) {
			if Fingerprint(p) == c.secretFP {
				return true
			}
		}
	}
	return false
}

// pieces are the parts of v that may be a whole secret: v split at whitespace and
// quotes, each of those also split after a '=' or ':' (name=value), and split at every
// punctuation a secret rarely holds. The secret is known by a fingerprint of its
// whole, so each piece is hashed; a secret with a space or a quote in it is not found.
func pieces(v string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		if len(p) >= 4 && !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	add(strings.TrimSpace(v))
	coarse := strings.FieldsFunc(v, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || strings.ContainsRune("\"'`,;&", r)
	})
	for _, p := range coarse {
		add(p)
		if i := strings.IndexAny(p, "=:"); i >= 0 {
			add(p[i+1:])
		}
		for _, f := range strings.FieldsFunc(p, func(r rune) bool { return strings.ContainsRune("=:?#/\\()[]{}<>|", r) }) {
			add(f)
		}
	}
	return out
}

var (
	// jwtRE finds what may be a compact JWS: three base64url parts.
	jwtRE = regexp.MustCompile(`[A-Za-z0-9_-]{8,}={0,2}\.[A-Za-z0-9_-]+={0,2}\.[A-Za-z0-9_-]*`)
	// b64RE finds runs that may be base64 (standard or URL alphabet) worth decoding.
	b64RE = regexp.MustCompile(`[A-Za-z0-9+/_-]{8,}={0,2}`)
	// jsonEscRE is a JSON \uXXXX escape.
	jsonEscRE = regexp.MustCompile(`\\u[0-9a-fA-F]{4}`)
)

// hasJWT says whether v holds something shaped like a JWT: three base64url parts, the
// first decoding to a JSON object with "alg".
func hasJWT(v string) bool {
	for _, m := range jwtRE.FindAllString(v, -1) {
		head, _, _ := strings.Cut(m, ".")
		b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(head, "="))
		if err != nil {
			continue
		}
		var h map[string]any
		if json.Unmarshal(b, &h) == nil {
			if _, ok := h["alg"]; ok {
				return true
			}
		}
	}
	return false
}

// decodings are v and what it reads as once percent-decoded, JSON-unescaped or
// base64-decoded, up to depth layers deep.
func decodings(v string, depth int) []string {
	out := []string{v}
	add := func(d string) {
		if d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	if strings.Contains(v, "%") {
		add(percentDecode(v))
	}
	if strings.Contains(v, `\`) {
		add(jsonEscRE.ReplaceAllStringFunc(v, func(e string) string {
			n, _ := strconv.ParseUint(e[2:], 16, 32)
			return string(rune(n))
		}))
	}
	for _, m := range b64RE.FindAllString(v, 256) {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.DecodeString(m); err == nil && utf8.Valid(b) {
				add(string(b))
				break
			}
		}
	}
	if depth > 1 {
		for _, d := range slices.Clone(out[1:]) {
			for _, dd := range decodings(d, depth-1) {
				add(dd)
			}
		}
	}
	return out
}

// percentDecode decodes %XX escapes (and '+' as a space is left alone: a token holds
// none), keeping a malformed escape as it is.
func percentDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			n, _ := strconv.ParseUint(s[i+1:i+3], 16, 8)
			b.WriteByte(byte(n))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// scrub is r without the parts that carry a credential (headers, query, fragment and
// matrix parameters, the user and password of a URL, body fields or the body), and
// the names of what it left out. pathHolds says the path itself holds a credential:
// no part of it can be cut out, so the request is not to be kept at all.
func (c requestCreds) scrub(r TestRequest) (out TestRequest, dropped []string, pathHolds bool) {
	r = r.Normalized()
	keys := make([]string, 0, len(r.Headers))
	for k := range r.Headers {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	ct := ""
	for _, k := range keys {
		if strings.EqualFold(k, "Content-Type") {
			ct = r.Headers[k]
		}
		if isCredentialName(k) || c.holds(r.Headers[k]) || c.holds(k) {
			delete(r.Headers, k)
			dropped = append(dropped, "header "+shownName(c, k))
		}
	}
	if len(r.Headers) == 0 {
		r.Headers = nil
	}
	var d []string
	r.Path, d, pathHolds = c.scrubTarget(r.Path)
	dropped = append(dropped, d...)
	r.Body, d = c.scrubBody(r.Body, ct)
	dropped = append(dropped, d...)
	return r, dropped, pathHolds
}

// scrubTarget is scrub for the path or URL.
func (c requestCreds) scrubTarget(path string) (string, []string, bool) {
	var dropped []string
	rest, frag, hasFrag := strings.Cut(path, "#")
	if hasFrag && (c.holds(frag) || paramsCarry(frag, c)) {
		hasFrag = false
		dropped = append(dropped, "the #fragment")
	}
	base, params := SplitQuery(rest)
	var kept []string
	for _, p := range params {
		name, val, _ := strings.Cut(p, "=")
		if isCredentialName(name) || c.holds(val) || c.holds(name) {
			dropped = append(dropped, "query "+shownName(c, name))
			continue
		}
		kept = append(kept, p)
	}
	if i := strings.Index(base, "://"); i >= 0 {
		auth, _, _ := strings.Cut(base[i+3:], "/")
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			base = base[:i+3] + base[i+3+at+1:]
			dropped = append(dropped, "the user and password in the URL")
		}
	}
	if strings.Contains(base, ";") {
		segs := strings.Split(base, "/")
		for i, seg := range segs {
			parts := strings.Split(seg, ";")
			keep := parts[:1]
			for _, p := range parts[1:] {
				name, val, _ := strings.Cut(p, "=")
				if isCredentialName(percentDecode(name)) || c.holds(val) || c.holds(name) {
					dropped = append(dropped, ";"+shownName(c, percentDecode(name)))
					continue
				}
				keep = append(keep, p)
			}
			segs[i] = strings.Join(keep, ";")
		}
		base = strings.Join(segs, "/")
	}
	if len(dropped) == 0 {
		return path, nil, c.holds(base)
	}
	out := JoinQuery(base, kept)
	if hasFrag {
		out += "#" + frag
	}
	return out, dropped, c.holds(base)
}

// paramsCarry says whether a fragment's name=value parameters name a credential.
func paramsCarry(frag string, c requestCreds) bool {
	for _, p := range strings.FieldsFunc(frag, func(r rune) bool { return r == '&' || r == ';' }) {
		name, val, _ := strings.Cut(p, "=")
		if isCredentialName(percentDecode(name)) || c.holds(val) {
			return true
		}
	}
	return false
}

var (
	// formRE is a body shaped like name=value&name=value.
	formRE = regexp.MustCompile(`^[^=&\s]+=[^&\s]*(&[^=&\s]+=[^&\s]*)*$`)
	// credAssignRE is a credential-like name given a value in free text.
	credAssignRE = regexp.MustCompile(`(?i)(secret|passw|pwd|token|api[_-]?key|bearer|jwt|credential|session)\w*["']?\s*[=:]`)
)

// scrubBody is scrub for the body: a form body loses its credential fields; a JSON
// or text body that names or holds a credential is left out whole (re-encoding JSON
// would change what the user wrote).
func (c requestCreds) scrubBody(body, ct string) (string, []string) {
	if strings.TrimSpace(body) == "" {
		return body, nil
	}
	mt := strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	isJSON := json.Valid([]byte(body))
	if mt == "application/x-www-form-urlencoded" || (ct == "" && !isJSON && formRE.MatchString(strings.TrimSpace(body))) {
		var kept, dropped []string
		for _, p := range strings.Split(body, "&") {
			name, val, _ := strings.Cut(p, "=")
			if n := unescapeQuery(name); isCredentialName(n) || c.holds(unescapeQuery(val)) || c.holds(val) || c.holds(n) {
				dropped = append(dropped, "body field "+shownName(c, n))
				continue
			}
			kept = append(kept, p)
		}
		return strings.Join(kept, "&"), dropped
	}
	if isJSON {
		var v any
		_ = json.Unmarshal([]byte(body), &v)
		if name, ok := c.jsonCarries(v, ""); ok {
			return "", []string{"the body (it held " + name + ")"}
		}
		return body, nil
	}
	if c.holds(body) || credAssignRE.MatchString(body) {
		return "", []string{"the body"}
	}
	return body, nil
}

// jsonCarries finds a member of a JSON value named like a credential or holding one.
func (c requestCreds) jsonCarries(v any, name string) (string, bool) {
	switch v := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if isCredentialName(k) {
				return k, true
			}
			if n, ok := c.jsonCarries(v[k], k); ok {
				return n, true
			}
		}
	case []any:
		for _, e := range v {
			if n, ok := c.jsonCarries(e, name); ok {
				return n, true
			}
		}
	case string:
		if c.holds(v) {
			if name == "" {
				name = "a credential"
			}
			return name, true
		}
	}
	return "", false
}

// carrier names the first part of r that carries a credential ("header X-Api-Key",
// "query pwd", "the body"), "" when none does. Unlike the history, a body is judged by
// what it holds, not by its field names: a saved body is written on purpose, and an
// API's fields named "key" or "token_type" are no secret.
func (c requestCreds) carrier(r TestRequest) string {
	withoutBody := r
	withoutBody.Body = ""
	if _, dropped, pathHolds := c.scrub(withoutBody); len(dropped) > 0 {
		return dropped[0]
	} else if pathHolds {
		return "the path"
	}
	if c.holds(r.Body) {
		return "the body"
	}
	return ""
}

// shownName is the name of a dropped part as the history names it, or "a parameter"
// when the name itself is the credential.
func shownName(c requestCreds, name string) string {
	if c.holds(name) {
		return "a parameter"
	}
	return name
}
