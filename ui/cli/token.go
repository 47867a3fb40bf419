package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/oatcli/oat/oauth"
	"github.com/spf13/cobra"
)

func (a *App) tokenCmd() *cobra.Command {
	var force, asJSON bool
	var minValid time.Duration
	cmd := &cobra.Command{
		Use:   "token NAME",
		Short: "Print a valid access token (cached while valid) and nothing else on stdout",
		Example: `  curl -H "Authorization: Bearer $(oat token eds)" https://api.example.com/v1/items
  oat token eds --min-valid 10m   # at least 10 minutes left, else fetch anew`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, res, err := a.profileToken(cmd, args[0], force, minValid)
			if err != nil {
				return err
			}
			if asJSON {
				out := map[string]any{"access_token": res.Token.AccessToken, "token_type": res.Token.TokenType,
					"scopes": res.Token.Scopes, "from_cache": res.FromCache}
				if !res.Token.ExpiresAt.IsZero() {
					out["expires_at"] = res.Token.ExpiresAt.UTC().Format(time.RFC3339)
				} else {
					out["expires_at"] = nil
				}
				return json.NewEncoder(a.Out).Encode(out)
			}
			fmt.Fprintln(a.Out, res.Token.AccessToken)
			return nil
		},
	}
	cmd.Flags().BoolVarP(&force, "force", "f", false, "fetch a new token even if the cached one is valid")
	cmd.Flags().DurationVar(&minValid, "min-valid", 0, "reuse the cached token only if it is valid for at least this long (at least the 60s margin)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print token, type, expires_at and scopes as JSON")
	return cmd
}

// shellQuote quotes s for POSIX shells.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (a *App) envCmd() *cobra.Command {
	var prefix string
	cmd := &cobra.Command{
		Use:               "env NAME",
		Short:             "Print shell export lines for the token and URLs (never the secret)",
		Example:           `  eval "$(oat env eds)"`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, res, err := a.profileToken(cmd, args[0], false, 0)
			if err != nil {
				return err
			}
			p := res.Profile
			fmt.Fprintf(a.Out, "export %sACCESS_TOKEN=%s\n", prefix, shellQuote(res.Token.AccessToken))
			if !res.Token.ExpiresAt.IsZero() {
				fmt.Fprintf(a.Out, "export %sTOKEN_EXPIRES_AT=%s\n", prefix, shellQuote(res.Token.ExpiresAt.UTC().Format(time.RFC3339)))
			}
			fmt.Fprintf(a.Out, "export %sTOKEN_URL=%s\n", prefix, shellQuote(p.TokenURL))
			fmt.Fprintf(a.Out, "export %sCLIENT_ID=%s\n", prefix, shellQuote(p.ClientID))
			if p.APIBaseURL != "" {
				fmt.Fprintf(a.Out, "export %sAPI_URL=%s\n", prefix, shellQuote(p.APIBaseURL))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&prefix, "prefix", "OAT_", "prefix of the variable names")
	return cmd
}

func (a *App) execCmd() *cobra.Command {
	var varName string
	var force bool
	cmd := &cobra.Command{
		Use:   "exec NAME -- COMMAND [ARGS…]",
		Short: "Run a command with a valid token in an environment variable",
		Long: `Run a command with a valid token in its environment (OAT_ACCESS_TOKEN by default).
stdin, stdout and stderr are the command's own; SIGINT, SIGTERM and SIGHUP are passed
on, and oat exits with the command's exit code.`,
		Example:           `  oat exec eds -- sh -c 'curl -H "Authorization: Bearer $OAT_ACCESS_TOKEN" https://api…'`,
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			dash := cmd.ArgsLenAtDash()
			if dash != 1 || len(args) < 2 {
				return usageErr(fmt.Errorf("usage: oat exec NAME -- COMMAND [ARGS…]"))
			}
			_, res, err := a.profileToken(cmd, args[0], force, 0)
			if err != nil {
				return err
			}
			path, err := exec.LookPath(args[1])
			if err != nil {
				return usageErr(fmt.Errorf("command %q not found: %w", args[1], err))
			}
			child := exec.Command(path, args[2:]...)
			child.Stdin, child.Stdout, child.Stderr = a.In, a.Out, a.Err
			child.Env = append(os.Environ(), varName+"="+res.Token.AccessToken)
			sigs := make(chan os.Signal, 4)
			signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
			defer signal.Stop(sigs)
			if err := child.Start(); err != nil {
				return fmt.Errorf("start %s: %w", args[1], err)
			}
			done := make(chan struct{})
			go func() {
				for {
					select {
					case s := <-sigs:
						_ = child.Process.Signal(s)
					case <-done:
						return
					}
				}
			}()
			err = child.Wait()
			close(done)
			if err != nil {
				if ee, ok := err.(*exec.ExitError); ok {
					code := ee.ExitCode()
					if code < 0 { // killed by a signal: the shell convention
						if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
							code = 128 + int(ws.Signal())
						} else {
							code = ExitFailure
						}
					}
					return &exitError{code: code, silent: true}
				}
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&varName, "var", "OAT_ACCESS_TOKEN", "name of the environment variable")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "fetch a new token first")
	return cmd
}

// profileToken is the start of every command that works with a profile's token: the
// broker, then a token (cached while valid unless force).
func (a *App) profileToken(cmd *cobra.Command, name string, force bool, minValid time.Duration) (*oauth.Broker, *oauth.TokenResult, error) {
	b, err := a.Broker()
	if err != nil {
		return nil, nil, err
	}
	res, err := b.Token(cmd.Context(), name, force, minValid)
	if err != nil {
		return nil, nil, err
	}
	if res.CacheWarning != nil {
		fmt.Fprintf(a.Err, "oat: note: token not cached: %v\n", res.CacheWarning)
	}
	return b, res, nil
}
