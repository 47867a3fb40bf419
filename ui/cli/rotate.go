package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// rotateOptions are oat rotate's flags and argument.
type rotateOptions struct {
	name              string
	checkOld, dropOld bool
	// updateShared gives the new secret to the profiles sharing the client too.
	updateShared bool
	// activateIfCallFails makes the new secret active when it got a token and only the
	// test call failed.
	activateIfCallFails bool
	// keygen stages a generated key (private_key_jwt) of keyAlg; cont tries the staged
	// key and promotes it (see rotate_key.go).
	keygen, cont bool
	// restage replaces a key staged earlier (shown once, maybe registered already).
	restage bool
	keyAlg  string
	// pkcs12 reads the new client certificate (mutual TLS) as PKCS#12 from stdin.
	pkcs12 bool
	// cert asks --keygen for a self-signed certificate for the new key; fs are the
	// command's flags (to tell --days and --subject given).
	cert certFlags
	fs   *pflag.FlagSet
}

func (a *App) rotateCmd() *cobra.Command {
	var o rotateOptions
	cmd := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Rotate the client secret, key or certificate with a check: the new one must work before it replaces the old",
		Long: `Rotate the client secret. The new secret (from a hidden prompt or stdin) is used to get
a token, and to run the profile's test call if it has one; only if that works does it
become active. The old secret is kept aside, never shown.

Once you have revoked the old secret at the provider, run
  oat rotate NAME --check-old
oat tries the old secret: "revoked" (invalid_client) deletes it; "still accepted" keeps it
and exits non-zero. --drop-old deletes it without checking.

Other profiles with the same client ID and token URL share the secret: oat warns about
them (they fail once the old secret is revoked); --update-shared gives them the new
secret too once it is active, keeping their old one aside the same way.

When the new secret gets a token but the test call fails (a 403 from a test path this
client may not reach, say), the provider has accepted the secret: fix the test request
(oat edit NAME --test-path ...), or make it active anyway with --activate-if-call-fails.

A profile that signs with a private key (private_key_jwt) rotates its key the same way:
  oat rotate NAME --keygen [--key-alg ALG] [--cert [--days N] [--subject CN]]
makes a new key and shows once its public JWK, JWKS and PEM public key to register at
the provider. On a terminal oat waits for enter, then gets a token with the new key,
runs the test call and only then makes it active, the old key kept aside. Without a
terminal it stops there: register the key, then run oat rotate NAME --continue.
A key of your own (PEM or JWK) piped on stdin is staged and tried at once.
--check-old and --drop-old work on the old key. The profiles of the same client that
sign with the same key are its shared ones (a profile with a key of its own is left
alone); --update-shared gives them the new key. --cert also makes a self-signed
certificate for the new key (for providers that register certificates, Entra ID: a
key whose certificate is registered gets a new one like it without --cert), shown
once with the rest; each assertion then names it by x5t#S256 and x5t.

A profile that authenticates with a client certificate (tls_client_auth,
self_signed_tls_client_auth) rotates it the same way:
  oat rotate NAME < new.pem            (the renewed certificate chain and its key, PEM)
  oat rotate NAME --pkcs12 < new.p12   (passphrase from $OAT_PKCS12_PASSPHRASE or asked)
oat shows the new certificate's subject, issuer, validity and x5t#S256 (what the
provider registers), refuses a key that is not the certificate's, a certificate that
has expired or is not valid yet, and the one in use; then it gets a token with the new
one, runs the test call presenting it, and only then makes it active, the old
certificate and its key kept aside. If the provider refuses it, the old one stays
active and the new one staged: register it, then oat rotate NAME --continue.
--check-old presents the old certificate: for self_signed_tls_client_auth it is
rejected once removed from the client's registration; for tls_client_auth (the
provider checks the subject of a certificate from a CA it trusts) once the CA has
revoked it or it has expired. --drop-old forgets it without asking.`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.name, o.fs = args[0], cmd.Flags()
			return a.runRotate(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.checkOld, "check-old", false, "try the previous secret (key, certificate): delete it if rejected, warn if still accepted")
	cmd.Flags().BoolVar(&o.dropOld, "drop-old", false, "delete the previous secret (key, certificate) without checking")
	cmd.Flags().BoolVar(&o.activateIfCallFails, "activate-if-call-fails", false, "make the new secret active when it gets a token even if the test call fails (the old one is kept aside)")
	cmd.Flags().BoolVar(&o.updateShared, "update-shared", false, "also give the new secret (or key) to the profiles with the same client ID and token URL that hold the old one")
	cmd.Flags().BoolVar(&o.keygen, "keygen", false, "private_key_jwt: generate the new key and show once what to register")
	cmd.Flags().BoolVar(&o.restage, "restage", false, "private_key_jwt: replace a new key staged earlier (one not tried yet with --continue)")
	cmd.Flags().SetNormalizeFunc(algAlias("alg", "key-alg"))
	cmd.Flags().Var(keyAlgValue{&o.keyAlg}, "key-alg", "with --keygen: the new key's algorithm: "+strings.Join(oauth.KeyGenAlgs, ", ")+" (default: the profile's)")
	cmd.Flags().BoolVar(&o.cont, "continue", false, "private_key_jwt, mutual TLS: try the staged key or certificate (registered at the provider by now) and make it active")
	o.cert.register(cmd.Flags())
	cmd.Flags().BoolVar(&o.pkcs12, "pkcs12", false, "mutual TLS: the new certificate and key on stdin are PKCS#12 (.p12/.pfx); passphrase from $OAT_PKCS12_PASSPHRASE or a hidden prompt")
	return cmd
}

