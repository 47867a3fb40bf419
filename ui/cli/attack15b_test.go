package cli

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// Key material that a copy has wrapped (base64 of a whole PEM as a Kubernetes secret
// holds it, a PEM's body without its BEGIN/END lines, a quoted JWK, a JWK after a byte
// order mark, an ssh public key line) is refused as a client secret like the plain
// forms: each was stored as the secret and sent to the token endpoint in Basic and in
// the body.
func TestWrappedKeyGivenAsASecretIsRefused(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	k, docs, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(k.PEM)...)
	b, _ := pem.Decode([]byte(k.PEM))
	if _, err := x509.ParsePKCS8PrivateKey(b.Bytes); err != nil {
		t.Fatal(err)
	}
	body := base64.StdEncoding.EncodeToString(b.Bytes)
	e.secrets = append(e.secrets, body, base64.StdEncoding.EncodeToString([]byte(k.PEM)))
	privJWK := `{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cLtDiQHfm2c4eyX5BzRQkY"}`
	e.secrets = append(e.secrets, "jpsQnnGQmL-YBIffH1136cLtDiQHfm2c4eyX5BzRQkY")
	before := e.srv.TokenRequests()
	for i, c := range []struct{ name, in, want string }{
		{"base64 of a PEM", base64.StdEncoding.EncodeToString([]byte(k.PEM)), "a private key (PEM), base64-encoded"},
		{"PEM body", body, "a private key in base64"},
		{"quoted JWK", "'" + privJWK + "'", "a private key (JWK)"},
		{"JWK after a BOM", "\uFEFF" + privJWK, "a private key (JWK)"},
		{"base64url JWK", base64.RawURLEncoding.EncodeToString([]byte(privJWK)), "a private key (JWK), base64-encoded"},
		{"public JWK in base64", base64.StdEncoding.EncodeToString([]byte(docs.JWK)), "a public key (JWK"},
		{"ssh public key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl me@host", "an ssh public key"},
	} {
		r := e.run(c.in, "add", "w"+string(rune('a'+i)), "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "me")
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) || !strings.Contains(r.err, "not a client secret") {
			t.Errorf("%s: %d %s", c.name, r.code, r.err)
		}
	}
	if r := e.run("", "ls", "--json"); strings.Contains(r.out, `"name"`) {
		t.Fatalf("a refused profile was stored:\n%s", r.out)
	}
	if e.srv.TokenRequests() != before {
		t.Fatal("a key given as a secret reached the token endpoint")
	}
	e.noSecretOnDisk()
}

// oat keygen --show never prints a private key, for any profile kind: a key with its
// certificate (and a staged one with its own), a key imported as a private JWK, a
// mutual-TLS profile (refused), a secret profile (refused). Real processes; every
// form of each private key is checked against each output.
func TestKeygenShowNeverShowsAPrivateKey(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	url := e.srv.TokenURL(oauthtest.Generic)
	if r := e.run("", "add", "kc", "--auth", "private_key_jwt", "--keygen", "--cert", "--token-url", url, "--client-id", "kc-id"); r.code != 0 {
		t.Fatalf("add --keygen --cert: %d %s", r.code, r.err)
	}
	e.storedKeys("kc")
	if r := e.run("", "rotate", "kc", "--keygen", "--cert"); r.code != 0 {
		t.Fatalf("rotate --keygen --cert: %d %s %s", r.code, r.out, r.err)
	}
	e.storedKeys("kc")
	r := e.run("", "keygen", "kc", "--show")
	if r.code != 0 || strings.Count(r.out, "-----BEGIN CERTIFICATE-----") != 2 || strings.Contains(r.out, "PRIVATE") || strings.Contains(r.out, `"d":`) {
		t.Errorf("--show of a key with a certificate and a staged one: %d\n%s%s", r.code, r.out, r.err)
	}

	jk, _, err := vault.GenerateKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(jk.PEM)...)
	blk, _ := pem.Decode([]byte(jk.PEM))
	priv, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(jose.JSONWebKey{Key: priv, KeyID: "mine"})
	if err != nil {
		t.Fatal(err)
	}
	privJWK := string(jb)
	var dd struct{ D string }
	_ = json.Unmarshal(jb, &dd)
	e.secrets = append(e.secrets, dd.D)
	if r := e.run(privJWK, "add", "jw", "--auth", "private_key_jwt", "--token-url", url, "--client-id", "jw-id"); r.code != 0 {
		t.Fatalf("add a JWK key: %d %s", r.code, r.err)
	}
	if r := e.run("", "keygen", "jw", "--show"); r.code != 0 || !strings.Contains(r.out, `"kid":"mine"`) || strings.Contains(r.out, `"d":`) {
		t.Errorf("--show of an imported JWK: %d\n%s%s", r.code, r.out, r.err)
	}

	mine, _, err := vault.GenerateKeyCert("ES256", &vault.CertRequest{Subject: "me", Days: 30, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, keyForms(mine.PEM)...)
	if r := e.run(mine.PEM, "add", "mt", "--auth", "self_signed_tls_client_auth", "--token-url", "https://127.0.0.1:1/token", "--client-id", "mt-id"); r.code != 0 {
		t.Fatalf("add an mTLS profile: %d %s", r.code, r.err)
	}
	if r := e.run("", "keygen", "mt", "--show"); r.code != ExitUsage || strings.Contains(r.out+r.err, "PRIVATE") {
		t.Errorf("--show of an mTLS profile: %d\n%s%s", r.code, r.out, r.err)
	}
	e.noSecretOnDisk()
}

