package cli

import (
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/oatcli/oat/oauth/oauthtest"
)

// issueValid is issue with a validity: from notBefore to notAfter.
func (e *mtlsEnv) issueValid(by *oauthtest.CA, cn string, notBefore, notAfter time.Time) ([][]byte, *ecdsa.PrivateKey) {
	e.t.Helper()
	chain, key, err := by.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: cn}, NotBefore: notBefore, NotAfter: notAfter})
	if err != nil {
		e.t.Fatal(err)
	}
	e.secrets = append(e.secrets, oauthtest.KeyForms(key)...)
	return chain, key
}

// The checked rotation of a self-signed client certificate, in real processes: oat
// rotate NAME < new.pem shows the new certificate (subject, self-signed, validity,
// x5t#S256: what the provider registers), stages it and tries it: not registered yet,
// the provider refuses it (exit 3), the old certificate still active and working, the
// new one kept staged; once registered, --continue gets a token with it, runs the test
// call presenting it, and makes it active; --check-old says "still accepted" (exit 1)
// while the provider still has the old one registered, "rejected" once it has not,
// and deletes it. No private key in any output or file.
func TestRotateCertSelfSignedBinary(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	chain, key := e.issue(nil, "self")
	oldTP := oauthtest.Thumbprint(chain[0])
	e.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP}, Scopes: []string{"api/read"}})
	if r := e.add("ss", "self_signed_tls_client_auth", "ss", string(oauthtest.PEM(chain, key))); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	p, oldKey, _ := e.storedKeys("ss")

	nchain, nkey := e.issue(nil, "self")
	newTP := oauthtest.Thumbprint(nchain[0])
	r := e.run(keyFirst(nchain, nkey), "rotate", "ss")
	if r.code != ExitAuth {
		t.Fatalf("rotate before registration: %d\n%s%s", r.code, r.out, r.err)
	}
	for _, want := range []string{"new client certificate for ss, staged beside the active one (active: x5t#S256 " + oldTP + ")",
		"subject   CN=self\n", "issuer    self-signed\n", "valid     ", "x5t#S256  " + newTP + "\n", "register it (its x5t#S256, or the certificate itself) beside the old one"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("rotate output lacks %q:\n%s", want, r.out)
		}
	}
	for _, want := range []string{"✓ stage the new certificate: x5t#S256 " + newTP, "✗ get a token with the new certificate",
		"the new certificate stays staged, not active; the old certificate (" + oldTP + ") is still active", "oat rotate ss --continue"} {
		if !strings.Contains(r.err, want) {
			t.Errorf("rotate stderr lacks %q:\n%s", want, r.err)
		}
	}
	if q, active, staged := e.storedKeys("ss"); active != oldKey || staged == "" || q.ClientCert != p.ClientCert {
		t.Fatal("a refused certificate changed the active one, or was not kept staged")
	}
	if r := e.run("", "token", "ss", "--force"); r.code != 0 {
		t.Fatalf("the old certificate no longer works after a failed rotation: %s", r.err)
	}
	e.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP, newTP}, Scopes: []string{"api/read"}})
	before := e.srv.APIRequests()
	r = e.run("", "rotate", "ss", "--continue")
	if r.code != 0 || !strings.Contains(r.out, "rotated ss: active certificate x5t#S256 "+newTP+", old certificate "+oldTP+" kept aside") ||
		!strings.Contains(r.err, "✓ test call with the new token") || e.srv.APIRequests() != before+1 || !strings.Contains(r.out, "oat rotate ss --check-old") {
		t.Fatalf("continue: %d\n%s%s", r.code, r.out, r.err)
	}
	if q, active, staged := e.storedKeys("ss"); active == oldKey || staged != "" || q.PreviousKeyThumbprint != oldTP || q.ClientCert == p.ClientCert {
		t.Fatalf("after promotion: %+v", q)
	}
	if r := e.run("", "inspect", "ss", "--force"); r.code != 0 || !strings.Contains(r.out, newTP) || !strings.Contains(r.out, "bound to the client certificate ✓") {
		t.Fatalf("inspect after rotation: %d %s %s", r.code, r.out, r.err)
	}
	r = e.run("", "rotate", "ss", "--check-old")
	if r.code != ExitFailure || !strings.Contains(r.out, "still accepted: the provider still issues tokens for the old certificate "+oldTP) ||
		!strings.Contains(r.out, "remove the old certificate (x5t#S256 "+oldTP+") from the client's registration, then run oat rotate ss --check-old again") {
		t.Fatalf("still accepted: %d\n%s%s", r.code, r.out, r.err)
	}
	e.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{newTP}, Scopes: []string{"api/read"}})
	r = e.run("", "rotate", "ss", "--check-old")
	if r.code != 0 || !strings.Contains(r.out, "✓ rejected: the provider no longer accepts the old certificate "+oldTP) ||
		!strings.Contains(r.out, "not registered for the client any more (invalid_client)") {
		t.Fatalf("rejected: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "rotate", "ss", "--check-old"); r.code == 0 || !strings.Contains(r.err, "no previous certificate") {
		t.Fatalf("check-old with nothing kept: %d %s", r.code, r.err)
	}
	if r := e.run("", "rotate", "ss", "--continue"); r.code == 0 || !strings.Contains(r.err, "no new certificate is staged") {
		t.Fatalf("continue with nothing staged: %d %s", r.code, r.err)
	}
	e.noSecretOnDisk()
}

