package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// runFile is run with stdin from the file at path (a regular file, as `< k.pem` gives).
func (e *procEnv) runFile(path string, args ...string) procResult {
	e.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.bin, args...)
	cmd.Env, cmd.Dir, cmd.Stdin = e.environ(), e.home, f
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	r := procResult{out: out.String(), err: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		e.t.Fatal(err)
	}
	e.noSecretIn("oat "+strings.Join(args, " "), r.out+r.err)
	return r
}

// A key piped from a file to a command that makes one (add --keygen, keygen, rotate
// --keygen) is refused, saying how to import it instead; nothing is changed.
func TestKeygenRefusesKeyOnStdin(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	r := e.run("", "add", "gen", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "g")
	if r.code != 0 {
		t.Fatalf("add --keygen: %d %s", r.code, r.err)
	}
	_, pemText, _ := e.storedKeys("gen")
	kf := filepath.Join(t.TempDir(), "k.pem")
	if err := os.WriteFile(kf, []byte(pemText), 0o600); err != nil {
		t.Fatal(err)
	}
	r = e.runFile(kf, "add", "k2", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "g")
	if r.code != ExitUsage || !strings.Contains(r.err, "--keygen makes the key; the key on stdin would be ignored: leave out --keygen to import it") {
		t.Errorf("add --keygen < k.pem: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls"); strings.Contains(r.out, "k2") {
		t.Errorf("the refused add was saved:\n%s", r.out)
	}
	r = e.runFile(kf, "keygen", "gen", "--replace")
	if r.code != ExitUsage || !strings.Contains(r.err, "the key on stdin would be ignored") || !strings.Contains(r.err, "oat edit gen --auth private_key_jwt --replace-secret < key.pem") {
		t.Errorf("keygen < k.pem: %d %s", r.code, r.err)
	}
	r = e.runFile(kf, "rotate", "gen", "--keygen")
	if r.code != ExitUsage || !strings.Contains(r.err, "leave out --keygen to stage it") {
		t.Errorf("rotate --keygen < k.pem: %d %s", r.code, r.err)
	}
	// An empty file is no key: --keygen goes on.
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.runFile(empty, "add", "k3", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "g"); r.code != 0 {
		t.Errorf("add --keygen < empty: %d %s", r.code, r.err)
	}
}

// oat keygen NAME --show prints again the public documents of the stored key (what to
// register), never the private key, and makes nothing; the invalid_client hint of a
// key the provider does not know points to it and names the kid.
func TestKeygenShowAndTheHintThatLeadsThere(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "sh-id", Scopes: []string{"api/read"}})
	r := e.run("", "add", "sh", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "sh-id")
	if r.code != 0 {
		t.Fatalf("add --keygen: %d %s", r.code, r.err)
	}
	jwk, k := shownJWK(t, r.out)
	p, _, _ := e.storedKeys("sh") // the private key in every form is now checked against each output
	r = e.run("", "token", "sh")
	if r.code != ExitAuth || !strings.Contains(r.err, "kid "+k.KeyID) || !strings.Contains(r.err, "oat keygen sh --show") || strings.Contains(r.err, "oat inspect") {
		t.Errorf("unregistered key's hint: %d %s", r.code, r.err)
	}
	r = e.run("", "keygen", "sh", "--show")
	if r.code != 0 {
		t.Fatalf("keygen --show: %d %s", r.code, r.err)
	}
	shown, _ := shownJWK(t, r.out)
	for _, want := range []string{"thumbprint " + k.KeyID, "JWKS\n{\"keys\":[", "-----BEGIN PUBLIC KEY-----"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("--show lacks %q:\n%s", want, r.out)
		}
	}
	if shown != jwk || strings.Contains(r.out, "shown this once") || strings.Contains(r.out, "PRIVATE") {
		t.Errorf("--show gave another key or text:\n%s", r.out)
	}
	if q, _, _ := e.storedKeys("sh"); q.KeyThumbprint != p.KeyThumbprint || !q.SecretSetAt.Equal(p.SecretSetAt) {
		t.Error("--show changed the key")
	}
	// A key a rotation staged is shown too, after the active one.
	r = e.run("", "rotate", "sh", "--keygen")
	if r.code != 0 || !strings.Contains(r.out, "again any time: oat keygen sh --show") {
		t.Fatalf("rotate --keygen: %d %s %s", r.code, r.out, r.err)
	}
	newJWK, _ := shownJWK(t, r.out)
	e.storedKeys("sh")
	r = e.run("", "keygen", "sh", "--show")
	if active, staged, ok := strings.Cut(r.out, "A new ES256 key is staged for sh"); r.code != 0 || !ok || !strings.Contains(active, jwk) || !strings.Contains(staged, newJWK) || !strings.Contains(staged, "oat rotate sh --continue") {
		t.Errorf("--show with a staged key: %d\n%s", r.code, r.out)
	}
	if r := e.run("", "keygen", "sh", "--show", "--replace"); r.code != ExitUsage || !strings.Contains(r.err, "leave out --replace") {
		t.Errorf("--show --replace: %d %s", r.code, r.err)
	}
	e.add("sec", "sec-id", "s3cret-value-123", oauthtest.Generic)
	if r := e.run("", "keygen", "sec", "--show"); r.code != ExitUsage || !strings.Contains(r.err, "not with a key") {
		t.Errorf("--show on a secret profile: %d %s", r.code, r.err)
	}
	if r := e.run("", "keygen", "--help"); !strings.Contains(r.out, "--show") {
		t.Errorf("--help lacks --show:\n%s", r.out)
	}
}

