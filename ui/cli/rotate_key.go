package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// runRotateKey is oat rotate for a private_key_jwt profile: stage a new key (generated
// with --keygen, or piped), show once what to register, and — after enter on a
// terminal, or with --continue later — try it and make it active (vault does each step).
func (a *App) runRotateKey(ctx context.Context, b *vault.Broker, p vault.Profile, o rotateOptions) error {
	if (o.keygen || o.keyAlg != "") && (o.cont || o.checkOld || o.dropOld) {
		return usageErr(errors.New("--keygen starts a key rotation; --continue, --check-old and --drop-old are later steps: one at a time"))
	}
	if o.pkcs12 {
		n := oauth.OneLine(p.Name)
		return usageErr(fmt.Errorf("--pkcs12 reads a client certificate (mutual TLS); %s signs with a private key (private_key_jwt): a key in a .p12/.pfx goes as PEM: openssl pkcs12 -in f.pfx -nodes | oat rotate %s", n, n))
	}
	if o.keyAlg != "" && !o.keygen {
		return usageErr(errors.New("--key-alg goes with --keygen"))
	}
	if !o.keygen && (o.cert.cert || o.fs != nil && (o.fs.Changed("days") || o.fs.Changed("subject"))) {
		return usageErr(errors.New("--cert, --days and --subject describe the certificate of a new key: they go with --keygen"))
	}
	if o.cont && (o.checkOld || o.dropOld) {
		return usageErr(errors.New("--continue and --check-old/--drop-old are different steps: one at a time"))
	}
	switch {
	case o.dropOld:
		np, err := b.Vault.DropPrevious(ctx, o.name)
		if err != nil {
			return keyWording(err)
		}
		fmt.Fprintf(a.Out, "old key of %s deleted; active key %s\n", oauth.OneLine(np.Name), oauth.OneLine(np.KeyThumbprint))
		return nil
	case o.checkOld:
		return a.checkOldKey(ctx, b, o.name)
	case o.cont:
		return a.tryStagedKey(ctx, b, p.Name, o, "")
	}
	if o.keygen {
		if err := a.keyOnStdin(fmt.Sprintf("--keygen makes the new key; the key on stdin would be ignored: leave out --keygen to stage it (oat rotate %s < key.pem)", oauth.OneLine(p.Name))); err != nil {
			return err
		}
	}
	var sk vault.StagedKey
	var err error
	// A staged key was shown once and may be registered at the provider already: another
	// --keygen (or key) would drop it without a word. Vault checks and stages in one
	// step, so that two oat processes rotating at once cannot both stage.
	staged := func(err error) error {
		if se := (*vault.StagedAlreadyError)(nil); errors.As(err, &se) {
			return usageErr(fmt.Errorf("%w: register it and run oat rotate %s --continue, or add --restage to replace it with another", err, p.Name))
		}
		return err
	}
	// --restage deletes the key staged before, which may be registered at the provider
	// already: it is named below so that the user removes it there too.
	var before string
	if o.restage {
		if prev, err := b.Vault.StagedKeyOf(ctx, p); err == nil {
			before = prev.Key.Thumbprint
		}
	}
	defer func() {
		if before != "" && sk.Key.Thumbprint != "" && sk.Key.Thumbprint != before {
			fmt.Fprintf(a.Err, "the key staged before (%s) is deleted: if you registered it at the provider, remove it there\n", before)
		}
	}()
	if o.keygen {
		var cert *vault.CertRequest
		if o.fs != nil {
			if cert, err = o.cert.request(o.fs, p.Name, b.Vault.Now()); err != nil {
				return err
			}
		}
		if o.restage {
			_, sk, err = b.Vault.GenerateStagedKeyCert(ctx, p.Name, o.keyAlg, cert)
		} else {
			_, sk, err = b.Vault.GenerateStagedKeyCertIfNone(ctx, p.Name, o.keyAlg, cert)
		}
		if err != nil {
			return staged(err)
		}
	} else {
		if o.updateShared && !o.cont && a.IsTerminal(a.In) {
			return a.updateSharedNow(ctx, b, p) // no new key: give the active one to the others
		}
		if a.IsTerminal(a.In) {
			return usageErr(fmt.Errorf("%s signs with a private key: oat rotate %s --keygen makes a new one (shown once to register), or pipe a key of your own on stdin (PEM or JWK)", p.Name, p.Name))
		}
		in, err := a.readStdin(64 << 10)
		if err != nil {
			return fmt.Errorf("read the private key from stdin: %w", err)
		}
		if strings.TrimSpace(string(in)) == "" {
			if o.updateShared && !o.cont {
				return a.updateSharedNow(ctx, b, p)
			}
			return usageErr(errors.New("no private key on stdin: pipe a PEM or JWK private key, or generate one with --keygen"))
		}
		cred := string(in)
		stage := b.Vault.StageKeyIfNone
		if o.restage {
			stage = b.Vault.StageKey
		}
		if _, sk, err = stage(ctx, p.Name, cred, ""); err != nil {
			return staged(err)
		}
		// A key of one's own is most often registered already: try it at once.
		fmt.Fprintf(a.Err, "✓ stage the new key: thumbprint %s (%s%s)\n", sk.Key.Thumbprint, sk.Key.Alg, ownKid(sk.Key.KeyID))
		return a.tryStagedKey(ctx, b, p.Name, o, vault.StepStage)
	}
	writeRotationKeyOnce(a.Out, p, b.Vault.Secrets.Name(), sk.Docs)
	if sh, _ := b.Vault.SharedClient(p); len(sh) > 0 && !o.updateShared {
		// Said now, while --update-shared can still go with --continue.
		for _, q := range sh {
			fmt.Fprintf(a.Err, "⚠ %s holds the same key: add --update-shared to --continue to give it the new key too (or later: oat rotate %s --update-shared)\n", oauth.OneLine(q.Name), oauth.OneLine(p.Name))
		}
	}
	if !a.IsTerminal(a.In) {
		fmt.Fprintf(a.Out, "\nThe new key is staged; the old key (%s) is still active.\nRegister the public key at the provider, then: oat rotate %s --continue\n", oauth.OneLine(p.KeyThumbprint), oauth.OneLine(p.Name))
		return nil
	}
	fmt.Fprintf(a.Err, "\nRegister the public key at the provider, then press enter (ctrl+c stops here; the new key stays staged for oat rotate %s --continue): ", oauth.OneLine(p.Name))
	var rerr error
	a.atPrompt(func() { _, rerr = bufio.NewReader(a.In).ReadString('\n') })
	if rerr != nil && !errors.Is(rerr, io.EOF) {
		return rerr
	}
	return a.tryStagedKey(ctx, b, p.Name, o, "")
}

