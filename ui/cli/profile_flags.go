package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// profileFlags are the flags of add and edit, one per profile field. On edit only the
// flags given change the profile.
type profileFlags struct {
	tokenURL, clientID, audience, resource, auth, encoding string
	apiURL, testPath, testMethod, env, caFile, notes       string
	discover                                               string
	keyAlg, assertionAud                                   string
	keygen, pkcs12                                         bool
	scopes, params, headers                                []string
	insecure                                               bool
	// yes accepts a discovered token endpoint on another origin than the issuer.
	yes bool
	// cert asks add --keygen for a self-signed certificate with the key.
	cert certFlags
}

func (f *profileFlags) register(fs *pflag.FlagSet) {
	fs.SetNormalizeFunc(algAlias("alg", "key-alg"))
	fs.StringVar(&f.tokenURL, "token-url", "", "token endpoint URL")
	fs.StringVar(&f.discover, "discover", "", "issuer URL to discover the token endpoint from (e.g. a Keycloak realm URL); the issuer is kept, and inspect --verify accepts only its tokens")
	fs.BoolVarP(&f.yes, "yes", "y", false, "with --discover: accept a token endpoint on another origin (scheme, host, port) than the issuer")
	fs.StringVar(&f.clientID, "client-id", "", "client ID")
	fs.StringArrayVar(&f.scopes, "scope", nil, "scope to request (repeatable; on edit replaces the list)")
	fs.StringVar(&f.audience, "audience", "", "audience parameter")
	fs.StringVar(&f.resource, "resource", "", "resource parameter (RFC 8707)")
	fs.StringArrayVar(&f.params, "param", nil, "extra form parameter KEY=VALUE (repeatable)")
	fs.StringVar(&f.auth, "auth", "auto", "client authentication: basic, post, auto, private_key_jwt (a private key, read from stdin, or --keygen), client_secret_jwt (HS256 over the secret), tls_client_auth or self_signed_tls_client_auth (mutual TLS: a certificate and its key, PEM on stdin, or PKCS#12 with --pkcs12)")
	fs.BoolVar(&f.pkcs12, "pkcs12", false, "mutual TLS: stdin is a PKCS#12 file (.p12/.pfx); its passphrase comes from $OAT_PKCS12_PASSPHRASE or a hidden prompt")
	fs.Var(keyAlgValue{&f.keyAlg}, "key-alg", "private_key_jwt: the JWS algorithm (RS256 or PS256 for an RSA key; default: the key's, or the first the server lists)")
	fs.StringVar(&f.assertionAud, "assertion-aud", "token-url", "client assertion audience: token-url, or issuer (for servers that want their issuer)")
	fs.StringVar(&f.encoding, "basic-encoding", "rfc", "Basic encoding: rfc (form-urlencoded, RFC 6749) or raw (for servers that do not decode)")
	fs.StringVar(&f.apiURL, "api-url", "", "API base URL for test calls")
	fs.StringVar(&f.testPath, "test-path", "", "path (or URL) of the default test call")
	fs.StringVar(&f.testMethod, "test-method", "", "method of the default test call (default GET)")
	fs.StringArrayVar(&f.headers, "test-header", nil, "header of the default test call, 'Key: Value' (repeatable)")
	fs.StringVar(&f.env, "env", "", "environment label, e.g. staging or production")
	fs.BoolVar(&f.insecure, "insecure-http", false, "allow plain http on non-loopback hosts (not recommended)")
	fs.StringVar(&f.caFile, "ca-file", "", "extra CA certificates (PEM) for this profile's TLS")
	fs.StringVar(&f.notes, "notes", "", "free-text notes")
}

