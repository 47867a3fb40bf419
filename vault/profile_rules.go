package vault

import (
	"fmt"
	"strings"
	"time"

	"github.com/oatcli/oat/oauth"
)

// Rules about profiles that both front ends apply, so the CLI and the app cannot drift.

// SetAuthMethod sets the client authentication method. The method that auto detected
// is kept only while the method stays the same: choosing any method again (even auto)
// after a change starts detection afresh; choosing the same one keeps what was learnt.
func (p *Profile) SetAuthMethod(m oauth.AuthMethod) {
	m = oauth.AuthMethod(strings.ToLower(string(m)))
	if m != p.AuthMethod {
		p.DetectedAuth = ""
	}
	p.AuthMethod = m
}

// ParseHeader reads one "Key: Value" header.
func ParseHeader(h string) (key, value string, err error) {
	k, v, ok := strings.Cut(h, ":")
	if !ok || strings.TrimSpace(k) == "" {
		return "", "", &FieldError{Field: "test_request.headers", Problem: fmt.Sprintf("%q is not 'Key: Value'", strings.TrimSpace(h))}
	}
	return strings.TrimSpace(k), strings.TrimSpace(v), nil
}

// ParseHeaders reads headers given one per item ("Key: Value"), skipping empty items.
func ParseHeaders(items []string) (map[string]string, error) {
	var out map[string]string
	for _, h := range items {
		if strings.TrimSpace(h) == "" {
			continue
		}
		k, v, err := ParseHeader(h)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}

// ParseParams reads extra form parameters given one per item ("KEY=VALUE").
func ParseParams(items []string) (map[string]string, error) {
	var out map[string]string
	for _, kv := range items {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, &FieldError{Field: "extra_params", Problem: fmt.Sprintf("%q is not KEY=VALUE", kv)}
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}

// WarnWindow is how long before its expiry a token counts as expiring: a tenth of its
// lifetime, at least the reuse margin, and for short-lived tokens (the demo's 45 s) a
// quarter, so that they still show a valid phase.
func WarnWindow(ts TokenState) time.Duration {
	w := DefaultMargin
	if life := ts.ExpiresAt.Sub(ts.FetchedAt); life > 0 && life/10 > w {
		w = life / 10
	}
	if life := ts.ExpiresAt.Sub(ts.FetchedAt); life > 0 && life < 2*w {
		w = life / 4
	}
	return w
}

// MergeEdit applies to cur only the fields an edit changed from the profile it started
// from (from → edited). Another oat may have changed cur since the edit began (the CLI
// in a second shell while the app's form was open): what the edit did not touch must
// not be undone.
func MergeEdit(cur *Profile, from, edited Profile) (overwrote []string) {
	// A field both sides changed gets the edit's value, and is named for the caller to
	// say so: the user should know another oat's change was replaced.
	str := func(dst *string, a, b string) {
		if a != b {
			if *dst != a && *dst != b {
				overwrote = append(overwrote, fieldOf(cur, dst))
			}
			*dst = b
		}
	}
	str(&cur.Name, from.Name, edited.Name)
	str(&cur.Environment, from.Environment, edited.Environment)
	str(&cur.TokenURL, from.TokenURL, edited.TokenURL)
	str(&cur.ClientID, from.ClientID, edited.ClientID)
	str(&cur.Audience, from.Audience, edited.Audience)
	str(&cur.Resource, from.Resource, edited.Resource)
	str(&cur.APIBaseURL, from.APIBaseURL, edited.APIBaseURL)
	str(&cur.Issuer, from.Issuer, edited.Issuer)
	str(&cur.CAFile, from.CAFile, edited.CAFile)
	str(&cur.Notes, from.Notes, edited.Notes)
	str(&cur.TestRequest.Method, from.TestRequest.Method, edited.TestRequest.Method)
	str(&cur.TestRequest.Path, from.TestRequest.Path, edited.TestRequest.Path)
	str(&cur.TestRequest.Body, from.TestRequest.Body, edited.TestRequest.Body)
	if !sameStrings(from.Scopes, edited.Scopes) {
		cur.Scopes = edited.Scopes
	}
	if !sameMap(from.ExtraParams, edited.ExtraParams) {
		cur.ExtraParams = edited.ExtraParams
	}
	if !sameMap(from.TestRequest.Headers, edited.TestRequest.Headers) {
		cur.TestRequest.Headers = edited.TestRequest.Headers
	}
	if from.AuthMethod != edited.AuthMethod {
		cur.SetAuthMethod(edited.AuthMethod)
	}
	if from.BasicEncoding != edited.BasicEncoding {
		cur.BasicEncoding = edited.BasicEncoding
	}
	if from.AssertionAudience != edited.AssertionAudience {
		cur.AssertionAudience = edited.AssertionAudience
	}
	if from.InsecureHTTP != edited.InsecureHTTP {
		cur.InsecureHTTP = edited.InsecureHTTP
	}
	return overwrote
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func sameMap(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// fieldOf names the string field of p that dst points to, for MergeEdit's report.
func fieldOf(p *Profile, dst *string) string {
	for name, f := range map[string]*string{"name": &p.Name, "environment": &p.Environment, "token_url": &p.TokenURL,
		"client_id": &p.ClientID, "audience": &p.Audience, "resource": &p.Resource, "api_base_url": &p.APIBaseURL,
		"issuer": &p.Issuer, "ca_file": &p.CAFile, "notes": &p.Notes, "test_request.method": &p.TestRequest.Method,
		"test_request.path": &p.TestRequest.Path, "test_request.body": &p.TestRequest.Body} {
		if f == dst {
			return name
		}
	}
	return "a field"
}