// tls_client_auth: a renewed certificate (same subject, from the trusted CA) is tried
// and made active in one go, here from PKCS#12; --check-old explains that the provider
// checks the subject, so the old one stays accepted until it expires or the CA revokes
// it (exit 1), and counts the handshake refused once it has expired as rejected;
// --drop-old forgets a kept one. A new certificate with another subject is refused by
// the provider: the old one stays active, and nothing is lost.
func TestRotateCertCAIssuedBinary(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"}})
	now := time.Now()
	chain, key := e.issueValid(e.ca, "svc", now.Add(-time.Hour), now.Add(2*time.Hour))
	oldTP := oauthtest.Thumbprint(chain[0])
	if r := e.add("mt", "tls_client_auth", "m", keyFirst(chain, key)); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	_, oldKey, _ := e.storedKeys("mt")

	// Another subject: refused by the provider, the old certificate still active.
	wchain, wkey := e.issue(e.ca, "someone-else")
	r := e.run(keyFirst(wchain, wkey), "rotate", "mt")
	if r.code != ExitAuth || !strings.Contains(r.err, "invalid_client") || !strings.Contains(r.err, "the old certificate ("+oldTP+") is still active") ||
		!strings.Contains(r.err, "subject") {
		t.Fatalf("another subject: %d\n%s%s", r.code, r.out, r.err)
	}
	if _, active, _ := e.storedKeys("mt"); active != oldKey {
		t.Fatal("the active key changed")
	}
	if r := e.run("", "token", "mt", "--force"); r.code != 0 {
		t.Fatalf("the old certificate no longer works: %s", r.err)
	}

	// The renewal, as PKCS#12 (it replaces the certificate staged by the failed try).
	nchain, nkey := e.issue(e.ca, "svc")
	newTP := oauthtest.Thumbprint(nchain[0])
	nleaf, _ := x509.ParseCertificate(nchain[0])
	const pass = "Rot-P12-Passphrase"
	e.secrets = append(e.secrets, pass)
	p12, err := pkcs12.Modern.Encode(nkey, nleaf, []*x509.Certificate{e.ca.Cert}, pass)
	if err != nil {
		t.Fatal(err)
	}
	e.vars["OAT_PKCS12_PASSPHRASE"] = pass
	r = e.run(string(p12), "rotate", "mt", "--pkcs12")
	if r.code != 0 || !strings.Contains(r.out, "issuer    CN=oat test client CA,O=oauthtest\n") ||
		!strings.Contains(r.out, "its CA is one the provider trusts and its subject (CN=svc) is the one registered") ||
		!strings.Contains(r.out, "rotated mt: active certificate x5t#S256 "+newTP) || !strings.Contains(r.err, "replaces the certificate staged before") {
		t.Fatalf("rotate --pkcs12: %d\n%s%s", r.code, r.out, r.err)
	}
	r = e.run("", "rotate", "mt", "--check-old")
	if r.code != ExitFailure || !strings.Contains(r.out, "still accepted") || !strings.Contains(r.out, "checks the subject (CN=svc)") ||
		!strings.Contains(r.out, "until it expires ("+chain0Expiry(t, chain)+")") {
		t.Fatalf("check-old while valid: %d\n%s%s", r.code, r.out, r.err)
	}
	// The server's clock past the old certificate's expiry: the handshake refuses it.
	e.srv.SetClock(func() time.Time { return time.Now().Add(3 * time.Hour) })
	r = e.run("", "rotate", "mt", "--check-old")
	if r.code != 0 || !strings.Contains(r.out, "✓ rejected: the provider no longer accepts the old certificate "+oldTP) ||
		!strings.Contains(r.out, "refused it in the TLS handshake") {
		t.Fatalf("check-old once expired: %d\n%s%s", r.code, r.out, r.err)
	}
	e.srv.SetClock(time.Now)

	// --drop-old forgets a kept one without asking the provider.
	n2chain, n2key := e.issue(e.ca, "svc")
	if r := e.run(keyFirst(n2chain, n2key), "rotate", "mt"); r.code != 0 {
		t.Fatalf("second rotation: %d %s", r.code, r.err)
	}
	if r := e.run(keyFirst(n2chain, n2key), "rotate", "mt"); r.code != ExitFailure || !strings.Contains(r.err, "--check-old") {
		t.Fatalf("a rotation while the old one is kept: %d %s", r.code, r.err)
	}
	r = e.run("", "rotate", "mt", "--drop-old")
	if r.code != 0 || !strings.Contains(r.out, "old certificate of mt ("+newTP+") deleted; active certificate x5t#S256 "+oauthtest.Thumbprint(n2chain[0])) {
		t.Fatalf("drop-old: %d %s %s", r.code, r.out, r.err)
	}
	e.noSecretOnDisk()
}