// discoverInto fills the token URL (and the auth method, unless --auth was given) from
// the issuer's metadata, and pins the issuer. A token endpoint on another origin than
// the issuer needs --yes: the client's credentials would go there. Mutual TLS takes
// the server's mTLS alias of the token endpoint when it has one (RFC 8705 §5).
func (f *profileFlags) discoverInto(ctx context.Context, a *App, fs *pflag.FlagSet, p *vault.Profile) error {
	b, err := a.Broker()
	if err != nil {
		return err
	}
	ca := vault.Profile{CAFile: p.CAFile}
	if fs.Changed("ca-file") {
		ca.CAFile = vault.ExpandPath(f.caFile)
	}
	caFile, caPEM, err := ca.CA()
	if err != nil {
		return usageErr(err)
	}
	m, err := b.Client.DiscoverWithCA(ctx, f.discover, caFile, caPEM)
	if err != nil {
		return fmt.Errorf("--discover: %w", err)
	}
	if m.TokenEndpoint == "" {
		return fmt.Errorf("--discover: %s names no token_endpoint", oauth.OneLine(m.Source))
	}
	sug := m.SuggestAuth()
	method := sug.Method
	if fs.Changed("auth") {
		method = oauth.AuthMethod(strings.ToLower(f.auth))
	}
	tokenURL := m.TokenEndpointFor(method)
	issOrigin, tokOrigin, cross := m.TokenEndpointOriginFor(method)
	if cross && !f.yes {
		return usageErr(fmt.Errorf("--discover: the token endpoint %s is on %s, another origin than the issuer %s: the client's credentials would go to a host the issuer's origin does not vouch for; if %s is your provider's, run again with --yes (or give --token-url); nothing was saved",
			oauth.OneLine(tokenURL), tokOrigin, issOrigin, tokOrigin))
	}
	p.TokenURL, p.Issuer, p.SigningAlgs = tokenURL, m.Issuer, m.TokenAuthSigningAlgs
	if !fs.Changed("auth") {
		p.SetAuthMethod(sug.Method)
	}
	fmt.Fprintf(a.Err, "discovered token endpoint %s (from %s)\n", oauth.OneLine(tokenURL), oauth.OneLine(m.Source))
	if !fs.Changed("auth") && sug.Beyond() {
		// Said: the user may have piped a client secret, and is now asked for a key or
		// a certificate.
		fmt.Fprintf(a.Err, "  auth %s: %s; --auth chooses another\n", sug.Method, sug.Why)
	}
	if cross {
		fmt.Fprintf(a.Err, "  on %s, not on the issuer's origin %s: accepted because of --yes\n", tokOrigin, issOrigin)
	}
	return nil
}

// methodFlags are the flags of add and edit that mean something for some auth methods
// only: given with another method they would do nothing, so they are refused.
var methodFlags = []struct {
	flag string
	fits func(oauth.AuthMethod) bool
	with string
}{
	{"pkcs12", oauth.AuthMethod.IsTLSAuth, "tls_client_auth or self_signed_tls_client_auth (it reads a client certificate)"},
	{"keygen", isKeyAuth, "private_key_jwt (it makes the key that signs its assertions)"},
	// The settings: which method uses which is vault's rule (UsesSetting), the form's too.
	{"key-alg", usesSetting("key_alg"), "private_key_jwt (the algorithm its key signs with; client_secret_jwt always signs HS256)"},
	{"assertion-aud", usesSetting("assertion_audience"), "private_key_jwt or client_secret_jwt (the aud of their client assertions)"},
	{"basic-encoding", usesSetting("basic_encoding"), "basic or auto (how the client ID and secret are put in the Authorization header)"},
}

func usesSetting(field string) func(oauth.AuthMethod) bool {
	return func(m oauth.AuthMethod) bool { return vault.UsesSetting(m, field) }
}

func isKeyAuth(m oauth.AuthMethod) bool { return m == oauth.AuthPrivateKeyJWT }

// pkcs12KeyHint says how a private_key_jwt key kept in a PKCS#12 file is given: oat
// reads PKCS#12 for client certificates only.
const pkcs12KeyHint = "--pkcs12 goes with --auth tls_client_auth or self_signed_tls_client_auth (it reads a client certificate); a private_key_jwt key in a .p12/.pfx goes as PEM: openssl pkcs12 -in f.pfx -nodes | oat … (the key and its certificate, without --pkcs12)"