// The hints of key commands lead somewhere that works: after a failed --continue,
// starting over needs --restage; keygen on a secret profile says what does move it to
// a key (and that works); a move to a secret method does not suggest keygen; an issuer
// audience without an issuer says how to get one; a lower-case algorithm is taken.
func TestKeyHintsLeadSomewhere(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "pk-id", Scopes: []string{"api/read"}})
	r := e.run("", "add", "pk1", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "pk-id")
	if r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	jwk, _ := shownJWK(t, r.out)
	if err := e.srv.RegisterKey("pk-id", []byte(jwk)); err != nil {
		t.Fatal(err)
	}
	e.storedKeys("pk1")
	if r := e.run("", "rotate", "pk1", "--keygen", "--key-alg", "es256"); r.code != 0 {
		t.Fatalf("rotate --keygen --key-alg es256: %d %s", r.code, r.err)
	}
	e.storedKeys("pk1")
	r = e.run("", "rotate", "pk1", "--continue")
	want := "oat rotate pk1 --keygen --restage"
	if r.code != ExitAuth || !strings.Contains(r.err, want) {
		t.Fatalf("failed --continue: %d %s", r.code, r.err)
	}
	if r := e.run("", "rotate", "pk1", "--keygen", "--restage"); r.code != 0 {
		t.Errorf("the hint's command: %d %s", r.code, r.err)
	}
	e.storedKeys("pk1")
	if r := e.run("", "keygen", "pk1", "--alg", "es256", "--replace"); r.code != 0 {
		t.Errorf("keygen --alg es256: %d %s", r.code, r.err)
	}
	e.storedKeys("pk1")
	if r := e.run("", "edit", "pk1", "--key-alg", "es256"); r.code != 0 {
		t.Errorf("edit --key-alg es256: %d %s", r.code, r.err)
	}

	for _, m := range []string{"basic", "client_secret_jwt", "tls_client_auth"} {
		r := e.run("", "edit", "pk1", "--auth", m)
		if r.code != ExitUsage || strings.Contains(r.err, "keygen") {
			t.Errorf("edit --auth %s: %d %s", m, r.code, r.err)
		}
	}
	e.add("eds", "eds-id", "s3cret-value-123", oauthtest.Generic)
	r = e.run("", "keygen", "eds")
	if r.code != ExitUsage || strings.Contains(r.err, "rotate eds --keygen") || !strings.Contains(r.err, "oat keygen eds --replace") ||
		!strings.Contains(r.err, "oat edit eds --auth private_key_jwt --replace-secret < key.pem") {
		t.Errorf("keygen on a secret profile: %d %s", r.code, r.err)
	}
	if r := e.run("", "keygen", "eds", "--replace"); r.code != 0 || !strings.Contains(r.out, "private_key_jwt") {
		t.Errorf("the suggested keygen --replace: %d %s", r.code, r.err)
	}
	e.storedKeys("eds")
	r = e.run("", "edit", "eds", "--assertion-aud", "issuer")
	if r.code != ExitUsage || !strings.Contains(r.err, "--discover ISSUER_URL") || strings.Contains(r.err, "set one") {
		t.Errorf("--assertion-aud issuer without an issuer: %d %s", r.code, r.err)
	}
}

// Messages in words: a piped key's staging is said once; a key in use already is a
// statement, under "the private key", not the field name private_key.
func TestRotateKeyMessagesInWords(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	r := e.run("", "add", "pw", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "pw-id")
	if r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	_, active, _ := e.storedKeys("pw")
	r = e.run(active, "rotate", "pw")
	if r.code != ExitUsage || !strings.Contains(r.err, "the private key: this key is the one in use already") || strings.Contains(r.err, "private_key:") || strings.Contains(r.err, "?") {
		t.Errorf("rotate with the key in use: %d %s", r.code, r.err)
	}
	r = e.run("", "add", "other", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "o-id")
	if r.code != 0 {
		t.Fatal(r.err)
	}
	_, otherKey, _ := e.storedKeys("other")
	r = e.run(otherKey, "rotate", "pw")
	if n := strings.Count(r.err, "stage the new key"); n != 1 {
		t.Errorf("the staging is said %d times:\n%s", n, r.err)
	}
}

