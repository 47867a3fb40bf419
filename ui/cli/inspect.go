package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oatcli/oat/oauth"
	"github.com/oatcli/oat/vault"
)

func (a *App) inspectCmd() *cobra.Command {
	var verify, asJSON, force bool
	cmd := &cobra.Command{
		Use:   "inspect NAME",
		Short: "Show what is inside the profile's token: header, claims, scopes, expiry, signature",
		Long: `Show what is inside the profile's token: header, claims, scopes, expiry. Every claim is
on one line; control characters in it are shown escaped (\n, \x1b, \u202e), never
interpreted.

--verify checks the signature against the issuer's published keys (discovery from the
token's iss, then its JWKS). A profile set up with --discover accepts only tokens of
the issuer it was discovered from. With --verify the exit code is the outcome:
  0  verified
  3  failed: bad signature, unknown key, alg none or HMAC, wrong issuer, expired
  1  not verifiable: an opaque token, no iss, or the issuer's keys could not be found

A certificate-bound token (RFC 8705: cnf x5t#S256) is compared with the profile's
client certificate. One bound to another certificate than the profile's shows both
thumbprints and exits 3, with or without --verify: an API that checks the binding
refuses it (oat inspect NAME --force fetches a new one).`,
		Args:              exactArgs(1),
		ValidArgsFunction: a.completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, res, err := a.profileToken(cmd.Context(), args[0], force, 0)
			if err != nil {
				return err
			}
			now := b.Vault.Now()
			in := oauth.Inspect(res.Token.AccessToken, res.Profile.Scopes, res.Token.Scopes, now)
			var ver *oauth.Verification
			if verify {
				caFile, caPEM, err := res.Profile.CA()
				if err != nil {
					return err
				}
				ver = b.Client.VerifyWithCA(cmd.Context(), res.Token.AccessToken, res.Profile.Issuer, caFile, caPEM)
			}
			// A certificate-bound token (RFC 8705 §3) is compared with the profile's
			// client certificate (its public chain: no key is read for it).
			bind := res.Profile.TokenBinding(res.Token.AccessToken)
			if asJSON {
				out := inspectJSON(in, ver, res.Token.ExpiresAt, res.Token.TokenType, bind)
				out["client_auth"] = clientAuthJSON(res.Profile, now)
				if err := writeJSON(a.Out, out, false); err != nil {
					return err
				}
			} else {
				writeInspection(a.Out, res.Profile.Name, res.Token.TokenType, res.Token.ExpiresAt, in, ver, now, bind)
				fmt.Fprintf(a.Out, "client    %s\n", res.Profile.ClientAuthText())
				if line := certLine(res.Profile, now); line != "" {
					fmt.Fprintf(a.Out, "cert      %s\n", line)
				}
			}
			if bind.Status == oauth.BoundToOther {
				return &exitError{code: ExitAuth, silent: true}
			}
			return verifyExit(ver)
		},
	}
	cmd.Flags().BoolVar(&verify, "verify", false, "verify the signature against the issuer's published keys (discovery + JWKS); exits 0 verified, 3 failed, 1 not verifiable")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVarP(&force, "force", "f", false, "fetch a new token first")
	return cmd
}

func clientAuthJSON(p vault.Profile, now time.Time) map[string]any {
	out := map[string]any{"method": p.EffectiveAuth()}
	if oauth.IsAssertionAuth(p.EffectiveAuth()) {
		aud := "token_url"
		if p.AssertionAudience == oauth.AudienceIssuer {
			aud = "issuer"
		}
		out["assertion_audience"] = aud
	}
	if c := certJSON(p, now); c != nil {
		out["client_cert"] = c
	}
	if p.AuthMethod == oauth.AuthPrivateKeyJWT {
		out["key_alg"], out["key_thumbprint"] = p.KeyAlg, p.KeyThumbprint
		if p.KeyID != "" {
			out["key_id"] = p.KeyID
		}
	} else if vault.CredentialOf(p.AuthMethod) == vault.CredSecret {
		out["secret_fingerprint"] = p.SecretFingerprint
	}
	return out
}

// verifyExit is the exit of inspect --verify: nil when verified (or not asked), 3 when
// verification failed, 1 when the token could not be verified.
func verifyExit(ver *oauth.Verification) error {
	switch {
	case ver == nil || ver.Status == oauth.Verified:
		return nil
	case ver.Status == oauth.VerifyFailed:
		return &exitError{code: ExitAuth, silent: true}
	}
	return &exitError{code: ExitFailure, silent: true}
}

