package cli

import (
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// mtlsEnv is a procEnv whose server is oauthtest's TLS listener, trusting client
// certificates of ca, with the server's CA in caFile for the profiles.
type mtlsEnv struct {
	*procEnv
	ca     *oauthtest.CA
	caFile string
}

func newMTLSEnv(t *testing.T) *mtlsEnv {
	t.Helper()
	e := newProcEnv(t)
	ca, err := oauthtest.NewCA("oat test client CA")
	if err != nil {
		t.Fatal(err)
	}
	e.srv = oauthtest.NewTLSForTest(t, "unused", ca.Pool())
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, e.srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &mtlsEnv{procEnv: e, ca: ca, caFile: caFile}
}

// issue makes a certificate for CN=cn (self-signed when by is nil) and returns its
// chain and key; the key, in every form, becomes one of the env's secrets.
func (e *mtlsEnv) issue(by *oauthtest.CA, cn string) ([][]byte, *ecdsa.PrivateKey) {
	e.t.Helper()
	chain, key, err := by.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: cn}})
	if err != nil {
		e.t.Fatal(err)
	}
	e.secrets = append(e.secrets, oauthtest.KeyForms(key)...)
	return chain, key
}

// keyFirst is the chain and key as one PEM text, the key first (any order is read).
func keyFirst(chain [][]byte, key *ecdsa.PrivateKey) string {
	all := string(oauthtest.PEM(chain, key))
	i := strings.Index(all, "-----BEGIN PRIVATE KEY-----")
	return all[i:] + all[:i]
}

func (e *mtlsEnv) add(name, auth, clientID, stdin string, extra ...string) procResult {
	e.t.Helper()
	args := append([]string{"add", name, "--auth", auth, "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", clientID,
		"--ca-file", e.caFile, "--api-url", e.srv.APIBaseURL(oauthtest.Generic), "--test-path", "/me"}, extra...)
	return e.run(stdin, args...)
}

