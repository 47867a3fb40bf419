package vault

import (
	"fmt"
	"reflect"
	"sort"
	"unicode/utf8"
)

// Profiles come from people and from files — a hand-edited profiles.toml, a downloaded
// .env — and their fields end up on terminals: in lists, details, completion. So every
// field that is not free text refuses control characters, and free text (notes, a test
// body) may hold line breaks and tabs but no other control. Display code escapes what a
// hand edit still brings in (oauth.OneLine): a file is loaded as it is, never cleaned
// silently, and a write of a profile that holds a control character names the field.

// controlChar returns the first control character in s — a C0 control, DEL, a C1
// control, a bidi control (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), a
// line or paragraph separator, or a byte that is not UTF-8 — and whether there is one.
// freeText allows newline and tab.
func controlChar(s string, freeText bool) (rune, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return rune(s[i]), true
		case freeText && (r == '\n' || r == '\t'):
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0),
			r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069,
			r == 0x200e, r == 0x200f, r == 0x061c, r == 0x2028, r == 0x2029:
			return r, true
		}
		i += size
	}
	return 0, false
}

func controlProblem(r rune, freeText bool) string {
	if freeText {
		return fmt.Sprintf("contains the control character %U (line breaks and tabs are fine here, escape sequences and bidi controls are not)", r)
	}
	return fmt.Sprintf("contains the control character %U (escape sequences, line breaks and bidi controls are refused here)", r)
}

// textErrors checks every text field for control characters.
func (p *Profile) textErrors() []error {
	var errs []error
	check := func(field, what, s string, freeText bool) {
		if r, bad := controlChar(s, freeText); bad {
			problem := controlProblem(r, freeText)
			if what != "" {
				problem = what + " " + problem
			}
			errs = append(errs, &FieldError{Field: field, Problem: problem})
		}
	}
	for _, f := range []struct{ field, value string }{
		{"id", p.ID}, {"environment", p.Environment}, {"token_url", p.TokenURL}, {"client_id", p.ClientID},
		{"audience", p.Audience}, {"resource", p.Resource}, {"api_base_url", p.APIBaseURL}, {"issuer", p.Issuer},
		{"test_request.method", p.TestRequest.Method}, {"test_request.path", p.TestRequest.Path}, {"ca_file", p.CAFile},
		{"secret_fingerprint", p.SecretFingerprint}, {"previous_fingerprint", p.PreviousFingerprint},
		{"key_thumbprint", p.KeyThumbprint}, {"previous_key_thumbprint", p.PreviousKeyThumbprint}, {"key_id", p.KeyID}, {"previous_key_id", p.PreviousKeyID},
	} {
		check(f.field, "", f.value, false)
	}
	for i, s := range p.Scopes {
		check("scopes", fmt.Sprintf("scope %d", i+1), s, false)
	}
	for _, k := range sortedKeys(p.ExtraParams) {
		check("extra_params", "a parameter name", k, false)
		check("extra_params", fmt.Sprintf("the value of %q", k), p.ExtraParams[k], false)
	}
	for _, k := range sortedKeys(p.TestRequest.Headers) {
		check("test_request.headers", fmt.Sprintf("the value of %q", k), p.TestRequest.Headers[k], false)
	}
	check("notes", "", p.Notes, true)
	check("test_request.body", "", p.TestRequest.Body, true)
	check("client_cert", "", p.ClientCert, true)
	return errs
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// clone copies p deeply enough to compare it with its later self.
func (p Profile) clone() Profile {
	p.Scopes = append([]string(nil), p.Scopes...)
	p.ExtraParams = cloneMap(p.ExtraParams)
	p.TestRequest.Headers = cloneMap(p.TestRequest.Headers)
	return p
}

func cloneMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// unchanged reports whether p is the same as before, a clone taken before a change.
func (p *Profile) unchanged(before Profile) bool {
	return reflect.DeepEqual(before, p.clone())
}
