package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

// lsRow is one profile as `oat ls --json` prints it.
type lsRow struct {
	Name              string     `json:"name"`
	Environment       string     `json:"environment,omitempty"`
	ClientID          string     `json:"client_id"`
	TokenURL          string     `json:"token_url"`
	Token             string     `json:"token"`
	TokenExpiresAt    *time.Time `json:"token_expires_at,omitempty"`
	TokenSecondsLeft  int64      `json:"token_seconds_left,omitempty"`
	LastError         string     `json:"last_error,omitempty"`
	AuthMethod        string     `json:"auth_method"`
	SecretFingerprint string     `json:"secret_fingerprint"`
	// KeyThumbprint is the RFC 7638 thumbprint of a private_key_jwt profile's key.
	KeyThumbprint string `json:"key_thumbprint,omitempty"`
	KeyAlg        string `json:"key_alg,omitempty"`
	// KeyID is the key's own kid, when it came with one (else the thumbprint is its kid).
	KeyID string `json:"key_id,omitempty"`
	// ClientCert describes a mutual-TLS profile's client certificate.
	ClientCert    *certRow  `json:"client_cert,omitempty"`
	SecretSetAt   time.Time `json:"secret_set_at"`
	SecretAgeDays int       `json:"secret_age_days"`
	secretAge     time.Duration
	Overdue       bool `json:"rotation_overdue"`
	PreviousKept  bool `json:"previous_secret_kept,omitempty"`
	// TokenCache says where the cached token is: "keyctl" (the Linux kernel keyring) or
	// "store" (the secret store); absent when no token is cached.
	TokenCache string `json:"token_cache,omitempty"`
}

func (a *App) lsCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "ls",
		Short: "List profiles with token state and secret age (reads no secret)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, err := a.Vault()
			if err != nil {
				return err
			}
			ps, err := v.List()
			if err != nil {
				return err
			}
			states, err := v.TokenStates()
			if err != nil {
				return err
			}
			now := v.Now()
			rows := make([]lsRow, 0, len(ps))
			for _, p := range ps {
				rows = append(rows, makeRow(v, p, states[p.ID], now))
			}
			if asJSON {
				return writeJSON(a.Out, rows, true) // exact values; C1 and bidi controls \u-escaped
			}
			if len(rows) == 0 {
				fmt.Fprintln(a.Err, "no profiles yet: oat add NAME --token-url … --client-id …, oat import FILE.env, or try oat demo")
				return nil
			}
			tw := newTable(a.tableOut())
			fmt.Fprintln(tw, "NAME\tENV\tCLIENT ID\tTOKEN\tSECRET AGE")
			for _, r := range rows {
				age := vault.AgeText(r.secretAge, r.Overdue)
				if r.Overdue {
					age += " overdue"
				}
				if r.PreviousKept {
					age += " (old kept)"
				}
				env := r.Environment
				if env == "" {
					env = "-"
				}
				// A hand-edited profiles.toml can hold anything: fields are shown escaped.
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, oauth.OneLine(env), oauth.OneLine(r.ClientID), tokenCell(r), age)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, r := range rows {
				if c := r.ClientCert; c != nil && (c.ExpiryWarning || c.Error != "") {
					what := c.Expiry
					if c.Error != "" {
						what = "unreadable: " + c.Error
					}
					kind, how := "client certificate", "oat rotate "+r.Name+" < renewed.pem (certificate and key)"
					if r.AuthMethod == string(oauth.AuthPrivateKeyJWT) {
						kind, how = "the key's certificate", "oat rotate "+r.Name+" --keygen (a new key and certificate)"
					}
					if c.Error == "" {
						what += "; " + how
					}
					// After the table, on stdout: a buffered stdout would print it before.
					if c.Subject != "" { // none when the certificate does not parse
						kind += " " + c.Subject
					}
					fmt.Fprintf(a.Out, "⚠ %s: %s %s\n", r.Name, kind, what)
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func makeRow(v *vault.Vault, p vault.Profile, st vault.TokenState, now time.Time) lsRow {
	status := st.Status(now, vault.DefaultMargin)
	r := lsRow{Name: p.Name, Environment: p.Environment, ClientID: p.ClientID, TokenURL: p.TokenURL,
		Token: string(status.Kind), AuthMethod: string(p.EffectiveAuth()), KeyThumbprint: p.KeyThumbprint, KeyAlg: p.KeyAlg, KeyID: p.KeyID,
		SecretFingerprint: p.SecretFingerprint, SecretSetAt: p.SecretSetAt,
		SecretAgeDays: vault.AgeDays(v.SecretAge(p)), secretAge: v.SecretAge(p), Overdue: v.Overdue(p), PreviousKept: p.PreviousFingerprint != ""}
	r.ClientCert = certJSON(p, now)
	if !st.ExpiresAt.IsZero() {
		t := st.ExpiresAt
		r.TokenExpiresAt = &t
	}
	if status.Left > 0 {
		r.TokenSecondsLeft = int64(status.Left.Seconds())
	}
	if st.Cached {
		r.TokenCache = st.Cache
		if r.TokenCache == "" {
			r.TokenCache = "store"
		}
	}
	if status.Kind == vault.TokenError {
		r.LastError = st.LastError
	}
	return r
}

func tokenCell(r lsRow) string {
	switch vault.TokenStatusKind(r.Token) {
	case vault.TokenValid:
		return "✓ valid " + oauth.ShortDuration(time.Duration(r.TokenSecondsLeft)*time.Second)
	case vault.TokenExpiring:
		return "! expiring " + oauth.ShortDuration(time.Duration(r.TokenSecondsLeft)*time.Second)
	case vault.TokenExpired:
		return "✗ expired"
	case vault.TokenError:
		return "✗ error"
	case vault.TokenRejected:
		return "✗ rejected by the API"
	case vault.TokenNoExpiry:
		return "? no expiry given"
	}
	return "· none"
}