// writeRotationKeyOnce shows what the provider registers for the new key of a rotation,
// the one time oat shows it.
func writeRotationKeyOnce(w io.Writer, p vault.Profile, store string, docs oauth.PublicKeyDocs) {
	fmt.Fprintf(w, "new %s key for %s, staged beside the active key %s\n", docs.Alg, oauth.OneLine(p.Name), oauth.OneLine(p.KeyThumbprint))
	writeKeyDocs(w, store, docs, "Register the public key at the provider beside the old one", "again any time: oat keygen "+oauth.OneLine(p.Name)+" --show")
}

// tryStagedKey runs the checked rotation of the staged key: token, test call, promote.
// said is a step said already (its line is not printed again), or "".
func (a *App) tryStagedKey(ctx context.Context, b *vault.Broker, name string, o rotateOptions, said string) error {
	opts := vault.RotateOptions{ActivateIfCallFails: o.activateIfCallFails}
	rep, err := b.RotateStagedKey(ctx, name, opts, a.stepPrinter("key", said))
	if re := (*vault.RotationError)(nil); errors.As(err, &re) {
		n := oauth.OneLine(name)
		return a.stagedRotationFailed(name, "key", fmt.Sprintf("is the new public key registered at the provider for this client? Then try again: oat rotate %s --continue (or start over with another key: oat rotate %s --keygen --restage)", n, n), re)
	}
	if err != nil {
		return err
	}
	if rep.CallErr != nil {
		fmt.Fprintf(a.Err, "⚠ the test call %s failed, but the new key got a token: made active as asked. Fix the test request: oat edit %s --test-path ...\n",
			oauth.OneLine(rep.Profile.CallText()), oauth.OneLine(rep.Profile.Name))
	}
	fmt.Fprintf(a.Out, "rotated %s: active key %s (%s%s), old key %s kept aside.\n",
		oauth.OneLine(rep.Profile.Name), oauth.OneLine(rep.NewFingerprint), oauth.OneLine(rep.Profile.KeyAlg), ownKid(rep.Profile.KeyID), oauth.OneLine(rep.OldFingerprint))
	failed := a.sharedAfterRotate(ctx, b, rep, o.updateShared)
	fmt.Fprintf(a.Out, "Remove the old key (kid %s) at the provider, then: oat rotate %s --check-old\n", oauth.OneLine(vault.KidOf(rep.OldFingerprint, rep.OldKeyID)), oauth.OneLine(rep.Profile.Name))
	if failed {
		return &exitError{code: ExitFailure, silent: true}
	}
	return nil
}

// checkOldKey tries the previous key: revoked deletes it, still accepted exits 1.
func (a *App) checkOldKey(ctx context.Context, b *vault.Broker, name string) error {
	before, err := b.Vault.Get(name)
	if err != nil {
		return err
	}
	verdict, p, err := b.CheckOld(ctx, name)
	if err != nil {
		return keyWording(err)
	}
	if verdict == vault.Revoked {
		fmt.Fprintf(a.Out, "✓ revoked: the provider rejects the old key %s (invalid_client); it is deleted. Active key: %s\n", oauth.OneLine(vault.KidOf(before.PreviousKeyThumbprint, before.PreviousKeyID)), oauth.OneLine(p.KeyThumbprint))
		return nil
	}
	fmt.Fprintf(a.Out, "⚠ still accepted: the provider still issues tokens for the old key %s.\n  Remove it at the provider, then run oat rotate %s --check-old again. It is kept until then.\n", oauth.OneLine(vault.KidOf(p.PreviousKeyThumbprint, p.PreviousKeyID)), oauth.OneLine(p.Name))
	return &exitError{code: ExitFailure, silent: true}
}

// updateSharedNow gives p's active key to the profiles of the same client that still
// hold its old one (a rotation finished without --update-shared): oat rotate NAME
// --update-shared with no new key.
func (a *App) updateSharedNow(ctx context.Context, b *vault.Broker, p vault.Profile) error {
	sh, err := b.Vault.SharedClient(p)
	if err != nil {
		return err
	}
	var behind []vault.Profile
	for _, q := range sh {
		if q.KeyThumbprint != p.KeyThumbprint {
			behind = append(behind, q)
		}
	}
	if len(behind) == 0 {
		fmt.Fprintf(a.Out, "no other profile of %s's client holds its old key: nothing to update\n", oauth.OneLine(p.Name))
		return nil
	}
	if a.sharedAfterRotate(ctx, b, &vault.RotationReport{Profile: p, Shared: behind, Key: true}, true) {
		return &exitError{code: ExitFailure, silent: true}
	}
	return nil
}
