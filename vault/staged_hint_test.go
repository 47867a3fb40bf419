package vault

import (
	"context"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// A key rotation cut off (a crash, kill -9, ctrl-c, a lost connection) after the new
// key got its token but before it became active: a provider that retires the old key on
// the new one's first use (RevokeOnUse here; an operator finishing the rotation at the
// provider does the same) now refuses the active key, and every token request of the
// profile failed with invalid_client and advice about registering the key, while the
// key that works sat staged. The refusal says so: the staged key's thumbprint, and
// oat rotate NAME --continue. Without a staged key the error is unchanged, and it stays
// the same kind of error (exit 3).
func TestRefusedActiveKeyNamesStagedKey(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	b, _, old := keyProfile(t, srv, "cut-off", "ES256")
	ctx := context.Background()

	if err := srv.RevokeKey("cut-off", old.Thumbprint); err != nil {
		t.Fatal(err)
	}
	_, err := b.Token(ctx, "k", true, 0)
	if err == nil || !oauth.IsAuthRejected(err) || strings.Contains(err.Error(), "--continue") {
		t.Fatalf("nothing staged: %v", err)
	}

	_, sk, err := b.Vault.GenerateStagedKey(ctx, "k", "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Token(ctx, "k", true, 0)
	if err == nil || !oauth.IsAuthRejected(err) {
		t.Fatalf("a refused key with one staged: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "oat rotate k --continue") || !strings.Contains(msg, sk.Key.Thumbprint) {
		t.Errorf("the refusal does not name the staged key: %s", msg)
	}
	if h := Hint(err); !strings.Contains(h, "--continue") {
		t.Errorf("oat check's hint: %q", h)
	}
}

// The same for a client certificate: self_signed_tls_client_auth with the old
// certificate dropped from the registration and the new one staged.
func TestRefusedActiveCertNamesStagedCert(t *testing.T) {
	t.Parallel()
	fx := newCertRot(t)
	ctx := context.Background()
	oldCred, oldTP, _ := fx.issue(nil, "self", fx.clk.Now(), 90)
	fx.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP}, Scopes: []string{"api/read"}})
	fx.add("ss", oauth.AuthSelfSignedTLS, oldCred)
	newCred, newTP, _ := fx.issue(nil, "self", fx.clk.Now(), 365)
	if _, _, err := fx.v.StageCert(ctx, "ss", newCred); err != nil {
		t.Fatal(err)
	}
	fx.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{newTP}, Scopes: []string{"api/read"}})
	_, err := fx.b.Token(ctx, "ss", true, 0)
	if err == nil || !oauth.IsAuthRejected(err) {
		t.Fatalf("the retired certificate: %v", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "oat rotate ss --continue") || !strings.Contains(msg, newTP) {
		t.Errorf("the refusal does not name the staged certificate: %s", msg)
	}
}
