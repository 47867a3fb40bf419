package vault

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// keyProfile adds a private_key_jwt profile "k" for client id on srv, with a fresh key
// of alg registered there; it returns the broker (its vault on a fake clock), the clock
// and the key.
func keyProfile(t *testing.T, srv *oauthtest.Server, id, alg string) (*Broker, *fixedClock, ClientKey) {
	t.Helper()
	v, _, clk := newTestVault(t)
	b := &Broker{Vault: v, Client: oauth.NewClient(), Margin: DefaultMargin}
	srv.AddClient(oauthtest.Client{ID: id, Scopes: []string{"api/read"}})
	k, docs, err := GenerateKey(alg)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterKey(id, []byte(docs.JWK)); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Add(context.Background(), Profile{Name: "k", TokenURL: srv.TokenURL(oauthtest.Generic), ClientID: id,
		AuthMethod: oauth.AuthPrivateKeyJWT, KeyAlg: alg}, k.PEM); err != nil {
		t.Fatal(err)
	}
	return b, clk, k
}

// A key is rotated with the checked flow: staged (generated), refused by the provider
// until its public JWK is registered (the old key stays active, the new one staged),
// then a token with it, promoted (thumbprint, algorithm and age updated, the old key
// kept aside), and the old key checked: revoked → deleted, still accepted → kept.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, alg, newAlg string
		revoke            bool
	}{
		{"revoked", "ES256", "", true},
		{"still accepted", "ES256", "", false},
		{"RS256 to ES256, revoked", "RS256", "ES256", true},
		{"EdDSA, still accepted", "EdDSA", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			id := strings.NewReplacer(" ", "-", ",", "").Replace(c.name)
			b, clk, old := keyProfile(t, srv, id, c.alg)
			ctx := context.Background()
			clk.Advance(100 * 24 * time.Hour)
			p, _ := b.Vault.Get("k")
			if !b.Vault.Overdue(p) {
				t.Fatal("a 100-day-old key is not overdue")
			}
			_, sk, err := b.Vault.GenerateStagedKey(ctx, "k", c.newAlg)
			if err != nil {
				t.Fatal(err)
			}
			wantAlg := c.alg
			if c.newAlg != "" {
				wantAlg = c.newAlg
			}
			if sk.Key.Alg != wantAlg || sk.Docs.Thumbprint != sk.Key.Thumbprint || !strings.Contains(sk.Docs.JWKS, sk.Key.Thumbprint) || !strings.Contains(sk.Docs.PEM, "PUBLIC KEY") {
				t.Fatalf("staged key: alg %s, docs %+v", sk.Key.Alg, sk.Docs)
			}
			if strings.Contains(sk.Docs.JWK, `"d"`) {
				t.Fatal("the JWK to register holds the private part")
			}
			// Not registered yet: refused, nothing changes, the new key stays staged.
			_, err = b.RotateStagedKey(ctx, "k", RotateOptions{}, nil)
			var re *RotationError
			if !errors.As(err, &re) || re.Step != StepToken || !re.KeptStaged || re.OldFingerprint != old.Thumbprint {
				t.Fatalf("unregistered key: %v", err)
			}
			p, _ = b.Vault.Get("k")
			if s, _ := b.Vault.Secret(ctx, p); s != old.PEM || p.KeyThumbprint != old.Thumbprint || p.PreviousKeyThumbprint != "" {
				t.Fatal("a refused key changed the active one")
			}
			if again, err := b.Vault.StagedKeyOf(ctx, p); err != nil || again.Key.Thumbprint != sk.Key.Thumbprint {
				t.Fatalf("the staged key was not kept: %v", err)
			}
			if err := srv.RegisterKey(id, []byte(sk.Docs.JWK)); err != nil {
				t.Fatal(err)
			}
			var steps []string
			rep, err := b.RotateStagedKey(ctx, "k", RotateOptions{}, func(s RotationStep) { steps = append(steps, s.Name) })
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(steps, ",") != strings.Join([]string{StepStage, StepToken, StepCall, StepPromote}, ",") {
				t.Fatalf("steps %v", steps)
			}
			p = rep.Profile
			if p.KeyThumbprint != sk.Key.Thumbprint || p.KeyAlg != wantAlg || p.PreviousKeyThumbprint != old.Thumbprint ||
				p.PreviousFingerprint != Fingerprint(old.PEM) || p.SecretFingerprint != Fingerprint(sk.Key.PEM) || !p.SecretSetAt.Equal(clk.t) {
				t.Fatalf("bookkeeping after promotion: %+v", p)
			}
			if b.Vault.Overdue(p) {
				t.Fatal("the new key is overdue")
			}
			if rep.NewFingerprint != sk.Key.Thumbprint || rep.OldFingerprint != old.Thumbprint || !rep.Key {
				t.Fatalf("report %+v", rep)
			}
			if _, _, err := b.Vault.GenerateStagedKey(ctx, "k", ""); err == nil || !strings.Contains(err.Error(), "previous key is still kept") {
				t.Fatalf("staging over a kept key: %v", err)
			}
			// The new key is the profile's: a fresh token is signed with it.
			if _, err := b.Token(ctx, "k", true, 0); err != nil {
				t.Fatalf("token with the new key: %v", err)
			}
			if c.revoke {
				if err := srv.RevokeKey(id, old.Thumbprint); err != nil {
					t.Fatal(err)
				}
			}
			verdict, p, err := b.CheckOld(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			_, kept := b.Vault.PreviousSecret(ctx, p)
			if c.revoke {
				if verdict != Revoked || kept == nil || p.PreviousKeyThumbprint != "" || p.PreviousFingerprint != "" {
					t.Fatalf("revoked: verdict %s, kept err %v, %+v", verdict, kept, p)
				}
			} else if verdict != StillAccepted || kept != nil || p.PreviousKeyThumbprint != old.Thumbprint {
				t.Fatalf("still accepted: verdict %s, kept err %v, %+v", verdict, kept, p)
			}
			assertNoKeyOnDisk(t, b.Vault.Dir, old.PEM, old.PEM)
			assertNoKeyOnDisk(t, b.Vault.Dir, sk.Key.PEM, sk.Key.PEM)
		})
	}
}

