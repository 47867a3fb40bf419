package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// runRotateCert is oat rotate for a mutual-TLS profile: the new certificate and its key
// from stdin (PEM, or PKCS#12 with --pkcs12) are staged beside the active ones, shown
// (what the provider registers), tried — a token, the test call presenting them — and
// only then made active, the old certificate and key kept aside (vault does each step).
// A refused one stays staged for --continue.
func (a *App) runRotateCert(ctx context.Context, b *vault.Broker, p vault.Profile, o rotateOptions) error {
	n := oauth.OneLine(p.Name)
	switch {
	case o.cert.cert:
		return usageErr(fmt.Errorf("--cert makes a self-signed certificate for a new private key (private_key_jwt, with --keygen); %s authenticates with a client certificate: oat rotate %s < new.pem (the renewed certificate and its key; --pkcs12 for a .p12)", n, n))
	case o.keygen || o.keyAlg != "" || o.restage:
		return usageErr(fmt.Errorf("--keygen, --key-alg and --restage make a private key (private_key_jwt); %s authenticates with a client certificate: oat rotate %s < new.pem (the renewed certificate and its key; --pkcs12 for a .p12)", n, n))
	case o.cont && (o.checkOld || o.dropOld):
		return usageErr(errors.New("--continue and --check-old/--drop-old are different steps: one at a time"))
	case o.pkcs12 && (o.cont || o.checkOld || o.dropOld):
		return usageErr(errors.New("--pkcs12 reads a new certificate from stdin: it goes with oat rotate NAME alone"))
	}
	switch {
	case o.dropOld:
		before, _ := b.Vault.Get(p.Name)
		np, err := b.Vault.DropPrevious(ctx, p.Name)
		if err != nil {
			return certWording(err)
		}
		fmt.Fprintf(a.Out, "old certificate of %s (%s) deleted; active certificate x5t#S256 %s\n", n, oauth.OneLine(before.PreviousKeyThumbprint), activeThumb(np))
		return nil
	case o.checkOld:
		return a.checkOldCert(ctx, b, p.Name)
	case o.cont:
		return a.tryStagedCert(ctx, b, p.Name, o)
	}
	if a.IsTerminal(a.In) {
		return usageErr(fmt.Errorf("%s authenticates with a client certificate: pipe the renewed certificate and its key on stdin: oat rotate %s < new.pem (PEM, chain and key in one text, or cat new.crt new.key | oat rotate %s), or a .p12 with --pkcs12", n, n, n))
	}
	cred, err := a.readCert(p.Name, o.pkcs12)
	if err != nil {
		return err
	}
	stagedBefore, serr := b.Vault.StagedCertOf(ctx, p)
	_, sc, err := b.Vault.StageCert(ctx, p.Name, cred)
	if err != nil {
		return certWording(err)
	}
	writeNewCert(a.Out, p, sc.Info, b.Vault.Now())
	if serr == nil && stagedBefore.Info.Thumbprint != sc.Info.Thumbprint {
		fmt.Fprintf(a.Err, "(it replaces the certificate staged before, x5t#S256 %s, which was never made active)\n", oauth.OneLine(stagedBefore.Info.Thumbprint))
	}
	fmt.Fprintf(a.Err, "✓ stage the new certificate: x5t#S256 %s\n", sc.Info.Thumbprint)
	return a.tryStagedCert(ctx, b, p.Name, o)
}

// writeNewCert describes the certificate a rotation staged: what the provider knows it
// by, and what it must have registered for a token to come.
func writeNewCert(w io.Writer, p vault.Profile, c vault.CertInfo, now time.Time) {
	old := ""
	if cur, ok, err := p.CertInfo(); err == nil && ok {
		old = " (active: x5t#S256 " + cur.Thumbprint + ")"
	}
	issuer := c.Issuer
	if c.SelfSigned {
		issuer = "self-signed"
	}
	const day = "2006-01-02 15:04 MST"
	exp, warn := c.Expiry(now)
	if warn {
		exp = "⚠ " + exp
	}
	fmt.Fprintf(w, "new client certificate for %s, staged beside the active one%s\n", oauth.OneLine(p.Name), old)
	fmt.Fprintf(w, "  subject   %s\n  issuer    %s\n  valid     %s to %s; %s\n  x5t#S256  %s\n",
		c.Subject, issuer, c.NotBefore.UTC().Format(day), c.NotAfter.UTC().Format(day), exp, c.Thumbprint)
	fmt.Fprintln(w, vault.CertRegistration(p.AuthMethod, c.Subject))
}