func chain0Expiry(t *testing.T, chain [][]byte) string {
	leaf, err := x509.ParseCertificate(chain[0])
	if err != nil {
		t.Fatal(err)
	}
	return leaf.NotAfter.UTC().Format("2006-01-02 15:04 MST")
}

// What oat rotate refuses on a mutual-TLS profile, each with what to do (exit 2) and
// nothing staged: a key not the certificate's, an expired certificate, one not valid
// yet, the certificate in use, a terminal for stdin, --keygen.
func TestRotateCertRefusalsBinary(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	e.srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"}})
	chain, key := e.issue(e.ca, "svc")
	if r := e.add("mt", "tls_client_auth", "m", keyFirst(chain, key)); r.code != 0 {
		t.Fatalf("add: %d %s", r.code, r.err)
	}
	now := time.Now()
	nchain, _ := e.issue(e.ca, "svc")
	_, otherKey := e.issue(e.ca, "svc")
	echain, ekey := e.issueValid(e.ca, "svc", now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	fchain, fkey := e.issueValid(e.ca, "svc", now.Add(24*time.Hour), now.Add(48*time.Hour))
	for _, c := range []struct {
		name, stdin string
		args        []string
		want        string
	}{
		{"mismatched key", string(oauthtest.PEM(nchain, otherKey)), nil, "the private key does not belong to the certificate CN=svc: give the key the certificate was issued for"},
		{"expired", keyFirst(echain, ekey), nil, "the new certificate CN=svc expired on " + chain0Expiry(t, echain) + ": get a renewed one"},
		{"not yet valid", keyFirst(fchain, fkey), nil, "is not valid until"},
		{"the same", keyFirst(chain, key), nil, "the certificate: this certificate (x5t#S256 " + oauthtest.Thumbprint(chain[0]) + ") is the one in use already: give the renewed certificate and its key"},
		{"empty", "", nil, "no client certificate on stdin"},
		{"keygen", "", []string{"--keygen"}, "--keygen, --key-alg and --restage make a private key (private_key_jwt); mt authenticates with a client certificate: oat rotate mt < new.pem"},
	} {
		r := e.run(c.stdin, append([]string{"rotate", "mt"}, c.args...)...)
		if r.code != ExitUsage || !strings.Contains(r.err, c.want) {
			t.Errorf("%s: %d %q, want %q", c.name, r.code, r.err, c.want)
		}
		if _, _, staged := e.storedKeys("mt"); staged != "" {
			t.Fatalf("%s: staged anyway", c.name)
		}
	}
	e.noSecretOnDisk()
}

// Two profiles presenting the same self-signed certificate: rotating one warns about the
// other, and --update-shared gives it the new certificate and key, in real processes.
func TestRotateCertUpdatesSharedProfiles(t *testing.T) {
	t.Parallel()
	e := newMTLSEnv(t)
	chain, key := e.issue(nil, "self")
	oldTP := oauthtest.Thumbprint(chain[0])
	nchain, nkey := e.issue(nil, "self")
	newTP := oauthtest.Thumbprint(nchain[0])
	e.srv.AddClient(oauthtest.Client{ID: "sc", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP, newTP}, Scopes: []string{"api/read"}})
	for _, n := range []string{"sc", "sc-copy"} {
		if r := e.add(n, "self_signed_tls_client_auth", "sc", string(oauthtest.PEM(chain, key))); r.code != 0 {
			t.Fatalf("add %s: %d %s", n, r.code, r.err)
		}
	}
	r := e.run(keyFirst(nchain, nkey), "rotate", "sc", "--update-shared")
	if r.code != 0 || !strings.Contains(r.out, "✓ sc-copy updated too: active certificate x5t#S256 "+newTP) {
		t.Fatalf("rotate --update-shared: %d\n%s%s", r.code, r.out, r.err)
	}
	if r := e.run("", "token", "sc-copy", "--force"); r.code != 0 {
		t.Fatalf("sc-copy with the new certificate: %d %s", r.code, r.err)
	}
	e.storedKeys("sc-copy")
	e.noSecretOnDisk()
}
