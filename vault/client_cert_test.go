package vault

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509/pkix"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// mtlsFixture is a TLS oauthtest server trusting a client CA, a certificate that CA
// issued for CN=svc and its key as one PEM text (key first: any order is read), and
// the server's CA as a file a profile names.
type mtlsFixture struct {
	srv    *oauthtest.Server
	ca     *oauthtest.CA
	chain  [][]byte
	key    *ecdsa.PrivateKey
	bundle string
	keyPEM string
	caFile string
}

func newMTLSFixture(t *testing.T) mtlsFixture {
	t.Helper()
	ca, err := oauthtest.NewCA("test client CA")
	if err != nil {
		t.Fatal(err)
	}
	srv := oauthtest.NewTLSForTest(t, "unused", ca.Pool())
	srv.AddClient(oauthtest.Client{ID: "m", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"}})
	chain, key, err := ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "svc"}})
	if err != nil {
		t.Fatal(err)
	}
	all := string(oauthtest.PEM(chain, key))
	i := strings.Index(all, "-----BEGIN PRIVATE KEY-----")
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return mtlsFixture{srv: srv, ca: ca, chain: chain, key: key, bundle: all[i:] + all[:i], keyPEM: all[i:], caFile: caFile}
}

func (fx mtlsFixture) profile(name string) Profile {
	return Profile{Name: name, TokenURL: fx.srv.TokenURL(oauthtest.Generic), ClientID: "m", AuthMethod: oauth.AuthTLS,
		CAFile: fx.caFile, APIBaseURL: fx.srv.APIBaseURL(oauthtest.Generic), TestRequest: TestRequest{Path: "/me"}}
}

