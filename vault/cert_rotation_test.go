package vault

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509/pkix"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
)

// certRotFixture is a vault on a fixed clock and a TLS oauthtest server checking
// client certificates at that clock, with a client CA valid then.
type certRotFixture struct {
	t      *testing.T
	v      *Vault
	store  *MemoryStore
	clk    *fixedClock
	srv    *oauthtest.Server
	ca     *oauthtest.CA
	b      *Broker
	caFile string
}

func newCertRot(t *testing.T) *certRotFixture {
	t.Helper()
	v, store, clk := newTestVault(t)
	ca, err := oauthtest.NewCAValid("rot client CA", clk.Now().Add(-time.Hour), clk.Now().Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	srv := oauthtest.NewTLSForTest(t, "unused", ca.Pool())
	srv.SetClock(clk.Now)
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, srv.CAPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &certRotFixture{t: t, v: v, store: store, clk: clk, srv: srv, ca: ca, caFile: caFile,
		b: &Broker{Vault: v, Client: oauth.NewClient(), Margin: DefaultMargin}}
}

// issue makes a certificate for cn valid from an hour ago for days (by nil: self-signed)
// and returns it with its key as one PEM text, and its thumbprint.
func (fx *certRotFixture) issue(by *oauthtest.CA, cn string, from time.Time, days int) (string, string, *ecdsa.PrivateKey) {
	fx.t.Helper()
	chain, key, err := by.Issue(oauthtest.CertOptions{Subject: pkix.Name{CommonName: cn}, NotBefore: from.Add(-time.Hour), NotAfter: from.Add(time.Duration(days) * 24 * time.Hour)})
	if err != nil {
		fx.t.Fatal(err)
	}
	return string(oauthtest.PEM(chain, key)), oauthtest.Thumbprint(chain[0]), key
}

func (fx *certRotFixture) add(name string, auth oauth.AuthMethod, cred string) Profile {
	fx.t.Helper()
	p, err := fx.v.Add(context.Background(), Profile{Name: name, TokenURL: fx.srv.TokenURL(oauthtest.Generic), ClientID: name, AuthMethod: auth,
		CAFile: fx.caFile, APIBaseURL: fx.srv.APIBaseURL(oauthtest.Generic), TestRequest: TestRequest{Path: "/me"}}, cred)
	if err != nil {
		fx.t.Fatal(err)
	}
	return p
}

func (fx *certRotFixture) thumb(name string) string {
	fx.t.Helper()
	p, err := fx.v.Get(name)
	if err != nil {
		fx.t.Fatal(err)
	}
	info, _, err := p.CertInfo()
	if err != nil {
		fx.t.Fatal(err)
	}
	return info.Thumbprint
}

// self_signed_tls_client_auth: the new certificate is staged (the old one still
// active), refused by the provider until registered (old active, new still staged,
// nothing lost), then promoted once registered — the test call presenting it; the old
// certificate is "still accepted" while registered, "revoked" once the provider drops
// it, and then deleted.
func TestRotateCertSelfSigned(t *testing.T) {
	t.Parallel()
	fx := newCertRot(t)
	ctx := context.Background()
	oldCred, oldTP, _ := fx.issue(nil, "self", fx.clk.Now(), 90)
	fx.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP}, Scopes: []string{"api/read"}})
	p := fx.add("ss", oauth.AuthSelfSignedTLS, oldCred)
	oldKey, _ := fx.store.Get(ctx, secretKey(p.ID))

	newCred, newTP, _ := fx.issue(nil, "self", fx.clk.Now(), 365)
	_, sc, err := fx.v.StageCert(ctx, "ss", newCred)
	if err != nil || sc.Info.Thumbprint != newTP || !sc.Info.SelfSigned || sc.Info.Subject != "CN=self" {
		t.Fatalf("stage: %+v %v", sc, err)
	}
	if fx.thumb("ss") != oldTP {
		t.Fatal("staging changed the active certificate")
	}
	// Not registered yet: refused; nothing lost.
	_, err = fx.b.RotateStagedCert(ctx, "ss", RotateOptions{}, nil)
	var re *RotationError
	if !errors.As(err, &re) || re.Step != StepToken || !re.KeptStaged || !re.Cert || re.OldFingerprint != oldTP ||
		!strings.Contains(err.Error(), "the new certificate stays staged, not active; the old certificate") {
		t.Fatalf("unregistered: %v", err)
	}
	if fx.thumb("ss") != oldTP {
		t.Fatal("a refused certificate became active")
	}
	if k, _ := fx.store.Get(ctx, secretKey(p.ID)); k != oldKey {
		t.Fatal("the active key changed")
	}
	if _, err := fx.b.Token(ctx, "ss", true, 0); err != nil {
		t.Fatalf("the old certificate no longer works: %v", err)
	}
	if _, err := fx.v.StagedCertOf(ctx, p); err != nil {
		t.Fatalf("the new certificate was not kept staged: %v", err)
	}
	fx.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{oldTP, newTP}, Scopes: []string{"api/read"}})
	var steps []string
	rep, err := fx.b.RotateStagedCert(ctx, "ss", RotateOptions{}, func(s RotationStep) { steps = append(steps, s.Name) })
	if err != nil {
		t.Fatalf("rotate: %v", err)
	}
	if rep.NewFingerprint != newTP || rep.OldFingerprint != oldTP || rep.Call == nil || rep.Call.Status != 200 ||
		strings.Join(steps, ",") != StepStage+","+StepToken+","+StepCall+","+StepPromote {
		t.Fatalf("report %+v %v", rep, steps)
	}
	np, _ := fx.v.Get("ss")
	if fx.thumb("ss") != newTP || np.PreviousKeyThumbprint != oldTP || np.PreviousFingerprint == "" || strings.Contains(np.ClientCert, "PRIVATE") {
		t.Fatalf("after promotion %+v", np)
	}
	if _, err := fx.v.StagedCertOf(ctx, np); !errors.Is(err, ErrNothingStaged) {
		t.Fatalf("still staged: %v", err)
	}
	if info, err := fx.v.PreviousCertOf(ctx, np); err != nil || info.Thumbprint != oldTP {
		t.Fatalf("previous: %+v %v", info, err)
	}
	tok, err := fx.b.Token(ctx, "ss", false, 0)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := np.Certificate()
	if oauth.CheckBinding(tok.Token.AccessToken, cert).Status != oauth.BoundToCert {
		t.Fatal("the token is not bound to the new certificate")
	}
	if v, _, err := fx.b.CheckOld(ctx, "ss"); err != nil || v != StillAccepted {
		t.Fatalf("check old while registered: %v %v", v, err)
	}
	fx.srv.AddClient(oauthtest.Client{ID: "ss", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: []string{newTP}, Scopes: []string{"api/read"}})
	v, np, err := fx.b.CheckOld(ctx, "ss")
	if err != nil || v != Revoked || np.PreviousKeyThumbprint != "" || np.PreviousFingerprint != "" {
		t.Fatalf("check old once unregistered: %v %+v %v", v, np, err)
	}
	if _, err := fx.v.PreviousSecret(ctx, np); !errors.Is(err, ErrNoPrevious) {
		t.Fatalf("the old certificate is still kept: %v", err)
	}
}

