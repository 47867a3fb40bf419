package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

func (a *App) keygenCmd() *cobra.Command {
	var alg string
	var replace, show bool
	var cf certFlags
	cmd := &cobra.Command{
		Use:   "keygen NAME",
		Short: "Make a key pair for a profile (private_key_jwt); show once the public key to register",
		Long: `Make a new key pair for the profile and make it sign its client assertions
(private_key_jwt, RFC 7523). The private key goes into the secret store under the
profile; oat never shows it. What the provider needs is shown (and again with --show):
the public JWK, a JWKS document and the PEM public key, with the key's RFC 7638 thumbprint
(the kid of every assertion, and the key's fingerprint in oat from now on).

--cert also makes a self-signed certificate for the key (--days, default 365;
--subject, the CN, default "oat NAME"), for providers that register a certificate
rather than a key (Entra ID: upload it under Certificates & secrets). It is shown
once with the rest, and kept (public) in the profile; each assertion then names it
in its header by x5t#S256 and x5t.

A profile that already has a credential (client secret, key or certificate) keeps it
unless --replace is given: then it is replaced at once, with nothing kept aside. To
move a private_key_jwt profile to a new key with a check (the old key kept until the
new one works), use oat rotate NAME --keygen. To use a key you already have, pipe it:
oat edit NAME --auth private_key_jwt --replace-secret < key.pem
(a JWK keeps its own kid for the assertions; a certificate piped with the key, as
cat cert.pem key.pem, is kept with it and named in each assertion by x5t#S256 and x5t).

--show makes nothing: it prints again the public documents of the profile's stored
key (the public JWK, JWKS and PEM public key, its thumbprint and certificate), to
register it again, and those of a new key a rotation has staged (oat rotate NAME
--keygen); never a private key.`,
		Example: `  oat keygen okta-m2m
  oat keygen entra --alg PS256 --cert --days 365 --subject "oat entra"
  oat keygen okta-m2m --show
  oat add hydra --auth private_key_jwt --keygen --token-url https://hydra.example/oauth2/token --client-id svc`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if show {
				for _, f := range []string{"replace", "alg", "cert", "days", "subject"} {
					if cmd.Flags().Changed(f) {
						return usageErr(fmt.Errorf("--show prints the stored key's public documents and makes nothing: leave out --%s", f))
					}
				}
				return a.showStoredKey(cmd.Context(), args[0])
			}
			if err := a.keyOnStdin(fmt.Sprintf("oat keygen makes the key; the key on stdin would be ignored: to use it, oat edit %s --auth private_key_jwt --replace-secret < key.pem", oauth.OneLine(args[0]))); err != nil {
				return err
			}
			v, err := a.Vault()
			if err != nil {
				return err
			}
			old, err := v.Get(args[0])
			if err != nil {
				return err
			}
			if (old.SecretFingerprint != "" || old.KeyThumbprint != "") && !replace {
				// A working credential is not thrown away on a bare keygen: the checked way
				// keeps the old one until the new key is proven (and revoked later).
				return usageErr(keygenHasCredential(old))
			}
			cert, err := cf.request(cmd.Flags(), old.Name, v.Now())
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("alg") {
				alg = vault.KeyGenAlgFor(old)
			}
			k, _, err := vault.GenerateKeyCert(alg, cert)
			if err != nil {
				return usageErr(err)
			}
			p, err := v.SetKey(cmd.Context(), args[0], k.PEM, k.Alg)
			if err != nil {
				return err
			}
			return a.showKeyOnce(p, k.PEM)
		},
	}
	cmd.Flags().SetNormalizeFunc(algAlias("key-alg", "alg"))
	cmd.Flags().Var(keyAlgValue{&alg}, "alg", "key algorithm: "+strings.Join(oauth.KeyGenAlgs, ", ")+" (default: the profile's, else the first the server lists, else ES256)")
	cf.register(cmd.Flags())
	cmd.Flags().BoolVar(&show, "show", false, "print again the public JWK, JWKS and PEM of the stored key (to register it again); makes nothing, never shows the private key")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace the profile's credential (secret, key or certificate) at once, keeping nothing: oat rotate NAME --keygen does it with a check")
	return cmd
}

// keygenHasCredential is why a bare oat keygen refuses a profile with a credential, and
// what does work for its kind of credential.
func keygenHasCredential(p vault.Profile) error {
	n := oauth.OneLine(p.Name)
	switch vault.CredentialOf(p.AuthMethod) {
	case vault.CredKey:
		return fmt.Errorf("%s already has a key: oat keygen would replace it at once, with nothing kept. To move to a new key with a check (the old key kept until the new one works), use oat rotate %s --keygen; to replace it anyway, add --replace", n, n)
	case vault.CredCert:
		return fmt.Errorf("%s authenticates with a client certificate (%s): oat keygen %s --replace would drop it at once and sign with a new key (private_key_jwt) instead; a renewed certificate goes through oat rotate %s < new.pem", n, p.AuthMethod, n, n)
	}
	return fmt.Errorf("%s authenticates with a client secret (%s): oat keygen %s --replace moves it to a new key at once (private_key_jwt; the secret is dropped, so register the key shown before the next token); a key of your own: oat edit %s --auth private_key_jwt --replace-secret < key.pem", n, p.EffectiveAuth(), n, n)
}