// The certificate's key is the profile's credential in the store; the chain, public,
// is kept in the profile; the token is bound to the certificate, and the test call
// presents it to the API (which refuses a bound token without it).
func TestClientCertificateStoredAndPresented(t *testing.T) {
	t.Parallel()
	fx := newMTLSFixture(t)
	v, store, _ := newTestVault(t)
	ctx := context.Background()
	p, err := v.Add(ctx, fx.profile("m"), fx.bundle)
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := store.Get(ctx, secretKey(p.ID))
	if strings.Contains(stored, "CERTIFICATE") || !strings.Contains(stored, "-----BEGIN PRIVATE KEY-----") {
		t.Fatalf("the store keeps %q, want the key alone", stored[:min(40, len(stored))])
	}
	if strings.Contains(p.ClientCert, "PRIVATE KEY") || strings.Count(p.ClientCert, "BEGIN CERTIFICATE") != 2 {
		t.Fatalf("the profile keeps %q, want the chain alone", p.ClientCert)
	}
	if stored != fx.keyPEM {
		t.Fatal("the stored key is not the PKCS#8 PEM imported")
	}
	_ = filepath.WalkDir(v.Dir, func(path string, d os.DirEntry, err error) error {
		data, _ := os.ReadFile(path)
		for _, n := range oauthtest.KeyForms(fx.key) {
			if strings.Contains(string(data), n) {
				t.Errorf("%s holds the private key", path)
			}
		}
		return nil
	})
	info, ok, err := p.CertInfo()
	if err != nil || !ok || info.Subject != "CN=svc" || info.Issuer != "CN=test client CA,O=oauthtest" ||
		info.Thumbprint != oauthtest.Thumbprint(fx.chain[0]) || info.SelfSigned {
		t.Fatalf("CertInfo: %+v %v %v", info, ok, err)
	}
	info.NotBefore = time.Time{} // the expiry's wording, at times before this short-lived certificate's start
	if txt, warn := info.Expiry(info.NotAfter.Add(-10 * 24 * time.Hour)); !warn || !strings.Contains(txt, "in 10 days: renew it") {
		t.Errorf("10 days before: %q %v", txt, warn)
	}
	if txt, warn := info.Expiry(info.NotAfter.Add(time.Hour)); !warn || !strings.HasPrefix(txt, "expired ") {
		t.Errorf("after: %q %v", txt, warn)
	}
	if txt, warn := info.Expiry(info.NotAfter.Add(-40 * 24 * time.Hour)); warn || !strings.Contains(txt, "in 40 days") {
		t.Errorf("40 days before: %q %v", txt, warn)
	}

	b := &Broker{Vault: v, Client: oauth.NewClient(), Margin: DefaultMargin}
	res, err := b.Fetch(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := p.Certificate()
	if bind := oauth.CheckBinding(res.Token.AccessToken, cert); bind.Status != oauth.BoundToCert {
		t.Fatalf("binding %v", bind)
	}
	out, err := b.Call(ctx, "m", false, func(p Profile, tok string) (oauth.CallRequest, error) { return p.CallRequest(tok) })
	if err != nil || out.Result.Status != http.StatusOK {
		t.Fatalf("call: %v %+v", err, out)
	}
	// The same call without the certificate is what the API refuses: presentCert is
	// what made it work.
	cr, _ := p.CallRequest(res.Token.AccessToken)
	if r, err := b.Client.Call(ctx, cr); err == nil && r.Status == http.StatusOK {
		t.Fatal("the API took a bound token without its certificate: the test proves nothing")
	}
}

// A key that is not the certificate's is refused by the certificate's subject, and
// nothing is stored; an edit cannot turn a secret into a certificate, ReplaceCredential
// can, and back.
func TestClientCertificateRefusalsAndSwitch(t *testing.T) {
	t.Parallel()
	fx := newMTLSFixture(t)
	v, store, _ := newTestVault(t)
	ctx := context.Background()
	_, otherKey, _ := fx.ca.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "other"}})
	wrong := string(oauthtest.PEM(fx.chain, otherKey))
	_, err := v.Add(ctx, fx.profile("m"), wrong)
	if err == nil || !strings.Contains(err.Error(), "does not belong to the certificate CN=svc") || !errors.Is(err, ErrInvalidProfile) {
		t.Fatalf("a wrong key: %v", err)
	}
	if strings.Contains(err.Error(), "MII") {
		t.Errorf("the error quotes the input: %v", err)
	}
	for bad, want := range map[string]string{
		fx.keyPEM: "no certificate found, only a private key",
		wrong[:strings.Index(wrong, "-----BEGIN PRIVATE KEY")]: "no private key found, only the certificate",
		"s3cret": "no PEM certificate and private key found",
	} {
		if _, err := v.Add(ctx, fx.profile("m"), bad); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%.30q: %v, want %q", bad, err, want)
		}
	}
	if n := len(store.Keys()); n != 0 {
		t.Fatalf("%d values stored", n)
	}

	mustAdd(t, v, "p", "s3cret-value")
	if _, err := v.Edit(ctx, "p", func(p *Profile) error { p.AuthMethod = oauth.AuthTLS; return nil }); err == nil ||
		!strings.Contains(err.Error(), "--replace-secret") {
		t.Fatalf("edit to tls_client_auth: %v", err)
	}
	p, err := v.ReplaceCredential(ctx, "p", oauth.AuthSelfSignedTLS, fx.bundle)
	if err != nil || p.ClientCert == "" || p.AuthMethod != oauth.AuthSelfSignedTLS {
		t.Fatalf("to a certificate: %+v %v", p, err)
	}
	// tls_client_auth ↔ self_signed keeps the certificate: an edit may.
	if p, err = v.Edit(ctx, "p", func(p *Profile) error { p.AuthMethod = oauth.AuthTLS; return nil }); err != nil || p.ClientCert == "" {
		t.Fatalf("between the TLS methods: %+v %v", p, err)
	}
	// A hand edit cannot slip a key into the profile file through an edit.
	if _, err := v.Edit(ctx, "p", func(p *Profile) error { p.ClientCert += fx.keyPEM; return nil }); err != nil {
		t.Fatal(err) // the certificate is kept as it was: fn cannot change it
	}
	if q, _ := v.Get("p"); strings.Contains(q.ClientCert, "PRIVATE") {
		t.Fatal("the key reached the profile")
	}
	p, err = v.ReplaceCredential(ctx, "p", oauth.AuthBasic, "another-s3cret")
	if err != nil || p.ClientCert != "" {
		t.Fatalf("back to a secret: %+v %v", p, err)
	}
}

// A certificate's subject comes from whoever made it: what describes it is escaped to
// one line (no escape sequence, bidi control or line break reaches a terminal).
func TestClientCertificateHostileSubject(t *testing.T) {
	t.Parallel()
	v, _, _ := newTestVault(t)
	chain, key, err := (*oauthtest.CA)(nil).Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: "evil\x1b[2J\u202ecod.exe\nline2", Organization: []string{"\x07bell"}}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Add(context.Background(), Profile{Name: "h", TokenURL: "https://a.example/token", ClientID: "c", AuthMethod: oauth.AuthSelfSignedTLS},
		string(oauthtest.PEM(chain, key)))
	if err != nil {
		t.Fatal(err)
	}
	info, ok, err := p.CertInfo()
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	for _, s := range []string{info.Subject, info.Issuer, info.Line()} {
		if strings.ContainsAny(s, "\x1b\u202e\n\x07") {
			t.Errorf("%q holds a control character", s)
		}
	}
	if !strings.Contains(info.Subject, "evil") || !info.SelfSigned {
		t.Errorf("subject %q", info.Subject)
	}
}
