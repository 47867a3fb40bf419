package cli

import (
	"context"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// The demo's clients that authenticate without a shared secret.
const (
	demoKeyClient  = "okta-demo" // private_key_jwt
	demoMTLSClient = "mtls-demo" // tls_client_auth
)

// demoKeys is the part of the demo that shows client authentication with keys: a TLS
// server for mutual TLS (its CA written beside the demo's profiles as the profile's
// ca_file) and the CA that issues the demo client's certificate.
type demoKeys struct {
	tls      *oauthtest.Server
	clientCA *oauthtest.CA
	caFile   string
}

// startDemoKeys starts the demo's TLS server; dir receives its CA certificate (public).
func startDemoKeys(dir string) (*demoKeys, error) {
	ca, err := oauthtest.NewCA("oat demo client CA")
	if err != nil {
		return nil, err
	}
	srv, err := oauthtest.NewTLS(ca.Pool())
	if err != nil {
		return nil, fmt.Errorf("start the demo's TLS server: %w", err)
	}
	caFile := filepath.Join(dir, "demo-server-ca.pem")
	if err := os.WriteFile(caFile, srv.CAPEM, 0o600); err != nil { // public, but oat doctor wants every file of the config dir private
		srv.Close()
		return nil, err
	}
	return &demoKeys{tls: srv, clientCA: ca, caFile: caFile}, nil
}

func (d *demoKeys) Close() { d.tls.Close() }

// seed adds okta-svc (private_key_jwt with a key made now and registered at s) and
// mtls-api (tls_client_auth with a certificate of the demo CA), skipping names that
// exist.
func (d *demoKeys) seed(ctx context.Context, s *oauthtest.Server, v *vault.Vault) error {
	scopes := []string{"api/read", "api/write"}
	s.AddClient(oauthtest.Client{ID: demoKeyClient, Flavour: oauthtest.Generic, Scopes: scopes, RevokeOnUse: true})
	subject := pkix.Name{CommonName: "oat-demo-client", Organization: []string{"oat demo"}}
	d.tls.TokenLifetime = s.TokenLifetime
	d.tls.AddClient(oauthtest.Client{ID: demoMTLSClient, Flavour: oauthtest.Generic, Scopes: scopes,
		TLSAuth: oauthtest.TLSClientAuth, TLSSubjectDN: subject.String()})

	key, docs, err := vault.GenerateKey("ES256")
	if err != nil {
		return err
	}
	if err := s.RegisterKey(demoKeyClient, []byte(docs.JWK)); err != nil {
		return err
	}
	// Valid for 90 days, as the CA's own certificate allows: a demo certificate near its
	// end would put a renewal warning on every command.
	chain, certKey, err := d.clientCA.Issue(oauthtest.CertOptions{Subject: subject, NotAfter: time.Now().Add(90 * 24 * time.Hour)})
	if err != nil {
		return err
	}
	profiles := []struct {
		p    vault.Profile
		cred string
	}{
		{vault.Profile{Name: "okta-svc", Environment: "production", ClientID: demoKeyClient, AuthMethod: oauth.AuthPrivateKeyJWT,
			TokenURL: s.TokenURL(oauthtest.Generic), APIBaseURL: s.URL + "/api", TestRequest: vault.TestRequest{Path: "/reports"},
			Notes: "private_key_jwt: a signed client assertion instead of a secret (Okta, Auth0, Entra ID, Keycloak, Hydra). Demo: a key made here (R rotates) is registered at the demo provider for you, as you would in its console."},
			key.PEM},
		{vault.Profile{Name: "mtls-api", Environment: "production", ClientID: demoMTLSClient, AuthMethod: oauth.AuthTLS,
			TokenURL: d.tls.URL + "/token", CAFile: d.caFile, APIBaseURL: d.tls.URL + "/api", TestRequest: vault.TestRequest{Path: "/payments"},
			Notes: "tls_client_auth (RFC 8705): a client certificate in the TLS handshake, no secret; its tokens are bound to the certificate (i shows the binding)."},
			string(oauthtest.PEM(chain, certKey))},
	}
	for _, dp := range profiles {
		if _, err := v.Get(dp.p.Name); err == nil {
			continue
		}
		if _, err := v.Add(ctx, dp.p, dp.cred); err != nil {
			return fmt.Errorf("demo profile %s: %w", dp.p.Name, err)
		}
	}
	return nil
}

// registeringStore is the demo's stand-in for a provider's console: a private key stored
// through it (a key made by R or by the form) is registered for the demo's
// private_key_jwt client, once per key, as the user would register it.
type registeringStore struct {
	vault.SecretStore
	srv  *oauthtest.Server
	mu   sync.Mutex
	seen map[string]bool
}

func (r *registeringStore) Set(ctx context.Context, key, value string) error {
	if err := r.SecretStore.Set(ctx, key, value); err != nil {
		return err
	}
	docs, err := vault.KeyDocs(value, "")
	if err != nil {
		return nil // not a private key: a secret, a token
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	if !r.seen[docs.Thumbprint] {
		r.seen[docs.Thumbprint] = true
		_ = r.srv.RegisterKey(demoKeyClient, []byte(docs.JWK))
	}
	return nil
}
