package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

func (a *App) rotateCmd() *cobra.Command {
	var checkOld, dropOld bool
	cmd := &cobra.Command{
		Use:   "rotate NAME",
		Short: "Rotate the client secret with a check: the new one must work before it replaces the old",
		Long: `Rotate the client secret. The new secret (from a hidden prompt or stdin) is used to get
a token, and to run the profile's test call if it has one; only if that works does it
become active. The old secret is kept aside, never shown.

Once you have revoked the old secret at the provider, run
  oat rotate NAME --check-old
oat tries the old secret: "revoked" (invalid_client) deletes it; "still accepted" keeps it
and exits non-zero. --drop-old deletes it without checking.`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.Broker()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			switch {
			case checkOld && dropOld:
				return usageErr(errors.New("--check-old and --drop-old exclude each other"))
			case dropOld:
				p, err := b.Vault.DropPrevious(ctx, args[0])
				if err != nil {
					return err
				}
				fmt.Fprintf(a.Out, "old secret of %s deleted; active secret %s\n", p.Name, oauth.OneLine(p.SecretFingerprint))
				return nil
			case checkOld:
				verdict, p, err := b.CheckOld(ctx, args[0])
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
			if _, err := b.Vault.Get(args[0]); err != nil {
				return err
			}
			secret, err := a.readSecret(fmt.Sprintf("New client secret for %s (input hidden): ", args[0]))
			if err != nil {
				return err
			}
			rep, err := b.Rotate(ctx, args[0], secret, func(s vault.RotationStep) {
				mark := "✓"
				if !s.OK {
					mark = "✗"
				}
				fmt.Fprintf(a.Err, "%s %s: %s\n", mark, s.Name, s.Note)
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(a.Out, "rotated %s: active secret %s, old secret %s kept aside.\nRevoke the old secret at the provider, then: oat rotate %s --check-old\n",
				rep.Profile.Name, rep.NewFingerprint, oauth.OneLine(rep.OldFingerprint), rep.Profile.Name)
			return nil
		},
	}
	cmd.Flags().BoolVar(&checkOld, "check-old", false, "try the previous secret: delete it if revoked, warn if still accepted")
	cmd.Flags().BoolVar(&dropOld, "drop-old", false, "delete the previous secret without checking")
	return cmd
}

func (a *App) checkCmd() *cobra.Command {
	var all, call, asJSON, prune bool
	var concurrency int
	cmd := &cobra.Command{
		Use:   "check [NAME…|--all]",
		Short: "Fetch a token (and run the test call) for many profiles at once",
		Long: `Fetch a token (and, with --call, run the test call) for the named profiles, or all.

Checking all profiles also looks for what an interrupted oat add or oat rm can leave:
secrets in the store that belong to no profile (--prune deletes them), and profiles
whose secret is missing from the store. A keyring cannot list its entries, so there
oat looks only under the profiles it was adding or removing.`,
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := a.Broker()
			if err != nil {
				return err
			}
			if prune && len(args) > 0 {
				return usageErr(errors.New("--prune works on the whole store: give no profile names"))
			}
			names := args
			var debris []string
			if all || len(args) == 0 {
				if len(args) > 0 {
					return usageErr(errors.New("give profile names or --all, not both"))
				}
				ps, err := b.Vault.List()
				if err != nil {
					return err
				}
				for _, p := range ps {
					names = append(names, p.Name)
				}
				debris = debrisLines(cmd.Context(), b.Vault, prune)
			}
			debrisOut := a.Out
			if asJSON {
				debrisOut = a.Err // stdout stays one JSON array
			}
			if len(names) == 0 {
				fmt.Fprintln(a.Err, "no profiles to check")
				printLines(debrisOut, debris)
				return nil
			}
			for _, n := range names {
				if _, err := b.Vault.Get(n); err != nil {
					return err
				}
			}
			rows := b.Check(cmd.Context(), names, call, concurrency, nil)
			failed := 0
			for _, r := range rows {
				if !r.OK {
					failed++
				}
			}
			if asJSON {
				out := make([]map[string]any, 0, len(rows))
				for _, r := range rows {
					m := map[string]any{"name": r.Name, "ok": r.OK, "latency_ms": r.Latency.Milliseconds(),
						"token_lifetime_s": int64(r.Lifetime.Seconds()), "secret_age_days": vault.AgeDays(r.SecretAge), "rotation_overdue": r.Overdue}
					if r.CallCode != 0 {
						m["call_status"] = r.CallCode
					}
					if r.Err != nil {
						m["error"], m["hint"] = oauth.Sanitize(vault.FirstLine(r.Err)), r.Hint
					}
					out = append(out, m)
				}
				if err := writeJSON(a.Out, out, false); err != nil {
					return err
				}
			} else {
				tw := newTable(a.Out)
				fmt.Fprintln(tw, "NAME\tRESULT\tLATENCY\tLIFETIME\tSECRET AGE\tDETAIL")
				for _, r := range rows {
					res := "✓ ok"
					if !r.OK {
						res = "✗ FAIL"
					}
					detail, life, age := r.Detail(), r.LifetimeText(), r.AgeText()
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, res, r.Latency.Round(time.Millisecond), life, age, strings.ReplaceAll(detail, "\t", " "))
				}
				tw.Flush()
				fmt.Fprintf(a.Out, "%d checked, %d ok, %d failed\n", len(rows), len(rows)-failed, failed)
			}
			printLines(debrisOut, debris)
			if failed > 0 {
				code := ExitAuth
				for _, r := range rows {
					if !r.OK && exitCode(r.Err) != ExitAuth {
						code = ExitFailure
					}
				}
				return &exitError{code: code, silent: true}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "check every profile (the default with no names)")
	cmd.Flags().BoolVar(&call, "call", false, "also run each profile's test call")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&concurrency, "concurrency", 4, "profiles checked at once")
	cmd.Flags().BoolVar(&prune, "prune", false, "delete secrets left in the store by profiles that no longer exist")
	return cmd
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
