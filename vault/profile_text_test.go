package vault

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// TestValidateRefusesControlCharacters: every field that is not free text refuses C0
// and C1 controls, DEL and bidi controls, naming the field; notes and a test body may
// hold line breaks and tabs, nothing else.
func TestValidateRefusesControlCharacters(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"\x1b]52;c;SGVsbG8=\x07", "\u202e", "\u009b2J", "\x7f", "\n", "\t", "\r", "\x00", "\u2066", "\u200f", "\u061c"} {
		cases := []struct {
			field string
			edit  func(*Profile)
		}{
			{"environment", func(p *Profile) { p.Environment = "prod" + bad }},
			{"client_id", func(p *Profile) { p.ClientID = "id" + bad }},
			{"token_url", func(p *Profile) { p.TokenURL += bad }},
			{"api_base_url", func(p *Profile) { p.APIBaseURL = "https://api.example.com/" + bad }},
			{"issuer", func(p *Profile) { p.Issuer = "https://auth.example.com/" + bad }},
			{"scopes", func(p *Profile) { p.Scopes = []string{"read", "x" + bad} }},
			{"audience", func(p *Profile) { p.Audience = "aud" + bad }},
			{"resource", func(p *Profile) { p.Resource = "https://res.example/" + bad }},
			{"extra_params", func(p *Profile) { p.ExtraParams = map[string]string{"tenant": "t" + bad} }},
			{"extra_params", func(p *Profile) { p.ExtraParams = map[string]string{"k" + bad: "v"} }},
			{"test_request.path", func(p *Profile) { p.TestRequest.Path = "/x" + bad }},
			{"test_request.headers", func(p *Profile) { p.TestRequest.Headers = map[string]string{"Accept": "a" + bad} }},
			{"ca_file", func(p *Profile) { p.CAFile = "/etc/ca" + bad }},
			{"secret_fingerprint", func(p *Profile) { p.SecretFingerprint = "abcd" + bad }},
		}
		if bad != "\n" && bad != "\t" {
			cases = append(cases,
				struct {
					field string
					edit  func(*Profile)
				}{"notes", func(p *Profile) { p.Notes = "a note" + bad }},
				struct {
					field string
					edit  func(*Profile)
				}{"test_request.body", func(p *Profile) { p.TestRequest.Body = "{}" + bad }})
		}
		for _, c := range cases {
			p := validProfile()
			c.edit(&p)
			err := p.Validate()
			var fe *FieldError
			if err == nil || !errors.Is(err, ErrInvalidProfile) {
				t.Errorf("%s with %q: accepted", c.field, bad)
				continue
			}
			found := false
			for _, e := range fieldErrors(err) {
				if e.Field == c.field && strings.Contains(e.Problem, "control character") {
					found, fe = true, e
				}
			}
			if !found {
				t.Errorf("%s with %q: %v", c.field, bad, err)
				continue
			}
			if strings.ContainsAny(fe.Error(), "\x1b\u202e\u009b\x7f\n\r\x00\u2066\u200f\u061c") {
				t.Errorf("%s: the error repeats the raw control: %q", c.field, fe.Error())
			}
		}
	}
	p := validProfile()
	p.Notes, p.TestRequest.Body = "line one\n\tline two\n", "{\n\t\"a\": 1\n}"
	if err := p.Validate(); err != nil {
		t.Errorf("notes and body with line breaks and tabs: %v", err)
	}
	p.ClientID, p.Environment = "ünïcödé-ид", "prod ✓"
	if err := p.Validate(); err != nil {
		t.Errorf("printable non-ASCII: %v", err)
	}
}

func fieldErrors(err error) []*FieldError {
	var out []*FieldError
	var walk func(error)
	walk = func(err error) {
		if fe, ok := err.(*FieldError); ok {
			out = append(out, fe)
			return
		}
		if m, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range m.Unwrap() {
				walk(e)
			}
			return
		}
		if e := errors.Unwrap(err); e != nil {
			walk(e)
		}
	}
	walk(err)
	return out
}

// TestProfilesFileWithControlCharactersLoads: a hand-edited profiles.toml with control
// characters in a profile loads (nothing is lost), writes of other profiles keep it as
// it is, and a write that changes that profile is refused naming each field to fix.
func TestProfilesFileWithControlCharactersLoads(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	ctx := context.Background()
	mustAdd(t, v, "evil", "s1")
	ps, err := v.List()
	if err != nil {
		t.Fatal(err)
	}
	ps[0].ClientID, ps[0].Environment, ps[0].Scopes = "id\x1b]52;c;SGVsbG8=\x07", "prod\u202e", []string{"a\u009b2J"}
	data, err := toml.Marshal(profilesDoc{Schema: ProfilesSchema, Profiles: ps})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(v.Profiles.Path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := v.Get("evil")
	if err != nil || got.ClientID != ps[0].ClientID || got.Environment != ps[0].Environment || got.Scopes[0] != ps[0].Scopes[0] {
		t.Fatalf("load: %v %+v", err, got)
	}
	// Another profile can be added, edited and removed; the hostile one is kept as it is.
	mustAdd(t, v, "other", "s2")
	if _, err := v.Edit(ctx, "other", func(p *Profile) error { p.Environment = "staging"; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Get("evil"); err != nil || got.ClientID != ps[0].ClientID {
		t.Fatalf("the hostile profile changed: %v %q", err, got.ClientID)
	}
	before, _ := os.ReadFile(v.Profiles.Path)
	_, err = v.Edit(ctx, "evil", func(p *Profile) error { p.Notes = "hi"; return nil })
	if err == nil {
		t.Fatal("an edit kept the control characters")
	}
	fields := map[string]bool{}
	for _, fe := range fieldErrors(err) {
		fields[fe.Field] = true
	}
	if !fields["client_id"] || !fields["environment"] || !fields["scopes"] || !strings.Contains(err.Error(), `"evil"`) {
		t.Fatalf("the error does not name the fields to fix: %v", err)
	}
	if after, _ := os.ReadFile(v.Profiles.Path); string(after) != string(before) {
		t.Fatal("a refused edit wrote the file")
	}
	// Fixing every field is accepted.
	if _, err := v.Edit(ctx, "evil", func(p *Profile) error {
		p.ClientID, p.Environment, p.Scopes = "id", "prod", []string{"a"}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