// activeThumb is the x5t#S256 of p's active certificate.
func activeThumb(p vault.Profile) string {
	if info, ok, err := p.CertInfo(); err == nil && ok {
		return info.Thumbprint
	}
	return "(none)"
}

// tryStagedCert runs the checked rotation of the staged certificate: token, test call,
// promote.
func (a *App) tryStagedCert(ctx context.Context, b *vault.Broker, name string, o rotateOptions) error {
	opts := vault.RotateOptions{ActivateIfCallFails: o.activateIfCallFails}
	// The staging is said already, or by --continue's first line below.
	rep, err := b.RotateStagedCert(ctx, name, opts, a.stepPrinter("certificate", vault.StepStage))
	if re := (*vault.RotationError)(nil); errors.As(err, &re) {
		n := oauth.OneLine(name)
		return a.stagedRotationFailed(name, "certificate", fmt.Sprintf("once the provider knows the new certificate, try it again: oat rotate %s --continue (or rotate with another: oat rotate %s < new.pem)", n, n), re)
	}
	if err != nil {
		return err
	}
	n := oauth.OneLine(rep.Profile.Name)
	if rep.CallErr != nil {
		fmt.Fprintf(a.Err, "⚠ the test call %s failed, but the new certificate got a token: made active as asked. Fix the test request: oat edit %s --test-path ...\n",
			oauth.OneLine(rep.Profile.CallText()), n)
	}
	fmt.Fprintf(a.Out, "rotated %s: active certificate x5t#S256 %s, old certificate %s kept aside (its key too, never shown).\n",
		n, oauth.OneLine(rep.NewFingerprint), oauth.OneLine(rep.OldFingerprint))
	failed := a.sharedAfterRotate(ctx, b, rep, o.updateShared)
	if rep.Profile.AuthMethod == oauth.AuthSelfSignedTLS {
		fmt.Fprintf(a.Out, "Remove the old certificate (x5t#S256 %s) from the client's registration at the provider, then: oat rotate %s --check-old\n", oauth.OneLine(rep.OldFingerprint), n)
	} else {
		fmt.Fprintf(a.Out, "Have the CA revoke the old certificate (or let it expire), then: oat rotate %s --check-old (or forget it here: --drop-old)\n", n)
	}
	if failed {
		return &exitError{code: ExitFailure, silent: true}
	}
	return nil
}

// checkOldCert presents the kept certificate: rejected deletes it, still accepted
// exits 1. What "rejected" means depends on how the provider knows the client.
func (a *App) checkOldCert(ctx context.Context, b *vault.Broker, name string) error {
	before, err := b.Vault.Get(name)
	if err != nil {
		return err
	}
	oldInfo, oerr := b.Vault.PreviousCertOf(ctx, before)
	verdict, p, err := b.CheckOld(ctx, name)
	if err != nil {
		return certWording(err)
	}
	old := oauth.OneLine(before.PreviousKeyThumbprint)
	if verdict == vault.Revoked {
		fmt.Fprintf(a.Out, "✓ rejected: the provider no longer accepts the old certificate %s: %s. It is deleted (and its key). Active certificate: x5t#S256 %s\n", old, vault.OldCertRejected(p.AuthMethod), activeThumb(p))
		return nil
	}
	if oerr != nil {
		oldInfo.Thumbprint = old
	}
	n := oauth.OneLine(p.Name)
	fmt.Fprintf(a.Out, "⚠ still accepted: the provider still issues tokens for the old certificate %s.\n  %s, then run oat rotate %s --check-old again (or forget it here: oat rotate %s --drop-old). It is kept until then.\n",
		old, vault.OldCertAccepted(p.AuthMethod, oldInfo, oerr == nil), n, n)
	return &exitError{code: ExitFailure, silent: true}
}
