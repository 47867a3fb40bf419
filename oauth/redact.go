package oauth

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"unicode"
)

// Redacted replaces a secret wherever oat found it in text that came back to it.
const Redacted = "[redacted]"

// redactor removes one client secret, in every form oat sent it, from text that a
// server or the transport handed back: error descriptions, bodies, headers, redirect
// targets and net/http's own error strings. Every error of a token request passes
// through it once, in FetchToken.
type redactor struct {
	// forms are whole encodings of the secret to replace wherever they appear.
	forms []string
	// basics are the base64 Basic credentials oat could have sent; with min, the length
	// of their prefix that already holds secret bytes.
	basics []basicForm
	// b64 are 10-character pieces of the secret's base64 at each of the three byte
	// alignments, in both alphabets: the secret inside any base64 a server sends back.
	b64 map[string]bool
	// alnum are the secret's letters and digits in order; loose matches them with a few
	// characters of any kind between each, which is how every escaping a server might
	// apply looks (%2F, &amp;, &#x27;, \u0026, \", folded spaces). Built on first use.
	alnum     string
	looseOnce sync.Once
	loose     *regexp.Regexp
}

// looseMaxText bounds the texts loose matching reads: error texts and excerpts are far
// shorter; a long body is cut before it is shown.
const looseMaxText = 64 << 10

type basicForm struct {
	b64 string
	min int
}

// newRedactor knows every form in which req's secret leaves oat: raw (and in JSON or
// HTML escaping, as a server might echo it), form-urlencoded (the body and the RFC
// Basic encoding), path-escaped, and inside the Basic credentials' base64, whole,
// without padding, or cut short.
func newRedactor(req TokenRequest) *redactor {
	s := req.ClientSecret
	r := &redactor{}
	if len(s) < 4 {
		return r // too short to tell apart from ordinary text; never a real secret
	}
	js, _ := json.Marshal(s)
	jsonForm := strings.Trim(string(js), `"`)
	for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s), html.EscapeString(s), jsonForm,
		strings.ReplaceAll(jsonForm, "/", `\/`)} {
		if !containsString(r.forms, f) {
			r.forms = append(r.forms, f)
		}
	}
	for _, pair := range [][2]string{{url.QueryEscape(req.ClientID), url.QueryEscape(s)}, {req.ClientID, s}} {
		b64 := base64.StdEncoding.EncodeToString([]byte(pair[0] + ":" + pair[1]))
		// A cut that carries fewer than four secret bytes reveals next to nothing; base64
		// character i carries bits of byte i*6/8, so byte k first appears at k*8/6.
		secretStart := len(pair[0]) + 1
		minLen := (secretStart+3)*8/6 + 1
		if minLen > len(b64) {
			minLen = len(b64)
		}
		r.basics = append(r.basics, basicForm{b64: b64, min: minLen})
	}
	r.b64 = base64Pieces(s)
	for _, c := range s {
		if c < 0x80 && (unicode.IsLetter(c) || unicode.IsDigit(c)) {
			r.alnum += string(c)
		}
	}
	return r
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// base64Pieces are the 10-character windows of the base64 of secret at byte offsets 0,
// 1 and 2 (only the characters that carry secret bits alone), in the standard and URL
// alphabets.
func base64Pieces(secret string) map[string]bool {
	const w = 10
	out := map[string]bool{}
	for off := 0; off < 3; off++ {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, off), secret...))
		start, end := (8*off+5)/6, 8*(off+len(secret))/6
		if end-start < w {
			continue
		}
		core := enc[start:end]
		for i := 0; i+w <= len(core); i++ {
			p := core[i : i+w]
			out[p] = true
			out[strings.NewReplacer("+", "-", "/", "_").Replace(p)] = true
		}
	}
	return out
}

// addCredential makes the redactor remove another credential oat sent, a client
// assertion: whole, form- or path-encoded, and its signature alone.
func (r *redactor) addCredential(s string) {
	if r == nil || len(s) < 16 {
		return
	}
	forms := []string{s, url.QueryEscape(s), url.PathEscape(s)}
	if i := strings.LastIndexByte(s, '.'); i >= 0 && len(s)-i > 16 {
		forms = append(forms, s[i+1:])
	}
	for _, f := range forms {
		if !containsString(r.forms, f) {
			r.forms = append(r.forms, f)
		}
	}
}

