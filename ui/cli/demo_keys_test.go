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
			if err != nil || m.AuthMethod != oauth.AuthTLS || m.ClientCert == "" || m.CAFile == "" {
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
			return nil
		}}
	if code := Execute(context.Background(), a, []string{"demo"}); code != 0 || !ran {
		t.Fatalf("demo: %d %s", code, errb.String())
	}
}
