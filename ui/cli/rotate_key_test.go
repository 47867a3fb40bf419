package cli

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// storedKeys reads the profile's active and kept keys from the env's store (the test's
// own check) and adds every form of them to what no output or file may hold.
func (e *procEnv) storedKeys(name string) (vault.Profile, string, string) {
	e.t.Helper()
	fs := &vault.FileStore{Path: filepath.Join(e.dir, "secrets.age"), Passphrase: func() (string, error) { return "pw", nil }}
	v := vault.Open(e.dir, fs)
	p, err := v.Get(name)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx := context.Background()
	active, err := v.Secret(ctx, p)
	if err != nil {
		e.t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(active)...)
	staged, _ := fs.Get(ctx, p.ID+"/secret.staged")
	if staged != "" {
		e.secrets = append(e.secrets, keyForms(staged)...)
	}
	prev, _ := fs.Get(ctx, p.ID+"/secret.previous")
	if prev != "" {
		e.secrets = append(e.secrets, keyForms(prev)...)
	}
	return p, active, staged
}

// The key rotation as a user without a terminal takes it, in real processes: oat rotate
// --keygen stages a new key and shows its public JWK once; --continue before it is
// registered fails and changes nothing; the test registers the shown JWK at oauthtest;
// --continue gets a token with it, runs the test call and makes it active; --check-old
// says "still accepted" until the test revokes the old kid, then "revoked". No private
// key in any output or file.
func TestRotateKeyTwoStepBinary(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "rk-id", Scopes: []string{"api/read"}})
	r := e.run("", "add", "rk", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic),
		"--client-id", "rk-id", "--api-url", e.srv.APIBaseURL(oauthtest.Generic), "--test-path", "/v0/versions")
	if r.code != 0 {
		t.Fatalf("add --keygen: %d %s", r.code, r.err)
	}
	oldJWK, oldKey := shownJWK(t, r.out)
	if err := e.srv.RegisterKey("rk-id", []byte(oldJWK)); err != nil {
		t.Fatal(err)
	}
	p, oldPEM, _ := e.storedKeys("rk")

	// A secret's rotation is refused for a key profile with what to do.
	if r := e.run("", "rotate", "rk", "--continue"); r.code == 0 || !strings.Contains(r.err, "no new key is staged") {
		t.Fatalf("continue with nothing staged: %d %s", r.code, r.err)
	}
	r = e.run("", "rotate", "rk", "--keygen", "--key-alg", "ES256")
	if r.code != 0 {
		t.Fatalf("rotate --keygen: %d %s %s", r.code, r.out, r.err)
	}
	newJWK, newKey := shownJWK(t, r.out)
	for _, want := range []string{"JWKS\n{\"keys\":[", "-----BEGIN PUBLIC KEY-----", "thumbprint " + newKey.KeyID, "oat rotate rk --continue", "old key (" + oldKey.KeyID + ") is still active"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("rotate --keygen output lacks %q:\n%s", want, r.out)
		}
	}
	if q, active, staged := e.storedKeys("rk"); active != oldPEM || staged == "" || q.KeyThumbprint != oldKey.KeyID {
		t.Fatal("staging changed the active key or staged nothing")
	}
	// Not registered yet: refused (exit 3), the old key active, the new one still staged.
	r = e.run("", "rotate", "rk", "--continue")
	if r.code != ExitAuth || !strings.Contains(r.err, "the new key stays staged") || !strings.Contains(r.err, "oat rotate rk --continue") {
		t.Fatalf("continue before registration: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "rk", "--force"); r.code != 0 {
		t.Fatalf("the old key no longer works after a failed rotation: %s", r.err)
	}
	if err := e.srv.RegisterKey("rk-id", []byte(newJWK)); err != nil {
		t.Fatal(err)
	}
	r = e.run("", "rotate", "rk", "--continue")
	if r.code != 0 || !strings.Contains(r.out, "active key "+newKey.KeyID) || !strings.Contains(r.err, "✓ get a token with the new key") ||
		!strings.Contains(r.err, "✓ test call with the new token") || !strings.Contains(r.out, "oat rotate rk --check-old") {
		t.Fatalf("continue: %d %s %s", r.code, r.out, r.err)
	}
	q, active, _ := e.storedKeys("rk")
	if active == oldPEM || q.KeyThumbprint != newKey.KeyID || q.PreviousKeyThumbprint != oldKey.KeyID || !q.SecretSetAt.After(p.SecretSetAt.Add(-1)) {
		t.Fatalf("after promotion: %+v", q)
	}
	if r := e.run("", "inspect", "rk"); !strings.Contains(r.out, "key thumbprint "+newKey.KeyID) {
		t.Fatalf("inspect after rotation: %s", r.out)
	}
	r = e.run("", "rotate", "rk", "--check-old")
	if r.code != ExitFailure || !strings.Contains(r.out, "still accepted") || !strings.Contains(r.out, oldKey.KeyID) {
		t.Fatalf("still accepted: %d %s %s", r.code, r.out, r.err)
	}
	if err := e.srv.RevokeKey("rk-id", oldKey.KeyID); err != nil {
		t.Fatal(err)
	}
	r = e.run("", "rotate", "rk", "--check-old")
	if r.code != 0 || !strings.Contains(r.out, "✓ revoked") || !strings.Contains(r.out, oldKey.KeyID) {
		t.Fatalf("revoked: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "rk", "--check-old"); r.code == 0 || !strings.Contains(r.err, "no previous key") {
		t.Fatalf("check-old with nothing kept: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "rk", "--force"); r.code != 0 {
		t.Fatalf("the new key does not work: %s", r.err)
	}
	if r := e.run("", "check", "rk"); r.code != 0 || strings.Contains(r.out, "overdue") {
		t.Fatalf("check after rotation: %d %s %s", r.code, r.out, r.err)
	}
	e.noSecretOnDisk()
}

// registerOnRead is a terminal's stdin whose user registers the JWK shown so far on out
// before pressing enter.
type registerOnRead struct {
	once sync.Once
	out  *bytes.Buffer
	do   func(out string)
	rest io.Reader
}

func (r *registerOnRead) Read(b []byte) (int, error) {
	r.once.Do(func() { r.do(r.out.String()); r.rest = strings.NewReader("\n") })
	return r.rest.Read(b)
}

// On a terminal oat rotate --keygen waits for enter after showing the key, then runs
// the checked rotation in the same command. A piped key of one's own is staged and
// tried at once. A secret profile refuses --keygen.
func TestRotateKeyOnTerminalAndPiped(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv.AddClient(oauthtest.Client{ID: "tk-id", Scopes: []string{"api/read"}})
	k, docs, _ := vault.GenerateKey("ES256")
	if err := e.srv.RegisterKey("tk-id", []byte(docs.JWK)); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(k.PEM)...)
	if r := e.run(k.PEM, "add", "tk", "--auth", "private_key_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "tk-id"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	var out, errb bytes.Buffer
	in := &registerOnRead{out: &out, do: func(shown string) {
		jwk, _ := shownJWK(t, shown)
		if err := e.srv.RegisterKey("tk-id", []byte(jwk)); err != nil {
			t.Error(err)
		}
	}}
	a := &App{In: in, Out: &out, Err: &errb, Getenv: func(string) string { return "" }, IsTerminal: func(any) bool { return true }, Store: e.store}
	code := Execute(context.Background(), a, []string{"--config-dir", e.dir, "rotate", "tk", "--keygen"})
	if code != 0 || !strings.Contains(errb.String(), "press enter") || !strings.Contains(out.String(), "rotated tk: active key") {
		t.Fatalf("rotate --keygen on a terminal: %d\n%s\n%s", code, out.String(), errb.String())
	}
	_, jwk := shownJWK(t, out.String())
	v := vault.Open(e.dir, e.store)
	p, _ := v.Get("tk")
	if p.KeyThumbprint != jwk.KeyID || p.PreviousKeyThumbprint != k.Thumbprint {
		t.Fatalf("after the rotation: %+v", p)
	}
	if _, err := v.DropPrevious(context.Background(), "tk"); err != nil {
		t.Fatal(err)
	}

	// A key of one's own, registered already, piped in: staged and tried at once.
	own, ownDocs, _ := vault.GenerateKey("RS256")
	e.secrets = append(e.secrets, keyForms(own.PEM)...)
	if err := e.srv.RegisterKey("tk-id", []byte(ownDocs.JWK)); err != nil {
		t.Fatal(err)
	}
	r := e.run(own.PEM, "rotate", "tk")
	if r.code != 0 || !strings.Contains(r.out, "active key "+own.Thumbprint+" (RS256)") {
		t.Fatalf("piped key: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "tk", "--drop-old"); r.code != 0 || !strings.Contains(r.out, "old key of tk deleted") {
		t.Fatalf("drop-old: %d %s %s", r.code, r.out, r.err)
	}
	e.add("sec", oauthtest.Generic)
	if r := e.run("", "rotate", "sec", "--keygen"); r.code != ExitUsage || !strings.Contains(r.err, "client secret") {
		t.Fatalf("--keygen on a secret profile: %d %s", r.code, r.err)
	}
}

// The secret's age and the rotation policy apply to keys: a 100-day-old key is listed
// overdue by ls and doctor; once rotated it is fresh and listed nowhere.
func TestRotateKeyResetsItsAge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	run := func(stdin string, args ...string) result {
		t.Helper()
		var out, errb bytes.Buffer
		a := &App{In: strings.NewReader(stdin), Out: &out, Err: &errb, Getenv: func(string) string { return "" },
			IsTerminal: func(any) bool { return false }, Store: e.store, Now: func() time.Time { return now }}
		code := Execute(context.Background(), a, append([]string{"--config-dir", e.dir}, args...))
		return result{out: out.String(), err: errb.String(), code: code}
	}
	e.srv.AddClient(oauthtest.Client{ID: "age-id", Scopes: []string{"api/read"}})
	k, docs, _ := vault.GenerateKey("ES256")
	_ = e.srv.RegisterKey("age-id", []byte(docs.JWK))
	if r := run(k.PEM, "add", "aged", "--auth", "private_key_jwt", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "age-id"); r.code != 0 {
		t.Fatalf("add: %s", r.err)
	}
	now = now.Add(100 * 24 * time.Hour)
	later := now
	e.srv.SetClock(func() time.Time { return later }) // the assertions are stamped with oat's clock
	if r := run("", "doctor"); !strings.Contains(r.out, "older than the rotation policy: aged") || !strings.Contains(r.out, "--keygen") {
		t.Fatalf("doctor before: %s", r.out)
	}
	if r := run("", "ls"); !strings.Contains(r.out, "100d ⚠") {
		t.Fatalf("ls before: %s", r.out)
	}
	r := run("", "rotate", "aged", "--keygen")
	if r.code != 0 {
		t.Fatalf("keygen: %s", r.err)
	}
	jwk, _ := shownJWK(t, r.out)
	_ = e.srv.RegisterKey("age-id", []byte(jwk))
	if r := run("", "rotate", "aged", "--continue"); r.code != 0 {
		t.Fatalf("continue: %s", r.err)
	}
	if r := run("", "doctor"); strings.Contains(r.out, "⚠ older than the rotation policy") || !strings.Contains(r.out, "no secret is older") {
		t.Fatalf("doctor after: %s", r.out)
	}
	if r := run("", "ls"); strings.Contains(r.out, "⚠") || !strings.Contains(r.out, "0d") {
		t.Fatalf("ls after: %s", r.out)
	}
}

// A key staged with --keygen (shown once, maybe registered already) is not replaced by
// another --keygen without --restage: it said nothing and dropped the first.
func TestRotateKeyKeepsAStagedKeyUnlessRestage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "memory")
	e.srv.AddClient(oauthtest.Client{ID: "rs-id", Scopes: []string{"api/read"}})
	if r := e.run("", "add", "rs", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "rs-id"); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	r := e.run("", "rotate", "rs", "--keygen")
	if r.code != 0 {
		t.Fatalf("rotate --keygen: %d %s", r.code, r.err)
	}
	_, first := shownJWK(t, r.out)
	r = e.run("", "rotate", "rs", "--keygen")
	if r.code != ExitUsage || !strings.Contains(r.err, first.KeyID) || !strings.Contains(r.err, "--restage") {
		t.Fatalf("a second --keygen: %d %s", r.code, r.err)
	}
	v := vault.Open(e.dir, e.store)
	p, _ := v.Get("rs")
	if sk, err := v.StagedKeyOf(context.Background(), p); err != nil || sk.Key.Thumbprint != first.KeyID {
		t.Fatalf("the first staged key was replaced: %v", err)
	}
	if r := e.run("", "rotate", "rs", "--keygen", "--restage"); r.code != 0 {
		t.Fatalf("--restage: %d %s", r.code, r.err)
	}
}