// checkMethodFlags refuses a flag given that does nothing for auth method m, naming
// the methods it goes with.
func checkMethodFlags(fs *pflag.FlagSet, m oauth.AuthMethod) error {
	for _, f := range methodFlags {
		if fs.Changed(f.flag) && !f.fits(m) {
			if f.flag == "pkcs12" && m == oauth.AuthPrivateKeyJWT {
				return usageErr(errors.New(pkcs12KeyHint))
			}
			return usageErr(fmt.Errorf("--%s goes with --auth %s; this profile uses %s, for which it would do nothing: leave it out (or change --auth)",
				f.flag, f.with, oauth.OneLine(string(m))))
		}
	}
	return nil
}

// apply copies the flags that were given (all of them for add) onto p.
func (f *profileFlags) apply(ctx context.Context, a *App, fs *pflag.FlagSet, p *vault.Profile, all bool) error {
	set := func(name string) bool { return all || fs.Changed(name) }
	if f.discover != "" {
		if err := f.discoverInto(ctx, a, fs, p); err != nil {
			return err
		}
	}
	if fs.Changed("token-url") || (all && f.discover == "") {
		p.TokenURL = f.tokenURL
	}
	if set("client-id") {
		p.ClientID = f.clientID
	}
	if set("scope") {
		p.Scopes = nil
		for _, s := range f.scopes {
			p.Scopes = append(p.Scopes, strings.Fields(s)...)
		}
	}
	if set("audience") {
		p.Audience = f.audience
	}
	if set("resource") {
		p.Resource = f.resource
	}
	if set("param") {
		params, err := vault.ParseParams(f.params)
		if err != nil {
			return usageErr(fmt.Errorf("--param: %w", err))
		}
		p.ExtraParams = params
	}
	if fs.Changed("auth") || (all && f.discover == "") {
		p.SetAuthMethod(oauth.AuthMethod(f.auth))
	}
	if set("key-alg") {
		p.KeyAlg = f.keyAlg
	}
	if set("assertion-aud") {
		switch f.assertionAud {
		case "token-url", "":
			p.AssertionAudience = oauth.AudienceTokenEndpoint
		case "issuer":
			p.AssertionAudience = oauth.AudienceIssuer
		default:
			return usageErr(fmt.Errorf("--assertion-aud %q: want token-url or issuer", oauth.OneLine(f.assertionAud)))
		}
	}
	if set("basic-encoding") {
		p.BasicEncoding = oauth.BasicEncoding(strings.ToLower(f.encoding))
	}
	if set("api-url") {
		p.APIBaseURL = f.apiURL
	}
	if set("test-path") {
		p.TestRequest.Path = f.testPath
	}
	if set("test-method") {
		p.TestRequest.Method = strings.ToUpper(f.testMethod)
	}
	if set("test-header") {
		headers, err := vault.ParseHeaders(f.headers)
		if err != nil {
			return usageErr(fmt.Errorf("--test-header: %w", err))
		}
		p.TestRequest.Headers = headers
	}
	if set("env") {
		p.Environment = f.env
	}
	if set("insecure-http") {
		p.InsecureHTTP = f.insecure
	}
	if set("ca-file") {
		p.CAFile = vault.ExpandPath(f.caFile)
		if err := vault.CheckCAFile(p.CAFile); err != nil {
			return usageErr(err) // now, before the secret is asked for
		}
	}
	if set("notes") {
		p.Notes = f.notes
	}
	// Only what the method uses is written (vault.UsesSetting, as the app's form): a
	// setting given for another method is refused (checkMethodFlags), a default or what
	// an earlier method had is dropped.
	p.DropUnusedSettings()
	return nil
}

