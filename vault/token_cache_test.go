package vault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
)

func TestTokenCache(t *testing.T) {
	t.Parallel()
	v, _, clk := newTestVault(t)
	ctx := context.Background()
	p := mustAdd(t, v, "a", "s")
	if _, ok, err := v.CachedToken(ctx, p, DefaultMargin); ok || err != nil {
		t.Fatal("cache hit before any token")
	}
	tok := CachedToken{AccessToken: "eyJ.tok", TokenType: "Bearer", ExpiresAt: clk.t.Add(time.Hour), Scopes: []string{"api"}, FetchedAt: clk.t}
	if err := v.SaveToken(ctx, p, tok); err != nil {
		t.Fatal(err)
	}
	got, ok, err := v.CachedToken(ctx, p, DefaultMargin)
	if !ok || err != nil || got.AccessToken != "eyJ.tok" || got.Scopes[0] != "api" {
		t.Fatalf("cache miss: %+v %v %v", got, ok, err)
	}
	st, _ := v.TokenStates()
	if s := st[p.ID]; !s.Cached || !s.ExpiresAt.Equal(tok.ExpiresAt) || s.TokenType != "Bearer" {
		t.Fatalf("state %+v", s)
	}
	clk.Advance(59 * time.Minute) // 60 s left: inside the margin
	if _, ok, _ := v.CachedToken(ctx, p, DefaultMargin); ok {
		t.Fatal("token reused inside the margin")
	}
	if _, ok, _ := v.CachedToken(ctx, p, 30*time.Second); !ok {
		t.Fatal("token not reused with a smaller min-valid")
	}
	clk.Advance(2 * time.Minute)
	if _, ok, _ := v.CachedToken(ctx, p, 0); ok {
		t.Fatal("expired token reused")
	}
	if err := v.SaveToken(ctx, p, CachedToken{AccessToken: "noexp", FetchedAt: clk.t}); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := v.CachedToken(ctx, p, 0); ok {
		t.Fatal("token without expiry reused")
	}
	if err := v.RecordTokenError(ctx, p, "invalid_client: bad secret"); err != nil {
		t.Fatal(err)
	}
	st, _ = v.TokenStates()
	if st[p.ID].LastError != "invalid_client: bad secret" {
		t.Fatal("error not recorded")
	}
	if err := v.ForgetToken(ctx, p); err != nil {
		t.Fatal(err)
	}
	st, _ = v.TokenStates()
	if _, ok := st[p.ID]; ok {
		t.Fatal("state left after forget")
	}
}

func TestTokenTooLargeForStore(t *testing.T) {
	t.Parallel()
	v, _, clk := newTestVault(t)
	ctx := context.Background()
	p := mustAdd(t, v, "a", "s")
	v.Secrets = &KeyringStore{Service: "t", Timeout: time.Second, MaxValue: 2560, backend: memKeyring{m: map[string]string{}}}
	big := CachedToken{AccessToken: strings.Repeat("x", 3000), ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t}
	err := v.SaveToken(ctx, p, big)
	if !errors.Is(err, ErrValueTooLarge) {
		t.Fatalf("want too large, got %v", err)
	}
	st, _ := v.TokenStates()
	if s := st[p.ID]; s.Cached || s.ExpiresAt.IsZero() {
		t.Fatalf("state of an uncached token: %+v", s)
	}
	if _, ok, _ := v.CachedToken(ctx, p, 0); ok {
		t.Fatal("a token that was not stored came back")
	}
}

type memKeyring struct{ m map[string]string }

func (k memKeyring) Set(s, u, p string) error { k.m[s+u] = p; return nil }
func (k memKeyring) Get(s, u string) (string, error) {
	v, ok := k.m[s+u]
	if !ok {
		return "", errors.New("secret not found in keyring")
	}
	return v, nil
}
func (k memKeyring) Delete(s, u string) error { delete(k.m, s+u); return nil }

// refusingStore fails every call: listing must not need it.
type refusingStore struct{}

func (refusingStore) Name() string { return "refusing" }
func (refusingStore) Get(context.Context, string) (string, error) {
	return "", errors.New("listing read a secret")
}
func (refusingStore) Set(context.Context, string, string) error { return errors.New("no") }
func (refusingStore) Delete(context.Context, string) error      { return errors.New("no") }