// keyRotationFlag is the first flag given that only a key rotation uses ("" for none).
func keyRotationFlag(o rotateOptions) string {
	switch {
	case o.keygen:
		return "--keygen"
	case o.keyAlg != "":
		return "--key-alg"
	case o.cont:
		return "--continue"
	case o.restage:
		return "--restage"
	case o.cert.cert:
		return "--cert"
	}
	return ""
}

func (a *App) runRotate(ctx context.Context, o rotateOptions) error {
	if o.checkOld && o.dropOld {
		return usageErr(errors.New("--check-old and --drop-old exclude each other"))
	}
	if o.updateShared && (o.checkOld || o.dropOld) {
		return usageErr(errors.New("--update-shared goes with a rotation, not with --check-old or --drop-old"))
	}
	b, err := a.Broker()
	if err != nil {
		return err
	}
	if p, err := b.Vault.Get(o.name); err == nil && p.AuthMethod == oauth.AuthPrivateKeyJWT {
		return a.runRotateKey(ctx, b, p, o)
	} else if err == nil && vault.CredentialOf(p.AuthMethod) == vault.CredCert {
		return a.runRotateCert(ctx, b, p, o)
	} else if o.pkcs12 {
		if err != nil {
			return err
		}
		return usageErr(fmt.Errorf("--pkcs12 reads a client certificate (mutual TLS); %s authenticates with %s", p.Name, p.EffectiveAuth()))
	} else if flag := keyRotationFlag(o); flag != "" {
		if err != nil {
			return err
		}
		return usageErr(fmt.Errorf("%s goes with a private_key_jwt profile (it rotates a private key); %s authenticates with a client secret (%s): oat rotate %s", flag, p.Name, p.EffectiveAuth(), p.Name))
	}
	switch {
	case o.dropOld:
		p, err := b.Vault.DropPrevious(ctx, o.name)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.Out, "old secret of %s deleted; active secret %s\n", p.Name, oauth.OneLine(p.SecretFingerprint))
		return nil
	case o.checkOld:
		return a.checkOldSecret(ctx, b, o.name)
	}
	if _, err := b.Vault.Get(o.name); err != nil {
		return err
	}
	secret, err := a.readSecret(fmt.Sprintf("New client secret for %s (input hidden): ", o.name))
	if err != nil {
		return err
	}
	opts := vault.RotateOptions{ActivateIfCallFails: o.activateIfCallFails}
	rep, err := b.RotateWith(ctx, o.name, secret, opts, a.stepPrinter("secret", ""))
	if re := (*vault.RotationError)(nil); errors.As(err, &re) {
		return a.rotationFailed(o.name, re)
	}
	if err != nil {
		return err
	}
	if rep.CallErr != nil {
		fmt.Fprintf(a.Err, "⚠ the test call %s failed, but the new secret got a token: made active as asked. Fix the test request: oat edit %s --test-path ...\n",
			oauth.OneLine(rep.Profile.CallText()), rep.Profile.Name)
	}
	fmt.Fprintf(a.Out, "rotated %s: active secret %s, old secret %s kept aside.\n",
		rep.Profile.Name, rep.NewFingerprint, oauth.OneLine(rep.OldFingerprint))
	failed := a.sharedAfterRotate(ctx, b, rep, o.updateShared)
	fmt.Fprintf(a.Out, "Revoke the old secret at the provider, then: oat rotate %s --check-old\n", rep.Profile.Name)
	if failed {
		return &exitError{code: ExitFailure, silent: true}
	}
	return nil
}

