package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

func TestEndpointKeyNormalises(t *testing.T) {
	t.Parallel()
	same := [][2]string{
		{"https://auth.example.com/token", "HTTPS://Auth.Example.COM/token"},
		{"https://auth.example.com/token", "https://auth.example.com:443/token"},
		{"https://auth.example.com/token", "https://auth.example.com/token/"},
		{"https://auth.example.com/token", " https://auth.example.com/token#x"},
		{"http://127.0.0.1/t", "http://127.0.0.1:80/t"},
		{"https://[::1]/t", "https://[::1]:443/t"},
	}
	for _, c := range same {
		if endpointKey(c[0]) != endpointKey(c[1]) {
			t.Errorf("%q and %q should name the same endpoint: %q vs %q", c[0], c[1], endpointKey(c[0]), endpointKey(c[1]))
		}
	}
	differ := [][2]string{
		{"https://auth.example.com/token", "http://auth.example.com/token"},
		{"https://auth.example.com/token", "https://auth.example.com:8443/token"},
		{"https://auth.example.com/realms/a/token", "https://auth.example.com/realms/b/token"},
		{"https://auth.example.com/Token", "https://auth.example.com/token"}, // paths are case-sensitive
		{"https://auth.example.com/token?tenant=a", "https://auth.example.com/token?tenant=b"},
		{"https://auth.example.com/token", "https://auth.example.org/token"},
	}
	for _, c := range differ {
		if endpointKey(c[0]) == endpointKey(c[1]) {
			t.Errorf("%q and %q should differ: both %q", c[0], c[1], endpointKey(c[0]))
		}
	}
}

func TestSharedClientFindsOthersWithTheSameClientAndEndpoint(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	ctx := context.Background()
	add := func(name, client, url string) Profile {
		t.Helper()
		p, err := v.Add(ctx, Profile{Name: name, TokenURL: url, ClientID: client, AuthMethod: oauth.AuthAuto}, "s-"+name)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	a := add("a", "shared", "https://auth.example.com/token")
	add("b", "shared", "https://AUTH.example.com:443/token/")
	add("c", "shared", "https://auth.example.com/other")
	add("d", "other", "https://auth.example.com/token")
	add("e", "Shared", "https://auth.example.com/token") // client IDs are case-sensitive
	got, err := v.SharedClient(a)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Name != "b" {
		t.Fatalf("shared with a: %v, want [b]", names(got))
	}
}

func names(ps []Profile) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

// TestRotateReportsSkippedStepSharedClientAndToken: a profile with no API set shows its
// test call as skipped; the report carries the token the new secret earned (cached as
// the profile's token) and the profiles sharing the client.
func TestRotateReportsSkippedStepSharedClientAndToken(t *testing.T) {
	t.Parallel()
	srv, err := oauthtest.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddClient(oauthtest.Client{ID: "shared", Secrets: []string{"old", "new"}})
	b := newBroker(t)
	ctx := context.Background()
	for _, n := range []string{"staging", "prod"} {
		if _, err := b.Vault.Add(ctx, Profile{Name: n, TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: "shared", AuthMethod: oauth.AuthPost}, "old"); err != nil {
			t.Fatal(err)
		}
	}
	var seen []RotationStep
	rep, err := b.Rotate(ctx, "staging", "new", func(s RotationStep) { seen = append(seen, s) })
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 4 || !seen[2].Skipped || !strings.Contains(seen[2].Note, "no API set") || seen[1].Skipped {
		t.Fatalf("steps: %+v", seen)
	}
	if rep.Token == nil || rep.Token.Token.AccessToken == "" {
		t.Fatal("the report has no token")
	}
	cached, ok, err := b.Vault.CachedToken(ctx, rep.Profile, 0)
	if err != nil || !ok || cached.AccessToken != rep.Token.Token.AccessToken {
		t.Fatalf("the new secret's token is not the cached one: %v %v", ok, err)
	}
	if len(rep.Shared) != 1 || rep.Shared[0].Name != "prod" {
		t.Fatalf("shared: %v", names(rep.Shared))
	}

	// Update it too: prod takes the new secret, its old one kept aside.
	ups, err := b.Vault.UpdateShared(ctx, "staging", []string{"prod"})
	if err != nil || len(ups) != 1 || ups[0].Err != nil || ups[0].Current {
		t.Fatalf("update shared: %+v %v", ups, err)
	}
	prod, _ := b.Vault.Get("prod")
	if s, _ := b.Vault.Secret(ctx, prod); s != "new" || prod.SecretFingerprint != Fingerprint("new") || prod.PreviousFingerprint != Fingerprint("old") {
		t.Fatalf("prod after the update: %+v", prod)
	}
	// Again: nothing to do.
	if ups, _ := b.Vault.UpdateShared(ctx, "staging", []string{"prod"}); !ups[0].Current || ups[0].Err != nil {
		t.Fatalf("second update: %+v", ups)
	}
	// The provider revokes the old secret: checking it on staging drops it on prod too.
	srv.RevokeSecret("shared", "old")
	if v, _, err := b.CheckOld(ctx, "staging"); err != nil || v != Revoked {
		t.Fatalf("check old: %v %v", v, err)
	}
	prod, _ = b.Vault.Get("prod")
	if prod.PreviousFingerprint != "" {
		t.Fatal("prod still keeps the revoked secret aside")
	}
	if _, err := b.Vault.PreviousSecret(ctx, prod); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("prod's previous secret: %v", err)
	}
}