func (a *App) addCmd() *cobra.Command {
	var f profileFlags
	cmd := &cobra.Command{
		Use:   "add NAME",
		Short: "Add a profile; the client secret is read from a hidden prompt or stdin",
		Example: `  oat add eds --token-url "$EDS_AUTH_URL" --client-id "$EDS_CLIENT_ID" --api-url https://api.earthdaily.com
  pass show eds/secret | oat add eds --token-url https://… --client-id abc
  oat add ecoinvent --discover https://sso.ecoinvent.org/realms/ecoinvent --client-id me --api-url https://api.ecoinvent.org --test-path /v0/versions
  cat client.crt client.key | oat add billing --auth tls_client_auth --token-url https://… --client-id billing
  oat add billing --auth self_signed_tls_client_auth --pkcs12 --token-url https://… --client-id billing < client.p12
  oat add entra --auth private_key_jwt --keygen --cert --key-alg PS256 --token-url https://login.microsoftonline.com/TENANT/oauth2/v2.0/token --client-id APP_ID --scope https://graph.microsoft.com/.default`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.Vault()
			if err != nil {
				return err
			}
			p := vault.Profile{Name: args[0]}
			if err := f.apply(cmd.Context(), a, cmd.Flags(), &p, true); err != nil {
				return err
			}
			if err := checkMethodFlags(cmd.Flags(), p.AuthMethod); err != nil {
				return err
			}
			if fs := cmd.Flags(); !f.keygen && (fs.Changed("cert") || fs.Changed("days") || fs.Changed("subject")) {
				return usageErr(errors.New("--cert, --days and --subject make a certificate for a key made with --keygen; a certificate of your own is piped with its key (PEM)"))
			}
			if err := p.Validate(); err != nil {
				return usageErr(err)
			}
			if _, err := v.Get(p.Name); err == nil {
				return usageErr(fmt.Errorf("%w: %q (use oat edit, or oat rm first)", vault.ErrProfileExists, p.Name))
			}
			if f.keygen {
				if p.AuthMethod != oauth.AuthPrivateKeyJWT {
					return usageErr(errors.New("--keygen makes a key for private_key_jwt: add --auth private_key_jwt"))
				}
				if err := a.keyOnStdin("--keygen makes the key; the key on stdin would be ignored: leave out --keygen to import it"); err != nil {
					return err
				}
				cert, err := f.cert.request(cmd.Flags(), p.Name, v.Now())
				if err != nil {
					return err
				}
				alg := f.keyAlg
				if alg == "" {
					alg = vault.KeyGenAlgFor(p)
				}
				k, _, err := vault.GenerateKeyCert(alg, cert)
				if err != nil {
					return usageErr(err)
				}
				added, err := v.Add(cmd.Context(), p, k.PEM)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Out, "added %s: client %s, token URL %s\n", added.Name, oauth.OneLine(added.ClientID), oauth.OneLine(added.TokenURL))
				return a.showKeyOnce(added, k.PEM)
			}
			secret, err := a.readCredential(p, fmt.Sprintf("Client secret for %s (input hidden): ", p.Name), f.pkcs12)
			if err != nil {
				return err
			}
			added, err := v.Add(cmd.Context(), p, secret)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Out, "added %s: client %s, token URL %s\n%s\n",
				added.Name, oauth.OneLine(added.ClientID), oauth.OneLine(added.TokenURL), credentialLine(added, v.Secrets.Name()))
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&f.keygen, "keygen", false, "with --auth private_key_jwt: generate the key pair (--key-alg ES256, RS256, PS256 or EdDSA; default ES256) instead of reading one, and show once the public key to register")
	f.cert.register(cmd.Flags())
	return cmd
}

