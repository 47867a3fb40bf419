package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// The demo's clients that authenticate without a shared secret.
const (
	demoKeyClient  = "okta-demo" // private_key_jwt
	demoMTLSClient = "mtls-demo" // self_signed_tls_client_auth
)

// demoKeys is the part of the demo that shows client authentication with keys: the
// demo server (its private_key_jwt client) and a TLS server for mutual TLS (its CA
// written beside the demo's profiles as the profile's ca_file). Like a provider's
// console, it registers the keys and certificates the user makes, and drops a
// rotation's old one at the new one's first use.
type demoKeys struct {
	srv, tls *oauthtest.Server
	caFile   string
}

// startDemoKeys starts the demo's TLS server; dir receives its CA certificate (public).
func startDemoKeys(srv *oauthtest.Server, dir string) (*demoKeys, error) {
	// No client CA: the demo's mutual-TLS client registers self-signed certificates,
	// which a newcomer can make (openssl) and rotate.
	tlsSrv, err := oauthtest.NewTLS(nil)
	if err != nil {
		return nil, fmt.Errorf("start the demo's TLS server: %w", err)
	}
	caFile := filepath.Join(dir, "demo-server-ca.pem")
	if err := os.WriteFile(caFile, tlsSrv.CAPEM, 0o600); err != nil { // public, but oat doctor wants every file of the config dir private
		tlsSrv.Close()
		return nil, err
	}
	return &demoKeys{srv: srv, tls: tlsSrv, caFile: caFile}, nil
}

func (d *demoKeys) Close() { d.tls.Close() }

// notes are the notes of okta-svc and mtls-api: how to rotate them in the demo. In
// the app, the demo registers what is stored; with --serve, other shells store into a
// file the demo does not watch, so they register through the demo's endpoints.
func (d *demoKeys) notes(serve bool) (key, cert string) {
	const keyAbout = "private_key_jwt: a signed client assertion instead of a secret (Okta, Auth0, Entra ID, Keycloak, Hydra). " +
		"The demo provider keeps several keys and drops a rotation's old key at the new one's first use."
	const certAbout = "self_signed_tls_client_auth (RFC 8705): a self-signed client certificate in the TLS handshake, no secret; " +
		"its tokens are bound to it (i shows the binding). Make a new one: " + demoOpenSSL + "."
	if !serve {
		return "Demo: a key made here (R rotates, a adds) is registered at the demo provider for you, as in its console; after R, o finds the old key revoked. " + keyAbout,
			"Demo: R takes a new self-signed certificate (cat c.pem k.pem) and registers it for you; the old one is dropped at the new one's first use (o then finds it revoked). " + certAbout
	}
	return "Demo: oat rotate okta-svc --keygen, then register the JWK shown: " + d.keyCurl() + ", then oat rotate okta-svc --continue. " + keyAbout,
		"Demo: cat c.pem k.pem | oat rotate mtls-api (staged, refused until registered), then " + d.certCurl() + ", then oat rotate mtls-api --continue. " + certAbout
}

// demoOpenSSL makes a self-signed certificate and its key.
const demoOpenSSL = vault.SelfSignedCertCommand

// keyCurl and certCurl register a key (a public JWK on stdin) and a certificate
// (c.pem) at the demo's endpoints (--serve).
func (d *demoKeys) keyCurl() string {
	return "curl -sS --data-binary @- " + d.srv.URL + "/demo/clients/" + demoKeyClient + "/keys"
}

func (d *demoKeys) certCurl() string {
	return "curl -sS --cacert " + shellQuote(d.caFile) + " --data-binary @c.pem " + d.tls.URL + "/demo/clients/" + demoMTLSClient + "/certs"
}

// serveRegistration turns on the demo's registration endpoints (--serve), for its key
// client and its certificate client only (a key registered for a client with a secret
// would let anyone on the machine in as it): a key or a
// certificate registered there that a profile has staged for its rotation replaces,
// at its first use, the one the profile has active.
func (d *demoKeys) serveRegistration(ctx context.Context, v *vault.Vault, store vault.SecretStore) {
	pair := func(id, cred string) {
		ps, err := v.List()
		if err != nil {
			return
		}
		for _, p := range ps {
			staged, err := store.Get(ctx, p.ID+stagedSuffix)
			if err != nil {
				continue
			}
			// A key counts for the key client, a certificate for the certificate client:
			// one registered elsewhere does not arm the rotation.
			if c := demoCredOf(staged); cred != "" && (id == demoKeyClient && c.kid == cred || id == demoMTLSClient && c.tp == cred) {
				d.replace(activeCred(ctx, store, p), c)
			}
		}
	}
	d.srv.ServeRegistration(pair, demoKeyClient)
	d.tls.ServeRegistration(pair, demoMTLSClient)
}

