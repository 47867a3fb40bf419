package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// checkOptions are oat check's flags and arguments.
type checkOptions struct {
	names                    []string
	all, call, asJSON, prune bool
	concurrency              int
}

func (a *App) checkCmd() *cobra.Command {
	var o checkOptions
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
			o.names = args
			return a.runCheck(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.all, "all", false, "check every profile (the default with no names)")
	cmd.Flags().BoolVar(&o.call, "call", false, "also run each profile's test call")
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print JSON")
	cmd.Flags().IntVar(&o.concurrency, "concurrency", 4, "profiles checked at once")
	cmd.Flags().BoolVar(&o.prune, "prune", false, "delete secrets left in the store by profiles that no longer exist")
	return cmd
}

func (a *App) runCheck(ctx context.Context, o checkOptions) error {
	if o.prune && len(o.names) > 0 {
		return usageErr(errors.New("--prune works on the whole store: give no profile names"))
	}
	if o.all && len(o.names) > 0 {
		return usageErr(errors.New("give profile names or --all, not both"))
	}
	b, err := a.Broker()
	if err != nil {
		return err
	}
	ps, err := b.Vault.List() // once: a Get per name would read the file each time
	if err != nil {
		return err
	}
	names := o.names
	var debris []string
	if len(names) == 0 {
		for _, p := range ps {
			names = append(names, p.Name)
		}
		debris = debrisLines(ctx, b.Vault, o.prune)
	}
	debrisOut := a.Out
	if o.asJSON {
		debrisOut = a.Err // stdout stays one JSON array
	}
	if len(names) == 0 {
		fmt.Fprintln(a.Err, "no profiles to check")
		printLines(debrisOut, debris)
		return nil
	}
	for _, n := range names {
		if vault.Find(ps, n) < 0 {
			return fmt.Errorf("%w %q (see `oat ls`)", vault.ErrProfileNotFound, n)
		}
	}
	rows := b.Check(ctx, names, o.call, o.concurrency, nil)
	if o.asJSON {
		if err := writeJSON(a.Out, checkJSON(rows), false); err != nil {
			return err
		}
	} else {
		a.printCheckTable(rows)
	}
	printLines(debrisOut, debris)
	return checkExit(rows)
}

// checkJSON is the rows as oat check --json prints them.
func checkJSON(rows []vault.CheckRow) []map[string]any {
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
	return out
}

func (a *App) printCheckTable(rows []vault.CheckRow) {
	tw := newTable(a.tableOut())
	fmt.Fprintln(tw, "NAME\tRESULT\tLATENCY\tLIFETIME\tSECRET AGE\tDETAIL")
	failed := 0
	for _, r := range rows {
		res := "✓ ok"
		if !r.OK {
			res = "✗ FAIL"
			failed++
		}
		detail, life, age := r.Detail(), r.LifetimeText(), r.AgeText()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, res, r.Latency.Round(time.Millisecond), life, age, strings.ReplaceAll(detail, "\t", " "))
	}
	tw.Flush()
	fmt.Fprintf(a.Out, "%d checked, %d ok, %d failed\n", len(rows), len(rows)-failed, failed)
}

// checkExit is 0 when every row passed, 3 when every failure was an authorization
// failure, else 1.
func checkExit(rows []vault.CheckRow) error {
	code := ExitOK
	for _, r := range rows {
		switch {
		case r.OK:
		case exitCode(r.Err) == ExitAuth && code != ExitFailure:
			code = ExitAuth
		default:
			code = ExitFailure
		}
	}
	if code == ExitOK {
		return nil
	}
	return &exitError{code: code, silent: true}
}