// redact returns text with every form of the secret replaced by [redacted].
func (r *redactor) redact(text string) string {
	text = r.redactExact(text)
	if re := r.looseRE(); re != nil && text != "" && len(text) <= looseMaxText {
		text = replaceOverlapping(re, text)
	}
	return text
}

// replaceOverlapping replaces the union of every match of re, overlapping ones
// included: the windows of the secret overlap, and a tail shorter than a window must go
// with the window before it.
func replaceOverlapping(re *regexp.Regexp, text string) string {
	var spans [][2]int
	for pos, rounds := 0, 0; pos < len(text); rounds++ {
		if rounds == 4096 { // a body echoing the secret thousands of times: the rest in one pass
			cut := pos
			if n := len(spans); n > 0 && spans[n-1][1] > cut {
				cut = spans[n-1][1]
			}
			return replaceSpans(text[:cut], spans) + re.ReplaceAllString(text[cut:], Redacted)
		}
		loc := re.FindStringIndex(text[pos:])
		if loc == nil {
			break
		}
		start, end := pos+loc[0], pos+loc[1]
		if n := len(spans); n > 0 && start <= spans[n-1][1] {
			spans[n-1][1] = max(spans[n-1][1], end)
		} else {
			spans = append(spans, [2]int{start, end})
		}
		pos = start + 1
	}
	return replaceSpans(text, spans)
}