// A key profile refuses a secret, a secret profile refuses a key, the active key is
// refused as "new", and an imported key (JWK) is staged like a generated one.
func TestStageKeyRefusalsAndImport(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b, _, old := keyProfile(t, srv, "imp", "ES256")
	ctx := context.Background()
	mustAdd(t, b.Vault, "sec", "a-secret")
	if _, _, err := b.Vault.StageKey(ctx, "sec", old.PEM, ""); !errors.Is(err, ErrNotAKeyProfile) {
		t.Fatalf("key on a secret profile: %v", err)
	}
	if _, err := b.Vault.StageSecret(ctx, "k", "new-s3cret"); err == nil || !strings.Contains(err.Error(), "oat rotate k --keygen") {
		t.Fatalf("secret on a key profile: %v", err)
	}
	if _, _, err := b.Vault.StageKey(ctx, "k", old.PEM, ""); err == nil || !strings.Contains(err.Error(), "in use already") {
		t.Fatalf("the active key as new: %v", err)
	}
	if _, _, err := b.Vault.StageKey(ctx, "k", "not a key", ""); err == nil {
		t.Fatal("garbage staged")
	}
	forms := keyForms(t)
	_, sk, err := b.Vault.StageKey(ctx, "k", forms["ec/jwk"].text, "")
	if err != nil {
		t.Fatal(err)
	}
	if tp, _ := oauth.Thumbprint(forms["ec/jwk"].key.Public()); sk.Key.Thumbprint != tp || !strings.HasPrefix(sk.Key.PEM, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("imported %+v", sk.Key.Thumbprint)
	}
	if _, _, err := b.Vault.StageKey(ctx, "k", forms["rsa/pkcs8"].text, "ES256"); err == nil {
		t.Fatal("an RSA key staged to sign ES256")
	}
	// An algorithm the new key allows beside another (PS256 for an RSA key) is staged
	// with it: the key's documents name it.
	if _, sk, err := b.Vault.GenerateStagedKey(ctx, "k", "PS256"); err != nil || sk.Key.Alg != "PS256" || !strings.Contains(sk.Docs.JWK, `"alg":"PS256"`) {
		t.Fatalf("PS256 from an ES256 profile: %v", err)
	}
	if _, sk, err := b.Vault.GenerateStagedKey(ctx, "k", "RS256"); err != nil || sk.Key.Alg != "RS256" {
		t.Fatalf("RS256 from an ES256 profile: %v", err)
	}
}