// keyOnStdin refuses a command that makes a key when stdin is a file with something in
// it: the user most likely meant that key (why says what to do). Only a regular file
// is looked at: a pipe cannot be told apart from an empty one without reading it.
func (a *App) keyOnStdin(why string) error {
	f, ok := a.In.(*os.File)
	if !ok {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() == 0 {
		return nil
	}
	return usageErr(errors.New(why))
}

// showStoredKey prints the public documents of name's stored key again (oat keygen
// --show): what to register at the provider, never the private key.
func (a *App) showStoredKey(ctx context.Context, name string) error {
	v, err := a.Vault()
	if err != nil {
		return err
	}
	p, err := v.Get(name)
	if err != nil {
		return err
	}
	n := oauth.OneLine(p.Name)
	if p.AuthMethod != oauth.AuthPrivateKeyJWT {
		return usageErr(fmt.Errorf("%s authenticates with %s, not with a key (private_key_jwt): there is no public key to show", n, p.EffectiveAuth()))
	}
	pemText, err := v.Secret(ctx, p)
	if err != nil {
		return err
	}
	docs, err := vault.KeyDocs(pemText, p.KeyAlg)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Out, "%s signs its client assertions (private_key_jwt) with this %s key\n", n, docs.Alg)
	writeKeyDocs(a.Out, v.Secrets.Name(), docs, "The public key to register at the provider", "")
	if sk, err := v.StagedKeyOf(ctx, p); err == nil {
		fmt.Fprintf(a.Out, "\nA new %s key is staged for %s (oat rotate %s --keygen), not active yet\n", sk.Docs.Alg, n, n)
		writeKeyDocs(a.Out, v.Secrets.Name(), sk.Docs, "Register it at the provider beside the active one, then oat rotate "+n+" --continue", "")
	} else if !errors.Is(err, vault.ErrNothingStaged) {
		return err
	}
	return nil
}

// keyAlgValue is a key algorithm flag taken in any case (es256 is ES256).
type keyAlgValue struct{ p *string }

func (v keyAlgValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}
func (v keyAlgValue) Set(s string) error { *v.p = oauth.CanonicalKeyAlg(s); return nil }
func (v keyAlgValue) Type() string       { return "string" }

// certFlags ask for a self-signed certificate with a generated key (keygen, add
// --keygen): for providers that register certificates rather than keys (Entra ID).
type certFlags struct {
	cert    bool
	days    int
	subject string
}

func (c *certFlags) register(fs *pflag.FlagSet) {
	fs.BoolVar(&c.cert, "cert", false, "also make a self-signed certificate for the key, for providers that register certificates (Entra ID); assertions name it by x5t#S256 and x5t")
	fs.IntVar(&c.days, "days", 365, "with --cert: how many days the certificate is valid (1-3650)")
	fs.StringVar(&c.subject, "subject", "", "with --cert: the certificate's subject CN (default \"oat NAME\")")
}

// request is the certificate asked for the profile called name (nil: none); --days and
// --subject without --cert are an error.
func (c *certFlags) request(fs *pflag.FlagSet, name string, now time.Time) (*vault.CertRequest, error) {
	if !c.cert {
		if fs.Changed("days") || fs.Changed("subject") {
			return nil, usageErr(errors.New("--days and --subject describe the certificate: they go with --cert"))
		}
		return nil, nil
	}
	subject := c.subject
	if subject == "" {
		subject = vault.DefaultCertSubject(name)
	}
	return &vault.CertRequest{Subject: subject, Days: c.days, Now: now}, nil
}

// showKeyOnce writes what the provider registers for p's new key, for the algorithm
// the profile signs with.
func (a *App) showKeyOnce(p vault.Profile, pemText string) error {
	docs, err := vault.KeyDocs(pemText, p.KeyAlg)
	if err != nil {
		return err
	}
	v, err := a.Vault()
	if err != nil {
		return err
	}
	writeKeyOnce(a.Out, p, v.Secrets.Name(), docs)
	return nil
}

// writeKeyOnce shows what the provider registers for a new key, the one time oat shows
// it: the public JWK, the JWKS, the PEM public key and the thumbprint. Nothing of it is
// secret, but it is shown only here so that the user registers the key they have.
func writeKeyOnce(w io.Writer, p vault.Profile, store string, docs oauth.PublicKeyDocs) {
	fmt.Fprintf(w, "%s signs its client assertions (private_key_jwt) with a new %s key\n", p.Name, docs.Alg)
	writeKeyDocs(w, store, docs, "Register the public key at the provider", "again any time: oat keygen "+oauth.OneLine(p.Name)+" --show")
	fmt.Fprintf(w, "\nThen: oat token %s\n", p.Name)
}

