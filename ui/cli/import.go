package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// importOptions are oat import's flags and argument.
type importOptions struct {
	file, name, env string
	force           bool
}

func (a *App) importCmd() *cobra.Command {
	var o importOptions
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a profile from a .env file (EarthDaily EDS.env, or CLIENT_ID / CLIENT_SECRET / TOKEN_URL / API_URL)",
		Long: `Import a profile from a .env file: EarthDaily's EDS.env (EDS_CLIENT_ID, EDS_SECRET,
EDS_AUTH_URL, EDS_API_URL), or CLIENT_ID / CLIENT_SECRET / TOKEN_URL / API_URL with any
common prefix. When the file holds no usable secret (EDS.env is downloaded with
EDS_SECRET empty or a placeholder such as <EDS_SECRET HERE>), the secret is asked at a
hidden prompt, or read from stdin when stdin is not a terminal. A placeholder is never
stored.`,
		Example: `  oat import ~/Downloads/EDS.env            # EDS_CLIENT_ID, EDS_SECRET, EDS_AUTH_URL, EDS_API_URL
  pass show eds | oat import ~/Downloads/EDS.env   # EDS_SECRET empty in the file
  oat import staging.env --name dash-staging --env staging`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr(fmt.Errorf("import takes one .env file, got %d arguments", len(args)))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.file = args[0]
			return a.runImport(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.name, "name", "", "profile name (default from the variable prefix or the file name)")
	cmd.Flags().StringVar(&o.env, "env", "", "environment label")
	cmd.Flags().BoolVar(&o.force, "force", false, "replace an existing profile of that name")
	return cmd
}

func (a *App) runImport(ctx context.Context, o importOptions) error {
	creds, err := vault.ReadEnvCredentials(o.file)
	if err != nil {
		return usageErr(err)
	}
	name := o.name
	if name == "" {
		name = creds.DefaultName(o.file)
	}
	p := vault.Profile{Name: name, Environment: o.env, TokenURL: creds.TokenURL, ClientID: creds.ClientID,
		APIBaseURL: creds.APIURL, AuthMethod: oauth.AuthAuto, Scopes: strings.Fields(strings.ReplaceAll(creds.Scope, ",", " "))}
	if err := p.Validate(); err != nil {
		return usageErr(fmt.Errorf("%s: %w", o.file, err))
	}
	secret, from, err := a.importSecret(o.file, name, creds)
	if err != nil {
		return err
	}
	v, err := a.Vault()
	if err != nil {
		return err
	}
	var added vault.Profile
	if _, err := v.Get(name); err == nil {
		if !o.force {
			return usageErr(fmt.Errorf("%w: %q; pass --force to replace it, or --name to import under another name", vault.ErrProfileExists, name))
		}
		added, err = v.Replace(ctx, name, p, secret)
	} else if errors.Is(err, vault.ErrProfileNotFound) {
		added, err = v.Add(ctx, p, secret)
	}
	if err != nil {
		return err
	}
	// The values passed Validate; OneLine all the same, as everywhere a profile is shown.
	file, one := oauth.OneLine(o.file), oauth.OneLine
	fmt.Fprintf(a.Out, "imported %s from %s\n", added.Name, file)
	fmt.Fprintf(a.Out, "  client id  %s (%s)\n  token URL  %s (%s)\n", one(added.ClientID), creds.Keys["client_id"], one(added.TokenURL), creds.Keys["token_url"])
	if added.APIBaseURL != "" {
		fmt.Fprintf(a.Out, "  API URL    %s (%s)\n", one(added.APIBaseURL), creds.Keys["api_url"])
	}
	fmt.Fprintf(a.Out, "  secret     %s, stored in the %s store, fingerprint %s\n", from, v.Secrets.Name(), added.SecretFingerprint)
	if creds.NoSecret == "" {
		fmt.Fprintf(a.Out, "The secret is still in plain text in %s: delete that file once `oat token %s` works.\n", file, added.Name)
	}
	return nil
}

// importSecret is the secret to store and where it came from. EarthDaily's EDS.env is
// downloaded with EDS_SECRET empty or a placeholder: the secret, shown once by the
// provider, is then taken the way add takes it (a hidden prompt, else stdin).
func (a *App) importSecret(file, name string, creds *vault.EnvCredentials) (secret, from string, err error) {
	secret, from = creds.Secret, "from "+creds.Keys["secret"]
	if creds.NoSecret != "" {
		if a.IsTerminal(a.In) {
			fmt.Fprintf(a.Err, "oat: %s: %s; give the client secret the provider showed you.\n", oauth.OneLine(file), creds.NoSecret)
			from = "typed at the prompt"
		} else {
			from = "read from stdin"
		}
		if secret, err = a.readSecret(fmt.Sprintf("Client secret for %s (hidden): ", name)); err != nil {
			return "", "", fmt.Errorf("%s: %s, and %w", oauth.OneLine(file), creds.NoSecret, err)
		}
	}
	return secret, from, vault.CheckSecret(secret)
}
