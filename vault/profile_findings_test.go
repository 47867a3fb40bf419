//go:build unix

package vault

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
)

// Findings of the testers on the profile form (issue #13) whose rules live in the vault,
// so that the CLI applies them too.

// TestValidateScopesWithCommas: `api/read, api/write` split on spaces gives "api/read,"
// which the provider refuses as invalid_scope only at the first fetch.
func TestValidateScopesWithCommas(t *testing.T) {
	t.Parallel()
	for _, scopes := range [][]string{{"api/read,", "api/write"}, {"a,b"}} {
		p := validProfile()
		p.Scopes = scopes
		var fe *FieldError
		if err := p.Validate(); !errors.As(err, &fe) || fe.Field != "scopes" || !strings.Contains(fe.Problem, "separated by spaces, not commas") {
			t.Errorf("%q: %v", scopes, err)
		}
	}
}

// TestValidateTestPathNeedsAnAPI: a test path with no API base URL has nothing to be
// sent to; a full URL as the path does.
func TestValidateTestPathNeedsAnAPI(t *testing.T) {
	t.Parallel()
	p := validProfile()
	p.TestRequest.Path = "/v1/me"
	var fe *FieldError
	if err := p.Validate(); !errors.As(err, &fe) || fe.Field != "test_request.path" || !strings.Contains(fe.Problem, "needs an API base URL") {
		t.Fatalf("path without API: %v", err)
	}
	p.TestRequest.Path = "https://api.example.com/v1/me"
	if err := p.Validate(); err != nil {
		t.Fatalf("a full URL as path: %v", err)
	}
	p.TestRequest.Path, p.APIBaseURL = "/v1/me", "https://api.example.com"
	if err := p.Validate(); err != nil {
		t.Fatalf("path with API: %v", err)
	}
}

// TestCheckCAFile: a CA file that is missing, not a regular file, unreadable, too large
// or without a PEM certificate is refused when it is set, not at the first fetch.
func TestCheckCAFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := writeCA(t, dir)
	if err := CheckCAFile(good); err != nil {
		t.Fatalf("a PEM certificate: %v", err)
	}
	if err := CheckCAFile(""); err != nil {
		t.Fatalf("no CA file: %v", err)
	}
	fifo := filepath.Join(dir, "fifo.pem")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "text.pem")
	os.WriteFile(text, []byte("not a certificate\n"), 0o600)
	key := filepath.Join(dir, "key.pem")
	os.WriteFile(key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("garbage")}), 0o600)
	big := filepath.Join(dir, "big.pem")
	os.WriteFile(big, []byte(strings.Repeat("\n", MaxCAFile+1)), 0o600)
	locked := filepath.Join(dir, "locked.pem")
	os.WriteFile(locked, []byte("x"), 0o000)
	cases := map[string]string{
		filepath.Join(dir, "nope.pem"): "no such file",
		fifo:                           "not a regular file",
		dir:                            "not a regular file",
		text:                           "no PEM certificate",
		key:                            "no PEM certificate",
		big:                            "larger than",
	}
	if os.Getuid() != 0 { // root reads anything
		cases[locked] = "cannot be read"
	}
	for path, want := range cases {
		var fe *FieldError
		err := CheckCAFile(path)
		if !errors.As(err, &fe) || fe.Field != "ca_file" || !strings.Contains(fe.Problem, want) || !strings.Contains(fe.Problem, path) {
			t.Errorf("%s: want a ca_file error saying %q and naming the file, got %v", path, want, err)
		}
	}
}

// TestEditClearsTheLastErrorWhenTheRequestChanges: a fetch error recorded for a CA file
// (or token URL, client ID…) that has since changed says nothing about the profile as it
// is: the edit drops it. An edit of the notes keeps it.
func TestEditClearsTheLastErrorWhenTheRequestChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	v := Open(dir, NewMemoryStore())
	p, err := v.Add(ctx, Profile{Name: "eds", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}, "real-s3cret")
	if err != nil {
		t.Fatal(err)
	}
	lastErr := func() string {
		st, err := v.State.Load()
		if err != nil {
			t.Fatal(err)
		}
		return st[p.ID].LastError
	}
	if err := v.RecordTokenError(ctx, p, "read the profile's CA file: open /old.pem: no such file"); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Edit(ctx, "eds", func(q *Profile) error { q.Notes = "hello"; return nil }); err != nil {
		t.Fatal(err)
	}
	if lastErr() == "" {
		t.Fatal("an edit of the notes dropped the last error")
	}
	if _, err := v.Edit(ctx, "eds", func(q *Profile) error { q.CAFile = filepath.Join(dir, "nope.pem"); return nil }); err == nil {
		t.Fatal("an edit set a missing CA file")
	}
	if lastErr() == "" {
		t.Fatal("a refused edit dropped the last error")
	}
	if _, err := v.Edit(ctx, "eds", func(q *Profile) error { q.CAFile = writeCA(t, dir); return nil }); err != nil {
		t.Fatal(err)
	}
	if e := lastErr(); e != "" {
		t.Fatalf("the CA file changed, the error about the old one stayed: %s", e)
	}
}