// rotationFailed says what a stopped rotation left, once: the failed step's line above
// already gave its first line of why.
func (a *App) rotationFailed(name string, re *vault.RotationError) error {
	text, hints := vault.Explain(re.Err)
	if _, rest, ok := strings.Cut(text, "\n"); ok && !re.Cancelled {
		fmt.Fprintln(a.Err, oauth.Sanitize(rest))
	}
	switch {
	case re.Cancelled:
		fmt.Fprintln(a.Err, "oat: rotation cancelled")
	case re.TokenOK:
		fmt.Fprintf(a.Err, "oat: the provider accepted the new secret (it got a token); only the test call %s failed.\n", oauth.OneLine(re.Call))
	}
	fmt.Fprintf(a.Err, "the new secret was not stored; the old secret (%s) is still active\n", oauth.OneLine(re.OldFingerprint))
	for _, h := range hints {
		fmt.Fprintf(a.Err, "hint: %s\n", oauth.Sanitize(h))
	}
	if re.TokenOK {
		fmt.Fprintf(a.Err, "hint: fix the test request (oat edit %s --test-path ...), or make the new secret active anyway: oat rotate %s --activate-if-call-fails\n", name, name)
	}
	return &exitError{code: exitCode(re.Err), err: re, silent: true}
}

// sharedAfterRotate warns about the profiles that share the rotated client (they hold
// the old secret and break once it is revoked) or, with update, gives them the new one.
// It says whether an update failed.
func (a *App) sharedAfterRotate(ctx context.Context, b *vault.Broker, rep *vault.RotationReport, update bool) bool {
	if len(rep.Shared) == 0 {
		return false
	}
	cred, held := "secret", "holds the old secret"
	switch {
	case rep.Key:
		cred, held = "key", "still signs with the old key"
	case rep.Cert:
		cred, held = "certificate", "still presents the old certificate"
	}
	var names []string
	for _, p := range rep.Shared {
		names = append(names, p.Name)
	}
	if !update {
		for _, n := range names {
			n = oauth.OneLine(n)
			fix := "oat edit " + n + " --replace-secret (or rotate with --update-shared)"
			switch {
			case rep.Key:
				fix = "rotate with --update-shared (or give it a key of its own: oat rotate " + n + " --keygen)"
			case rep.Cert:
				fix = "rotate with --update-shared (or give it a certificate of its own: oat rotate " + n + " < its.pem)"
			}
			fmt.Fprintf(a.Err, "⚠ %s has the same client ID and token URL: it %s and will fail once that is revoked.\n  Give it the new %s: %s\n", n, held, cred, fix)
		}
		return false
	}
	ups, err := b.Vault.UpdateShared(ctx, rep.Profile.Name, names)
	if err != nil {
		fmt.Fprintf(a.Err, "✗ the profiles sharing the client were not updated: %s\n", oauth.Sanitize(vault.FirstLine(err)))
		return true
	}
	failed := false
	for _, u := range ups {
		n := oauth.OneLine(u.Name)
		switch {
		case u.Err != nil:
			failed = true
			retry := "oat rotate " + n + " (with the same new secret)"
			switch {
			case rep.Key:
				retry = "give it a key of its own: oat rotate " + n + " --keygen"
			case rep.Cert:
				retry = "oat rotate " + n + " with the new certificate and key on stdin"
			}
			fmt.Fprintf(a.Err, "✗ %s not updated: %s\n  it keeps its old %s; %s\n", n, oauth.Sanitize(vault.FirstLine(u.Err)), cred, retry)
		case u.Current:
			fmt.Fprintf(a.Out, "✓ %s already had the new %s\n", n, cred)
		case rep.Key:
			fmt.Fprintf(a.Out, "✓ %s updated too: active key %s, its old one kept aside\n", n, oauth.OneLine(u.Profile.KeyThumbprint))
		case rep.Cert:
			tp := ""
			if cc, err := u.Profile.Certificate(); err == nil && cc != nil {
				tp = cc.Thumbprint()
			}
			fmt.Fprintf(a.Out, "✓ %s updated too: active certificate x5t#S256 %s, its old one kept aside\n", n, oauth.OneLine(tp))
		default:
			fmt.Fprintf(a.Out, "✓ %s updated too: active secret %s, its old one kept aside\n", n, oauth.OneLine(u.Profile.SecretFingerprint))
		}
	}
	return failed
}