// A key profile comes to a certificate with a check: oat rotate --keygen --cert makes
// a new key with a self-signed certificate (the subject and days asked for), shown
// once; registered at oauthtest by the certificate only, --continue gets a token with
// it and makes it active.
func TestRotateKeygenCert(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "x9-id", Scopes: []string{"api/read"}})
	r := e.run("", "add", "x9", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "x9-id")
	if r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	jwk, _ := shownJWK(t, r.out)
	if err := e.srv.RegisterKey("x9-id", []byte(jwk)); err != nil {
		t.Fatal(err)
	}
	e.storedKeys("x9")
	if r := e.run("", "rotate", "x9", "--cert"); r.code != ExitUsage || !strings.Contains(r.err, "go with --keygen") {
		t.Errorf("--cert without --keygen: %d %s", r.code, r.err)
	}
	r = e.run("", "rotate", "x9", "--keygen", "--cert", "--days", "30", "--subject", "oat x9")
	if r.code != 0 {
		t.Fatalf("rotate --keygen --cert: %d %s", r.code, r.err)
	}
	e.storedKeys("x9")
	cert, der := certOf(t, r.out)
	if cert.Subject.CommonName != "oat x9" || cert.NotAfter.Sub(cert.NotBefore) < 30*24*time.Hour || cert.NotAfter.Sub(cert.NotBefore) > 31*24*time.Hour {
		t.Fatalf("certificate %s valid %s – %s", cert.Subject, cert.NotBefore, cert.NotAfter)
	}
	if err := e.srv.RegisterCertificate("x9-id", der); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "rotate", "x9", "--continue"); r.code != 0 {
		t.Fatalf("--continue: %d %s", r.code, r.err)
	}
	e.storedKeys("x9")
	if r := e.run("", "inspect", "x9", "--force"); r.code != 0 || !strings.Contains(r.out, oauthtest.Thumbprint(der)) {
		t.Fatalf("inspect after the rotation: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "x9", "--help"); !strings.Contains(r.out, "--subject") {
		t.Errorf("--help lacks --cert's flags")
	}
}

// Discovery from a server whose CA is unknown fails with the same hint as a token
// fetch: the profile's CA file (--ca-file).
func TestDiscoverUnknownCAHint(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	r := e.run("s3cret-value", "add", "d", "--discover", e.srv.URL, "--client-id", "x")
	if r.code != ExitNetwork || !strings.Contains(r.err, "--ca-file") {
		t.Errorf("discover with an unknown CA: %d %s", r.code, r.err)
	}
}

// --pkcs12 with a key profile says how a key in a .p12 goes (as PEM, through openssl),
// and is not ignored by oat rotate.
func TestPKCS12WithKeyProfileSaysHow(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	if r := e.run("", "add", "pk", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "c"); r.code != 0 {
		t.Fatal(r.err)
	}
	_, active, _ := e.storedKeys("pk")
	for _, args := range [][]string{
		{"add", "p12", "--auth", "private_key_jwt", "--pkcs12", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "c"},
		{"edit", "pk", "--pkcs12", "--replace-secret"},
		{"rotate", "pk", "--pkcs12"},
	} {
		if r := e.run(active, args...); r.code != ExitUsage || !strings.Contains(r.err, "openssl pkcs12 -in f.pfx -nodes | oat") {
			t.Errorf("%v: %d %s", args, r.code, r.err)
		}
	}
}

// oat doctor's rotation advice covers certificates and staged rotations: a key's
// certificate expiring within 30 days and a key staged and never made active are
// named with what to do, in text and JSON. oat ls --json writes nothing but the JSON
// on stdout (the expiry is in it), while the table is followed by the ⚠ line.
func TestDoctorCertificatesAndStagedRotations(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	r := e.run("", "doctor")
	if r.code != 0 || !strings.Contains(r.out, "certificates  none expires within 30 days") || !strings.Contains(r.out, "staged        no rotation left half-way") {
		t.Fatalf("doctor with nothing: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "add", "soon", "--auth", "private_key_jwt", "--keygen", "--cert", "--days", "10", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "c"); r.code != 0 {
		t.Fatal(r.err)
	}
	e.storedKeys("soon")
	if r := e.run("", "add", "half", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "h"); r.code != 0 {
		t.Fatal(r.err)
	}
	e.storedKeys("half")
	if r := e.run("", "rotate", "half", "--keygen"); r.code != 0 {
		t.Fatal(r.err)
	}
	e.storedKeys("half")
	r = e.run("", "doctor")
	for _, want := range []string{"certificates  ⚠ soon: the key's certificate CN=oat soon expires", "oat rotate soon --keygen",
		"staged        ⚠ half: a new key is staged, never made active", "oat rotate half --continue"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("doctor lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "soon: a new key is staged") || strings.Contains(r.out, "half: the key's certificate") {
		t.Errorf("doctor names the wrong profile:\n%s", r.out)
	}
	r = e.run("", "doctor", "--json")
	var rep doctorReport
	if err := json.Unmarshal([]byte(r.out), &rep); err != nil || len(rep.Expiring) != 1 || len(rep.Staged) != 1 {
		t.Errorf("doctor --json: %v %+v\n%s", err, rep, r.out)
	}
	r = e.run("", "ls", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || strings.Contains(r.out, "⚠") || !strings.Contains(r.out, `"expiry_warning": true`) {
		t.Errorf("ls --json: %v\n%s", err, r.out)
	}
	if r := e.run("", "ls"); !strings.Contains(r.out, "⚠ soon: the key's certificate") {
		t.Errorf("ls lacks the expiry warning:\n%s", r.out)
	}
}