// A profile whose certificate a hand edit made unreadable is a problem doctor names
// (oat ls warns of it): doctor said "none expires within 30 days" and exited 0.
func TestDoctorNamesAnUnreadableCertificate(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	if r := e.run("", "add", "kc", "--auth", "private_key_jwt", "--keygen", "--cert", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "kc-id"); r.code != 0 {
		t.Fatalf("add --keygen --cert: %d %s", r.code, r.err)
	}
	e.storedKeys("kc")
	path := filepath.Join(e.dir, "profiles.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(string(b), "-----BEGIN CERTIFICATE-----\n") + len("-----BEGIN CERTIFICATE-----\n")
	broken := string(b[:i]) + "MIIBAAAA" + string(b[i+8:])
	if err := os.WriteFile(path, []byte(broken), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := e.run("", "ls"); !strings.Contains(r.out, "kc: the key's certificate unreadable: ") {
		t.Fatalf("ls does not see the broken certificate:\n%s%s", r.out, r.err)
	}
	r := e.run("", "doctor")
	if r.code != ExitFailure || strings.Contains(r.out, "none expires") || !strings.Contains(r.out+r.err, "kc: the key's certificate is unreadable") {
		t.Fatalf("doctor: %d\n%s%s", r.code, r.out, r.err)
	}
}

// When profiles.toml does not load, doctor's rotation and certificate lines say they
// were not checked: they said "no secret is older than the rotation policy" and "none
// expires within 30 days" of profiles it could not read.
func TestDoctorDoesNotVouchForProfilesItCannotRead(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	if r := e.run("", "add", "kc", "--auth", "private_key_jwt", "--keygen", "--cert", "--days", "3", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "kc-id"); r.code != 0 {
		t.Fatalf("add --keygen --cert: %d %s", r.code, r.err)
	}
	e.storedKeys("kc")
	path := filepath.Join(e.dir, "profiles.toml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "name = 'kc'", "name = '-kc'", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	r := e.run("", "doctor")
	if r.code != ExitFailure || strings.Contains(r.out, "none expires") || strings.Contains(r.out, "no secret is older") ||
		!strings.Contains(r.out, "rotation      not checked") || !strings.Contains(r.out, "certificates  not checked") {
		t.Fatalf("doctor: %d\n%s%s", r.code, r.out, r.err)
	}
}

// --restage deletes the key staged before, which was shown to be registered and may be
// at the provider already: oat says so, with its thumbprint, so that the user removes
// it there (a registered key nobody holds any more is clutter in the console, and
// one more key the provider accepts until then is one more to reason about).
func TestRestageNamesTheKeyItDrops(t *testing.T) {
	t.Parallel()
	e := newProcEnv(t)
	if r := e.run("", "add", "rs", "--auth", "private_key_jwt", "--keygen", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "rs-id"); r.code != 0 {
		t.Fatalf("add --keygen: %d %s", r.code, r.err)
	}
	e.storedKeys("rs")
	if r := e.run("", "rotate", "rs", "--keygen"); r.code != 0 {
		t.Fatalf("rotate --keygen: %d %s", r.code, r.err)
	}
	_, _, first := e.storedKeys("rs")
	firstTP := thumbprintOfPEM(t, first)
	r := e.run("", "rotate", "rs", "--keygen", "--restage")
	if r.code != 0 || !strings.Contains(r.err, "the key staged before ("+firstTP+") is deleted") || !strings.Contains(r.err, "remove it there") {
		t.Fatalf("--restage: %d\n%s%s", r.code, r.out, r.err)
	}
	e.storedKeys("rs")
}

func thumbprintOfPEM(t *testing.T, pemText string) string {
	t.Helper()
	docs, err := vault.KeyDocs(pemText, "")
	if err != nil {
		t.Fatal(err)
	}
	return docs.Thumbprint
}