// writeKeyDocs is the part of a new key's one-time display that keygen and a key
// rotation share: the thumbprint, where the private key is, and the public key in each
// form, under register (what to do with it) and note (where to see it again, or "").
func writeKeyDocs(w io.Writer, store string, docs oauth.PublicKeyDocs, register, note string) {
	if note != "" {
		note += "; "
	}
	if docs.KeyID != "" {
		fmt.Fprintf(w, "  kid %s (the key's own: the kid of each assertion)\n", oauth.OneLine(docs.KeyID))
		fmt.Fprintf(w, "  thumbprint %s (RFC 7638; the key's fingerprint in oat)\n", docs.Thumbprint)
	} else {
		fmt.Fprintf(w, "  thumbprint %s (RFC 7638; the kid of each assertion)\n", docs.Thumbprint)
	}
	if docs.Cert != "" {
		fmt.Fprintf(w, "  certificate x5t#S256 %s\n  certificate x5t %s (each assertion names the certificate by both)\n", docs.X5tS256, docs.X5t)
	}
	fmt.Fprintf(w, "  private key stored in the %s store; oat never shows it\n", store)
	if docs.Cert != "" {
		// A provider that registers certificates (Entra ID) takes this one.
		fmt.Fprintf(w, "\n%s (%sthe certificate, or any one form of the key):\n", register, note)
		fmt.Fprintf(w, "\ncertificate (PEM)\n%s", docs.Cert)
	} else {
		fmt.Fprintf(w, "\n%s (%sany one form):\n", register, note)
	}
	fmt.Fprintf(w, "\npublic JWK\n%s\n", docs.JWK)
	fmt.Fprintf(w, "\nJWKS\n%s\n", docs.JWKS)
	fmt.Fprintf(w, "\npublic key (PEM)\n%s", docs.PEM)
}

// ownKid is ", kid X" for a key with its own kid, "" for one known by its thumbprint.
func ownKid(kid string) string {
	if kid == "" {
		return ""
	}
	return ", kid " + oauth.OneLine(kid)
}

// readKey reads a private key (PEM or JWK, several lines) from stdin. A terminal is not
// offered: a PEM cannot be typed at a hidden one-line prompt.
func (a *App) readKey(name string) (string, error) {
	if a.IsTerminal(a.In) {
		return "", usageErr(fmt.Errorf("private_key_jwt: pipe the private key of %s on stdin (PEM or JWK, e.g. oat add %s … < key.pem), or generate one with --keygen", name, name))
	}
	b, err := a.readStdin(64 << 10)
	if err != nil {
		return "", fmt.Errorf("read the private key from stdin: %w", err)
	}
	if strings.TrimSpace(string(b)) == "" {
		return "", usageErr(errors.New("no private key on stdin: pipe a PEM or JWK private key, or generate one with --keygen"))
	}
	return string(b), nil
}

// readCredential reads what the profile's auth method stores: a private key for
// private_key_jwt, a client certificate and its key for mutual TLS (PEM, or PKCS#12
// with pkcs12), a client secret otherwise.
func (a *App) readCredential(p vault.Profile, prompt string, pkcs12 bool) (string, error) {
	switch vault.CredentialOf(p.AuthMethod) {
	case vault.CredKey:
		return a.readKey(p.Name)
	case vault.CredCert:
		return a.readCert(p.Name, pkcs12)
	}
	if pkcs12 {
		return "", usageErr(fmt.Errorf("--pkcs12 reads a client certificate: it goes with --auth tls_client_auth or self_signed_tls_client_auth"))
	}
	return a.readSecret(prompt)
}

// credentialLine says how the stored credential is known: the key's thumbprint, or the
// secret's fingerprint.
func credentialLine(p vault.Profile, store string) string {
	if vault.CredentialOf(p.AuthMethod) == vault.CredCert {
		return fmt.Sprintf("client certificate %s\n  its private key stored in the %s store (oat never shows it)", certLine(p, time.Now()), store)
	}
	if p.AuthMethod == oauth.AuthPrivateKeyJWT {
		s := fmt.Sprintf("private key (%s%s) stored in the %s store, thumbprint %s (oat never shows the key)", oauth.OneLine(p.KeyAlg), ownKid(p.KeyID), store, oauth.OneLine(p.KeyThumbprint))
		if line := certLine(p, time.Now()); line != "" {
			s += "\n  certificate " + line + "\n  (each assertion names it by x5t#S256 and x5t)"
		}
		return s
	}
	return fmt.Sprintf("secret stored in the %s store, fingerprint %s (oat never shows the secret again)", store, oauth.OneLine(p.SecretFingerprint))
}
