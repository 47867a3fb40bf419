package oauth

import (
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strings"
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
}

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

// redact returns text with every form of the secret replaced by [redacted].
func (r *redactor) redact(text string) string {
	if r == nil || text == "" {
		return text
	}
	for _, b := range r.basics {
		text = redactPrefixes(text, b)
	}
	for _, f := range r.forms {
		text = strings.ReplaceAll(text, f, Redacted)
	}
	return text
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
		e.Code, e.Description, e.URI, e.Hint = r.redact(e.Code), r.redact(e.Description), r.redact(e.URI), r.redact(e.Hint)
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
