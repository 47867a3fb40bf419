package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/oatcli/oat/oauth"
	"github.com/spf13/cobra"
)

// envShell is a family of shells that read `oat env` output the same way.
type envShell int

const (
	shellPOSIX      envShell = iota // sh, dash, bash, zsh, ksh: export NAME='…'
	shellFish                       // fish: set -gx NAME '…'
	shellPowerShell                 // pwsh, Windows PowerShell: $env:NAME = '…'
)

// shellByName maps a shell's name (a --shell value, or the basename of $SHELL) to its
// family.
func shellByName(name string) (envShell, bool) {
	switch strings.ToLower(name) {
	case "sh", "bash", "zsh", "dash", "ksh", "mksh", "ash", "posix":
		return shellPOSIX, true
	case "fish":
		return shellFish, true
	case "powershell", "pwsh":
		return shellPowerShell, true
	}
	return shellPOSIX, false
}

// shellFromEnv is the family of the user's login shell, $SHELL; POSIX sh when it is unset
// or not one oat knows.
func shellFromEnv(shellVar string) (envShell, bool) {
	if shellVar == "" {
		return shellPOSIX, true
	}
	base := filepath.Base(strings.ReplaceAll(shellVar, `\`, "/"))
	return shellByName(strings.TrimSuffix(strings.ToLower(base), ".exe"))
}

// shellQuote quotes s for POSIX shells: everything between single quotes is literal,
// and a single quote is written as '\” (close, escaped quote, open).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote quotes s for fish, where \\ and \' are escapes even inside single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// powerShellQuote quotes s for PowerShell. Inside single quotes nothing is expanded, and
// a quote is written twice; PowerShell takes the typographic single quotes ‘ ’ ‚ ‛ as
// quotes too, so they are doubled as well.
func powerShellQuote(s string) string {
	return "'" + strings.NewReplacer("'", "''", "\u2018", "\u2018\u2018", "\u2019", "\u2019\u2019",
		"\u201a", "\u201a\u201a", "\u201b", "\u201b\u201b").Replace(s) + "'"
}

// assignment is one line that sets and exports name to value in shell sh.
func (sh envShell) assignment(name, value string) string {
	switch sh {
	case shellFish:
		return "set -gx " + name + " " + fishQuote(value)
	case shellPowerShell:
		return "$env:" + name + " = " + powerShellQuote(value)
	}
	return "export " + name + "=" + shellQuote(value)
}

// validIdentifier reports whether s is a name every shell accepts for a variable:
// [A-Za-z_][A-Za-z0-9_]*.
func validIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// errUnsafeValue is why a value is not written for a shell.
var errUnsafeValue = errors.New("holds a line break, a control character, a bidirectional-text control or invalid UTF-8")

// checkShellValue refuses what no quoting makes harmless to print: line breaks end a
// shell line, control characters reach the terminal of whoever prints the output, and
// bidi controls make it read differently from what it is.
func checkShellValue(s string) error {
	if !utf8.ValidString(s) {
		return errUnsafeValue
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || isBidiControl(r) {
			return errUnsafeValue
		}
	}
	return nil
}

// isBidiControl reports the Unicode bidirectional formatting characters.
func isBidiControl(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c
}

func (a *App) envCmd() *cobra.Command {
	var prefix, shell string
	cmd := &cobra.Command{
		Use:   "env NAME",
		Short: "Print shell lines that set the token and URLs (never the secret)",
		Long: `Print lines that set and export, for the shell that reads them, the token, its expiry,
the token URL, the client ID and the API URL (never the secret):
PREFIX + ACCESS_TOKEN, TOKEN_EXPIRES_AT, TOKEN_URL, CLIENT_ID, API_URL.

The shell is --shell, else the one $SHELL names; any other shell gets POSIX sh syntax.
Each shell gets its own quoting, so no value can run code in it. A value with a line
break or a control character is refused, not written.`,
		Example: `  eval "$(oat env eds)"                                  # sh, bash, zsh
  oat env eds --shell fish | source                      # fish
  oat env eds --shell powershell | Out-String | Invoke-Expression   # PowerShell
  eval "$(oat env eds --prefix EDS_)"                    # EDS_ACCESS_TOKEN, …`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if prefix != "" && !validIdentifier(prefix) {
				return usageErr(fmt.Errorf("--prefix %q is not a valid variable name prefix: use letters, digits and '_', not starting with a digit", prefix))
			}
			var sh envShell
			if cmd.Flags().Changed("shell") {
				var ok bool
				if sh, ok = shellByName(shell); !ok {
					return usageErr(fmt.Errorf("--shell %q is not one of bash, zsh, sh, fish, powershell (pwsh)", shell))
				}
			} else {
				var known bool
				if sh, known = shellFromEnv(a.Getenv("SHELL")); !known {
					fmt.Fprintf(a.Err, "oat: note: $SHELL is %q, a shell oat does not know: writing POSIX sh lines (choose with --shell)\n", a.Getenv("SHELL"))
				}
			}
			_, res, err := a.profileToken(cmd.Context(), args[0], false, 0)
			if err != nil {
				return err
			}
			a.noteHandedBound(res)
			p := res.Profile
			type setting struct{ name, value, from string }
			vars := []setting{{"ACCESS_TOKEN", res.Token.AccessToken, "the access token"}}
			if !res.Token.ExpiresAt.IsZero() {
				vars = append(vars, setting{"TOKEN_EXPIRES_AT", res.Token.ExpiresAt.UTC().Format(time.RFC3339), "the expiry"})
			}
			vars = append(vars, setting{"TOKEN_URL", p.TokenURL, "the profile's token URL"},
				setting{"CLIENT_ID", p.ClientID, "the profile's client ID"})
			if p.APIBaseURL != "" {
				api, err := oauth.ExpandURL(p.APIBaseURL, p.URLVars()) // {client_id} filled in, as call does
				if err != nil {
					return usageErr(fmt.Errorf("api_base_url of %s: %w", p.Name, err))
				}
				vars = append(vars, setting{"API_URL", api, "the profile's API URL"})
			}
			// Every value is checked before anything is written: all lines or none.
			var out strings.Builder
			for _, v := range vars {
				if err := checkShellValue(v.value); err != nil {
					return fmt.Errorf("not writing %s%s: %s of profile %s %w (fix it with oat edit)", prefix, v.name, v.from, args[0], err)
				}
				out.WriteString(sh.assignment(prefix+v.name, v.value) + "\n")
			}
			_, err = fmt.Fprint(a.Out, out.String())
			return err
		},
	}
	cmd.Flags().StringVar(&prefix, "prefix", "OAT_", "prefix of the variable names (letters, digits, '_')")
	cmd.Flags().StringVar(&shell, "shell", "", "syntax for this shell: bash, zsh, sh, fish or powershell (default: from $SHELL, else sh)")
	return cmd
}