// replaceSpans replaces each span of text, in order and apart, with [redacted].
func replaceSpans(text string, spans [][2]int) string {
	if len(spans) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(text[last:sp[0]])
		b.WriteString(Redacted)
		last = sp[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// redactExact replaces the forms oat itself produces and the secret inside base64: all
// a successful answer needs, without building the loose pattern on every fetch.
func (r *redactor) redactExact(text string) string {
	if r == nil || text == "" {
		return text
	}
	for _, b := range r.basics {
		text = redactPrefixes(text, b)
	}
	for _, f := range r.forms {
		text = strings.ReplaceAll(text, f, Redacted)
	}
	return r.redactBase64(text)
}

// redactBase64 replaces each run of base64 characters that holds a piece of the
// secret's base64, whole.
func (r *redactor) redactBase64(text string) string {
	if len(r.b64) == 0 {
		return text
	}
	isB64 := func(c byte) bool {
		return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte("+/-_=", c) >= 0
	}
	var out strings.Builder
	for i := 0; i < len(text); {
		if !isB64(text[i]) {
			out.WriteByte(text[i])
			i++
			continue
		}
		j := i
		for j < len(text) && isB64(text[j]) {
			j++
		}
		run, hit := text[i:j], false
		for k := 0; k+10 <= len(run) && !hit; k++ {
			hit = r.b64[run[k:k+10]]
		}
		if hit {
			out.WriteString(Redacted)
		} else {
			out.WriteString(run)
		}
		i = j
	}
	return out.String()
}

// looseRE matches eight letters or digits of the secret in a row (all of them if it has
// fewer, at least six), with up to six characters of anything between each: the secret
// through any escaping, and any long enough piece of it (a server's truncation).
func (r *redactor) looseRE() *regexp.Regexp {
	r.looseOnce.Do(func() {
		const window, gap = 8, `(?s:.{0,6}?)`
		a := r.alnum
		if len(a) < 6 {
			return
		}
		w := min(window, len(a))
		var alts []string
		seen := map[string]bool{}
		for i := 0; i+w <= len(a); i++ {
			piece := a[i : i+w]
			if seen[piece] {
				continue
			}
			seen[piece] = true
			parts := make([]string, len(piece))
			for j := range piece {
				parts[j] = regexp.QuoteMeta(piece[j : j+1])
			}
			alts = append(alts, strings.Join(parts, gap))
		}
		r.loose = regexp.MustCompile(`(?:` + strings.Join(alts, "|") + `)`)
	})
	return r.loose
}

// redactBody is body with every form of the secret replaced, before anything is parsed
// out of it: a field cut short or an HTML page with its tags taken out would no longer
// hold the secret whole.
func (r *redactor) redactBody(body []byte) []byte {
	if len(body) > looseMaxText {
		body = body[:looseMaxText]
	}
	return []byte(r.redact(string(body)))
}

// redactPrefixes replaces each run of text that is a prefix of the base64 Basic
// credentials long enough to hold secret bytes (the whole value, the value without
// padding, or a server's truncation of it).
func redactPrefixes(text string, b basicForm) string {
	head := b.b64[:b.min]
	if !strings.Contains(text, head) {
		return text
	}
	var out strings.Builder
	for {
		i := strings.Index(text, head)
		if i < 0 {
			out.WriteString(text)
			return out.String()
		}
		n := b.min
		for n < len(b.b64) && i+n < len(text) && text[i+n] == b.b64[n] {
			n++
		}
		out.WriteString(text[:i])
		out.WriteString(Redacted)
		text = text[i+n:]
	}
}

func (r *redactor) header(h http.Header) http.Header {
	if h == nil {
		return nil
	}
	out := make(http.Header, len(h))
	for k, vs := range h {
		k = r.redact(k)
		for _, v := range vs {
			out[k] = append(out[k], r.redact(v))
		}
	}
	return out
}

func (r *redactor) exchange(ex *Exchange) {
	if ex == nil {
		return
	}
	ex.URL, ex.RequestBody, ex.ResponseBody = r.redact(ex.URL), r.redact(ex.RequestBody), r.redact(ex.ResponseBody)
	ex.RequestHeaders, ex.ResponseHeaders = r.header(ex.RequestHeaders), r.header(ex.ResponseHeaders)
}

// registeredCodes are the token endpoint's error codes of RFC 6749 §5.2 and RFC 8707.
var registeredCodes = map[string]bool{"invalid_request": true, "invalid_client": true, "invalid_grant": true,
	"unauthorized_client": true, "unsupported_grant_type": true, "invalid_scope": true, "invalid_target": true}

// redactedError stands in for an error whose text held the secret; it keeps nothing of
// the original but its redacted text.
type redactedError struct{ text string }

func (e *redactedError) Error() string { return e.text }

// err scrubs the secret from every text field of oat's error types, in place, and from
// any other error by replacing it with its redacted text.
func (r *redactor) err(err error) error {
	if err == nil {
		return nil
	}
	switch e := err.(type) {
	case *OAuthError:
		if !registeredCodes[e.Code] { // a registered code is the server's word, never the secret
			e.Code = r.redact(e.Code)
		}
		// The hint is oat's own words around the profile's values, never the server's: only
		// the secret itself is taken out (loose matching would mangle oat's words when a
		// secret repeats a few letters).
		e.Description, e.URI, e.Hint = r.redact(e.Description), r.redact(e.URI), r.redactExact(e.Hint)
		r.exchange(e.Exchange)
		return e
	case *ResponseError:
		e.Excerpt, e.Detail, e.ContentType = r.redact(e.Excerpt), r.redact(e.Detail), r.redact(e.ContentType)
		r.exchange(e.Exchange)
		return e
	case *NetworkError:
		e.Host = r.redact(e.Host)
		if e.Err != nil {
			if text := e.Err.Error(); r.redact(text) != text {
				// net/http's errors quote what the server sent (a malformed header line);
				// only the text is kept, the kind is already classified.
				e.Err = &redactedError{text: r.redact(text)}
			}
		}
		return e
	case *AutoError:
		e.Basic, e.Post = r.err(e.Basic), r.err(e.Post)
		return e
	}
	if text := err.Error(); r.redact(text) != text {
		return &redactedError{text: r.redact(text)}
	}
	return err
}

// RedactSecret removes secret, in every form oat sends it for clientID, from text: for
// callers that record or show text that may have come from a server.
func RedactSecret(text, clientID, secret string) string {
	return newRedactor(TokenRequest{ClientID: clientID, ClientSecret: secret}).redact(text)
}