// TestUpdateSharedFailureAtEveryStep: a store write that fails while a sibling takes
// the new secret loses nothing: the sibling's active secret is the old or the new one,
// the other is kept, and the failure is reported for that sibling.
func TestUpdateSharedFailureAtEveryStep(t *testing.T) {
	t.Parallel()
	for failAt := 1; ; failAt++ {
		v, mem, _ := newTestVault(t)
		ctx := context.Background()
		for _, n := range []string{"a", "b"} {
			if _, err := v.Add(ctx, Profile{Name: n, TokenURL: "https://auth.example.com/token", ClientID: "shared", AuthMethod: oauth.AuthAuto}, "old"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := v.StageSecret(ctx, "a", "new"); err != nil {
			t.Fatal(err)
		}
		if _, err := v.Promote(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		fs := &flakyStore{MemoryStore: mem, failAt: failAt}
		v.Secrets = fs
		ups, err := v.UpdateShared(ctx, "a", []string{"b"})
		injected := fs.calls >= failAt
		t.Run(fmt.Sprintf("fail-at-%d", failAt), func(t *testing.T) {
			fs.failAt = -1
			failed := err != nil || (len(ups) == 1 && ups[0].Err != nil)
			if injected && !failed {
				t.Logf("succeeded despite the failure at call %d (best-effort cleanup)", failAt)
			}
			if !injected && failed {
				t.Fatalf("failed without an injected failure: %v %+v", err, ups)
			}
			// b on its old secret: the new one is a's, nothing of b's is lost. b on the
			// new one: its old one must be kept aside.
			active := checkInvariant(t, v, "b", "old", "new", true)
			if pr, _ := v.Secrets.Get(ctx, previousKey(mustGet(t, v, "b").ID)); active == "new" && pr != "old" {
				t.Fatal("b took the new secret and lost its old one")
			}
			if !failed && active != "new" {
				t.Fatal("reported success but b's active secret is the old one")
			}
			if s, _ := v.Secret(ctx, mustGet(t, v, "a")); s != "new" {
				t.Fatal("a lost its new secret")
			}
		})
		if !injected {
			break
		}
	}
}

func mustGet(t *testing.T, v *Vault, name string) Profile {
	t.Helper()
	p, err := v.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExplainGivesEachHintOnce(t *testing.T) {
	t.Parallel()
	ic := func() error {
		return &oauth.OAuthError{Status: 401, Code: "invalid_client", Hint: "check the client id and secret"}
	}
	// Wrapped twice, as rotation's steps wrap a fetch's error: the hint is in the
	// text once and in the error's fields.
	err := fmt.Errorf("%w\nthe new secret was not stored\n  hint: check the client id and secret", &oauth.AutoError{Basic: ic(), Post: ic()})
	if n := strings.Count(err.Error(), "check the client id"); n != 2 {
		t.Fatalf("the fixture should carry the hint twice, has %d", n)
	}
	text, hints := Explain(err)
	if strings.Contains(text, "hint:") || len(hints) != 1 || hints[0] != "check the client id and secret" {
		t.Fatalf("text %q hints %q", text, hints)
	}
	if !strings.Contains(text, "with HTTP Basic") || !strings.Contains(text, "the new secret was not stored") {
		t.Fatalf("text lost a line: %q", text)
	}
}

// Profiles of one private_key_jwt client: a client can have several keys registered, so
// only the profiles holding the rotated key are its shared ones (a profile with a key of
// its own is left alone, with no false warning); UpdateShared gives them the new key
// (staged as a key: its thumbprint and algorithm follow), they get tokens with it, and
// once check-old finds the old key rejected their kept copy goes too.
func TestSharedKeyProfilesTakeTheNewKey(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b, _, k1 := keyProfile(t, srv, "shared-key", "ES256") // profile "k"
	v, ctx := b.Vault, context.Background()
	url := srv.TokenURL(oauthtest.Generic)
	if _, err := v.Add(ctx, Profile{Name: "k-copy", TokenURL: url, ClientID: "shared-key", AuthMethod: oauth.AuthPrivateKeyJWT, KeyAlg: "ES256"}, k1.PEM); err != nil {
		t.Fatal(err)
	}
	own, ownDocs, err := GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterKey("shared-key", []byte(ownDocs.JWK)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Add(ctx, Profile{Name: "k-own", TokenURL: url, ClientID: "shared-key", AuthMethod: oauth.AuthPrivateKeyJWT}, own.PEM); err != nil {
		t.Fatal(err)
	}
	names := func(ps []Profile) string {
		var n []string
		for _, p := range ps {
			n = append(n, p.Name)
		}
		return strings.Join(n, ",")
	}
	p, _ := v.Get("k")
	if sh, err := v.SharedClient(p); err != nil || names(sh) != "k-copy" {
		t.Fatalf("before the rotation, shared %q %v (want k-copy only)", names(sh), err)
	}
	_, sk, err := v.GenerateStagedKey(ctx, "k", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterKey("shared-key", []byte(sk.Docs.JWK)); err != nil {
		t.Fatal(err)
	}
	rep, err := b.RotateStagedKey(ctx, "k", RotateOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if names(rep.Shared) != "k-copy" {
		t.Fatalf("after the rotation, shared %q (want k-copy only)", names(rep.Shared))
	}
	ups, err := v.UpdateShared(ctx, "k", []string{"k-copy"})
	if err != nil || len(ups) != 1 || ups[0].Err != nil || ups[0].Current {
		t.Fatalf("update shared: %+v %v", ups, err)
	}
	c := ups[0].Profile
	if c.KeyThumbprint != sk.Key.Thumbprint || c.KeyAlg != "ES256" || c.PreviousKeyThumbprint != k1.Thumbprint {
		t.Fatalf("k-copy after the update: %+v", c)
	}
	if s, _ := v.Secret(ctx, c); s != sk.Key.PEM {
		t.Fatal("k-copy does not hold the new key")
	}
	if _, err := b.Token(ctx, "k-copy", true, 0); err != nil {
		t.Fatalf("k-copy with the new key: %v", err)
	}
	if err := srv.RevokeKey("shared-key", k1.Thumbprint); err != nil {
		t.Fatal(err)
	}
	if verdict, _, err := b.CheckOld(ctx, "k"); err != nil || verdict != Revoked {
		t.Fatalf("check old: %s %v", verdict, err)
	}
	if c, _ = v.Get("k-copy"); c.PreviousKeyThumbprint != "" || c.PreviousFingerprint != "" {
		t.Fatalf("k-copy kept the revoked key: %+v", c)
	}
	if o, _ := v.Get("k-own"); o.KeyThumbprint != own.Thumbprint {
		t.Fatal("the profile with a key of its own was changed")
	}
	if _, err := b.Token(ctx, "k-own", true, 0); err != nil {
		t.Fatalf("k-own: %v", err)
	}
}
