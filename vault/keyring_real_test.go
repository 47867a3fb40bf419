package vault

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
)

// realKeyring returns a KeyringStore on the session's Secret Service under a service name
// of its own. Without a Secret Service the test is skipped, unless OAT_REQUIRE_KEYRING=1
// (as in .ci/run), where it fails.
func realKeyring(t testing.TB) *KeyringStore {
	t.Helper()
	k := NewKeyringStore()
	k.Service = "oat-test-" + NewID()
	_, err := k.Get(context.Background(), "probe")
	if err != nil && !errors.Is(err, ErrNotFound) {
		if os.Getenv("OAT_REQUIRE_KEYRING") == "1" {
			t.Fatalf("OAT_REQUIRE_KEYRING=1 but the Secret Service does not answer: %v", err)
		}
		t.Skipf("no Secret Service (set OAT_REQUIRE_KEYRING=1 to fail instead): %v", err)
	}
	return k
}

func TestKeyringRealRoundTrip(t *testing.T) {
	k := realKeyring(t)
	storeContract(t, k, "rt")
}

func TestKeyringRealOversize(t *testing.T) {
	k := realKeyring(t)
	big := strings.Repeat("y", k.MaxValue+1)
	err := k.Set(context.Background(), "big", big)
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Size != len(big) {
		t.Fatalf("want TooLargeError, got %v", err)
	}
	if _, err := k.Get(context.Background(), "big"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an oversize value was stored (possibly truncated): %v", err)
	}
}

func TestKeyringRealVault(t *testing.T) {
	k := realKeyring(t)
	dir := t.TempDir()
	v := Open(dir, k)
	ctx := context.Background()
	p, err := v.Add(ctx, Profile{Name: "kr", TokenURL: "https://a.example/t", ClientID: "c", AuthMethod: oauth.AuthBasic}, "kr-secret+/=")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := v.Secret(ctx, p); err != nil || s != "kr-secret+/=" {
		t.Fatalf("secret: %q %v", s, err)
	}
	if err := v.Remove(ctx, "kr"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get(ctx, secretKey(p.ID)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("secret left in keyring: %v", err)
	}
}

func BenchmarkKeyringGet(b *testing.B) {
	k := realKeyring(b)
	ctx := context.Background()
	if err := k.Set(ctx, "bench", "value"); err != nil {
		b.Fatal(err)
	}
	defer k.Delete(ctx, "bench")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Get(ctx, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}