// A second profile with the same client and the same key (a copy for another scope) is
// warned about after a key rotation, and --update-shared gives it the new key, in real
// processes; it gets tokens with the new key, and no private key reaches any output.
func TestRotateKeyUpdatesSharedProfiles(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "sk-id", Scopes: []string{"api/read"}})
	url := e.srv.TokenURL(oauthtest.Generic)
	r := e.run("", "add", "sk", "--auth", "private_key_jwt", "--keygen", "--token-url", url, "--client-id", "sk-id")
	if r.code != 0 {
		t.Fatalf("add --keygen: %d %s", r.code, r.err)
	}
	oldJWK, _ := shownJWK(t, r.out)
	if err := e.srv.RegisterKey("sk-id", []byte(oldJWK)); err != nil {
		t.Fatal(err)
	}
	_, pemText, _ := e.storedKeys("sk")
	if r := e.run(pemText, "add", "sk-copy", "--auth", "private_key_jwt", "--token-url", url, "--client-id", "sk-id"); r.code != 0 {
		t.Fatalf("add sk-copy: %d %s", r.code, r.err)
	}
	for _, update := range []bool{false, true} {
		r = e.run("", "rotate", "sk", "--keygen")
		if r.code != 0 {
			t.Fatalf("rotate --keygen: %d %s", r.code, r.err)
		}
		if !update && !strings.Contains(r.err, "⚠ sk-copy holds the same key: add --update-shared to --continue") {
			t.Fatalf("no word at --keygen about sk-copy, while --update-shared can still go with --continue:\n%s", r.err)
		}
		newJWK, newKey := shownJWK(t, r.out)
		if err := e.srv.RegisterKey("sk-id", []byte(newJWK)); err != nil {
			t.Fatal(err)
		}
		args := []string{"rotate", "sk", "--continue"}
		if update {
			args = append(args, "--update-shared")
		}
		r = e.run("", args...)
		if r.code != 0 {
			t.Fatalf("rotate --continue %v: %d %s %s", update, r.code, r.out, r.err)
		}
		e.storedKeys("sk")
		if !update {
			e.storedKeys("sk-copy")
			if !strings.Contains(r.err, "sk-copy has the same client ID and token URL: it still signs with the old key") || !strings.Contains(r.err, "--update-shared") {
				t.Fatalf("no warning about sk-copy:\n%s", r.err)
			}
			// The advice can be followed after the rotation too: the active key now.
			r = e.run("", "rotate", "sk", "--update-shared")
			if r.code != 0 || !strings.Contains(r.out, "✓ sk-copy updated too: active key "+newKey.KeyID) {
				t.Fatalf("rotate --update-shared after the rotation: %d %s %s", r.code, r.out, r.err)
			}
			if r := e.run("", "token", "sk-copy", "--force"); r.code != 0 {
				t.Fatalf("sk-copy with the key given after: %d %s", r.code, r.err)
			}
			e.storedKeys("sk-copy")
			if r := e.run("", "rm", "sk-copy", "--yes"); r.code != 0 { // the next round is sk-copy2's
				t.Fatalf("rm: %d %s", r.code, r.err)
			}
			// The next rotation needs the old key dropped first. sk-copy keeps the key it
			// has (now its own: not sk's any more); sk-copy2 takes sk's current key.
			if r := e.run("", "rotate", "sk", "--drop-old"); r.code != 0 {
				t.Fatalf("drop-old: %d %s", r.code, r.err)
			}
			_, pemText, _ = e.storedKeys("sk")
			if r := e.run(pemText, "add", "sk-copy2", "--auth", "private_key_jwt", "--token-url", url, "--client-id", "sk-id"); r.code != 0 {
				t.Fatalf("add sk-copy2: %d %s", r.code, r.err)
			}
			continue
		}
		if !strings.Contains(r.out, "✓ sk-copy2 updated too: active key "+newKey.KeyID) || strings.Contains(r.out+r.err, "sk-copy ") {
			t.Fatalf("sk-copy2 not updated, or sk-copy (a key of its own) touched:\n%s\n%s", r.out, r.err)
		}
		if r := e.run("", "token", "sk-copy2", "--force"); r.code != 0 {
			t.Fatalf("sk-copy2 with the new key: %d %s", r.code, r.err)
		}
		e.storedKeys("sk-copy2")
	}
}
