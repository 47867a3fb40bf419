package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

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