func (a *App) editCmd() *cobra.Command {
	var f profileFlags
	var rename string
	var replaceSecret bool
	cmd := &cobra.Command{
		Use:               "edit NAME",
		Short:             "Change a profile's fields (only the flags given)",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.Vault()
			if err != nil {
				return err
			}
			old, err := v.Get(args[0])
			if err != nil {
				return err
			}
			if n := cmd.Flags().NFlag(); n == 0 || (n == 1 && cmd.Flags().Changed("yes")) {
				return usageErr(fmt.Errorf("nothing to change: give the flags to set (see oat edit --help)"))
			}
			var secret string
			next := old
			if cmd.Flags().Changed("auth") {
				next.SetAuthMethod(oauth.AuthMethod(f.auth))
			}
			if err := checkMethodFlags(cmd.Flags(), next.AuthMethod); err != nil {
				return err
			}
			kindChanges := vault.CredentialOf(next.AuthMethod) != vault.CredentialOf(old.AuthMethod)
			if kindChanges && !replaceSecret {
				orKeygen := ""
				if next.AuthMethod == oauth.AuthPrivateKeyJWT {
					orKeygen = fmt.Sprintf(", or make a new key: oat keygen %s --replace", old.Name)
				}
				return usageErr(fmt.Errorf("--auth %s changes what %s stores (%s, not %s): add --replace-secret and give the new one on stdin%s",
					oauth.OneLine(f.auth), old.Name, vault.CredentialOf(next.AuthMethod), vault.CredentialOf(old.AuthMethod), orKeygen))
			}
			if f.pkcs12 && !replaceSecret {
				return usageErr(errors.New("--pkcs12 reads the new certificate: add --replace-secret"))
			}
			if cmd.Flags().Changed("key-alg") && !replaceSecret && !kindChanges {
				// The key stays: the algorithm must be one it signs with.
				if err := v.CheckKeyAlg(cmd.Context(), next, f.keyAlg); err != nil {
					if errors.Is(err, vault.ErrInvalidProfile) || errors.As(err, new(*vault.FieldError)) {
						return usageErr(err)
					}
					return err
				}
			}
			if replaceSecret {
				if secret, err = a.readCredential(next, fmt.Sprintf("Corrected client secret for %s (input hidden): ", args[0]), f.pkcs12); err != nil {
					return err
				}
			}
			if kindChanges {
				// The credential and the method change together, before the other fields.
				if old, err = v.ReplaceCredential(cmd.Context(), old.Name, next.AuthMethod, secret); err != nil {
					return err
				}
				replaceSecret = false
				fmt.Fprintf(a.Out, "%s now uses %s: %s\n", old.Name, old.AuthMethod, credentialLine(old, v.Secrets.Name()))
			}
			pending := "" // the secret --replace-secret stores after the edit, checked with it
			if replaceSecret {
				pending = secret
			}
			p, err := v.EditBefore(cmd.Context(), old.Name, pending, func(p *vault.Profile) error {
				if rename != "" {
					p.Name = rename
				}
				return f.apply(cmd.Context(), a, cmd.Flags(), p, false)
			})
			if errors.Is(err, vault.ErrInvalidProfile) {
				return usageErr(err) // names the fields to fix
			}
			if err != nil {
				return err
			}
			if replaceSecret {
				if p, err = v.ReplaceSecret(cmd.Context(), p.Name, secret); err != nil {
					return err
				}
				fmt.Fprintf(a.Out, "replaced: %s\n", credentialLine(p, v.Secrets.Name()))
			}
			fmt.Fprintf(a.Out, "updated %s\n", p.Name)
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().StringVar(&rename, "name", "", "rename the profile")
	cmd.Flags().BoolVar(&replaceSecret, "replace-secret", false, "replace the secret (read from the prompt or stdin) without keeping the old one, e.g. to fix a typo")
	return cmd
}

func (a *App) rmCmd() *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:               "rm NAME",
		Short:             "Remove a profile with its secrets and cached token",
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.Vault()
			if err != nil {
				return err
			}
			p, err := v.Get(args[0])
			if err != nil {
				return err
			}
			if !yes {
				ok, err := a.confirm(fmt.Sprintf("Remove profile %s (client %s) and its secret %s?", p.Name, oauth.OneLine(p.ClientID), oauth.OneLine(p.SecretFingerprint)))
				if err != nil {
					return err
				}
				if !ok {
					fmt.Fprintln(a.Err, "nothing removed")
					return &exitError{code: ExitFailure, silent: true}
				}
			}
			if err := v.Remove(cmd.Context(), p.Name); err != nil {
				return err
			}
			fmt.Fprintf(a.Out, "removed %s\n", p.Name)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask")
	return cmd
}

// algAlias makes flag from the name of to: keygen says --alg, add, edit and rotate say
// --key-alg, and either is taken by all of them.
func algAlias(from, to string) func(*pflag.FlagSet, string) pflag.NormalizedName {
	return func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		if name == from {
			name = to
		}
		return pflag.NormalizedName(name)
	}
}