// tls_client_auth: the provider checks the subject of a certificate its CA issued, so
// a renewed certificate (same subject) gets a token at once, and the old one stays
// accepted until it is no longer trusted (here: the server's clock past its expiry,
// the handshake refused), which CheckOld counts as rejected.
func TestRotateCertCAIssued(t *testing.T) {
	t.Parallel()
	fx := newCertRot(t)
	ctx := context.Background()
	fx.srv.AddClient(oauthtest.Client{ID: "ca", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc", Scopes: []string{"api/read"}})
	oldCred, oldTP, _ := fx.issue(fx.ca, "svc", fx.clk.Now(), 10)
	fx.add("ca", oauth.AuthTLS, oldCred)
	newCred, newTP, _ := fx.issue(fx.ca, "svc", fx.clk.Now(), 100)
	if _, _, err := fx.v.StageCert(ctx, "ca", newCred); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.b.RotateStagedCert(ctx, "ca", RotateOptions{}, nil); err != nil {
		t.Fatal(err)
	}
	if fx.thumb("ca") != newTP {
		t.Fatal("not promoted")
	}
	if v, _, err := fx.b.CheckOld(ctx, "ca"); err != nil || v != StillAccepted {
		t.Fatalf("check old before it expires: %v %v", v, err)
	}
	fx.clk.Advance(11 * 24 * time.Hour)
	v, np, err := fx.b.CheckOld(ctx, "ca")
	if err != nil || v != Revoked || np.PreviousKeyThumbprint != "" {
		t.Fatalf("check old once expired: %v %v", v, err)
	}
	if np.PreviousFingerprint != "" || oldTP == newTP {
		t.Fatalf("the expired certificate is still named: %+v", np)
	}
}

// StageCert refuses, each with what to do, a key not the certificate's, a certificate
// expired or not valid yet, the certificate in use, and a non-certificate profile;
// nothing is staged.
func TestStageCertRefusals(t *testing.T) {
	t.Parallel()
	fx := newCertRot(t)
	ctx := context.Background()
	fx.srv.AddClient(oauthtest.Client{ID: "ca", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc"})
	oldCred, _, _ := fx.issue(fx.ca, "svc", fx.clk.Now(), 30)
	p := fx.add("ca", oauth.AuthTLS, oldCred)
	now := fx.clk.Now()
	newCred, _, _ := fx.issue(fx.ca, "svc", now, 30)
	_, _, otherKey := fx.issue(fx.ca, "svc", now, 30)
	chainOnly := newCred[:strings.Index(newCred, "-----BEGIN PRIVATE KEY-----")]
	other, _ := oauth.MarshalClientKey(otherKey)
	expired, _, _ := fx.issue(fx.ca, "svc", now.Add(-60*24*time.Hour), 30)
	future, _, _ := fx.issue(fx.ca, "svc", now.Add(48*time.Hour), 30)
	for _, c := range []struct{ name, cred, want string }{
		{"mismatched key", chainOnly + other, "the private key does not belong to the certificate CN=svc: give the key the certificate was issued for"},
		{"expired", expired, "expired on " + now.Add(-30*24*time.Hour).UTC().Format("2006-01-02") + ""},
		{"not yet valid", future, "is not valid until " + now.Add(47*time.Hour).UTC().Format("2006-01-02 15:04") + " UTC: check this machine's clock, or wait"},
		{"the same", oldCred, "is the one in use already"},
		{"no key", chainOnly, "no private key found"},
	} {
		if _, _, err := fx.v.StageCert(ctx, "ca", c.cred); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
		if _, err := fx.v.StagedSecret(ctx, p); !errors.Is(err, ErrNothingStaged) {
			t.Fatalf("%s: staged anyway", c.name)
		}
	}
	mustAdd(t, fx.v, "plain", "S3cret-value-123")
	if _, _, err := fx.v.StageCert(ctx, "plain", newCred); !errors.Is(err, ErrNotACertProfile) {
		t.Errorf("a secret profile: %v", err)
	}
	if _, err := fx.v.StageSecret(ctx, "ca", "S3cret-value-456"); err == nil || !strings.Contains(err.Error(), "oat rotate ca < new.pem") {
		t.Errorf("a secret's rotation of a certificate profile: %v", err)
	}
	// While the old certificate of a rotation is kept, a new one waits.
	if _, _, err := fx.v.StageCert(ctx, "ca", newCred); err != nil {
		t.Fatal(err)
	}
	if _, err := fx.v.Promote(ctx, "ca"); err != nil {
		t.Fatal(err)
	}
	third, _, _ := fx.issue(fx.ca, "svc", now, 30)
	if _, _, err := fx.v.StageCert(ctx, "ca", third); err == nil || !strings.Contains(err.Error(), "--check-old") {
		t.Errorf("with the previous kept: %v", err)
	}
}

// A promotion cut off after the key switched (the profile still naming the old chain)
// is finished by Recover; one cut off before is undone; a rollback restores the old
// certificate and key together.
func TestRecoverCertPromotion(t *testing.T) {
	t.Parallel()
	fx := newCertRot(t)
	ctx := context.Background()
	oldCred, oldTP, _ := fx.issue(fx.ca, "svc", fx.clk.Now(), 30)
	p := fx.add("ca", oauth.AuthTLS, oldCred)
	oldKey, _ := fx.store.Get(ctx, secretKey(p.ID))
	newCred, newTP, _ := fx.issue(fx.ca, "svc", fx.clk.Now(), 30)
	if _, _, err := fx.v.StageCert(ctx, "ca", newCred); err != nil {
		t.Fatal(err)
	}
	_, newKey, _ := splitCert(newCred)
	// Cut off after the old credential went aside and the key switched.
	_ = fx.store.Set(ctx, previousKey(p.ID), p.ClientCert+oldKey)
	_ = fx.store.Set(ctx, secretKey(p.ID), newKey)
	np, err := fx.v.Recover(ctx, "ca")
	if err != nil || fx.thumb("ca") != newTP || np.PreviousKeyThumbprint != oldTP || np.SecretFingerprint != Fingerprint(newKey) {
		t.Fatalf("recover a half promotion: %+v %v", np, err)
	}
	if _, err := fx.v.StagedSecret(ctx, np); !errors.Is(err, ErrNothingStaged) {
		t.Fatal("the staged copy was left")
	}
	fx.srv.AddClient(oauthtest.Client{ID: "ca", TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: "CN=svc"})
	if _, err := fx.b.Fetch(ctx, np); err != nil {
		t.Fatalf("the recovered profile does not work: %v", err)
	}
	// Roll back: the old chain and key together.
	rp, err := fx.v.RollBack(ctx, "ca")
	if err != nil || fx.thumb("ca") != oldTP || rp.PreviousFingerprint != "" {
		t.Fatalf("rollback: %+v %v", rp, err)
	}
	if k, _ := fx.store.Get(ctx, secretKey(p.ID)); k != oldKey {
		t.Fatal("rollback left the new key with the old chain")
	}
	// Cut off before the key switched: the kept copy is a leftover, the rotation not done.
	if _, _, err := fx.v.StageCert(ctx, "ca", newCred); err != nil {
		t.Fatal(err)
	}
	_ = fx.store.Set(ctx, previousKey(p.ID), rp.ClientCert+oldKey)
	np, err = fx.v.Recover(ctx, "ca")
	if err != nil || fx.thumb("ca") != oldTP || np.PreviousFingerprint != "" {
		t.Fatalf("recover an early cut: %+v %v", np, err)
	}
	if _, err := fx.v.PreviousSecret(ctx, np); !errors.Is(err, ErrNoPrevious) {
		t.Fatal("the leftover copy was kept")
	}
	if _, err := fx.v.StagedCertOf(ctx, np); err != nil {
		t.Fatal("the staged certificate was lost")
	}
}

// Profiles of one mutual-TLS client: only those presenting the rotated certificate are
// its shared ones (one with a certificate of its own is left alone); UpdateShared gives
// them the new certificate and key (the chain into the profile, the key into the
// store), they get tokens with it, and check-old drops their kept copy too.
func TestSharedCertProfilesTakeTheNewCertificate(t *testing.T) {
	t.Parallel()
	fx := newCertRot(t)
	ctx := context.Background()
	oldCred, oldTP, _ := fx.issue(nil, "self", fx.clk.Now(), 90)
	ownCred, ownTP, _ := fx.issue(nil, "own", fx.clk.Now(), 90)
	newCred, newTP, newKey := fx.issue(nil, "self", fx.clk.Now(), 365)
	register := func(tps ...string) {
		fx.srv.AddClient(oauthtest.Client{ID: "sh", TLSAuth: oauthtest.SelfSignedTLSClientAuth, TLSThumbprints: tps, Scopes: []string{"api/read"}})
	}
	register(oldTP, ownTP)
	add := func(name, cred string) {
		if _, err := fx.v.Add(ctx, Profile{Name: name, TokenURL: fx.srv.TokenURL(oauthtest.Generic), ClientID: "sh", AuthMethod: oauth.AuthSelfSignedTLS, CAFile: fx.caFile}, cred); err != nil {
			t.Fatal(err)
		}
	}
	add("a", oldCred)
	add("a-copy", oldCred)
	add("a-own", ownCred)
	if _, _, err := fx.v.StageCert(ctx, "a", newCred); err != nil {
		t.Fatal(err)
	}
	register(oldTP, ownTP, newTP)
	rep, err := fx.b.RotateStagedCert(ctx, "a", RotateOptions{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Shared) != 1 || rep.Shared[0].Name != "a-copy" {
		t.Fatalf("shared after the rotation: %v (want a-copy only)", rep.Shared)
	}
	ups, err := fx.v.UpdateShared(ctx, "a", []string{"a-copy"})
	if err != nil || len(ups) != 1 || ups[0].Err != nil {
		t.Fatalf("update: %+v %v", ups, err)
	}
	c := ups[0].Profile
	if fx.thumb("a-copy") != newTP || c.PreviousKeyThumbprint != oldTP || strings.Contains(c.ClientCert, "PRIVATE") {
		t.Fatalf("a-copy after the update: %+v", c)
	}
	if k, _ := fx.store.Get(ctx, secretKey(c.ID)); !strings.Contains(k, "PRIVATE KEY") || strings.Contains(k, "CERTIFICATE") {
		t.Fatal("a-copy's store slot is not the new key alone")
	} else if cc, err := ClientCertificate(c.ClientCert + k); err != nil || !cc.Key.Public().(*ecdsa.PublicKey).Equal(&newKey.PublicKey) {
		t.Fatalf("a-copy's key is not the new certificate's: %v", err)
	}
	if _, err := fx.b.Token(ctx, "a-copy", true, 0); err != nil {
		t.Fatalf("a-copy with the new certificate: %v", err)
	}
	register(ownTP, newTP)
	if verdict, _, err := fx.b.CheckOld(ctx, "a"); err != nil || verdict != Revoked {
		t.Fatalf("check old: %s %v", verdict, err)
	}
	if c, _ := fx.v.Get("a-copy"); c.PreviousFingerprint != "" || c.PreviousKeyThumbprint != "" {
		t.Fatalf("a-copy kept the rejected certificate: %+v", c)
	}
	if fx.thumb("a-own") != ownTP {
		t.Fatal("the profile with a certificate of its own changed")
	}
}
