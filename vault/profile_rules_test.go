package vault

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
)

func TestSetAuthMethodKeepsWhatAutoLearntOnlyWhileUnchanged(t *testing.T) {
	t.Parallel()
	p := Profile{AuthMethod: oauth.AuthAuto, DetectedAuth: oauth.AuthPost}
	p.SetAuthMethod("AUTO")
	if p.AuthMethod != oauth.AuthAuto || p.DetectedAuth != oauth.AuthPost {
		t.Fatalf("the same method forgot the detection: %+v", p)
	}
	p.SetAuthMethod(oauth.AuthBasic)
	if p.AuthMethod != oauth.AuthBasic || p.DetectedAuth != "" {
		t.Fatalf("a new method kept the detection: %+v", p)
	}
}

func TestParseHeadersAndParams(t *testing.T) {
	t.Parallel()
	h, err := ParseHeaders([]string{" Accept : application/json ", "", "X-A:b:c"})
	if err != nil || h["Accept"] != "application/json" || h["X-A"] != "b:c" || len(h) != 2 {
		t.Fatalf("%v %v", h, err)
	}
	var fe *FieldError
	if _, err := ParseHeaders([]string{"broken"}); err == nil || !asFieldError(err, &fe) || fe.Field != "test_request.headers" {
		t.Fatalf("broken header: %v", err)
	}
	p, err := ParseParams([]string{"a=1", "b==2", "c="})
	if err != nil || p["a"] != "1" || p["b"] != "=2" || p["c"] != "" {
		t.Fatalf("%v %v", p, err)
	}
	if _, err := ParseParams([]string{"=x"}); err == nil || !asFieldError(err, &fe) || fe.Field != "extra_params" {
		t.Fatalf("empty key: %v", err)
	}
	if m, err := ParseParams(nil); m != nil || err != nil {
		t.Fatal("no params is nil")
	}
}

func TestWarnWindow(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for life, want := range map[time.Duration]time.Duration{
		time.Hour: 6 * time.Minute, 5 * time.Minute: DefaultMargin, 45 * time.Second: 45 * time.Second / 4, 0: DefaultMargin,
	} {
		if got := WarnWindow(TokenState{FetchedAt: t0, ExpiresAt: t0.Add(life)}); got != want {
			t.Errorf("lifetime %s: %s, want %s", life, got, want)
		}
	}
}

func TestDefaultImportName(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ prefix, file, want string }{
		{"EDS_", "/x/EDS.env", "eds"}, {"", "/x/staging.env", "staging"}, {"", "/x/.env", "imported"}, {"MY API_", "a.env", "my-api"},
	} {
		if got := (&EnvCredentials{Prefix: c.prefix}).DefaultName(c.file); got != c.want {
			t.Errorf("%q %q: %q, want %q", c.prefix, c.file, got, c.want)
		}
	}
}

func asFieldError(err error, fe **FieldError) bool {
	e, ok := err.(*FieldError)
	*fe = e
	return ok
}

// TestReplaceLosesNothing: replacing a profile (oat import --force) keeps the old one
// when the new one cannot be stored, and swaps them when it can.
func TestReplaceLosesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := Open(t.TempDir(), NewMemoryStore())
	name := strings.Repeat("n", 40)
	old, err := v.Add(ctx, Profile{Name: name, TokenURL: "https://a.example/token", ClientID: "old", AuthMethod: oauth.AuthPost}, "old-s3cret")
	if err != nil {
		t.Fatal(err)
	}
	np := Profile{Name: name, TokenURL: "https://a.example/token", ClientID: "new", AuthMethod: oauth.AuthPost}
	if _, err := v.Replace(ctx, name, np, "<SECRET HERE>"); err == nil {
		t.Fatal("a placeholder replaced the profile")
	}
	if p, err := v.Get(name); err != nil || p.ID != old.ID {
		t.Fatalf("the old profile is gone: %v", err)
	}
	got, err := v.Replace(ctx, name, np, "new-s3cret")
	if err != nil || got.Name != name || got.ClientID != "new" {
		t.Fatalf("replace: %+v %v", got, err)
	}
	if ps, _ := v.List(); len(ps) != 1 {
		t.Fatalf("%d profiles after replace", len(ps))
	}
	if s, err := v.Secret(ctx, got); err != nil || s != "new-s3cret" {
		t.Fatalf("secret %q %v", s, err)
	}
	if _, err := v.Secrets.Get(ctx, secretKey(old.ID)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the old secret was left behind: %v", err)
	}
}