func TestListingReadsNoSecret(t *testing.T) {
	t.Parallel()
	v, _, clk := newTestVault(t)
	p := mustAdd(t, v, "a", "s")
	v.SaveToken(context.Background(), p, CachedToken{AccessToken: "t", ExpiresAt: clk.t.Add(time.Hour), FetchedAt: clk.t})
	v.Secrets = refusingStore{}
	if ps, err := v.List(); err != nil || len(ps) != 1 {
		t.Fatal(err)
	}
	if st, err := v.TokenStates(); err != nil || !st[p.ID].Cached {
		t.Fatal(err)
	}
}

// TestNoSecretOnDisk stores secrets and tokens through every step, with the memory and
// the file store, then reads every file under the config dir.
func TestNoSecretOnDisk(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"memory", "file"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			var store SecretStore = NewMemoryStore()
			if kind == "file" {
				store = newFileStore(t, dir, "pass-phrase")
			}
			v := Open(dir, store)
			ctx := context.Background()
			secrets := []string{"first-SECRET-value-1", "second-SECRET-value-2", "third-SECRET-value-3"}
			tokens := []string{"eyJhbGciOiJSUzI1NiJ9.TOKEN-one.sig", "eyJhbGciOiJSUzI1NiJ9.TOKEN-two.sig"}
			p, err := v.Add(ctx, Profile{Name: "a", TokenURL: "https://a.example/t", ClientID: "c", AuthMethod: oauth.AuthPost}, secrets[0])
			if err != nil {
				t.Fatal(err)
			}
			v.SaveToken(ctx, p, CachedToken{AccessToken: tokens[0], ExpiresAt: time.Now().Add(time.Hour), FetchedAt: time.Now()})
			v.StageSecret(ctx, "a", secrets[1])
			v.Promote(ctx, "a")
			v.SaveToken(ctx, p, CachedToken{AccessToken: tokens[1], ExpiresAt: time.Now().Add(time.Hour), FetchedAt: time.Now()})
			v.RecordTokenError(ctx, p, "invalid_client")
			v.ReplaceSecret(ctx, "a", secrets[2])
			n := 0
			filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				n++
				data, _ := os.ReadFile(path)
				for _, s := range append(secrets, tokens...) {
					if strings.Contains(string(data), s) {
						t.Errorf("%s holds %q in plain text", path, s)
					}
				}
				return nil
			})
			if n < 2 {
				t.Fatalf("only %d files written", n)
			}
		})
	}
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	v, _, clk := newTestVault(t)
	p := mustAdd(t, v, "a", "s")
	for _, c := range []struct {
		age    time.Duration
		policy time.Duration
		want   bool
	}{{89 * 24 * time.Hour, 0, false}, {91 * 24 * time.Hour, 0, true}, {8 * 24 * time.Hour, 7 * 24 * time.Hour, true}} {
		v.RotationPolicy = c.policy
		clk.t = p.SecretSetAt.Add(c.age)
		if got := v.Overdue(p); got != c.want {
			t.Errorf("age %v policy %v: overdue %v", c.age, c.policy, got)
		}
		if v.SecretAge(p) != c.age {
			t.Errorf("age %v", v.SecretAge(p))
		}
	}
	if v.Overdue(Profile{}) {
		t.Error("profile without secret date overdue")
	}
}

func BenchmarkLoad1000Profiles(b *testing.B) {
	dir := b.TempDir()
	v := Open(dir, NewMemoryStore())
	err := v.Profiles.Update(context.Background(), func(ps *[]Profile) error {
		for i := 0; i < 1000; i++ {
			*ps = append(*ps, Profile{ID: NewID(), Name: fmt.Sprintf("profile-%04d", i), Environment: "staging",
				TokenURL: "https://sso.example.com/realms/r/protocol/openid-connect/token", ClientID: "client", Scopes: []string{"api/read", "api/write"},
				AuthMethod: oauth.AuthAuto, APIBaseURL: "https://api.example.com", TestRequest: TestRequest{Path: "/v1/ping"},
				CreatedAt: time.Now().UTC(), SecretFingerprint: "abcd1234", SecretSetAt: time.Now().UTC()})
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		ps, err := v.List()
		if err != nil || len(ps) != 1000 {
			b.Fatal(err)
		}
		if _, err := v.TokenStates(); err != nil {
			b.Fatal(err)
		}
	}
}