// A key rotation to another algorithm the same kind of key signs with (RS256 → PS256)
// carries it across the two steps: the staged key keeps it, the token with it is
// signed PS256 (the server takes only the JWK registered for PS256), and the promoted
// profile signs PS256.
func TestKeyRotationToAnotherAlgOfTheSameKeyKind(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b, _, _ := keyProfile(t, srv, "ps", "RS256")
	ctx := context.Background()
	_, sk, err := b.Vault.GenerateStagedKey(ctx, "k", "PS256")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.RegisterKey("ps", []byte(sk.Docs.JWK)); err != nil {
		t.Fatal(err)
	}
	rep, err := b.RotateStagedKey(ctx, "k", RotateOptions{}, nil)
	if err != nil {
		t.Fatalf("rotation to PS256: %v", err)
	}
	if rep.Profile.KeyAlg != "PS256" {
		t.Fatalf("the promoted profile signs %s", rep.Profile.KeyAlg)
	}
	if _, err := b.Token(ctx, "k", true, 0); err != nil {
		t.Fatalf("a token after the rotation: %v", err)
	}
}

// TestKeyRotationFailureAtEveryStep: a store failing at each call of each step (stage,
// the checked rotation with its promotion, rollback, drop) leaves one active key that
// the profile describes (fingerprint and thumbprint), and loses neither key.
func TestKeyRotationFailureAtEveryStep(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	newK, newDocs, _ := GenerateKey("ES256")
	type setup struct {
		b   *Broker
		mem *MemoryStore
		old ClientKey
	}
	steps := []struct {
		name       string
		prepare    func(s setup)
		run        func(s setup) error
		dropsOther bool
	}{
		{"stage", func(setup) {}, func(s setup) error {
			_, _, err := s.b.Vault.StageKey(context.Background(), "k", newK.PEM, "")
			return err
		}, false},
		{"rotate", func(s setup) { s.b.Vault.StageKey(context.Background(), "k", newK.PEM, "") },
			func(s setup) error {
				_, err := s.b.RotateStagedKey(context.Background(), "k", RotateOptions{}, nil)
				return err
			}, false},
		{"rollback", func(s setup) {
			s.b.Vault.StageKey(context.Background(), "k", newK.PEM, "")
			s.b.Vault.Promote(context.Background(), "k")
		}, func(s setup) error { _, err := s.b.Vault.RollBack(context.Background(), "k"); return err }, true},
		{"drop", func(s setup) {
			s.b.Vault.StageKey(context.Background(), "k", newK.PEM, "")
			s.b.Vault.Promote(context.Background(), "k")
		}, func(s setup) error { _, err := s.b.Vault.DropPrevious(context.Background(), "k"); return err }, true},
	}
	n := 0
	for _, step := range steps {
		for failAt := 1; ; failAt++ {
			n++
			id := fmt.Sprintf("c%d", n)
			b, _, old := keyProfile(t, srv, id, "ES256")
			if err := srv.RegisterKey(id, []byte(newDocs.JWK)); err != nil {
				t.Fatal(err)
			}
			mem := b.Vault.Secrets.(*MemoryStore)
			s := setup{b, mem, old}
			step.prepare(s)
			fs := &flakyStore{MemoryStore: mem, failAt: failAt}
			b.Vault.Secrets = fs
			err := step.run(s)
			injected := fs.calls >= failAt
			t.Run(fmt.Sprintf("%s/fail-at-%d", step.name, failAt), func(t *testing.T) {
				fs.failAt = -1
				mayLose := (step.dropsOther && err == nil) || (step.name == "stage" && err != nil)
				if step.name == "rollback" {
					p, _ := b.Vault.Get("k")
					mayLose = mayLose || p.SecretFingerprint == Fingerprint(old.PEM)
				}
				active := checkInvariant(t, b.Vault, "k", old.PEM, newK.PEM, mayLose)
				p, _ := b.Vault.Get("k")
				want := old.Thumbprint
				if active == newK.PEM {
					want = newK.Thumbprint
				}
				if p.KeyThumbprint != want {
					t.Fatalf("key_thumbprint %s does not describe the active key %s", p.KeyThumbprint, want)
				}
				if pr, _ := b.Vault.Secrets.Get(context.Background(), previousKey(p.ID)); pr != "" && p.PreviousKeyThumbprint == "" {
					t.Fatal("a key is kept aside with no thumbprint named")
				}
				if step.name == "rotate" && err != nil && active == old.PEM {
					// The new key is registered: it is kept staged to try again.
					if _, serr := b.Vault.StagedKeyOf(context.Background(), p); serr != nil {
						t.Fatalf("a failed rotation lost the staged key: %v", serr)
					}
				}
			})
			if !injected {
				break
			}
		}
	}
}