// seed adds okta-svc (private_key_jwt with a key made now and registered at the demo
// server) and mtls-api (self_signed_tls_client_auth with a certificate made now and
// registered at the TLS server), skipping names that exist.
func (d *demoKeys) seed(ctx context.Context, v *vault.Vault, serve bool) error {
	s := d.srv
	keyNotes, certNotes := d.notes(serve)
	scopes := []string{"api/read", "api/write"}
	s.AddClient(oauthtest.Client{ID: demoKeyClient, Flavour: oauthtest.Generic, Scopes: scopes})
	d.tls.TokenLifetime = s.TokenLifetime
	d.tls.AddClient(oauthtest.Client{ID: demoMTLSClient, Flavour: oauthtest.Generic, Scopes: scopes,
		TLSAuth: oauthtest.SelfSignedTLSClientAuth})

	key, _, err := vault.GenerateKey("ES256")
	if err != nil {
		return err
	}
	// Valid for 90 days: a demo certificate near its end would put a renewal warning on
	// every command.
	cert, _, err := vault.GenerateKeyCert("ES256", &vault.CertRequest{Subject: "oat-demo-client", Days: 90, Now: time.Now()})
	if err != nil {
		return err
	}
	for _, cred := range []string{key.PEM, cert.PEM} {
		d.register(demoCredOf(cred))
	}
	profiles := []struct {
		p    vault.Profile
		cred string
	}{
		{vault.Profile{Name: "okta-svc", Environment: "production", ClientID: demoKeyClient, AuthMethod: oauth.AuthPrivateKeyJWT,
			TokenURL: s.TokenURL(oauthtest.Generic), APIBaseURL: s.URL + "/api", TestRequest: vault.TestRequest{Path: "/reports"},
			Notes: keyNotes}, key.PEM},
		{vault.Profile{Name: "mtls-api", Environment: "production", ClientID: demoMTLSClient, AuthMethod: oauth.AuthSelfSignedTLS,
			TokenURL: d.tls.URL + "/token", CAFile: d.caFile, APIBaseURL: d.tls.URL + "/api", TestRequest: vault.TestRequest{Path: "/payments"},
			Notes: certNotes}, cert.PEM},
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

// demoCred is what the demo provider registers of a stored credential: the public JWK
// (and its kid) of a private key, the x5t#S256 of a certificate's leaf; empty for
// anything else (a secret, a token).
type demoCred struct {
	jwk     []byte
	kid, tp string
}

func demoCredOf(value string) demoCred {
	var c demoCred
	if docs, err := vault.KeyDocs(value, ""); err == nil {
		var k jose.JSONWebKey
		if k.UnmarshalJSON([]byte(docs.JWK)) == nil {
			c.jwk, c.kid = []byte(docs.JWK), k.KeyID
		}
	}
	if chain, err := oauth.ParseChainPEM([]byte(value)); err == nil && len(chain) > 0 {
		c.tp = oauth.CertThumbprint(chain[0])
	}
	return c
}

// register registers c at the demo provider: a key for its private_key_jwt client, a
// certificate for its mutual-TLS one. Registering one again (after it was dropped)
// makes it work again.
func (d *demoKeys) register(c demoCred) {
	if c.kid != "" {
		_ = d.srv.RegisterKey(demoKeyClient, c.jwk)
	}
	if c.tp != "" {
		_ = d.tls.RegisterThumbprint(demoMTLSClient, c.tp)
	}
}

// replace has the demo provider drop old's key or certificate at the first use of
// new's, as an operator finishing a rotation in the console would.
func (d *demoKeys) replace(old, new demoCred) {
	if old.kid != "" && new.kid != "" && old.kid != new.kid {
		_ = d.srv.ReplaceOnFirstUse(demoKeyClient, old.kid, new.kid)
	}
	if old.tp != "" && new.tp != "" && old.tp != new.tp {
		_ = d.tls.ReplaceOnFirstUse(demoMTLSClient, old.tp, new.tp)
	}
}

// activeCred is what the demo provider knows of p's active credential: its key (from
// the store) and its certificate (from the profile).
func activeCred(ctx context.Context, store vault.SecretStore, p vault.Profile) demoCred {
	var c demoCred
	if active, err := store.Get(ctx, p.ID+activeSuffix); err == nil {
		c = demoCredOf(active)
	}
	if info, ok, err := p.CertInfo(); err == nil && ok {
		c.tp = info.Thumbprint
	}
	return c
}

// The store keys of a profile's active and staged credential (vault/vault.go).
const (
	activeSuffix = "/secret"
	stagedSuffix = "/secret.staged"
)

// registeringStore is the demo's stand-in for a provider's console: a private key or a
// certificate stored through it as a profile's credential (made by R, or pasted in
// the form) is registered at the demo provider, as the user would register it; one
// staged for a rotation is set to replace the active one at its first use. A
// rotation's old credential, kept aside, is not registered again.
type registeringStore struct {
	vault.SecretStore
	keys *demoKeys
	// vault reads the profiles (a certificate's chain is kept in its profile).
	vault *vault.Vault
}

func (r *registeringStore) Set(ctx context.Context, key, value string) error {
	if err := r.SecretStore.Set(ctx, key, value); err != nil {
		return err
	}
	if !strings.HasSuffix(key, activeSuffix) && !strings.HasSuffix(key, stagedSuffix) {
		return nil // a token, or a rotation's old credential kept aside
	}
	c := demoCredOf(value)
	if c.kid == "" && c.tp == "" {
		return nil
	}
	r.keys.register(c)
	if id, ok := strings.CutSuffix(key, stagedSuffix); ok && r.vault != nil {
		if ps, err := r.vault.List(); err == nil {
			for _, p := range ps {
				if p.ID == id {
					r.keys.replace(activeCred(ctx, r.SecretStore, p), c)
				}
			}
		}
	}
	return nil
}