// writeJSON writes v as JSON that is safe on a terminal: encoding/json escapes C0
// controls but leaves C1 and bidi controls raw, which JSONSafe escapes.
func writeJSON(w io.Writer, v any, indent bool) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	if indent {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := w.Write(oauth.JSONSafe(buf.Bytes()))
	return err
}

func inspectJSON(in *oauth.Inspection, ver *oauth.Verification, exp time.Time, typ string, bind oauth.Binding) map[string]any {
	out := map[string]any{"token_type": typ, "length": in.Length, "jwt": in.IsJWT,
		"requested_scopes": in.Requested, "granted_scopes": in.Scopes, "missing_scopes": in.Missing}
	if !exp.IsZero() {
		out["expires_at"] = exp.UTC().Format(time.RFC3339)
	}
	if in.DecodeErr != nil {
		out["decode_error"] = in.DecodeErr.Error()
	}
	if in.JWT != nil {
		hdr := map[string]any{}
		for k, v := range in.JWT.Header {
			hdr[oauth.Sanitize(k)] = v
		}
		claims := map[string]any{}
		for _, c := range in.Claims {
			claims[c.Name] = c.Raw
		}
		out["header"], out["claims"] = hdr, claims
	}
	if ver != nil {
		out["verification"] = map[string]any{"status": ver.Status, "reason": ver.Reason, "kid": ver.KeyID, "jwks_uri": ver.JWKSURI}
	}
	if b := bind; b.Bound() {
		row := map[string]any{"status": b.Status, "x5t#S256": b.Thumbprint}
		if b.Status == oauth.BoundToOther {
			row["profile_x5t#S256"] = b.CertThumbprint
		}
		out["binding"] = row
	}
	return out
}

// writeInspection prints an inspection as readable text.
func writeInspection(w io.Writer, name, typ string, exp time.Time, in *oauth.Inspection, ver *oauth.Verification, now time.Time, bind oauth.Binding) {
	kind := "opaque token"
	if in.IsJWT {
		kind = "JWT"
	} else if in.DecodeErr != nil {
		kind = "malformed JWT: " + in.DecodeErr.Error()
	}
	fmt.Fprintf(w, "%s: %s %s, %d characters\n", name, typ, kind, in.Length)
	if !exp.IsZero() {
		fmt.Fprintf(w, "expires   %s (%s)\n", exp.Local().Format("2006-01-02 15:04:05 MST"), oauth.Relative(exp, now))
	} else {
		fmt.Fprintln(w, "expires   unknown (no expiry given)")
	}
	if in.JWT != nil {
		fmt.Fprintf(w, "\nheader    alg=%s kid=%s typ=%s\n", oauth.OneLine(in.JWT.Alg), oauth.OneLine(in.JWT.Kid), oauth.OneLine(in.JWT.Typ))
		fmt.Fprintln(w, "\nclaims")
		tw := newTable(w)
		times := map[string]oauth.TimeClaim{}
		for _, t := range in.Times {
			times[t.Name] = t
		}
		for _, c := range in.Claims {
			val := c.Value
			if t, ok := times[c.Name]; ok {
				val = fmt.Sprintf("%s  (%s, %s)", c.Value, t.Time.Local().Format("2006-01-02 15:04:05"), t.Relative)
			}
			fmt.Fprintf(tw, "  %s\t%s\n", c.Name, val)
		}
		tw.Flush()
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "scopes    requested: %s\n", orNone(in.Requested))
	fmt.Fprintf(w, "          granted:   %s\n", orNone(in.Scopes))
	if len(in.Missing) > 0 {
		fmt.Fprintf(w, "          ⚠ not granted: %s\n", strings.Join(in.Missing, " "))
	}
	if ver != nil {
		mark := map[oauth.VerifyStatus]string{oauth.Verified: "✓", oauth.NotVerifiable: "?", oauth.VerifyFailed: "✗"}[ver.Status]
		fmt.Fprintf(w, "signature %s %s: %s\n", mark, ver.Status, oauth.Sanitize(ver.Reason))
	}
	// A certificate-bound token (RFC 8705 §3) says whether it is bound to the profile's
	// client certificate.
	if bind.Bound() {
		fmt.Fprintf(w, "binding   %s\n", bind)
	}
	if bind.Status == oauth.BoundToOther {
		fmt.Fprintf(w, "          token's cnf x5t#S256  %s\n          profile's certificate %s\n", bind.Thumbprint, bind.CertThumbprint)
	}
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "(none)"
	}
	return strings.Join(s, " ")
}
