package vault

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
)

func TestPlaceholderSecrets(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"<EDS_SECRET HERE>", "<secret>", "your_client_secret", "YOUR_SECRET", "Your-Client-Secret",
		"changeme", "CHANGEME", "xxx", "XXXXXXXXXXXX", "PUT_SECRET_HERE", "secret here", "${EDS_SECRET}", "{{ client_secret }}",
		"********", " changeme ", "[your secret]", "$EDS_SECRET", "%EDS_SECRET%", "REPLACE_WITH_YOUR_SECRET", "TODO",
		"“<EDS_SECRET HERE>”", "<EDS_SECRET HERE>;", "<secret>,", `\u003cEDS_SECRET HERE\u003e`, "secret", "Password", "'changeme'"} {
		if !IsPlaceholderSecret(s) {
			t.Errorf("%q is a placeholder", s)
		}
		if err := CheckSecret(s); err == nil {
			t.Errorf("CheckSecret(%q) accepted it", s)
		}
	}
	for _, s := range []string{"x8Kq-changeme-Zt2", "s3cret+/=", "whereverHere9", "xxxy", "<a", "a>", "sphere", "eds-Secret+/=1",
		"my-client-secret-value-7f3a", "$ecret-Value-7f3a", "%x9$k%", "todo-list-9Kq2"} {
		if IsPlaceholderSecret(s) {
			t.Errorf("%q is a real-looking secret, refused", s)
		}
	}
}

// TestPlaceholderNeverStored: every way a secret enters the vault refuses a
// placeholder and saves nothing.
func TestPlaceholderNeverStored(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := Open(t.TempDir(), NewMemoryStore())
	p := Profile{Name: "eds", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}
	var fe *FieldError
	if _, err := v.Add(ctx, p, "<EDS_SECRET HERE>"); !errors.As(err, &fe) || fe.Field != "client_secret" {
		t.Fatalf("add: %v", err)
	}
	if ps, _ := v.List(); len(ps) != 0 {
		t.Fatal("a profile was saved")
	}
	added, err := v.Add(ctx, p, "real-s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.ReplaceSecret(ctx, "eds", "changeme"); !errors.As(err, &fe) {
		t.Fatalf("replace: %v", err)
	}
	if _, err := v.StageSecret(ctx, "eds", "your_client_secret"); !errors.As(err, &fe) {
		t.Fatalf("stage: %v", err)
	}
	if s, err := v.Secret(ctx, added); err != nil || s != "real-s3cret" {
		t.Fatalf("the secret changed: %q %v", s, err)
	}
}

// TestSecretCharMessageLeaksNothing: a refused character is named by its class; a
// control character (a paste artifact) also by its code, a character that could be
// part of the secret never; no position is given.
func TestSecretCharMessageLeaksNothing(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Qz7\tWk9": "holds a tab:", "Qz7\nWk9": "holds a line break:", "Qz7\rWk9": "holds a line break:",
		"Qz7\x1bWk9": "holds an escape character:", "Qz7\x07Wk9": "holds a control character (U+0007):",
		"Qz7éWk9": "holds a character outside printable ASCII:", "Qz7\u202eWk9": "holds a character outside printable ASCII:",
		"Qz7\x7fWk9": "holds a control character (U+007F):",
	} {
		err := CheckSecret(in)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
			continue
		}
		if strings.Contains(err.Error(), "at character") || strings.Contains(err.Error(), "U+00E9") || strings.Contains(err.Error(), "U+202E") {
			t.Errorf("%q: the message tells where or which character: %v", in, err)
		}
	}
}