// TestSecretMustBePrintableASCII: RFC 6749 Appendix A.2 makes a client secret *VSCHAR
// (%x20-7E). A secret with an escape sequence or a bidi override is refused wherever a
// secret enters the vault (add, replace, rotation; an import goes through add), with a
// message that does not echo it.
func TestSecretMustBePrintableASCII(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v := Open(t.TempDir(), NewMemoryStore())
	p := Profile{Name: "eds", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthPost}
	for _, bad := range []string{"Qz7\x1b]52;c;QUFB\x07\u202eWk9", "Qz7\u202eWk9", "Qz7\tWk9", "Qz7éWk9", "Qz7\x7fWk9"} {
		var fe *FieldError
		err := CheckSecret(bad)
		if !errors.As(err, &fe) || fe.Field != "client_secret" || !strings.Contains(fe.Problem, "printable ASCII") {
			t.Errorf("%q: %v", bad, err)
			continue
		}
		if strings.Contains(err.Error(), "Qz7") || strings.Contains(err.Error(), "Wk9") {
			t.Errorf("%q: the error shows the secret: %v", bad, err)
		}
		if _, err := v.Add(ctx, p, bad); !errors.As(err, &fe) {
			t.Errorf("add %q: %v", bad, err)
		}
	}
	if _, err := v.Add(ctx, p, "good s3cret~!"); err != nil {
		t.Fatalf("a space and ~ are VSCHAR: %v", err)
	}
	var fe *FieldError
	if _, err := v.ReplaceSecret(ctx, "eds", "new\u202es3cret"); !errors.As(err, &fe) {
		t.Fatalf("replace: %v", err)
	}
	if _, err := v.StageSecret(ctx, "eds", "new\x1bs3cret"); !errors.As(err, &fe) {
		t.Fatalf("rotation: %v", err)
	}
}

// writeCA writes a PEM certificate (a test server's) to dir/ca.pem and returns its path.
func writeCA(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	defer srv.Close()
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A mutual-TLS profile with a plain http token URL is refused: the request would go
// with no client authentication at all (the certificate rides on the TLS handshake).
func TestMutualTLSNeedsAnHTTPSTokenURL(t *testing.T) {
	t.Parallel()
	for _, m := range []oauth.AuthMethod{oauth.AuthTLS, oauth.AuthSelfSignedTLS} {
		p := Profile{Name: "m", TokenURL: "http://127.0.0.1:8080/token", ClientID: "c", AuthMethod: m}
		err := p.Validate()
		if err == nil || !strings.Contains(err.Error(), "must be https") {
			t.Errorf("%s over http: %v", m, err)
		}
		p.TokenURL = "https://127.0.0.1:8443/token"
		if err := p.Validate(); err != nil && strings.Contains(err.Error(), "must be https") {
			t.Errorf("%s over https: %v", m, err)
		}
	}
}

// A client certificate whose validity has not begun says so (it read "expires … in 1
// days: renew it"), and one day reads as "1 day".
func TestCertNotYetValidSaysSo(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	c := CertInfo{NotBefore: now.Add(24 * time.Hour), NotAfter: now.Add(48*time.Hour + time.Hour)}
	if text, warn := c.Expiry(now); !warn || !strings.Contains(text, "not valid until 2026-11-26") {
		t.Fatalf("not yet valid: %q %v", text, warn)
	}
	c.NotBefore = now.Add(-time.Hour)
	c.NotAfter = now.Add(36 * time.Hour)
	if text, _ := c.Expiry(now); !strings.Contains(text, "in 1 day:") {
		t.Fatalf("one day: %q", text)
	}
}