// The whole mutual-TLS path in real processes, for both methods: add with a PEM
// certificate and key on stdin → token → inspect says the token is bound to the
// profile's certificate → call presents the certificate with the bound token; a wrong
// certificate fails with its subject named, exit 3; a key that is not the certificate's
// is refused at add; edit --replace-secret puts the right one in; no key on any
// output or file.
func TestBinaryMutualTLS(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"}})
	chain, key := e.issue(e.ca, "svc")
	tp := oauthtest.Thumbprint(chain[0])

	r := e.add("mt", "tls_client_auth", "m", keyFirst(chain, key))
	if r.code != 0 || !strings.Contains(r.out, "client certificate CN=svc, issued by CN=oat test client CA,O=oauthtest, x5t#S256 "+tp) {
		t.Fatalf("add: %d\n%s%s", r.code, r.out, r.err)
	}
	r = e.run("", "token", "mt")
	if r.code != 0 || !strings.HasPrefix(r.out, "eyJ") {
		t.Fatalf("token: %d %q %q", r.code, r.out, r.err)
	}
	r = e.run("", "inspect", "mt")
	for _, want := range []string{"binding   bound to the client certificate ✓\n", "authenticates with tls_client_auth (mutual TLS",
		"cert      CN=svc, issued by CN=oat test client CA,O=oauthtest, x5t#S256 " + tp + ", ⚠ expires "} {
		if r.code != 0 || !strings.Contains(r.out, want) {
			t.Errorf("inspect lacks %q: %d\n%s%s", want, r.code, r.out, r.err)
		}
	}
	r = e.run("", "inspect", "mt", "--json")
	if r.code != 0 || !strings.Contains(r.out, `"binding":{"status":"bound to the client certificate","x5t#S256":"`+tp+`"}`) {
		t.Errorf("inspect --json: %d\n%s%s", r.code, r.out, r.err)
	}
	before := e.srv.APIRequests()
	r = e.run("", "call", "mt")
	if r.code != 0 || e.srv.APIRequests() != before+1 {
		t.Fatalf("call with the bound token: %d\n%s%s", r.code, r.out, r.err)
	}
	r = e.run("", "ls", "--json")
	var rows []struct {
		AuthMethod string `json:"auth_method"`
		ClientCert struct {
			Subject, Issuer, Expiry string
			X5t                     string `json:"x5t#S256"`
		} `json:"client_cert"`
	}
	if err := json.Unmarshal([]byte(r.out), &rows); err != nil || len(rows) != 1 || rows[0].AuthMethod != "tls_client_auth" ||
		rows[0].ClientCert.Subject != "CN=svc" || rows[0].ClientCert.X5t != tp || !strings.HasPrefix(rows[0].ClientCert.Expiry, "expires ") {
		t.Fatalf("ls --json: %v\n%s", err, r.out)
	}
	// The certificate oauthtest issues expires within a day: oat ls warns.
	if r := e.run("", "ls"); r.code != 0 || !strings.Contains(r.out, "\n⚠ mt: client certificate CN=svc expires ") || !strings.Contains(r.out, "renew it); oat rotate mt < renewed.pem") {
		t.Errorf("ls: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "check", "mt", "--call"); r.code != 0 || !strings.Contains(r.out, "1 ok") {
		t.Fatalf("check: %d %s %s", r.code, r.out, r.err)
	}

	// A key that is not the certificate's: refused by the certificate's subject.
	_, otherKey := e.issue(e.ca, "other")
	r = e.add("badkey", "tls_client_auth", "m", string(oauthtest.PEM(chain, otherKey)))
	if r.code != ExitUsage || !strings.Contains(r.err, "the private key does not belong to the certificate CN=svc") {
		t.Fatalf("a key not the certificate's: %d %s", r.code, r.err)
	}
	// A certificate from a CA the server does not trust: the handshake is refused,
	// named by the certificate's subject, exit 3.
	untrusted, err := oauthtest.NewCA("untrusted CA")
	if err != nil {
		t.Fatal(err)
	}
	wchain, wkey := e.issue(untrusted, "svc-wrong")
	if r := e.add("wrong", "tls_client_auth", "m", keyFirst(wchain, wkey)); r.code != 0 {
		t.Fatalf("add wrong: %d %s", r.code, r.err)
	}
	r = e.run("", "token", "wrong")
	if r.code != ExitAuth || !strings.Contains(r.err, "refused the client certificate CN=svc-wrong") {
		t.Fatalf("token with a wrong certificate: %d %s", r.code, r.err)
	}
	// A trusted certificate with another subject: the provider's invalid_client, exit 3,
	// the certificate named.
	ichain, ikey := e.issue(e.ca, "intruder")
	if r := e.add("intruder", "tls_client_auth", "m", keyFirst(ichain, ikey)); r.code != 0 {
		t.Fatalf("add intruder: %d %s", r.code, r.err)
	}
	r = e.run("", "token", "intruder")
	if r.code != ExitAuth || !strings.Contains(r.err, "invalid_client") || !strings.Contains(r.err, "CN=intruder") {
		t.Fatalf("token with another subject: %d %s", r.code, r.err)
	}
	// The right certificate replaces the wrong one.
	if r := e.run(keyFirst(chain, key), "edit", "wrong", "--replace-secret"); r.code != 0 || !strings.Contains(r.out, "client certificate CN=svc,") {
		t.Fatalf("edit --replace-secret: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "wrong"); r.code != 0 {
		t.Fatalf("token after the replacement: %d %s", r.code, r.err)
	}
	e.noSecretOnDisk()
}

// self_signed_tls_client_auth: the certificate registered by its thumbprint; an
// unregistered one is refused (exit 3) by its subject.
func TestBinaryMutualTLSSelfSigned(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	chain, key := e.issue(nil, "self")
	tp := oauthtest.Thumbprint(chain[0])
	e.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{tp}, Scopes: []string{"api/read"}})
	r := e.add("ss", "self_signed_tls_client_auth", "ss", string(oauthtest.PEM(chain, key)))
	if r.code != 0 || !strings.Contains(r.out, "client certificate CN=self, self-signed, x5t#S256 "+tp) {
		t.Fatalf("add: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "ss"); r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	if r := e.run("", "inspect", "ss"); r.code != 0 || !strings.Contains(r.out, "binding   bound to the client certificate ✓\n") {
		t.Fatalf("inspect: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "call", "ss"); r.code != 0 {
		t.Fatalf("call: %d %s", r.code, r.err)
	}
	ochain, okey := e.issue(nil, "stranger")
	if r := e.add("stranger", "self_signed_tls_client_auth", "ss", string(oauthtest.PEM(ochain, okey))); r.code != 0 {
		t.Fatalf("add stranger: %d %s", r.code, r.err)
	}
	r = e.run("", "token", "stranger")
	if r.code != ExitAuth || !strings.Contains(r.err, "CN=stranger") {
		t.Fatalf("an unregistered self-signed certificate: %d %s", r.code, r.err)
	}
	e.noSecretOnDisk()
}

// PKCS#12 on stdin with --pkcs12: the passphrase from OAT_PKCS12_PASSPHRASE (never a
// flag); a wrong one is refused and nothing is added.
func TestBinaryMutualTLSPKCS12(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "p", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=p12", Scopes: []string{"api/read"}})
	chain, key := e.issue(e.ca, "p12")
	leaf, _ := x509.ParseCertificate(chain[0])
	const pass = "P12-Passphrase!x"
	e.secrets = append(e.secrets, pass)
	p12, err := pkcs12.Modern.Encode(key, leaf, []*x509.Certificate{e.ca.Cert}, pass)
	if err != nil {
		t.Fatal(err)
	}
	e.vars["OAT_PKCS12_PASSPHRASE"] = "not-the-passphrase"
	r := e.add("p", "tls_client_auth", "p", string(p12), "--pkcs12")
	if r.code != ExitUsage || !strings.Contains(r.err, "PKCS#12: wrong password") {
		t.Fatalf("a wrong passphrase: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls", "--json"); strings.TrimSpace(r.out) != "[]" {
		t.Fatalf("added anyway: %s", r.out)
	}
	// Without the flag, the binary file is not taken for PEM.
	delete(e.vars, "OAT_PKCS12_PASSPHRASE")
	if r := e.add("p", "tls_client_auth", "p", string(p12)); r.code != ExitUsage || !strings.Contains(r.err, "add --pkcs12") {
		t.Fatalf("PKCS#12 without --pkcs12: %d %s", r.code, r.err)
	}
	e.vars["OAT_PKCS12_PASSPHRASE"] = pass
	r = e.add("p", "tls_client_auth", "p", string(p12), "--pkcs12")
	if r.code != 0 || !strings.Contains(r.out, "client certificate CN=p12, issued by CN=oat test client CA") {
		t.Fatalf("add --pkcs12: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "p"); r.code != 0 {
		t.Fatalf("token: %d %s", r.code, r.err)
	}
	if r := e.run("", "inspect", "p"); !strings.Contains(r.out, "binding   bound to the client certificate ✓") {
		t.Fatalf("inspect: %s", r.out)
	}
	// A renewed certificate, as PKCS#12, replaces the stored one.
	nchain, nkey := e.issue(e.ca, "p12")
	nleaf, _ := x509.ParseCertificate(nchain[0])
	np12, err := pkcs12.Modern.Encode(nkey, nleaf, nil, pass)
	if err != nil {
		t.Fatal(err)
	}
	if r := e.run(string(np12), "edit", "p", "--pkcs12"); r.code != ExitUsage || !strings.Contains(r.err, "--replace-secret") {
		t.Fatalf("edit --pkcs12 alone: %d %s", r.code, r.err)
	}
	r = e.run(string(np12), "edit", "p", "--replace-secret", "--pkcs12")
	if r.code != 0 || !strings.Contains(r.out, "x5t#S256 "+oauthtest.Thumbprint(nchain[0])) {
		t.Fatalf("edit --replace-secret --pkcs12: %d %s %s", r.code, r.out, r.err)
	}
	r = e.run("", "inspect", "p", "--json", "--force")
	if r.code != 0 || !strings.Contains(r.out, `"x5t#S256":"`+oauthtest.Thumbprint(nchain[0])+`"`) || !strings.Contains(r.out, `"status":"bound to the client certificate"`) ||
		!strings.Contains(r.out, `"subject":"CN=p12"`) {
		t.Fatalf("inspect --json after the renewal: %d %s %s", r.code, r.out, r.err)
	}
	// Moving to a client secret needs the secret: the certificate is not turned into one.
	if r := e.run("", "edit", "p", "--auth", "basic"); r.code != ExitUsage || !strings.Contains(r.err, "a client secret, not a client certificate and its key") {
		t.Fatalf("edit --auth basic: %d %s", r.code, r.err)
	}
	e.noSecretOnDisk()
}

// A server that keeps mutual TLS on endpoints of their own publishes them as
// mtls_endpoint_aliases (RFC 8705 §5) and takes client certificates only there: oat add
// --discover with a mutual-TLS method stores the alias as the token URL (the client
// "MUST use" it) and gets a token; a secret-based method keeps the main endpoint.
func TestDiscoverUsesTheMTLSAlias(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	e.srv.MTLSAliases = true
	e.srv.AddClient(oauthtest.Client{ID: "ma", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc-alias", Scopes: []string{"api/read"}})
	chain, key := e.issue(e.ca, "svc-alias")
	alias := e.srv.URL + "/mtls/token"

	// Without discovery, at the main endpoint: refused, and the server says where.
	if r := e.add("main", "tls_client_auth", "ma", keyFirst(chain, key)); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	if r := e.run("", "token", "main"); r.code == 0 || !strings.Contains(r.err, "mtls_endpoint_aliases") {
		t.Fatalf("token at the main endpoint: %d %s", r.code, r.err)
	}
	r := e.run(keyFirst(chain, key), "add", "disc", "--auth", "tls_client_auth", "--discover", e.srv.URL, "--client-id", "ma", "--ca-file", e.caFile)
	if r.code != 0 || !strings.Contains(r.err, "discovered token endpoint "+alias) {
		t.Fatalf("add --discover: %d %s %s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "disc"); r.code != 0 {
		t.Fatalf("token at the alias: %d %s", r.code, r.err)
	}
	if r := e.run("", "ls", "--json"); !strings.Contains(r.out, `"token_url": "`+alias+`"`) {
		t.Fatalf("the stored token URL is not the alias:\n%s", r.out)
	}
	// A client secret goes to the main token endpoint, as before.
	r = e.run("s3cret-value", "add", "sec", "--auth", "post", "--discover", e.srv.URL, "--client-id", "x", "--ca-file", e.caFile)
	if r.code != 0 || !strings.Contains(r.err, "discovered token endpoint "+e.srv.URL+"/token ") {
		t.Fatalf("add --discover with a secret: %d %s", r.code, r.err)
	}
}

// oat token (and env, exec) hand out a certificate-bound token with a note, once: the
// program that takes it cannot present the certificate, whose key stays in oat; oat
// call presents it and says nothing.
func TestHandedBoundTokenIsNoted(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "hb", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=hb", Scopes: []string{"api/read"}})
	chain, key := e.issue(e.ca, "hb")
	if r := e.add("hb", "tls_client_auth", "hb", keyFirst(chain, key)); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	note := "the token of hb is bound to its client certificate (RFC 8705)"
	for _, args := range [][]string{{"token", "hb"}, {"env", "hb"}, {"exec", "hb", "--", "true"}} {
		r := e.run("", args...)
		if r.code != 0 || strings.Count(r.err, note) != 1 || !strings.Contains(r.err, "oat call and oat proxy hb present it") {
			t.Errorf("%v: %d %s", args, r.code, r.err)
		}
	}
	if r := e.run("", "call", "hb"); r.code != 0 || strings.Contains(r.err, note) {
		t.Errorf("call: %d %s", r.code, r.err)
	}
	e.noSecretOnDisk()
}

// A profile's CA file is trusted beside the system roots: a server the CA file does
// not vouch for but the system roots do is still reached (the system roots are loaded
// only then, a handshake made again); one that neither vouches for is refused.
func TestCAFileIsTrustedBesideTheSystemRoots(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "roots", Secrets: []string{"roots-S3cret-value"}, Scopes: []string{"api/read"}})
	other, err := oauthtest.NewCA("an unrelated CA")
	if err != nil {
		t.Fatal(err)
	}
	otherFile := filepath.Join(t.TempDir(), "other-ca.pem")
	if err := os.WriteFile(otherFile, other.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	e.secrets = append(e.secrets, "roots-S3cret-value")
	if r := e.run("roots-S3cret-value", "add", "roots", "--token-url", e.srv.TokenURL(oauthtest.Generic), "--client-id", "roots",
		"--auth", "post", "--ca-file", otherFile); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	e.vars["SSL_CERT_FILE"], e.vars["SSL_CERT_DIR"] = otherFile, t.TempDir() // system roots: not the server's
	if r := e.run("", "token", "roots", "--force"); r.code != ExitNetwork || !strings.Contains(r.err, "unknown authority") {
		t.Fatalf("neither the CA file nor the system roots vouch for the server: %d %s", r.code, r.err)
	}
	e.vars["SSL_CERT_FILE"] = e.caFile // the system roots now hold the server's CA
	if r := e.run("", "token", "roots", "--force"); r.code != 0 {
		t.Fatalf("the system roots vouch for the server: %d %s", r.code, r.err)
	}
	e.noSecretOnDisk()
}
