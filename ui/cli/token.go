package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/vault"
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
			_, res, err := a.profileToken(cmd.Context(), args[0], force, minValid)
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
				return writeJSON(a.Out, out, false)
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

// profileToken is the start of every command that works with a profile's token: the
// broker, then a token (cached while valid unless force).
func (a *App) profileToken(ctx context.Context, name string, force bool, minValid time.Duration) (*vault.Broker, *vault.TokenResult, error) {
	b, err := a.Broker()
	if err != nil {
		return nil, nil, err
	}
	res, err := b.Token(ctx, name, force, minValid)
	if err != nil {
		return nil, nil, err
	}
	if res.CacheWarning != nil {
		fmt.Fprintf(a.Err, "oat: note: token not cached: %v\n", res.CacheWarning)
	}
	return b, res, nil
}
