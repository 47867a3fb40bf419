package cli

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth/oauthtest"
	"github.com/oatcli/oat/vault"
)

// demoPassphrase protects the throwaway secrets file of `oat demo --serve`; it guards
// only demo secrets in a temporary directory.
const demoPassphrase = "demo"

func (a *App) demoCmd() *cobra.Command {
	var serve bool
	var port int
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Try oat on a built-in local authorization server (no credentials, no keyring)",
		Long: `Start a local authorization server and protected API on 127.0.0.1 with one client per
provider style (Keycloak realm, EarthDaily-style, Cognito-style, a dashboard's
/authenticate, a private_key_jwt client, a self-signed mutual-TLS client on a TLS server
of its own, and a few that misbehave on purpose), an in-memory secret store and demo
profiles, then open the app. Nothing touches your real profiles or keyring.

The demo provider registers the keys and certificates you make in the app (R on
okta-svc or mtls-api, a key made in the form), as you would in a provider's console. It
keeps several keys per client and drops a rotation's old key or certificate at the new
one's first use, so o then finds the old one revoked. mtls-api takes a self-signed
certificate: make one with
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout k.pem -out c.pem -days 90 -subj /CN=me
and paste the output of cat c.pem k.pem into R.

With --serve, the app is not opened: the server keeps running, the profiles go to a
temporary directory with a throwaway encrypted file store, and oat prints the variables
that let other shells use them (for trying the CLI, and for the benchmarks in bench/).
Other shells register a new key or certificate at the demo's endpoints
POST /demo/clients/{id}/keys (a public JWK) and /certs (a PEM certificate); the banner
shows the commands.`,
		Annotations: unbounded,
		Args:        noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
			srv, err := oauthtest.NewOn(addr)
			if err != nil {
				return fmt.Errorf("start the demo server on %s: %w", addr, err)
			}
			defer srv.Close()
			dir, err := os.MkdirTemp("", "oat-demo-")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			var store vault.SecretStore = vault.NewMemoryStore()
			if serve || a.RunApp == nil {
				store = &vault.FileStore{Path: filepath.Join(dir, "secrets.age"), WorkFactor: 10,
					Passphrase: func() (string, error) { return demoPassphrase, nil }}
			}
			keys, err := startDemoKeys(srv, dir)
			if err != nil {
				return err
			}
			defer keys.Close()
			// registeringStore stands in for the provider's console: keys and
			// certificates made in the demo are registered for its clients.
			rs := &registeringStore{SecretStore: store, keys: keys}
			v := vault.Open(dir, rs)
			rs.vault = v
			if a.Now != nil {
				v.Now = a.Now
			}
			if _, err := SeedDemo(ctx, srv, v); err != nil {
				return err
			}
			if err := keys.seed(ctx, v, serve); err != nil {
				return err
			}
			if serve {
				// Other shells store into the file store: they register what they make
				// through the demo's endpoints, as in a provider's console.
				keys.serveRegistration(ctx, v, store)
			}
			a.vault, a.broker, a.configDir = v, nil, dir
			if !serve && a.RunApp != nil {
				return a.RunApp(ctx, a, AppOptions{Theme: a.theme, NoColor: a.noColorWanted(), Demo: true})
			}
			// The signals are caught before the directory is announced: one sent as soon
			// as it is read must still lead to its removal. SIGHUP too: a closed terminal
			// or a killed tmux session must not leave it (profiles and encrypted secrets).
			sctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer stop()
			fmt.Fprintf(a.Out, `oat demo server on %s (token endpoints, discovery, JWKS and a protected API)

Use the demo profiles from another shell:
  export OAT_CONFIG_DIR=%s OAT_STORE=file OAT_PASSPHRASE=%s

Then try:
  oat ls
  oat token eds
  oat inspect ecoinvent --verify
  oat call ecoinvent
  oat call okta-svc        (private_key_jwt: no secret, a signed assertion)
  oat inspect mtls-api     (mutual TLS: a certificate-bound token)
  oat check --all --call
  printf '%%s' eds-demo-secret-2 | oat rotate eds && oat rotate eds --check-old

Rotate a key: the demo provider's console is an endpoint here. Paste the public JWK
that --keygen shows into curl, then Ctrl-D (curl from another shell while --keygen
waits, then press enter there; or Ctrl-C at its prompt, curl, and --continue). At the
new key's first use the demo provider drops the old key:
  oat rotate okta-svc --keygen
  %s
  oat rotate okta-svc --continue && oat rotate okta-svc --check-old

Rotate a certificate: make a self-signed one, stage it (refused until registered),
register it, then continue:
  %s
  cat c.pem k.pem | oat rotate mtls-api
  %s
  oat rotate mtls-api --continue && oat rotate mtls-api --check-old

Press Ctrl-C to stop; the directory and its secrets are deleted.
`, srv.URL, shellQuote(dir), demoPassphrase, keys.keyCurl(), demoOpenSSL, keys.certCurl())
			<-sctx.Done()
			fmt.Fprintln(a.Err, "\nstopping the demo server")
			return nil
		},
	}
	cmd.Flags().BoolVar(&serve, "serve", false, "keep the server running for other shells instead of opening the app")
	cmd.Flags().IntVar(&port, "port", 0, "port on 127.0.0.1 (default: any free port)")
	return cmd
}
