package cli

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// The demo shows client authentication without a shared secret: okta-svc signs an
// assertion with a key kept in the store, mtls-api presents a certificate to a TLS
// server of the demo's own and gets a token bound to it; a key rotated in the app is
// registered at the demo provider (as the user would in its console), the provider
// drops the old key at the new one's first use, and check-old finds it rejected.
func TestDemoKeyProfiles(t *testing.T) {
	t.Parallel()
	out, errb := &syncBuffer{}, &syncBuffer{}
	ran := false
	a := &App{In: strings.NewReader(""), Out: out, Err: errb, Getenv: func(string) string { return "" },
		IsTerminal: func(any) bool { return false },
		RunApp: func(ctx context.Context, a *App, opts AppOptions) error {
			ran = true
			b, err := a.Broker()
			if err != nil {
				return err
			}
			okta, err := b.Vault.Get("okta-svc")
			if err != nil || okta.AuthMethod != oauth.AuthPrivateKeyJWT || okta.KeyThumbprint == "" {
				t.Fatalf("okta-svc: %+v %v", okta, err)
			}
			if _, err := b.Token(ctx, "okta-svc", true, 0); err != nil {
				t.Fatalf("okta-svc token: %v", err)
			}
			call := func(name string) {
				t.Helper()
				out, err := b.Call(ctx, name, false, func(p vault.Profile, tok string) (oauth.CallRequest, error) { return p.CallRequest(tok) })
				if err != nil || out.Result.Status != 200 {
					t.Fatalf("%s call: %+v %v", name, out, err)
				}
			}
			call("okta-svc")
			m, err := b.Vault.Get("mtls-api")
			if err != nil || m.ClientCert == "" || m.CAFile == "" {
				t.Fatalf("mtls-api: %+v %v", m, err)
			}
			if st, err := os.Stat(m.CAFile); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("the demo CA file: %v %v (oat doctor wants 0600 in the config dir)", st.Mode(), err)
			}
			tok, err := b.Token(ctx, "mtls-api", true, 0)
			if err != nil {
				t.Fatalf("mtls-api token: %v", err)
			}
			j, err := oauth.DecodeJWT(tok.Token.AccessToken)
			if err != nil {
				t.Fatal(err)
			}
			if cnf, _ := j.Claims["cnf"].(map[string]any); !strings.HasPrefix(m.TokenURL, "https://127.0.0.1:") || cnf["x5t#S256"] == nil {
				t.Fatalf("mtls-api: token URL %s, token not bound: %v", m.TokenURL, j.Claims)
			}
			call("mtls-api")
			if info, ok, err := m.CertInfo(); err != nil || !ok {
				t.Fatalf("cert info: %v", err)
			} else if _, warn := info.Expiry(b.Vault.Now()); warn {
				t.Fatal("the demo certificate is near its end: every command warns")
			}

			// Another private_key_jwt profile of the same client, with a key of its own:
			// the demo provider keeps several keys, as Okta and Keycloak do, and using
			// the new one does not drop okta-svc's.
			other, _, err := vault.GenerateKey("ES256")
			if err != nil {
				t.Fatal(err)
			}
			extra := okta
			extra.Name, extra.ID, extra.KeyThumbprint = "okta-two", "", ""
			if _, err := b.Vault.Add(ctx, extra, other.PEM); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Token(ctx, "okta-two", true, 0); err != nil {
				t.Fatalf("okta-two token: %v", err)
			}
			if _, err := b.Token(ctx, "okta-svc", true, 0); err != nil {
				t.Fatalf("okta-svc's key was dropped when another profile's key was first used: %v", err)
			}
			oldKey, err := b.Vault.Secret(ctx, okta)
			if err != nil {
				t.Fatal(err)
			}

			// A key rotation in the demo: the new key is registered as it is staged.
			if _, _, err := b.Vault.GenerateStagedKey(ctx, "okta-svc", ""); err != nil {
				t.Fatal(err)
			}
			rep, err := b.RotateStagedKey(ctx, "okta-svc", vault.RotateOptions{}, nil)
			if err != nil {
				t.Fatalf("the demo provider did not take the new key: %v", err)
			}
			verdict, _, err := b.CheckOld(ctx, "okta-svc")
			if err != nil || verdict != vault.Revoked {
				t.Fatalf("check old after the demo rotation: %s %v", verdict, err)
			}
			// The promoted key keeps working (re-storing it must not register the old
			// one again after it).
			if _, err := b.Token(ctx, "okta-svc", true, 0); err != nil {
				t.Fatalf("token after the rotation (new key %s): %v", rep.NewFingerprint, err)
			}
			// Only the rotation's old key was dropped: okta-two's still works, and the
			// old key, pasted again (a console's "add key"), is registered again.
			if _, err := b.Token(ctx, "okta-two", true, 0); err != nil {
				t.Fatalf("okta-two after okta-svc's rotation: %v", err)
			}
			again := okta
			again.Name, again.ID, again.KeyThumbprint = "okta-again", "", ""
			if _, err := b.Vault.Add(ctx, again, oldKey); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Token(ctx, "okta-again", true, 0); err != nil {
				t.Fatalf("a key pasted again after it was dropped: %v", err)
			}

			// A certificate rotation in the demo: mtls-api's certificate is self-signed,
			// so one made here (as openssl would) is registered as it is staged, and
			// the old one is dropped at the new one's first use.
			if m.AuthMethod != oauth.AuthSelfSignedTLS {
				t.Fatalf("mtls-api: %s, want self_signed_tls_client_auth (a certificate a newcomer can make)", m.AuthMethod)
			}
			mine, _, err := vault.GenerateKeyCert("ES256", &vault.CertRequest{Subject: "me", Days: 30, Now: b.Vault.Now()})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := b.Vault.StageCert(ctx, "mtls-api", mine.PEM); err != nil {
				t.Fatal(err)
			}
			if _, err := b.RotateStagedCert(ctx, "mtls-api", vault.RotateOptions{}, nil); err != nil {
				t.Fatalf("the demo provider did not take the new certificate: %v", err)
			}
			if verdict, _, err := b.CheckOld(ctx, "mtls-api"); err != nil || verdict != vault.Revoked {
				t.Fatalf("check old after the demo's certificate rotation: %s %v", verdict, err)
			}
			call("mtls-api")
			return nil
		}}
	if code := Execute(context.Background(), a, []string{"demo"}); code != 0 || !ran {
		t.Fatalf("demo: %d %s", code, errb.String())
	}
}