// checkOldSecret tries the previous secret: revoked deletes it, still accepted exits 1.
func (a *App) checkOldSecret(ctx context.Context, b *vault.Broker, name string) error {
	verdict, p, err := b.CheckOld(ctx, name)
	if err != nil {
		return err
	}
	if verdict == vault.Revoked {
		fmt.Fprintf(a.Out, "✓ revoked: the provider rejects the old secret (invalid_client); it is deleted. Active secret: %s\n", oauth.OneLine(p.SecretFingerprint))
		return nil
	}
	fmt.Fprintf(a.Out, "⚠ still accepted: the provider still issues tokens for the old secret %s.\n  Revoke it at the provider, then run oat rotate %s --check-old again. It is kept until then.\n", oauth.OneLine(p.PreviousFingerprint), p.Name)
	return &exitError{code: ExitFailure, silent: true}
}

func printLines(w io.Writer, lines []string) {
	for _, l := range lines {
		fmt.Fprintln(w, l)
	}
}

// debrisLines reports (or, with prune, deletes) orphan secrets, and reports profiles whose
// secret is missing, each with what to do. Keys and IDs are shown, never a value.
func debrisLines(ctx context.Context, v *vault.Vault, prune bool) []string {
	find := v.FindDebris
	if prune {
		find = v.PruneOrphans
	}
	d, err := find(ctx)
	if err != nil {
		return []string{"⚠ could not look for orphan secrets: " + oauth.Sanitize(vault.FirstLine(err))}
	}
	store := v.Secrets.Name()
	var out []string
	for _, id := range d.OrphanIDs() {
		var kinds []string
		for _, k := range d.Orphans {
			if kind, ok := strings.CutPrefix(k, id+"/"); ok {
				kinds = append(kinds, kind)
			}
		}
		n, noun, verb := len(kinds), "entries", "are"
		if n == 1 {
			noun, verb = "entry", "is"
		}
		of := fmt.Sprintf("(%s) of a removed profile (id %s)", strings.Join(kinds, ", "), oauth.OneLine(id))
		if prune {
			out = append(out, fmt.Sprintf("✓ deleted %d orphan secret %s %s", n, noun, of))
		} else {
			out = append(out, fmt.Sprintf("⚠ orphan secrets: %d %s %s %s still in the %s store; delete them with: oat check --prune", n, noun, of, verb, store))
		}
	}
	for _, p := range d.NoSecret {
		n := oauth.OneLine(p.Name)
		out = append(out, fmt.Sprintf("⚠ %s: its client secret is missing from the %s store; set it with: oat edit %s --replace-secret (or remove the profile: oat rm %s)", n, store, n, n))
	}
	return out
}