// A key rotation to a key with a certificate (for providers that register
// certificates) completes in the demo: the demo provider has the key registered, and
// an assertion naming a certificate it does not know is read by its kid, as Okta or
// Keycloak read one.
func TestDemoRotationToAKeyWithACertificate(t *testing.T) {
	t.Parallel()
	ran := false
	a := &App{In: strings.NewReader(""), Out: &syncBuffer{}, Err: &syncBuffer{}, Getenv: func(string) string { return "" },
		IsTerminal: func(any) bool { return false },
		RunApp: func(ctx context.Context, a *App, opts AppOptions) error {
			ran = true
			b, err := a.Broker()
			if err != nil {
				return err
			}
			cert := &vault.CertRequest{Subject: "oat okta-svc", Days: 90, Now: b.Vault.Now()}
			if _, _, err := b.Vault.GenerateStagedKeyCert(ctx, "okta-svc", "", cert); err != nil {
				t.Fatal(err)
			}
			if _, err := b.RotateStagedKey(ctx, "okta-svc", vault.RotateOptions{}, nil); err != nil {
				t.Fatalf("the demo provider refused the key with a certificate: %v", err)
			}
			if _, err := b.Token(ctx, "okta-svc", true, 0); err != nil {
				t.Fatalf("token after the rotation: %v", err)
			}
			return nil
		}}
	if code := Execute(context.Background(), a, []string{"demo"}); code != 0 || !ran {
		t.Fatalf("demo: %d", code)
	}
}
